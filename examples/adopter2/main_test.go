package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice-go/boxoffice/internal/testservices"
)

// TestRun plays the demo on a schema of its own, with each instance on a
// pool and Store of its own (as two processes) and with both on one Store,
// and checks the lines that show the instances agreeing. Without
// PostgreSQL it is skipped, unless BOXOFFICE_REQUIRE_SERVICES=1 or CI=true.
func TestRun(t *testing.T) {
	url := os.Getenv("BOXOFFICE_TEST_DATABASE_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := pgxpool.New(ctx, url)
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		testservices.Missing(t, "PostgreSQL at %s: %v", url, err)
	}
	defer pool.Close()

	for _, shared := range []bool{false, true} {
		name := map[bool]string{false: "store each", true: "one store"}[shared]
		t.Run(name, func(t *testing.T) {
			var b [6]byte
			_, _ = rand.Read(b[:])
			schema := "adopter2_" + hex.EncodeToString(b[:])
			t.Cleanup(func() {
				if _, err := pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
					t.Errorf("dropping schema %s: %v", schema, err)
				}
			})
			var out bytes.Buffer
			if err := run(ctx, url, schema, shared, &out); err != nil {
				t.Fatalf("run: %v\noutput so far:\n%s", err, &out)
			}
			text := out.String()
			for _, want := range []string{
				"B watches: initial map of 60 seats",
				"A: alice holds [A1 A2], total 45.00",
				"B: bob refused seats [A2]",
				"B watches: A1, A2 held",
				"A: confirmed confirmed, paid 45.00",
				"B watches: A1, A2 booked",
				"B: cancelled cancelled, refund 45.00 (100%), owed 0.00",
				"B watches: A1, A2 available",
				"sweep: B expired 0, A expired 1",
				"B reads alice's second hold: expired",
				"gateway: charged 45.00, refunded 45.00",
				"both instances closed",
				// One message of each kind, from the instance that committed it.
				"Subject: Booking confirmed for show",
				"Subject: Booking cancelled for show",
				"Subject: Your hold for show",
				"Refund: $45.00 (100% of the total).",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("output lacks %q:\n%s", want, text)
				}
			}
			for _, once := range []string{"Subject: Booking confirmed", "Subject: Booking cancelled", "Subject: Your hold for show"} {
				if n := strings.Count(text, once); n != 1 {
					t.Errorf("%q told %d times, want once", once, n)
				}
			}
		})
	}
}
