package fakeclock_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

var start = time.Date(2030, 6, 1, 18, 0, 0, 0, time.UTC)

// received returns the value waiting on t's channel, if any, without blocking.
func received(t boxoffice.Timer) (time.Time, bool) {
	select {
	case v := <-t.C():
		return v, true
	default:
		return time.Time{}, false
	}
}

func TestAdvanceFiresDueTimersWithTheirDeadlines(t *testing.T) {
	tests := []struct {
		name      string
		timers    []time.Duration // armed at start, in this order
		advances  []time.Duration // applied one after another
		wantFired []bool          // per timer, after all advances
	}{
		{"none due", []time.Duration{10 * time.Second, 20 * time.Second}, []time.Duration{9 * time.Second}, []bool{false, false}},
		{"exactly at deadline", []time.Duration{10 * time.Second}, []time.Duration{10 * time.Second}, []bool{true}},
		{"some due, any arming order", []time.Duration{30 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second}, []time.Duration{25 * time.Second}, []bool{false, true, true, false}},
		{"equal deadlines all fire", []time.Duration{10 * time.Second, 10 * time.Second, 10 * time.Second}, []time.Duration{10 * time.Second}, []bool{true, true, true}},
		{"in steps", []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}, []time.Duration{5 * time.Second, 5 * time.Second, 5 * time.Second, 5 * time.Second}, []bool{true, true, false}},
		{"one long jump fires all", []time.Duration{time.Second, time.Minute, time.Hour}, []time.Duration{24 * time.Hour}, []bool{true, true, true}},
		{"negative advance does nothing", []time.Duration{time.Nanosecond}, []time.Duration{-time.Hour}, []bool{false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := fakeclock.New(start)
			timers := make([]boxoffice.Timer, len(tt.timers))
			for i, d := range tt.timers {
				timers[i] = clock.NewTimer(d)
			}
			var elapsed time.Duration
			for _, d := range tt.advances {
				clock.Advance(d)
				elapsed += max(d, 0)
			}
			if got, want := clock.Now(), start.Add(elapsed); !got.Equal(want) {
				t.Errorf("Now() = %v, want %v", got, want)
			}
			armed := 0
			for i, timer := range timers {
				v, fired := received(timer)
				if fired != tt.wantFired[i] {
					t.Errorf("timer %d (%v): fired = %v, want %v", i, tt.timers[i], fired, tt.wantFired[i])
					continue
				}
				if !fired {
					armed++
					continue
				}
				if want := start.Add(tt.timers[i]); !v.Equal(want) {
					t.Errorf("timer %d sent %v, want its deadline %v", i, v, want)
				}
			}
			if got := clock.Timers(); got != armed {
				t.Errorf("Timers() = %d, want %d", got, armed)
			}
		})
	}
}

func TestSetMovesForwardOnly(t *testing.T) {
	clock := fakeclock.New(start)
	timer := clock.NewTimer(time.Hour)

	clock.Set(start.Add(-time.Hour))
	if got := clock.Now(); !got.Equal(start) {
		t.Fatalf("after Set to the past, Now() = %v, want it unchanged at %v", got, start)
	}
	if _, fired := received(timer); fired {
		t.Fatal("Set to the past fired a timer")
	}

	clock.Set(start.Add(2 * time.Hour))
	if got, want := clock.Now(), start.Add(2*time.Hour); !got.Equal(want) {
		t.Fatalf("Now() = %v, want %v", got, want)
	}
	if v, fired := received(timer); !fired || !v.Equal(start.Add(time.Hour)) {
		t.Fatalf("after Set past the deadline: received (%v, %v), want (%v, true)", v, fired, start.Add(time.Hour))
	}
}

// step is one operation of a timer scenario, run the same way against a fake
// Clock and against a real *time.Timer in a synctest bubble.
type step struct {
	op   string        // "advance", "stop", "reset", "recv" or "none"
	d    time.Duration // advance and reset: the duration; recv: the value's offset from start
	want bool          // stop and reset: the result
}

func advance(d time.Duration) step          { return step{op: "advance", d: d} }
func stop(want bool) step                   { return step{op: "stop", want: want} }
func reset(d time.Duration, want bool) step { return step{op: "reset", d: d, want: want} }
func recv(at time.Duration) step            { return step{op: "recv", d: at} }
func none() step                            { return step{op: "none"} }

