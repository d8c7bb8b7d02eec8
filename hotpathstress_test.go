package boxoffice_test

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestHotPathStressKeepsRecordsAndCounts runs holds, extensions, releases,
// confirms and sweeps of a few users on a few small shows from many
// goroutines while the clock moves past deadlines, then checks, once all
// is quiet, what concurrency on the hot path could break: every taken seat
// is owned by a live booking listing it, no seat is confirmed twice, each
// confirmed booking owns its seats as booked, no user passes
// MaxSeatsPerShow, each user's bookings index lists exactly the holds
// they were given, and each user's live-hold count is true (a fresh show
// grants exactly the holds the cap leaves).
func TestHotPathStressKeepsRecordsAndCounts(t *testing.T) {
	const (
		users    = 6
		shows    = 3
		workers  = 24
		opsEach  = 150
		ttl      = 2 * time.Minute
		maxLive  = 3
		maxSeats = 4
	)
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit, func(c *boxoffice.Config) {
				c.HoldTTL = ttl
				c.MaxLiveHoldsPerUser = maxLive
				c.MaxSeatsPerShow = maxSeats
				c.MaxHoldExtensions = -1
				c.PaymentTimeout = time.Hour
			})
			layout, err := boxoffice.ParseLayout("A RRRRRR\nB RRRRRR")
			if err != nil {
				t.Fatal(err)
			}
			h := mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{TheaterID: "T1", Name: "small", Layout: layout}))
			showIDs := make([]string, shows)
			for i := range showIDs {
				showIDs[i] = mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{MovieID: "M1", HallID: h.ID,
					Start: start.Add(48 * time.Hour).Add(time.Duration(i) * 4 * time.Hour), BasePrice: 1000})).ID
			}
			var seatIDs []string
			for _, s := range layout.Seats() {
				seatIDs = append(seatIDs, s.ID)
			}

			var mu sync.Mutex
			given := map[string][]boxoffice.BookingID{} // user → holds granted
			// The clock moves 7 s every 20 operations (some 20 minutes in
			// all, ten HoldTTLs), from a goroutine of its own, so that
			// deadlines pass in the middle of transactions.
			var done atomic.Int64
			stop := make(chan struct{})
			var clockDone sync.WaitGroup
			clockDone.Go(func() {
				moved := int64(0)
				for {
					select {
					case <-stop:
						return
					default:
					}
					if done.Load()/20 > moved {
						f.clock.Advance(7 * time.Second)
						moved++
					}
					runtime.Gosched()
				}
			})
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(w), 99))
					user := "u" + strconv.Itoa(w%users)
					pick := func() (boxoffice.BookingID, bool) {
						mu.Lock()
						defer mu.Unlock()
						ids := given[user]
						if len(ids) == 0 {
							return boxoffice.BookingID{}, false
						}
						return ids[rng.IntN(len(ids))], true
					}
					for range opsEach {
						done.Add(1)
						switch op := rng.IntN(40); {
						case op < 16:
							n := 1 + rng.IntN(2)
							var ids []string
							for _, k := range rng.Perm(len(seatIDs))[:n] {
								ids = append(ids, seatIDs[k])
							}
							b, err := f.sys.HoldSeats(f.ctx, user, showIDs[rng.IntN(shows)], ids)
							if err == nil {
								mu.Lock()
								if !slices.Contains(given[user], b.ID) {
									given[user] = append(given[user], b.ID)
								}
								mu.Unlock()
							} else if !errors.Is(err, boxoffice.ErrSeatUnavailable) && !errors.Is(err, boxoffice.ErrRateLimited) &&
								!errors.Is(err, boxoffice.ErrLimitReached) && !errors.Is(err, boxoffice.ErrAdmissionLapsed) {
								t.Errorf("hold: %v", err)
							}
						case op < 26:
							if id, ok := pick(); ok {
								_, _ = f.sys.ExtendHold(f.ctx, id)
							}
						case op < 34:
							if id, ok := pick(); ok {
								_, _ = f.sys.ReleaseHold(f.ctx, id)
							}
						case op < 36:
							if id, ok := pick(); ok {
								_, _ = f.sys.ConfirmBooking(f.ctx, id, "card")
							}
						default:
							if _, err := f.sys.Sweep(f.ctx); err != nil {
								t.Errorf("Sweep: %v", err)
							}
						}
					}
				})
			}
			wg.Wait()
			close(stop)
			clockDone.Wait()
			now := f.clock.Now()

			for _, id := range showIDs {
				if err := checkStoredSeats(f.ctx, f.store, layout, id, now); err != nil {
					t.Error(err)
				}
			}
			confirmedBy := map[string]boxoffice.BookingID{}
			seatsOf := map[string]int{} // user/show → seats counted by MaxSeatsPerShow
			for u := range users {
				user := "u" + strconv.Itoa(u)
				all, err := allBookingsOfUser(f.ctx, f.sys, user)
				if err != nil {
					t.Fatal(err)
				}
				var listed []boxoffice.BookingID
				live := 0
				for _, b := range all {
					listed = append(listed, b.ID)
					switch {
					case b.Status == boxoffice.StatusConfirmed:
						seatsOf[user+"/"+b.ShowID] += len(b.Seats)
						for _, s := range b.Seats {
							key := b.ShowID + "/" + s.ID
							if other, dup := confirmedBy[key]; dup {
								t.Errorf("seat %s confirmed twice: %s and %s", key, other, b.ID)
							}
							confirmedBy[key] = b.ID
						}
					case b.Status == boxoffice.StatusHeld && now.Before(b.HeldUntil):
						live++
						seatsOf[user+"/"+b.ShowID] += len(b.Seats)
					case b.Status == boxoffice.StatusPaying:
						t.Errorf("booking %s still paying once all is quiet", b.ID)
					}
				}
				want := slices.Clone(given[user])
				slices.SortFunc(want, func(a, b boxoffice.BookingID) int { return compareIDs(a, b) })
				slices.SortFunc(listed, func(a, b boxoffice.BookingID) int { return compareIDs(a, b) })
				if !slices.Equal(listed, want) {
					t.Errorf("user %s: BookingsOfUser lists %d bookings; %d holds were granted", user, len(listed), len(want))
				}
				// The live-hold count: a fresh show grants exactly what the
				// cap leaves.
				fresh := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "fresh-" + user, MovieID: "M1", HallID: h.ID,
					Start: start.Add(10 * 24 * time.Hour).Add(time.Duration(u) * 4 * time.Hour), BasePrice: 1000}))
				granted := 0
				for _, s := range seatIDs {
					if _, err := f.sys.HoldSeats(f.ctx, user, fresh.ID, []string{s}); err != nil {
						if !errors.Is(err, boxoffice.ErrRateLimited) {
							t.Errorf("fresh hold: %v", err)
						}
						break
					}
					granted++
				}
				if wantGranted := max(0, maxLive-live); granted != wantGranted {
					t.Errorf("user %s with %d live holds: a fresh show granted %d more; want %d (cap %d)", user, live, granted, wantGranted, maxLive)
				}
			}
			for k, n := range seatsOf {
				if n > maxSeats {
					t.Errorf("%s holds or bought %d seats; MaxSeatsPerShow is %d", k, n, maxSeats)
				}
			}
			t.Logf("%d seats confirmed", len(confirmedBy))
		})
	}
}

func compareIDs(a, b boxoffice.BookingID) int {
	return slices.Compare(a[:], b[:])
}
