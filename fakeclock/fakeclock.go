// Package fakeclock provides a deterministic [boxoffice.Clock] for tests:
// time stands still until the test moves it with [Clock.Advance] or
// [Clock.Set], and timers fire exactly when the fake time reaches their
// deadline, so tests of hold expiry, the sweeper and payment backoff never
// sleep.
//
// # Timers
//
// Timers follow the semantics of [*time.Timer] since Go 1.23: a timer sends the
// time it was due (its deadline) once on a channel that never blocks the
// clock, and Stop and Reset discard a value that fired but was not yet
// received, so no stale value is received after they return. Such a discarded
// value counts as stopping an active timer: Stop and Reset report true, as
// time.Timer does. A timer made or reset with a duration ≤ 0 fires at once,
// with the current time.
//
// # Advancing time
//
// Advance and Set fire, in deadline order (ties in the order the timers were
// armed), every timer due at the new time, each with its own deadline as the
// value. They fire only timers armed when they are called: a goroutine that
// re-arms its timer after receiving from it arms it relative to the new time.
// To step a loop that re-arms a timer, advance one period at a time and call
// [Clock.WaitForTimers] between steps so the goroutine has re-armed before
// time moves on.
//
// Time never goes backwards: Set to an earlier time and Advance by a negative
// duration do nothing.
//
// # Functions
//
// [Clock.AfterFunc] calls a function once the clock reaches its deadline,
// in the goroutine that moves the clock, before Advance or Set returns. It
// is how a BookingSystem on this clock times its payment gateway calls.
package fakeclock

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

var _ boxoffice.Clock = (*Clock)(nil)

// Clock is a manually driven clock. Its zero value is not usable; make one
// with [New] ([boxoffice.New] refuses a zero Clock: see [Clock.Validate]). It
// is safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	active timerHeap // armed timers, earliest deadline first
	armSeq uint64    // arming order, to break deadline ties deterministically
	funcs  int       // armed timers of AfterFunc, which Timers does not count
	// armed is closed (and replaced) each time a timer is armed, waking
	// WaitForTimers. A channel rather than a sync.Cond so that a waiter can
	// also select on its context.
	armed chan struct{}
}

// New returns a clock whose time is start until it is advanced.
func New(start time.Time) *Clock {
	return &Clock{now: start, armed: make(chan struct{})}
}

// Validate returns an error if c is not usable: the zero [Clock], or a nil
// one, whose timers would panic. [boxoffice.New] calls it, as it calls the
// Validate method of any Clock that has one, and refuses such a clock
// with an *ArgumentError rather than have its sweeper panic.
func (c *Clock) Validate() error {
	if c == nil {
		return errors.New("fakeclock: a nil Clock; make one with fakeclock.New")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.armed == nil {
		return errors.New("fakeclock: the zero Clock is not usable; make one with fakeclock.New")
	}
	return nil
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer that fires once the clock has advanced by d.
func (c *Clock) NewTimer(d time.Duration) boxoffice.Timer {
	t := &Timer{clock: c, ch: make(chan time.Time, 1), index: notArmed}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.arm(t, d)
	return t
}

// Advance moves the clock forward by d and fires every timer now due.
// A negative d does nothing.
func (c *Clock) Advance(d time.Duration) {
	if d < 0 {
		return
	}
	c.mu.Lock()
	due := c.moveTo(c.now.Add(d))
	c.mu.Unlock()
	call(due)
}

// Set moves the clock forward to t and fires every timer now due. A t
// before the current time does nothing: the clock never goes backwards.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	if t.Before(c.now) {
		c.mu.Unlock()
		return
	}
	due := c.moveTo(t)
	c.mu.Unlock()
	call(due)
}

// AfterFunc arranges for f to be called once the clock has advanced by
// d: by the [Clock.Advance] or [Clock.Set] that reaches the deadline, in its
// goroutine, before it returns (after it has fired the timers due, and with
// no lock of the clock held, so f may use the clock). stop cancels the call;
// it reports whether it did, false if f has been called or is being called. A
// d ≤ 0 calls f at once in a goroutine of its own, which stop does not
// cancel.
//
// Its deadline is not a [Timer]: it does not count in [Clock.Timers] or
// [Clock.WaitForTimers]. [boxoffice.New]'s BookingSystem times each payment
// gateway call (Config.PaymentTimeout) with it, so that a test waiting
// for the sweeper's timer is not misled by a call in flight, and a call
// is cut off as soon as the test moves the clock past its deadline.
func (c *Clock) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	if d <= 0 {
		go f()
		return func() bool { return false }
	}
	t := &Timer{clock: c, fn: f, index: notArmed}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.when = c.now.Add(d)
	c.armSeq++
	t.seq = c.armSeq
	heap.Push(&c.active, t)
	c.funcs++
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if t.index == notArmed {
			return false
		}
		heap.Remove(&c.active, t.index)
		c.funcs--
		return true
	}
}

