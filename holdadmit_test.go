package boxoffice_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestRefusedHoldRunsNoPricing: the per-user limits admit a hold request
// before its seats are priced, so a user flooding past HoldsPerMinute or
// MaxLiveHoldsPerUser costs the pricing strategy (user code, here a
// membership lookup per seat) nothing.
func TestRefusedHoldRunsNoPricing(t *testing.T) {
	seats := []string{"B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10"}
	tests := []struct {
		name  string
		edit  func(*boxoffice.Config)
		limit boxoffice.UserLimit
	}{
		{"HoldsPerMinute", func(c *boxoffice.Config) { c.HoldsPerMinute = 1 }, boxoffice.LimitHoldsPerMinute},
		{"MaxLiveHoldsPerUser", func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = 1 }, boxoffice.LimitLiveHolds},
	}
	for _, p := range storePaths {
		for _, tt := range tests {
			t.Run(tt.name+", "+p.name, func(t *testing.T) {
				var calls atomic.Int64
				isMember := func(context.Context, string) (bool, error) {
					calls.Add(1)
					return true, nil
				}
				f := newFixture(t, p.edit, tt.edit, func(c *boxoffice.Config) {
					c.Pricing = boxoffice.MemberDiscount(boxoffice.RegularPricing(), boxoffice.RatePercent(90), isMember)
				})
				f.hold("bot", "A1") // the one token, or the one live hold
				if calls.Load() == 0 {
					t.Fatal("the admitted hold was not priced by the membership lookup: the test tests nothing")
				}
				calls.Store(0)
				const flood = 100
				for range flood {
					_, err := f.sys.HoldSeats(f.ctx, "bot", f.show.ID, seats)
					var rl *boxoffice.RateLimitError
					if !errors.As(err, &rl) || rl.Limit != tt.limit {
						t.Fatalf("hold past the limit: %v; want a *RateLimitError for %s", err, tt.limit)
					}
				}
				if n := calls.Load(); n > 0 {
					t.Errorf("%d hold requests refused by %s made %d membership lookups; want none", flood, tt.limit, n)
				}
			})
		}
	}
}

// TestHoldPricingFailureFreesItsAdmission: a request admitted by the
// limits whose pricing then fails holds nothing, so it keeps no live-hold
// slot; it counts against HoldsPerMinute, as any refused request does
// (x/time/rate can give a token back only at the instant it was taken).
func TestHoldPricingFailureFreesItsAdmission(t *testing.T) {
	for _, p := range storePaths {
		t.Run(p.name, func(t *testing.T) {
			var fail atomic.Bool
			errLookup := errors.New("membership service down")
			isMember := func(context.Context, string) (bool, error) {
				if fail.Load() {
					return false, errLookup
				}
				return false, nil
			}
			f := newFixture(t, p.edit, func(c *boxoffice.Config) {
				c.HoldsPerMinute, c.MaxLiveHoldsPerUser = 1, 1
				c.Pricing = boxoffice.MemberDiscount(boxoffice.RegularPricing(), boxoffice.RatePercent(90), isMember)
			})
			fail.Store(true)
			if _, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"}); !errors.Is(err, errLookup) {
				t.Fatalf("HoldSeats with the membership lookup failing: %v; want its error", err)
			}
			fail.Store(false)
			_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"})
			var rl *boxoffice.RateLimitError
			if !errors.As(err, &rl) || rl.Limit != boxoffice.LimitHoldsPerMinute {
				t.Fatalf("a second request in the minute of a failed one, HoldsPerMinute = 1: %v; want LimitHoldsPerMinute", err)
			}
			f.clock.Advance(time.Minute)
			f.hold("alice", "A1") // the failed request left its live-hold slot
			f.clock.Advance(time.Minute)
			_, err = f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A2"})
			if !errors.As(err, &rl) || rl.Limit != boxoffice.LimitLiveHolds {
				t.Fatalf("second live hold past MaxLiveHoldsPerUser = 1: %v; want LimitLiveHolds", err)
			}
		})
	}
}
