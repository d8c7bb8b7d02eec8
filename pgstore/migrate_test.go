package pgstore_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
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
		waitGroup(t, &wg, "the concurrent migrations")
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
	if err := pgstore.Migrate(t.Context(), nil, pgstore.Options{}); !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Errorf("Migrate with a nil pool: %v, want ErrInvalidArgument", err)
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

// TestMigrateRefusesNewerSchema: a schema that records a migration this
// version does not have was migrated by a newer version, whose rules are
// not this one's: Migrate must refuse it, and change nothing.
func TestMigrateRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	pool := testPool(t)
	schema := newSchema(t, pool)
	ctx := t.Context()
	s := quote(schema)
	if _, err := pool.Exec(ctx, "INSERT INTO "+s+".schema_migrations (version, name) VALUES (9999, '9999_future.sql')"); err != nil {
		t.Fatal(err)
	}
	// A migration this version has, undone, so that Migrate has
	// something to apply if it goes ahead.
	if _, err := pool.Exec(ctx, "DROP INDEX "+s+".bookings_paying_until"); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "DELETE FROM "+s+".schema_migrations WHERE version = 13"); err != nil {
		t.Fatal(err)
	}
	snapshot := func() string {
		var v string
		must(t, pool.QueryRow(ctx, "SELECT string_agg(version || ' ' || name, ', ' ORDER BY version) FROM "+s+".schema_migrations").Scan(&v))
		var idx int
		must(t, pool.QueryRow(ctx, "SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND indexname = 'bookings_paying_until'", schema).Scan(&idx))
		return v + "; index: " + strconv.Itoa(idx)
	}
	before := snapshot()
	err := pgstore.Migrate(ctx, pool, pgstore.Options{Schema: schema})
	if !errors.Is(err, pgstore.ErrSchemaTooNew) {
		t.Errorf("Migrate of a schema with migration 9999 = %v; want ErrSchemaTooNew", err)
	} else if !strings.Contains(err.Error(), "9999") {
		t.Errorf("Migrate's error %q does not name the unknown version", err)
	}
	if after := snapshot(); after != before {
		t.Errorf("Migrate refused the schema but changed it: %s, was %s", after, before)
	}
}

// TestCheck: Check tells whether the Store can serve its schema: not one
// Migrate never ran on, nor one that lacks a migration, nor one a newer
// version migrated (an instance running before the upgrade, which New and
// its calls do not stop); a migrated schema is fine, and a zero Store is
// not.
func TestCheck(t *testing.T) {
	t.Parallel()
	pool := testPool(t)
	ctx := t.Context()
	storeOn := func(schema string) *pgstore.Store {
		s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
		must(t, err)
		return s
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	never := "pgstore_test_never_" + hex.EncodeToString(b[:])
	migrated := newSchema(t, pool)
	lacking, newer := newSchema(t, pool), newSchema(t, pool)
	_, err := pool.Exec(ctx, "DELETE FROM "+quote(lacking)+".schema_migrations WHERE version = (SELECT max(version) FROM "+quote(lacking)+".schema_migrations)")
	must(t, err)
	_, err = pool.Exec(ctx, "INSERT INTO "+quote(newer)+".schema_migrations (version, name) VALUES (9999, '9999_future.sql')")
	must(t, err)
	tests := []struct {
		name  string
		store *pgstore.Store
		want  error // nil: no error
	}{
		{"migrated", storeOn(migrated), nil},
		{"never migrated", storeOn(never), pgstore.ErrSchemaNotMigrated},
		{"a migration missing", storeOn(lacking), pgstore.ErrSchemaNotMigrated},
		{"migrated by a newer version", storeOn(newer), pgstore.ErrSchemaTooNew},
		{"zero Store", &pgstore.Store{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.store.Check(ctx)
			switch {
			case tt.name == "zero Store":
				if err == nil {
					t.Error("Check of a zero Store = nil; want an error")
				}
			case tt.want == nil && err != nil:
				t.Errorf("Check = %v; want nil", err)
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Errorf("Check = %v; want %v", err, tt.want)
			}
		})
	}
}

// TestMigrationDropsPayingSince: migration 0016 drops bookings_paying_since
// (0004), which no statement reads since 0013, from a schema migrated
// before it, and a new schema does not have it; bookings_paying_until
// (0013), which AbandonedPayments reads, stays.
func TestMigrationDropsPayingSince(t *testing.T) {
	t.Parallel()
	pool := testPool(t)
	ctx := t.Context()
	indexes := func(schema string) (since, until bool) {
		t.Helper()
		must(t, pool.QueryRow(ctx, `SELECT
			EXISTS (SELECT FROM pg_indexes WHERE schemaname = $1 AND indexname = 'bookings_paying_since'),
			EXISTS (SELECT FROM pg_indexes WHERE schemaname = $1 AND indexname = 'bookings_paying_until')`, schema).Scan(&since, &until))
		return since, until
	}
	fresh := newSchema(t, pool)
	if since, until := indexes(fresh); since || !until {
		t.Errorf("a new schema: bookings_paying_since %v, bookings_paying_until %v; want only the latter", since, until)
	}
	// A schema as migration 0015 left it: the index, and no 0016.
	old := newSchema(t, pool)
	_, err := pool.Exec(ctx, "CREATE INDEX bookings_paying_since ON "+quote(old)+".bookings (updated_at, id) WHERE status = 'paying'")
	must(t, err)
	_, err = pool.Exec(ctx, "DELETE FROM "+quote(old)+".schema_migrations WHERE version = 16")
	must(t, err)
	must(t, pgstore.Migrate(ctx, pool, pgstore.Options{Schema: old}))
	if since, until := indexes(old); since || !until {
		t.Errorf("a schema of 0015 migrated: bookings_paying_since %v, bookings_paying_until %v; want only the latter", since, until)
	}
	var name string
	must(t, pool.QueryRow(ctx, "SELECT name FROM "+quote(old)+".schema_migrations WHERE version = 16").Scan(&name))
	if name != "0016_drop_paying_since.sql" {
		t.Errorf("migration 16 recorded as %q", name)
	}
}
