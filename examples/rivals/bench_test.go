package rivals

// BenchmarkRivals: hold + release of 4 seats of a 600-seat show through
// each rival and, in the same run, through boxoffice in-process
// (MemoryStore), reported as a ratio to the library:
//
//	go test -run '^$' -bench BenchmarkRivals -benchtime 1s -count 3 ./examples/rivals
//
// one-goroutine: one goroutine on one show. shows=1000: 16 goroutines
// across 1,000 shows, goroutine g on seat group g of the shows g, g+16,
// g+32..., so that they never meet on a seat; ns/op is then wall time over
// operations, the inverse of throughput. The rival and the library run in
// 8 alternating rounds (the library's on its own clock, with b's timer
// stopped, and at least minLibraryOps operations long), so that both see
// the machine in the same state. Metrics: ns/op (the rival's),
// library-ns/op, x-library (rival over library: how many times the
// library's time a hold + release takes). Sixteen goroutines, not
// GOMAXPROCS: the rivals wait on the network, and with 2 they would mostly
// measure round trips. Every fresh system has each show warmed up by one
// hold + release, untimed.
//
// Nothing piles up across b.N: RedisLocks deletes what it released,
// SQLRows's released bookings are deleted between rounds, and the
// library's systems (and pgstore's schemas) are replaced, untimed, every
// opsPerSystem operations, as in the root package's benchmarks.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

const (
	// opsPerSystem bounds the bookings a side keeps: after that many
	// operations it starts on a fresh system.
	opsPerSystem = 10_000
	// rounds is how many rounds of each side a benchmark runs, alternating.
	rounds = 8
	// minLibraryOps is the least a round of the library does: the rivals'
	// rounds can be a few hundred operations, which the library does in
	// under a millisecond, too short a span to time on a shared machine.
	minLibraryOps = 5_000
	// The shows' layout: 20 rows of 30.
	benchRows, benchPerRow = 20, 30
)

// benchOp is one hold + release.
type benchOp func(ctx context.Context, user, show string, seats []string) error

// benchSide is one side of the comparison: fresh makes (untimed) a system
// with the shows, returning its operation and what closes it.
type benchSide struct {
	fresh func() (benchOp, func())
	op    benchOp
	close func()
	done  int // operations on the current system
}

// ready moves to a fresh system, with every show warmed up by one hold +
// release (the library and pgstore load a show's entry on first use), if
// n more operations would take the current one past opsPerSystem.
func (s *benchSide) ready(tb testing.TB, n, goroutines int, shows []string, groups [][]string) {
	if s.op != nil && s.done+n <= opsPerSystem {
		return
	}
	if s.close != nil {
		s.close()
	}
	s.op, s.close = s.fresh()
	s.done = 0
	s.each(tb, len(shows), goroutines, func(k int) (string, string, []string) {
		return "warm-up", shows[k], groups[0]
	})
}

// run does n operations with the given goroutines on the shows (call
// ready first) and returns how long they took.
func (s *benchSide) run(tb testing.TB, n, goroutines int, shows []string, groups [][]string) time.Duration {
	s.done += n
	start := time.Now()
	s.each(tb, n, goroutines, func(k int) (string, string, []string) {
		g := k % goroutines
		return users[g%len(users)], shows[k%len(shows)], groups[g%len(groups)]
	})
	return time.Since(start)
}

// users are the goroutines' users, one each.
var users = func() []string {
	u := make([]string, 64)
	for i := range u {
		u[i] = fmt.Sprint("user-", i)
	}
	return u
}()

