package pgstore_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// TestSeatCapAcrossInstances: two BookingSystems on one schema, as two
// processes, with goroutines of one user holding, paying, releasing and
// cancelling seats of one show at once. Config.MaxSeatsPerShow is counted
// in the show's transaction, so together they never let the user past it:
// a watcher reading snapshots of the show never sees more, nor does the
// count at the end.
func TestSeatCapAcrossInstances(t *testing.T) {
	t.Parallel()
	const (
		limit   = 5
		workers = 6 // per instance
		ops     = 30
	)
	pool, schema, show := schemaWithShow(t)
	base := show.Start.Add(-8 * time.Hour)
	gateway := boxoffice.NewInMemoryGateway()
	var instances []*instance
	for range 2 {
		instances = append(instances, newInstance(t, schema, base, 0, gateway, func(c *boxoffice.Config) {
			c.MaxSeatsPerShow = limit
			c.HoldsPerMinute = -1
			c.MaxLiveHoldsPerUser = -1
		}))
	}
	watcher, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	var ids []string
	for _, s := range boxoffice.SeedLayout().Seats()[:20] { // a few seats, for conflicts too
		ids = append(ids, s.ID)
	}

	ctx := t.Context()
	done := make(chan struct{})
	var watched sync.WaitGroup
	watched.Add(1)
	go func() {
		defer watched.Done()
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
			if n := userSeats(t, watcher, show.ID, "alice", base); n > limit {
				t.Errorf("alice has %d seats of the show; the cap is %d", n, limit)
				return
			}
		}
	}()

	var granted, capped atomic.Int64
	var wg sync.WaitGroup
	for w := range 2 * workers {
		sys := instances[w%2].sys
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			var mine []boxoffice.Booking
			for range ops {
				if len(mine) > 0 && rng.IntN(2) == 0 {
					k := rng.IntN(len(mine))
					b := mine[k]
					mine = slices.Delete(mine, k, k+1)
					var err error
					if b.Status == boxoffice.StatusConfirmed {
						_, err = sys.CancelBooking(ctx, b.ID)
					} else {
						_, err = sys.ReleaseHold(ctx, b.ID)
					}
					// A request for exactly the seats of a live hold gets
					// that hold, perhaps another worker's, which may have
					// ended it since.
					if err != nil && !errors.Is(err, boxoffice.ErrInvalidTransition) {
						t.Errorf("ending a %s booking: %v", b.Status, err)
					}
					continue
				}
				seats := make([]string, 1+rng.IntN(3))
				for i, j := range rng.Perm(len(ids))[:len(seats)] {
					seats[i] = ids[j]
				}
				b, err := sys.HoldSeats(ctx, "alice", show.ID, seats)
				switch {
				case errors.Is(err, boxoffice.ErrLimitReached):
					capped.Add(1)
					continue
				case errors.Is(err, boxoffice.ErrSeatUnavailable):
					continue
				case err != nil:
					t.Errorf("HoldSeats: %v", err)
					continue
				}
				granted.Add(1)
				if rng.IntN(2) == 0 {
					if b, err = sys.ConfirmBooking(ctx, b.ID, "card"); err != nil {
						if !errors.Is(err, boxoffice.ErrInvalidTransition) {
							t.Errorf("ConfirmBooking: %v", err)
						}
						continue
					}
				}
				mine = append(mine, b)
			}
		}()
	}
	wg.Wait()
	close(done)
	watched.Wait()
	if n := userSeats(t, watcher, show.ID, "alice", base); n > limit {
		t.Errorf("alice ends with %d seats of the show; the cap is %d", n, limit)
	}
	if granted.Load() == 0 || capped.Load() == 0 {
		t.Errorf("%d holds granted, %d refused at the cap: the test did not reach the cap", granted.Load(), capped.Load())
	}
	t.Logf("%d holds granted, %d refused at the cap", granted.Load(), capped.Load())
}

// userSeats counts, in one snapshot of the show, the seats of the user's
// bookings that own a seat and are held (live at now), paying or
// confirmed.
func userSeats(t *testing.T, s boxoffice.Store, showID, userID string, now time.Time) int {
	n := 0
	err := s.ViewShow(context.Background(), showID, func(tx boxoffice.ShowTx) error {
		n = 0
		seen := map[boxoffice.BookingID]bool{}
		for i := range tx.NumSeats() {
			slot := tx.Seat(i)
			if slot.StatusAt(now) == boxoffice.SeatAvailable || seen[slot.Booking] {
				continue
			}
			seen[slot.Booking] = true
			b, err := tx.Booking(slot.Booking)
			if err != nil {
				return err
			}
			if b.UserID == userID {
				n += len(b.Seats)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	return n
}
