package boxoffice

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. Match them with [errors.Is]; the typed errors below carry
// the detail and unwrap to these.
var (
	// ErrNotFound means no movie, theater, hall, show or booking has that ID.
	// An unknown seat is not one: it is bad input, a *SeatError matching
	// ErrInvalidArgument.
	ErrNotFound = errors.New("boxoffice: not found")
	// ErrAlreadyExists means a catalog entry with that ID is already stored.
	ErrAlreadyExists = errors.New("boxoffice: already exists")
	// ErrInvalidArgument means the input was bad; nothing was changed.
	ErrInvalidArgument = errors.New("boxoffice: invalid argument")
	// ErrSeatUnavailable means a requested seat is held by another booking or
	// sold.
	ErrSeatUnavailable = errors.New("boxoffice: seat unavailable")
	// ErrHoldExpired means the booking's hold ran out before the operation;
	// or, for a payment (a *PaymentError, FailureHoldLost), its seats
	// were lost while it was in flight (the hold ran out and a seat was
	// taken, or CancelShow took them) and its charge is given back.
	ErrHoldExpired = errors.New("boxoffice: hold expired")
	// ErrInvalidTransition means the booking's state does not allow the
	// operation.
	ErrInvalidTransition = errors.New("boxoffice: invalid booking transition")
	// ErrShowStarted means the show has started (or is over), so its seats can
	// no longer be held, paid for or cancelled.
	ErrShowStarted = errors.New("boxoffice: show has started")
	// ErrShowCancelled means the show was cancelled
	// (BookingSystem.CancelShow), so its seats can no longer be held; a
	// payment it stopped fails with a *PaymentError that matches it too.
	ErrShowCancelled = errors.New("boxoffice: show cancelled")
	// ErrScheduleConflict means the show overlaps another show in the same
	// hall.
	ErrScheduleConflict = errors.New("boxoffice: schedule conflict")
	// ErrRateLimited means a per-user limit refused the request; try again
	// later.
	ErrRateLimited = errors.New("boxoffice: rate limited")
	// ErrLimitReached means a limit that waiting does not lift refused the
	// request, such as the cap on a hold's extensions or on a user's seats
	// of a show; retrying the same request fails the same way (until,
	// for the latter, one of the user's bookings of the show ends).
	ErrLimitReached = errors.New("boxoffice: limit reached")
	// ErrPaymentFailed means the payment did not go through; the seats were
	// released.
	ErrPaymentFailed = errors.New("boxoffice: payment failed")
	// ErrPaymentDeclined is returned by a PaymentGateway for a final refusal
	// (card declined). Any other gateway error is treated as transient.
	ErrPaymentDeclined = errors.New("boxoffice: payment declined")
	// ErrChargeNotFound is returned by a PaymentGateway asked to refund a
	// charge it never made; a refund meant to void an uncertain charge
	// treats it as nothing to refund.
	ErrChargeNotFound = errors.New("boxoffice: charge not found")
	// ErrClosed means the BookingSystem was closed, or was not made by New
	// (a zero one, or a nil pointer: see BookingSystem). A MemoryStore
	// not made by NewMemoryStore and a nil *InMemoryGateway return it
	// too: what was never made acts as closed.
	ErrClosed = errors.New("boxoffice: closed")
	// ErrConflict is returned by a Store whose transaction lost a race with
	// another process and exhausted its retries. The transaction committed
	// nothing, and the same call may succeed if made again: an HTTP service
	// answers 503 with Retry-After, as for ErrStoreUnavailable (and, as
	// there, a ConfirmBooking error that also matches ErrPaymentUnsettled
	// ran the payment).
	ErrConflict = errors.New("boxoffice: transaction conflict")
	// ErrCommitUnknown is returned by a Store whose transaction may have
	// committed: its connection was lost once the commit was sent, and the
	// outcome could not be learned (pgstore.ErrCommitUnknown matches it).
	// The BookingSystem passes it on like any Store error; a hold that may
	// exist still counts against the user's live holds. A HoldSeats that
	// got it may be made again with the same seats: if the hold was made,
	// that returns it (see HoldSeats), else it is a new request for them.
	ErrCommitUnknown = errors.New("boxoffice: commit outcome unknown")
	// ErrStoreUnavailable is matched by a Store's error when the Store
	// could not reach its data: the connection refused or lost, the
	// database shutting down, out of connections or out of disk, the
	// Store's pool closed. The Store's call committed nothing, unless the
	// error also matches ErrCommitUnknown. The same call may succeed
	// later: an HTTP service answers 503 with Retry-After, where any other
	// Store error is a 500. The BookingSystem passes it on as it does
	// every Store error, after steps of its own that may have committed:
	// ConfirmBooking's error of a payment it ran and could not record
	// matches ErrPaymentUnsettled too. The in-memory Store never returns
	// it.
	ErrStoreUnavailable = errors.New("boxoffice: store unavailable")
	// ErrPaymentUnsettled means ConfirmBooking ran the payment (money may have
	// been taken) but could not record its outcome, the Store failing:
	// the booking stays paying, its seats held for it. Calling
	// ConfirmBooking again finishes it at once, by the same charge
	// (nothing is charged twice); else the sweeper does, once the payment
	// counts as abandoned (see ConfirmBooking). The error also matches the
	// Store's.
	ErrPaymentUnsettled = errors.New("boxoffice: payment outcome not recorded")
	// ErrRefundOwed is matched by CancelBooking's error when the
	// cancellation stands but its refund is still owed: paying it failed
	// (a gateway error or panic, a receipt for another amount than asked),
	// or it was paid and the Store could not record it; whether the call
	// cancelled the booking or retried the pending refund of one cancelled
	// before (by CancelBooking or CancelShow). The error comes with the
	// booking, StatusCancelled with Booking.RefundOwed() > 0, whose refund
	// the sweeper pays (by the same idempotency key: nothing is paid
	// twice); CancelBooking called again retries it at once. An HTTP
	// service answers the cancellation as done, the refund pending. The
	// error also matches what failed, as it did before this sentinel
	// existed (the gateway's or the Store's error, which may match
	// ErrPaymentDeclined, context.DeadlineExceeded, ErrStoreUnavailable or
	// ErrConflict), so match ErrRefundOwed first. Every other error of
	// CancelBooking comes with the zero Booking: the call cancelled
	// nothing, unless the Store could not tell whether it committed
	// (ErrCommitUnknown), and then the sweeper pays any refund owed.
	// CancelShow never returns it (ShowCancellation.RefundsOwed counts the
	// refunds owed), nor does a ConfirmBooking whose void failed
	// (PaymentError.RefundErr): there the payment failed.
	ErrRefundOwed = errors.New("boxoffice: cancelled; refund still owed")
	// ErrAdmissionLapsed means HoldSeats gave up on a request that kept
	// reaching its transaction a Config.HoldTTL or more after the per-user
	// limits admitted it: the pricing (a slow MembershipFunc or
	// PricingStrategy) or the Store (a long wait for the show's lock or
	// its database) took longer than HoldTTL, on the first try and again
	// on the one retry HoldSeats makes. Stored so late, the hold would not
	// be counted against Config.MaxLiveHoldsPerUser. Nothing changed, and
	// the request cost the user its one HoldsPerMinute token, no more. It
	// is the service's slowness, not the user's doing: the same call may
	// succeed later (an HTTP service answers 503 with Retry-After), and
	// one that keeps failing so calls for a faster pricing or Store, or a
	// longer HoldTTL. It occurs only with MaxLiveHoldsPerUser on.
	// Stats.AdmissionLapses counts every lapse, the ones the retry made
	// good too.
	ErrAdmissionLapsed = errors.New("boxoffice: hold not stored within HoldTTL of its admission")
)

