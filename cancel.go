package boxoffice

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"
)

// CancelBooking cancels a confirmed booking before its show starts and
// refunds the share of its total that the [RefundPolicy] gives for the time
// left. It cancels for whoever asks: a service checks [Booking.UserID]
// against its session first (see "Who may do what" in the package
// documentation).
//
// Everything that decides happens in one show transaction, on the [Clock]'s
// reading inside it, as for every other move of a booking: the booking must
// be confirmed and the show not yet started; the refund's percent (which the
// RefundPolicy gives for the time left when the call began) and amount are
// fixed there; the booking becomes cancelled, its seats are for sale again
// ([BookingCancelled] is emitted, so watchers see them freed), and the refund
// it is owed is recorded on it, not yet paid ([Refund.Pending]). Only then is
// the refund paid, outside the show's lock, through the gateway with the
// booking's refund idempotency key, and recorded (Reference, RefundedAt) in a
// second transaction, on a receipt for the amount asked; a receipt for
// another amount is a gateway error, which leaves the refund owed (see
// [PaymentGateway]). Deciding before paying is what keeps a show that starts —
// and is completed — while the refund is in flight from leaving the customer
// with both the money and a valid ticket, and keeps the amount paid the one
// the percent says.
//
// If the refund fails, CancelBooking returns an error matching
// [ErrRefundOwed], besides the gateway's error (or the [Store]'s, if the
// refund was paid but could not be recorded), with the booking, which
// stays cancelled with its refund pending: the ticket is gone either way,
// and the money is owed ([Booking.RefundOwed]). Match ErrRefundOwed before
// the sentinels the gateway's or the Store's error may match
// (examples/server answers it as done, the refund owed); every other error
// comes with the zero [Booking]. The [BookingSystem] then pays the refund by
// itself: its background sweeper retries with growing backoff until the
// gateway pays, and, with a Store that implements [UnsettledBookingLister],
// so does any process sharing the Store or started after this one.
// Calling CancelBooking again on a cancelled booking whose refund is
// pending retries the refund with the same key (the gateway pays once,
// whatever the number of calls or processes) and records it, and a retry
// that fails again matches ErrRefundOwed too; the percent stays the one
// fixed by the first call, whatever the time. A cancelled booking whose
// refund is recorded (or that was owed nothing) is returned unchanged.
// Once decided, the refund runs to its end even if ctx is cancelled. A
// panic of the gateway (or the Store) is returned as an error too, logged
// at Error, and the refund it left owed is paid in the background
// likewise (the error matches ErrRefundOwed if the panic came once the
// booking was cancelled, paying its refund).
//
// Once the show has started, cancelling a confirmed or completed booking
// fails with an error matching [ErrShowStarted] (a [*ShowStartedError]) and,
// as it always has, [ErrInvalidTransition] (a [*TransitionError]). Any other
// state is a *TransitionError: a hold, held or being paid for, is not
// cancelled but released ([BookingSystem.ReleaseHold]), and no refund is owed
// for it.
func (bs *BookingSystem) CancelBooking(ctx context.Context, bookingID BookingID) (Booking, error) {
	b, err := bs.cancelBooking(ctx, bookingID)
	return b.snapshot(), err
}

func (bs *BookingSystem) cancelBooking(ctx context.Context, bookingID BookingID) (b Booking, err error) {
	gs, err := bs.enter()
	if err != nil {
		return Booking{}, err
	}
	defer bs.leave(gs)
	var e *showEntry
	paying := false // b is cancelled and its refund is being paid
	defer func() {
		if v := recover(); v != nil {
			b, err = bs.cancelPanicked(e, bookingID, b, paying, v)
		}
	}()
	e, err = bs.entryOfBooking(ctx, bookingID)
	if err != nil {
		return Booking{}, err
	}
	// The policy is user code: ask it before the show's lock is taken, for
	// the time left as the call begins (the transaction's clock reading can
	// only be later, so a tier boundary passed meanwhile is in the
	// customer's favour). A broken policy matters only if the booking is
	// to be cancelled now; an owed refund is paid regardless.
	percent, percentErr := refundPercent(bs.refunds, e.show.Start.Sub(bs.clock.Now()))
	var refused error
	cancelledNow := false
	err = bs.update(ctx, e, func(tx ShowTx, now time.Time, ev *[]Event) error {
		var err error
		if b, err = tx.Booking(bookingID); err != nil {
			return err
		}
		refused, cancelledNow = nil, false // a Store may run the transaction again
		switch {
		case b.Status == StatusCancelled:
			return nil // its refund, if still owed, is paid below
		case b.Status == StatusCompleted || b.Status == StatusConfirmed && !now.Before(e.show.Start):
			refused = &cancelAfterStartError{
				started:    ShowStartedError{ShowID: e.show.ID, Start: e.show.Start},
				transition: TransitionError{Booking: b.ID, From: b.Status, To: StatusCancelled},
			}
			return nil
		case b.Status != StatusConfirmed:
			refused = &TransitionError{Booking: b.ID, From: b.Status, To: StatusCancelled}
			return nil
		}
		if percentErr != nil {
			return percentErr
		}
		freed, err := cancelConfirmed(tx, e.layout, &b, percent, "cancelled", now)
		if err != nil {
			return err
		}
		cancelledNow = true
		if ev != nil {
			*ev = append(*ev, &BookingCancelled{EventMeta: b.meta(now, e.eventZone()), Seats: b.SeatIDs(), Refund: b.Refund, freed: freed})
		}
		return nil
	})
	if err != nil {
		// The cancellation may have committed all the same (a Store that
		// cannot tell): the sweeper looks, and pays a refund owed.
		bs.owed.failed(e, bookingID, bs.clock.Now())
		return Booking{}, err
	}
	if cancelledNow {
		bs.stats.cancelled.Add(1)
	}
	if refused != nil {
		return Booking{}, refused
	}
	if !b.Refund.Pending() {
		return b, nil
	}
	paying = true
	return bs.payRefund(context.WithoutCancel(ctx), e, b)
}

