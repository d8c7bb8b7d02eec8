package main

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/boxoffice-go/boxoffice"
)

// The final state cannot prove that no seat was ever sold twice: the users
// cancel confirmed bookings, and a double sale that a cancellation later
// undid leaves no trace in it. So the history is recorded as it happens,
// and replayed: a seat may belong to one confirmed booking at a time.

// saleLedger replays confirmations and cancellations, in commit order per
// show, and counts the seats sold while another confirmed booking still
// owned them.
type saleLedger struct {
	// owners are the confirmed bookings owning each seat: one, or more
	// after a double sale (a cancellation of the first owner must not
	// hide the second).
	owners map[seatKey][]boxoffice.BookingID
	// confirmed and cancelled are the bookings whose confirmation and
	// cancellation were replayed, for the audit to check that none is
	// missing.
	confirmed, cancelled map[boxoffice.BookingID]struct{}
	doubleSales          int
	firstDouble          string // the first double sale, for the report
}

func newSaleLedger() *saleLedger {
	return &saleLedger{owners: make(map[seatKey][]boxoffice.BookingID),
		confirmed: make(map[boxoffice.BookingID]struct{}), cancelled: make(map[boxoffice.BookingID]struct{})}
}

// confirm records that booking now owns seats of show.
func (l *saleLedger) confirm(show string, booking boxoffice.BookingID, seats []string) {
	l.confirmed[booking] = struct{}{}
	for _, seat := range seats {
		k := seatKey{show, seat}
		owners := l.owners[k]
		if slices.Contains(owners, booking) {
			continue // the same confirmation again: not a second sale
		}
		if len(owners) > 0 {
			l.doubleSales++
			if l.firstDouble == "" {
				l.firstDouble = fmt.Sprintf("seat %s of show %s sold to booking %s while booking %s owned it",
					seat, show, booking, owners[0])
			}
		}
		l.owners[k] = append(owners, booking)
	}
}

// cancel records that booking gave its seats of show back.
func (l *saleLedger) cancel(show string, booking boxoffice.BookingID, seats []string) {
	l.cancelled[booking] = struct{}{}
	for _, seat := range seats {
		k := seatKey{show, seat}
		owners := slices.DeleteFunc(l.owners[k], func(id boxoffice.BookingID) bool { return id == booking })
		if len(owners) == 0 {
			delete(l.owners, k)
		} else {
			l.owners[k] = owners
		}
	}
}

// seatHistory is the Observer that feeds a saleLedger with the
// BookingSystem's events. They come in commit order per show, which is
// all the ledger needs, since its seats are per show. It sees only the
// commits of its own process.
type seatHistory struct {
	mu     sync.Mutex
	ledger *saleLedger
}

func newSeatHistory() *seatHistory { return &seatHistory{ledger: newSaleLedger()} }

func (h *seatHistory) Notify(_ context.Context, e boxoffice.Event) {
	switch e := e.(type) {
	case *boxoffice.BookingConfirmed:
		h.mu.Lock()
		defer h.mu.Unlock()
		h.ledger.confirm(e.ShowID, e.BookingID, e.Seats)
	case *boxoffice.BookingCancelled:
		h.mu.Lock()
		defer h.mu.Unlock()
		h.ledger.cancel(e.ShowID, e.BookingID, e.Seats)
	}
}

// replayed calls fn with the ledger, which the history must not be fed
// meanwhile.
func (h *seatHistory) replayed(fn func(*saleLedger)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fn(h.ledger)
}
