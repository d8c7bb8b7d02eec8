package boxoffice

import (
	"time"

	"github.com/google/uuid"
)

// BookingID identifies a booking: a UUID, unique across processes sharing
// a [Store], with at least 74 random bits so that nobody can guess another
// customer's. Treat it as opaque: the [BookingSystem]'s IDs on the in-memory
// Store are of version 8 and tell that Store where the booking is.
type BookingID uuid.UUID

// NewBookingID returns a random [BookingID].
func NewBookingID() BookingID { return BookingID(uuid.New()) }

// ParseBookingID parses the textual form returned by [BookingID.String].
// Text of any other form is an [*ArgumentError] ([ErrInvalidArgument]): a
// service answers 400 for it, where an ID that parses but names no booking
// gets [ErrNotFound] (404) from the calls that take it.
func ParseBookingID(s string) (BookingID, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return BookingID{}, invalid("bookingID", "%q is not a booking ID", s)
	}
	return BookingID(u), nil
}

// String returns the ID in the canonical textual form of a UUID,
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", which [ParseBookingID] reads.
func (id BookingID) String() string { return uuid.UUID(id).String() }

// IsZero reports whether id is the zero ID (no booking).
func (id BookingID) IsZero() bool { return id == BookingID{} }

// MarshalText implements [encoding.TextMarshaler].
func (id BookingID) MarshalText() ([]byte, error) { return uuid.UUID(id).MarshalText() }

// UnmarshalText implements [encoding.TextUnmarshaler], with [ParseBookingID]'s
// error for text that is not a booking ID.
func (id *BookingID) UnmarshalText(b []byte) error {
	p, err := ParseBookingID(string(b))
	if err != nil {
		return err
	}
	*id = p
	return nil
}

// BookingStatus is a booking's place in its lifecycle:
//
//	held → paying → confirmed → cancelled | completed
//	held → expired | released
//	paying → failed
//
// [BookingStatus.CanMoveTo] also allows held → failed and paying →
// expired, which no call of the [BookingSystem] makes: a payment whose hold
// runs out stays paying until it ends, confirmed or failed.
type BookingStatus uint8

// Booking states.
const (
	StatusHeld      BookingStatus = iota + 1 // seats held until HeldUntil
	StatusPaying                             // payment in flight
	StatusConfirmed                          // paid; seats booked
	StatusCancelled                          // cancelled by the customer or by CancelShow; seats released, refund recorded (paid or owed)
	StatusCompleted                          // the show has been played
	StatusExpired                            // the hold ran out before payment
	StatusReleased                           // the customer released the hold
	StatusFailed                             // the payment failed; seats released
)

var statusNames = [...]string{
	StatusHeld:      "held",
	StatusPaying:    "paying",
	StatusConfirmed: "confirmed",
	StatusCancelled: "cancelled",
	StatusCompleted: "completed",
	StatusExpired:   "expired",
	StatusReleased:  "released",
	StatusFailed:    "failed",
}

// String returns the status's lower-case name, e.g. "held" or "confirmed",
// which [ParseBookingStatus] reads and [BookingStatus.MarshalText] writes;
// "unknown" for a value outside the lifecycle (which MarshalText refuses).
func (s BookingStatus) String() string {
	if int(s) < len(statusNames) && statusNames[s] != "" {
		return statusNames[s]
	}
	return "unknown"
}

// ParseBookingStatus is the inverse of [BookingStatus.String] for every status
// of the lifecycle; "unknown" (the String of any other value), like any
// other text, is an [*ArgumentError] ([ErrInvalidArgument]).
func ParseBookingStatus(s string) (BookingStatus, error) {
	for i, n := range statusNames {
		if n != "" && n == s {
			return BookingStatus(i), nil
		}
	}
	return 0, invalid("status", "%q is not a booking status", s)
}

// legalTransitions is the booking lifecycle: the one place that says which
// move is allowed.
var legalTransitions = [...]uint16{
	StatusHeld:      1<<StatusPaying | 1<<StatusExpired | 1<<StatusReleased | 1<<StatusFailed,
	StatusPaying:    1<<StatusConfirmed | 1<<StatusFailed | 1<<StatusExpired,
	StatusConfirmed: 1<<StatusCancelled | 1<<StatusCompleted,
}