// cancelConfirmed cancels the confirmed booking *b in the show's
// transaction tx at now, for CancelBooking and CancelShow alike: it owes
// back percent of its total (never more than was paid), recorded on it as
// owed (Refund.Pending) for payRefund to pay once the transaction has
// committed, or settled now if that is nothing; its seats are for sale
// again. It returns the seats it freed, for the BookingCancelled event.
func cancelConfirmed(tx ShowTx, layout *Layout, b *Booking, percent int, reason string, now time.Time) (freedSeats, error) {
	if err := b.moveTo(StatusCancelled, now); err != nil {
		return freedSeats{}, err
	}
	b.Refund = Refund{Amount: min(b.Total.Apply(RatePercent(percent)), b.Payment.Amount), Percent: percent, Reason: reason}
	if b.Refund.Amount == 0 {
		b.Refund.RefundedAt = now // nothing to pay: settled now
	}
	freed := freeSeats(tx, layout, b)
	tx.PutBooking(*b)
	return freed, nil
}

// cancelPanicked turns a panic of user code (the PaymentGateway, or the
// Store) during CancelBooking into an error, as confirmClaimed does for
// ConfirmBooking: no panic crosses the API. It is logged at Error with its
// stack, as the sweeper logs one (settleOwed), and the booking is queued
// for the sweeper, as payRefundTries queues it on a gateway error, which
// the panic skipped: cancelled, it owes its refund, and with a Store that
// lists nothing unsettled nobody else would ever pay it. If paying, b is
// the cancelled booking whose refund was being paid; else the panic came
// before (the booking is then most likely as it was, but a Store that
// panicked after committing may have cancelled it: the sweeper finds out,
// and drops a booking that owes nothing).
func (bs *BookingSystem) cancelPanicked(e *showEntry, id BookingID, b Booking, paying bool, v any) (Booking, error) {
	p := &settlePanic{value: v, stack: debug.Stack()}
	show := ""
	if e != nil { // nil: the panic came finding the booking, which is unchanged
		show = e.show.ID
		bs.owed.failed(e, id, bs.clock.Now())
	}
	bs.log.Error("boxoffice: panic while cancelling a booking (or paying its refund); any refund owed will be paid in the background",
		"booking", id, "show", show, "panic", p.value, "stack", string(p.stack))
	if !paying {
		return Booking{}, fmt.Errorf("boxoffice: cancelling booking %s: %w", id, p)
	}
	return b, &refundOwedError{fmt.Errorf("boxoffice: booking %s is cancelled; its refund of %s is still owed and will be retried in the background (CancelBooking retries it at once): %w",
		id, b.Refund.Amount, p)}
}

// refundOwedError is CancelBooking's error of a cancellation that stands
// with its refund still owed on record: err, with its message and its
// chain as they were before ErrRefundOwed existed (a caller matching the
// gateway's error, or reading the message, sees no change), and
// ErrRefundOwed. Every return that makes one returns the cancelled
// booking with it, so that matching ErrRefundOwed and reading
// Booking.RefundOwed() > 0 off the booking returned always agree.
type refundOwedError struct{ err error }

func (e *refundOwedError) Error() string { return e.err.Error() }

// Unwrap returns the error of what failed, and ErrRefundOwed.
func (e *refundOwedError) Unwrap() []error { return []error{e.err, ErrRefundOwed} }

