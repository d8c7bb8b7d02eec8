package pgstore_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// TestMigrateTwiceAndConcurrently migrates one schema from four goroutines
// at once, then again: no error, one schema, each migration applied once.
func TestMigrateTwiceAndConcurrently(t *testing.T) {
	t.Parallel()
	pool := testPool(t)
	schema := newSchema(t, pool) // migrated once already
	if _, err := pool.Exec(t.Context(), "DROP SCHEMA "+quote(schema)+" CASCADE"); err != nil {
		t.Fatal(err)
	}
	opts := pgstore.Options{Schema: schema}
	for round := range 2 {
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() { errs[i] = pgstore.Migrate(t.Context(), pool, opts) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d: Migrate %d: %v", round, i, err)
			}
		}
	}
	var schemas, applied, distinct int
	must(t, pool.QueryRow(t.Context(), "SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema).Scan(&schemas))
	must(t, pool.QueryRow(t.Context(), "SELECT count(*), count(DISTINCT version) FROM "+quote(schema)+".schema_migrations").Scan(&applied, &distinct))
	if schemas != 1 || applied == 0 || applied != distinct {
		t.Errorf("after concurrent migrations: %d schemas, %d migrations applied (%d distinct)", schemas, applied, distinct)
	}

	// The migrated schema works.
	s, err := pgstore.New(pool, opts)
	must(t, err)
	must(t, s.AddTheater(t.Context(), boxoffice.Theater{ID: "t1", Name: "Rex"}))
	if s.Schema() != schema {
		t.Errorf("Schema() = %q, want %q", s.Schema(), schema)
	}
}

func TestOptionsAreChecked(t *testing.T) {
	if _, err := pgstore.New(nil, pgstore.Options{}); !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Errorf("New with a nil pool: %v, want ErrInvalidArgument", err)
	}
	pool := testPool(t)
	long := string(make([]byte, 64))
	for _, schema := range []string{long, "bad\x00name", "\xff"} {
		if _, err := pgstore.New(pool, pgstore.Options{Schema: schema}); !errors.Is(err, boxoffice.ErrInvalidArgument) {
			t.Errorf("New with schema %q: %v, want ErrInvalidArgument", schema, err)
		}
		if err := pgstore.Migrate(t.Context(), pool, pgstore.Options{Schema: schema}); !errors.Is(err, boxoffice.ErrInvalidArgument) {
			t.Errorf("Migrate with schema %q: %v, want ErrInvalidArgument", schema, err)
		}
	}
	s, err := pgstore.New(pool, pgstore.Options{})
	must(t, err)
	if s.Schema() != pgstore.DefaultSchema {
		t.Errorf("default schema %q, want %q", s.Schema(), pgstore.DefaultSchema)
	}
}
