package boxoffice

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// handClock is a Clock moved by hand whose timers never fire: for tests
// that stop the sweeper and run its steps themselves. (Package fakeclock
// imports this one.)
type handClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *handClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *handClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *handClock) NewTimer(time.Duration) Timer { return stillTimer{} }

type stillTimer struct{}

func (stillTimer) C() <-chan time.Time      { return nil }
func (stillTimer) Stop() bool               { return true }
func (stillTimer) Reset(time.Duration) bool { return true }

// slowGateway answers every refund, each answer taking step of the
// clock's time: a refusal for good, or else a success.
type slowGateway struct {
	clock    *handClock
	step     time.Duration
	refuse   bool
	notFound bool // answer ErrChargeNotFound instead
	calls    int  // the test calls settleOwed on its own goroutine alone
}

func (g *slowGateway) Charge(context.Context, ChargeRequest) (Receipt, error) {
	return Receipt{}, fmt.Errorf("%w: no charges here", ErrPaymentDeclined)
}

func (g *slowGateway) Refund(_ context.Context, req RefundRequest) (Receipt, error) {
	g.calls++
	g.clock.Advance(g.step)
	if g.refuse {
		return Receipt{}, fmt.Errorf("%w: the card was closed", ErrPaymentDeclined)
	}
	if g.notFound {
		return Receipt{}, ErrChargeNotFound
	}
	return Receipt{Reference: fmt.Sprintf("re_%d", g.calls), Amount: req.Amount}, nil
}

// TestSettleTickBoundedBySweepInterval: a tick of the retry queue goes on
// past refusals and refunds of charges the gateway does not know (the
// gateway is up, and answered about that booking alone) and successes,
// but only while it has lasted less than a sweep interval, so that a slow
// gateway does not hold up the sweeper's expiries: with answers of 400 ms
// and a 1 s interval, a tick makes three calls of its ten due, and the
// next tick takes the rest. (A tick that stopped at each "charge not
// found" held up, in a chaos drill, abandoned payments queued behind a
// thousand such refunds for minutes.)
func TestSettleTickBoundedBySweepInterval(t *testing.T) {
	for _, tt := range []struct {
		name             string
		refuse, notFound bool
	}{
		{"refusals", true, false},
		{"charges not found", false, true},
		{"successes", false, false},
	} {
		t.Run(tt.name, func(t *testing.T) { testSettleTickBounded(t, tt.refuse, tt.notFound) })
	}
}

func testSettleTickBounded(t *testing.T, refuse, notFound bool) {
	ctx := context.Background()
	start := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	clock := &handClock{now: start}
	gateway := &slowGateway{clock: clock, step: 400 * time.Millisecond, refuse: refuse, notFound: notFound}
	bs, err := New(Config{Clock: clock, Gateway: gateway, SweepInterval: time.Second,
		PaymentBackoff: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bs.Close(ctx) })
	// The test runs the ticks itself, on its goroutine.
	bs.stop()
	select {
	case <-bs.sweeperRan:
	case <-time.After(time.Minute): // a bound for a failure, not a wait
		t.Fatal("waited a minute for the sweeper to stop")
	}

	if _, err := bs.AddMovie(ctx, Movie{ID: "M1", Title: "Alien", Duration: 2 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := bs.AddTheater(ctx, Theater{ID: "T1", Name: "Rex", City: "Oslo"}); err != nil {
		t.Fatal(err)
	}
	if _, err := bs.AddHall(ctx, Hall{ID: "H1", TheaterID: "T1", Name: "1", Layout: SeedLayout()}); err != nil {
		t.Fatal(err)
	}
	show, err := bs.ScheduleShow(ctx, Show{ID: "S1", MovieID: "M1", HallID: "H1", Start: start.Add(48 * time.Hour), BasePrice: 1500})
	if err != nil {
		t.Fatal(err)
	}
	e, err := bs.entry(ctx, show.ID)
	if err != nil {
		t.Fatal(err)
	}
	const owing = 10
	for range owing {
		b := Booking{ID: NewBookingID(), UserID: "ann", ShowID: show.ID, Seats: []BookingSeat{{ID: "A1", Type: VIP, Price: 1500}},
			Total: 1500, Status: StatusCancelled, CreatedAt: start, UpdatedAt: start,
			Payment: Payment{Method: "card", Amount: 1500, Reference: "ch", Attempts: 1, PaidAt: start},
			Refund:  Refund{Amount: 1500, Percent: 100, Reason: "cancelled"}}
		if err := bs.store.UpdateShow(ctx, show.ID, func(tx ShowTx) error { tx.PutBooking(b); return nil }); err != nil {
			t.Fatal(err)
		}
		bs.owed.failed(e, b.ID, start) // due a second later
	}
	clock.Advance(time.Second)

	bs.settleOwed(ctx)
	if gateway.calls != 3 {
		t.Errorf("a tick with answers of 400 ms and a 1 s sweep interval made %d refund calls; want 3 (then past the interval)", gateway.calls)
	}
	bs.settleOwed(ctx)
	if gateway.calls != 6 {
		t.Errorf("the next tick brought the calls to %d; want 6: the bookings put back are due at once", gateway.calls)
	}
}
