package boxoffice_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"go.uber.org/goleak"
)

// waitDone waits for ctx to end, failing the test if it has not within
// what must be ample real time for a goroutine to notice a fired timer.
func waitCtxDone(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: the context is not done", what)
	}
}

type ctxKey struct{}

// timersOnly is a Clock with timers and no AfterFunc: the deadline is
// then a Timer watched by a goroutine.
type timersOnly struct{ c *fakeclock.Clock }

func (c timersOnly) Now() time.Time                           { return c.c.Now() }
func (c timersOnly) NewTimer(d time.Duration) boxoffice.Timer { return c.c.NewTimer(d) }

// timeoutClocks are the two kinds of Clock withClockTimeout handles apart
// from the machine's: with AfterFunc (fakeclock) and with timers only.
var timeoutClocks = []struct {
	name   string
	clock  func(*fakeclock.Clock) boxoffice.Clock
	timers int // timers armed while the deadline is pending
}{
	{"fakeclock", func(c *fakeclock.Clock) boxoffice.Clock { return c }, 0},
	{"timers only", func(c *fakeclock.Clock) boxoffice.Clock { return timersOnly{c} }, 1},
}

// timeoutD is the timeout of the withClockTimeout tests.
const timeoutD = 15 * time.Second

// timeoutEnds are the ways a call's context ends: end ends it with the
// clock, the parent's cancel or its own, and returns the error Err must
// then report.
var timeoutEnds = []struct {
	name string
	end  func(clock *fakeclock.Clock, cancelParent, cancel context.CancelFunc) error
}{
	{"the clock passes d", func(clock *fakeclock.Clock, _, _ context.CancelFunc) error {
		clock.Advance(timeoutD)
		return context.DeadlineExceeded
	}},
	{"the clock passes d in steps", func(clock *fakeclock.Clock, _, _ context.CancelFunc) error {
		clock.Advance(timeoutD / 3)
		clock.Advance(timeoutD / 3)
		clock.Advance(timeoutD - 2*(timeoutD/3))
		return context.DeadlineExceeded
	}},
	{"far past d", func(clock *fakeclock.Clock, _, _ context.CancelFunc) error {
		clock.Set(clock.Now().Add(time.Hour))
		return context.DeadlineExceeded
	}},
	{"the parent ends first", func(_ *fakeclock.Clock, cancelParent, _ context.CancelFunc) error {
		cancelParent()
		return context.Canceled
	}},
	{"cancelled first", func(_ *fakeclock.Clock, _, cancel context.CancelFunc) error {
		cancel()
		return context.Canceled
	}},
}

// TestWithClockTimeout: the per-call deadline of gateway calls runs on
// the Clock: done, with context.DeadlineExceeded, once the Clock has
// moved d on, and not a nanosecond before; done with the parent's error
// if the parent ends first; its timer stopped by cancel. On a fakeclock,
// through its AfterFunc, it is done as soon as the Advance returns and
// arms no Timer; on a Clock with timers only, soon after.
func TestWithClockTimeout(t *testing.T) {
	const d = timeoutD
	for _, ck := range timeoutClocks {
		for _, tt := range timeoutEnds {
			t.Run(ck.name+"/"+tt.name, func(t *testing.T) {
				clock := fakeclock.New(start)
				parent, cancelParent := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "v"))
				defer cancelParent()
				ctx, cancel := boxoffice.WithClockTimeoutForTest(parent, ck.clock(clock), d)
				if ctx.Value(ctxKey{}) != "v" {
					t.Error("the parent's values are lost")
				}
				if _, ok := ctx.Deadline(); ok {
					t.Error("a deadline on a fake clock is reported as a machine time")
				}
				clock.Advance(d - time.Nanosecond)
				if err := ctx.Err(); err != nil || clock.Timers() != ck.timers {
					t.Fatalf("a nanosecond before the deadline: Err %v, %d timers armed; want nil and %d", err, clock.Timers(), ck.timers)
				}
				want := tt.end(clock, cancelParent, cancel)
				if ck.timers == 0 && ctx.Err() != want {
					t.Errorf("as the clock returns: Err() = %v, want %v", ctx.Err(), want)
				}
				waitCtxDone(t, ctx, tt.name)
				if err := ctx.Err(); err != want {
					t.Errorf("Err() = %v, want %v", err, want)
				}
				if want == context.DeadlineExceeded && !errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
					t.Errorf("Cause = %v; want one matching context.DeadlineExceeded", context.Cause(ctx))
				}
				// Whatever comes later does not change the answer.
				cancelParent()
				clock.Advance(time.Hour)
				cancel()
				if err := ctx.Err(); err != want {
					t.Errorf("later, Err() = %v, want %v still", err, want)
				}
				if n := clock.Timers(); n != 0 {
					t.Errorf("%d timers armed after cancel; want the deadline's stopped", n)
				}
			})
		}
	}
}

