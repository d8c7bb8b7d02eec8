package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

var txTests = []subtest{
	{"Commit", testCommit},
	{"CommitCopiesBooking", testCommitCopiesBooking},
	{"RollbackOnError", testRollbackOnError},
	{"RollbackSeatSetTwice", testRollbackSeatSetTwice},
	{"RollbackOnPanic", testRollbackOnPanic},
	{"ViewSettersDoNotPersist", testViewSettersDoNotPersist},
	{"UnknownShow", testUnknownShow},
	{"SeatOutOfRange", testSeatOutOfRange},
	{"WritesVisibleInsideTx", testWritesVisibleInsideTx},
}

var errAbort = errors.New("storetest: transaction aborted")

func testCommit(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	b := booking("ann", "s1", at(9, 0), "A1", "A2")
	f.hold(t, b, 0, 1)

	// Seats and the booking are visible to ViewShow.
	slots := f.seats(t, "s1")
	held := boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: b.ID, HeldUntil: b.HeldUntil}
	for i, slot := range slots {
		want := boxoffice.SeatSlot{}
		if i < 2 {
			want = held
		}
		if d := diffSlot(want, slot); d != "" {
			t.Errorf("seat %d after commit: %s", i, d)
		}
	}
	must(t, s.ViewShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		got, err := tx.Booking(b.ID)
		if err != nil {
			t.Errorf("ShowTx.Booking after commit: %v", err)
		} else if d := DiffBooking(b, got); d != "" {
			t.Error("ShowTx.Booking after commit:", d)
		}
		return nil
	}))

	// And to Booking and BookingsOfUser.
	got, err := s.Booking(f.ctx, b.ID)
	must(t, err)
	if d := DiffBooking(b, got); d != "" {
		t.Error("Booking after commit:", d)
	}
	mine, err := allOfUser(f.ctx, s, "ann")
	must(t, err)
	if len(mine) != 1 {
		t.Fatalf("BookingsOfUser(ann) = %v, want one booking", bookingIDs(mine))
	}
	if d := DiffBooking(b, mine[0]); d != "" {
		t.Error("BookingsOfUser after commit:", d)
	}

	// A second transaction replaces the booking and books the seats.
	b.Status = boxoffice.StatusConfirmed
	b.Payment = boxoffice.Payment{Method: "card:tok_visa", Amount: b.Total, Reference: "ch_1", Attempts: 1, PaidAt: at(9, 5)}
	b.UpdatedAt = at(9, 5)
	must(t, s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		for i := range 2 {
			tx.SetSeat(i, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: b.ID})
		}
		tx.PutBooking(b)
		return nil
	}))
	got, err = s.Booking(f.ctx, b.ID)
	must(t, err)
	if d := DiffBooking(b, got); d != "" {
		t.Error("Booking after a replacing commit:", d)
	}
	mine, err = allOfUser(f.ctx, s, "ann")
	must(t, err)
	if len(mine) != 1 || mine[0].Status != boxoffice.StatusConfirmed {
		t.Errorf("BookingsOfUser(ann) after a replacing commit = %+v, want the one confirmed booking", mine)
	}
	slots = f.seats(t, "s1")
	for i := range 2 {
		if d := diffSlot(boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: b.ID}, slots[i]); d != "" {
			t.Errorf("seat %d after the second commit: %s", i, d)
		}
	}

	_, err = s.Booking(f.ctx, boxoffice.NewBookingID())
	wantErr(t, "Booking of an unknown ID", err, boxoffice.ErrNotFound)
}

