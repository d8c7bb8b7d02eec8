package boxoffice

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
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
		booked := make([]BookedSeat, n)
		for k := range idx {
			idx[k] = 2*k + n%2 // every other seat: the seats between stay free
			booked[k] = BookedSeat{ID: layout.seats[idx[k]].ID}
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
