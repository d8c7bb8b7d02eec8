package pgstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5/pgxpool"
)

// poolWithIsolation opens a pool whose sessions default to the given
// isolation level, as a database (or role) configured with
// default_transaction_isolation gives every connection.
func poolWithIsolation(t *testing.T, level string) *pgxpool.Pool {
	t.Helper()
	testPool(t) // skip or fail early when unreachable
	cfg, err := pgxpool.ParseConfig(testDatabaseURL())
	must(t, err)
	cfg.MaxConns = 4
	cfg.ConnConfig.RuntimeParams["default_transaction_isolation"] = level
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	must(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// waitForLockWait waits until a backend waits on a lock while running a
// statement on the schema's show_seats. A synchronization: the deadline
// only ends a test that would otherwise hang.
func waitForLockWait(t *testing.T, admin *pgxpool.Pool, schema string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for {
		var n int
		must(t, admin.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%show_seats%'`, schema).Scan(&n))
		if n > 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("no statement ever waited on the row lock")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestOptimisticWriteUnderServerDefaultIsolation: the optimistic
// compare-and-swap must run at READ COMMITTED whatever the server's (or
// role's) default_transaction_isolation. At REPEATABLE READ or
// SERIALIZABLE, the statement that waited for another process's commit on
// the show would fail with 40001 instead of finding the version moved on
// and falling back to the locked path.
func TestOptimisticWriteUnderServerDefaultIsolation(t *testing.T) {
	t.Parallel()
	for _, level := range []string{"repeatable read", "serializable"} {
		t.Run(level, func(t *testing.T) {
			t.Parallel()
			admin := testPool(t)
			schema := newSchema(t, admin)
			ctx := t.Context()
			other, err := pgstore.New(admin, pgstore.Options{Schema: schema}) // another process, default settings
			must(t, err)
			show := addOneShow(t, other).ID
			store, err := pgstore.New(poolWithIsolation(t, level), pgstore.Options{Schema: schema})
			must(t, err)
			// store caches the show (a locked read that writes nothing).
			must(t, store.UpdateShow(ctx, show, func(tx boxoffice.ShowTx) error { _ = tx.Seat(0); return nil }))

			// The other process holds the show's row lock until told to commit.
			inFn, release := make(chan struct{}), make(chan struct{})
			otherDone := make(chan error, 1)
			go func() {
				first := true
				otherDone <- other.UpdateShow(context.Background(), show, func(tx boxoffice.ShowTx) error {
					if first {
						first = false
						close(inFn)
						<-release
					}
					tx.SetSeat(1, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: boxoffice.NewBookingID()})
					return nil
				})
			}()
			recv(t, inFn, "the other process's transaction to take the lock")

			// Meanwhile store writes seat 0 from its cached state, and
			// waits for the lock.
			done := make(chan error, 1)
			go func() {
				done <- store.UpdateShow(ctx, show, func(tx boxoffice.ShowTx) error {
					tx.SetSeat(0, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: boxoffice.NewBookingID()})
					return nil
				})
			}()
			waitForLockWait(t, admin, schema)
			close(release)
			must(t, recv(t, otherDone, "the other process's UpdateShow to return"))
			if err := recv(t, done, "the UpdateShow that waited for the lock to return"); err != nil {
				t.Fatalf("UpdateShow that lost the race to another process's commit = %v (ErrConflict: %v); "+
					"want it to run again under the lock and commit", err, errors.Is(err, boxoffice.ErrConflict))
			}
			must(t, store.ViewShow(ctx, show, func(tx boxoffice.ShowTx) error {
				if tx.Seat(0).Status != boxoffice.SeatBooked || tx.Seat(1).Status != boxoffice.SeatBooked {
					t.Errorf("seats 0 and 1: %v, %v; want both booked", tx.Seat(0).Status, tx.Seat(1).Status)
				}
				return nil
			}))
		})
	}
}

// TestOptimisticConflictTakesTheLock: a serialization failure or a
// deadlock of the optimistic statement (raised here by a trigger) wrote
// nothing: the transaction runs again on the locked path, rather than
// returning the error.
func TestOptimisticConflictTakesTheLock(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"40001", "40P01"} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			pool := testPool(t)
			schema := newSchema(t, pool)
			ctx := t.Context()
			store, err := pgstore.New(pool, pgstore.Options{Schema: schema})
			must(t, err)
			show := addOneShow(t, store).ID
			must(t, store.UpdateShow(ctx, show, func(tx boxoffice.ShowTx) error { _ = tx.Seat(0); return nil })) // cached
			provokeConflicts(t, pool, schema, code, 1)

			b := heldBooking(show, "A1")
			if err := store.UpdateShow(ctx, show, func(tx boxoffice.ShowTx) error { tx.PutBooking(b); return nil }); err != nil {
				t.Fatalf("UpdateShow after its optimistic statement failed with %s: %v; want it retried under the lock", code, err)
			}
			if runs := triggerRuns(t, pool, schema); runs != 2 {
				t.Errorf("the booking was inserted %d times; want 2 (optimistic, then locked)", runs)
			}
			if _, err := store.Booking(ctx, b.ID); err != nil {
				t.Errorf("the booking: %v", err)
			}
		})
	}
}
