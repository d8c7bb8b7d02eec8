package boxoffice

import (
	"context"
	"errors"
	"time"
)

// ShowCancellation is what CancelShow did to the bookings of a show.
type ShowCancellation struct {
	// HoldsReleased counts the live holds released (status released).
	HoldsReleased int
	// HoldsExpired counts the holds whose deadline had passed but whose
	// seats were still theirs: expired, as the sweeper would have.
	HoldsExpired int
	// BookingsCancelled counts the confirmed bookings cancelled, each
	// owed its whole total back.
	BookingsCancelled int
	// PaymentsStopped counts the bookings being paid for (status paying)
	// whose seats were taken back: their payment fails and whatever it
	// took is voided (see CancelShow).
	PaymentsStopped int
	// RefundsOwed counts the refunds of BookingsCancelled still owed when
	// CancelShow returned (the gateway failed, or ctx ended first): the
	// background sweeper pays them. This count is how CancelShow tells of
	// them: its error stays nil, where CancelBooking's would match
	// ErrRefundOwed.
	RefundsOwed int
}

// showCancelledReason is Refund.Reason of a booking cancelled with its show.
const showCancelledReason = "show cancelled"

// CancelShow cancels a show before its start — the projector broke — and
// gives every customer their money back.
//
// Everything that decides happens in one show transaction, on the [Clock]'s
// reading inside it, as for every other change to a show: the show is
// marked cancelled in the [Store], so that from then on
// [BookingSystem.HoldSeats] refuses it with a [*ShowCancelledError]
// ([ErrShowCancelled]), in every process sharing the Store; and every booking
// that owns seats gives them back. A live hold is released ([HoldReleased]),
// one whose deadline has passed expired ([HoldExpired]). A confirmed booking
// is cancelled with a refund of its whole total ([Refund.Percent] 100, Reason
// "show cancelled"), whatever the [RefundPolicy], recorded as owed exactly as
// [BookingSystem.CancelBooking] records it ([BookingCancelled], with
// [BookingCancelled.ShowCancelled] set). A booking being paid for keeps its
// status, paying, but loses its seats: the payment in flight — or, if the
// process paying is gone, the sweeper's resume of the abandoned payment —
// then takes the path of a payment whose hold was lost: the booking fails
// ([ErrHoldExpired], [FailureHoldLost], and ErrShowCancelled, with
// [Payment.Failure] "the show was cancelled"), and whatever the charge took
// is voided ([PaymentFailed]). The sweeper's resume makes no new charge; a
// customer's ConfirmBooking retried while the payment is live charges by
// the booking's key, once in all, and that is voided too (see
// ConfirmBooking). A ShowCancelled event with the counts follows the
// bookings' events. [BookingSystem.Watch] streams see every freed seat.
//
// Only then are the refunds paid, one by one, outside the show's lock,
// exactly as CancelBooking pays one: by the booking's refund idempotency
// key, recorded in a transaction of their own, and on a failure (or a
// panic of the gateway) left owed for the background sweeper, which
// retries until they are paid. Once ctx ends, CancelShow pays no more
// refunds (the one being paid runs to its end) and leaves the rest owed
// for the sweeper. RefundsOwed counts the refunds still owed when it
// returns; the error is nil all the same, once the show is cancelled:
// an error would say that the show was not, and it is the one answer for
// the whole show, while CancelBooking answers one booking with
// [ErrRefundOwed] (CancelBooking called on one of these bookings, its
// refund failing again, returns ErrRefundOwed).
//
// From the start of the show on, CancelShow returns a [*ShowStartedError]
// ([ErrShowStarted]) and changes nothing; so it does if another process,
// its clock ahead, has already completed bookings of the show. An unknown
// show is [ErrNotFound]. Cancelling a show that is cancelled already —
// before its start or after — is not an error: it changes nothing and
// returns zero counts, so that a retry after a lost answer is harmless;
// refunds still owed from the first call are the sweeper's to pay (or
// CancelBooking's, called on the booking).
//
// A cancelled show stays cancelled. Its slot in its hall is free:
// [BookingSystem.ScheduleShow] may put another show there (a cancelled show
// is still listed, by [BookingSystem.ShowsOfMovie] with [ShowInfo.Cancelled]
// set, and by the Store's ShowsOfHall). [BookingSystem.SeatMap] reports it
// ([SeatMap.Cancelled]) with no seat for sale. Its bookings answer by their
// states: [BookingSystem.ExtendHold] and [BookingSystem.ConfirmBooking] of a
// released hold, or CancelBooking of a hold or a payment, are
// *TransitionErrors; CancelBooking of a booking the show's cancellation
// cancelled returns it, paying its refund if still owed.
func (bs *BookingSystem) CancelShow(ctx context.Context, showID string) (ShowCancellation, error) {
	gs, err := bs.enter()
	if err != nil {
		return ShowCancellation{}, err
	}
	defer bs.leave(gs)
	e, err := bs.entry(ctx, showID)
	if err != nil {
		return ShowCancellation{}, err
	}
	op := showCancelOp{e: e}
	err = bs.update(ctx, e, op.run)
	if err != nil {
		if errors.Is(err, ErrCommitUnknown) {
			// The cancellation may have committed: the sweeper looks at
			// the bookings it would have cancelled, and pays a refund owed.
			for _, b := range op.refunds {
				bs.owed.failed(e, b.ID, bs.clock.Now())
			}
		}
		return ShowCancellation{}, err
	}
	bs.users.forgetAll(ctx, op.ended)
	out := op.counts
	e.hot.released.Add(uint64(out.HoldsReleased))
	bs.stats.expired.Add(uint64(out.HoldsExpired))
	bs.stats.cancelled.Add(uint64(out.BookingsCancelled))
	for i, b := range op.refunds {
		if ctx.Err() != nil {
			// The caller gave up: the sweeper pays the rest, due now.
			// later, not found: the sweeper may be settling one of them
			// right now from a read made before the cancellation (known
			// to the queue, not queued), and would then forget it as
			// owing nothing.
			now := bs.clock.Now()
			for _, rest := range op.refunds[i:] {
				bs.owed.later(e, rest.ID, now)
			}
			out.RefundsOwed += len(op.refunds) - i
			break
		}
		if !bs.payShowRefund(ctx, e, b) {
			out.RefundsOwed++
		}
	}
	return out, nil
}

