package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The instant and the cutoff the payments in flight of inFlight are
// listed at: the default settings' 345 s (3 × 15 s + 5 min) before now.
var (
	flightNow    = time.Date(2030, time.July, 2, 9, 0, 0, 0, time.UTC)
	flightBefore = flightNow.Add(-345 * time.Second)
)

// inFlight stores, in schema, 5,000 confirmed bookings, live payments,
// 10 payments abandoned at flightNow by their recorded bound (paying
// since before and after the live ones), and 3 payments without a bound
// (stored before migration 0011), 2 of them paying since before
// flightBefore; it returns the 12 abandoned, the longest paying first.
func inFlight(t testing.TB, pool *pgxpool.Pool, schema string, live int) []boxoffice.BookingRef {
	t.Helper()
	ctx := context.Background()
	insert := `INSERT INTO ` + quote(schema) + `.bookings (id, show_id, user_id, status, seats, total, created_at, updated_at, payment_live_until)
		SELECT gen_random_uuid(), 's' || i % 50, $1 || i, $2, '[]', 0, $3::timestamptz - interval '1 hour',
			$3::timestamptz - $4::interval - i * interval '1 ms', $3::timestamptz + $5::interval - i * interval '1 ms'
		FROM generate_series(1, $6) AS i`
	for _, r := range []struct {
		user, status     string
		startedAgo, live string // paying since now − startedAgo, live until now + live (NULL: no bound)
		n                int
	}{
		{"done-", "confirmed", "1 hour", "0", 5000},
		{"live-", "paying", "1 minute", "5 minutes", live},
		{"lapsed-old-", "paying", "20 minutes", "-10 minutes", 5},
		{"lapsed-new-", "paying", "10 seconds", "-1 second", 5}, // its process allowed it less
		{"unbound-", "paying", "6 minutes", "", 2},
		{"unbound-live-", "paying", "5 minutes", "", 1},
	} {
		var live *string
		if r.live != "" {
			live = &r.live
		}
		_, err := pool.Exec(ctx, insert, r.user, r.status, flightNow, r.startedAgo, live, r.n)
		must(t, err)
	}
	_, err := pool.Exec(ctx, "ANALYZE "+quote(schema)+".bookings")
	must(t, err)
	rows, err := pool.Query(ctx, `SELECT show_id, id, updated_at FROM `+quote(schema)+`.bookings
		WHERE user_id LIKE 'lapsed-%' OR user_id LIKE 'unbound-_' ORDER BY updated_at, id`)
	must(t, err)
	var want []boxoffice.BookingRef
	for rows.Next() {
		var r boxoffice.BookingRef
		var id [16]byte
		must(t, rows.Scan(&r.ShowID, &id, &r.UpdatedAt))
		r.Booking, r.UpdatedAt = boxoffice.BookingID(id), r.UpdatedAt.UTC()
		want = append(want, r)
	}
	must(t, rows.Err())
	if len(want) != 12 {
		t.Fatalf("the fixture stores %d abandoned payments, want 12", len(want))
	}
	return want
}

// TestAbandonedPaymentsReadOnlyTheAbandoned: with 2,000 payments in
// flight, of which 10 are abandoned by their bound and 2 (of 3 without a
// bound) by the cutoff, AbandonedPayments lists the 12 and its statement
// reads 13 rows of bookings: the abandoned ones and the 3 without a
// bound, not the live payments. Checked by the rows each scan of bookings
// returned or filtered out, whatever the plan's shape, with the plan
// PostgreSQL makes for the values (a custom plan) and the one it may
// cache for a prepared statement after five runs (generic). Before
// migration 0013 the statement read every payment in flight in order and
// filtered them: 2,013 rows.
func TestAbandonedPaymentsReadOnlyTheAbandoned(t *testing.T) {
	t.Parallel()
	pool := testPool(t)
	schema := newSchema(t, pool)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	ctx := t.Context()
	want := inFlight(t, pool, schema, 2000)

	for _, limit := range []int{4096, 12, 5} {
		got, err := s.AbandonedPayments(ctx, flightNow, flightBefore, limit)
		must(t, err)
		if w := want[:min(limit, len(want))]; !slices.EqualFunc(got, w, func(a, b boxoffice.BookingRef) bool {
			return a.ShowID == b.ShowID && a.Booking == b.Booking && a.UpdatedAt.Equal(b.UpdatedAt)
		}) {
			t.Errorf("AbandonedPayments(limit %d) = %+v, want, the longest paying first: %+v", limit, got, w)
		}
	}

	conn, err := pool.Acquire(ctx)
	must(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, "PREPARE abandoned_plan AS "+pgstore.AbandonedPaymentsSQL(s))
	must(t, err)
	defer conn.Exec(context.Background(), "DEALLOCATE abandoned_plan; RESET plan_cache_mode")
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		_, err = conn.Exec(ctx, "SET plan_cache_mode = "+mode)
		must(t, err)
		var plan string
		// EXECUTE takes no parameters of the extended protocol.
		must(t, conn.QueryRow(ctx, fmt.Sprintf("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE abandoned_plan('%s', '%s', 4096)",
			flightNow.Format(time.RFC3339Nano), flightBefore.Format(time.RFC3339Nano))).Scan(&plan))
		if read := rowsRead(t, plan, "bookings"); read > 13 {
			t.Errorf("%s: the statement read %v rows of bookings, want the 10 abandoned by their bound and the 3 without one; plan: %s", mode, read, plan)
		}
	}
}

