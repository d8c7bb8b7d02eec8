package main

import (
	"context"
	"fmt"
	"io"

	"github.com/boxoffice-go/boxoffice"
)

// auditResult is what the audit found once the users had stopped.
type auditResult struct {
	bookings int
	// doubleOwned counts seats owned by more than one live booking (held
	// and not expired, paying, or confirmed).
	doubleOwned int
	// mapMismatches counts seats that the seat map shows as booked
	// without exactly one confirmed booking owning them, or that a
	// confirmed booking owns and the map does not show as booked.
	mapMismatches int
	// wrongPayments counts confirmed bookings whose payment is not their
	// total.
	wrongPayments int

	charged, refunded boxoffice.Money // the gateway's ledger
	confirmedTotal    boxoffice.Money // the totals of the confirmed bookings
	// kept is what the gateway keeps of bookings that are not confirmed
	// (cancelled, failed): their payments minus their refunds. Every
	// show starts a day or more after the run, so cancellations are
	// refunded in full and it must be 0.
	kept boxoffice.Money
}

type seatKey struct{ show, seat string }

// audit reads every user's bookings, every show's seat map and the
// gateway's ledger, and checks that they agree.
func audit(ctx context.Context, sys *boxoffice.BookingSystem, gw *decliningGateway, s *sim) (auditResult, error) {
	var a auditResult
	now := sys.Clock().Now()
	owners := make(map[seatKey]int)
	confirmedOwners := make(map[seatKey]int)
	for _, u := range s.users {
		bookings, err := sys.BookingsOfUser(ctx, u)
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
					confirmedOwners[k]++
				}
			}
			switch b.Status {
			case boxoffice.StatusConfirmed:
				a.confirmedTotal += b.Total
				if b.Payment.Amount != b.Total || b.Refund.Amount != 0 {
					a.wrongPayments++
				}
			default:
				a.kept += b.Payment.Amount - b.Refund.Amount
			}
		}
	}
	for _, n := range owners {
		if n > 1 {
			a.doubleOwned++
		}
	}
	for _, show := range s.shows {
		m, err := sys.SeatMap(ctx, show.ID)
		if err != nil {
			return a, err
		}
		for _, v := range m.Seats {
			n := confirmedOwners[seatKey{show.ID, v.ID}]
			mismatch := (v.Status == boxoffice.SeatBooked) != (n == 1) || n > 1
			if s.cfg.shared() {
				// Other processes' users may have bought seats too: only
				// ours are checked.
				mismatch = n > 0 && v.Status != boxoffice.SeatBooked || n > 1
			}
			if mismatch {
				a.mapMismatches++
			}
		}
	}
	a.charged, a.refunded = gw.Totals()
	return a, nil
}

// moneyOK reports whether the money charged minus the money refunded is
// the total of the confirmed bookings. (If not, kept tells whether the
// bookings account for the difference.)
func (a auditResult) moneyOK() bool { return a.charged-a.refunded == a.confirmedTotal }

func (a auditResult) ok() bool {
	return a.doubleOwned == 0 && a.mapMismatches == 0 && a.wrongPayments == 0 && a.moneyOK()
}

func (a auditResult) print(w io.Writer) {
	verdict := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "FAILED"
	}
	fmt.Fprintf(w, "\naudit of %d bookings:\n", a.bookings)
	fmt.Fprintf(w, "  seats with more than one owner: %d (%s)\n", a.doubleOwned, verdict(a.doubleOwned == 0))
	fmt.Fprintf(w, "  booked seats that disagree with the confirmed bookings: %d (%s)\n", a.mapMismatches, verdict(a.mapMismatches == 0))
	fmt.Fprintf(w, "  confirmed bookings not paid in full: %d (%s)\n", a.wrongPayments, verdict(a.wrongPayments == 0))
	fmt.Fprintf(w, "  charged %s - refunded %s = %s; confirmed bookings total %s, kept on other bookings %s (%s)\n",
		a.charged, a.refunded, a.charged-a.refunded, a.confirmedTotal, a.kept, verdict(a.moneyOK()))
}
