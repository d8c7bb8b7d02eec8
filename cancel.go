package boxoffice

import (
	"context"
	"fmt"
	"time"
)

// CancelBooking cancels a confirmed booking before its show starts and
// refunds the share of its total that the RefundPolicy gives for the time
// left.
//
// Everything that decides happens in one show transaction, on the Clock's
// reading inside it, as for every other move of a booking: the booking
// must be confirmed and the show not yet started; the refund's percent
// (which the RefundPolicy gives for the time left when the call began) and
// amount are fixed there; the booking becomes cancelled, its seats are for
// sale again (BookingCancelled is emitted, so watchers see them freed), and
// the refund it is owed is recorded on it, not yet paid (Refund.Pending).
// Only then is the refund paid, outside the show's lock, through the
// gateway with the booking's refund idempotency key, and recorded
// (Reference, RefundedAt, and the amount the gateway reports) in a second
// transaction. Deciding before paying is what keeps a show that starts —
// and is completed — while the refund is in flight from leaving the
// customer with both the money and a valid ticket, and keeps the amount
// paid the one the percent says.
//
// If the refund fails, CancelBooking returns the gateway's error with the
// booking, which stays cancelled with its refund pending: the ticket is
// gone either way, and the money is owed (Booking.RefundOwed). The
// BookingSystem then pays it by itself: its background sweeper retries
// with growing backoff until the gateway pays, and, with a Store that
// implements UnsettledBookingLister, so does any process sharing the Store or
// started after this one. Calling CancelBooking again on a
// cancelled booking whose refund is pending retries the refund with the
// same key (the gateway pays once, whatever the number of calls or
// processes) and records it; the percent stays the one fixed by the first
// call, whatever the time. A cancelled booking whose refund is recorded
// (or that was owed nothing) is returned unchanged. Once decided, the
// refund runs to its end even if ctx is cancelled.
//
// Once the show has started, cancelling a confirmed or completed booking
// fails with an error matching ErrShowStarted (a *ShowStartedError) and,
// as it always has, ErrInvalidTransition (a *TransitionError). Any other
// state is a *TransitionError.
func (bs *BookingSystem) CancelBooking(ctx context.Context, bookingID BookingID) (Booking, error) {
	b, err := bs.cancelBooking(ctx, bookingID)
	return b.snapshot(), err
}

func (bs *BookingSystem) cancelBooking(ctx context.Context, bookingID BookingID) (Booking, error) {
	if err := bs.enter(); err != nil {
		return Booking{}, err
	}
	defer bs.leave()
	e, err := bs.entryOfBooking(ctx, bookingID)
	if err != nil {
		return Booking{}, err
	}
	// The policy is user code: ask it before the show's lock is taken, for
	// the time left as the call begins (the transaction's clock reading can
	// only be later, so a tier boundary passed meanwhile is in the
	// customer's favour). A broken policy matters only if the booking is
	// to be cancelled now; an owed refund is paid regardless.
	percent, percentErr := refundPercent(bs.refunds, e.show.Start.Sub(bs.clock.Now()))
	var b Booking
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
		if err := b.moveTo(StatusCancelled, now); err != nil {
			return err
		}
		b.Refund = Refund{Amount: min(b.Total.Apply(RatePercent(percent)), b.Payment.Amount), Percent: percent, Reason: "cancelled"}
		if b.Refund.Amount == 0 {
			b.Refund.RefundedAt = now // nothing to pay: settled now
		}
		freed := freeSeats(tx, e.layout, &b)
		tx.PutBooking(b)
		cancelledNow = true
		if ev != nil {
			*ev = append(*ev, &BookingCancelled{EventMeta: b.meta(now), Seats: b.SeatIDs(), Refund: b.Refund, freed: freed})
		}
		return nil
	})
	if err != nil {
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
	return bs.payRefund(context.WithoutCancel(ctx), e, b)
}

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
		return b, fmt.Errorf("boxoffice: booking %s is cancelled; its refund of %s is still owed and will be retried in the background (CancelBooking retries it at once): %w",
			b.ID, b.Refund.Amount, err)
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
		out.Refund.Amount = rc.Amount
		out.Refund.Reference = gatewayText(rc.Reference, maxReferenceLen)
		out.Refund.RefundedAt = now
		out.UpdatedAt = now
		tx.PutBooking(out)
		return nil
	})
	if err != nil {
		bs.owed.failed(e, b.ID, bs.clock.Now())
		return b, fmt.Errorf("boxoffice: booking %s is cancelled and refunded, but the refund could not be recorded; it will be recorded in the background (CancelBooking records it at once): %w",
			b.ID, err)
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

// Booking returns a booking by ID.
func (bs *BookingSystem) Booking(ctx context.Context, id BookingID) (Booking, error) {
	return bs.store.Booking(ctx, id)
}

// BookingsOfUser returns the user's bookings, oldest first.
func (bs *BookingSystem) BookingsOfUser(ctx context.Context, userID string) ([]Booking, error) {
	if err := validUserID(userID); err != nil {
		return nil, err
	}
	return bs.store.BookingsOfUser(ctx, userID)
}

// CompleteShow marks every confirmed booking of a show that has started as
// completed: the show was played, and the bookings can no longer be
// cancelled. Seats stay booked. It returns how many bookings it completed;
// calling it again completes none. Before the show starts (judged inside
// the show's transaction) it completes nothing and returns an
// *ArgumentError for showID, matching ErrInvalidArgument: no booking is at
// fault, the show is asked about too early.
func (bs *BookingSystem) CompleteShow(ctx context.Context, showID string) (int, error) {
	if err := bs.enter(); err != nil {
		return 0, err
	}
	defer bs.leave()
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
			if err != nil {
				return err
			}
			if b.moveTo(StatusCompleted, now) == nil {
				tx.PutBooking(b)
				n++
			}
		}
		return nil
	})
	return n, err
}
