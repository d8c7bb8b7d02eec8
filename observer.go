package boxoffice

import (
	"context"
	"time"
)

// Observer receives the [BookingSystem]'s events after they are committed.
// Each observer gets events from its own queue on its own goroutine, in
// commit order per show; a slow, blocking or panicking observer never delays
// or breaks a booking. ctx is cancelled when the BookingSystem closes.
type Observer interface {
	Notify(ctx context.Context, e Event)
}

// ObserverFunc adapts a function to [Observer].
type ObserverFunc func(ctx context.Context, e Event)

// Notify calls f.
func (f ObserverFunc) Notify(ctx context.Context, e Event) { f(ctx, e) }

// Event is one committed change. Switch on its concrete type: [*SeatsHeld],
// [*HoldExtended], [*HoldReleased], [*HoldExpired], [*BookingConfirmed],
// [*PaymentFailed], [*BookingCancelled], [*ShowScheduled], [*ShowCancelled].
// Events are shared between observers: treat them as read-only.
type Event interface {
	// Meta returns the fields every event has.
	Meta() EventMeta
	isEvent()
}

// EventMeta is the part every event has.
type EventMeta struct {
	At        time.Time // the Clock's time of the commit, in UTC to the microsecond, as stored
	ShowID    string
	BookingID BookingID // zero for ShowScheduled and ShowCancelled
	UserID    string    // empty for ShowScheduled and ShowCancelled
	// Location is the time zone of the show's theater (Theater.TimeZone),
	// the one its shows are priced in (PriceRequest.Location), so that an
	// observer can write the event's times (At, a SeatsHeld's HeldUntil, a
	// scheduled Show's Start), all in UTC, as its customers read them:
	// t.In(m.Location). The theater is the one of the show's hall, as for
	// ShowInfo.Location. It is nil when the theater has no zone, when the
	// Store does not have it, or when this process has not loaded its
	// zone (see Theater.TimeZone and ShowInfo.Location: no zone is loaded
	// for an event; one that a pricing call has loaded since is given).
	// Events of theaters of one zone share one Location.
	Location *time.Location
}

// Meta returns m.
func (m EventMeta) Meta() EventMeta { return m }
func (EventMeta) isEvent()          {}

// SeatsHeld is the event of a customer holding seats.
type SeatsHeld struct {
	EventMeta
	Seats     []string
	Total     Money
	HeldUntil time.Time
}

// HoldExtended is the event of a customer extending a live hold.
type HoldExtended struct {
	EventMeta
	Seats     []string
	HeldUntil time.Time
}

// HoldReleased is the event of held seats given back: by their customer
// ([BookingSystem.ReleaseHold]), or by CancelShow
// ([HoldReleased.ShowCancelled]).
type HoldReleased struct {
	EventMeta
	Seats []string
	// ShowCancelled: the hold ended because CancelShow cancelled its show.
	ShowCancelled bool

	freed freedSeats // for the Watch streams
}

// HoldExpired is the event of a hold that ran out before payment; its seats
// are free. A hold found run out by CancelShow has
// [HoldExpired.ShowCancelled] set.
type HoldExpired struct {
	EventMeta
	Seats []string
	// ShowCancelled: CancelShow cancelled the show as it found the hold
	// run out.
	ShowCancelled bool
	// ShowStarted: the show's start ended the hold (a hold never
	// outlasts it), so its seats are no longer for sale either; false
	// for a hold that ran out earlier, however late it was swept.
	ShowStarted bool

	freed freedSeats // for the Watch streams
}

// BookingConfirmed is the event of a payment that went through: the seats
// are sold.
type BookingConfirmed struct {
	EventMeta
	Seats   []string
	Total   Money
	Payment Payment
}

