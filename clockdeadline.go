package boxoffice

import (
	"context"
	"fmt"
	"time"
)

// withClockTimeout is context.WithTimeout on clock: the context it returns
// is done once d has passed on clock, with Err context.DeadlineExceeded
// (and a Cause that matches it), or once parent is done, with parent's
// error, whichever comes first; so is every context derived from it (a
// gateway's own bound, an HTTP request's context), with the same Err and
// Cause. It bounds each gateway call by
// Config.PaymentTimeout, so that the timeout follows the Config's Clock,
// the only source of time, like everything else: on a fake clock a
// hanging call is cut off when the test moves the clock past the timeout,
// not after that much real time.
//
// On the machine's clock it is context.WithTimeout itself. On any other
// clock the deadline is the clock's AfterFunc if it has one (see
// afterFuncClock), else a Timer of the clock watched by a goroutine; the
// context then reports no Deadline of its own (only parent's): a Clock's
// time need not be the machine's, and a gateway that hands ctx.Deadline()
// to a network client would be cut off at the wrong instant. cancel,
// which must be called, even if the call panics, stops the timer (and
// ends the goroutine).
func withClockTimeout(parent context.Context, clock Clock, d time.Duration) (context.Context, context.CancelFunc) {
	switch clock.(type) {
	case MachineClock, *MachineClock:
		return context.WithTimeout(parent, d)
	}
	inner, cancelInner := context.WithCancelCause(parent)
	done, cancelDone := context.WithCancel(inner) // ends with inner, at once
	ctx := clockTimeoutCtx{Context: inner, done: done}
	if ac, ok := clock.(afterFuncClock); ok {
		stop := ac.AfterFunc(d, func() { cancelInner(errClockTimeout) })
		return ctx, func() {
			stop()
			cancelInner(nil)
			cancelDone()
		}
	}
	t := clock.NewTimer(d)
	go func() {
		select {
		case <-t.C():
			cancelInner(errClockTimeout)
		case <-inner.Done():
		}
	}()
	return ctx, func() {
		t.Stop()
		cancelInner(nil) // the first cause stays
		cancelDone()
	}
}

// afterFuncClock is a Clock that can call a function once d has passed
// on it, as time.AfterFunc does; stop cancels the call and reports
// whether it did. fakeclock.Clock is one: it calls f before the Advance
// that reaches the deadline returns, so a test that moves the clock past
// PaymentTimeout finds the call cut off at once, and the deadline does not
// count among the timers a test waits for (the sweeper's).
type afterFuncClock interface {
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// errClockTimeout is the Cause of a context of withClockTimeout whose
// time ran out on the Clock.
var errClockTimeout = fmt.Errorf("boxoffice: timed out on the Clock: %w", context.DeadlineExceeded)

// clockTimeoutCtx is the context of withClockTimeout: inner, a
// context.WithCancelCause of the parent that the deadline and cancel
// cancel, but with Err context.DeadlineExceeded when it was cancelled
// because its time ran out, as a context of context.WithTimeout reports,
// so that every errors.Is(err, context.DeadlineExceeded) keeps telling a
// timeout (PaymentFailureKind FailureTimedOut). The cause, set once by
// whichever cancel comes first, decides, so the answer never changes.
//
// Its Done is not inner's but that of done, a child of inner, closed with
// it: the context package attaches a context derived from one whose Done
// is a cancelCtx's own to that cancelCtx, and would end it with inner's
// Err, context.Canceled. With a Done of its own, a derived context is
// ended through AfterFunc with this context's Err and Cause instead.
// Value (and Deadline, parent's) is inner's, which answers every key as
// parent does except the context package's own, by which context.Cause
// finds inner's cause (errClockTimeout, or parent's).
type clockTimeoutCtx struct {
	context.Context                 // inner
	done            context.Context // a context.WithCancel of inner
}

func (c clockTimeoutCtx) Done() <-chan struct{} { return c.done.Done() }

func (c clockTimeoutCtx) Err() error {
	// done's Err: nil until Done is closed. done ends only with inner
	// (cancel ends it after inner), and with inner's error and cause.
	err := c.done.Err()
	if err == context.Canceled && context.Cause(c.done) == errClockTimeout {
		return context.DeadlineExceeded
	}
	return err
}

// AfterFunc is context.AfterFunc on the context, which the context
// package uses to end a context derived from it (instead of a goroutine
// waiting for Done): f runs once Done is closed, in a goroutine of its own.
func (c clockTimeoutCtx) AfterFunc(f func()) (stop func() bool) {
	return context.AfterFunc(c.done, f)
}