// TestWithClockTimeoutMachineClock: on the machine's clock it is
// context.WithTimeout, deadline and all, as before.
func TestWithClockTimeoutMachineClock(t *testing.T) {
	for _, clock := range []boxoffice.Clock{boxoffice.SystemClock(), &boxoffice.MachineClock{}} {
		before := time.Now()
		ctx, cancel := boxoffice.WithClockTimeoutForTest(context.Background(), clock, time.Hour)
		dl, ok := ctx.Deadline()
		if !ok || dl.Before(before.Add(time.Hour)) || dl.After(time.Now().Add(time.Hour)) {
			t.Errorf("%T: deadline %v, %v; want an hour from now", clock, dl, ok)
		}
		cancel()
		if err := ctx.Err(); err != context.Canceled {
			t.Errorf("%T: after cancel, Err() = %v", clock, err)
		}
		ctx, cancel = boxoffice.WithClockTimeoutForTest(context.Background(), clock, time.Millisecond)
		waitCtxDone(t, ctx, "a millisecond on the machine's clock")
		if err := ctx.Err(); err != context.DeadlineExceeded {
			t.Errorf("%T: Err() = %v, want context.DeadlineExceeded", clock, err)
		}
		cancel()
	}
}

// hangingGateway blocks every charge and refund until its context ends,
// keeping the context of the call in flight.
type hangingGateway struct {
	*boxoffice.InMemoryGateway
	hangRefunds bool
	entered     chan context.Context
	once        sync.Once
}

func (g *hangingGateway) hang(ctx context.Context) error {
	g.once.Do(func() { g.entered <- ctx })
	<-ctx.Done()
	return ctx.Err()
}

func (g *hangingGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	if !g.hangRefunds {
		return boxoffice.Receipt{}, g.hang(ctx)
	}
	return g.InMemoryGateway.Charge(ctx, r)
}

func (g *hangingGateway) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	if g.hangRefunds {
		return boxoffice.Receipt{}, g.hang(ctx)
	}
	return g.InMemoryGateway.Refund(ctx, r)
}

// TestPaymentTimeoutFollowsClock: Config.PaymentTimeout runs on the
// Config's Clock, the only source of time: a gateway call that hangs is
// cut off once the Clock passes PaymentTimeout, and not before, however
// little real time has gone by. It ran on the machine's clock, so a fake
// clock moved an hour on left the call hanging for PaymentTimeout of
// real time (here an hour).
func TestPaymentTimeoutFollowsClock(t *testing.T) {
	const timeout = time.Hour
	tests := []struct {
		name        string
		hangRefunds bool
		call        func(f *fixture, b boxoffice.Booking) (boxoffice.Booking, error)
		check       func(t *testing.T, f *fixture, b boxoffice.Booking, err error)
	}{
		{"charge", false, func(f *fixture, b boxoffice.Booking) (boxoffice.Booking, error) {
			return f.sys.ConfirmBooking(f.ctx, b.ID, "card")
		}, func(t *testing.T, f *fixture, b boxoffice.Booking, err error) {
			if !errors.Is(err, boxoffice.ErrPaymentFailed) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("ConfirmBooking: %v; want a payment failed by a timeout", err)
			}
			if got := f.booking(b.ID); got.Payment.FailureKind != boxoffice.FailureTimedOut {
				t.Errorf("booking %s, failure %q; want failed, timed out", got.Status, got.Payment.FailureKind)
			}
		}},
		{"refund", true, func(f *fixture, b boxoffice.Booking) (boxoffice.Booking, error) {
			return f.sys.CancelBooking(f.ctx, f.confirm(b).ID)
		}, func(t *testing.T, f *fixture, b boxoffice.Booking, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("CancelBooking: %v; want the refund timed out", err)
			}
			if got := f.booking(b.ID); got.Status != boxoffice.StatusCancelled || got.RefundOwed() != 15_00 {
				t.Errorf("booking %s owing %s; want cancelled, owing 15.00", got.Status, got.RefundOwed())
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw := &hangingGateway{InMemoryGateway: boxoffice.NewInMemoryGateway(), hangRefunds: tt.hangRefunds,
				entered: make(chan context.Context, 1)}
			f := newFixture(t, func(c *boxoffice.Config) {
				c.Gateway, c.PaymentTimeout, c.PaymentAttempts = gw, timeout, 1
				c.SweepInterval = 10 * time.Hour // no tick while the call hangs
			})
			b := f.hold("alice", "E1")
			done := make(chan error, 1)
			go func() {
				_, err := tt.call(f, b)
				done <- err
			}()
			callCtx := recv(t, gw.entered, "the call to reach the gateway")
			f.clock.Advance(timeout - time.Nanosecond)
			if err := callCtx.Err(); err != nil {
				t.Fatalf("a nanosecond before PaymentTimeout on the Clock, the call is cut off: %v", err)
			}
			f.clock.Advance(time.Nanosecond)
			select {
			case err := <-done:
				tt.check(t, f, b, err)
			case <-time.After(10 * time.Second):
				t.Fatal("the Clock passed PaymentTimeout, but the gateway call was not cut off: PaymentTimeout runs on the machine's clock")
			}
		})
	}
}

