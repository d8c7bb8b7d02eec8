package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// auditResult is what the audit found once the users had stopped.
type auditResult struct {
	bookings int

	// From the history, replayed as it was committed:
	//
	// doubleSales counts seats sold to a confirmed booking while another
	// confirmed booking owned them, even if a cancellation undid it later.
	doubleSales int
	firstDouble string // the first of them
	// confirmations and cancellations are what the history replayed.
	confirmations, cancellations int
	// eventsDropped counts events the BookingSystem dropped (its observers'
	// queues overflowed), and historyGaps the confirmations and
	// cancellations the bookings show but the history never saw. Either
	// makes the history incomplete, and the audit inconclusive: a double
	// sale may hide in a hole.
	eventsDropped uint64
	historyGaps   int

	// From the final state:
	//
	// doubleOwned counts seats owned by more than one live booking (held
	// and not expired, paying, or confirmed).
	doubleOwned int
	// mapMismatches counts seats that the inventory shows as booked
	// without exactly one confirmed booking owning them, or booked to
	// another booking than the confirmed one that owns them, or that a
	// confirmed booking owns and the inventory does not show as booked.
	mapMismatches int
	// wrongPayments counts confirmed bookings whose payment is not their
	// total.
	wrongPayments int

	charged, refunded boxoffice.Money // the gateway's ledger
	confirmedTotal    boxoffice.Money // the totals of the confirmed bookings
	// owed is the money the bookings that are not confirmed (cancelled,
	// failed) owe back and have not paid yet (Booking.RefundOwed): it is
	// still at the gateway.
	owed boxoffice.Money
	// kept is what the gateway keeps of bookings that are not confirmed:
	// their payments minus their refunds, paid or owed. Every show starts
	// a day or more after the run, so cancellations are refunded in full
	// and it must be 0.
	kept boxoffice.Money
}

type seatKey struct{ show, seat string }

// closeTimeout bounds the wait for the calls in flight and the delivery
// of the queued events when the audit closes the BookingSystem.
const closeTimeout = time.Minute

// audit closes the system, and then checks its history and its final
// state: it replays the history recorded by the observer, and reads every
// user's bookings, every show's inventory and the gateway's ledger from a
// system at rest.
//
// Closing first waits for the calls in flight, stops the sweeper (which
// may pay refunds owed) and delivers every queued event, so that the
// history is complete and the bookings and the ledger cannot move while
// they are read. The final state is read from the Store, since a closed
// BookingSystem takes no calls.
func audit(ctx context.Context, ls *loadSystem, s *sim) (auditResult, error) {
	var a auditResult
	cctx, cancel := context.WithTimeout(ctx, closeTimeout)
	defer cancel()
	if err := ls.Close(cctx); err != nil {
		return a, fmt.Errorf("closing the system, so that its history is complete: %w", err)
	}
	a.eventsDropped = ls.Stats().EventsDropped

	now := ls.Clock().Now()
	owners := make(map[seatKey]int)
	confirmedOwners := make(map[seatKey][]boxoffice.BookingID)
	var sold, cancelled []boxoffice.BookingID // what the history must have seen
	for _, u := range s.users {
		bookings, err := allBookingsOfUser(ctx, ls.store, u)
		if err != nil {
			return a, err
		}
		for _, b := range bookings {
			a.bookings++
			live := b.Status == boxoffice.StatusConfirmed || b.Status == boxoffice.StatusPaying ||
				b.Status == boxoffice.StatusHeld && now.Before(b.HeldUntil)
			for _, seat := range b.Seats {
				k := seatKey{b.ShowID, seat.ID}
				if live {
					owners[k]++
				}
				if b.Status == boxoffice.StatusConfirmed {
					confirmedOwners[k] = append(confirmedOwners[k], b.ID)
				}
			}
			switch b.Status {
			case boxoffice.StatusConfirmed:
				sold = append(sold, b.ID)
				a.confirmedTotal += b.Total
				if b.Payment.Amount != b.Total || b.Refund.Amount != 0 {
					a.wrongPayments++
				}
				continue
			case boxoffice.StatusCancelled: // only a confirmed booking is cancelled
				sold = append(sold, b.ID)
				cancelled = append(cancelled, b.ID)
			}
			paidBack := b.Refund.Amount
			if b.Refund.Pending() {
				paidBack = 0
			}
			owed := b.RefundOwed()
			a.owed += owed
			a.kept += b.Payment.Amount - paidBack - owed
		}
	}
	for _, n := range owners {
		if n > 1 {
			a.doubleOwned++
		}
	}
	for _, show := range s.shows {
		n, err := checkInventory(ctx, ls.store, show, confirmedOwners, s.cfg.shared())
		if err != nil {
			return a, err
		}
		a.mapMismatches += n
	}
	a.charged, a.refunded = ls.gateway.Totals()

	ls.history.replayed(func(l *saleLedger) {
		a.doubleSales, a.firstDouble = l.doubleSales, l.firstDouble
		a.confirmations, a.cancellations = len(l.confirmed), len(l.cancelled)
		for _, id := range sold {
			if _, ok := l.confirmed[id]; !ok {
				a.historyGaps++
			}
		}
		for _, id := range cancelled {
			if _, ok := l.cancelled[id]; !ok {
				a.historyGaps++
			}
		}
	})
	return a, nil
}

