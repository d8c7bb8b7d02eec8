package pgstore_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/google/uuid"
)

// BenchmarkHoldRelease holds four seats and releases them again, through a
// BookingSystem on pgstore and, in the same run and on the same pool, with
// the least a database can do for it: one conditional UPDATE ... RETURNING
// on a plain table of seat rows to hold and one to release, each its own
// transaction. Every goroutine works on four seats of its own, so nothing
// is refused; per-show is one show per goroutine, shared-show packs 15
// goroutines into each show of 60 seats, so that they queue on its lock.
//
// The two are timed in alternating rounds of the same size, so that both
// see the same load on the machine. Metrics: pgstore-ops/s and
// baseline-ops/s (hold + release pairs per second), ratio (pgstore over
// baseline); ns/op is pgstore's. The goroutine counts are exact (the
// benchmark starts them itself rather than through b.SetParallelism, which
// multiplies by GOMAXPROCS).
func BenchmarkHoldRelease(b *testing.B) {
	for _, layout := range []string{"per-show", "shared-show"} {
		for _, goroutines := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("%s/goroutines=%d", layout, goroutines), func(b *testing.B) {
				benchHoldRelease(b, goroutines, layout == "shared-show")
			})
		}
	}
}

func benchHoldRelease(b *testing.B, goroutines int, shared bool) {
	testPool(b) // skip or fail early when unreachable
	pool := ownPool(b, int32(max(goroutines, 4)))
	schema := newSchema(b, pool)
	ctx := context.Background()
	store, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(b, err)
	sys, err := boxoffice.New(boxoffice.Config{
		Store: store, Gateway: boxoffice.NewInMemoryGateway(), Logger: slog.New(slog.DiscardHandler),
		HoldsPerMinute: -1, MaxLiveHoldsPerUser: -1,
	})
	must(b, err)
	defer sys.Close(ctx)

	works, layout := benchShows(b, sys, goroutines, shared)

	// The baseline's table: a row per seat of the same shows.
	_, err = pool.Exec(ctx, `CREATE TABLE `+quote(schema)+`.bench_seats (
		show_id text, seat_id text, holder uuid, held_until timestamptz, PRIMARY KEY (show_id, seat_id))`)
	must(b, err)
	_, err = pool.Exec(ctx, `INSERT INTO `+quote(schema)+`.bench_seats (show_id, seat_id)
		SELECT show_id, seat FROM `+quote(schema)+`.show_seats, unnest($1::text[]) AS seat`, seatIDs(layout))
	must(b, err)
	holdSQL := `UPDATE ` + quote(schema) + `.bench_seats SET holder = $3, held_until = $4
		WHERE show_id = $1 AND seat_id = ANY($2) AND (holder IS NULL OR held_until <= $5) RETURNING seat_id`
	releaseSQL := `UPDATE ` + quote(schema) + `.bench_seats SET holder = NULL, held_until = NULL
		WHERE show_id = $1 AND holder = $2 RETURNING seat_id`

	storeOp := func(w *benchWork) error { return holdRelease(ctx, sys, w) }
	baselineOp := func(w *benchWork) error {
		id, now := uuid.New(), time.Now()
		rows, err := pool.Query(ctx, holdSQL, w.show, w.seats, id, now.Add(10*time.Minute), now)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n != len(w.seats) {
			return fmt.Errorf("baseline held %d of %d seats", n, len(w.seats))
		}
		tag, err := pool.Exec(ctx, releaseSQL, w.show, id)
		if err == nil && tag.RowsAffected() != int64(len(w.seats)) {
			err = fmt.Errorf("baseline released %d of %d seats", tag.RowsAffected(), len(w.seats))
		}
		return err
	}

	// Warm both up (connections, prepared statements, caches), then time
	// them in alternating rounds, so that both see the same load on the
	// machine.
	run := func(n int, op func(*benchWork) error) time.Duration {
		start := time.Now()
		if err := runGoroutines(goroutines, n, func(g int) error { return op(&works[g]) }); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	run(4*goroutines, storeOp)
	run(4*goroutines, baselineOp)
	const rounds = 8
	b.ResetTimer()
	var storeTime, baselineTime time.Duration
	for r := range rounds {
		n := b.N/rounds + btoi(r < b.N%rounds)
		if n == 0 {
			continue
		}
		b.StartTimer()
		storeTime += run(n, storeOp)
		b.StopTimer()
		baselineTime += run(n, baselineOp)
	}

	storeRate := float64(b.N) / storeTime.Seconds()
	baselineRate := float64(b.N) / baselineTime.Seconds()
	b.ReportMetric(float64(storeTime.Nanoseconds())/float64(b.N), "ns/op")
	b.ReportMetric(storeRate, "pgstore-ops/s")
	b.ReportMetric(baselineRate, "baseline-ops/s")
	b.ReportMetric(storeRate/baselineRate, "ratio")
}

func btoi(v bool) int {
	if v {
		return 1
	}
	return 0
}

// runGoroutines runs op n times in all, spread over exactly goroutines
// goroutines; op gets its goroutine's number.
func runGoroutines(goroutines, n int, op func(g int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if err := op(g); err != nil {
					errs[g] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func seatIDs(l *boxoffice.Layout) []string {
	ids := make([]string, l.Len())
	for i, s := range l.Seats() {
		ids[i] = s.ID
	}
	return ids
}

// benchWork is what one goroutine of the hold + release benchmarks holds
// and releases.
type benchWork struct {
	show  string
	seats []string
	user  string
}

// benchShows schedules the shows of the hold + release benchmarks on sys,
// one per goroutine or, shared, one per 15 goroutines, and returns each
// goroutine's work and the shows' layout.
func benchShows(b *testing.B, sys *boxoffice.BookingSystem, goroutines int, shared bool) ([]benchWork, *boxoffice.Layout) {
	ctx := context.Background()
	perShow := 1
	if shared {
		perShow = 15
	}
	layout := boxoffice.SeedLayout()
	movie, err := sys.AddMovie(ctx, boxoffice.Movie{Title: "Bench", Duration: time.Hour})
	must(b, err)
	theater, err := sys.AddTheater(ctx, boxoffice.Theater{Name: "Bench", City: "Bench"})
	must(b, err)
	works := make([]benchWork, goroutines)
	var show boxoffice.Show
	for g := range goroutines {
		if g%perShow == 0 {
			hall, err := sys.AddHall(ctx, boxoffice.Hall{TheaterID: theater.ID, Name: "h", Layout: layout})
			must(b, err)
			show, err = sys.ScheduleShow(ctx, boxoffice.Show{MovieID: movie.ID, HallID: hall.ID,
				Start: time.Now().Add(24 * time.Hour), BasePrice: 10_00})
			must(b, err)
		}
		k := g % perShow * 4
		w := benchWork{show: show.ID, user: fmt.Sprint("user-", g)}
		for _, s := range layout.Seats()[k : k+4] {
			w.seats = append(w.seats, s.ID)
		}
		works[g] = w
	}
	return works, layout
}

// holdRelease holds w's seats through sys and releases them.
func holdRelease(ctx context.Context, sys *boxoffice.BookingSystem, w *benchWork) error {
	bk, err := sys.HoldSeats(ctx, w.user, w.show, w.seats)
	if err != nil {
		return err
	}
	_, err = sys.ReleaseHold(ctx, bk.ID)
	return err
}
