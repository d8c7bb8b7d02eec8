package boxoffice

import "time"

// Clock is the BookingSystem's only source of time: hold deadlines, expiry,
// the sweeper, payment backoff and timeouts, and refund tiers all read it.
// Tests use a fake (see package fakeclock) instead of sleeping.
//
// A Clock may have two more methods, which the BookingSystem uses if it
// does: Validate() error, which New calls, refusing the Clock if it
// returns an error (a fake clock's unusable zero value, say); and
// AfterFunc(d time.Duration, f func()) (stop func() bool), which calls f
// once d has passed on the Clock, with which each gateway call is cut off
// after Config.PaymentTimeout rather than with a Timer and a goroutine.
// fakeclock.Clock has both.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that sends the time on its channel once d
	// has passed on this clock.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer made by a Clock, like *time.Timer.
type Timer interface {
	// C returns the channel the time is sent on.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it stopped
	// the timer before it fired.
	Stop() bool
	// Reset makes the timer fire after d from now; it reports whether the
	// timer was active.
	Reset(d time.Duration) bool
}

// SystemClock returns the Clock of the machine, the BookingSystem's
// default.
func SystemClock() MachineClock { return MachineClock{} }

// MachineClock is the Clock of the machine: the one place in the package
// that reads time.Now. Its zero value is ready to use.
type MachineClock struct{}

// Now returns time.Now().
func (MachineClock) Now() time.Time { return time.Now() }

// NewTimer returns a Timer backed by a time.Timer.
func (MachineClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time        { return t.t.C }
func (t systemTimer) Stop() bool                 { return t.t.Stop() }
func (t systemTimer) Reset(d time.Duration) bool { return t.t.Reset(d) }
