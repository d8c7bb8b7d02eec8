package rivals

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/boxoffice-go/boxoffice/internal/testservices"
)

// The tests and benchmarks need Redis and PostgreSQL: they skip when one is
// unreachable, unless BOXOFFICE_REQUIRE_SERVICES=1 or CI=true, when they fail.

func testDatabaseURL() string {
	if u := os.Getenv("BOXOFFICE_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

func testRedisAddr() string {
	if a := os.Getenv("BOXOFFICE_TEST_REDIS_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

func unreachable(tb testing.TB, service, addr string, err error) {
	tb.Helper()
	testservices.Missing(tb, "%s at %s unreachable: %v", service, addr, err)
}

// randomName is prefix followed by 12 random hex digits, so that runs of
// the tests sharing a server do not meet.
func randomName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// testRedis connects to the test Redis, closed when the test ends.
func testRedis(tb testing.TB, poolSize int) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: testRedisAddr(), PoolSize: poolSize, MinIdleConns: min(poolSize, 16)})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		unreachable(tb, "Redis", testRedisAddr(), err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// dropKeys deletes every key that starts with prefix.
func dropKeys(tb testing.TB, c *redis.Client, prefix string) {
	tb.Helper()
	ctx := context.Background()
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		tb.Error(err)
	}
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		if err := c.Del(ctx, keys[:n]...).Err(); err != nil {
			tb.Error(err)
		}
		keys = keys[n:]
	}
}

// newTestRedisLocks is a RedisLocks with the given hold script on keys of
// a prefix of its own, deleted when the test ends.
func newTestRedisLocks(tb testing.TB, c *redis.Client, script string) *RedisLocks {
	tb.Helper()
	prefix := randomName("rivals_test_") + ":"
	tb.Cleanup(func() { dropKeys(tb, c, prefix) })
	r, err := newRedisLocks(context.Background(), c, prefix, 0, script)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// testPool opens a pool of at most maxConns connections on the test
// database, closed when the test ends.
func testPool(tb testing.TB, maxConns int32) *pgxpool.Pool {
	tb.Helper()
	cfg, err := pgxpool.ParseConfig(testDatabaseURL())
	if err != nil {
		tb.Fatal(err)
	}
	cfg.MaxConns = maxConns
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err == nil {
		if err = pool.Ping(ctx); err != nil {
			pool.Close()
		}
	}
	if err != nil {
		unreachable(tb, "PostgreSQL", testDatabaseURL(), err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// testSchema is a new schema name, dropped (with everything in it) when the
// test ends: "rivals_" then random digits, so that it meets neither
// pgstore's test schemas nor another run's.
func testSchema(tb testing.TB, pool *pgxpool.Pool) string {
	tb.Helper()
	schema := randomName("rivals_")
	tb.Cleanup(func() { dropSchema(tb, pool, schema) })
	return schema
}

func dropSchema(tb testing.TB, pool *pgxpool.Pool, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		tb.Errorf("dropping schema %s: %v", schema, err)
	}
}

// newTestSQLRows is an SQLRows with the given hold statement on tables of
// a schema of its own, with a row for every seat of every show.
func newTestSQLRows(tb testing.TB, pool *pgxpool.Pool, hold string, shows, seats []string) *SQLRows {
	tb.Helper()
	r := newSQLRows(pool, testSchema(tb, pool), 0, hold)
	ctx := context.Background()
	if err := r.CreateTables(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := r.AddShows(ctx, shows, seats); err != nil {
		tb.Fatal(err)
	}
	return r
}

// seatNames is n seat IDs, "S1" to "Sn".
func seatNames(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprint("S", i+1)
	}
	return s
}
