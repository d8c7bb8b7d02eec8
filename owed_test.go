package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

func TestBookingRefundOwed(t *testing.T) {
	paid := boxoffice.Payment{Amount: 45_00, Reference: "ch_1"}
	tests := []struct {
		name    string
		status  boxoffice.BookingStatus
		payment boxoffice.Payment
		refund  boxoffice.Refund
		want    boxoffice.Money
		pending bool // Refund.Pending(), which covers cancellations only
	}{
		{"cancelled, refund owed", boxoffice.StatusCancelled, paid, boxoffice.Refund{Amount: 22_50, Percent: 50}, 22_50, true},
		{"cancelled, refund paid", boxoffice.StatusCancelled, paid, boxoffice.Refund{Amount: 22_50, Percent: 50, Reference: "re_1", RefundedAt: start}, 0, false},
		{"cancelled, nothing to refund", boxoffice.StatusCancelled, paid, boxoffice.Refund{RefundedAt: start}, 0, false},
		{"failed, hold lost, void owed", boxoffice.StatusFailed, paid, boxoffice.Refund{}, 45_00, false},
		{"failed, outcome unknown, void owed", boxoffice.StatusFailed, boxoffice.Payment{Amount: 45_00}, boxoffice.Refund{}, 45_00, false},
		{"failed, voided", boxoffice.StatusFailed, paid, boxoffice.Refund{Amount: 45_00, Percent: 100, Reference: "re_1", RefundedAt: start}, 0, false},
		{"failed, declined", boxoffice.StatusFailed, boxoffice.Payment{}, boxoffice.Refund{}, 0, false},
		{"confirmed", boxoffice.StatusConfirmed, paid, boxoffice.Refund{}, 0, false},
		{"completed", boxoffice.StatusCompleted, paid, boxoffice.Refund{}, 0, false},
		{"paying", boxoffice.StatusPaying, boxoffice.Payment{}, boxoffice.Refund{}, 0, false},
		{"held", boxoffice.StatusHeld, boxoffice.Payment{}, boxoffice.Refund{}, 0, false},
		{"expired", boxoffice.StatusExpired, boxoffice.Payment{}, boxoffice.Refund{}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := boxoffice.Booking{Status: tt.status, Total: 45_00, Payment: tt.payment, Refund: tt.refund}
			if got := b.RefundOwed(); got != tt.want {
				t.Errorf("RefundOwed() = %s, want %s", got, tt.want)
			}
			if got := b.Refund.Pending(); got != tt.pending {
				t.Errorf("Refund.Pending() = %v, want %v", got, tt.pending)
			}
		})
	}
}

// flakyRefunds is an InMemoryGateway whose next refunds fail, counting
// every refund call; onCharge, if set, runs once at the next charge.
type flakyRefunds struct {
	*boxoffice.InMemoryGateway
	mu       sync.Mutex
	fail     []error // the next refund calls fail with these
	calls    int
	onCharge func()
}

func (g *flakyRefunds) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	hook := g.onCharge
	g.onCharge = nil
	g.mu.Unlock()
	if hook != nil {
		hook()
	}
	return g.InMemoryGateway.Charge(ctx, r)
}

func (g *flakyRefunds) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	g.calls++
	var err error
	if len(g.fail) > 0 {
		err, g.fail = g.fail[0], g.fail[1:]
	}
	g.mu.Unlock()
	if err != nil {
		return boxoffice.Receipt{}, err
	}
	return g.InMemoryGateway.Refund(ctx, r)
}

func (g *flakyRefunds) refundCalls() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

