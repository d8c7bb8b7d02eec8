package pgstore_test

import (
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// TestLegacyPaymentFailuresAreClassified: failures recorded before
// migration 0002 added payment_failure_kind kept their kind in the text (a
// decline as a "declined: " prefix). The migration classifies the rows it
// finds; rows written later by an instance older than the migration are
// classified when read. Either way a replayed confirm gets the kind, and
// the text loses the prefix.
func TestLegacyPaymentFailuresAreClassified(t *testing.T) {
	cases := []struct {
		legacy   string
		kind     boxoffice.PaymentFailureKind
		wantText string
	}{
		{"declined: boxoffice: payment declined", boxoffice.FailureDeclined, "boxoffice: payment declined"},
		{"hold expired during payment and a seat was taken", boxoffice.FailureHoldLost, "hold expired during payment and a seat was taken"},
		{"context deadline exceeded", boxoffice.FailureTimedOut, "context deadline exceeded"},
		{"gateway: 503 service unavailable", boxoffice.FailureGatewayError, "gateway: 503 service unavailable"},
	}
	for _, path := range []string{"migrated", "written by an older instance"} {
		t.Run(path, func(t *testing.T) {
			ctx := t.Context()
			pool := testPool(t)
			schema := newSchema(t, pool)
			s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
			must(t, err)
			show := addOneShow(t, s)
			ids := make([]boxoffice.BookingID, len(cases))
			for i, c := range cases {
				b := boxoffice.Booking{ID: boxoffice.NewBookingID(), UserID: "ann", ShowID: show.ID, Status: boxoffice.StatusFailed,
					Seats: []boxoffice.BookingSeat{{ID: "A1", Type: boxoffice.Regular, Price: 1000}}, Total: 1000,
					CreatedAt: time.Date(2031, 1, 1, 9, 0, 0, 0, time.UTC),
					Payment:   boxoffice.Payment{Method: "card", Attempts: 1, Failure: c.legacy}}
				ids[i] = b.ID
				must(t, s.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error { tx.PutBooking(b); return nil }))
			}
			bookings := quote(schema) + ".bookings"
			switch path {
			case "migrated": // back to the schema before 0002, then migrate
				_, err = pool.Exec(ctx, "ALTER TABLE "+bookings+" DROP COLUMN payment_failure_kind")
				must(t, err)
				_, err = pool.Exec(ctx, "DELETE FROM "+quote(schema)+".schema_migrations WHERE version = 2")
				must(t, err)
				must(t, pgstore.Migrate(ctx, pool, pgstore.Options{Schema: schema}))
				var unclassified int
				must(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+bookings+" WHERE payment_failure_kind = 'none'").Scan(&unclassified))
				if unclassified != 0 {
					t.Errorf("%d failed bookings left unclassified by the migration", unclassified)
				}
			default: // such an instance writes neither the kind nor anything else
				_, err = pool.Exec(ctx, "UPDATE "+bookings+" SET payment_failure_kind = 'none'")
				must(t, err)
			}
			fresh, err := pgstore.New(pool, pgstore.Options{Schema: schema}) // nothing cached
			must(t, err)
			for i, c := range cases {
				got, err := fresh.Booking(ctx, ids[i])
				must(t, err)
				if got.Payment.FailureKind != c.kind || got.Payment.Failure != c.wantText {
					t.Errorf("%q read back as %s %q; want %s %q", c.legacy, got.Payment.FailureKind, got.Payment.Failure, c.kind, c.wantText)
				}
			}
		})
	}
}