// CanMoveTo reports whether the lifecycle allows moving from s to t.
func (s BookingStatus) CanMoveTo(t BookingStatus) bool {
	return int(s) < len(legalTransitions) && legalTransitions[s]&(1<<t) != 0
}

// Live reports whether a booking in this state owns its seats.
func (s BookingStatus) Live() bool {
	return s == StatusHeld || s == StatusPaying || s == StatusConfirmed
}

// BookingSeat is one seat of a booking ([Booking.Seats]), in whatever state
// the booking is, with the price fixed at hold time. A held booking's
// seats are [SeatHeld] on the seat map, not [SeatBooked]: that status is a
// sold seat's.
type BookingSeat struct {
	ID    string
	Type  SeatType
	Price Money
}

// BookedSeat is the former name of [BookingSeat], which is the same type.
// It read as a seat whose status is [SeatBooked] (sold), though a held
// booking's seats are held.
//
// Deprecated: Use BookingSeat.
type BookedSeat = BookingSeat

// cloneSeats returns a copy of seats that shares nothing with them, as
// slices.Clone does (nil stays nil, empty stays empty), but through make
// and copy: slices.Clone appends to an empty slice, and growslice's
// capacity rounding and bookkeeping were a third of the cost of each of
// the two copies a hold and release makes for its caller.
//
// Up to four seats (most bookings) are allocated as an array of their
// number: the allocator writes a slice's pointer bitmap one element at a
// time, an array's at once, and that loop was a third of the copies'
// allocation. The bytes are the same.
func cloneSeats(seats []BookingSeat) []BookingSeat {
	switch len(seats) {
	case 1:
		return (&[1]BookingSeat{seats[0]})[:]
	case 2:
		return (&[2]BookingSeat{seats[0], seats[1]})[:]
	case 3:
		return (&[3]BookingSeat{seats[0], seats[1], seats[2]})[:]
	case 4:
		return (&[4]BookingSeat{seats[0], seats[1], seats[2], seats[3]})[:]
	}
	if seats == nil {
		return nil
	}
	out := make([]BookingSeat, len(seats))
	copy(out, seats)
	return out
}

// PaymentMethod names how the customer pays, e.g. "card:tok_visa". Its
// meaning belongs to the [PaymentGateway]. It is kept on the booking for
// good, so ConfirmBooking takes only text like the rest of the API's: at
// most 256 bytes of valid UTF-8 with no control characters. The empty
// method is passed on like any other, for the gateway to judge (the
// [InMemoryGateway] approves it).
type PaymentMethod string

// maxPaymentMethodLen bounds a PaymentMethod, as maxUserIDLen does user IDs.
const maxPaymentMethodLen = 256

// Payment records the charge of a booking.
type Payment struct {
	Method    PaymentMethod
	Amount    Money
	Reference string // the gateway's charge reference
	// Attempts counts the charge attempts made. It also numbers a failed
	// booking's void key (see PaymentGateway), which moves on by raising
	// it: on a failed booking it may differ by a few from the charge
	// calls made.
	Attempts int
	PaidAt   time.Time
	// Failure says, for people, why the payment of a failed booking
	// failed; FailureKind says it for programs (and for a replayed
	// ConfirmBooking, which rebuilds its error from it).
	Failure     string
	FailureKind PaymentFailureKind
	// LiveUntil is, for a payment under way, the time past which no call
	// of the process that started it, or last resumed it, can still be
	// charging: the sweepers of every process sharing the Store take the
	// payment as abandoned once it has passed (see ConfirmBooking),
	// whatever their own Config. The process that starts or resumes a
	// payment computes it from its own Config (PaymentAttempts,
	// PaymentBackoff, PaymentTimeout) and clock. Zero on a booking never
	// paid for, and on one that started paying under a version that did
	// not record it: each process then judges by its own Config, counting
	// from UpdatedAt. It stays as it was once the payment is settled.
	LiveUntil time.Time
}