var timerScenarios = []struct {
	name  string
	first time.Duration // the duration of NewTimer
	steps []step
}{
	{"fires at its deadline once", 10 * time.Second, []step{advance(9 * time.Second), none(), advance(time.Second), recv(10 * time.Second), none(), advance(time.Hour), none()}},
	{"sends its deadline after a long jump", 10 * time.Second, []step{advance(time.Hour), recv(10 * time.Second)}},
	{"stop before firing", 10 * time.Second, []step{stop(true), advance(time.Minute), none(), stop(false)}},
	{"stop after firing discards the unreceived value", 10 * time.Second, []step{advance(10 * time.Second), stop(true), none(), stop(false)}},
	{"stop after the value was received", 10 * time.Second, []step{advance(10 * time.Second), recv(10 * time.Second), stop(false)}},
	{"reset while armed moves the deadline", 10 * time.Second, []step{advance(5 * time.Second), reset(10*time.Second, true), advance(9 * time.Second), none(), advance(time.Second), recv(15 * time.Second)}},
	{"reset after firing discards the unreceived value", 10 * time.Second, []step{advance(10 * time.Second), reset(5*time.Second, true), none(), advance(5 * time.Second), recv(15 * time.Second)}},
	{"reset after the value was received re-arms", 10 * time.Second, []step{advance(10 * time.Second), recv(10 * time.Second), reset(5*time.Second, false), advance(5 * time.Second), recv(15 * time.Second)}},
	{"reset after stop re-arms", 10 * time.Second, []step{stop(true), reset(5*time.Second, false), advance(5 * time.Second), recv(5 * time.Second)}},
	{"zero duration fires at once", 0, []step{recv(0), stop(false)}},
	{"negative duration fires at once with the current time", -time.Hour, []step{recv(0)}},
	{"reset to zero fires at once", 10 * time.Second, []step{advance(time.Second), reset(0, true), recv(time.Second), none()}},
	{"reset to negative fires at once with the current time", 10 * time.Second, []step{advance(time.Second), reset(-time.Minute, true), recv(time.Second)}},
	{"stop of a zero timer discards its value", 0, []step{stop(true), none()}},
}

// runScenario runs steps against a timer made by newTimer at t0, moving time
// with advance, and reports every mismatch.
func runScenario(t *testing.T, t0 time.Time, newTimer func(time.Duration) boxoffice.Timer, advance func(time.Duration), first time.Duration, steps []step) {
	t.Helper()
	timer := newTimer(first)
	for i, s := range steps {
		switch s.op {
		case "advance":
			advance(s.d)
		case "stop":
			if got := timer.Stop(); got != s.want {
				t.Errorf("step %d: Stop() = %v, want %v", i, got, s.want)
			}
		case "reset":
			if got := timer.Reset(s.d); got != s.want {
				t.Errorf("step %d: Reset(%v) = %v, want %v", i, s.d, got, s.want)
			}
		case "recv":
			v, ok := received(timer)
			if !ok {
				t.Errorf("step %d: nothing received, want the time start+%v", i, s.d)
			} else if got := v.Sub(t0); got != s.d {
				t.Errorf("step %d: received start+%v, want start+%v", i, got, s.d)
			}
		case "none":
			if v, ok := received(timer); ok {
				t.Errorf("step %d: received start+%v, want nothing", i, v.Sub(t0))
			}
		default:
			t.Fatalf("step %d: unknown op %q", i, s.op)
		}
	}
}

// realTimer adapts *time.Timer to boxoffice.Timer.
type realTimer struct{ *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.Timer.C }

// TestTimerMatchesTimeTimer runs each scenario against the fake and against
// a real *time.Timer, the latter in a synctest bubble where time is virtual,
// so the fake is checked against the standard library rather than against
// our reading of its documentation.
func TestTimerMatchesTimeTimer(t *testing.T) {
	for _, sc := range timerScenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Run("fakeclock", func(t *testing.T) {
				clock := fakeclock.New(start)
				runScenario(t, start, clock.NewTimer, clock.Advance, sc.first, sc.steps)
			})
			t.Run("time.Timer", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					t0 := time.Now()
					newTimer := func(d time.Duration) boxoffice.Timer { return realTimer{time.NewTimer(d)} }
					// The bubble's clock is virtual: this sleep takes no
					// wall-clock time.
					sleep := func(d time.Duration) { time.Sleep(d); synctest.Wait() }
					runScenario(t, t0, newTimer, sleep, sc.first, sc.steps)
				})
			})
		})
	}
}

