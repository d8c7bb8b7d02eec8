package pgstore_test

import (
	"context"
	"errors"
	"log"
	"os"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A service that may start before its database is up retries Migrate
// while the database cannot be reached, and refuses to start on a schema
// that a newer build has migrated: during a rolling upgrade, an old
// instance restarted late must not run on the new rules.
func ExampleMigrate() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	opts := pgstore.Options{Schema: "boxoffice"}
	for attempt := 1; ; attempt++ {
		err := pgstore.Migrate(ctx, pool, opts)
		if errors.Is(err, boxoffice.ErrStoreUnavailable) && attempt < 10 {
			log.Printf("database not reachable yet (attempt %d): %v", attempt, err)
			time.Sleep(time.Duration(attempt) * time.Second)
			continue
		}
		if errors.Is(err, pgstore.ErrSchemaTooNew) {
			log.Fatalf("this build is older than the schema; deploy the newer one: %v", err)
		}
		if err != nil {
			log.Fatal(err)
		}
		break
	}
	// pgstore.New(pool, opts), then boxoffice.New, as in the package example.
}
