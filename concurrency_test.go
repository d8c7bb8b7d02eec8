package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestThousandGoroutinesNeverDoubleSell has 1,000 goroutines fight over the
// seats of one hot show and of many shows, holding, paying and releasing at
// random; afterwards every seat has at most one owner and the counts add up.
func TestThousandGoroutinesNeverDoubleSell(t *testing.T) {
	for _, path := range storePaths {
		for _, nShows := range []int{1, 50} {
			t.Run(fmt.Sprintf("%s/%d shows", path.name, nShows), func(t *testing.T) {
				f := newFixture(t, path.edit, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = -1 })
				ctx := context.Background()
				shows := make([]string, nShows)
				for i := range shows {
					h := mustT[boxoffice.Hall](t)(f.sys.AddHall(ctx, boxoffice.Hall{TheaterID: "T1", Name: "h", Layout: boxoffice.SeedLayout()}))
					shows[i] = mustT[boxoffice.Show](t)(f.sys.ScheduleShow(ctx, boxoffice.Show{MovieID: "M1", HallID: h.ID,
						Start: start.Add(24 * time.Hour), BasePrice: 1000})).ID
				}
				seats := boxoffice.SeedLayout().Seats()
				const workers = 1000
				var held, conflicts, paid atomic.Int64
				users := make([]string, workers)
				var wg sync.WaitGroup
				for w := range workers {
					users[w] = fmt.Sprintf("user%d", w)
					wg.Go(func() {
						rng := rand.New(rand.NewPCG(uint64(w), 7))
						for range 5 {
							show := shows[rng.IntN(len(shows))]
							n := 1 + rng.IntN(4)
							ids := make([]string, 0, n)
							for _, k := range rng.Perm(len(seats))[:n] {
								ids = append(ids, seats[k].ID)
							}
							b, err := f.sys.HoldSeats(ctx, users[w], show, ids)
							switch {
							case errors.Is(err, boxoffice.ErrSeatUnavailable):
								conflicts.Add(1)
								continue
							case err != nil:
								t.Errorf("hold: %v", err)
								return
							}
							held.Add(1)
							if rng.IntN(2) == 0 {
								if _, err := f.sys.ConfirmBooking(ctx, b.ID, "card"); err != nil {
									t.Errorf("confirm: %v", err)
									return
								}
								paid.Add(1)
							} else if _, err := f.sys.ReleaseHold(ctx, b.ID); err != nil {
								t.Errorf("release: %v", err)
								return
							}
						}
					})
				}
				waitGroup(t, &wg, "the workers' holds, confirms and releases")
				if held.Load() == 0 || (nShows == 1 && conflicts.Load() == 0) {
					t.Fatalf("held %d, conflicts %d: the test did not contend", held.Load(), conflicts.Load())
				}
				assertOneOwnerPerSeat(t, f.sys, users, f.clock.Now())

				// Every booked seat in the seat maps belongs to exactly one
				// confirmed booking, and nothing else is taken.
				bookedBy := map[string]int{}
				confirmed := 0
				for _, u := range users {
					for _, b := range mustT[[]boxoffice.Booking](t)(allBookingsOfUser(ctx, f.sys, u)) {
						if b.Status == boxoffice.StatusConfirmed {
							confirmed++
							for _, s := range b.Seats {
								bookedBy[b.ShowID+"/"+s.ID]++
							}
						}
					}
				}
				if confirmed != int(paid.Load()) {
					t.Errorf("%d confirmed bookings; %d confirms succeeded", confirmed, paid.Load())
				}
				for _, show := range shows {
					m := mustT[boxoffice.SeatMap](t)(f.sys.SeatMap(ctx, show))
					booked := 0
					for _, s := range m.Seats {
						switch s.Status {
						case boxoffice.SeatBooked:
							booked++
							if bookedBy[show+"/"+s.ID] != 1 {
								t.Errorf("%s/%s is booked but owned by %d confirmed bookings", show, s.ID, bookedBy[show+"/"+s.ID])
							}
						case boxoffice.SeatHeld:
							t.Errorf("%s/%s is still held after every hold was paid or released", show, s.ID)
						}
					}
					if booked+m.Free != len(m.Seats) {
						t.Errorf("%s: %d booked + %d free ≠ %d seats", show, booked, m.Free, len(m.Seats))
					}
				}
				charged, refunded := f.gateway.Totals()
				var total boxoffice.Money
				for _, u := range users {
					for _, b := range mustT[[]boxoffice.Booking](t)(allBookingsOfUser(ctx, f.sys, u)) {
						if b.Status == boxoffice.StatusConfirmed {
							total += b.Total
						}
					}
				}
				if charged-refunded != total {
					t.Errorf("ledger: charged %s − refunded %s ≠ confirmed total %s", charged, refunded, total)
				}
			})
		}
	}
}