// testCommitCopiesBooking checks that neither the caller's slice given to
// PutBooking nor a returned booking shares memory with the Store.
func testCommitCopiesBooking(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	b := booking("ann", "s1", at(9, 0), "A1", "A2")
	want := b
	want.Seats = slices.Clone(b.Seats)
	f.hold(t, b, 0, 1)
	b.Seats[0].ID = "changed after commit"

	got, err := s.Booking(f.ctx, b.ID)
	must(t, err)
	if d := DiffBooking(want, got); d != "" {
		t.Error("changing the Seats given to PutBooking changed the stored booking:", d)
	}
	got.Seats[1].Price = 1
	mine, err := allOfUser(f.ctx, s, "ann")
	must(t, err)
	mine[0].Seats[0].Price = 1
	again, err := s.Booking(f.ctx, b.ID)
	must(t, err)
	if d := DiffBooking(want, again); d != "" {
		t.Error("changing a returned booking's Seats changed the stored booking:", d)
	}
}

func testRollbackOnError(t *testing.T, s boxoffice.Store) {
	f, kept, lost, before := traceFixture(t, s)
	err := s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		writeTrace(tx, kept, lost) // then fail
		if _, err := tx.Booking(lost.ID); err != nil {
			t.Errorf("a booking put in this transaction is not visible in it: %v", err)
		}
		return errAbort
	})
	if err != errAbort { // the contract: returned unchanged, not wrapped
		t.Errorf("UpdateShow returned %v, want fn's error unchanged", err)
	}

	f.wantUnchanged(t, "after rollback", "s1", before, kept, lost)

	// The show still works after a rollback.
	f.hold(t, lost, 5)
	if _, err := s.Booking(f.ctx, lost.ID); err != nil {
		t.Errorf("Booking after the retried transaction committed: %v", err)
	}
}

func testRollbackSeatSetTwice(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	b := booking("ann", "s1", at(9, 0), "A4")
	other := booking("bob", "s1", at(9, 0), "A5")
	f.hold(t, other, 4)
	before := f.seats(t, "s1")

	err := s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		tx.SetSeat(3, boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: b.ID, HeldUntil: b.HeldUntil})
		tx.SetSeat(3, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: b.ID})
		tx.SetSeat(4, boxoffice.SeatSlot{})
		tx.SetSeat(4, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: b.ID})
		tx.PutBooking(b)
		b2 := b
		b2.Status = boxoffice.StatusPaying
		tx.PutBooking(b2)
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Errorf("UpdateShow returned %v, want fn's error", err)
	}
	after := f.seats(t, "s1")
	for i := range before {
		if d := diffSlot(before[i], after[i]); d != "" {
			t.Errorf("seat %d after rollback of a seat set twice: %s", i, d)
		}
	}
	_, err = s.Booking(f.ctx, b.ID)
	wantErr(t, "Booking put twice by a failed transaction", err, boxoffice.ErrNotFound)
}

// errPanic is the value fn panics with in testRollbackOnPanic.
var errPanic = errors.New("storetest: fn panicked")

// testRollbackOnPanic checks that a panic in fn rolls the transaction back,
// reaches UpdateShow's caller with fn's value, and leaves the show usable.
func testRollbackOnPanic(t *testing.T, s boxoffice.Store) {
	f, kept, lost, before := traceFixture(t, s)
	recovered := func() (v any) {
		defer func() { v = recover() }()
		_ = s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
			writeTrace(tx, kept, lost)
			panic(errPanic)
		})
		return nil
	}()
	if recovered != errPanic {
		t.Errorf("UpdateShow whose fn panicked with %v: recovered %v, want the panic to continue unchanged", errPanic, recovered)
	}

	f.wantUnchanged(t, "after a panic in fn", "s1", before, kept, lost)

	// Nothing of the transaction is left holding the show.
	f.hold(t, lost, 5)
	if _, err := s.Booking(f.ctx, lost.ID); err != nil {
		t.Errorf("Booking after a transaction following the panic committed: %v", err)
	}
}

// testViewSettersDoNotPersist calls the setters inside ViewShow, a
// programming error the Store may report but must not persist, even when
// fn returns nil.
func testViewSettersDoNotPersist(t *testing.T, s boxoffice.Store) {
	f, kept, added, before := traceFixture(t, s)
	_ = s.ViewShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		writeTrace(tx, kept, added)
		return nil
	})

	f.wantUnchanged(t, "after the setters inside ViewShow", "s1", before, kept, added)
}

