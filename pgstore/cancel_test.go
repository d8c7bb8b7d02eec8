package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// acquireSignal is a pgxpool.AcquireTracer that, once armed, reports each
// Acquire that starts.
type acquireSignal struct {
	armed   atomic.Bool
	started chan struct{}
}

func (a *acquireSignal) TraceAcquireStart(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireStartData) context.Context {
	if a.armed.Load() {
		select {
		case a.started <- struct{}{}:
		default:
		}
	}
	return ctx
}

func (a *acquireSignal) TraceAcquireEnd(context.Context, *pgxpool.Pool, pgxpool.TraceAcquireEndData) {
}

func (a *acquireSignal) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (a *acquireSignal) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestOptimisticWriteHonoursCancelWhileWaitingForConnection: with the pool
// exhausted, an optimistic UpdateShow waits for a connection; nothing is
// sent yet, so cancelling the caller's ctx must end the call with an
// error and write nothing, rather than wait on (for up to the commit
// timeout) and commit once a connection frees up.
func TestOptimisticWriteHonoursCancelWhileWaitingForConnection(t *testing.T) {
	t.Parallel()
	admin := testPool(t)
	schema := newSchema(t, admin)
	sig := &acquireSignal{started: make(chan struct{}, 1)}
	cfg, err := pgxpool.ParseConfig(testDatabaseURL())
	must(t, err)
	cfg.MaxConns = 1
	cfg.ConnConfig.Tracer = sig
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	must(t, err)
	t.Cleanup(pool.Close)
	store, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	show := addOneShow(t, store).ID
	// Cache the show, so that the next UpdateShow takes the optimistic path.
	must(t, store.UpdateShow(t.Context(), show, func(tx boxoffice.ShowTx) error { _ = tx.Seat(0); return nil }))

	// Someone else holds the pool's only connection.
	held, err := pool.Acquire(t.Context())
	must(t, err)
	var releaseOnce atomic.Bool
	release := func() {
		if releaseOnce.CompareAndSwap(false, true) {
			held.Release()
		}
	}
	defer release()

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	sig.armed.Store(true)
	go func() {
		done <- store.UpdateShow(ctx, show, func(tx boxoffice.ShowTx) error {
			tx.SetSeat(0, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: boxoffice.NewBookingID()})
			return nil
		})
	}()
	recv(t, sig.started, "the optimistic write to ask for a connection") // and wait for one
	sig.armed.Store(false)
	cancel()

	var got error
	select {
	case got = <-done:
	case <-time.After(20 * time.Second): // a hang, not a timing: the bug waits 30 s
		t.Errorf("UpdateShow still blocked 20 s after its ctx was cancelled (pool exhausted)")
		release()
		got = recv(t, done, "UpdateShow to return once released")
	}
	release()
	var st boxoffice.SeatStatus
	must(t, store.ViewShow(t.Context(), show, func(tx boxoffice.ShowTx) error { st = tx.Seat(0).Status; return nil }))
	if !errors.Is(got, context.Canceled) || st != boxoffice.SeatAvailable {
		t.Errorf("UpdateShow cancelled before any statement was sent = %v, seat 0 now %v; want context.Canceled and available", got, st)
	}
}

// TestAddShowOutcomeSurvivesCancelDuringCommit: once AddShow has sent its
// COMMIT, a cancelled ctx must not turn a show that is stored into an
// error. The COMMIT is held up by a deferred trigger waiting on an
// advisory lock the test holds, while the test cancels the ctx.
func TestAddShowOutcomeSurvivesCancelDuringCommit(t *testing.T) {
	t.Parallel()
	admin := testPool(t)
	schema := newSchema(t, admin)
	ctx := t.Context()
	store, err := pgstore.New(ownPool(t, 2), pgstore.Options{Schema: schema})
	must(t, err)
	show := addOneShow(t, store)

	// Every show inserted from now on waits, at commit, for lock (k1, k2).
	k1, k2 := rand.Int32N(math.MaxInt32), rand.Int32N(math.MaxInt32)
	s := quote(schema)
	for _, stmt := range []string{
		fmt.Sprintf(`CREATE FUNCTION %s.wait_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(%d, %d);
	RETURN NULL;
END $$`, s, k1, k2),
		`CREATE CONSTRAINT TRIGGER wait_at_commit AFTER INSERT ON ` + s + `.shows
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ` + s + `.wait_at_commit()`,
	} {
		if _, err := admin.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	lock, err := admin.Acquire(ctx)
	must(t, err)
	defer lock.Release()
	_, err = lock.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, k1, k2)
	must(t, err)
	unlocked := false
	unlock := func() {
		if !unlocked {
			unlocked = true
			_, err := lock.Exec(context.Background(), `SELECT pg_advisory_unlock($1, $2)`, k1, k2)
			must(t, err)
		}
	}
	defer unlock()

	next := show
	next.ID, next.Start, next.End = "s2", show.End, show.End.Add(time.Hour)
	addCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- store.AddShow(addCtx, next, boxoffice.SeedLayout(), boxoffice.Interval{Start: next.Start, End: next.End}, nil)
	}()
	// The COMMIT is sent and waits on the lock.
	wait, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	for waiting := false; !waiting; {
		must(t, admin.QueryRow(wait, `SELECT EXISTS (SELECT FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted AND classid = $1::int::oid AND objid = $2::int::oid AND objsubid = 2)`,
			k1, k2).Scan(&waiting))
		if !waiting {
			time.Sleep(5 * time.Millisecond)
		}
	}
	cancel()
	// A Store that gives up on its COMMIT returns at once; give it the
	// time to. (If it did not, the test passes whatever the Store does:
	// this wait can only hide the bug, never fail a correct Store.)
	var got error
	returned := false
	select {
	case got = <-done:
		returned = true
	case <-time.After(time.Second):
	}
	unlock()
	if !returned {
		got = recv(t, done, "AddShow to return once unlocked")
	}
	_, showErr := store.Show(ctx, next.ID)
	stored := showErr == nil
	if (got == nil) != stored {
		t.Errorf("AddShow cancelled during its COMMIT = %v, yet the show is stored: %v (%v); want the true outcome", got, stored, showErr)
	}
}
