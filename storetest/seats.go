package storetest

import (
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// seatsOfUserTests check boxoffice.UserSeatCounter, the optional
// capability of UpdateShow's ShowTx that counts one user's seats of a
// show for Config.MaxSeatsPerShow: which bookings count, and that the
// count is the transaction's own.
var seatsOfUserTests = []subtest{
	{"Statuses", testSeatsOfUserStatuses},
	{"OwnWrites", testSeatsOfUserOwnWrites},
	{"FirstAfterWrites", testSeatsOfUserFirstAfterWrites},
	{"View", testSeatsOfUserView},
}

// runSeatsOfUser runs seatsOfUserTests if enabled: unlike the Store's
// capabilities, this one is the ShowTx's, which each test checks. If not
// enabled, a Store whose UpdateShow's ShowTx has it fails, as
// runCapability fails one with a capability left undeclared.
func runSeatsOfUser(t *testing.T, enabled bool, newStore func(t *testing.T) boxoffice.Store) {
	t.Run("SeatsOfUser", func(t *testing.T) {
		if !enabled {
			f := newFixture(t, newStore(t))
			f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
			var has bool
			must(t, f.s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
				_, has = tx.(boxoffice.UserSeatCounter)
				return nil
			}))
			if has {
				t.Fatal("the ShowTx of UpdateShow implements boxoffice.UserSeatCounter, which the BookingSystem uses, but Features.SeatsOfUser is false: set it, so that the suite tests it")
			}
			t.Skip("Features.SeatsOfUser is false")
		}
		for _, st := range seatsOfUserTests {
			t.Run(st.name, func(t *testing.T) {
				t.Parallel()
				st.run(t, newStore(t))
			})
		}
	})
}

// seatsOfUser returns SeatsOfUser of the transaction, failing the test if
// it has no such method. An error is to be returned from the
// transaction's function, as a failed Booking read's is: the Store may
// then run it again (pgstore does, when its cache cannot answer).
func seatsOfUser(t *testing.T, tx boxoffice.ShowTx, userID string, now time.Time) (int, error) {
	t.Helper()
	c, ok := tx.(boxoffice.UserSeatCounter)
	if !ok {
		t.Fatalf("Features.SeatsOfUser is set but the ShowTx %T does not implement boxoffice.UserSeatCounter", tx)
	}
	return c.SeatsOfUser(userID, now)
}

// seatFixture stores, in show s1, bookings of ann in every state and of
// others, each with its seats' slots as the BookingSystem leaves them, and
// returns the time the counts below are of.
func seatFixture(t *testing.T, f *fixture) time.Time {
	t.Helper()
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	f.addShow(t, show("s2", hallB, movieX, at(18, 0)))
	now := at(10, 0)
	pos := func(ids ...string) []int {
		var p []int
		for _, id := range ids {
			i, ok := f.layout.Index(id)
			if !ok {
				t.Fatalf("no seat %s in the layout", id)
			}
			p = append(p, i)
		}
		return p
	}
	withStatus := func(b boxoffice.Booking, st boxoffice.BookingStatus, heldUntil time.Time) boxoffice.Booking {
		b.Status, b.HeldUntil = st, heldUntil
		return b
	}
	live := booking("ann", "s1", at(9, 55), "A1", "A2") // held until 10:05: counts
	f.hold(t, live, pos("A1", "A2")...)
	atDeadline := withStatus(booking("ann", "s1", at(9, 50), "A3"), boxoffice.StatusHeld, now) // over at now
	f.hold(t, atDeadline, pos("A3")...)
	lapsed := withStatus(booking("ann", "s1", at(9, 0), "A4"), boxoffice.StatusHeld, at(9, 10)) // not swept yet
	f.hold(t, lapsed, pos("A4")...)
	// Paying past its deadline, its seats taken by bob since: it counts,
	// whatever the seats say.
	paying := withStatus(booking("ann", "s1", at(9, 0), "B1", "B2", "B3"), boxoffice.StatusPaying, at(9, 10))
	f.hold(t, paying)
	f.hold(t, booking("bob", "s1", at(9, 58), "B1", "B2", "B3"), pos("B1", "B2", "B3")...)
	confirmed := withStatus(booking("ann", "s1", at(8, 0), "C1"), boxoffice.StatusConfirmed, at(8, 10))
	must(t, f.s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		tx.SetSeat(pos("C1")[0], boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: confirmed.ID})
		tx.PutBooking(confirmed)
		return nil
	}))
	for _, st := range []boxoffice.BookingStatus{boxoffice.StatusReleased, boxoffice.StatusExpired, boxoffice.StatusFailed,
		boxoffice.StatusCancelled, boxoffice.StatusCompleted} {
		f.hold(t, withStatus(booking("ann", "s1", at(8, 30), "D1", "D2", "D3", "D4"), st, at(18, 0)))
	}
	f.hold(t, booking("ann", "s2", at(9, 59), "A1", "A2", "A3", "A4"), pos("A1", "A2", "A3", "A4")...)
	return now
}

