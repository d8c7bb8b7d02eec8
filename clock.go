package boxoffice

import "time"

// Clock is the [BookingSystem]'s only source of time: hold deadlines, expiry,
// the sweeper, payment backoff and timeouts, and refund tiers all read it.
// Tests use a fake (see package fakeclock) instead of sleeping.
//
// The times the BookingSystem stores from the Clock's readings (a booking's
// CreatedAt, UpdatedAt, HeldUntil, [Payment.PaidAt], [Payment.LiveUntil] and
// [Refund.RefundedAt], a held seat's deadline) are in UTC, cut down to the
// microsecond (LiveUntil, a bound, rounded up) and without a monotonic clock
// reading, so that they are the same on every [Store] (see Store): what a call
// returns equals what a later read returns. The Clock itself may give any
// zone and precision.
//
// A Clock may have two more methods, which the BookingSystem uses if it
// does: Validate() error, which [New] calls, refusing the Clock if it
// returns an error (a fake clock's unusable zero value, say); and
// AfterFunc(d [time.Duration], f func()) (stop func() bool), which calls f
// once d has passed on the Clock, with which each gateway call is cut off
// after [Config.PaymentTimeout] rather than with a [Timer] and a goroutine.
// fakeclock.Clock has both.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that sends the time on its channel once d
	// has passed on this clock.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer made by a [Clock], like [*time.Timer].
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

// SystemClock returns the [Clock] of the machine, the [BookingSystem]'s
// default.
func SystemClock() MachineClock { return MachineClock{} }

// MachineClock is the [Clock] of the machine: the one place in the package
// that reads [time.Now]. Its zero value is ready to use.
type MachineClock struct{}

// Now returns time.Now().
func (MachineClock) Now() time.Time { return time.Now() }

// NewTimer returns a [Timer] backed by a [time.Timer].
func (MachineClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time        { return t.t.C }
func (t systemTimer) Stop() bool                 { return t.t.Stop() }
func (t systemTimer) Reset(d time.Duration) bool { return t.t.Reset(d) }

// storedTime returns t as the BookingSystem stores it and every Store
// returns it: in UTC, with no monotonic clock reading, cut down (not
// rounded) to the microsecond, PostgreSQL's precision. The BookingSystem
// takes every time it stores through it, where it takes it: the Clock's
// reading for a transaction (update), a hold's deadline (holdDeadline), a
// show's Start and End (ScheduleShow); and the times it returns beside
// them (SeatMap.At, the map a Watch stream begins with), so that nothing
// it returns is dated after a later commit.
//
// A time d on the microsecond grid compares with a Clock reading t as with
// storedTime(t) for ≥ and < (t ≥ d exactly when storedTime(t) ≥ d), so a
// hold's deadline means the same to a transaction, which reads the Clock
// through storedTime, and to the sweeper, which reads it as it is. Not for
// > and ≤: a judgement made with them (is a payment abandoned) reads the
// Clock through storedTime wherever it is made (resumePayment).
func storedTime(t time.Time) time.Time {
	// t.Round(0).UTC().Truncate(time.Microsecond), built from its
	// seconds and nanoseconds instead, without Truncate's division (a tenth
	// of the cost of a hold's three calls) nor the calls of Round and Add:
	// a microsecond divides a second, so Truncate cuts the nanoseconds past
	// the microsecond, before year 1 too, and the time built has no
	// monotonic reading (storedtime_internal_test.go).
	return time.Unix(t.Unix(), int64(t.Nanosecond()/1000*1000)).UTC()
}
