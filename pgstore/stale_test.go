package pgstore_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// twoStores returns two Stores on one schema, as two processes would have,
// with one show of 60 seats.
func twoStores(t *testing.T) (a, b *pgstore.Store, showID string) {
	t.Helper()
	pool := testPool(t)
	schema := newSchema(t, pool)
	a, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	b, err = pgstore.New(ownPool(t, 4), pgstore.Options{Schema: schema})
	must(t, err)
	return a, b, addOneShow(t, a).ID
}

func heldBooking(showID string, seat string) boxoffice.Booking {
	now := time.Date(2031, 1, 1, 9, 0, 0, 0, time.UTC)
	return boxoffice.Booking{ID: boxoffice.NewBookingID(), UserID: "u", ShowID: showID, Status: boxoffice.StatusHeld,
		Seats: []boxoffice.BookingSeat{{ID: seat, Price: 100}}, Total: 100, CreatedAt: now, HeldUntil: now.Add(10 * time.Minute), UpdatedAt: now}
}

// TestNoStaleAnswers has two Stores take turns on one show, so that each
// one's cached state of the show is always out of date: every answer,
// whether it writes, returns an error or writes nothing, must still come
// from the show's latest state.
func TestNoStaleAnswers(t *testing.T) {
	t.Parallel()
	a, b, show := twoStores(t)
	ctx := t.Context()
	bk := heldBooking(show, "A1")
	put := func(s *pgstore.Store, status boxoffice.SeatStatus) {
		t.Helper()
		must(t, s.UpdateShow(ctx, show, func(tx boxoffice.ShowTx) error {
			tx.SetSeat(0, boxoffice.SeatSlot{Status: status, Booking: bk.ID, HeldUntil: bk.HeldUntil})
			tx.PutBooking(bk)
			return nil
		}))
	}
	seat0 := func(s *pgstore.Store) (st boxoffice.SeatStatus, runs int, err error) {
		err = s.UpdateShow(ctx, show, func(tx boxoffice.ShowTx) error {
			runs++
			st = tx.Seat(0).Status
			return nil
		})
		return st, runs, err
	}
	errNotBooked := errors.New("seat 0 is not booked")

	put(a, boxoffice.SeatHeld) // a caches the show with seat 0 held
	if st, _, err := seat0(a); err != nil || st != boxoffice.SeatHeld {
		t.Fatalf("a reads seat 0 %v (%v), want held", st, err)
	}
	put(b, boxoffice.SeatBooked) // b books it: a's cache is now stale

	// An answer that writes nothing.
	if st, runs, err := seat0(a); err != nil || st != boxoffice.SeatBooked {
		t.Errorf("a reads seat 0 %v (%v) after b booked it, want booked (fn ran %d times)", st, err, runs)
	}
	put(b, boxoffice.SeatHeld)
	// An answer that is an error: fn refuses on the stale state, then
	// accepts on the fresh one.
	err := a.UpdateShow(ctx, show, func(tx boxoffice.ShowTx) error {
		if tx.Seat(0).Status == boxoffice.SeatBooked {
			return errNotBooked // what a's stale cache says is wrong now
		}
		return nil
	})
	if err != nil {
		t.Errorf("a's UpdateShow returned %v: it answered from stale state", err)
	}
	put(a, boxoffice.SeatBooked)
	// A booking read in the transaction comes from the latest state too.
	bk2 := bk
	bk2.Status = boxoffice.StatusConfirmed
	must(t, b.UpdateShow(ctx, show, func(tx boxoffice.ShowTx) error { tx.PutBooking(bk2); return nil }))
	var got boxoffice.Booking // fn may run more than once: the last run counts
	must(t, a.UpdateShow(ctx, show, func(tx boxoffice.ShowTx) error {
		var err error
		got, err = tx.Booking(bk.ID)
		return err
	}))
	if got.Status != boxoffice.StatusConfirmed {
		t.Errorf("a reads the booking %v after b confirmed it", got.Status)
	}
}

// TestTwoStoresReadModifyWrite has goroutines on two Stores increment one
// booking's counter in turns: every increment must count, although each
// Store's cached state is mostly stale.
func TestTwoStoresReadModifyWrite(t *testing.T) {
	t.Parallel()
	a, b, show := twoStores(t)
	ctx := t.Context()
	bk := heldBooking(show, "A1")
	must(t, a.UpdateShow(ctx, show, func(tx boxoffice.ShowTx) error { tx.PutBooking(bk); return nil }))
	const perStore, workers = 50, 4
	var wg sync.WaitGroup
	for k, s := range []*pgstore.Store{a, b, a, b} {
		wg.Go(func() {
			for i := range perStore {
				err := s.UpdateShow(ctx, show, func(tx boxoffice.ShowTx) error {
					cur, err := tx.Booking(bk.ID)
					if err != nil {
						return err
					}
					cur.Extensions++
					tx.PutBooking(cur)
					// Move a seat too, so that inventories differ.
					tx.SetSeat((k*perStore+i)%tx.NumSeats(), boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: bk.ID})
					return nil
				})
				if err != nil {
					t.Errorf("UpdateShow: %v", err)
					return
				}
			}
		})
	}
	waitGroup(t, &wg, "the concurrent UpdateShow calls")
	got, err := b.Booking(ctx, bk.ID)
	must(t, err)
	if got.Extensions != perStore*workers {
		t.Errorf("after %d increments from two Stores the counter is %d", perStore*workers, got.Extensions)
	}
	booked := 0
	must(t, a.ViewShow(ctx, show, func(tx boxoffice.ShowTx) error {
		for i := range tx.NumSeats() {
			if tx.Seat(i).Status == boxoffice.SeatBooked {
				booked++
			}
		}
		return nil
	}))
	if want := min(perStore*workers, 60); booked != want {
		t.Errorf("%d seats booked, want %d", booked, want)
	}
}