// each does the operations 0..n-1 on goroutines goroutines, goroutine g
// doing g, g+goroutines...; what(k) is operation k's user, show and seats.
func (s *benchSide) each(tb testing.TB, n, goroutines int, what func(k int) (user, show string, seats []string)) {
	ctx := context.Background()
	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for k := g; k < n; k += goroutines {
				user, show, seats := what(k)
				if err := s.op(ctx, user, show, seats); err != nil {
					errs[g] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		tb.Fatal(err)
	}
}

func (s *benchSide) stop() {
	if s.close != nil {
		s.close()
	}
}

func BenchmarkRivals(b *testing.B) {
	layout, err := boxoffice.GridLayout(benchRows, benchPerRow, func(int, int) boxoffice.SeatType { return boxoffice.Regular })
	if err != nil {
		b.Fatal(err)
	}
	var seatIDs []string
	for _, s := range layout.Seats() {
		seatIDs = append(seatIDs, s.ID)
	}
	var groups [][]string
	for i := 0; i+4 <= len(seatIDs); i += 4 {
		groups = append(groups, seatIDs[i:i+4])
	}
	for _, mode := range []struct {
		name              string
		shows, goroutines int
	}{{"one-goroutine", 1, 1}, {"shows=1000", 1000, 16}} {
		shows := make([]string, mode.shows)
		for i := range shows {
			shows[i] = fmt.Sprint("show-", i)
		}
		for _, rv := range []string{"redis", "sql", "pgstore"} {
			b.Run(mode.name+"/"+rv, func(b *testing.B) {
				lib := &benchSide{fresh: func() (benchOp, func()) { return libraryOn(b, nil, shows, layout) }}
				defer lib.stop()
				riv := rivalSide(b, rv, mode.goroutines, shows, seatIDs, layout)
				defer riv.stop()
				// Warm both up: connections, scripts, prepared statements.
				for _, side := range []*benchSide{riv, lib} {
					side.ready(b, 4*mode.goroutines, mode.goroutines, shows, groups)
					side.run(b, 4*mode.goroutines, mode.goroutines, shows, groups)
				}
				b.ResetTimer()
				var libTime time.Duration
				var libOps int
				for r := range rounds {
					n := b.N/rounds + btoi(r < b.N%rounds)
					if n == 0 {
						continue
					}
					b.StopTimer()
					riv.ready(b, n, mode.goroutines, shows, groups)
					b.StartTimer()
					riv.run(b, n, mode.goroutines, shows, groups)
					b.StopTimer()
					m := max(n, minLibraryOps)
					lib.ready(b, m, mode.goroutines, shows, groups)
					libTime += lib.run(b, m, mode.goroutines, shows, groups)
					libOps += m
				}
				libNs := float64(libTime.Nanoseconds()) / float64(libOps)
				rivNs := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.ReportMetric(libNs, "library-ns/op")
				b.ReportMetric(rivNs/libNs, "x-library")
			})
		}
	}
}

// rivalSide is the named rival with the shows, on the test services.
func rivalSide(b *testing.B, name string, goroutines int, shows, seatIDs []string, layout *boxoffice.Layout) *benchSide {
	ctx := context.Background()
	switch name {
	case "redis":
		r := newTestRedisLocks(b, testRedis(b, goroutines), holdScript)
		op := func(ctx context.Context, user, show string, seats []string) error {
			id, err := r.Hold(ctx, user, show, seats, t0)
			if err != nil {
				return err
			}
			return r.Release(ctx, id)
		}
		return &benchSide{fresh: func() (benchOp, func()) { return op, nil }}
	case "sql":
		pool := testPool(b, int32(max(goroutines, 4)))
		r := newTestSQLRows(b, pool, holdSeatsSQL, shows, seatIDs)
		op := func(ctx context.Context, user, show string, seats []string) error {
			id, err := r.Hold(ctx, user, show, seats, t0)
			if err != nil {
				return err
			}
			return r.Release(ctx, id)
		}
		return &benchSide{fresh: func() (benchOp, func()) {
			if err := r.ForgetBookings(ctx); err != nil {
				b.Fatal(err)
			}
			return op, nil
		}}
	case "pgstore":
		pool := testPool(b, int32(max(goroutines, 4)))
		return &benchSide{fresh: func() (benchOp, func()) {
			schema := randomName("rivals_pgstore_")
			// Dropped by close as soon as the next round replaces it, and
			// here too in case the benchmark fails before.
			b.Cleanup(func() { dropSchema(b, pool, schema) })
			if err := pgstore.Migrate(ctx, pool, pgstore.Options{Schema: schema}); err != nil {
				b.Fatal(err)
			}
			store, err := pgstore.New(pool, pgstore.Options{Schema: schema})
			if err != nil {
				b.Fatal(err)
			}
			op, closeSys := libraryOn(b, store, shows, layout)
			return op, func() { closeSys(); dropSchema(b, pool, schema) }
		}}
	}
	b.Fatalf("no rival %q", name)
	return nil
}

// libraryOn is a BookingSystem on store (MemoryStore if nil) with the
// shows, each in a hall of the layout (100 shows a hall, four hours
// apart), and its hold + release.
func libraryOn(tb testing.TB, store boxoffice.Store, shows []string, layout *boxoffice.Layout) (benchOp, func()) {
	ctx := context.Background()
	sys, err := boxoffice.New(boxoffice.Config{Store: store, Gateway: boxoffice.NewInMemoryGateway(), Clock: fakeclock.New(t0.Add(-60 * 24 * time.Hour)),
		HoldsPerMinute: -1, MaxLiveHoldsPerUser: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	m, err := sys.AddMovie(ctx, boxoffice.Movie{ID: "movie", Title: "Bench", Duration: 2 * time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	th, err := sys.AddTheater(ctx, boxoffice.Theater{ID: "theater", Name: "Bench", City: "Pune"})
	if err != nil {
		tb.Fatal(err)
	}
	var hall string
	for i, id := range shows {
		if i%100 == 0 {
			h, err := sys.AddHall(ctx, boxoffice.Hall{ID: fmt.Sprint("hall-", i/100), TheaterID: th.ID, Name: "Hall", Layout: layout})
			if err != nil {
				tb.Fatal(err)
			}
			hall = h.ID
		}
		if _, err := sys.ScheduleShow(ctx, boxoffice.Show{ID: id, MovieID: m.ID, HallID: hall, BasePrice: 1200,
			Start: t0.Add(time.Duration(i%100) * 4 * time.Hour)}); err != nil {
			tb.Fatal(err)
		}
	}
	op := func(ctx context.Context, user, show string, seats []string) error {
		bk, err := sys.HoldSeats(ctx, user, show, seats)
		if err != nil {
			return err
		}
		_, err = sys.ReleaseHold(ctx, bk.ID)
		return err
	}
	return op, func() { _ = sys.Close(ctx) }
}

func btoi(v bool) int {
	if v {
		return 1
	}
	return 0
}