// TestClockTimeoutSeenByDerivedContexts: a context derived from the
// call's (a gateway's own bound, an HTTP request's context) ends with
// context.DeadlineExceeded, and a Cause matching it, once the timeout
// passes on the Clock, as under context.WithTimeout on the machine's
// clock; and with the call's own error when the call ends otherwise. It
// reported context.Canceled: its parent was the cancelled context under
// the call's, whose Err only the call's own context corrected.
func TestClockTimeoutSeenByDerivedContexts(t *testing.T) {
	const d = timeoutD
	derive := []struct {
		name   string
		derive func(context.Context) (context.Context, context.CancelFunc)
	}{
		{"WithCancel", context.WithCancel},
		{"WithTimeout", func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 24*time.Hour)
		}},
		{"WithCancel of WithValue", func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithCancel(context.WithValue(ctx, ctxKey{}, "w"))
		}},
	}
	for _, ck := range timeoutClocks {
		for _, dv := range derive {
			for _, end := range timeoutEnds {
				t.Run(ck.name+"/"+dv.name+"/"+end.name, func(t *testing.T) {
					defer goleak.VerifyNone(t, goleak.IgnoreCurrent()) // the cancels release everything
					clock := fakeclock.New(start)
					parent, cancelParent := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "v"))
					defer cancelParent()
					ctx, cancel := boxoffice.WithClockTimeoutForTest(parent, ck.clock(clock), d)
					defer cancel()
					child, cancelChild := dv.derive(ctx)
					defer cancelChild()
					clock.Advance(d - time.Nanosecond)
					if err := child.Err(); err != nil {
						t.Fatalf("before the deadline: derived Err %v", err)
					}
					want := end.end(clock, cancelParent, cancel)
					waitCtxDone(t, child, "the derived context")
					if err := child.Err(); err != want {
						t.Errorf("derived Err() = %v, want %v", err, want)
					}
					if err := ctx.Err(); err != want {
						t.Errorf("call's Err() = %v, want %v", err, want)
					}
					for name, c := range map[string]context.Context{"derived": child, "call's": ctx} {
						if cause := context.Cause(c); !errors.Is(cause, want) {
							t.Errorf("%s Cause = %v; want one matching %v", name, cause, want)
						}
					}
					// Whatever comes later does not change the answer.
					cancelParent()
					clock.Advance(time.Hour)
					cancel()
					if err := child.Err(); err != want {
						t.Errorf("later, derived Err() = %v, want %v still", err, want)
					}
				})
			}
		}
	}
}

// derivingGateway hangs every charge on a context it derives from the
// call's, as most gateway clients do (a bound of their own, an HTTP
// request's context), and returns that context's error.
type derivingGateway struct {
	*boxoffice.InMemoryGateway
	entered chan struct{}
}

func (g *derivingGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	inner, cancel := context.WithTimeout(ctx, 24*time.Hour)
	defer cancel()
	g.entered <- struct{}{}
	<-inner.Done()
	return boxoffice.Receipt{}, inner.Err()
}

// TestPaymentTimeoutThroughDerivedContext: a charge cut off by
// PaymentTimeout on a fake Clock, in a gateway that waits on a context of
// its own derived from the call's, fails the payment as timed out
// (FailureTimedOut, an error matching context.DeadlineExceeded and not
// context.Canceled). It was recorded as a gateway error, and the answer
// matched context.Canceled, as if the caller had gone away.
func TestPaymentTimeoutThroughDerivedContext(t *testing.T) {
	const timeout = time.Minute
	gw := &derivingGateway{InMemoryGateway: boxoffice.NewInMemoryGateway(), entered: make(chan struct{}, 1)}
	f := newFixture(t, func(c *boxoffice.Config) {
		c.Gateway, c.PaymentTimeout, c.PaymentAttempts = gw, timeout, 1
		c.SweepInterval = 10 * time.Hour // no tick while the call hangs
	})
	b := f.hold("alice", "E1")
	done := make(chan error, 1)
	go func() {
		_, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
		done <- err
	}()
	recv(t, gw.entered, "ConfirmBooking to charge")
	f.clock.Advance(timeout)
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the Clock passed PaymentTimeout, but the gateway call was not cut off")
	}
	if !errors.Is(err, boxoffice.ErrPaymentFailed) || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		t.Errorf("ConfirmBooking: %v; want a payment failed by a timeout (context.DeadlineExceeded), not context.Canceled", err)
	}
	if got := f.booking(b.ID); got.Payment.FailureKind != boxoffice.FailureTimedOut {
		t.Errorf("booking %s, failure kind %v; want %v", got.Status, got.Payment.FailureKind, boxoffice.FailureTimedOut)
	}
}
