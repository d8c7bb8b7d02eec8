package pgstore_test

import (
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// TestPaymentBoundOfTheStartingInstance: instances sharing a schema need
// not agree on their payment settings. The first instance, whose Config
// allows a payment an hour per charge (abandoned 1 h 5 min after it
// starts), charges a booking and "dies" (its gateway call never returns).
// The second keeps the defaults (3 × 15 s + 5 min = 345 s) and lists the
// Store's unsettled bookings every minute: neither the listing nor its
// sweeper may take the payment as abandoned before the bound the first
// instance recorded with the booking, however long past its own; past it,
// the payment is listed and resumed by its charge key. Before the change,
// the second instance listed and resumed it after 345 s, while the first
// instance's call could still be charging.
func TestPaymentBoundOfTheStartingInstance(t *testing.T) {
	t.Parallel()
	admin := testPool(t)
	schema := newSchema(t, admin)
	ctx := t.Context()
	base := time.Date(2030, time.July, 2, 9, 0, 0, 0, time.UTC)
	ledger := boxoffice.NewInMemoryGateway() // one payment provider for both
	const bound = time.Hour + 5*time.Minute

	held, revive := dieMidPayment(t, schema, base, ledger, func(c *boxoffice.Config) {
		c.HoldsPerMinute, c.PaymentAttempts, c.PaymentTimeout = -1, 1, time.Hour
	}, "Rope", []string{"E1"})

	live := &countingGateway{InMemoryGateway: ledger}
	second := newInstance(t, schema, base, 0, live, func(c *boxoffice.Config) { c.HoldsPerMinute = -1 })
	store, err := pgstore.New(second.pool, pgstore.Options{Schema: schema})
	must(t, err)
	b, err := second.sys.Booking(ctx, held.ID)
	must(t, err)
	if want := base.Add(bound); b.Status != boxoffice.StatusPaying || b.Payment.LiveUntil != want {
		t.Fatalf("while the first instance charges: %s, live until %s; want paying, live until %s", b.Status, b.Payment.LiveUntil, want)
	}
	const ownBound = 3*15*time.Second + 5*time.Minute // the second instance's, by the defaults

	tick := func(d time.Duration) {
		t.Helper()
		waitForTimers(t, second.clock, 1, "the sweeper to wait for its tick")
		second.clock.Advance(d)
		waitForTimers(t, second.clock, 1, "the sweeper to tick and wait again")
	}
	listed := func() bool {
		t.Helper()
		now := second.clock.Now()
		refs, err := store.AbandonedPayments(ctx, now, now.Add(-ownBound), 10)
		must(t, err)
		return len(refs) == 1 && refs[0].Booking == held.ID
	}
	untouched := func(when string) {
		t.Helper()
		b, err := second.sys.Booking(ctx, held.ID)
		must(t, err)
		if b.Status != boxoffice.StatusPaying || live.charges.Load() != 0 || listed() {
			t.Fatalf("%s: %s, %d charge calls by the second instance, listed %v; want paying, untouched, not listed",
				when, b.Status, live.charges.Load(), listed())
		}
	}
	tick(6 * time.Minute) // past the second instance's own bound: a rescan
	untouched("6 min after the payment began (the second instance's own bound is " + ownBound.String() + ")")
	tick(bound - 6*time.Minute) // a rescan at the first instance's bound
	untouched("at the first instance's bound")
	tick(time.Minute) // the next rescan finds it abandoned ...
	if !listed() && live.charges.Load() == 0 {
		t.Error("a minute past the bound, AbandonedPayments does not list the payment")
	}
	tick(time.Second) // ... and the sweeper resumes it

	b, err = second.sys.Booking(ctx, held.ID)
	must(t, err)
	if b.Status != boxoffice.StatusConfirmed || b.Payment.Amount != held.Total || live.charges.Load() != 1 {
		t.Fatalf("past the bound: %s, paid %s after %d charge calls by the second instance; want confirmed, paid %s after 1",
			b.Status, b.Payment.Amount, live.charges.Load(), held.Total)
	}
	if a := revive(); a.err != nil {
		t.Errorf("the dead call, revived: %v", a.err)
	}
	if charged, refunded := ledger.Totals(); charged != held.Total || refunded != 0 {
		t.Errorf("gateway: %s charged, %s refunded; want %s and nothing", charged, refunded, held.Total)
	}
	auditSchema(t, admin, schema, boxoffice.SeedLayout())
}
