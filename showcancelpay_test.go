package boxoffice_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// cancelledText is Payment.Failure of a payment that CancelShow stopped.
const cancelledText = "the show was cancelled"

// wantPaymentStoppedByCancel checks a payment of booking b (its charge
// of b.Total taken) that CancelShow stopped: failed as hold lost but
// saying the show was cancelled, the charge voided, one PaymentFailed
// telling the customer so, and a replay of ConfirmBooking answering the
// same. first is the first answer's error, nil if no call answered (the
// sweeper resumed the payment).
func wantPaymentStoppedByCancel(f *fixture, rec *recorder, b boxoffice.Booking, first error) {
	t := f.t
	t.Helper()
	wantErr := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, boxoffice.ErrPaymentFailed) || !errors.Is(err, boxoffice.ErrHoldExpired) ||
			!errors.Is(err, boxoffice.ErrShowCancelled) || err == nil || !strings.Contains(err.Error(), cancelledText) {
			t.Errorf("%s: %v; want ErrPaymentFailed, ErrHoldExpired and ErrShowCancelled, saying %q", what, err, cancelledText)
		}
	}
	if first != nil {
		wantErr("ConfirmBooking", first)
	}
	got := f.booking(b.ID)
	if got.Status != boxoffice.StatusFailed || got.Payment.FailureKind != boxoffice.FailureHoldLost ||
		got.Payment.Failure != cancelledText || got.Refund.Amount != b.Total || got.RefundOwed() != 0 {
		t.Errorf("booking: %s (%v, %q) refunded %s owing %s; want failed (hold lost, %q), %s voided",
			got.Status, got.Payment.FailureKind, got.Payment.Failure, got.Refund.Amount, got.RefundOwed(), cancelledText, b.Total)
	}
	_, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
	wantErr("ConfirmBooking replayed", err)

	waitForEvent(t, rec, func(e boxoffice.Event) bool {
		pf, ok := e.(*boxoffice.PaymentFailed)
		return ok && pf.BookingID == b.ID && pf.Refund.Amount == b.Total
	})
	var failed []*boxoffice.PaymentFailed
	var reasons []string
	for _, e := range rec.waitFor(t, 0) {
		if pf, ok := e.(*boxoffice.PaymentFailed); ok && pf.BookingID == b.ID {
			failed, reasons = append(failed, pf), append(reasons, pf.Reason)
		}
	}
	if len(failed) != 1 || failed[0].Reason != cancelledText {
		t.Fatalf("PaymentFailed events of the booking, by Reason: %q; want one, %q", reasons, cancelledText)
	}
	var out bytes.Buffer
	contacts := boxoffice.ContactMap{b.UserID: {Email: "alice@example.com"}}
	boxoffice.NewEmailNotifier(boxoffice.NewPrintSender(&out), contacts).Notify(context.Background(), failed[0])
	if want := "could not be completed: the show was cancelled."; !strings.Contains(out.String(), want) {
		t.Errorf("the customer's notice %q; want %q in it", out.String(), want)
	}
}

// TestCancelShowAbandonedPaymentAfterStart: the process paying is gone
// and the show is cancelled; the sweeper resumes the payment only once
// the show's start has passed. The show never started: the payment fails
// saying it was cancelled, as before the start, not that it started.
func TestCancelShowAbandonedPaymentAfterStart(t *testing.T) {
	f, rec, b := abandonedFixture(t, time.Second)
	if _, err := f.sys.CancelShow(f.ctx, f.show.ID); err != nil {
		t.Fatal(err)
	}
	f.tick(f.show.Start.Sub(f.clock.Now()) + time.Minute)
	wantPaymentStoppedByCancel(f, rec, b, nil)
	if n := f.gateway.chargeCalls(); n != 1 {
		t.Errorf("%d charge calls; want the first call's alone", n)
	}
}

