package boxoffice_test

import (
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// TestExtensionReadJustBeforeDeadlineStillCounts: an ExtendHold whose
// transaction reads the clock a moment before the hold's deadline, while
// a hold request of the same user reads it at the deadline (on another
// show: the extension's is locked) and so drops the hold from the live
// count, still extends the hold, which must then count again. Before,
// the extension told the limits of its new deadline with made, which
// found no slot and changed nothing: the hold, live for another HoldTTL,
// went uncounted, and the user held two at MaxLiveHoldsPerUser 1.
func TestExtensionReadJustBeforeDeadlineStillCounts(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			clock := &callerThenClock{caller: "ExtendHold"}
			f := newFixture(t, path.edit, func(c *boxoffice.Config) {
				clock.Clock = c.Clock.(*fakeclock.Clock)
				c.Clock = clock
				c.MaxLiveHoldsPerUser = 1
			})
			other, first := otherShowAndHold(t, f)
			f.clock.Set(first.HeldUntil.Add(-time.Microsecond))
			var racing error
			var second boxoffice.Booking
			clock.then = func() {
				// The extension works with the time read a microsecond
				// before the deadline; the request comes at it.
				f.clock.Set(first.HeldUntil)
				second, racing = f.sys.HoldSeats(f.ctx, "bot", other.ID, []string{"B1"})
			}
			clock.armed.Store(true)
			extended, err := f.sys.ExtendHold(f.ctx, first.ID)
			if clock.armed.Load() {
				t.Fatal("ExtendHold did not read the clock")
			}
			if err != nil {
				t.Fatalf("ExtendHold: %v", err)
			}
			if !extended.HeldUntil.After(f.clock.Now()) {
				t.Fatalf("extended until %s; want after now, %s", extended.HeldUntil, f.clock.Now())
			}
			if racing == nil {
				// Granted: the first hold was over by the request's clock.
				// Given back, only the extended hold is left, which must
				// still count.
				if _, err := f.sys.ReleaseHold(f.ctx, second.ID); err != nil {
					t.Fatal(err)
				}
			} else if !errors.Is(racing, boxoffice.ErrRateLimited) {
				t.Fatalf("the racing hold: %v", racing)
			}
			if b, err := f.sys.HoldSeats(f.ctx, "bot", other.ID, []string{"C1"}); !errors.Is(err, boxoffice.ErrRateLimited) {
				t.Errorf("a hold while the extended one (until %s) is live: %v, %v; want ErrRateLimited (cap 1)",
					extended.HeldUntil, b.ID, err)
			}
		})
	}
}

// callerThenClock is readThenClock for a reading by a call of the named
// function alone: the sweeper's goroutine reads the clock too, at times
// of its own.
type callerThenClock struct {
	*fakeclock.Clock
	caller string
	armed  atomic.Bool
	then   func()
}

func (c *callerThenClock) Now() time.Time {
	now := c.Clock.Now()
	if c.armed.Load() && calledFrom(c.caller) && c.armed.CompareAndSwap(true, false) {
		c.then()
	}
	return now
}

// calledFrom reports whether a function whose name ends in "."+name is
// on the calling goroutine's stack.
func calledFrom(name string) bool {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		fr, more := frames.Next()
		if strings.HasSuffix(fr.Function, "."+name) {
			return true
		}
		if !more {
			return false
		}
	}
}
