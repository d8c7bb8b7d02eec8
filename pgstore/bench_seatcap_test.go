package pgstore_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// BenchmarkHoldSeatCap holds four seats and releases them again through
// two BookingSystems on one schema and pool, one without
// Config.MaxSeatsPerShow and one with it (8), each goroutine on a show of
// its own, timed in alternating rounds of the same size so that both see
// the same load on the machine. With kept=1, each goroutine's user also
// keeps a hold of one other seat of the show, which the cap counts.
// Metrics: off-ns/op and on-ns/op (a hold and its release), ratio (on over
// off); ns/op is the cap's.
func BenchmarkHoldSeatCap(b *testing.B) {
	for _, kept := range []int{0, 1} {
		for _, goroutines := range []int{1, 16} {
			b.Run(fmt.Sprintf("kept=%d/goroutines=%d", kept, goroutines), func(b *testing.B) {
				benchHoldSeatCap(b, goroutines, kept)
			})
		}
	}
}

func benchHoldSeatCap(b *testing.B, goroutines, kept int) {
	testPool(b) // skip or fail early when unreachable
	pool := ownPool(b, int32(max(goroutines, 4)))
	schema := newSchema(b, pool)
	ctx := context.Background()
	var works [2][]benchWork
	var systems [2]*boxoffice.BookingSystem
	for k, limit := range []int{0, 8} {
		store, err := pgstore.New(pool, pgstore.Options{Schema: schema})
		must(b, err)
		sys, err := boxoffice.New(boxoffice.Config{
			Store: store, Gateway: boxoffice.NewInMemoryGateway(), Logger: slog.New(slog.DiscardHandler),
			HoldsPerMinute: -1, MaxLiveHoldsPerUser: -1, MaxSeatsPerShow: limit, HoldTTL: time.Hour,
		})
		must(b, err)
		defer sys.Close(ctx)
		systems[k] = sys
		works[k], _ = benchShows(b, sys, goroutines, false)
		for _, w := range works[k][:kept*goroutines] {
			// The seat after the goroutine's four, held for the run.
			seats := boxoffice.SeedLayout().Seats()
			_, err := sys.HoldSeats(ctx, w.user, w.show, []string{seats[4].ID})
			must(b, err)
		}
	}
	run := func(n, k int) time.Duration {
		start := time.Now()
		if err := runGoroutines(goroutines, n, func(g int) error { return holdRelease(ctx, systems[k], &works[k][g]) }); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	run(4*goroutines, 0)
	run(4*goroutines, 1)
	const rounds = 8
	b.ResetTimer()
	var off, on time.Duration
	for r := range rounds {
		n := b.N/rounds + btoi(r < b.N%rounds)
		if n == 0 {
			continue
		}
		off += run(n, 0)
		on += run(n, 1)
	}
	b.StopTimer()
	b.ReportMetric(float64(on.Nanoseconds())/float64(b.N), "ns/op")
	b.ReportMetric(float64(off.Nanoseconds())/float64(b.N), "off-ns/op")
	b.ReportMetric(float64(on.Nanoseconds())/float64(b.N), "on-ns/op")
	b.ReportMetric(float64(on)/float64(off), "ratio")
}
