package boxoffice

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"
	"weak"
)

// TestMemTxSeatWritesRollBack checks that the seats the in-memory Store's
// hold and release paths write (memTx.holdSeats, memTx.endHold, which log
// their undo entries in place) are put back as they were when the
// transaction fails: holds of one to nine seats, then their release, each
// rolled back once before it commits. The BookingSystem never fails such
// a transaction after the writes, so only this test runs their undo.
func TestMemTxSeatWritesRollBack(t *testing.T) {
	ctx := context.Background()
	s, r, show, layout := storeWithOneShow(t)
	day := show.Start
	seats := func() []memSlot {
		r.mu.RLock()
		defer r.mu.RUnlock()
		return slices.Clone(r.seats)
	}
	now := day.Add(-time.Hour)
	until := now.Add(10 * time.Minute)
	failed := errors.New("failed")
	for n := 1; n <= 9; n++ {
		idx := make([]int, n)
		booked := make([]BookingSeat, n)
		for k := range idx {
			idx[k] = 2*k + n%2 // every other seat: the seats between stay free
			booked[k] = BookingSeat{ID: layout.seats[idx[k]].ID}
		}
		id, key := r.bookingID([16]byte(NewBookingID()))
		rec := &bookingRecord{id: id, userID: "u", showID: show.ID, seats: booked, status: StatusHeld, createdAt: now, heldUntil: until, updatedAt: now}
		rec.setPositions(idx)
		hold := func(tx ShowTx) error {
			mt := tx.(*memTx)
			if err := mt.addHold(rec, key); err != nil {
				return err
			}
			mt.holdSeats(idx, SeatSlot{Status: SeatHeld, Booking: rec.id, HeldUntil: until})
			return nil
		}
		before := seats()
		if err := s.UpdateShow(ctx, show.ID, func(tx ShowTx) error { _ = hold(tx); return failed }); !errors.Is(err, failed) {
			t.Fatalf("%d seats: hold: %v; want %v", n, err, failed)
		}
		if got := seats(); !slices.Equal(got, before) {
			t.Fatalf("%d seats: seats after a hold rolled back differ from before it", n)
		}
		if err := s.UpdateShow(ctx, show.ID, hold); err != nil {
			t.Fatal(err)
		}
		held := seats()
		for _, i := range idx {
			if held[i].booking != rec.id || held[i].status != SeatHeld {
				t.Fatalf("%d seats: seat %d after the hold: %+v", n, i, held[i])
			}
		}
		release := func(tx ShowTx) error {
			tx.(*memTx).endHold(rec, StatusReleased, now, layout)
			return nil
		}
		if err := s.UpdateShow(ctx, show.ID, func(tx ShowTx) error { _ = release(tx); return failed }); !errors.Is(err, failed) {
			t.Fatalf("%d seats: release: %v; want %v", n, err, failed)
		}
		if got := seats(); !slices.Equal(got, held) {
			t.Fatalf("%d seats: seats after a release rolled back differ from before it", n)
		}
		if b, err := s.Booking(ctx, rec.id); err != nil || b.Status != StatusHeld {
			t.Fatalf("%d seats: booking after a release rolled back: %v, %v; want held", n, b.Status, err)
		}
		if err := s.UpdateShow(ctx, show.ID, release); err != nil {
			t.Fatal(err)
		}
		if got := seats(); !slices.Equal(got, before) {
			t.Fatalf("%d seats: seats after the release differ from before the hold", n)
		}
	}
}

// TestMemTxUndoKeepsNoRecordAlive checks that the undo log lets go of the
// records a finished transaction logged (endTx): the record of a booking
// that a rolled-back transaction made, and the old state of a booking a
// committed one changed, its replaced Seats. endTx clears whole entries
// only for the latter and drops the former's pointer alone; a log that
// kept either would keep them alive until a later transaction logged as
// many bookings.
func TestMemTxUndoKeepsNoRecordAlive(t *testing.T) {
	ctx := context.Background()
	s, r, show, layout := storeWithOneShow(t)
	now := show.Start.Add(-time.Hour)
	booking := func(seat int) Booking {
		return Booking{ID: NewBookingID(), UserID: "u", ShowID: show.ID, Status: StatusHeld,
			Seats:     []BookingSeat{{ID: layout.seats[seat].ID, Type: layout.seats[seat].Type}},
			CreatedAt: now, HeldUntil: now.Add(10 * time.Minute), UpdatedAt: now}
	}
	failed := errors.New("failed")

	// A booking made, then rolled back: its record is dropped from the show.
	made := booking(0)
	var rec weak.Pointer[bookingRecord]
	if err := s.UpdateShow(ctx, show.ID, func(tx ShowTx) error {
		tx.PutBooking(made)
		rec = weak.Make(r.record(made.ID))
		if rec.Value() == nil {
			t.Fatal("the booking put has no record")
		}
		return failed
	}); !errors.Is(err, failed) {
		t.Fatalf("UpdateShow: %v; want %v", err, failed)
	}
	// Collected now: the next transaction reuses the entry.
	runtime.GC()
	if rec.Value() != nil {
		t.Error("the record of a booking a rolled-back transaction made is still alive: the undo log keeps it")
	}

	// A booking committed, then its seats replaced: the first seats are
	// the old state's alone.
	kept := booking(1)
	if err := s.UpdateShow(ctx, show.ID, func(tx ShowTx) error { tx.PutBooking(kept); return nil }); err != nil {
		t.Fatal(err)
	}
	var oldSeats weak.Pointer[BookingSeat]
	moved := kept
	moved.Seats = []BookingSeat{{ID: layout.seats[2].ID, Type: layout.seats[2].Type}}
	if err := s.UpdateShow(ctx, show.ID, func(tx ShowTx) error {
		oldSeats = weak.Make(&r.record(kept.ID).seats[0])
		tx.PutBooking(moved)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	if oldSeats.Value() != nil {
		t.Error("the replaced Seats of a booking are still alive: the undo log keeps the old record's copy")
	}
	// The store, and its undo log, stay reachable through the checks.
	runtime.KeepAlive(r)
}
