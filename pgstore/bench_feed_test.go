package pgstore_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5/pgxpool"
)

// BenchmarkHoldReleaseFeed measures what notifying changed shows (the feed
// behind ListenShowChanges) costs the hot path: the hold + release of
// BenchmarkHoldRelease through two BookingSystems on one pool, each on a
// schema of its own, one whose Store notifies and one whose Store does not,
// timed in alternating rounds. Metrics: feed-ops/s, nofeed-ops/s and ratio
// (feed over nofeed); ns/op is the feed's.
func BenchmarkHoldReleaseFeed(b *testing.B) {
	for _, layout := range []string{"per-show", "shared-show"} {
		for _, goroutines := range []int{16, 64} {
			b.Run(fmt.Sprintf("%s/goroutines=%d", layout, goroutines), func(b *testing.B) {
				benchHoldReleaseFeed(b, goroutines, layout == "shared-show")
			})
		}
	}
}

func benchHoldReleaseFeed(b *testing.B, goroutines int, shared bool) {
	testPool(b) // skip or fail early when unreachable
	// One pool for both: two of 64 connections would pass PostgreSQL's
	// default max_connections.
	pool := ownPool(b, int32(max(goroutines, 4)))
	withFeed := holdReleaseWork(b, pool, goroutines, shared, func(s *pgstore.Store) *pgstore.Store { return s })
	withoutFeed := holdReleaseWork(b, pool, goroutines, shared, pgstore.WithoutFeed)
	run := func(n int, op func(g int) error) time.Duration {
		start := time.Now()
		if err := runGoroutines(goroutines, n, op); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	run(4*goroutines, withFeed)
	run(4*goroutines, withoutFeed)
	const rounds = 8
	b.ResetTimer()
	var feedTime, noFeedTime time.Duration
	for r := range rounds {
		n := b.N/rounds + btoi(r < b.N%rounds)
		if n == 0 {
			continue
		}
		// Alternate which goes first, so that neither always follows the other.
		if r%2 == 0 {
			b.StartTimer()
			feedTime += run(n, withFeed)
			b.StopTimer()
			noFeedTime += run(n, withoutFeed)
		} else {
			noFeedTime += run(n, withoutFeed)
			b.StartTimer()
			feedTime += run(n, withFeed)
			b.StopTimer()
		}
	}
	feedRate := float64(b.N) / feedTime.Seconds()
	noFeedRate := float64(b.N) / noFeedTime.Seconds()
	b.ReportMetric(float64(feedTime.Nanoseconds())/float64(b.N), "ns/op")
	b.ReportMetric(feedRate, "feed-ops/s")
	b.ReportMetric(noFeedRate, "nofeed-ops/s")
	b.ReportMetric(feedRate/noFeedRate, "ratio")
}

// holdReleaseWork sets up what BenchmarkHoldRelease times — a schema, a
// BookingSystem on the Store that store makes of it, and the shows and
// seats of each goroutine — and returns the hold + release of goroutine g.
func holdReleaseWork(b *testing.B, pool *pgxpool.Pool, goroutines int, shared bool, store func(*pgstore.Store) *pgstore.Store) func(g int) error {
	ctx := context.Background()
	s, err := pgstore.New(pool, pgstore.Options{Schema: newSchema(b, pool)})
	must(b, err)
	sys, err := boxoffice.New(boxoffice.Config{
		Store: store(s), Logger: slog.New(slog.DiscardHandler),
		HoldsPerMinute: -1, MaxLiveHoldsPerUser: -1,
	})
	must(b, err)
	b.Cleanup(func() { _ = sys.Close(ctx) })

	works, _ := benchShows(b, sys, goroutines, shared)
	return func(g int) error { return holdRelease(ctx, sys, &works[g]) }
}