// Refund records money returned, or owed, for a booking.
//
// A cancellation first records the refund it owes — [Refund.Amount] and
// [Refund.Percent] fixed, [Refund.Reference] empty and [Refund.RefundedAt]
// zero — and then pays it through the gateway and sets Reference, RefundedAt
// and the Amount the gateway reports. A refund with an Amount but a zero
// RefundedAt is therefore owed and not yet paid ([Refund.Pending]). A refund
// of nothing is settled when recorded.
//
// A failed booking's Refund.Amount stays zero until the charge it may
// have taken is given back (a void that finds no charge records a refund
// of nothing: RefundedAt set, Amount zero), so the money such a booking
// owes is not in its Refund alone: [Booking.RefundOwed] says what is owed
// in both cases.
type Refund struct {
	Amount     Money
	Percent    int       // share of the total refunded, 0–100
	Reference  string    // the gateway's refund reference; empty until paid
	RefundedAt time.Time // when the refund was paid; zero while it is owed
	Reason     string    // "cancelled", "hold lost during payment", ...
}

// Pending reports whether this refund, once recorded as owed, has not
// been paid yet: [Refund.Amount] > 0 and [Refund.RefundedAt] zero. That is
// how a cancellation's refund waits for the gateway. It does not cover a
// failed booking whose charge is still to be given back (its
// [Booking.Refund] is zero until then); use [Booking.RefundOwed] for "is money owed back".
func (r Refund) Pending() bool { return r.Amount > 0 && r.RefundedAt.IsZero() }

// Booking is one customer's seats in one show. Values returned by the
// [BookingSystem] are snapshots; treat [Booking.Seats] as read-only.
//
// Its times are the [Clock]'s readings in UTC, cut down to the microsecond,
// with no monotonic clock reading: as every [Store] keeps them. A Booking a
// call returns (HoldSeats, ConfirmBooking, ...) is therefore the one a
// later Booking or BookingsOfUser returns, equal by [reflect.DeepEqual] and
// its times by ==, whichever the Store.
type Booking struct {
	ID         BookingID
	UserID     string
	ShowID     string
	Seats      []BookingSeat
	Total      Money // fixed when the seats were held
	Status     BookingStatus
	CreatedAt  time.Time
	HeldUntil  time.Time // hold deadline while held or paying
	Extensions int       // times the hold was extended
	Payment    Payment
	Refund     Refund
	UpdatedAt  time.Time
}

// RefundOwed returns the money owed back to the customer and not yet paid:
// the refund of a cancelled booking still pending ([Refund.Pending]), or the
// part of a failed booking's charge — one that went through after its hold
// was lost, or whose outcome is unknown — not yet given back ([Payment.Amount]
// beyond [Refund.Amount]). It is zero for every other booking.
//
// The [BookingSystem] pays what is owed by itself: the call that cancelled or
// confirmed tries first, and if the gateway fails, the background sweeper
// retries with growing backoff until it is paid (see [UnsettledBookingLister]
// for other processes and restarts). Calling CancelBooking or ConfirmBooking
// again retries at once.
func (b Booking) RefundOwed() Money {
	switch b.Status {
	case StatusCancelled:
		if b.Refund.Pending() {
			return b.Refund.Amount
		}
	case StatusFailed:
		if b.Payment.Amount > b.Refund.Amount {
			return b.Payment.Amount - b.Refund.Amount
		}
	}
	return 0
}

// SeatIDs returns the IDs of the booking's seats. (A value method, as
// [Booking.RefundOwed] is, so that it can be called on a call's result.)
func (b Booking) SeatIDs() []string {
	ids := make([]string, len(b.Seats))
	for i, s := range b.Seats {
		ids[i] = s.ID
	}
	return ids
}

// moveTo applies a lifecycle transition, or returns a *TransitionError and
// leaves b unchanged.
func (b *Booking) moveTo(to BookingStatus, now time.Time) error {
	if !b.Status.CanMoveTo(to) {
		return &TransitionError{Booking: b.ID, From: b.Status, To: to}
	}
	b.Status = to
	b.UpdatedAt = now
	return nil
}
