package boxoffice_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
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