// rowsRead is how many rows of relation the scans of an EXPLAIN (ANALYZE,
// FORMAT JSON) plan returned or filtered out. Index-only and bitmap index
// scans name no relation: the heap scan above one counts its rows once.
func rowsRead(t *testing.T, plan, relation string) float64 {
	t.Helper()
	type node struct {
		RelationName string  `json:"Relation Name"`
		ActualRows   float64 `json:"Actual Rows"`
		Loops        float64 `json:"Actual Loops"`
		Filtered     float64 `json:"Rows Removed by Filter"`
		Rechecked    float64 `json:"Rows Removed by Index Recheck"`
		Plans        []node  `json:"Plans"`
	}
	var nodes []struct{ Plan node }
	must(t, json.Unmarshal([]byte(plan), &nodes))
	var read float64
	var walk func(n node)
	walk = func(n node) {
		if n.RelationName == relation {
			read += (n.ActualRows + n.Filtered + n.Rechecked) * max(n.Loops, 1)
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(nodes[0].Plan)
	return read
}

// abandonedBefore is AbandonedPayments' statement before migration 0013:
// bookings_paying_since (0004, dropped by 0016; the benchmark makes it
// again) read in (updated_at, id) order, every payment in flight
// filtered on its bound.
const abandonedBefore = `SELECT show_id, id, updated_at FROM %s.bookings
	WHERE status = 'paying' AND coalesce(payment_live_until < $1, updated_at < $2)
	ORDER BY updated_at, id LIMIT $3`

// BenchmarkAbandonedPayments lists the abandoned payments as the sweeper
// does on each rescan (limit 4,096), among 2,013 (or 20,013) payments in
// flight of which 12 are abandoned (inFlight), with the statement before migration
// 0013 and with AbandonedPayments, alternately in each iteration on the
// same pool. Metrics: before-ns/op, after-ns/op, ratio (before over after).
func BenchmarkAbandonedPayments(b *testing.B) {
	for _, live := range []int{2000, 20000} {
		b.Run(fmt.Sprintf("in-flight=%d", live+13), func(b *testing.B) { benchAbandonedPayments(b, live) })
	}
}

func benchAbandonedPayments(b *testing.B, live int) {
	pool := testPool(b)
	schema := newSchema(b, pool)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(b, err)
	ctx := context.Background()
	want := inFlight(b, pool, schema, live)
	// The index the statement before 0013 read, which 0016 dropped.
	if _, err := pool.Exec(ctx, "CREATE INDEX bookings_paying_since ON "+quote(schema)+".bookings (updated_at, id) WHERE status = 'paying'"); err != nil {
		b.Fatal(err)
	}
	before := fmt.Sprintf(abandonedBefore, quote(schema))
	var tBefore, tAfter time.Duration
	for b.Loop() {
		start := time.Now()
		rows, err := pool.Query(ctx, before, flightNow, flightBefore, 4096)
		must(b, err)
		n := 0
		for rows.Next() {
			n++
		}
		must(b, rows.Err())
		mid := time.Now()
		got, err := s.AbandonedPayments(ctx, flightNow, flightBefore, 4096)
		must(b, err)
		tBefore, tAfter = tBefore+mid.Sub(start), tAfter+time.Since(mid)
		if n != len(want) || len(got) != len(want) {
			b.Fatalf("listed %d before and %d after, want %d", n, len(got), len(want))
		}
	}
	b.ReportMetric(float64(tBefore.Nanoseconds())/float64(b.N), "before-ns/op")
	b.ReportMetric(float64(tAfter.Nanoseconds())/float64(b.N), "after-ns/op")
	b.ReportMetric(float64(tBefore)/float64(tAfter), "ratio")
}
