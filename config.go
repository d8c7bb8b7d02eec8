package boxoffice

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"time"
)

// Config configures a [BookingSystem]. Every zero field takes the default in
// its comment. For the five per-user limits ([Config.MaxHoldExtensions],
// [Config.MaxSeatsPerHold], [Config.MaxLiveHoldsPerUser],
// [Config.HoldsPerMinute], [Config.MaxSeatsPerShow]) a negative value turns
// the limit off, and a negative [Config.PaymentBackoff] means no wait; [New]
// refuses any other field below the minimum its comment gives (so a negative
// [Config.PaymentAttempts] or [Config.EventBuffer] is an error) with an
// [*ArgumentError] ([ErrInvalidArgument]).
type Config struct {
	// Store persists the catalog and the bookings. Default: a new
	// in-memory Store (NewMemoryStore). New refuses a MemoryStore not
	// made by NewMemoryStore (&MemoryStore{} is not usable).
	//
	// New refuses, with an *ArgumentError, a Store, Clock, Pricing,
	// Gateway, RefundPolicy or observer that is a nil pointer (or func),
	// and one with a method Validate() error that returns an error, as
	// the zero values of fakeclock.Clock, pgstore.Store and
	// CalendarPricing do: they would panic in the sweeper's goroutine, or
	// fail every request, rather than where the mistake was made.
	Store Store
	// Clock is the only source of time. Default: SystemClock().
	Clock Clock
	// Pricing prices seats at hold time. Default: RegularPricing().
	// Switch at run time with BookingSystem.SetPricing.
	Pricing PricingStrategy
	// Gateway takes payments and gives refunds. Default, with the
	// in-memory Store only: a new InMemoryGateway, which approves
	// everything. With any other Store (one that may outlive the process
	// or be shared, such as pgstore's) New refuses a nil Gateway, lest a
	// service sell tickets without charging: set NewInMemoryGateway()
	// explicitly to run without payments. An InMemoryGateway knows only
	// the charges made through it: a BookingSystem with another one
	// cannot refund them (ErrChargeNotFound: the refund stays owed, its
	// retries failing, until the sweeper of the BookingSystem that charged
	// finds it on a rescan and pays it), so give every BookingSystem of a
	// process the same one.
	Gateway PaymentGateway
	// RefundPolicy sets the refund share on cancellation. Default:
	// DefaultRefundPolicy() (100 % > 6 h, 50 % > 2 h, 25 % > 30 min, else 0).
	RefundPolicy RefundPolicy
	// Observers receive committed events asynchronously. Default: none.
	Observers []Observer
	// Logger reports what the system cannot return to a caller: observer
	// panics, sweeper errors. Default: slog.Default().
	Logger *slog.Logger

	// HoldTTL is how long held seats stay held, though never past the
	// show's start. Default: 10 minutes; at least 1 second.
	HoldTTL time.Duration
	// MaxHoldExtensions caps how often a hold may be extended (each
	// extension moves its deadline to HoldTTL from now, never past the
	// show's start), so nobody keeps seats forever by refreshing. A
	// refusal at the cap matches ErrLimitReached and is not counted in
	// Stats.RateLimited. An ExtendHold that would move the deadline by
	// less than a minute (a quarter of HoldTTL, if less) is a repeat: it
	// returns the hold unchanged and uses none up (see ExtendHold).
	// Default: 2; negative: no limit. To forbid extensions, set
	// NoHoldExtensions (zero here takes the default).
	MaxHoldExtensions int
	// NoHoldExtensions forbids extending holds: every ExtendHold that is
	// not a repeat (which returns the hold unchanged) is refused as at
	// the cap (ErrLimitReached), as a cap of zero would be if zero did
	// not mean the default. MaxHoldExtensions must then be left zero;
	// New refuses a cap with it.
	NoHoldExtensions bool
	// MaxSeatsPerHold caps the seats of one hold; a larger request is
	// invalid (ErrInvalidArgument). Default: 10; negative: no limit.
	MaxSeatsPerHold int
	// MaxLiveHoldsPerUser caps a user's live holds across all shows. It
	// counts holds, not bookings: a hold stops counting once its payment
	// starts (a booking being paid for is not counted), once it is
	// released or expired, or once its deadline passes. Default: 5;
	// negative: no limit. Like HoldsPerMinute, it is counted by the Store
	// if the Store is a UserLimitStore (pgstore's is), so across every
	// BookingSystem sharing it, and a hold then counts until a second past
	// its deadline; else per BookingSystem, which then counts only the
	// holds it made or extended, until it ends them itself or their
	// deadline passes.
	MaxLiveHoldsPerUser int
	// HoldsPerMinute is each user's rate of new holds, with bursts of the
	// same size. Every hold request that passes the input checks counts
	// against it, granted or not, except one refused by
	// MaxLiveHoldsPerUser. Refusals by either limit are counted in
	// Stats.RateLimited. Default: 3 (the seed's "3 seat locks per
	// minute"); negative: no limit. Counted by the Store or per
	// BookingSystem, as MaxLiveHoldsPerUser.
	HoldsPerMinute int
	// MaxSeatsPerShow caps the seats one user may have at one show, as
	// cinemas cap tickets per account per show: the other limits bound
	// live holds only, and a user who pays could otherwise buy a whole
	// show ten seats at a time. It counts the seats of the user's bookings
	// of the show that are held (deadline not passed, judged as a seat's
	// is), being paid for, or confirmed; a hold that would take the user
	// past it is refused with a *RateLimitError of LimitSeatsPerShow,
	// which matches ErrLimitReached, not ErrRateLimited (waiting does not
	// lift it: a release, an expiry, a failed payment or a cancellation
	// does), and is not counted in Stats.RateLimited, like the extension
	// cap. It is counted inside the show's transaction, on the Store's
	// state, so it holds exactly across every BookingSystem sharing the
	// Store. Default: no limit (zero, or negative), since how many tickets
	// an account may buy is the cinema's policy (a school's class buys
	// thirty); it costs a hold nothing when off.
	MaxSeatsPerShow int
	// LocalUserLimits has this BookingSystem count HoldsPerMinute and
	// MaxLiveHoldsPerUser itself even if the Store could count them for
	// every BookingSystem sharing it (a UserLimitStore): for a service
	// that runs one instance, it spares the Store a statement per hold
	// request (and one per hold released, extended or paid for).
	LocalUserLimits bool

	// SweepInterval is how often the sweeper expires lapsed holds.
	// Default: 1 second; at least 10 milliseconds.
	SweepInterval time.Duration
	// RescanInterval is how often the sweeper also asks a Store that
	// implements ExpiredHoldLister for lapsed holds made elsewhere, and
	// one that implements UnsettledBookingLister for money owed back that
	// another process (or this one, before a restart) failed to pay, and
	// for payments it abandoned. It paces only these Store queries: the
	// sweeper forgets the per-user limits' idle users and long-ended shows
	// every RescanInterval or every minute, whichever is sooner, so a long
	// RescanInterval does not keep them in memory.
	// Default: 1 minute; at least 1 second.
	RescanInterval time.Duration

	// PaymentAttempts, PaymentBackoff and PaymentTimeout bound how long a
	// ConfirmBooking may spend charging. From them, plus five minutes, a
	// BookingSystem that starts or resumes a payment computes the time
	// past which its call can no longer be charging, and records it with
	// the booking (Payment.LiveUntil): past it, the sweeper of any process
	// sharing the Store takes the payment as abandoned and resumes it.
	// Every process judges by that recorded time, not by its own
	// settings, so processes sharing a Store need not use the same three
	// values, and a rolling restart may change them. (A booking that
	// started paying under a version that did not record the time is
	// judged by the settings of the process that looks; such a payment's
	// process is gone, since versions are not mixed on one Store.) New
	// refuses the three if together they let a payment take more than a
	// day (attempts × timeout plus the backoffs): that is how long money
	// charged by a process that dies mid-payment would wait for its
	// ticket or refund.
	//
	// PaymentAttempts is how many times a transient charge failure is
	// tried in all. Default: 3; at least 1 (negative is an error).
	PaymentAttempts int
	// PaymentBackoff is the wait before the second attempt, doubled before
	// each later one. Default: 200 milliseconds; negative: no wait.
	// The wait is on the Clock: on a clock moved by hand (fakeclock) a
	// ConfirmBooking whose charge failed transiently waits until the
	// clock is moved past it, and the caller's ctx does not end the wait
	// (a payment runs to its end, see ConfirmBooking). A test that calls
	// ConfirmBooking from the goroutine that moves the clock sets
	// PaymentBackoff negative, or moves the clock from another goroutine.
	// Money owed back that a call failed to pay (Booking.RefundOwed) is
	// retried by the sweeper, first PaymentBackoff after the failure but
	// no sooner than a second, then doubling per failure, at most hourly:
	// each process paces the retries it makes, so processes sharing a
	// Store may differ (see PaymentAttempts).
	PaymentBackoff time.Duration
	// PaymentTimeout bounds each gateway call, on the Clock: the call's
	// context ends once the Clock has moved PaymentTimeout on (on a
	// Clock other than the machine's it reports no Deadline, the Clock's
	// time not being the machine's). Default: 15 seconds; at
	// least 10 milliseconds. Processes sharing a Store may differ (see
	// PaymentAttempts).
	PaymentTimeout time.Duration

	// EventBuffer is how many undelivered events each observer and each
	// Watch stream may queue, besides those its goroutine has taken from
	// the queue to deliver (up to 64 at a time). Past that, an observer's
	// oldest are dropped, and a Watch stream ends (see Watch); both are
	// counted in Stats.EventsDropped. Default: 4096; at least 1 (negative
	// is an error).
	EventBuffer int
}