// call calls the functions of AfterFunc that fell due, in deadline order.
func call(due []func()) {
	for _, f := range due {
		f()
	}
}

// Timers returns the number of armed timers: made or reset, and neither
// fired nor stopped since.
func (c *Clock) Timers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.active) - c.funcs
}

// WaitForTimers blocks until at least n timers are armed, so that a test can
// advance time only once the goroutine under test is waiting on its timer.
// It returns ctx.Err() if ctx ends first.
func (c *Clock) WaitForTimers(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		count, armed := len(c.active)-c.funcs, c.armed
		c.mu.Unlock()
		if count >= n {
			return nil
		}
		select {
		case <-armed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// moveTo sets the time to target and fires the timers due by then. It
// returns the functions of AfterFunc due by then, for the caller to call
// once it has released c.mu. c.mu must be held; target must not be
// before c.now.
func (c *Clock) moveTo(target time.Time) (due []func()) {
	for len(c.active) > 0 && !c.active[0].when.After(target) {
		t := heap.Pop(&c.active).(*Timer)
		if t.fn != nil {
			c.funcs--
			due = append(due, t.fn)
			continue
		}
		t.fire()
	}
	c.now = target
	return due
}

// arm schedules t to fire d from now, or fires it at once with the current
// time if d ≤ 0 (as time.Timer does). c.mu must be held and t must not be
// armed.
func (c *Clock) arm(t *Timer, d time.Duration) {
	if d <= 0 {
		t.when = c.now
		t.fire()
		return
	}
	t.when = c.now.Add(d)
	c.armSeq++
	t.seq = c.armSeq
	heap.Push(&c.active, t)
	close(c.armed)
	c.armed = make(chan struct{})
}

// notArmed is the heap index of a timer that is not armed.
const notArmed = -1

// Timer is a timer of a fake [Clock]. It implements [boxoffice.Timer].
type Timer struct {
	clock *Clock
	ch    chan time.Time // capacity 1: firing never blocks the clock
	// The fields below are guarded by clock.mu.
	when  time.Time // deadline
	seq   uint64    // arming order
	index int       // position in clock.active, or notArmed
	fn    func()    // for a timer of AfterFunc, which has no channel
}

// C returns the channel the timer's deadline is sent on when it fires.
func (t *Timer) C() <-chan time.Time { return t.ch }

// Stop prevents the timer from firing and discards a fired value not yet
// received. It reports whether it did either, that is whether the timer had
// not yet been delivered.
func (t *Timer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	return t.disarm()
}

// Reset re-arms the timer to fire d after the clock's current time,
// discarding a fired value not yet received. It reports whether the timer
// was armed or held an undelivered value, as [Timer.Stop] does.
func (t *Timer) Reset(d time.Duration) bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	wasActive := t.disarm()
	t.clock.arm(t, d)
	return wasActive
}

// disarm removes t from the clock's timers and drains its channel; it
// reports whether the timer was armed or its value undelivered.
// clock.mu must be held.
func (t *Timer) disarm() bool {
	wasArmed := t.index != notArmed
	if wasArmed {
		heap.Remove(&t.clock.active, t.index)
	}
	select {
	case <-t.ch:
		return true
	default:
		return wasArmed
	}
}

// fire sends the deadline without blocking. The channel is always empty
// here, because every arming follows a drain, so the value is never lost;
// the default case only guards the clock against blocking.
func (t *Timer) fire() {
	select {
	case t.ch <- t.when:
	default:
	}
}

// timerHeap orders armed timers by deadline, then by arming order, keeping
// each timer's index current so that Stop and Reset remove it in O(log n).
type timerHeap []*Timer

func (h timerHeap) Len() int { return len(h) }

func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}

func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *timerHeap) Push(x any) {
	t := x.(*Timer)
	t.index = len(*h)
	*h = append(*h, t)
}

func (h *timerHeap) Pop() any {
	old := *h
	last := len(old) - 1
	t := old[last]
	old[last] = nil // let the timer be collected once it is dropped
	t.index = notArmed
	*h = old[:last]
	return t
}