// ArgumentError reports one invalid input field. It matches
// [ErrInvalidArgument].
type ArgumentError struct {
	Field  string // the parameter or Config field, e.g. "seatIDs", "Config.HoldTTL"
	Reason string // what is wrong, with a hint where one helps
}

// Error returns "boxoffice: invalid " followed by [ArgumentError.Field] and
// [ArgumentError.Reason].
func (e *ArgumentError) Error() string {
	return fmt.Sprintf("boxoffice: invalid %s: %s", e.Field, e.Reason)
}

// Unwrap returns [ErrInvalidArgument].
func (e *ArgumentError) Unwrap() error { return ErrInvalidArgument }

func invalid(field, format string, args ...any) error {
	return &ArgumentError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// ShowStartedError refuses an operation on a show that has started. It
// matches [ErrShowStarted].
type ShowStartedError struct {
	ShowID string
	Start  time.Time // when the show started
}

// Error names the show and when it started.
func (e *ShowStartedError) Error() string {
	return fmt.Sprintf("boxoffice: show %s started at %s", e.ShowID, e.Start.Format(time.RFC3339))
}

// Unwrap returns [ErrShowStarted].
func (e *ShowStartedError) Unwrap() error { return ErrShowStarted }

// ShowCancelledError refuses to hold seats of a show that was cancelled.
// It matches [ErrShowCancelled].
type ShowCancelledError struct {
	ShowID string
}

// Error names the cancelled show.
func (e *ShowCancelledError) Error() string {
	return fmt.Sprintf("boxoffice: show %s was cancelled", e.ShowID)
}

// Unwrap returns [ErrShowCancelled].
func (e *ShowCancelledError) Unwrap() error { return ErrShowCancelled }

// SeatProblemKind says why one requested seat could not be held.
type SeatProblemKind uint8

// Reasons a seat can be refused.
const (
	SeatUnknown     SeatProblemKind = iota + 1 // no such seat in the hall
	SeatDuplicate                              // listed more than once in the request
	SeatHeldByOther                            // held by another user's live booking
	SeatHeldByYou                              // held by another live booking of the same user
	SeatSold                                   // sold: SeatBooked on the seat map
)

// String returns the kind's name for people, as [SeatError.Error] writes it;
// [ParseSeatProblemKind] reads it and [SeatProblemKind.MarshalText] writes
// it, so the wording is fixed. Another value is "SeatProblemKind(n)".
func (k SeatProblemKind) String() string {
	if n, ok := nameOf(seatProblemNames[:], k); ok {
		return n
	}
	return fmt.Sprintf("SeatProblemKind(%d)", k)
}

// SeatProblem is one refused seat.
type SeatProblem struct {
	SeatID string
	Kind   SeatProblemKind
	// Booking is the live booking that holds or bought the seat, for
	// SeatHeldByYou only (another user's booking is not disclosed).
	Booking BookingID
}

// SeatError names the seats of a request that could not be held. The seat
// IDs are checked before anyone's hold is: a request with an unknown or
// repeated seat gets a SeatError naming every such seat, and only those
// (it matches [ErrInvalidArgument]); the seats taken by others are named
// (matching [ErrSeatUnavailable]) only for a request whose seats are all
// known and distinct, and then every taken one is.
type SeatError struct {
	ShowID   string
	Problems []SeatProblem
}

// Error names the show and every refused seat with its problem.
func (e *SeatError) Error() string {
	var b strings.Builder
	b.WriteString("boxoffice: seats refused in show ")
	b.WriteString(e.ShowID)
	b.WriteString(": ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.SeatID)
		b.WriteString(" (")
		b.WriteString(p.Kind.String())
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the sentinels this error matches.
func (e *SeatError) Unwrap() []error {
	var bad, taken bool
	for _, p := range e.Problems {
		switch p.Kind {
		case SeatUnknown, SeatDuplicate:
			bad = true
		default:
			taken = true
		}
	}
	errs := make([]error, 0, 2)
	if bad {
		errs = append(errs, ErrInvalidArgument)
	}
	if taken {
		errs = append(errs, ErrSeatUnavailable)
	}
	return errs
}

// Seats lists the refused seat IDs in request order.
func (e *SeatError) Seats() []string {
	ids := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		ids[i] = p.SeatID
	}
	return ids
}

// ScheduleConflictError names the show a new show would overlap.
// It matches [ErrScheduleConflict].
type ScheduleConflictError struct {
	Show     Show // the show that was refused
	Conflict Show // the scheduled show it overlaps, cleaning buffer included
}

// Error names both shows, their times in UTC, and the hall.
func (e *ScheduleConflictError) Error() string {
	const until = time.TimeOnly + " MST" // the zone once: the shows' times are stored ones, in UTC
	return fmt.Sprintf("boxoffice: show %s (%s–%s) overlaps show %s (%s–%s) in hall %s",
		e.Show.ID, e.Show.Start.Format(time.DateTime), e.Show.End.Format(until),
		e.Conflict.ID, e.Conflict.Start.Format(time.DateTime), e.Conflict.End.Format(until),
		e.Show.HallID)
}

// Unwrap returns [ErrScheduleConflict].
func (e *ScheduleConflictError) Unwrap() error { return ErrScheduleConflict }

// TransitionError reports an operation the booking's state does not allow.
// It matches [ErrInvalidTransition], and [ErrHoldExpired] when the booking's
// hold has run out.
type TransitionError struct {
	Booking BookingID
	From    BookingStatus
	To      BookingStatus
	Expired bool // the hold ran out; the booking is (or is about to be) expired
}

// Error names the booking and the move it was refused.
func (e *TransitionError) Error() string {
	if e.Expired {
		return fmt.Sprintf("boxoffice: booking %s: hold expired, cannot move to %s", e.Booking, e.To)
	}
	return fmt.Sprintf("boxoffice: booking %s: cannot move from %s to %s", e.Booking, e.From, e.To)
}

// Unwrap returns the sentinels this error matches.
func (e *TransitionError) Unwrap() []error {
	if e.Expired {
		return []error{ErrHoldExpired, ErrInvalidTransition}
	}
	return []error{ErrInvalidTransition}
}

// UserLimit names the limit a [RateLimitError] reports.
type UserLimit string

// The limits a [RateLimitError] reports.
const (
	// LimitHoldsPerMinute is Config.HoldsPerMinute: it lifts with time.
	LimitHoldsPerMinute UserLimit = "holds per minute"
	// LimitLiveHolds is Config.MaxLiveHoldsPerUser: it lifts when one of
	// the user's holds ends (paid, released or run out).
	LimitLiveHolds UserLimit = "live holds"
	// LimitHoldExtensions is Config.MaxHoldExtensions, per booking: it
	// never lifts for that booking.
	LimitHoldExtensions UserLimit = "hold extensions"
	// LimitSeatsPerShow is Config.MaxSeatsPerShow, per user and show:
	// waiting does not lift it; one of the user's bookings of the show
	// ending (released, run out, failed or cancelled) does.
	LimitSeatsPerShow UserLimit = "seats per show"
)

// RateLimitError reports a limit on what one user may do. It matches
// [ErrRateLimited] for the limits that waiting lifts ([LimitHoldsPerMinute],
// [LimitLiveHolds]), and [ErrLimitReached], not ErrRateLimited, for those it
// does not ([LimitHoldExtensions], [LimitSeatsPerShow]).
type RateLimitError struct {
	UserID string
	Limit  UserLimit // which limit: LimitHoldsPerMinute, LimitLiveHolds, LimitHoldExtensions or LimitSeatsPerShow
	// RetryAfter is a hint, on the Clock and so finer than a second
	// (19.9997s, say): an HTTP Retry-After header, which counts whole
	// seconds, takes it rounded up. Zero when unknown or when waiting
	// does not help.
	RetryAfter time.Duration
}

// Error names the user and the limit, with [RateLimitError.RetryAfter] when
// it is known.
func (e *RateLimitError) Error() string {
	switch e.Limit {
	case LimitHoldExtensions:
		return fmt.Sprintf("boxoffice: user %q used up the %s of this booking", e.UserID, e.Limit)
	case LimitSeatsPerShow:
		return fmt.Sprintf("boxoffice: user %q would exceed the %s with these seats", e.UserID, e.Limit)
	}
	if e.RetryAfter > 0 {
		return fmt.Sprintf("boxoffice: user %q exceeded %s; retry after %s", e.UserID, e.Limit, e.RetryAfter)
	}
	return fmt.Sprintf("boxoffice: user %q exceeded %s", e.UserID, e.Limit)
}

// Unwrap returns [ErrLimitReached] for [LimitHoldExtensions] and
// [LimitSeatsPerShow], else [ErrRateLimited].
func (e *RateLimitError) Unwrap() error {
	if e.Limit == LimitHoldExtensions || e.Limit == LimitSeatsPerShow {
		return ErrLimitReached
	}
	return ErrRateLimited
}

// PaymentError reports a payment that did not go through. It matches
// [ErrPaymentFailed] and the sentinel of the booking's [Payment.FailureKind]
// ([ErrPaymentDeclined], [context.DeadlineExceeded], [ErrHoldExpired],
// [ErrShowStarted]; [FailureGatewayError] has none), on the first answer and
// on every replay alike. Only the calls that shared the
// charge get the gateway's own last error as [PaymentError.Err]; a replay
// rebuilds Err from the booking record.
//
// [PaymentError.RefundErr] is set when money that may have been taken could
// not be given back yet ([Booking.RefundOwed] stays positive; the background
// sweeper retries). It is in the message but deliberately not in the
// [PaymentError.Unwrap] chain: a void that is declined or times out says
// nothing about why the payment failed, and must not make the answer match
// ErrPaymentDeclined or context.DeadlineExceeded where a replay would not.
type PaymentError struct {
	Booking   BookingID
	Attempts  int
	Err       error // the gateway's last error, or the reason the booking could not be kept
	RefundErr error // why giving the money back failed, if it did; not matched by errors.Is
}

// Error names the booking, the attempts made and [PaymentError.Err], and
// [PaymentError.RefundErr] if giving the money back failed too.
func (e *PaymentError) Error() string {
	msg := fmt.Sprintf("boxoffice: payment for booking %s failed after %d attempt(s): %v", e.Booking, e.Attempts, e.Err)
	if e.RefundErr != nil {
		msg += fmt.Sprintf("; giving the money back failed too, and is retried in the background: %v", e.RefundErr)
	}
	return msg
}

// Unwrap returns [ErrPaymentFailed] and [PaymentError.Err], never
// [PaymentError.RefundErr].
func (e *PaymentError) Unwrap() []error { return []error{ErrPaymentFailed, e.Err} }
