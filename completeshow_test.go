package boxoffice_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// rollbackAfterFnStore runs UpdateShow's fn and then fails the
// transaction, which commits nothing: a commit refused by the database
// (pgstore's ErrConflict after its retries, or a connection lost before
// the commit was sent) once fn has made its changes.
type rollbackAfterFnStore struct {
	*boxoffice.MemoryStore
	fail atomic.Bool // read by the sweeper's transactions too
}

func (s *rollbackAfterFnStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	return s.MemoryStore.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error {
		if err := fn(opaqueTx{tx}); err != nil || !s.fail.Load() {
			return err
		}
		return errStoreDown // fn's changes are rolled back
	})
}

// TestCompleteShowFailedCommitCompletesNone: a CompleteShow whose
// transaction the Store fails completed nothing, and says so: it
// returned the count of the rolled-back run (2) with the error, which a
// job closing shows logs or counts as bookings completed.
func TestCompleteShowFailedCommitCompletesNone(t *testing.T) {
	var store *rollbackAfterFnStore
	f := newFixture(t, func(c *boxoffice.Config) {
		store = &rollbackAfterFnStore{MemoryStore: c.Store.(*boxoffice.MemoryStore)}
		c.Store = store
	})
	a := f.confirm(f.hold("alice", "A1", "A2"))
	b := f.confirm(f.hold("bob", "B1"))
	f.clock.Set(f.show.Start)
	store.fail.Store(true)
	n, err := f.sys.CompleteShow(f.ctx, f.show.ID)
	if n != 0 || !errors.Is(err, errStoreDown) {
		t.Errorf("CompleteShow with its commit failed = %d, %v; want 0 and the Store's error", n, err)
	}
	for _, id := range []boxoffice.BookingID{a.ID, b.ID} {
		if got := f.booking(id).Status; got != boxoffice.StatusConfirmed {
			t.Errorf("booking %s is %s; want confirmed (nothing committed)", id, got)
		}
	}
	store.fail.Store(false)
	if n, err := f.sys.CompleteShow(f.ctx, f.show.ID); n != 2 || err != nil {
		t.Errorf("CompleteShow again = %d, %v; want 2", n, err)
	}
}

// TestCompleteShowSeatOfUnknownBooking: a seat sold, in the Store, to a
// booking the Store does not have (data the BookingSystem never wrote)
// does not stop the show's real bookings from being completed, as it does
// not stop CancelShow. CompleteShow returned ErrNotFound — documented as
// an unknown show — and completed nothing, on every call: the show's
// tickets stayed confirmed for good.
func TestCompleteShowSeatOfUnknownBooking(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit)
			a := f.confirm(f.hold("alice", "A1", "A2"))
			err := f.store.UpdateShow(f.ctx, f.show.ID, func(tx boxoffice.ShowTx) error {
				tx.SetSeat(tx.NumSeats()-1, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: boxoffice.NewBookingID()}) // F10
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			f.clock.Set(f.show.Start)
			if n, err := f.sys.CompleteShow(f.ctx, f.show.ID); n != 1 || err != nil {
				t.Errorf("CompleteShow = %d, %v; want 1", n, err)
			}
			if got := f.booking(a.ID).Status; got != boxoffice.StatusCompleted {
				t.Errorf("booking %s is %s; want completed", a.ID, got)
			}
		})
	}
}
