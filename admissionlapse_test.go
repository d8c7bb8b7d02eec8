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