// TestOwedMoneyPaidInBackground: the gateway fails a refund twice, then
// pays. The call that owed the money fails (one attempt), and nobody calls
// again: the background sweeper retries after 1 s, fails, waits 2 s
// (doubled), and pays, once, recording it as the call would have.
func TestOwedMoneyPaidInBackground(t *testing.T) {
	tests := []struct {
		name string
		// owe makes a booking that owes money back after a failed
		// refund, and returns it and the error of the call.
		owe      func(f *fixture, gw *flakyRefunds) (boxoffice.Booking, error)
		wantErr  []error
		owed     boxoffice.Money
		wantFrom boxoffice.BookingStatus
	}{
		{
			name: "cancellation's refund",
			owe: func(f *fixture, gw *flakyRefunds) (boxoffice.Booking, error) {
				b := f.confirm(f.hold("alice", "A1", "A2"))
				return f.sys.CancelBooking(f.ctx, b.ID) // 10 h before the show: 100 %
			},
			wantErr:  []error{errGatewayDown},
			owed:     45_00,
			wantFrom: boxoffice.StatusCancelled,
		},
		{
			name: "void of a charge whose hold was lost",
			owe: func(f *fixture, gw *flakyRefunds) (boxoffice.Booking, error) {
				b := f.hold("alice", "A1")
				gw.mu.Lock()
				gw.onCharge = func() { // alice's hold runs out mid-payment and bob takes A1
					f.clock.Advance(10 * time.Minute)
					f.hold("bob", "A1")
				}
				gw.mu.Unlock()
				return f.sys.ConfirmBooking(f.ctx, b.ID, "card")
			},
			wantErr:  []error{boxoffice.ErrPaymentFailed, boxoffice.ErrHoldExpired},
			owed:     22_50,
			wantFrom: boxoffice.StatusFailed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw := &flakyRefunds{InMemoryGateway: boxoffice.NewInMemoryGateway()}
			rec := newRecorder()
			f := newFixture(t, func(c *boxoffice.Config) {
				c.Gateway, c.Observers = gw, []boxoffice.Observer{rec}
				c.SweepInterval = time.Second
				c.PaymentAttempts = 1
				c.PaymentTimeout = time.Hour // the charge lasts 10 minutes (onCharge)
			})
			gw.fail = []error{errGatewayDown, errGatewayDown}

			b, err := tt.owe(f, gw)
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Fatalf("the call that owes: %v; want %v", err, want)
				}
			}
			b = f.booking(b.ID)
			if b.Status != tt.wantFrom || b.RefundOwed() != tt.owed {
				t.Fatalf("after the failed refund: %s owing %s; want %s owing %s", b.Status, b.RefundOwed(), tt.wantFrom, tt.owed)
			}

			// tick lets the sweeper run its next tick, d later.
			tick := func(d time.Duration) {
				t.Helper()
				if err := f.clock.WaitForTimers(f.ctx, 1); err != nil { // the sweeper waits for its tick
					t.Fatal(err)
				}
				f.clock.Advance(d)
				if err := f.clock.WaitForTimers(f.ctx, 1); err != nil { // ... and has ticked
					t.Fatal(err)
				}
			}
			check := func(when string, calls int, owed boxoffice.Money) {
				t.Helper()
				if n := gw.refundCalls(); n != calls {
					t.Errorf("%s: %d refund calls, want %d", when, n, calls)
				}
				if got := f.booking(b.ID).RefundOwed(); got != owed {
					t.Errorf("%s: booking owes %s, want %s", when, got, owed)
				}
			}
			tick(time.Second)
			check("after the first retry (1 s)", 2, tt.owed)
			tick(time.Second)
			check("1 s later, before the doubled backoff", 2, tt.owed)
			tick(time.Second)
			paidAt := f.clock.Now()
			check("after the second retry (2 s more)", 3, 0)
			tick(time.Hour)
			check("an hour later", 3, 0)

			got := f.booking(b.ID)
			if got.Status != tt.wantFrom || got.Refund.Amount != tt.owed || got.Refund.Reference == "" || !got.Refund.RefundedAt.Equal(paidAt) {
				t.Errorf("booking after the retry: %s %+v; want %s refunded %s at %v with a reference", got.Status, got.Refund, tt.wantFrom, tt.owed, paidAt)
			}
			charged, refunded := gw.Totals()
			if refunded != tt.owed || charged-refunded != got.Payment.Amount-got.Refund.Amount {
				t.Errorf("gateway charged %s and refunded %s; want %s refunded once", charged, refunded, tt.owed)
			}
			if n := f.sys.Stats().RefundRetryFails; n != 1 {
				t.Errorf("Stats().RefundRetryFails = %d, want 1", n)
			}
			if tt.wantFrom == boxoffice.StatusFailed {
				// Observers hear that the money is back.
				waitForEvent(t, rec, func(e boxoffice.Event) bool {
					pf, ok := e.(*boxoffice.PaymentFailed)
					return ok && pf.BookingID == b.ID && pf.Refund.Amount == tt.owed && pf.Refund.Reference != ""
				})
			}
		})
	}
}

