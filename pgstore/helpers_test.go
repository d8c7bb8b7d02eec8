package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/internal/testwait"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice-go/boxoffice/internal/testservices"
)

// defaultTestDatabaseURL is the database the tests use unless
// BOXOFFICE_TEST_DATABASE_URL names another.
const defaultTestDatabaseURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func testDatabaseURL() string {
	if u := os.Getenv("BOXOFFICE_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return defaultTestDatabaseURL
}

// shared is the pool most tests share; each test works in its own schema.
var shared struct {
	once sync.Once
	pool *pgxpool.Pool
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.pool != nil {
		shared.pool.Close()
	}
	os.Exit(code)
}

// testPool returns the shared pool, or skips the test when PostgreSQL is
// unreachable — unless services are required (BOXOFFICE_REQUIRE_SERVICES=1
// or CI=true), when it fails.
func testPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	shared.once.Do(func() { shared.pool, shared.err = openPool(testDatabaseURL(), 16) })
	if shared.err != nil {
		unreachable(t, shared.err)
	}
	return shared.pool
}

// openPool connects a pool of at most maxConns connections and pings it.
func openPool(url string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = maxConns
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

func unreachable(t testing.TB, err error) {
	t.Helper()
	testservices.Missing(t, "PostgreSQL at %s unreachable (set BOXOFFICE_TEST_DATABASE_URL): %v", testDatabaseURL(), err)
}

// ownPool opens a pool for one test, closed when it ends, as a separate
// process would have.
func ownPool(t testing.TB, maxConns int32) *pgxpool.Pool {
	t.Helper()
	testPool(t) // skip or fail early when unreachable
	pool, err := openPool(testDatabaseURL(), maxConns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// newSchema migrates a new schema with a random name and drops it when the
// test ends.
func newSchema(t testing.TB, pool *pgxpool.Pool) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return newSchemaNamed(t, pool, "pgstore_test_"+hex.EncodeToString(b[:]))
}

// newSchemaNamed migrates a new schema of the given name and drops it when
// the test ends.
func newSchemaNamed(t testing.TB, pool *pgxpool.Pool, schema string) string {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := pgstore.Migrate(ctx, pool, pgstore.Options{Schema: schema}); err != nil {
		t.Fatal(err)
	}
	return schema
}

// newStore returns a Store on a new schema of the shared pool.
func newStore(t testing.TB) *pgstore.Store {
	t.Helper()
	pool := testPool(t)
	s, err := pgstore.New(pool, pgstore.Options{Schema: newSchema(t, pool)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func quote(name string) string { return pgx.Identifier{name}.Sanitize() }

// schemaWithShow makes a schema of its own on the test pool, with the one
// show of addOneShow, for a test that opens its own Stores on it.
func schemaWithShow(t *testing.T) (pool *pgxpool.Pool, schema string, show boxoffice.Show) {
	t.Helper()
	pool = testPool(t)
	schema = newSchema(t, pool)
	catalog, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	return pool, schema, addOneShow(t, catalog)
}

// addOneShow adds to the Store's schema a theater, a hall of the seed
// layout, a movie and one show of it, "s", on 1 January 2031 at 20:00, and
// returns the show.
func addOneShow(t *testing.T, s *pgstore.Store) boxoffice.Show {
	t.Helper()
	ctx := t.Context()
	layout := boxoffice.SeedLayout()
	must(t, s.AddTheater(ctx, boxoffice.Theater{ID: "t"}))
	must(t, s.AddHall(ctx, boxoffice.Hall{ID: "h", TheaterID: "t", Layout: layout}))
	must(t, s.AddMovie(ctx, boxoffice.Movie{ID: "m", Title: "M", Duration: time.Hour}))
	start := time.Date(2031, 1, 1, 20, 0, 0, 0, time.UTC)
	show := boxoffice.Show{ID: "s", MovieID: "m", HallID: "h", TheaterID: "t", Start: start, End: start.Add(time.Hour), BasePrice: 1000}
	must(t, s.AddShow(ctx, show, layout, boxoffice.Interval{Start: show.Start, End: show.End}, nil))
	return show
}

// scheduleRexShow adds through sys a theater (Rex, in Bern) with one seed
// hall, the movie, and a show of it at start, and returns the show.
func scheduleRexShow(t *testing.T, sys *boxoffice.BookingSystem, movie boxoffice.Movie, start time.Time) boxoffice.Show {
	t.Helper()
	ctx := t.Context()
	movie, err := sys.AddMovie(ctx, movie)
	must(t, err)
	theater, err := sys.AddTheater(ctx, boxoffice.Theater{Name: "Rex", City: "Bern"})
	must(t, err)
	hall, err := sys.AddHall(ctx, boxoffice.Hall{TheaterID: theater.ID, Name: "1", Layout: boxoffice.SeedLayout()})
	must(t, err)
	show, err := sys.ScheduleShow(ctx, boxoffice.Show{MovieID: movie.ID, HallID: hall.ID, Start: start, BasePrice: 14_00})
	must(t, err)
	return show
}

// recv and waitGroup bound a test's wait on the library or the database
// (package testwait).
func recv[T any](t testing.TB, c <-chan T, what string) T {
	t.Helper()
	return testwait.Recv(t, c, what)
}

func waitGroup(t testing.TB, wg *sync.WaitGroup, what string) {
	t.Helper()
	testwait.WaitGroup(t, wg, what)
}

// waitForTimers waits until clock has n timers armed (a sweeper or a
// heartbeat waits for its next tick), as fakeclock's WaitForTimers, but
// bounded like recv: a goroutine that never comes back to its timer fails
// the test, naming what it waited for, instead of hanging the package.
func waitForTimers(t testing.TB, clock *fakeclock.Clock, n int, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testwait.Bound)
	defer cancel()
	if err := clock.WaitForTimers(ctx, n); err != nil {
		t.Fatalf("waited %v for %s: %v", testwait.Bound, what, err)
	}
}