func TestTimersCountsArmedTimers(t *testing.T) {
	clock := fakeclock.New(start)
	a := clock.NewTimer(time.Second)
	b := clock.NewTimer(time.Minute)
	clock.NewTimer(0) // fires at once: never armed
	if got := clock.Timers(); got != 2 {
		t.Fatalf("after two armed timers, Timers() = %d, want 2", got)
	}
	a.Stop()
	if got := clock.Timers(); got != 1 {
		t.Fatalf("after Stop, Timers() = %d, want 1", got)
	}
	a.Reset(time.Second)
	b.Reset(time.Hour) // re-arming an armed timer must not count it twice
	if got := clock.Timers(); got != 2 {
		t.Fatalf("after Reset, Timers() = %d, want 2", got)
	}
	clock.Advance(time.Minute)
	if got := clock.Timers(); got != 1 {
		t.Fatalf("after one fired, Timers() = %d, want 1", got)
	}
}

func TestWaitForTimersReturnsAtOnceWhenEnoughAreArmed(t *testing.T) {
	clock := fakeclock.New(start)
	clock.NewTimer(time.Minute)
	clock.NewTimer(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a wait that needed to block would fail
	for _, n := range []int{-1, 0, 1, 2} {
		if err := clock.WaitForTimers(ctx, n); err != nil {
			t.Errorf("WaitForTimers(%d) with 2 armed = %v, want nil", n, err)
		}
	}
	if err := clock.WaitForTimers(ctx, 3); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitForTimers(3) with 2 armed and a cancelled context = %v, want context.Canceled", err)
	}
}

func TestWaitForTimersReturnsContextError(t *testing.T) {
	clock := fakeclock.New(start)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- clock.WaitForTimers(ctx, 1) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitForTimers with no timers and a cancelled context = %v, want context.Canceled", err)
	}
}

// TestWaitForTimersBlocksUntilArmed checks, in a synctest bubble where
// synctest.Wait proves a goroutine is blocked, that WaitForTimers returns
// neither before nor later than the n-th timer is armed.
func TestWaitForTimersBlocksUntilArmed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := fakeclock.New(start)
		done := make(chan error, 1)
		go func() { done <- clock.WaitForTimers(context.Background(), 2) }()

		checkBlocked := func(when string) {
			t.Helper()
			synctest.Wait()
			select {
			case err := <-done:
				t.Fatalf("%s: WaitForTimers(2) returned %v, want it blocked", when, err)
			default:
			}
		}
		checkBlocked("no timers")
		first := clock.NewTimer(time.Minute)
		checkBlocked("one timer")
		first.Stop()
		clock.NewTimer(time.Minute)
		checkBlocked("one stopped, one armed")
		clock.NewTimer(0)
		checkBlocked("a zero timer, which fires at once")
		clock.NewTimer(time.Hour)
		synctest.Wait()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("WaitForTimers(2) = %v, want nil", err)
			}
		default:
			t.Fatal("WaitForTimers(2) still blocked with two timers armed")
		}
	})
}

// TestSteppingARearmingLoop drives a sweeper-like loop that re-arms its
// timer after each tick, the pattern WaitForTimers exists for.
func TestSteppingARearmingLoop(t *testing.T) {
	const period, ticks = time.Minute, 5
	clock := fakeclock.New(start)
	got := make(chan time.Time)
	go func() {
		timer := clock.NewTimer(period)
		for range ticks {
			got <- <-timer.C()
			timer.Reset(period)
		}
	}()
	ctx := t.Context()
	for i := 1; i <= ticks; i++ {
		if err := clock.WaitForTimers(ctx, 1); err != nil {
			t.Fatal(err)
		}
		clock.Advance(period)
		if v, want := <-got, start.Add(time.Duration(i)*period); !v.Equal(want) {
			t.Fatalf("tick %d at %v, want %v", i, v, want)
		}
	}
}

