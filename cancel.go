package boxoffice

import (
	"context"
	"time"
)

// CancelBooking cancels a confirmed booking before its show starts: it
// refunds the share of the total the RefundPolicy gives for the time left
// (through the gateway, with the booking's refund idempotency key), frees
// the seats for resale and records the refund on the booking. Cancelling a
// cancelled booking returns it unchanged. Any other state, or a show that
// has started, is a *TransitionError. If the refund fails, nothing changes
// and the error is returned: the customer keeps the ticket. If the refund
// goes through but the Store then fails, the error is returned and the
// booking is still confirmed: call CancelBooking again, which finishes the
// cancellation without refunding twice (the refund's idempotency key is
// the booking's).
func (bs *BookingSystem) CancelBooking(ctx context.Context, bookingID BookingID) (Booking, error) {
	if err := bs.checkOpen(); err != nil {
		return Booking{}, err
	}
	b, err := bs.store.Booking(ctx, bookingID)
	if err != nil {
		return Booking{}, err
	}
	e, err := bs.entry(ctx, b.ShowID)
	if err != nil {
		return Booking{}, err
	}
	if b.Status == StatusCancelled {
		return b, nil
	}
	now := bs.clock.Now()
	untilStart := e.show.Start.Sub(now)
	if b.Status != StatusConfirmed || untilStart <= 0 {
		return Booking{}, &TransitionError{Booking: b.ID, From: b.Status, To: StatusCancelled}
	}
	percent := bs.refunds.RefundPercent(untilStart)
	if percent < 0 || percent > 100 {
		return Booking{}, invalid("RefundPolicy", "returned %d%%; want 0–100", percent)
	}
	amount := min(b.Total.Apply(RatePercent(percent)), b.Payment.Amount)

	// Refund before the state changes: a failed refund leaves the ticket
	// valid, and the idempotency key makes a retried or concurrent cancel
	// refund once.
	var rc Receipt
	if amount > 0 {
		rc, err = bs.refund(context.WithoutCancel(ctx), RefundRequest{
			IdempotencyKey: refundKey(b.ID), ChargeKey: chargeKey(b.ID), Booking: b.ID, Amount: amount})
		if err != nil {
			return Booking{}, err
		}
		amount = rc.Amount
	}
	cancelledNow := false
	err = bs.update(ctx, e, func(tx ShowTx, now time.Time, ev *[]Event) error {
		var err error
		if b, err = tx.Booking(bookingID); err != nil {
			return err
		}
		cancelledNow = false
		if b.Status == StatusCancelled {
			return nil
		}
		if err := b.moveTo(StatusCancelled, now); err != nil {
			return err
		}
		b.Refund = Refund{Amount: amount, Percent: percent, Reference: rc.Reference, RefundedAt: now, Reason: "cancelled"}
		freeSeats(tx, e.layout, &b)
		tx.PutBooking(b)
		cancelledNow = true
		if ev != nil {
			*ev = append(*ev, &BookingCancelled{EventMeta: b.meta(now), Seats: b.SeatIDs(), Refund: b.Refund})
		}
		return nil
	})
	if err != nil {
		return Booking{}, err
	}
	if cancelledNow {
		bs.stats.cancelled.Add(1)
	}
	return b, nil
}

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
// calling it again completes none. Before the show starts it returns a
// *TransitionError.
func (bs *BookingSystem) CompleteShow(ctx context.Context, showID string) (int, error) {
	if err := bs.checkOpen(); err != nil {
		return 0, err
	}
	e, err := bs.entry(ctx, showID)
	if err != nil {
		return 0, err
	}
	n := 0
	err = bs.update(ctx, e, func(tx ShowTx, now time.Time, _ *[]Event) error {
		n = 0
		if now.Before(e.show.Start) {
			return &TransitionError{From: StatusConfirmed, To: StatusCompleted}
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