func testSeatsOfUserStatuses(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	now := seatFixture(t, f)
	tests := []struct {
		user string
		now  time.Time
		want int
	}{
		{"ann", now, 2 + 3 + 1},                            // the live hold, paying, confirmed
		{"ann", now.Add(-time.Microsecond), 2 + 1 + 3 + 1}, // the hold whose deadline is now, too
		{"ann", now.Add(time.Microsecond), 2 + 3 + 1},
		// A Store that keeps microseconds compares the deadline with
		// now to the nanosecond all the same.
		{"ann", now.Add(-time.Nanosecond), 2 + 1 + 3 + 1},
		{"ann", now.Add(time.Nanosecond), 2 + 3 + 1},
		{"ann", at(9, 5), 2 + 1 + 1 + 3 + 1}, // every hold before its deadline
		{"ann", at(10, 5), 3 + 1},            // at the live hold's deadline
		{"bob", now, 3},
		{"carol", now, 0},
	}
	must(t, s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		for _, tt := range tests {
			got, err := seatsOfUser(t, tx, tt.user, tt.now)
			if err != nil {
				return err
			}
			if got != tt.want {
				t.Errorf("SeatsOfUser(%q, %s) = %d, want %d", tt.user, tt.now.Format(time.TimeOnly+".999999999"), got, tt.want)
			}
		}
		return nil
	}))
}

func testSeatsOfUserOwnWrites(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	now := seatFixture(t, f)
	const base = 2 + 3 + 1
	var confirmed boxoffice.Booking
	err := s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		got, err := seatsOfUser(t, tx, "ann", now)
		if err != nil {
			return err
		}
		if got != base {
			t.Errorf("before any write: %d seats, want %d", got, base)
		}
		b := booking("ann", "s1", now, "E1", "E2")
		tx.PutBooking(b)
		got, err = seatsOfUser(t, tx, "ann", now)
		if err != nil {
			return err
		}
		if got != base+2 {
			t.Errorf("after putting a hold of 2 seats: %d seats, want %d", got, base+2)
		}
		b.Status = boxoffice.StatusReleased
		tx.PutBooking(b)
		got, err = seatsOfUser(t, tx, "ann", now)
		if err != nil {
			return err
		}
		if got != base {
			t.Errorf("after putting it released: %d seats, want %d", got, base)
		}
		// The stored confirmed booking, cancelled in this transaction.
		for i := range tx.NumSeats() {
			if slot := tx.Seat(i); slot.Status == boxoffice.SeatBooked {
				c, err := tx.Booking(slot.Booking)
				if err != nil {
					return err
				}
				confirmed = c
			}
		}
		if confirmed.ID.IsZero() {
			t.Fatal("the fixture's confirmed booking is not found by its seat")
		}
		c := confirmed
		c.Status = boxoffice.StatusCancelled
		tx.PutBooking(c)
		got, err = seatsOfUser(t, tx, "ann", now)
		if err != nil {
			return err
		}
		if got != base-1 {
			t.Errorf("after cancelling the confirmed booking: %d seats, want %d", got, base-1)
		}
		return errAbort
	})
	if err != errAbort {
		t.Fatalf("UpdateShow: %v, want the function's error", err)
	}
	// Rolled back: the next transaction counts as before, then a
	// committed change counts in the one after.
	must(t, s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		got, err := seatsOfUser(t, tx, "ann", now)
		if err != nil {
			return err
		}
		if got != base {
			t.Errorf("after a rollback: %d seats, want %d", got, base)
		}
		tx.PutBooking(booking("ann", "s1", now, "E1", "E2", "E3"))
		c := confirmed
		c.Status = boxoffice.StatusCancelled
		tx.PutBooking(c)
		return nil
	}))
	must(t, s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		got, err := seatsOfUser(t, tx, "ann", now)
		if err != nil {
			return err
		}
		if got != base+3-1 {
			t.Errorf("after a commit that held 3 seats and cancelled 1: %d seats, want %d", got, base+3-1)
		}
		return nil
	}))
}

// testSeatsOfUserFirstAfterWrites: the first count of a transaction
// (of the Store, even) comes after the transaction's writes.
func testSeatsOfUserFirstAfterWrites(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	now := seatFixture(t, f)
	const base = 2 + 3 + 1
	for _, commit := range []bool{false, true} {
		err := s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
			tx.PutBooking(booking("ann", "s1", now, "E1", "E2"))
			gone := booking("ann", "s1", now, "E5")
			tx.PutBooking(gone)
			gone.Status = boxoffice.StatusReleased
			tx.PutBooking(gone)
			got, err := seatsOfUser(t, tx, "ann", now)
			if err != nil {
				return err
			}
			if got != base+2 {
				t.Errorf("first count, after putting a hold of 2 seats and one released: %d seats, want %d", got, base+2)
			}
			if !commit {
				return errAbort
			}
			return nil
		})
		if commit {
			must(t, err)
		}
		want := base
		if commit {
			want = base + 2
		}
		must(t, s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
			got, err := seatsOfUser(t, tx, "ann", now)
			if err != nil {
				return err
			}
			if got != want {
				t.Errorf("after that transaction (committed: %v): %d seats, want %d", commit, got, want)
			}
			return nil
		}))
	}
}

// testSeatsOfUserView: a ViewShow's ShowTx need not count, but if it
// does, it counts the snapshot as UpdateShow's does.
func testSeatsOfUserView(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	now := seatFixture(t, f)
	must(t, s.ViewShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		if _, ok := tx.(boxoffice.UserSeatCounter); !ok {
			return nil
		}
		got, err := seatsOfUser(t, tx, "ann", now)
		if err != nil {
			return err
		}
		if got != 2+3+1 {
			t.Errorf("SeatsOfUser in a view: %d, want %d", got, 2+3+1)
		}
		return nil
	}))
}
