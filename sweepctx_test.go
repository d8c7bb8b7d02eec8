package boxoffice_test

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestSweepEndedByItsCtxIsNoSweeperError: a Sweep whose ctx ends (the
// background sweeper's, when Close stops it mid-tick) fails to expire the
// holds it had yet to try, and that is no failure of the sweeper: an
// operator alerts on SweeperErrors growing, and a graceful shutdown must
// not move it. The holds stay queued, and the next Sweep expires them.
func TestSweepEndedByItsCtxIsNoSweeperError(t *testing.T) {
	f := newFixture(t)
	f.hold("alice", "A1")
	f.hold("bob", "B1")
	f.clock.Advance(11 * time.Minute)
	ended, cancel := context.WithCancel(f.ctx)
	cancel()
	n, err := f.sys.Sweep(ended)
	if n != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("Sweep with its ctx ended = %d, %v; want 0, context.Canceled", n, err)
	}
	if got := f.sys.Stats().SweeperErrors; got != 0 {
		t.Errorf("Stats.SweeperErrors = %d after a Sweep whose ctx ended; want 0", got)
	}
	if n, err := f.sys.Sweep(f.ctx); n != 2 || err != nil {
		t.Errorf("the next Sweep = %d, %v; want both holds expired", n, err)
	}
}
