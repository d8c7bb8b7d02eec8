package pgstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// A booking found absent stays absent for the
// rest of the transaction; the second read must not be a zero Booking
// with a nil error.
func TestAbsentBookingReadTwice(t *testing.T) {
	s := newStore(t)
	show := addOneShow(t, s)
	id := boxoffice.NewBookingID()
	err := s.UpdateShow(t.Context(), show.ID, func(tx boxoffice.ShowTx) error {
		for i := range 2 {
			if _, err := tx.Booking(id); !errors.Is(err, boxoffice.ErrNotFound) {
				t.Errorf("read %d of an absent booking: %v; want ErrNotFound", i+1, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Times are stored to the microsecond, and a
// transaction reads them so whether it hits the cache or the database.
func TestBookingTimesReadAlikeFromCacheAndDatabase(t *testing.T) {
	s := newStore(t)
	show := addOneShow(t, s)
	at := time.Date(2030, 6, 1, 12, 0, 0, 123456789, time.UTC)
	b := boxoffice.Booking{ID: boxoffice.NewBookingID(), ShowID: show.ID, UserID: "u", Status: boxoffice.StatusHeld,
		Seats: []boxoffice.BookingSeat{{ID: "A1", Price: 1000}}, Total: 1000, CreatedAt: at, HeldUntil: at, UpdatedAt: at}
	must(t, s.UpdateShow(t.Context(), show.ID, func(tx boxoffice.ShowTx) error { tx.PutBooking(b); return nil }))
	var inTx boxoffice.Booking
	must(t, s.UpdateShow(t.Context(), show.ID, func(tx boxoffice.ShowTx) error {
		var err error
		inTx, err = tx.Booking(b.ID)
		return err
	}))
	fromDB, err := s.Booking(t.Context(), b.ID)
	must(t, err)
	want := at.Truncate(time.Microsecond)
	if !inTx.HeldUntil.Equal(want) || !fromDB.HeldUntil.Equal(want) {
		t.Errorf("HeldUntil in a transaction %v, from Booking %v; want both %v", inTx.HeldUntil, fromDB.HeldUntil, want)
	}
}