// payShowRefund pays the refund of a booking that CancelShow cancelled,
// as CancelBooking pays one (payRefund, and cancelPanicked for a panic),
// and reports whether it is paid and recorded; if not, the booking is
// queued for the sweeper.
func (bs *BookingSystem) payShowRefund(ctx context.Context, e *showEntry, b Booking) (paid bool) {
	defer func() {
		if v := recover(); v != nil {
			_, _ = bs.cancelPanicked(e, b.ID, b, true, v) // logs it, and queues the booking
			paid = false
		}
	}()
	if _, err := bs.payRefund(context.WithoutCancel(ctx), e, b); err != nil {
		bs.log.Warn("boxoffice: the refund of a booking of a cancelled show failed; retrying in the background",
			"booking", b.ID, "show", e.show.ID, "amount", b.Refund.Amount, "err", err)
		return false
	}
	return true
}

// showCancelOp is the transaction of CancelShow.
type showCancelOp struct {
	e       *showEntry
	counts  ShowCancellation
	ended   []Booking // holds released or expired
	refunds []Booking // bookings cancelled owing a refund, as cancelled

	refundTotal Money // what the bookings cancelled are owed in all
}

func (op *showCancelOp) run(tx ShowTx, now time.Time, ev *[]Event) error {
	e := op.e
	// A Store may run the transaction again.
	op.counts, op.ended, op.refunds, op.refundTotal = ShowCancellation{}, op.ended[:0], op.refunds[:0], 0
	if tx.ShowCancelled() {
		return nil // cancelled already: nothing to do, whenever asked
	}
	if !now.Before(e.show.Start) {
		return &ShowStartedError{ShowID: e.show.ID, Start: e.show.Start}
	}
	tx.CancelShow()
	done := make(map[BookingID]bool)
	for i := range tx.NumSeats() {
		slot := tx.Seat(i)
		if slot.Status == SeatAvailable {
			continue
		}
		if !done[slot.Booking] {
			done[slot.Booking] = true
			if err := op.end(tx, slot.Booking, now, ev); err != nil {
				return err
			}
		}
		if tx.Seat(i).Status != SeatAvailable {
			// Taken by a booking that does not list it, or that the
			// Store does not know: nobody's. A cancelled show keeps no
			// seat taken.
			tx.SetSeat(i, SeatSlot{})
		}
	}
	if ev != nil {
		c := op.counts
		*ev = append(*ev, &ShowCancelled{EventMeta: EventMeta{At: now, ShowID: e.show.ID, Location: e.eventZone()},
			HoldsReleased: c.HoldsReleased, HoldsExpired: c.HoldsExpired, BookingsCancelled: c.BookingsCancelled,
			PaymentsStopped: c.PaymentsStopped, RefundTotal: op.refundTotal})
	}
	return nil
}

