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

// TestRetriedHoldAtLiveCap checks that a user at MaxLiveHoldsPerUser who
// repeats a live hold (a retried request) gets that hold, as below the
// cap, while any other request is still refused by the cap; and that the
// retry counts against HoldsPerMinute like any request.
func TestRetriedHoldAtLiveCap(t *testing.T) {
	tests := []struct {
		name      string
		user      string
		seats     []string
		wantSame  bool                // the live hold, unchanged
		wantLimit boxoffice.UserLimit // else the RateLimitError's limit
	}{
		{name: "same seats", user: "alice", seats: []string{"A1", "A2"}, wantSame: true},
		{name: "same seats in another order", user: "alice", seats: []string{"A2", "A1"}, wantSame: true},
		{name: "some of its seats", user: "alice", seats: []string{"A1"}, wantLimit: "live holds"},
		{name: "its seats and more", user: "alice", seats: []string{"A1", "A2", "A3"}, wantLimit: "live holds"},
		{name: "other seats", user: "alice", seats: []string{"B1", "B2"}, wantLimit: "live holds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = 1 })
			first := f.hold("alice", "A1", "A2")
			for range 3 {
				got, err := f.sys.HoldSeats(f.ctx, tt.user, f.show.ID, tt.seats)
				if tt.wantSame {
					if err != nil || got.ID != first.ID || !got.HeldUntil.Equal(first.HeldUntil) || got.Status != boxoffice.StatusHeld {
						t.Fatalf("retried hold = %v until %s, %v; want the live hold %v until %s", got.ID, got.HeldUntil, err, first.ID, first.HeldUntil)
					}
					continue
				}
				var rl *boxoffice.RateLimitError
				if !errors.As(err, &rl) || rl.Limit != tt.wantLimit {
					t.Fatalf("HoldSeats(%v) at the cap: %v; want a RateLimitError of %q", tt.seats, err, tt.wantLimit)
				}
			}
			wantRefused := uint64(3)
			if tt.wantSame {
				wantRefused = 0
			}
			if got := f.sys.Stats().RateLimited; got != wantRefused {
				t.Errorf("Stats.RateLimited = %d; want %d", got, wantRefused)
			}
			if got := f.booking(first.ID); got.Status != boxoffice.StatusHeld || !got.HeldUntil.Equal(first.HeldUntil) {
				t.Errorf("the live hold after the requests: %s until %s; want it unchanged", got.Status, got.HeldUntil)
			}
		})
	}

	t.Run("counts against the rate, and is never refused by it", func(t *testing.T) {
		for _, liveCap := range []int{1, -1} {
			f := newFixture(t, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser, c.HoldsPerMinute = liveCap, 3 })
			first := f.hold("alice", "A1")
			if liveCap == 1 {
				// Refused by the cap: these take no token.
				for range 5 {
					if _, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"B1"}); !errors.Is(err, boxoffice.ErrRateLimited) {
						t.Fatalf("a second hold at the cap: %v; want ErrRateLimited", err)
					}
				}
			}
			// The second and third tokens, then none left: a retry still
			// gets its hold, as after a reply lost on the way.
			for range 4 {
				if got, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"}); err != nil || got.ID != first.ID {
					t.Fatalf("live cap %d: retried hold = %v, %v; want %v", liveCap, got.ID, err, first.ID)
				}
			}
			if liveCap == 1 {
				continue // a new hold meets the cap first
			}
			// The retries used the tokens: a new hold is refused by the rate.
			_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"B1"})
			var rl *boxoffice.RateLimitError
			if !errors.As(err, &rl) || rl.Limit != boxoffice.LimitHoldsPerMinute || rl.RetryAfter <= 0 {
				t.Fatalf("a new hold after a hold and 4 retries in a minute: %v; want the rate limit's RateLimitError", err)
			}
		}
	})
}