// TestCancelShowDuringFailedCharge: the show is cancelled while a charge
// is in flight, and the charge then fails — declined, or an error whose
// outcome is unknown (money perhaps taken, or not). The payment fails as
// one stopped by the cancellation, not as a decline or a gateway error:
// ErrShowCancelled, saying the show was cancelled, on the first answer and
// on a replay, and in the one PaymentFailed; the charge is not retried
// for a show that is gone, and whatever it may have taken is voided.
func TestCancelShowDuringFailedCharge(t *testing.T) {
	outcomes := []struct {
		name     string
		o        chargeOutcome
		refunded bool // the void gives the total back: the charge went through
	}{
		{"declined", chargeOutcome{err: fmt.Errorf("card refused: %w", boxoffice.ErrPaymentDeclined)}, false},
		{"outcome unknown, nothing taken", chargeOutcome{err: errGatewayDown}, false},
		{"outcome unknown, money taken", chargeOutcome{err: errGatewayDown, applied: true}, true},
	}
	for _, path := range storePaths {
		for _, tt := range outcomes {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				f, rec := showCancelFixture(t, path.edit)
				b := f.hold("alice", "A1", "A2")
				f.gateway.script(tt.o, tt.o, tt.o) // every attempt Config.PaymentAttempts allows fails
				var cancelErr error
				var once sync.Once
				f.gateway.mu.Lock()
				f.gateway.before = func() { once.Do(func() { _, cancelErr = f.sys.CancelShow(f.ctx, f.show.ID) }) }
				f.gateway.mu.Unlock()
				_, first := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
				if cancelErr != nil {
					t.Fatalf("CancelShow during the charge: %v", cancelErr)
				}
				_, replay := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
				for what, err := range map[string]error{"ConfirmBooking": first, "ConfirmBooking replayed": replay} {
					if !errors.Is(err, boxoffice.ErrPaymentFailed) || !errors.Is(err, boxoffice.ErrHoldExpired) ||
						!errors.Is(err, boxoffice.ErrShowCancelled) || !strings.Contains(err.Error(), cancelledText) {
						t.Errorf("%s: %v; want ErrPaymentFailed, ErrHoldExpired and ErrShowCancelled, saying %q", what, err, cancelledText)
					}
				}
				var want boxoffice.Money
				if tt.refunded {
					want = b.Total
				}
				got := f.booking(b.ID)
				if got.Status != boxoffice.StatusFailed || got.Payment.FailureKind != boxoffice.FailureHoldLost ||
					got.Payment.Failure != cancelledText || got.Payment.Amount != want || got.Refund.Amount != want || got.RefundOwed() != 0 {
					t.Errorf("booking: %s (%v, %q) paid %s refunded %s owing %s; want failed (hold lost, %q), %s paid and voided",
						got.Status, got.Payment.FailureKind, got.Payment.Failure, got.Payment.Amount, got.Refund.Amount, got.RefundOwed(), cancelledText, want)
				}
				charged, refunded := f.gateway.Totals()
				if n := f.gateway.chargeCalls(); n != 1 || charged != want || refunded != want {
					t.Errorf("gateway: %d charge calls, %s charged, %s refunded; want 1 (no retry for a cancelled show), %s and %s",
						n, charged, refunded, want, want)
				}

				waitForEvent(t, rec, func(e boxoffice.Event) bool {
					pf, ok := e.(*boxoffice.PaymentFailed)
					return ok && pf.BookingID == b.ID
				})
				var reasons []string
				for _, e := range rec.waitFor(t, 0) {
					if pf, ok := e.(*boxoffice.PaymentFailed); ok && pf.BookingID == b.ID {
						reasons = append(reasons, pf.Reason)
						if pf.Refund.Amount != want || pf.OwedMoney != 0 {
							t.Errorf("PaymentFailed: refund %s, owed %s; want %s given back, nothing owed", pf.Refund.Amount, pf.OwedMoney, want)
						}
					}
				}
				if len(reasons) != 1 || reasons[0] != cancelledText {
					t.Errorf("PaymentFailed events of the booking, by Reason: %q; want one, %q", reasons, cancelledText)
				}
				f.wantShowCancelled()
			})
		}
	}
}