// PaymentFailed is the event of a payment that did not go through; the seats
// are free again. [PaymentFailed.Refund] is set when money taken (or perhaps
// taken) for the booking was given back. When giving it back failed at first,
// the event says so in [PaymentFailed.OwedMoney], and comes again once the
// money is back — from the background retry, or from ConfirmBooking called
// again — with Refund set and OwedMoney zero (or with both zero if the
// gateway then finds that no charge was made).
type PaymentFailed struct {
	EventMeta
	Seats  []string
	Reason string
	Refund Refund
	// OwedMoney is the money taken for the booking, or perhaps taken (a
	// charge whose answer was lost), and not yet given back when the event
	// was built: Booking.RefundOwed then. It is zero when nothing was taken
	// or all of it was given back. When it is not, the BookingSystem keeps
	// trying to give it back (see Booking.RefundOwed), and the customer
	// must not be told that nothing was taken.
	OwedMoney Money

	freed freedSeats // for the Watch streams
}

// BookingCancelled is the event of a confirmed booking cancelled; its seats
// are for sale again. [BookingCancelled.Refund] is what the refund policy
// gave, emitted as owed (no Reference, zero RefundedAt): it is paid after the
// cancellation commits, and so possibly after this event arrives — by the
// CancelBooking call itself or, if the gateway fails, by the
// [BookingSystem]'s background retry, which keeps trying with growing backoff
// until it is paid ([Booking.RefundOwed] tells what is still owed). No event
// marks the payment.
//
// [BookingCancelled.ShowCancelled] is set when the cinema cancelled the show
// (CancelShow) rather than the customer the booking: the refund is then the
// whole total (Percent 100), whatever the [RefundPolicy] says.
type BookingCancelled struct {
	EventMeta
	Seats         []string
	Refund        Refund
	ShowCancelled bool

	freed freedSeats // for the Watch streams
}

// ShowScheduled is the event of a show added to a hall's schedule.
type ShowScheduled struct {
	EventMeta
	Show Show
}

// ShowCancelled is the event of a show the cinema cancelled before its start
// (see [BookingSystem.CancelShow]). It comes after the events of the bookings
// the cancellation ended, committed with them: [HoldReleased], [HoldExpired],
// and [BookingCancelled] with ShowCancelled set. Its counts are those of
// [ShowCancellation], but for the refunds: they are paid after the commit, and
// so after this event, as for any BookingCancelled;
// [ShowCancelled.RefundTotal] is what the cancelled bookings are owed back in
// all.
type ShowCancelled struct {
	EventMeta
	HoldsReleased     int
	HoldsExpired      int
	BookingsCancelled int
	PaymentsStopped   int
	RefundTotal       Money
}

// SeatUpdate is one change of a show's seat map, as streamed by Watch.
// Each stream's update is its own: its reader may change [SeatUpdate.Seats].
type SeatUpdate struct {
	ShowID string
	At     time.Time
	Seats  []string
	Status SeatStatus // the seats' new status
	// Initial marks the updates of the seat map a stream begins with (up
	// to three, every seat of the hall in one of them), and only those:
	// the first update without it is the first change. A stream sends the
	// map once, when it opens, and never again (a new stream, opened
	// after one ended, begins with its own map, marked). The map is
	// whole once its updates name Layout.Len seats (see Watch).
	Initial bool
}

// freedSeats says which of a booking's seats the transaction of an event
// gave back for sale: all of the event's Seats, or only those the booking
// still owned. A hold that lapsed and lost a seat to another customer, or
// a failed payment's booking, frees only what is left of it, and a Watch
// stream must not show the other customer's seat as available.
type freedSeats struct {
	partial bool     // else all of the event's Seats
	seats   []string // when partial
}

// of returns the seats freed, of all the event's seats.
func (f freedSeats) of(all []string) []string {
	if f.partial {
		return f.seats
	}
	return all
}

// seatsFreed is an event for the Watch streams alone: seats a transaction
// gave back for sale without an event for observers (a failed payment
// whose customer hears of it with the outcome of its void).
type seatsFreed struct {
	EventMeta
	seats []string
}
