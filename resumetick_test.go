package boxoffice_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestResumeDoesNotHoldUpExpiry: the sweeper resumes an abandoned payment
// whose charge hangs on the gateway (one that ignores its context). The
// tick waits for it one SweepInterval, then ends; the next ticks expire a
// lapsed hold while the resume still hangs, and start no second resume.
// Once the gateway answers, the resume confirms the booking, and Close
// waited for it. A resume held its tick, and every expiry after it, for
// as long as it took.
func TestResumeDoesNotHoldUpExpiry(t *testing.T) {
	f, gw, bs := unsettledPayments(t, &failingStore{MemoryStore: boxoffice.NewMemoryStore()}, &syncBuffer{}, 3, "A1", "A2")
	f.tick(abandonBound)        // not abandoned yet: due at the bound
	hold := f.hold("bob", "B1") // lapses a minute from now (HoldTTL)

	charging, release := make(chan struct{}), make(chan struct{})
	defer func() {
		select {
		case <-release:
		default:
			close(release) // a failed test must not leave the charge hanging for Close
		}
	}()
	calls := gw.chargeCalls()
	gw.mu.Lock()
	gw.overrun = true // the charge goes through when released, however late
	// The first charge waits for release whether or not the test is
	// receiving yet: a send that went through only to a test already
	// waiting let the resume's charge through, unblocked, whenever the
	// test goroutine was descheduled between the Advance and its receive,
	// and the test then waited 10 s for a charge that had come and gone.
	var blocked atomic.Bool
	gw.before = func() {
		if blocked.CompareAndSwap(false, true) {
			close(charging)
			<-release
		}
		// Not the first resume: the test catches it by the count of calls.
	}
	gw.mu.Unlock()

	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	if err := f.clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal("the sweeper does not wait for its tick: ", err)
	}
	f.clock.Advance(time.Second) // the tick that resumes the first payment
	select {
	case <-charging:
	case <-ctx.Done():
		t.Fatal("the sweeper's tick did not resume the abandoned payment")
	}
	// The tick waits for the resume until a SweepInterval has passed.
	f.clock.Advance(time.Second)
	if err := f.clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal("the tick still waits for the hanging resume: ", err)
	}
	f.clock.Set(hold.HeldUntil)
	f.tick(time.Second)
	if got := f.booking(hold.ID).Status; got != boxoffice.StatusExpired {
		t.Errorf("bob's lapsed hold is %s a tick past its deadline while a resume hangs; want expired", got)
	}
	if n := gw.chargeCalls() - calls; n != 1 {
		t.Errorf("%d charges by the sweeper while its first resume hangs; want 1: one resume at a time", n)
	}

	close(release)
	if err := f.sys.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := f.booking(bs[0].ID); got.Status != boxoffice.StatusConfirmed {
		t.Errorf("the resumed payment, once the gateway answered and Close returned: %s; want confirmed", got.Status)
	}
}
