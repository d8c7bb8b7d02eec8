package pgstore_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// outageGateway is an InMemoryGateway (one ledger for every instance, as
// a real payment provider) whose refunds fail while down is set, and
// whose charges lose their reply (the charge is taken, the caller hears a
// timeout) while loseReplies is set.
type outageGateway struct {
	*boxoffice.InMemoryGateway
	down, loseReplies atomic.Bool
}

var errRefundsDown = errors.New("gateway: refunds unavailable")

func (g *outageGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	rc, err := g.InMemoryGateway.Charge(ctx, r)
	if err == nil && g.loseReplies.Load() {
		return boxoffice.Receipt{}, context.DeadlineExceeded
	}
	return rc, err
}

func (g *outageGateway) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	if g.down.Load() {
		return boxoffice.Receipt{}, errRefundsDown
	}
	return g.InMemoryGateway.Refund(ctx, r)
}

// TestRestartPaysOwedMoney: one BookingSystem cancels a booking and fails
// a payment whose charge may have gone through, while the gateway cannot
// refund, and stops before it gets to retry. Another one, started on the
// same schema once the gateway is back, finds both bookings through the
// Store (OwingBookings, AbandonedPayments) and pays what they owe on its
// first sweep, once.
func TestRestartPaysOwedMoney(t *testing.T) {
	t.Parallel()
	admin := testPool(t)
	schema := newSchema(t, admin)
	ctx := t.Context()
	base := time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)
	gateway := &outageGateway{InMemoryGateway: boxoffice.NewInMemoryGateway()}
	tune := func(c *boxoffice.Config) { c.HoldsPerMinute, c.PaymentAttempts = -1, 1 }

	before := newInstance(t, schema, base, 0, gateway, tune)
	sys := before.sys
	show := scheduleRexShow(t, sys, boxoffice.Movie{Title: "Alien", Duration: 117 * time.Minute}, base.Add(72*time.Hour))

	gateway.down.Store(true)
	carol, err := sys.HoldSeats(ctx, "carol", show.ID, []string{"C1", "C2"})
	must(t, err)
	_, err = sys.ConfirmBooking(ctx, carol.ID, "card:tok_visa")
	must(t, err)
	carol, err = sys.CancelBooking(ctx, carol.ID)
	if !errors.Is(err, errRefundsDown) || !errors.Is(err, boxoffice.ErrRefundOwed) || carol.RefundOwed() != carol.Total {
		t.Fatalf("CancelBooking with refunds down: %v, owing %s; want the gateway's error, ErrRefundOwed and the total owed", err, carol.RefundOwed())
	}
	gateway.loseReplies.Store(true)
	dave, err := sys.HoldSeats(ctx, "dave", show.ID, []string{"D1"})
	must(t, err)
	dave, err = sys.ConfirmBooking(ctx, dave.ID, "card:tok_visa")
	if !errors.Is(err, boxoffice.ErrPaymentFailed) || dave.Status != boxoffice.StatusFailed || dave.RefundOwed() != dave.Total {
		t.Fatalf("ConfirmBooking with a lost reply and refunds down: %v, %s owing %s; want failed owing the total", err, dave.Status, dave.RefundOwed())
	}
	gateway.loseReplies.Store(false)
	must(t, sys.Close(ctx))
	before.pool.Close()

	// The restart, with the gateway back, a minute later.
	gateway.down.Store(false)
	after := newInstance(t, schema, base.Add(time.Minute), 0, gateway, tune)
	sys = after.sys
	waitForTimers(t, after.clock, 1, "the sweeper to rescan and wait for its tick")
	after.clock.Advance(time.Second)
	waitForTimers(t, after.clock, 1, "the sweeper to sweep and wait again")
	paidAt := after.clock.Now()

	for _, want := range []boxoffice.Booking{carol, dave} {
		got, err := sys.Booking(ctx, want.ID)
		must(t, err)
		if got.Status != want.Status || got.RefundOwed() != 0 || got.Refund.Amount != want.Total ||
			got.Refund.Reference == "" || !got.Refund.RefundedAt.Equal(paidAt) {
			t.Errorf("%s's booking after the restart: %s %+v; want %s, %s refunded at %v", got.UserID, got.Status, got.Refund, want.Status, want.Total, paidAt)
		}
	}
	charged, refunded := gateway.Totals()
	if want := carol.Total + dave.Total; charged != want || refunded != want {
		t.Errorf("gateway charged %s and refunded %s; want %s each", charged, refunded, want)
	}
	if st := sys.Stats(); st.RefundRetryFails != 0 || st.SweeperErrors != 0 {
		t.Errorf("the new system's retries failed %d times, its sweeper %d", st.RefundRetryFails, st.SweeperErrors)
	}
	auditSchema(t, admin, schema, boxoffice.SeedLayout())
}
