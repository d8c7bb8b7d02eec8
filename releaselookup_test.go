package boxoffice_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// bookingCountingStore is the in-memory Store on the generic path,
// counting its Booking calls, which fail with err if it is set.
type bookingCountingStore struct {
	genericStore
	calls atomic.Int64
	err   atomic.Pointer[error]
}

func (s *bookingCountingStore) Booking(ctx context.Context, id boxoffice.BookingID) (boxoffice.Booking, error) {
	s.calls.Add(1)
	if err := s.err.Load(); err != nil {
		return boxoffice.Booking{}, *err
	}
	return s.genericStore.Booking(ctx, id)
}

// TestReleaseHoldGenericLookupOnce: on a Store other than the in-memory
// one, ReleaseHold reads the booking from the Store once, whatever that
// read returns. The second lookup of the in-memory Store's release (a
// booking not in the show its ID is numbered with, errNotInPlace) is no
// business of such a Store: a Store's error, or an unknown ID, read
// twice, was a second round trip to the database for nothing.
func TestReleaseHoldGenericLookupOnce(t *testing.T) {
	errDown := errors.New("store: down")
	tests := []struct {
		name     string
		storeErr error
		want     error
	}{
		{"unknown ID", nil, boxoffice.ErrNotFound},
		{"Store failing", errDown, errDown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var store *bookingCountingStore
			f := newFixture(t, func(c *boxoffice.Config) {
				store = &bookingCountingStore{genericStore: genericStore{c.Store.(*boxoffice.MemoryStore)}}
				c.Store = store
			})
			id := f.hold("alice", "A1").ID
			if tt.storeErr == nil {
				id = boxoffice.NewBookingID()
			} else {
				store.err.Store(&tt.storeErr)
			}
			before := store.calls.Load()
			if _, err := f.sys.ReleaseHold(f.ctx, id); !errors.Is(err, tt.want) {
				t.Fatalf("ReleaseHold = %v; want %v", err, tt.want)
			}
			if n := store.calls.Load() - before; n != 1 {
				t.Errorf("ReleaseHold read the booking %d times; want once", n)
			}
		})
	}
}
