package boxoffice_test

import (
	"errors"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestResumeOfLostSeatsVoidsWithoutCharging: a payment left paying (its
// process died after marking it, before or after the gateway took the
// money) whose hold lapsed and whose seat someone else has since taken.
// Resuming it — the customer's retry, or the sweeper — knows the seats are
// lost before any money moves: it charges nothing anew, fails the booking
// as hold lost (ErrHoldExpired, as a replay answers) and voids by the
// charge key whatever the first call took, under the void key numbered by
// the attempts on record (none: the first call recorded none).
func TestResumeOfLostSeatsVoidsWithoutCharging(t *testing.T) {
	tests := []struct {
		name         string
		firstCharged bool // the first call's charge went through before it died
		bySweeper    bool // nobody calls again: the sweeper resumes it
	}{
		{"retry, nothing taken", false, false},
		{"retry, first call charged", true, false},
		{"sweeper, first call charged", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &failingStore{MemoryStore: boxoffice.NewMemoryStore()}
			f := newFixture(t, func(c *boxoffice.Config) { c.Store, c.SweepInterval = store, 12*time.Minute })
			b := f.hold("alice", "A1")
			if tt.bySweeper {
				// A real call charges and cannot record it: the booking is
				// left paying, charged, and queued for the sweeper.
				failSettle(f, store)
				if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, errStoreDown) {
					t.Fatalf("the first call: %v; want the Store's error", err)
				}
			} else {
				leaveAbandonedPaying(t, store, b)
				if tt.firstCharged {
					// The dead call's charge, by the booking's charge key.
					if _, err := f.gateway.InMemoryGateway.Charge(f.ctx, boxoffice.ChargeRequest{
						IdempotencyKey: "charge:" + b.ID.String(), Booking: b.ID, UserID: "alice", Amount: b.Total, Method: "card"}); err != nil {
						t.Fatal(err)
					}
				}
			}
			before := f.gateway.chargeCalls()
			// The sweeper's tick, due at 12 minutes, must be armed before
			// the clock moves, or it would come 12 minutes after the move.
			if err := f.clock.WaitForTimers(f.ctx, 1); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(11 * time.Minute) // alice's hold lapses; bob takes A1
			bob := f.hold("bob", "A1")

			var got boxoffice.Booking
			if tt.bySweeper {
				f.tick(time.Minute) // 12 min since it began paying: abandoned (> 345 s); bob's hold lasts
				got = f.booking(b.ID)
			} else {
				var err error
				got, err = f.sys.ConfirmBooking(f.ctx, b.ID, "card")
				if !errors.Is(err, boxoffice.ErrPaymentFailed) || !errors.Is(err, boxoffice.ErrHoldExpired) {
					t.Errorf("the retry: %v; want ErrPaymentFailed and ErrHoldExpired", err)
				}
				_, replayErr := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
				if !errors.Is(replayErr, boxoffice.ErrPaymentFailed) || !errors.Is(replayErr, boxoffice.ErrHoldExpired) ||
					err == nil || replayErr.Error() != err.Error() {
					t.Errorf("replay: %v; want what the retry answered, %v", replayErr, err)
				}
			}

			if n := f.gateway.chargeCalls() - before; n != 0 {
				t.Errorf("resume of a payment whose seat is taken made %d charge calls; want none", n)
			}
			stored := f.booking(b.ID)
			if stored.Status != boxoffice.StatusFailed || stored.Payment.FailureKind != boxoffice.FailureHoldLost ||
				stored.Payment.Attempts != 0 || stored.RefundOwed() != 0 {
				t.Errorf("booking: %s (%s, %q), %d attempts, owing %s; want failed, hold lost, 0 attempts, nothing owed",
					stored.Status, stored.Payment.FailureKind, stored.Payment.Failure, stored.Payment.Attempts, stored.RefundOwed())
			}
			if got.Status != stored.Status {
				t.Errorf("answered %s, stored %s", got.Status, stored.Status)
			}
			charged, refunded := f.gateway.Totals()
			if charged != refunded {
				t.Errorf("gateway: charged %s, refunded %s; want everything taken given back", charged, refunded)
			}
			if tt.firstCharged && stored.Refund.Amount != b.Total {
				t.Errorf("refund on record %s; want the first call's %s", stored.Refund.Amount, b.Total)
			}
			if f.seatStatus("A1") != boxoffice.SeatHeld || f.booking(bob.ID).Status != boxoffice.StatusHeld {
				t.Errorf("bob's hold of A1: seat %s, booking %s; want it untouched", f.seatStatus("A1"), f.booking(bob.ID).Status)
			}
		})
	}
}