// maxPaymentSpan is the longest New lets a payment take: PaymentAttempts
// calls of PaymentTimeout and the backoffs between them. The process that
// starts a payment records that span (plus payingMargin) with the booking
// as the time no other process resumes the payment before
// (Payment.LiveUntil), so it is how long money charged by a process that
// dies mid-payment may wait for its ticket or refund: a day is far more
// than any gateway needs, and short of forever.
const maxPaymentSpan = 24 * time.Hour

// The shortest sweeper intervals New accepts: shorter ones would have the
// sweeper spin, taking a core and the shows' locks, for holds that are free
// the instant their deadline passes anyway (the sweep only tidies up), and
// would have it ask a shared Store for lapsed holds and unsettled bookings
// many times a second.
const (
	minSweepInterval  = 10 * time.Millisecond
	minRescanInterval = time.Second
)

func (c Config) withDefaults() Config {
	if c.Store == nil {
		c.Store = NewMemoryStore()
	}
	if c.Clock == nil {
		c.Clock = SystemClock()
	}
	if c.Pricing == nil {
		c.Pricing = RegularPricing()
	}
	if c.Gateway == nil {
		c.Gateway = NewInMemoryGateway()
	}
	if c.RefundPolicy == nil {
		c.RefundPolicy = DefaultRefundPolicy()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	setDuration(&c.HoldTTL, 10*time.Minute)
	if !c.NoHoldExtensions {
		setInt(&c.MaxHoldExtensions, 2) // else it stays zero: a cap of none
	}
	setInt(&c.MaxSeatsPerHold, 10)
	setInt(&c.MaxLiveHoldsPerUser, 5)
	setInt(&c.HoldsPerMinute, 3)
	// MaxSeatsPerShow: zero is its default, no cap, and stays zero.
	setDuration(&c.SweepInterval, time.Second)
	setDuration(&c.RescanInterval, time.Minute)
	setInt(&c.PaymentAttempts, 3)
	setDuration(&c.PaymentBackoff, 200*time.Millisecond)
	setDuration(&c.PaymentTimeout, 15*time.Second)
	setInt(&c.EventBuffer, 4096)
	return c
}

func setDuration(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

func setInt(n *int, def int) {
	if *n == 0 {
		*n = def
	}
}

// validator is a part of a Config that can tell whether it is usable (see
// Config): a fake clock's or a Store's zero value, say, which would panic
// in the sweeper's goroutine, where no caller could get the error, or a
// pricing strategy that would fail every request.
type validator interface{ Validate() error }

// validatePart refuses a part of a Config that is a nil pointer (or func,
// map or channel) in its interface, or whose Validate reports an error.
func validatePart(field string, part any) (err error) {
	defer func() {
		// A nil's Validate may say how to make one; one that cannot take
		// a nil receiver panics, and the nil is the answer. Any other
		// panic is the part's, and New must not pass it on.
		if r := recover(); r != nil {
			if isNil(part) {
				err = invalid(field, "is a nil %T", part)
			} else {
				err = invalid(field, "%T.Validate panicked: %v", part, r)
			}
		}
	}()
	if v, ok := part.(validator); ok {
		if err := v.Validate(); err != nil {
			if ae, ok := errors.AsType[*ArgumentError](err); ok {
				return invalid(field, "%s: %s", ae.Field, ae.Reason)
			}
			return invalid(field, "%v", err)
		}
	}
	if isNil(part) {
		return invalid(field, "is a nil %T", part)
	}
	return nil
}

func isNil(part any) bool {
	v := reflect.ValueOf(part)
	switch v.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Map, reflect.Chan, reflect.UnsafePointer:
		return v.IsNil()
	}
	return false
}

// validateGiven checks the Config as given, before defaults fill it: the
// default gateway, which approves everything and knows only its own
// process's charges, goes only with the in-memory Store, whose bookings
// die with the process.
func (c Config) validateGiven() error {
	if c.Gateway != nil || c.Store == nil {
		return nil
	}
	for s := range storeChain(c.Store) {
		if _, ok := s.(*MemoryStore); ok {
			return nil // usable or not: validate says
		}
	}
	return invalid("Config.Gateway", "must be set for a Store other than the in-memory one (here a %T): the default, an InMemoryGateway, takes no money and "+
		"knows only its own process's charges (set NewInMemoryGateway() explicitly to test without payments; "+
		"a wrapper around the in-memory Store needs a method Unwrap() boxoffice.Store)", c.Store)
}

func (c Config) validate() error {
	// Each Store of a wrapper's chain, which the BookingSystem calls too
	// (for its capabilities).
	for s := range storeChain(c.Store) {
		if m, ok := s.(*MemoryStore); ok && !m.madeByNew() {
			return invalid("Config.Store", "the zero MemoryStore is not usable; make one with NewMemoryStore (or leave Store nil for a new one)")
		}
		if err := validatePart("Config.Store", s); err != nil {
			return err
		}
	}
	for _, p := range []struct {
		field string
		part  any
	}{
		{"Config.Clock", c.Clock}, {"Config.Pricing", c.Pricing},
		{"Config.Gateway", c.Gateway}, {"Config.RefundPolicy", c.RefundPolicy},
	} {
		if err := validatePart(p.field, p.part); err != nil {
			return err
		}
	}
	switch {
	case c.NoHoldExtensions && c.MaxHoldExtensions != 0:
		return invalid("Config.NoHoldExtensions", "forbids extensions, but MaxHoldExtensions is %d; leave it zero", c.MaxHoldExtensions)
	case c.HoldTTL < time.Second:
		return invalid("Config.HoldTTL", "%s is too short; holds need at least a second (default 10m)", c.HoldTTL)
	case c.SweepInterval < 0:
		return invalid("Config.SweepInterval", "%s is negative", c.SweepInterval)
	case c.SweepInterval < minSweepInterval:
		return invalid("Config.SweepInterval", "%s would have the sweeper spin; at least %s (default 1s)", c.SweepInterval, minSweepInterval)
	case c.RescanInterval < 0:
		return invalid("Config.RescanInterval", "%s is negative", c.RescanInterval)
	case c.RescanInterval < minRescanInterval:
		return invalid("Config.RescanInterval", "%s would have the sweeper query the Store without pause; at least %s (default 1m)", c.RescanInterval, minRescanInterval)
	case c.PaymentAttempts < 1:
		return invalid("Config.PaymentAttempts", "%d: at least one attempt is needed (default 3)", c.PaymentAttempts)
	case c.PaymentTimeout < 10*time.Millisecond:
		return invalid("Config.PaymentTimeout", "%s is too short for any gateway to answer; at least 10ms (default 15s)", c.PaymentTimeout)
	case abandonAfter(c)-payingMargin > maxPaymentSpan:
		field := "Config.PaymentBackoff"
		if abandonAfter(Config{PaymentAttempts: c.PaymentAttempts, PaymentTimeout: c.PaymentTimeout, PaymentBackoff: -1})-payingMargin > maxPaymentSpan {
			field = "Config.PaymentTimeout"
		}
		return invalid(field, "with PaymentAttempts %d, PaymentTimeout %s and PaymentBackoff %s a payment may take more than %s, "+
			"and money charged by a process that dies mid-payment would wait that long for a ticket or a refund",
			c.PaymentAttempts, c.PaymentTimeout, c.PaymentBackoff, maxPaymentSpan)
	case c.EventBuffer < 1:
		return invalid("Config.EventBuffer", "%d: at least one event must fit (default 4096)", c.EventBuffer)
	}
	for i, o := range c.Observers {
		if o == nil {
			return invalid(fmt.Sprintf("Config.Observers[%d]", i), "is nil")
		}
		if err := validatePart(fmt.Sprintf("Config.Observers[%d]", i), o); err != nil {
			return err
		}
	}
	return nil
}
