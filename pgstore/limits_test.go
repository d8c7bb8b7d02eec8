package pgstore_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5"
)

// TestUserLimitsAcrossInstances checks that two BookingSystems on one
// schema count a user's live holds together: one that ends a hold made by
// the other frees its slot, and concurrent requests from both never get
// past the cap together.
func TestUserLimitsAcrossInstances(t *testing.T) {
	_, schema, show := schemaWithShow(t)
	base := show.Start.Add(-3 * time.Hour)
	capAt := func(n int) func(*boxoffice.Config) {
		return func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser, c.HoldsPerMinute = n, -1 }
	}
	a := newInstance(t, schema, base, 0, nil, capAt(2))
	b := newInstance(t, schema, base, 0, nil, capAt(2))
	ctx := t.Context()
	hold := func(in *instance, user, seat string) (boxoffice.Booking, error) {
		return in.sys.HoldSeats(ctx, user, show.ID, []string{seat})
	}
	h1, err := hold(a, "alice", "A1")
	must(t, err)
	_, err = hold(b, "alice", "A2")
	must(t, err)
	for _, in := range []*instance{a, b} {
		var rl *boxoffice.RateLimitError
		if _, err := hold(in, "alice", "A3"); !errors.As(err, &rl) || rl.Limit != boxoffice.LimitLiveHolds {
			t.Fatalf("a third live hold: %v; want a RateLimitError of the live-hold cap", err)
		}
	}
	_, err = b.sys.ReleaseHold(ctx, h1.ID)
	must(t, err)
	_, err = hold(a, "alice", "A3")
	must(t, err)

	// Eight requests from each instance at once, for a user with none:
	// exactly the cap's worth get through.
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for i, in := range []*instance{a, b} {
		for k := range 8 {
			wg.Go(func() {
				_, err := hold(in, "bob", string(rune('C'+i))+string(rune('1'+k)))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					granted++
				case !errors.Is(err, boxoffice.ErrRateLimited):
					t.Errorf("a concurrent hold: %v", err)
				}
			})
		}
	}
	waitGroup(t, &wg, "the concurrent holds")
	if granted != 2 {
		t.Errorf("%d of 16 concurrent holds granted with a cap of 2", granted)
	}
}

// TestAsyncCommitBatch checks that the limits' statements run with
// synchronous_commit off, and that the setting ends with their batch: the
// connection goes back to the pool for show transactions, which must
// commit durably.
func TestAsyncCommitBatch(t *testing.T) {
	pool := ownPool(t, 1) // one connection: the next statement runs on it
	ctx := t.Context()
	var during, after string
	batch := pgstore.AsyncCommitBatch()
	batch.Queue("SELECT current_setting('synchronous_commit')").QueryRow(func(row pgx.Row) error { return row.Scan(&during) })
	must(t, pool.SendBatch(ctx, batch).Close())
	must(t, pool.QueryRow(ctx, "SELECT current_setting('synchronous_commit')").Scan(&after))
	if during != "off" || after != "on" {
		t.Errorf("synchronous_commit in the batch %q, after it %q; want off, then on", during, after)
	}
}

// limitID is the booking ID of the n-th hold of a limits test.
func limitID(n int) boxoffice.BookingID {
	return boxoffice.BookingID{15: byte(n), 14: byte(n >> 8), 6: 0x40, 8: 0x80}
}

// TestLiveHoldSubMicrosecond checks that a live hold whose deadline has a
// part below the microsecond, which PostgreSQL cannot keep, counts until
// that deadline, not a moment less.
func TestLiveHoldSubMicrosecond(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	t0 := time.Date(2030, 1, 1, 10, 0, 0, 0, time.UTC)
	until := t0.Add(10*time.Minute + 500*time.Nanosecond)
	must(t, s.AdmitHold(ctx, boxoffice.HoldAdmission{UserID: "ann", Hold: limitID(1), Now: t0, MaxLiveHolds: 1, LiveUntil: until}))
	at := t0.Add(10 * time.Minute) // 500 ns before the deadline
	if err := s.AdmitHold(ctx, boxoffice.HoldAdmission{UserID: "ann", Hold: limitID(2), Now: at, MaxLiveHolds: 1, LiveUntil: at.Add(10 * time.Minute)}); !errors.Is(err, boxoffice.ErrRateLimited) {
		t.Errorf("a second hold 500 ns before the first's deadline, under a cap of 1: %v; want it refused", err)
	}
}

// tracedStore wraps a Store as a tracing wrapper would: the Store's
// methods only, and Unwrap.
type tracedStore struct{ boxoffice.Store }

func (s tracedStore) Unwrap() boxoffice.Store { return s.Store }

// TestWrappedStoreSharesLimits checks that an instance whose pgstore.Store
// is wrapped (with Unwrap, as the boxoffice.Store docs ask) still counts
// its users' holds with the other instances'.
func TestWrappedStoreSharesLimits(t *testing.T) {
	_, schema, show := schemaWithShow(t)
	base := show.Start.Add(-3 * time.Hour)
	capOne := func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser, c.HoldsPerMinute = 1, -1 }
	wrapped := newInstance(t, schema, base, 0, nil, func(c *boxoffice.Config) {
		capOne(c)
		c.Store = tracedStore{c.Store}
	})
	plain := newInstance(t, schema, base, 0, nil, capOne)
	ctx := t.Context()
	_, err := plain.sys.HoldSeats(ctx, "alice", show.ID, []string{"A1"})
	must(t, err)
	var rl *boxoffice.RateLimitError
	if _, err := wrapped.sys.HoldSeats(ctx, "alice", show.ID, []string{"A2"}); !errors.As(err, &rl) || rl.Limit != boxoffice.LimitLiveHolds {
		t.Fatalf("a second live hold, through the wrapped Store: %v; want a RateLimitError of the live-hold cap", err)
	}
}
