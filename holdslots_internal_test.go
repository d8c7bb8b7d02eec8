package boxoffice

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRolledBackHoldGivesBackItsSlot checks that a hold whose transaction
// fails after its record was stored gives its slot back: the next hold
// stored takes it, and the show's slots do not grow.
func TestRolledBackHoldGivesBackItsSlot(t *testing.T) {
	ctx := context.Background()
	s, r, show, _ := storeWithOneShow(t)
	add := func(tx ShowTx) BookingID {
		id, key := r.bookingID([16]byte(NewBookingID()))
		rec := &bookingRecord{id: id, userID: "u", showID: show.ID, status: StatusHeld}
		if err := tx.(*memTx).addHold(rec, key); err != nil {
			t.Fatal(err)
		}
		return rec.id
	}
	slots := func() int {
		r.mu.RLock()
		defer r.mu.RUnlock()
		return len(r.slots)
	}

	var kept BookingID
	if err := s.UpdateShow(ctx, show.ID, func(tx ShowTx) error { kept = add(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("failed")
	for n := range 3 { // holds rolled back, one to three in a transaction
		err := s.UpdateShow(ctx, show.ID, func(tx ShowTx) error {
			for range n + 1 {
				add(tx)
			}
			return failed
		})
		if !errors.Is(err, failed) {
			t.Fatalf("UpdateShow: %v; want %v", err, failed)
		}
		if got := slots(); got != 1 {
			t.Fatalf("slots after %d holds rolled back: %d; want 1", n+1, got)
		}
	}
	var next BookingID
	if err := s.UpdateShow(ctx, show.ID, func(tx ShowTx) error { next = add(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	for want, id := range []BookingID{kept, next} {
		if _, slot, ok := s.mask.numbered(id); !ok || slot != uint32(want) {
			t.Errorf("booking %v: slot %d (%v); want %d", id, slot, ok, want)
		}
		if b, err := s.Booking(ctx, id); err != nil || b.ID != id {
			t.Errorf("Booking(%v) = %v, %v", id, b.ID, err)
		}
	}
}

// fataler is what storeWithOneShow needs of a *testing.T or a *rapid.T.
type fataler interface {
	Helper()
	Fatal(args ...any)
}

// storeWithOneShow returns a MemoryStore with one show "s" of the seed
// layout, at 19:00 on 3 March 2026, for two hours, and the show's record.
func storeWithOneShow(t fataler) (*MemoryStore, *showRecord, Show, *Layout) {
	t.Helper()
	ctx := context.Background()
	s := NewMemoryStore()
	layout := SeedLayout()
	day := time.Date(2026, 3, 3, 19, 0, 0, 0, time.UTC)
	show := Show{ID: "s", MovieID: "m", HallID: "h", TheaterID: "t", Start: day, End: day.Add(2 * time.Hour)}
	for _, err := range []error{
		s.AddTheater(ctx, Theater{ID: "t"}),
		s.AddHall(ctx, Hall{ID: "h", TheaterID: "t", Layout: layout}),
		s.AddMovie(ctx, Movie{ID: "m", Duration: 2 * time.Hour}),
		s.AddShow(ctx, show, layout, Interval{Start: show.Start, End: show.End}, nil),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.showRecord(ctx, show.ID)
	if err != nil {
		t.Fatal(err)
	}
	return s, r, show, layout
}