// testSeatOutOfRange asks for and sets seat positions outside [0,
// NumSeats), which the BookingSystem does on a show stored with fewer
// seats than its hall's layout (see ShowTx.Seat): no panic, the zero
// SeatSlot, and the transaction failing with an error matching
// ErrInvalidArgument even though fn returned nil, its writes not
// committed.
func testSeatOutOfRange(t *testing.T, s boxoffice.Store) {
	f, kept, added, before := traceFixture(t, s)
	noPanic := func(what string, call func() error) error {
		t.Helper()
		var err error
		func() {
			defer func() {
				if v := recover(); v != nil {
					t.Errorf("%s panicked: %v", what, v)
				}
			}()
			err = call()
		}()
		return err
	}
	for _, i := range []int{len(before), len(before) + 7, -1} {
		err := noPanic("UpdateShow", func() error {
			return s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
				writeTrace(tx, kept, added)
				if got := tx.Seat(i); got != (boxoffice.SeatSlot{}) {
					t.Errorf("Seat(%d) of %d seats = %+v, want the zero SeatSlot", i, tx.NumSeats(), got)
				}
				return nil
			})
		})
		wantErr(t, "UpdateShow whose fn read a seat out of range", err, boxoffice.ErrInvalidArgument)
		f.wantUnchanged(t, "after a read of a seat out of range", "s1", before, kept, added)

		err = noPanic("UpdateShow", func() error {
			return s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
				writeTrace(tx, kept, added)
				tx.SetSeat(i, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: added.ID})
				return nil
			})
		})
		wantErr(t, "UpdateShow whose fn set a seat out of range", err, boxoffice.ErrInvalidArgument)
		f.wantUnchanged(t, "after a write of a seat out of range", "s1", before, kept, added)

		err = noPanic("ViewShow", func() error {
			return s.ViewShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
				if got := tx.Seat(i); got != (boxoffice.SeatSlot{}) {
					t.Errorf("Seat(%d) of %d seats in ViewShow = %+v, want the zero SeatSlot", i, tx.NumSeats(), got)
				}
				return nil
			})
		})
		wantErr(t, "ViewShow whose fn read a seat out of range", err, boxoffice.ErrInvalidArgument)
	}
}

// traceFixture is show s1 with kept holding its seat 0, and added, a
// booking not stored, for a transaction that must leave no trace (see
// writeTrace and wantUnchanged); before is the show's seats.
func traceFixture(t *testing.T, s boxoffice.Store) (f *fixture, kept, added boxoffice.Booking, before []boxoffice.SeatSlot) {
	t.Helper()
	f = newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	kept = booking("ann", "s1", at(9, 0), "A1")
	f.hold(t, kept, 0)
	return f, kept, booking("ann", "s1", at(9, 1), "A6"), f.seats(t, "s1")
}

// writeTrace changes an existing seat and booking (kept's), takes a free
// seat and inserts a new booking (added).
func writeTrace(tx boxoffice.ShowTx, kept, added boxoffice.Booking) {
	tx.SetSeat(0, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: kept.ID})
	changed := kept
	changed.Status = boxoffice.StatusConfirmed
	changed.Seats = []boxoffice.BookingSeat{{ID: "A9", Price: 1}}
	tx.PutBooking(changed)
	tx.SetSeat(5, boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: added.ID, HeldUntil: added.HeldUntil})
	tx.PutBooking(added)
}

