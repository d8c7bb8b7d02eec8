package boxoffice_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// refusingGateway refuses for good the refunds of the bookings in refused
// and pays every other refund; it takes no charges.
type refusingGateway struct {
	refused map[boxoffice.BookingID]bool // read-only once the system runs
}

func (g *refusingGateway) Charge(context.Context, boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	return boxoffice.Receipt{}, fmt.Errorf("%w: no charges here", boxoffice.ErrPaymentDeclined)
}

func (g *refusingGateway) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	if g.refused[r.Booking] {
		return boxoffice.Receipt{}, fmt.Errorf("%w: the card was closed", boxoffice.ErrPaymentDeclined)
	}
	return boxoffice.Receipt{Amount: r.Amount, Reference: "re_" + r.IdempotencyKey}, nil
}

// TestRescanReachesOwedRefundsBehindRefusedOnes: a Store shared by several
// processes holds more bookings owing money than one rescan lists
// (4,096), all of them refunds the gateway refuses for good, and one more
// owed refund after them, left by a process that is gone. This process
// must find that one and pay it: the rescan pages through the bookings
// owing money, and a tick goes on past refusals. Before, every rescan
// listed the same 4,096 refused refunds, and a tick stopped at the first
// of them, so the refund was never paid.
func TestRescanReachesOwedRefundsBehindRefusedOnes(t *testing.T) {
	t.Run("changed at different instants", func(t *testing.T) { testRescanBehindRefused(t, time.Millisecond) })
	// A coarse or fake clock, or a bulk cancellation: the cursor must
	// carry the booking ID, or every rescan lists the same first page.
	t.Run("changed at one instant", func(t *testing.T) { testRescanBehindRefused(t, 0) })
}

// testRescanBehindRefused runs the scenario with the refused refunds'
// UpdatedAt apart by spacing, and the owed one last in (UpdatedAt, ID)
// order.
func testRescanBehindRefused(t *testing.T, spacing time.Duration) {
	const refusedCount = 4096 // one full page of the rescan
	store := unsettledStore{newBroken("ok-unsettled")}
	gateway := &refusingGateway{refused: map[boxoffice.BookingID]bool{}}
	f := newFixture(t, func(c *boxoffice.Config) {
		c.Store, c.Gateway, c.SweepInterval = store, gateway, time.Second
	})

	paid := boxoffice.Payment{Method: "card", Amount: 15_00, Reference: "ch", Attempts: 1, PaidAt: start}
	owing := func(updated time.Time) boxoffice.Booking {
		return boxoffice.Booking{ID: boxoffice.NewBookingID(), UserID: "ann", ShowID: f.show.ID,
			Seats: []boxoffice.BookingSeat{{ID: "A1", Type: boxoffice.VIP, Price: 15_00}},
			Total: 15_00, Status: boxoffice.StatusCancelled, Payment: paid,
			Refund:    boxoffice.Refund{Amount: 15_00, Percent: 100, Reason: "cancelled"},
			CreatedAt: start, UpdatedAt: updated}
	}
	all := make([]boxoffice.Booking, refusedCount+1)
	for i := range all {
		all[i] = owing(start.Add(time.Duration(i) * spacing))
	}
	// The owed one comes last: the latest, or, at one instant, the
	// greatest ID.
	slices.SortFunc(all, func(a, b boxoffice.Booking) int {
		if c := a.UpdatedAt.Compare(b.UpdatedAt); c != 0 {
			return c
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
	want := all[refusedCount]
	err := store.UpdateShow(f.ctx, f.show.ID, func(tx boxoffice.ShowTx) error {
		for _, b := range all {
			if b.ID != want.ID {
				gateway.refused[b.ID] = true
			}
			tx.PutBooking(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The sweeper ticks every second and rescans every minute. With 64
	// retries a tick, every refused refund is tried in 64 ticks; allow
	// two rescans and three times that.
	const ticks = 2*60 + 3*refusedCount/64
	for i := range ticks {
		if err := f.clock.WaitForTimers(f.ctx, 1); err != nil {
			t.Fatal(err)
		}
		if got := f.booking(want.ID); got.RefundOwed() == 0 {
			if got.Refund.Amount != want.Total || got.Refund.RefundedAt.IsZero() {
				t.Fatalf("the refund behind the refused ones was recorded as %+v, want %s paid", got.Refund, want.Total)
			}
			t.Logf("paid after %d ticks", i)
			return
		}
		f.clock.Advance(time.Second)
	}
	t.Fatalf("after %d sweeper ticks, the refund owed behind %d refused ones is still owed", ticks, refusedCount)
}