// TestLiveCapRetryAfter checks that the live-hold cap's RetryAfter is the
// time until the user's first live hold runs out, whichever hold that is
// after extensions and holds cut short by the show's start: a request
// made then is admitted, and one made a moment before is not.
func TestLiveCapRetryAfter(t *testing.T) {
	tests := []struct {
		name string
		// run makes two live holds and returns when the first of them
		// runs out, from the fixture's start.
		run func(f *fixture) time.Duration
	}{
		{"in the order made", func(f *fixture) time.Duration {
			f.hold("alice", "A1")
			f.clock.Advance(time.Minute)
			f.hold("alice", "A2")
			return 10 * time.Minute
		}},
		{"the first one extended", func(f *fixture) time.Duration {
			a := f.hold("alice", "A1")
			f.clock.Advance(time.Minute)
			f.hold("alice", "A2") // until 11 min
			f.clock.Advance(4 * time.Minute)
			if _, err := f.sys.ExtendHold(f.ctx, a.ID); err != nil { // until 15 min
				f.t.Fatal(err)
			}
			return 11 * time.Minute
		}},
		{"a later one cut short by its show's start", func(f *fixture) time.Duration {
			f.hold("alice", "A1") // until 10 min
			early := mustT[boxoffice.Show](f.t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S0", MovieID: "M1", HallID: "H1",
				Start: start.Add(7 * time.Minute), BasePrice: 1500}))
			f.clock.Advance(time.Minute)
			if _, err := f.sys.HoldSeats(f.ctx, "alice", early.ID, []string{"A1"}); err != nil { // until its start
				f.t.Fatal(err)
			}
			return 7 * time.Minute
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = 2 })
			over := start.Add(tt.run(f))
			f.clock.Advance(time.Minute)
			_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"B1"})
			var rl *boxoffice.RateLimitError
			if !errors.As(err, &rl) || rl.Limit != "live holds" {
				t.Fatalf("a third live hold: %v; want the live-hold cap's RateLimitError", err)
			}
			if want := over.Sub(f.clock.Now()); rl.RetryAfter != want {
				t.Fatalf("RetryAfter = %s; want %s, when the first live hold runs out", rl.RetryAfter, want)
			}
			f.clock.Advance(rl.RetryAfter - time.Nanosecond)
			if _, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"B1"}); !errors.Is(err, boxoffice.ErrRateLimited) {
				t.Fatalf("a moment before RetryAfter: %v; want ErrRateLimited", err)
			}
			f.clock.Advance(time.Nanosecond)
			if _, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"B1"}); err != nil {
				t.Fatalf("after RetryAfter: %v; want the hold", err)
			}
		})
	}
}

// TestReleaseOnHeldEventFreesTheLiveCap: with MaxLiveHoldsPerUser 1, an
// observer releases every hold as soon as its SeatsHeld event arrives,
// which can be before HoldSeats returns. The per-user limits must count
// the hold under its own ID by then, or the release misses it and the
// user stays refused (LimitLiveHolds) for a hold long released.
func TestReleaseOnHeldEventFreesTheLiveCap(t *testing.T) {
	var sys *boxoffice.BookingSystem
	var mu sync.Mutex
	released := map[boxoffice.BookingID]chan struct{}{}
	ch := func(id boxoffice.BookingID) chan struct{} {
		mu.Lock()
		defer mu.Unlock()
		c := released[id]
		if c == nil {
			c = make(chan struct{})
			released[id] = c
		}
		return c
	}
	obs := boxoffice.ObserverFunc(func(ctx context.Context, e boxoffice.Event) {
		if h, ok := e.(*boxoffice.SeatsHeld); ok {
			if _, err := sys.ReleaseHold(context.Background(), h.BookingID); err != nil {
				t.Errorf("release: %v", err)
			}
			close(ch(h.BookingID))
		}
	})
	f := newFixture(t, func(c *boxoffice.Config) {
		c.MaxLiveHoldsPerUser = 1
		c.Observers = []boxoffice.Observer{obs}
		c.EventBuffer = 1 << 16
	})
	sys = f.sys
	m, err := f.sys.SeatMap(f.ctx, f.show.ID)
	if err != nil {
		t.Fatal(err)
	}
	workers := min(8, len(m.Seats))
	const rounds = 3000
	var wg sync.WaitGroup
	var failOnce sync.Once
	var failures int
	var fmu sync.Mutex
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			user := fmt.Sprintf("user%d", w)
			seat := m.Seats[w].ID
			for i := 0; i < rounds; i++ {
				b, err := f.sys.HoldSeats(f.ctx, user, f.show.ID, []string{seat})
				if err != nil {
					var rl *boxoffice.RateLimitError
					if errors.As(err, &rl) {
						fmu.Lock()
						failures++
						fmu.Unlock()
						failOnce.Do(func() { t.Errorf("round %d, %s: %v, though every earlier hold of the user was released", i, user, err) })
						return
					}
					t.Errorf("hold: %v", err)
					return
				}
				<-ch(b.ID)
			}
		}(w)
	}
	waitGroup(t, &wg, "the workers' holds and releases")
	t.Logf("users locked out: %d of %d", failures, workers)
}