// payRefund pays the refund a cancellation recorded as owed, then records
// it as paid. It runs outside the show's lock; the idempotency key makes
// concurrent and repeated calls, in any process, pay once.
func (bs *BookingSystem) payRefund(ctx context.Context, e *showEntry, b Booking) (Booking, error) {
	return bs.payRefundTries(ctx, e, b, bs.cfg.PaymentAttempts)
}

// payRefundTries is payRefund with at most tries gateway calls: the
// background retry makes one, as its queue does the backing off. A
// failure, to pay or to record, queues the booking for the background
// retry, so that the money is paid even if nobody calls again.
func (bs *BookingSystem) payRefundTries(ctx context.Context, e *showEntry, b Booking, tries int) (Booking, error) {
	rc, err := bs.refund(ctx, RefundRequest{IdempotencyKey: refundKey(b.ID), ChargeKey: chargeKey(b.ID),
		Booking: b.ID, Amount: b.Refund.Amount}, tries)
	if err != nil {
		bs.owed.failed(e, b.ID, bs.clock.Now())
		return b, &refundOwedError{fmt.Errorf("boxoffice: booking %s is cancelled; its refund of %s is still owed and will be retried in the background (CancelBooking retries it at once): %w",
			b.ID, b.Refund.Amount, err)}
	}
	var out Booking
	err = bs.update(ctx, e, func(tx ShowTx, now time.Time, _ *[]Event) error {
		var err error
		if out, err = tx.Booking(b.ID); err != nil {
			return err
		}
		if out.Status != StatusCancelled || out.RefundOwed() == 0 {
			return nil // recorded meanwhile by a concurrent call
		}
		out.Refund.Amount = rc.Amount // the amount asked: refund checked the receipt
		out.Refund.Reference = gatewayText(rc.Reference, maxReferenceLen)
		out.Refund.RefundedAt = now
		out.UpdatedAt = now
		tx.PutBooking(out)
		return nil
	})
	if err != nil {
		// Paid, perhaps, but owed on record (b), as a refund that failed:
		// the sweeper's retry under the same key gets the gateway's
		// receipt again and records it.
		bs.owed.failed(e, b.ID, bs.clock.Now())
		return b, &refundOwedError{fmt.Errorf("boxoffice: booking %s is cancelled and refunded, but the refund could not be recorded; it will be recorded in the background (CancelBooking records it at once): %w",
			b.ID, err)}
	}
	bs.owed.paid(b.ID)
	return out, nil
}

// cancelAfterStartError refuses to cancel a booking whose show has
// started. It is both a *ShowStartedError, which says why, and a
// *TransitionError, which is what cancelling after the start has always
// returned, so that callers matching either sentinel keep working.
type cancelAfterStartError struct {
	started    ShowStartedError
	transition TransitionError
}

func (e *cancelAfterStartError) Error() string {
	return fmt.Sprintf("boxoffice: booking %s cannot be cancelled: show %s started at %s",
		e.transition.Booking, e.started.ShowID, e.started.Start.Format(time.RFC3339))
}

// Unwrap returns the *ShowStartedError and the *TransitionError.
func (e *cancelAfterStartError) Unwrap() []error { return []error{&e.started, &e.transition} }

// Booking returns a booking by ID; [ErrNotFound] if there is none. It
// answers whoever asks: a service shows a booking only to its user
// ([Booking.UserID]).
func (bs *BookingSystem) Booking(ctx context.Context, id BookingID) (Booking, error) {
	if err := bs.made(); err != nil {
		return Booking{}, err
	}
	return bs.store.Booking(ctx, id)
}

// Limits of a page: of a [BookingPage], a [ShowPage] and a [MovieQuery].
const (
	// DefaultPageLimit is the page size of a BookingPage (or ShowPage, or
	// MovieQuery) whose Limit is 0.
	DefaultPageLimit = 100
	// MaxPageLimit is the largest Limit of a BookingPage (or ShowPage, or
	// MovieQuery): a page is read and returned in one piece, so its size
	// is capped even for a caller that asks for everything.
	MaxPageLimit = 1000
)

// BookingPage selects one page of a user's bookings (see BookingsOfUser).
// The zero BookingPage is the first page, of [DefaultPageLimit] bookings.
type BookingPage struct {
	// After is the last booking of the previous page; the zero BookingID
	// for the first page.
	After BookingID
	// Limit is the most bookings the page holds: 0 means
	// DefaultPageLimit; a negative Limit, or one above MaxPageLimit, is an
	// *ArgumentError.
	Limit int
	// Order is the direction of the pages: OldestFirst (the zero Order)
	// or NewestFirst. Every page of one listing must ask for the same
	// Order: After is read in it. Any other value is an *ArgumentError.
	Order Order
}

// limit returns the page's size, or an *ArgumentError.
func (p BookingPage) limit() (int, error) {
	if p.Order != OldestFirst && p.Order != NewestFirst {
		return 0, invalid("page.Order", "%v is neither OldestFirst nor NewestFirst", p.Order)
	}
	return pageLimit("page.Limit", p.Limit)
}