// waitForEvent waits until the recorder has an event that ok accepts.
func waitForEvent(t *testing.T, r *recorder, ok func(boxoffice.Event) bool) {
	t.Helper()
	for n := 1; ; n++ {
		for _, e := range r.waitFor(t, n) {
			if ok(e) {
				return
			}
		}
	}
}

// TestFailedVoidStaysOutOfTheAnswer: the charge goes through, the hold is
// lost meanwhile, and the void that should give the money back fails too.
// The answer, first and replayed (with the void failing again, and once
// it has gone through), matches exactly ErrPaymentFailed and
// ErrHoldExpired: never the void's own error, as PaymentError promises.
func TestFailedVoidStaysOutOfTheAnswer(t *testing.T) {
	tests := []struct {
		name    string
		voidErr error
	}{
		{"void declined", fmt.Errorf("%w: refund refused by issuer", boxoffice.ErrPaymentDeclined)},
		{"void timed out", context.DeadlineExceeded},
		{"gateway down", errGatewayDown},
	}
	sentinels := []error{boxoffice.ErrPaymentFailed, boxoffice.ErrHoldExpired, boxoffice.ErrPaymentDeclined,
		context.DeadlineExceeded, boxoffice.ErrChargeNotFound, boxoffice.ErrInvalidTransition, errGatewayDown}
	want := map[error]bool{boxoffice.ErrPaymentFailed: true, boxoffice.ErrHoldExpired: true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw := &flakyRefunds{InMemoryGateway: boxoffice.NewInMemoryGateway()}
			f := newFixture(t, func(c *boxoffice.Config) {
				c.Gateway, c.PaymentAttempts = gw, 1
				c.PaymentTimeout = time.Hour // the charge lasts 10 minutes (onCharge)
			})
			gw.fail = []error{tt.voidErr, tt.voidErr}
			b := f.hold("alice", "A1")
			gw.onCharge = func() {
				f.clock.Advance(10 * time.Minute)
				f.hold("bob", "A1")
			}
			matches := func(when string, err error, voidFailed bool) {
				t.Helper()
				for _, s := range sentinels {
					if got := errors.Is(err, s); got != want[s] {
						t.Errorf("%s: errors.Is(err, %v) = %v, want %v; err: %v", when, s, got, want[s], err)
					}
				}
				var pe *boxoffice.PaymentError
				if !errors.As(err, &pe) {
					t.Fatalf("%s: %v is not a *PaymentError", when, err)
				}
				if voidFailed != (pe.RefundErr != nil) || voidFailed && !errors.Is(pe.RefundErr, tt.voidErr) {
					t.Errorf("%s: RefundErr = %v, want the void's error: %v", when, pe.RefundErr, voidFailed)
				}
			}
			_, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
			matches("first answer", err, true)
			got, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
			matches("replay, the void failing again", err, true)
			if got.RefundOwed() != 22_50 {
				t.Errorf("after two failed voids the booking owes %s, want 22.50", got.RefundOwed())
			}
			got, err = f.sys.ConfirmBooking(f.ctx, b.ID, "card")
			matches("replay, the void paid", err, false)
			if got.RefundOwed() != 0 {
				t.Errorf("after the void the booking owes %s", got.RefundOwed())
			}
			_, err = f.sys.ConfirmBooking(f.ctx, b.ID, "card")
			matches("replay from the record", err, false)
		})
	}
}
