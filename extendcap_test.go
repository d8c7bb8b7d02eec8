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