// wantUnchanged checks that a transaction that must leave no trace — it
// failed, panicked or was a view — left it: the show's seats as before,
// kept as it was, and gone, which it added, nowhere to be found.
func (f *fixture) wantUnchanged(t *testing.T, when, showID string, before []boxoffice.SeatSlot, kept, gone boxoffice.Booking) {
	t.Helper()
	after := f.seats(t, showID)
	for i := range before {
		if d := diffSlot(before[i], after[i]); d != "" {
			t.Errorf("seat %d %s: %s", i, when, d)
		}
	}
	got, err := f.s.Booking(f.ctx, kept.ID)
	must(t, err)
	if d := DiffBooking(kept, got); d != "" {
		t.Errorf("existing booking %s: %s", when, d)
	}
	_, err = f.s.Booking(f.ctx, gone.ID)
	wantErr(t, "Booking of the booking added "+when, err, boxoffice.ErrNotFound)
	must(t, f.s.ViewShow(f.ctx, showID, func(tx boxoffice.ShowTx) error {
		_, err := tx.Booking(gone.ID)
		wantErr(t, "ShowTx.Booking of the booking added "+when, err, boxoffice.ErrNotFound)
		return nil
	}))
	mine, err := allOfUser(f.ctx, f.s, kept.UserID)
	must(t, err)
	if ids := bookingIDs(mine); !slices.Equal(ids, []boxoffice.BookingID{kept.ID}) {
		t.Errorf("BookingsOfUser %s = %v, want only %v", when, ids, kept.ID)
	}
}

func testUnknownShow(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	ran := false
	fn := func(boxoffice.ShowTx) error { ran = true; return nil }
	wantErr(t, "UpdateShow of an unknown show", s.UpdateShow(f.ctx, "missing", fn), boxoffice.ErrNotFound)
	wantErr(t, "ViewShow of an unknown show", s.ViewShow(f.ctx, "missing", fn), boxoffice.ErrNotFound)
	if ran {
		t.Error("fn ran for an unknown show")
	}
}

// testWritesVisibleInsideTx checks that a transaction reads its own writes:
// of a new booking and a free seat, then of an existing booking and seat the
// transaction had already read (a Store that caches its reads must update
// the cache on a write).
func testWritesVisibleInsideTx(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	sh := f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	b := booking("ann", "s1", at(9, 0), "B3")
	slot := boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: b.ID, HeldUntil: b.HeldUntil}
	must(t, s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		if d := diffShow(sh, tx.Show()); d != "" {
			t.Error("ShowTx.Show:", d)
		}
		if tx.NumSeats() != f.layout.Len() {
			t.Errorf("ShowTx.NumSeats = %d, want %d", tx.NumSeats(), f.layout.Len())
		}
		tx.SetSeat(12, slot)
		if d := diffSlot(slot, tx.Seat(12)); d != "" {
			t.Error("Seat after SetSeat in the same transaction:", d)
		}
		if _, err := tx.Booking(b.ID); !errors.Is(err, boxoffice.ErrNotFound) {
			t.Errorf("ShowTx.Booking before PutBooking: %v, want ErrNotFound", err)
		}
		tx.PutBooking(b)
		got, err := tx.Booking(b.ID)
		if err != nil {
			t.Errorf("ShowTx.Booking after PutBooking: %v", err)
		} else if d := DiffBooking(b, got); d != "" {
			t.Error("ShowTx.Booking after PutBooking:", d)
		}
		return nil
	}))

	paying := b
	paying.Status = boxoffice.StatusPaying
	paying.Extensions = 1
	paying.HeldUntil = b.HeldUntil.Add(5 * time.Minute)
	paying.UpdatedAt = at(9, 3)
	booked := boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: b.ID}
	must(t, s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		// Read first, so that the writes replace what was read.
		if got, err := tx.Booking(b.ID); err != nil {
			return err
		} else if d := DiffBooking(b, got); d != "" {
			t.Error("ShowTx.Booking of a committed booking:", d)
		}
		if d := diffSlot(slot, tx.Seat(12)); d != "" {
			t.Error("Seat of a committed seat:", d)
		}
		tx.PutBooking(paying)
		tx.SetSeat(12, booked)
		if got, err := tx.Booking(b.ID); err != nil {
			t.Errorf("ShowTx.Booking after replacing a booking read before: %v", err)
		} else if d := DiffBooking(paying, got); d != "" {
			t.Error("ShowTx.Booking after replacing a booking read before:", d)
		}
		if d := diffSlot(booked, tx.Seat(12)); d != "" {
			t.Error("Seat after SetSeat of a seat read before:", d)
		}
		return nil
	}))
}