// pageLimit returns the size of a page whose Limit (the field named) is n,
// or an *ArgumentError: every paged call takes its Limit alike.
func pageLimit(field string, n int) (int, error) {
	switch {
	case n == 0:
		return DefaultPageLimit, nil
	case n < 0:
		return 0, invalid(field, "%d is negative; 0 means the default, %d", n, DefaultPageLimit)
	case n > MaxPageLimit:
		return 0, invalid(field, "%d is above the maximum, %d; read more pages", n, MaxPageLimit)
	}
	return n, nil
}

// BookingsOfUser returns one page of the user's bookings, oldest first:
// ordered by CreatedAt, then by ID; with page.Order [NewestFirst], in the
// reverse order, as a customer's history is shown. Read the next page with
// After set to the last booking returned; a page shorter than its limit
// (possibly empty) is the last one. Pages are cut by a cursor, not an
// offset: bookings the user makes while a caller pages through the list do
// not shift the pages, so no booking comes twice, and one made meanwhile
// (the newest, unless the clock went back) comes on a later page oldest
// first, and on none newest first (read the first page again for it).
//
// An After that names no booking of this user, whether unknown or another
// user's, is [ErrNotFound]. A Limit out of range is an [*ArgumentError]
// ([ErrInvalidArgument]); see [BookingPage].
func (bs *BookingSystem) BookingsOfUser(ctx context.Context, userID string, page BookingPage) ([]Booking, error) {
	if err := bs.made(); err != nil {
		return nil, err
	}
	if err := validUserID(userID); err != nil {
		return nil, err
	}
	limit, err := page.limit()
	if err != nil {
		return nil, err
	}
	var after BookingCursor
	if !page.After.IsZero() {
		b, err := bs.store.Booking(ctx, page.After)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		// Another user's booking gets the same answer as an unknown one:
		// a page must not tell whose a booking ID is.
		if err != nil || b.UserID != userID {
			return nil, fmt.Errorf("boxoffice: page.After: no booking %s of user %q: %w", page.After, userID, ErrNotFound)
		}
		after = BookingCursor{At: b.CreatedAt, ID: b.ID}
	}
	return bs.store.BookingsOfUser(ctx, userID, after, limit, page.Order)
}

// CompleteShow marks every confirmed booking of a show that has started as
// completed: the show was played, and the bookings can no longer be
// cancelled. Seats stay booked. It returns how many bookings it completed;
// with an error, 0 (a Store error committed nothing, and after
// [ErrCommitUnknown] what committed is not known: call it again).
// A payment under way when it runs (one started before the show runs to its
// end; see [BookingSystem.ConfirmBooking]) may confirm its booking
// afterwards, and calling CompleteShow again completes those: a job that
// closes shows calls it once more past the payments' bound
// ([Config.PaymentAttempts] calls of at most [Config.PaymentTimeout] and the
// backoffs between; later for a payment the sweeper resumes). Once no payment
// of the show is under way, calling it again completes none. Before the show
// starts (judged inside the show's transaction) it completes nothing and
// returns an [*ArgumentError] for showID, matching [ErrInvalidArgument]: no
// booking is at fault, the show is asked about too early. An unknown show is
// [ErrNotFound].
func (bs *BookingSystem) CompleteShow(ctx context.Context, showID string) (int, error) {
	gs, err := bs.enter()
	if err != nil {
		return 0, err
	}
	defer bs.leave(gs)
	e, err := bs.entry(ctx, showID)
	if err != nil {
		return 0, err
	}
	n := 0
	err = bs.update(ctx, e, func(tx ShowTx, now time.Time, _ *[]Event) error {
		n = 0
		if now.Before(e.show.Start) {
			return invalid("showID", "show %s starts at %s; it can be completed once it has started",
				e.show.ID, e.show.Start.Format(time.RFC3339))
		}
		done := make(map[BookingID]bool)
		for i := range tx.NumSeats() {
			slot := tx.Seat(i)
			if slot.Status != SeatBooked || done[slot.Booking] {
				continue
			}
			done[slot.Booking] = true
			b, err := tx.Booking(slot.Booking)
			switch {
			case isNotFound(err):
				// A seat sold to a booking the Store does not have: no
				// ticket to complete, as CancelShow finds none to
				// cancel. It must not keep the show's real bookings
				// confirmed, on every call.
				continue
			case err != nil:
				return err
			}
			if b.moveTo(StatusCompleted, now) == nil {
				tx.PutBooking(b)
				n++
			}
		}
		return nil
	})
	if err != nil {
		// Nothing committed (or, for ErrCommitUnknown, nothing known to
		// have): n counted a run the Store rolled back.
		return 0, err
	}
	return n, nil
}