// TestConcurrentUse makes, stops and resets timers from many goroutines while
// another advances the clock; run it with -race. Every timer must fire once,
// with a deadline its maker could have computed, unless it was stopped.
func TestConcurrentUse(t *testing.T) {
	const makers, perMaker = 8, 200
	clock := fakeclock.New(start)

	type made struct {
		timer          boxoffice.Timer
		earliest, last time.Time // bounds of the deadline: d after Now() before and after NewTimer
		stopped        bool
	}
	results := make([][]made, makers)
	stopAdvancing := make(chan struct{})
	advancerDone := make(chan struct{})
	go func() {
		defer close(advancerDone)
		for {
			select {
			case <-stopAdvancing:
				return
			default:
				clock.Advance(time.Millisecond)
			}
		}
	}()

	var wg sync.WaitGroup
	for m := range makers {
		wg.Go(func() {
			for i := range perMaker {
				d := time.Duration(1+(m*perMaker+i)%50) * time.Millisecond
				before := clock.Now()
				timer := clock.NewTimer(d)
				after := clock.Now()
				rec := made{timer: timer, earliest: before.Add(d), last: after.Add(d)}
				switch i % 4 {
				case 1:
					// Nobody receives from this channel, so the timer is
					// armed or holds its value: Stop must report true.
					if !timer.Stop() {
						t.Errorf("maker %d timer %d: Stop() = false before anyone received", m, i)
					}
					rec.stopped = true
				case 2:
					before = clock.Now()
					timer.Reset(d)
					after = clock.Now()
					rec.earliest, rec.last = before.Add(d), after.Add(d)
				}
				results[m] = append(results[m], rec)
			}
		})
	}
	wg.Wait()
	close(stopAdvancing)
	<-advancerDone

	clock.Advance(time.Hour)
	if n := clock.Timers(); n != 0 {
		t.Errorf("after advancing past every deadline, Timers() = %d, want 0", n)
	}
	for m, list := range results {
		for i, rec := range list {
			v, fired := received(rec.timer)
			switch {
			case rec.stopped && fired:
				t.Errorf("maker %d timer %d: stopped but fired at %v", m, i, v)
			case !rec.stopped && !fired:
				t.Errorf("maker %d timer %d: never fired", m, i)
			case fired && (v.Before(rec.earliest) || v.After(rec.last)):
				t.Errorf("maker %d timer %d: fired with %v, want a deadline in [%v, %v]", m, i, v, rec.earliest, rec.last)
			}
			if v, again := received(rec.timer); again {
				t.Errorf("maker %d timer %d: fired twice (second at %v)", m, i, v)
			}
		}
	}
}

func ExampleTimer_Stop() {
	clock := fakeclock.New(start)
	timer := clock.NewTimer(time.Minute)
	clock.Advance(time.Minute)
	// The timer fired but its value was never received: Stop discards it and
	// reports true, as time.Timer does since Go 1.23.
	fmt.Println(timer.Stop(), timer.Stop())
	// Output:
	// true false
}

// TestValidate: a Clock made by New is usable; the zero Clock and a nil
// one are not, and say so (boxoffice.New refuses them through Validate
// rather than have its sweeper panic on their first timer).
func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		c    *fakeclock.Clock
		ok   bool
	}{
		{"New", fakeclock.New(start), true},
		{"zero", &fakeclock.Clock{}, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if err := tt.c.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v; want usable %v", tt.name, err, tt.ok)
		}
	}
}

// TestAfterFunc: a function of AfterFunc is called by the Advance (or
// Set) that reaches its deadline, before it returns, after the timers due
// by then; not before; once; never after stop; and it is not a Timer.
func TestAfterFunc(t *testing.T) {
	c := fakeclock.New(start)
	var mu sync.Mutex
	var calls []string
	record := func(s string) func() {
		return func() {
			_ = c.Now() // no lock of the clock is held
			mu.Lock()
			calls = append(calls, s)
			mu.Unlock()
		}
	}
	got := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), calls...)
	}
	timer := c.NewTimer(2 * time.Second)
	c.AfterFunc(2*time.Second, record("at 2s"))
	c.AfterFunc(time.Second, record("at 1s"))
	stop := c.AfterFunc(time.Second, record("stopped"))
	if n := c.Timers(); n != 1 {
		t.Fatalf("Timers() = %d; want 1: functions are not timers", n)
	}
	if !stop() || stop() {
		t.Fatal("stop: want true, then false")
	}
	c.Advance(time.Second - time.Nanosecond)
	if g := got(); len(g) != 0 {
		t.Fatalf("before any deadline: called %v", g)
	}
	c.Advance(time.Nanosecond)
	if g := got(); fmt.Sprint(g) != "[at 1s]" {
		t.Fatalf("at 1s: called %v; want [at 1s]", g)
	}
	c.Set(start.Add(time.Hour))
	if g := got(); fmt.Sprint(g) != "[at 1s at 2s]" {
		t.Fatalf("an hour on: called %v; want [at 1s at 2s]", g)
	}
	if _, ok := received(timer); !ok {
		t.Error("the timer due with the function did not fire")
	}
	c.Advance(time.Hour)
	if g := got(); len(g) != 2 || c.Timers() != 0 {
		t.Errorf("later: called %v, %d timers; want each once, none armed", g, c.Timers())
	}
	// A function with d ≤ 0 runs at once, in a goroutine of its own.
	done := make(chan struct{})
	if c.AfterFunc(0, func() { close(done) })() {
		t.Error("stop of a function already called: true")
	}
	<-done
}
