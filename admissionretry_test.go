package boxoffice_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// lapseEveryPricing is a pricing strategy that advances the fake clock by slow
// on each of its first lapses calls (all of them, if lapses is negative),
// and counts its calls.
type lapseEveryPricing struct {
	clock  *fakeclock.Clock
	slow   time.Duration
	lapses atomic.Int64
	calls  atomic.Int64
}

func (p *lapseEveryPricing) Price(ctx context.Context, r boxoffice.PriceRequest) (boxoffice.Money, error) {
	if n := p.calls.Add(1); p.lapses.Load() < 0 || n <= p.lapses.Load() {
		p.clock.Advance(p.slow)
	}
	return 1000, nil
}

// lapseTTL is the HoldTTL of the tests below, shorter than the minute a
// HoldsPerMinute token of 1 a minute takes to come back: a request
// admitted again once its admission lapsed finds the user's bucket empty.
const lapseTTL = 30 * time.Second

// lapsePaths are the ways the tests below count the limits: in the
// process, on both Store paths, and in a UserLimitStore (HoldAdmission
// with HoldsPerMinute 0 for a request admitted again), on both too.
var lapsePaths = append(slices.Clone(storePaths),
	storePath{"shared limits, generic", func(c *boxoffice.Config) {
		c.Store = newLimitStore(genericStore{c.Store.(*boxoffice.MemoryStore)})
	}},
	storePath{"shared limits, memory transactions", func(c *boxoffice.Config) {
		c.Store = newLimitStore(c.Store.(*boxoffice.MemoryStore))
	}},
)

// newLapseFixture is a fixture on path whose pricing is lapseEveryPricing,
// lapseTTL longer plus two seconds, with a HoldTTL of lapseTTL, one hold
// a minute and a cap of one live hold.
func newLapseFixture(t *testing.T, path storePath) (*fixture, *lapseEveryPricing) {
	t.Helper()
	pricing := &lapseEveryPricing{slow: lapseTTL + 2*time.Second}
	f := newFixture(t, path.edit, func(c *boxoffice.Config) {
		pricing.clock = c.Clock.(*fakeclock.Clock)
		c.Pricing = pricing
		c.HoldTTL, c.HoldsPerMinute, c.MaxLiveHoldsPerUser = lapseTTL, 1, 1
	})
	return f, pricing
}

// TestLapsedHoldTakesOneToken: a hold request whose admission lapsed
// before its transaction (its pricing took longer than HoldTTL) is
// admitted again without taking a second HoldsPerMinute token. The delay
// was the service's: at one hold a minute, a second token would refuse
// the user a hold they asked for once.
func TestLapsedHoldTakesOneToken(t *testing.T) {
	for _, path := range lapsePaths {
		t.Run(path.name, func(t *testing.T) {
			f, pricing := newLapseFixture(t, path)
			pricing.lapses.Store(1)
			b, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"})
			if err != nil {
				t.Fatalf("a hold whose first admission lapsed: %v; want it held on its second", err)
			}
			if got := pricing.calls.Load(); got != 2 {
				t.Errorf("the pricing was called %d times; want 2 (priced again once admitted again)", got)
			}
			if got := f.sys.Stats().AdmissionLapses; got != 1 {
				t.Errorf("Stats().AdmissionLapses = %d; want 1", got)
			}
			if got := f.seatStatus("A1"); got != boxoffice.SeatHeld || b.Status != boxoffice.StatusHeld {
				t.Errorf("A1: %v, the booking %v; want held", got, b.Status)
			}
			// The request took one token, the only one: with its hold
			// released, so that the cap (asked first) lets the next
			// request through, the rate refuses it.
			mustT[boxoffice.Booking](t)(f.sys.ReleaseHold(f.ctx, b.ID))
			_, err = f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A2"})
			wantLimit(t, "a second request within the minute", err, boxoffice.LimitHoldsPerMinute)
		})
	}
}

// TestLapsingHoldGivesUp: a request whose pricing always takes longer
// than HoldTTL is admitted again once, then fails with an error matching
// ErrAdmissionLapsed: not retried until the show starts (or the rate or
// the context stops it). Nothing is held, and no live-hold slot is left
// counted: once the pricing is fast again the user may hold, under a cap
// of one.
func TestLapsingHoldGivesUp(t *testing.T) {
	for _, path := range lapsePaths {
		t.Run(path.name, func(t *testing.T) {
			f, pricing := newLapseFixture(t, path)
			pricing.lapses.Store(-1)
			_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"})
			if !errors.Is(err, boxoffice.ErrAdmissionLapsed) {
				t.Fatalf("a hold whose pricing always takes longer than HoldTTL: %v (after %d pricing calls); want ErrAdmissionLapsed",
					err, pricing.calls.Load())
			}
			if got := pricing.calls.Load(); got != 2 {
				t.Errorf("the pricing was called %d times; want 2 (admitted twice in all)", got)
			}
			if got := f.sys.Stats().AdmissionLapses; got != 2 {
				t.Errorf("Stats().AdmissionLapses = %d; want 2 (each lapse)", got)
			}
			if got := f.seatStatus("A1"); got != boxoffice.SeatAvailable {
				t.Errorf("A1: %v; want available", got)
			}
			// Fast pricing again, and the user's token back.
			pricing.lapses.Store(0)
			f.clock.Advance(time.Minute)
			b, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"})
			if err != nil {
				t.Fatalf("a hold once the pricing is fast again: %v; want it held (no slot left counted)", err)
			}
			if b.Status != boxoffice.StatusHeld {
				t.Errorf("the booking: %v; want held", b.Status)
			}
		})
	}
}

// TestLapsedAtTheDeadlineFreesItsSlot: a request whose transaction comes
// exactly at its admission's deadline lapses, and its live-hold slot is
// freed before it is admitted again. A UserLimitStore counts the slot a
// second past that deadline (sharedLiveMargin): kept, it would fill a
// cap of one, and the request admitted again would be refused by the cap
// its own lapsed admission fills. (The tests above lapse past the
// margin, where the slot has run out by itself.)
func TestLapsedAtTheDeadlineFreesItsSlot(t *testing.T) {
	for _, path := range lapsePaths {
		t.Run(path.name, func(t *testing.T) {
			f, pricing := newLapseFixture(t, path)
			pricing.slow = lapseTTL // the transaction reads the admission's deadline
			pricing.lapses.Store(1)
			b, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"})
			if err != nil {
				t.Fatalf("a hold whose first admission lapsed at its deadline: %v; want it held on its second", err)
			}
			if got := pricing.calls.Load(); got != 2 {
				t.Errorf("the pricing was called %d times; want 2 (the first admission lapsed)", got)
			}
			if got := f.seatStatus("A1"); got != boxoffice.SeatHeld || b.Status != boxoffice.StatusHeld {
				t.Errorf("A1: %v, the booking %v; want held", got, b.Status)
			}
			if want := f.clock.Now().Add(lapseTTL); !b.HeldUntil.Equal(want) {
				t.Errorf("held until %s; want %s (a HoldTTL from the second admission)", b.HeldUntil, want)
			}
		})
	}
}
