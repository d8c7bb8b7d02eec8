// Package seatcapload drives one user's holds, payments, releases and
// cancellations on one show from many goroutines through several
// BookingSystems at once, and watches that the user never has more seats
// of the show than Config.MaxSeatsPerShow: the concurrency test of the
// seat cap, shared by the tests of both modules (in-memory and pgstore).
package seatcapload

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
)

// Run is one run of the load.
type Run struct {
	Systems []*boxoffice.BookingSystem // the processes, as it were, sharing one Store
	Watcher boxoffice.Store            // read for snapshots of the show
	ShowID  string
	UserID  string
	SeatIDs []string  // the seats to hold: few, for conflicts too
	Now     time.Time // the Clock's time, which the run does not move
	Limit   int       // the systems' Config.MaxSeatsPerShow
	Workers int       // goroutines per system
	Ops     int       // operations per goroutine
	Seed    uint64
}

// Check runs the load and fails t if a snapshot of the show, taken every
// millisecond meanwhile and once at the end, has the user with more than
// Limit seats, or if the run never reached the cap (no hold granted, or
// none refused at it). Each goroutine holds 1 to 3 seats, confirms half of
// its holds, and ends (releases or cancels) one of its bookings half the
// time.
func (r Run) Check(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	done := make(chan struct{})
	var watched sync.WaitGroup
	watched.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if n := r.seats(t); n > r.Limit {
				t.Errorf("%s has %d seats of the show; the cap is %d", r.UserID, n, r.Limit)
				return
			}
		}
	})

	var granted, capped atomic.Int64
	var wg sync.WaitGroup
	for w := range len(r.Systems) * r.Workers {
		sys := r.Systems[w%len(r.Systems)]
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), r.Seed))
			var mine []boxoffice.Booking
			for range r.Ops {
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
					// that hold, perhaps another goroutine's, which may
					// have ended it since.
					if err != nil && !errors.Is(err, boxoffice.ErrInvalidTransition) {
						t.Errorf("ending a %s booking: %v", b.Status, err)
					}
					continue
				}
				seats := make([]string, 1+rng.IntN(3))
				for i, j := range rng.Perm(len(r.SeatIDs))[:len(seats)] {
					seats[i] = r.SeatIDs[j]
				}
				b, err := sys.HoldSeats(ctx, r.UserID, r.ShowID, seats)
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
		})
	}
	wg.Wait()
	close(done)
	watched.Wait()
	if n := r.seats(t); n > r.Limit {
		t.Errorf("%s ends with %d seats of the show; the cap is %d", r.UserID, n, r.Limit)
	}
	if granted.Load() == 0 || capped.Load() == 0 {
		t.Errorf("%d holds granted, %d refused at the cap: the run did not reach the cap", granted.Load(), capped.Load())
	}
}

// seats counts, in one snapshot of the show, the seats of the user's
// bookings that own a seat and are held (live at Now), paying or
// confirmed.
func (r Run) seats(t testing.TB) int {
	n := 0
	err := r.Watcher.ViewShow(context.Background(), r.ShowID, func(tx boxoffice.ShowTx) error {
		n = 0
		seen := map[boxoffice.BookingID]bool{}
		for i := range tx.NumSeats() {
			slot := tx.Seat(i)
			if slot.StatusAt(r.Now) == boxoffice.SeatAvailable || seen[slot.Booking] {
				continue
			}
			seen[slot.Booking] = true
			b, err := tx.Booking(slot.Booking)
			if err != nil {
				return err
			}
			if b.UserID == r.UserID {
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