// end ends booking id, which owns seats of the cancelled show, by its
// status; its seats are free afterwards.
func (op *showCancelOp) end(tx ShowTx, id BookingID, now time.Time, ev *[]Event) error {
	e := op.e
	b, err := tx.Booking(id)
	switch {
	case isNotFound(err):
		return nil // its seats are freed as they come
	case err != nil:
		return err
	}
	meta := b.meta(now, e.eventZone())
	switch b.Status {
	case StatusHeld:
		to := StatusReleased
		if !now.Before(b.HeldUntil) {
			to = StatusExpired // run out already: expired, as the sweeper would
		}
		if err := b.moveTo(to, now); err != nil {
			return err
		}
		freed := freeSeats(tx, e.layout, &b)
		tx.PutBooking(b)
		op.ended = append(op.ended, b)
		if to == StatusReleased {
			op.counts.HoldsReleased++
			if ev != nil {
				*ev = append(*ev, &HoldReleased{EventMeta: meta, Seats: b.SeatIDs(), ShowCancelled: true, freed: freed})
			}
		} else {
			op.counts.HoldsExpired++
			if ev != nil {
				*ev = append(*ev, &HoldExpired{EventMeta: meta, Seats: b.SeatIDs(), ShowCancelled: true, freed: freed})
			}
		}
	case StatusPaying:
		// Left paying: the payment, live or abandoned, finds its seats
		// lost and fails, voiding what it took (see confirm).
		freed := freeSeats(tx, e.layout, &b)
		op.counts.PaymentsStopped++
		if seats := freed.of(b.SeatIDs()); ev != nil && len(seats) > 0 {
			*ev = append(*ev, &seatsFreed{EventMeta: meta, seats: seats})
		}
	case StatusConfirmed:
		freed, err := cancelConfirmed(tx, e.layout, &b, 100, showCancelledReason, now)
		if err != nil {
			return err
		}
		op.counts.BookingsCancelled++
		op.refundTotal += b.Refund.Amount
		if b.Refund.Pending() {
			op.refunds = append(op.refunds, b)
		}
		if ev != nil {
			*ev = append(*ev, &BookingCancelled{EventMeta: meta, Seats: b.SeatIDs(), Refund: b.Refund,
				ShowCancelled: true, freed: freed})
		}
	case StatusCompleted:
		// Completed by a process whose clock is ahead of ours: for it,
		// the show has started.
		return &ShowStartedError{ShowID: e.show.ID, Start: e.show.Start}
	}
	// Any other status owns no seat: its seats are freed as they come.
	return nil
}
