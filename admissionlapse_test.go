package boxoffice_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// lapsingPricing is a pricing strategy whose first call takes longer on
// the fake clock than a hold lasts, and meanwhile has the user ask for
// another hold: the first request's live-hold count lapses before its
// transaction, and the second is admitted in its place.
type lapsingPricing struct {
	clock *fakeclock.Clock
	slow  time.Duration
	then  func()
	first atomic.Bool
}

func (p *lapsingPricing) Price(ctx context.Context, r boxoffice.PriceRequest) (boxoffice.Money, error) {
	if p.first.CompareAndSwap(false, true) {
		p.clock.Advance(p.slow)
		p.then()
	}
	return 1000, nil
}

// TestHoldStoredAfterItsAdmissionLapsed: a hold request whose transaction
// comes a HoldTTL after its admission (a slow MembershipFunc, a long wait
// for the show's lock) is no longer counted against MaxLiveHoldsPerUser,
// and a request of the user in between was admitted; stored all the same,
// it would give the user two live holds under a cap of one. It is admitted
// again instead, and refused by the cap. The seat map, the Store's view,
// is the judge.
func TestHoldStoredAfterItsAdmissionLapsed(t *testing.T) {
	shared := func(c *boxoffice.Config) {
		c.Store = newLimitStore(genericStore{c.Store.(*boxoffice.MemoryStore)})
	}
	paths := append(slices.Clone(storePaths), storePath{"shared limits", shared})
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			pricing := &lapsingPricing{}
			f := newFixture(t, path.edit, func(c *boxoffice.Config) {
				pricing.clock, pricing.slow = c.Clock.(*fakeclock.Clock), 10*time.Minute+2*time.Second
				c.Pricing = pricing
				c.MaxLiveHoldsPerUser, c.HoldsPerMinute = 1, -1
			})
			pricing.then = func() { f.hold("alice", "B1") }
			_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"})
			a1, b1 := f.seatStatus("A1"), f.seatStatus("B1")
			if a1 == boxoffice.SeatHeld && b1 == boxoffice.SeatHeld {
				t.Fatalf("alice holds A1 and B1 in two holds under a cap of one (the first hold's error: %v)", err)
			}
			wantLimit(t, "a hold whose admission lapsed, the user at the cap since", err, boxoffice.LimitLiveHolds)
		})
	}
}

// committedThenStore is a Store on the generic path that calls then once,
// after the first of its transactions that commits, before UpdateShow
// returns: between a hold's commit and its HoldSeats' return.
type committedThenStore struct {
	genericStore
	then  func()
	fired atomic.Bool
}

func (s *committedThenStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	err := s.genericStore.UpdateShow(ctx, showID, fn)
	if err == nil && s.then != nil && s.fired.CompareAndSwap(false, true) {
		s.then()
	}
	return err
}

// TestHoldCountedFromItsTransaction: on a Store other than the in-memory
// one, with the limits counted in the process, a hold that reaches its
// transaction a moment before its admission lapses is counted by its own
// deadline from that transaction on. Counted only once HoldSeats had it
// back from the Store, the count lapsed at the admission's deadline in
// between, a request of the user on another show then was admitted, and
// the hold went uncounted: two live holds under a cap of one.
func TestHoldCountedFromItsTransaction(t *testing.T) {
	store := &committedThenStore{}
	pricing := &lapsingPricing{}
	f := newFixture(t, func(c *boxoffice.Config) {
		store.genericStore = genericStore{c.Store.(*boxoffice.MemoryStore)}
		c.Store = store
		// The transaction comes a second before the admission lapses.
		pricing.clock, pricing.slow, pricing.then = c.Clock.(*fakeclock.Clock), 10*time.Minute-time.Second, func() {}
		c.Pricing = pricing
		c.MaxLiveHoldsPerUser, c.HoldsPerMinute = 1, -1
	})
	other := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H1",
		Start: f.show.Start.Add(24 * time.Hour), BasePrice: 1500}))
	var otherErr error
	store.then = func() {
		f.clock.Advance(2 * time.Second) // past the admission's deadline
		_, otherErr = f.sys.HoldSeats(f.ctx, "alice", other.ID, []string{"A1"})
	}
	first := f.hold("alice", "A1")
	if otherErr == nil {
		t.Fatalf("alice holds A1 of %s (%s, until %s) and A1 of %s in two holds under a cap of one",
			f.show.ID, first.ID, first.HeldUntil, other.ID)
	}
	wantLimit(t, "a request while the user's hold, admitted a HoldTTL ago, commits", otherErr, boxoffice.LimitLiveHolds)
}
