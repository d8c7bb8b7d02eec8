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
	withFeed := holdReleaseWork(b, pool, goroutines, shared, func(s *pgstore.Store) *pgstore.Store { return s }, nil)
	withoutFeed := holdReleaseWork(b, pool, goroutines, shared, pgstore.WithoutFeed, nil)
	alternate(b, goroutines, "feed", withFeed, "nofeed", withoutFeed)
}

// BenchmarkHoldReleaseLimits measures what counting the per-user limits in
// PostgreSQL (boxoffice.UserLimitStore) costs the hot path: the hold +
// release of BenchmarkHoldRelease with both limits on (high enough to
// refuse nothing: each hold request is admitted in the database and each
// release ends the live hold there) and with both off, on one pool, timed
// in alternating rounds. Every goroutine is a user of its own. Metrics:
// limits-ops/s, nolimits-ops/s and ratio (limits over nolimits); ns/op is
// with limits.
func BenchmarkHoldReleaseLimits(b *testing.B) {
	for _, layout := range []string{"per-show", "shared-show"} {
		for _, goroutines := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/goroutines=%d", layout, goroutines), func(b *testing.B) {
				testPool(b)
				pool := ownPool(b, int32(max(goroutines, 4)))
				same := func(s *pgstore.Store) *pgstore.Store { return s }
				limits := holdReleaseWork(b, pool, goroutines, layout == "shared-show", same, func(c *boxoffice.Config) {
					c.HoldsPerMinute, c.MaxLiveHoldsPerUser = 1_000_000, 1_000
				})
				noLimits := holdReleaseWork(b, pool, goroutines, layout == "shared-show", same, nil)
				alternate(b, goroutines, "limits", limits, "nolimits", noLimits)
			})
		}
	}
}

// alternate times op (named name) and the baseline other in alternating
// rounds on goroutines goroutines, so that both see the same load on the
// machine, and reports name-ops/s, otherName-ops/s, their ratio, and op's
// ns/op.
func alternate(b *testing.B, goroutines int, name string, op func(g int) error, otherName string, other func(g int) error) {
	run := func(n int, op func(g int) error) time.Duration {
		start := time.Now()
		if err := runGoroutines(goroutines, n, op); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	run(4*goroutines, op)
	run(4*goroutines, other)
	const rounds = 8
	b.ResetTimer()
	var opTime, otherTime time.Duration
	for r := range rounds {
		n := b.N/rounds + btoi(r < b.N%rounds)
		if n == 0 {
			continue
		}
		// Alternate which goes first, so that neither always follows the other.
		if r%2 == 0 {
			b.StartTimer()
			opTime += run(n, op)
			b.StopTimer()
			otherTime += run(n, other)
		} else {
			otherTime += run(n, other)
			b.StartTimer()
			opTime += run(n, op)
			b.StopTimer()
		}
	}
	opRate := float64(b.N) / opTime.Seconds()
	otherRate := float64(b.N) / otherTime.Seconds()
	b.ReportMetric(float64(opTime.Nanoseconds())/float64(b.N), "ns/op")
	b.ReportMetric(opRate, name+"-ops/s")
	b.ReportMetric(otherRate, otherName+"-ops/s")
	b.ReportMetric(opRate/otherRate, "ratio")
}

// holdReleaseWork sets up what BenchmarkHoldRelease times — a schema, a
// BookingSystem on the Store that store makes of it, and the shows and
// seats of each goroutine — and returns the hold + release of goroutine g.
// The limits are off unless tune turns them on.
func holdReleaseWork(b *testing.B, pool *pgxpool.Pool, goroutines int, shared bool, store func(*pgstore.Store) *pgstore.Store, tune func(*boxoffice.Config)) func(g int) error {
	ctx := context.Background()
	s, err := pgstore.New(pool, pgstore.Options{Schema: newSchema(b, pool)})
	must(b, err)
	cfg := boxoffice.Config{
		Store: store(s), Gateway: boxoffice.NewInMemoryGateway(), Logger: slog.New(slog.DiscardHandler),
		HoldsPerMinute: -1, MaxLiveHoldsPerUser: -1,
	}
	if tune != nil {
		tune(&cfg)
	}
	sys, err := boxoffice.New(cfg)
	must(b, err)
	b.Cleanup(func() { _ = sys.Close(ctx) })

	works, _ := benchShows(b, sys, goroutines, shared)
	return func(g int) error { return holdRelease(ctx, sys, &works[g]) }
}
