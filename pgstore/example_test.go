package pgstore_test

import (
	"context"
	"log"
	"os"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Every instance of a service runs this at start: Migrate is idempotent and
// safe when instances start at once, and all the BookingSystems on one
// schema share one truth about every seat. A seat held through one instance
// is refused through every other, and each instance's sweeper also expires
// holds, and settles payments and refunds, that another instance left.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL")) // e.g. postgres://app@db/cinema
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	opts := pgstore.Options{Schema: "boxoffice"} // one schema per system sharing the database
	if err := pgstore.Migrate(ctx, pool, opts); err != nil {
		log.Fatal(err)
	}
	store, err := pgstore.New(pool, opts)
	if err != nil {
		log.Fatal(err)
	}

	// Your payment provider, as a boxoffice.PaymentGateway. New does not
	// default to the in-memory gateway, which charges no one, with a Store
	// like this one; this example sets it to run without payments.
	var gateway boxoffice.PaymentGateway = boxoffice.NewInMemoryGateway()
	sys, err := boxoffice.New(boxoffice.Config{Store: store, Gateway: gateway})
	if err != nil {
		log.Fatal(err)
	}
	// Close before the pool: it waits for the payments in flight. Then
	// Flush, so that the last commits' notifications reach the other
	// instances' Watch streams before the pool closes.
	defer func() {
		if err := sys.Close(ctx); err != nil {
			log.Print(err)
		}
		if err := store.Flush(ctx); err != nil {
			log.Print(err)
		}
	}()

	// Use sys as with the in-memory Store: sys.HoldSeats, sys.ConfirmBooking, ...
}
