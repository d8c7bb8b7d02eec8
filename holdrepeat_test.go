package boxoffice_test

import (
	"errors"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// TestRepeatedHoldCountsAgainstRate: a hold request repeating a live hold
// gets that hold whatever the limits, and still counts against
// HoldsPerMinute, as every request does: a client that retries a hold
// three times (a burst of 3) has no request left for other seats this
// minute. HoldSeats' doc says so; an adopter reading "a retried request
// is harmless" alone would not expect it.
func TestRepeatedHoldCountsAgainstRate(t *testing.T) {
	f := newFixture(t, func(c *boxoffice.Config) { c.HoldsPerMinute = 3 })
	first := f.hold("alice", "A1")
	for range 3 { // the last past the rate: the hold all the same
		if again := f.hold("alice", "A1"); again.ID != first.ID {
			t.Fatalf("repeating the hold made booking %s; want %s", again.ID, first.ID)
		}
	}
	_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"B1"})
	var rl *boxoffice.RateLimitError
	if !errors.As(err, &rl) || rl.Limit != boxoffice.LimitHoldsPerMinute {
		t.Errorf("a new hold after a hold and its repeats: %v; want the rate's RateLimitError", err)
	}
}
