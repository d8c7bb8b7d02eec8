package pgstore_test

import (
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// TestLiveHoldCapAcrossShowsAndInstances: two BookingSystems on one
// schema, as two processes, with goroutines of one user holding seats of
// three shows at once, releasing, extending and paying for them, in
// rounds between which the clock moves on a minute (holds last three):
// extensions extend, and holds lapse. A sampler reads the user's live
// holds from the bookings table, the Store's own view, not the limits'
// count: at no moment are there more than Config.MaxLiveHoldsPerUser.
// (The clock moves only between rounds: moved during one, a minute would
// pass while a hold's new deadline is on its way to user_limits, which
// the one-second margin of the limits leaves it.)
func TestLiveHoldCapAcrossShowsAndInstances(t *testing.T) {
	t.Parallel()
	const (
		limit   = 2
		workers = 4 // per instance
		rounds  = 20
		ops     = 4 // per worker and round
	)
	pool, schema, show := schemaWithShow(t)
	store, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	ctx := t.Context()
	shows := []boxoffice.Show{show}
	for i := 1; i < 3; i++ {
		sh := show
		sh.ID = show.ID + string(rune('0'+i))
		sh.Start, sh.End = show.Start.Add(time.Duration(3*i)*time.Hour), show.End.Add(time.Duration(3*i)*time.Hour)
		must(t, store.AddShow(ctx, sh, boxoffice.SeedLayout(), boxoffice.Interval{Start: sh.Start, End: sh.End}, nil))
		shows = append(shows, sh)
	}
	base := show.Start.Add(-8 * time.Hour)
	// One Clock for both: Options.MaxClockSkew is zero.
	clock := fakeclock.New(base)
	gateway := boxoffice.NewInMemoryGateway()
	var instances []*instance
	for range 2 {
		instances = append(instances, newInstance(t, schema, base, 0, gateway, func(c *boxoffice.Config) {
			c.Clock = clock
			c.MaxLiveHoldsPerUser = limit
			c.HoldsPerMinute = -1
			c.MaxHoldExtensions = -1
			c.HoldTTL = 3 * time.Minute
		}))
	}
	var seats []string
	for _, s := range boxoffice.SeedLayout().Seats()[:12] {
		seats = append(seats, s.ID)
	}

	// The sampler counts the holds whose deadline is after the time read
	// once the count is made: a hold that lapsed by then (which the
	// limits no longer count) is never counted.
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	var most, samples int
	sampler.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			var deadlines []time.Time
			rows, err := pool.Query(ctx, `SELECT held_until FROM `+quote(schema)+`.bookings WHERE user_id = 'alice' AND status = 'held'`)
			if err == nil {
				for rows.Next() {
					var until time.Time
					if err := rows.Scan(&until); err != nil {
						break
					}
					deadlines = append(deadlines, until)
				}
				rows.Close()
				err = rows.Err()
			}
			if err != nil {
				t.Errorf("reading the live holds: %v", err)
				return
			}
			now, n := clock.Now(), 0
			for _, d := range deadlines {
				if d.After(now) {
					n++
				}
			}
			samples++
			most = max(most, n)
		}
	})

	var granted atomic.Int64
	type worker struct {
		sys  *boxoffice.BookingSystem
		rng  *rand.Rand
		mine []boxoffice.BookingID
	}
	var all []*worker
	for i, in := range instances {
		for w := range workers {
			all = append(all, &worker{sys: in.sys, rng: rand.New(rand.NewPCG(uint64(i), uint64(w)))})
		}
	}
	for range rounds {
		var wg sync.WaitGroup
		for _, w := range all {
			wg.Go(func() {
				for range ops {
					switch op := w.rng.IntN(10); {
					case op < 4 || len(w.mine) == 0:
						sh := shows[w.rng.IntN(len(shows))]
						b, err := w.sys.HoldSeats(ctx, "alice", sh.ID, []string{seats[w.rng.IntN(len(seats))]})
						switch {
						case err == nil:
							granted.Add(1)
							w.mine = append(w.mine, b.ID)
						case !errors.Is(err, boxoffice.ErrRateLimited) && !errors.Is(err, boxoffice.ErrSeatUnavailable):
							t.Errorf("hold: %v", err)
						}
					case op < 8:
						_, _ = w.sys.ExtendHold(ctx, w.mine[w.rng.IntN(len(w.mine))])
					case op < 9:
						_, _ = w.sys.ReleaseHold(ctx, w.mine[w.rng.IntN(len(w.mine))])
					default:
						_, _ = w.sys.ConfirmBooking(ctx, w.mine[w.rng.IntN(len(w.mine))], "card")
					}
				}
			})
		}
		waitGroup(t, &wg, "a round of the user's calls")
		clock.Advance(time.Minute)
	}
	close(stop)
	waitGroup(t, &sampler, "the sampler")
	if most > limit {
		t.Errorf("the bookings table held %d live holds of the user at once; the cap is %d", most, limit)
	}
	if granted.Load() <= 2*limit {
		t.Errorf("only %d holds granted: the test exercised no turnover", granted.Load())
	}
	t.Logf("%d holds granted, %d samples, at most %d live at once", granted.Load(), samples, most)
}
