package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice-go/boxoffice/internal/testservices"
)

// testSchema returns the URL of the test database and a fresh schema on
// it, dropped at the end. It skips the test when PostgreSQL is unreachable,
// unless BOXOFFICE_REQUIRE_SERVICES=1 or CI=true, when it fails.
func testSchema(t *testing.T) (url, schema string, pool *pgxpool.Pool) {
	t.Helper()
	url = os.Getenv("BOXOFFICE_TEST_DATABASE_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		testservices.Missing(t, "PostgreSQL at %s: %v", url, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema = "loadtest_rerun_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		if _, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
		pool.Close()
	})
	return url, schema, pool
}

// TestPostgresRerun runs the load twice on one schema, as a user rerunning
// the command with the default -schema does: the second run must audit only
// its own bookings, not read the first run's as its own against a fresh
// gateway and history. A schema whose shows an earlier run scheduled and
// that now start too soon for a full refund is refused with a clear
// message, not run into a failing audit.
func TestPostgresRerun(t *testing.T) {
	url, schema, pool := testSchema(t)
	args := []string{"-postgres", url, "-schema", schema, "-users", "10", "-shows", "2", "-duration", "500ms"}
	for i := range 2 {
		cfg, err := parseFlags(args, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := run(context.Background(), cfg, &out); err != nil {
			t.Fatalf("run %d on schema %s: %v\n%s", i+1, schema, err, lastLines(out.String(), 10))
		}
	}

	// A day later: the shows the first run scheduled start within hours.
	s := pgx.Identifier{schema}.Sanitize()
	if _, err := pool.Exec(context.Background(), `UPDATE `+s+`.shows SET starts_at = starts_at - interval '1 day', ends_at = ends_at - interval '1 day'`); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseFlags(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = run(context.Background(), cfg, &out)
	if err == nil || !strings.Contains(err.Error(), "-schema") {
		t.Errorf("run on a schema whose shows start soon: %v, want an error that says to use another -schema\n%s", err, &out)
	}
	t.Logf("refused: %v", err)
}
