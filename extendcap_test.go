package boxoffice_test

import (
	"errors"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// The extension cap is permanent for the booking: its error matches
// ErrLimitReached and not ErrRateLimited ("try again later"), while the
// limits that waiting lifts keep matching ErrRateLimited only.
func TestLimitErrorsSayWhetherWaitingHelps(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*boxoffice.Config)
		refused   func(f *fixture) error
		limit     boxoffice.UserLimit
		permanent bool
	}{
		{"hold extensions", func(c *boxoffice.Config) { c.MaxHoldExtensions = 1 }, func(f *fixture) error {
			b := f.hold("alice", "A1")
			f.clock.Advance(time.Minute)
			mustT[boxoffice.Booking](f.t)(f.sys.ExtendHold(f.ctx, b.ID))
			f.clock.Advance(time.Minute)
			_, err := f.sys.ExtendHold(f.ctx, b.ID)
			return err
		}, boxoffice.LimitHoldExtensions, true},
		{"live holds", func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = 1 }, func(f *fixture) error {
			f.hold("alice", "A1")
			_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A2"})
			return err
		}, boxoffice.LimitLiveHolds, false},
		{"holds per minute", func(c *boxoffice.Config) { c.HoldsPerMinute = 1 }, func(f *fixture) error {
			f.hold("alice", "A1")
			_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A2"})
			return err
		}, boxoffice.LimitHoldsPerMinute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.edit)
			err := tt.refused(f)
			var rl *boxoffice.RateLimitError
			if !errors.As(err, &rl) || rl.Limit != tt.limit || rl.UserID != "alice" {
				t.Fatalf("at the cap: %v; want a *RateLimitError of alice's %q", err, tt.limit)
			}
			if got := errors.Is(err, boxoffice.ErrLimitReached); got != tt.permanent {
				t.Errorf("%v: errors.Is ErrLimitReached = %v, want %v", err, got, tt.permanent)
			}
			if got := errors.Is(err, boxoffice.ErrRateLimited); got == tt.permanent {
				t.Errorf("%v: errors.Is ErrRateLimited = %v, want %v", err, got, !tt.permanent)
			}
			if tt.permanent && rl.RetryAfter != 0 {
				t.Errorf("%v: RetryAfter %s for a limit that waiting does not lift", err, rl.RetryAfter)
			}
		})
	}
}

// TestHoldExtensionsAllowed: how many extensions each Config grants a
// hold. MaxHoldExtensions 0 takes the default (2) and a negative value
// means no limit, so forbidding extensions takes Config.NoHoldExtensions:
// no value of MaxHoldExtensions did.
func TestHoldExtensionsAllowed(t *testing.T) {
	const tries = 6
	tests := []struct {
		name string
		max  int
		none bool
		want int // extensions granted of tries; tries: all
	}{
		{"zero takes the default", 0, false, 2},
		{"one", 1, false, 1},
		{"three", 3, false, 3},
		{"none", 0, true, 0},
		{"no limit", -1, false, tries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *boxoffice.Config) { c.MaxHoldExtensions, c.NoHoldExtensions = tt.max, tt.none })
			b := f.hold("frank", "E3")
			granted := 0
			for range tries {
				f.clock.Advance(time.Minute)
				got, err := f.sys.ExtendHold(f.ctx, b.ID)
				if err != nil {
					if !errors.Is(err, boxoffice.ErrLimitReached) {
						t.Fatalf("ExtendHold: %v; want a grant or ErrLimitReached", err)
					}
					break
				}
				if want := f.clock.Now().Add(10 * time.Minute); !got.HeldUntil.Equal(want) {
					t.Fatalf("extended until %v, want %v", got.HeldUntil, want)
				}
				granted++
			}
			if granted != tt.want {
				t.Errorf("%d extensions granted; want %d", granted, tt.want)
			}
		})
	}
}

// TestNoHoldExtensionsWithACap: NoHoldExtensions with a cap of
// MaxHoldExtensions says two things; New refuses it.
func TestNoHoldExtensionsWithACap(t *testing.T) {
	for _, max := range []int{-1, 2} {
		sys, err := boxoffice.New(boxoffice.Config{NoHoldExtensions: true, MaxHoldExtensions: max})
		var ae *boxoffice.ArgumentError
		if !errors.As(err, &ae) || ae.Field != "Config.NoHoldExtensions" || sys != nil {
			t.Errorf("New with NoHoldExtensions and MaxHoldExtensions %d: %v; want an *ArgumentError for Config.NoHoldExtensions", max, err)
		}
	}
}
