package pgstore_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// showTrips is a pgx tracer counting the round trips that read or write a
// show's rows (show_seats, bookings): a query, or a batch of queries, made
// for a call whose context is counted. Only those: the BookingSystem's
// sweeper rescans the Store when it starts, on a goroutine of its own,
// and on a loaded machine those queries landed among a hold's (3 round
// trips counted for a hold that made 1).
type showTrips struct{ n atomic.Int64 }

type countedKey struct{}

// counted marks ctx's calls as those showTrips counts.
func counted(ctx context.Context) context.Context {
	return context.WithValue(ctx, countedKey{}, true)
}

func (c *showTrips) count(ctx context.Context, sql string) {
	if ctx.Value(countedKey{}) != nil && touchesShow(sql) {
		c.n.Add(1)
	}
}

func touchesShow(sql string) bool {
	return strings.Contains(sql, "show_seats") || strings.Contains(sql, ".bookings")
}

func (c *showTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.count(ctx, d.SQL)
	return ctx
}

func (c *showTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *showTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	for _, q := range d.Batch.QueuedQueries {
		if touchesShow(q.SQL) {
			c.count(ctx, q.SQL)
			break
		}
	}
	return ctx
}

func (c *showTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *showTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// cappedInstance starts a BookingSystem with Config.MaxSeatsPerShow limit
// on schema, on a pool of its own whose round trips to the show's rows
// trips counts.
func cappedInstance(t *testing.T, schema string, base time.Time, limit int, trips *showTrips) *boxoffice.BookingSystem {
	t.Helper()
	testPool(t) // skip or fail early when unreachable
	cfg, err := pgxpool.ParseConfig(testDatabaseURL())
	must(t, err)
	cfg.MaxConns = 4
	cfg.ConnConfig.Tracer = trips
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	must(t, err)
	t.Cleanup(pool.Close)
	store, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	sys, err := boxoffice.New(boxoffice.Config{
		Store: store, Clock: fakeclock.New(base), Gateway: boxoffice.NewInMemoryGateway(),
		Logger:         slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		HoldsPerMinute: -1, MaxLiveHoldsPerUser: -1, MaxSeatsPerShow: limit,
	})
	must(t, err)
	t.Cleanup(func() { _ = sys.Close(context.Background()) })
	return sys
}

// TestSeatCapHoldIsOneRoundTrip: with Config.MaxSeatsPerShow set, a hold
// on a show the Store has cached costs one round trip, as without the cap:
// the user's seats are counted from the cache and checked by the commit
// statement itself. Before, the count was a query under the show's lock:
// three round trips (begin and lock, count, write and commit).
func TestSeatCapHoldIsOneRoundTrip(t *testing.T) {
	t.Parallel()
	_, schema, show := schemaWithShow(t)
	trips := &showTrips{}
	sys := cappedInstance(t, schema, show.Start.Add(-8*time.Hour), 4, trips)
	ctx := counted(t.Context())
	// The first hold reads the show, and the user's bookings, under the lock.
	_, err := sys.HoldSeats(ctx, "alice", show.ID, []string{"A1"})
	must(t, err)
	for k, seat := range []string{"A2", "A3"} {
		before := trips.n.Load()
		_, err = sys.HoldSeats(ctx, "alice", show.ID, []string{seat})
		must(t, err)
		if n := trips.n.Load() - before; n != 1 {
			t.Errorf("hold %d of a user with %d seats held: %d round trips to the show's rows, want 1", k+2, k+1, n)
		}
	}
	// At the cap, the refusal is the locked path's.
	if _, err := sys.HoldSeats(ctx, "alice", show.ID, []string{"A4", "A5"}); !errors.Is(err, boxoffice.ErrLimitReached) {
		t.Errorf("a hold past the cap: %v, want ErrLimitReached", err)
	}
}

// TestSeatCapGuessCheckedByCommit: instance A's cache holds the show at
// its latest version but none of alice's bookings, made by instance B, so
// its count of her seats is a guess of none; the commit statement finds
// her two seats and writes nothing, and under the lock A refuses the hold
// at the cap. Without the check in the statement, A would hold a third
// seat for her.
func TestSeatCapGuessCheckedByCommit(t *testing.T) {
	t.Parallel()
	_, schema, show := schemaWithShow(t)
	base := show.Start.Add(-8 * time.Hour)
	a := cappedInstance(t, schema, base, 2, &showTrips{})
	b := cappedInstance(t, schema, base, 2, &showTrips{})
	ctx := t.Context()
	_, err := b.HoldSeats(ctx, "alice", show.ID, []string{"A1", "A2"})
	must(t, err)
	// A reads the show at its latest version, and bob's bookings only.
	bob, err := a.HoldSeats(ctx, "bob", show.ID, []string{"B1"})
	must(t, err)
	_, err = a.ReleaseHold(ctx, bob.ID)
	must(t, err)
	if _, err := a.HoldSeats(ctx, "alice", show.ID, []string{"C1"}); !errors.Is(err, boxoffice.ErrLimitReached) {
		t.Fatalf("alice's third seat through A: %v, want ErrLimitReached", err)
	}
	if _, err := b.HoldSeats(ctx, "alice", show.ID, []string{"C2"}); !errors.Is(err, boxoffice.ErrLimitReached) {
		t.Errorf("alice's third seat through B: %v, want ErrLimitReached", err)
	}
}

// TestSeatsOfUserAfterPuts: an optimistic transaction that puts bookings
// of the user before counting her seats counts them as put, and its claim
// leaves their stored rows out: replacing a stored hold by its release
// takes its seats off the count, and the commit stays one round trip.
func TestSeatsOfUserAfterPuts(t *testing.T) {
	t.Parallel()
	_, schema, show := schemaWithShow(t)
	s, trips := tripCountedStore(t, schema)
	ctx := counted(t.Context())
	now := show.Start.Add(-time.Hour)
	held := func(seats ...string) boxoffice.Booking {
		b := boxoffice.Booking{ID: boxoffice.NewBookingID(), UserID: "alice", ShowID: show.ID, Status: boxoffice.StatusHeld,
			CreatedAt: now, HeldUntil: now.Add(10 * time.Minute), UpdatedAt: now}
		for _, id := range seats {
			b.Seats = append(b.Seats, boxoffice.BookingSeat{ID: id, Type: boxoffice.Regular, Price: 10_00})
			b.Total += 10_00
		}
		return b
	}
	first, second := held("A1", "A2"), held("A3", "A4", "A5")
	// Stored under the lock, which caches the show.
	must(t, s.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error { tx.PutBooking(first); tx.PutBooking(second); return nil }))

	released := first
	released.Status, released.HeldUntil = boxoffice.StatusReleased, time.Time{}
	before := trips.n.Load()
	var counts []int
	must(t, s.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error {
		counts = counts[:0]
		c := tx.(boxoffice.UserSeatCounter)
		tx.PutBooking(released)
		tx.PutBooking(held("B1"))
		n, err := c.SeatsOfUser("alice", now)
		counts = append(counts, n)
		return err
	}))
	if len(counts) != 1 || counts[0] != 4 {
		t.Errorf("alice's seats after releasing 2 of 5 and holding 1 more: %v, want 4", counts)
	}
	if n := trips.n.Load() - before; n != 1 {
		t.Errorf("the transaction took %d round trips to the show's rows, want 1", n)
	}
	must(t, s.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error {
		n, err := tx.(boxoffice.UserSeatCounter).SeatsOfUser("alice", now)
		if err == nil && n != 4 {
			t.Errorf("alice's seats stored: %d, want 4", n)
		}
		return err
	}))
}

// tripCountedStore is a Store on schema through a pool of its own whose round
// trips to the show's rows trips counts (for calls marked counted).
func tripCountedStore(t *testing.T, schema string) (*pgstore.Store, *showTrips) {
	t.Helper()
	testPool(t)
	cfg, err := pgxpool.ParseConfig(testDatabaseURL())
	must(t, err)
	trips := &showTrips{}
	cfg.ConnConfig.Tracer = trips
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	must(t, err)
	t.Cleanup(pool.Close)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	return s, trips
}
