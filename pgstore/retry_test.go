package pgstore_test

import (
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// TestRealConflictsAreRetried has PostgreSQL itself fail show transactions
// with a serialization failure or a deadlock, raised by a trigger on the
// bookings table, and checks end to end that a hold runs again until it
// commits, and that past MaxRetries it is refused with ErrConflict and
// leaves its seats free. (TestRetry covers the loop with made-up errors;
// this covers the errors as pgx reports them, and the rollbacks.)
func TestRealConflictsAreRetried(t *testing.T) {
	t.Parallel()
	pool, schema, show := schemaWithShow(t)
	ctx := t.Context()

	tests := []struct {
		name       string
		code       string // the SQLSTATE the trigger raises
		failures   int    // inserts of a booking it fails
		maxRetries int
		seat       string
		wantErr    error // nil: the hold commits
		wantRuns   int   // times the trigger ran: the transaction's attempts
	}{
		{"serialization failures, retried", "40001", 2, 10, "A1", nil, 3},
		{"a deadlock, retried", "40P01", 1, 10, "A2", nil, 2},
		{"more failures than retries", "40001", 5, 2, "B1", boxoffice.ErrConflict, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			provokeConflicts(t, pool, schema, tc.code, tc.failures)
			store, err := pgstore.New(pool, pgstore.Options{Schema: schema, MaxRetries: tc.maxRetries})
			must(t, err)
			sys, err := boxoffice.New(boxoffice.Config{Gateway: boxoffice.NewInMemoryGateway(), Store: store, HoldsPerMinute: -1,
				Clock: fakeclock.New(show.Start.Add(-24 * time.Hour)), Logger: slog.New(slog.DiscardHandler)})
			must(t, err)
			t.Cleanup(func() { _ = sys.Close(ctx) })

			b, err := sys.HoldSeats(ctx, "ann", show.ID, []string{tc.seat})
			if runs := triggerRuns(t, pool, schema); runs != tc.wantRuns {
				t.Errorf("the transaction ran %d times; want %d", runs, tc.wantRuns)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("HoldSeats = %v; want %v", err, tc.wantErr)
				}
				m, err := sys.SeatMap(ctx, show.ID)
				must(t, err)
				for _, s := range m.Seats {
					if s.ID == tc.seat && s.Status != boxoffice.SeatAvailable {
						t.Errorf("seat %s after the refused hold is %s; want available", s.ID, s.Status)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("HoldSeats: %v", err)
			}
			stored, err := store.Booking(ctx, b.ID)
			if err != nil || stored.Status != boxoffice.StatusHeld {
				t.Fatalf("the hold after retries: %v, %v; want it stored, held", stored.Status, err)
			}
		})
	}
}

// provokeConflicts makes the next failures inserts into the schema's
// bookings table fail with the SQLSTATE code, and counts every insert
// tried. The count is a sequence: unlike a table, it is not rolled back
// with the transaction it failed.
func provokeConflicts(t *testing.T, pool *pgxpool.Pool, schema, code string, failures int) {
	t.Helper()
	s := quote(schema)
	for _, stmt := range []string{
		`CREATE SEQUENCE IF NOT EXISTS ` + s + `.provoked_runs`,
		`ALTER SEQUENCE ` + s + `.provoked_runs RESTART WITH 1`,
		fmt.Sprintf(`CREATE OR REPLACE FUNCTION %[1]s.provoke_conflict() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF nextval('%[1]s.provoked_runs') <= %[2]d THEN
		RAISE EXCEPTION 'provoked by the test' USING ERRCODE = '%[3]s';
	END IF;
	RETURN NEW;
END $$`, s, failures, code),
		`CREATE OR REPLACE TRIGGER provoke_conflict BEFORE INSERT ON ` + s + `.bookings
			FOR EACH ROW EXECUTE FUNCTION ` + s + `.provoke_conflict()`,
	} {
		if _, err := pool.Exec(t.Context(), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

// triggerRuns returns how many inserts the trigger of provokeConflicts saw.
func triggerRuns(t *testing.T, pool *pgxpool.Pool, schema string) int {
	t.Helper()
	var last int
	var called bool
	err := pool.QueryRow(t.Context(), `SELECT last_value, is_called FROM `+quote(schema)+`.provoked_runs`).Scan(&last, &called)
	must(t, err)
	if !called {
		return 0
	}
	return last
}