// checkInventory compares a show's inventory with the confirmed bookings
// owning its seats, and returns the number of seats where they disagree.
// When other processes share the Store (shared), a booked seat that none
// of ours owns is theirs, not a mismatch.
// allBookingsOfUser reads every booking of the user, a page of
// boxoffice.MaxPageLimit at a time: the audit must see them all, and a
// simulated user makes far more bookings than one page in a long run.
func allBookingsOfUser(ctx context.Context, store boxoffice.Store, userID string) ([]boxoffice.Booking, error) {
	var all []boxoffice.Booking
	var after boxoffice.BookingCursor
	for {
		page, err := store.BookingsOfUser(ctx, userID, after, boxoffice.MaxPageLimit, boxoffice.OldestFirst)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < boxoffice.MaxPageLimit {
			return all, nil
		}
		last := page[len(page)-1]
		after = boxoffice.BookingCursor{At: last.CreatedAt, ID: last.ID}
	}
}

func checkInventory(ctx context.Context, store boxoffice.Store, show boxoffice.Show, confirmedOwners map[seatKey][]boxoffice.BookingID, shared bool) (int, error) {
	hall, err := store.Hall(ctx, show.HallID)
	if err != nil {
		return 0, err
	}
	mismatches := 0
	err = store.ViewShow(ctx, show.ID, func(tx boxoffice.ShowTx) error {
		mismatches = 0
		for i := range tx.NumSeats() {
			slot := tx.Seat(i)
			switch owners := confirmedOwners[seatKey{show.ID, hall.Layout.Seat(i).ID}]; {
			case len(owners) > 1,
				len(owners) == 1 && (slot.Status != boxoffice.SeatBooked || slot.Booking != owners[0]),
				len(owners) == 0 && slot.Status == boxoffice.SeatBooked && !shared:
				mismatches++
			}
		}
		return nil
	})
	return mismatches, err
}

// moneyOK reports whether the money the gateway holds, charged minus
// refunded, is the total of the confirmed bookings plus the refunds still
// owed, with nothing kept on the other bookings.
func (a auditResult) moneyOK() bool {
	return a.charged-a.refunded == a.confirmedTotal+a.owed && a.kept == 0
}

// historyComplete reports whether the history saw every confirmation and
// cancellation: if not, its verdict on double sales proves nothing.
func (a auditResult) historyComplete() bool { return a.eventsDropped == 0 && a.historyGaps == 0 }

func (a auditResult) ok() bool {
	return a.historyComplete() && a.doubleSales == 0 &&
		a.doubleOwned == 0 && a.mapMismatches == 0 && a.wrongPayments == 0 && a.moneyOK()
}

func (a auditResult) print(w io.Writer) {
	verdict := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "FAILED"
	}
	fmt.Fprintf(w, "\naudit of %d bookings:\n", a.bookings)
	fmt.Fprintf(w, "  history: %d confirmations and %d cancellations replayed; %d events dropped, %d missing (%s)\n",
		a.confirmations, a.cancellations, a.eventsDropped, a.historyGaps, verdict(a.historyComplete()))
	if !a.historyComplete() {
		fmt.Fprintln(w, "    the history has holes: the audit is inconclusive")
	}
	fmt.Fprintf(w, "  seats sold while another confirmed booking owned them: %d (%s)\n", a.doubleSales, verdict(a.doubleSales == 0))
	if a.firstDouble != "" {
		fmt.Fprintf(w, "    first: %s\n", a.firstDouble)
	}
	fmt.Fprintf(w, "  seats with more than one owner now: %d (%s)\n", a.doubleOwned, verdict(a.doubleOwned == 0))
	fmt.Fprintf(w, "  booked seats that disagree with the confirmed bookings: %d (%s)\n", a.mapMismatches, verdict(a.mapMismatches == 0))
	fmt.Fprintf(w, "  confirmed bookings not paid in full: %d (%s)\n", a.wrongPayments, verdict(a.wrongPayments == 0))
	fmt.Fprintf(w, "  charged %s - refunded %s = %s; confirmed bookings total %s, refunds owed %s, kept on other bookings %s (%s)\n",
		a.charged, a.refunded, a.charged-a.refunded, a.confirmedTotal, a.owed, a.kept, verdict(a.moneyOK()))
}
