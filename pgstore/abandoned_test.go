package pgstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// deadGateway takes a charge and then never answers (until the test ends
// it): a process that dies mid-payment, after the gateway took the money
// and before the booking recorded it.
type deadGateway struct {
	*boxoffice.InMemoryGateway
	once    sync.Once
	charged chan struct{} // closed once the charge is taken
	revive  chan struct{} // closed when the test lets the dead call go on
}

func (g *deadGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	rc, err := g.InMemoryGateway.Charge(ctx, r)
	g.once.Do(func() { close(g.charged) })
	<-g.revive
	return rc, err
}

// countingGateway counts the charge calls made through it.
type countingGateway struct {
	*boxoffice.InMemoryGateway
	charges atomic.Int32
}

func (g *countingGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	g.charges.Add(1)
	return g.InMemoryGateway.Charge(ctx, r)
}

// confirmations is an Observer that passes on BookingConfirmed events.
type confirmations chan *boxoffice.BookingConfirmed

func (c confirmations) Notify(_ context.Context, e boxoffice.Event) {
	if bc, ok := e.(*boxoffice.BookingConfirmed); ok {
		c <- bc
	}
}

// TestAbandonedPaymentFinishedByAnotherInstance: one BookingSystem marks a
// booking paying and charges it, and then "dies": its gateway call never
// returns, and nobody closes it. Another BookingSystem on the same schema,
// whose sweeper lists the Store's unsettled bookings every minute, leaves
// the payment alone while a live call could still be finishing it (3 ×
// 15 s + 5 min = 345 s here) and then resumes it by the same charge key:
// the booking is confirmed, the customer charged once, and the new
// instance's observers hear of it.
func TestAbandonedPaymentFinishedByAnotherInstance(t *testing.T) {
	t.Parallel()
	admin := testPool(t)
	schema := newSchema(t, admin)
	ctx := t.Context()
	base := time.Date(2030, time.July, 1, 9, 0, 0, 0, time.UTC)
	ledger := boxoffice.NewInMemoryGateway() // one payment provider for both
	tune := func(c *boxoffice.Config) { c.HoldsPerMinute = -1 }

	held, revive := dieMidPayment(t, schema, base, ledger, tune, "Vertigo", []string{"E1", "E2"})

	live := &countingGateway{InMemoryGateway: ledger}
	got := make(confirmations, 16)
	second := newInstance(t, schema, base, 0, live, func(c *boxoffice.Config) {
		tune(c)
		c.Observers = []boxoffice.Observer{got}
	})
	tick := func(d time.Duration) {
		t.Helper()
		waitForTimers(t, second.clock, 1, "the sweeper to wait for its tick")
		second.clock.Advance(d)
		waitForTimers(t, second.clock, 1, "the sweeper to tick and wait again")
	}
	untouched := func(when string) {
		t.Helper()
		b, err := second.sys.Booking(ctx, held.ID)
		must(t, err)
		if b.Status != boxoffice.StatusPaying || live.charges.Load() != 0 {
			t.Fatalf("%s: %s, %d charge calls by the second instance; want paying, untouched", when, b.Status, live.charges.Load())
		}
	}
	tick(345 * time.Second) // a rescan at the bound: not abandoned yet
	untouched("at the bound, 345 s after the payment began")
	tick(time.Second)
	untouched("a second later, the next rescan a minute away")
	tick(59 * time.Second) // the next rescan finds it abandoned
	tick(time.Second)      // ... and the sweeper resumes it

	b, err := second.sys.Booking(ctx, held.ID)
	must(t, err)
	if b.Status != boxoffice.StatusConfirmed || b.Payment.Amount != held.Total || b.Payment.Reference == "" || b.Payment.Method != "card:tok_erin" {
		t.Fatalf("after the bound: %s, paid %s by %q (ref %q); want confirmed, paid %s by card:tok_erin", b.Status, b.Payment.Amount, b.Payment.Method, b.Payment.Reference, held.Total)
	}
	if n := live.charges.Load(); n != 1 {
		t.Errorf("the second instance made %d charge calls, want 1", n)
	}
	charged, refunded := ledger.Totals()
	if keys := ledger.ChargeKeys(); len(keys) != 1 || charged != held.Total || refunded != 0 {
		t.Errorf("gateway: %d charges, %s charged, %s refunded; want one charge of %s", len(keys), charged, refunded, held.Total)
	}
	select {
	case bc := <-got:
		if bc.BookingID != held.ID {
			t.Errorf("BookingConfirmed for %v, want %v", bc.BookingID, held.ID)
		}
	case <-time.After(10 * time.Second):
		t.Error("the second instance's observer heard no BookingConfirmed")
	}
	if st := second.sys.Stats(); st.Confirmed != 1 || st.RefundRetryFails != 0 || st.SweeperErrors != 0 {
		t.Errorf("second instance: %d confirmed, %d retries failed, %d sweeper errors; want 1, 0, 0", st.Confirmed, st.RefundRetryFails, st.SweeperErrors)
	}

	// Should the dead call come back after all, it finds the payment
	// settled and takes nothing more.
	a := revive()
	if a.err != nil || a.b.Status != boxoffice.StatusConfirmed {
		t.Errorf("the dead call, revived: %s, %v; want confirmed", a.b.Status, a.err)
	}
	if charged, refunded := ledger.Totals(); charged != held.Total || refunded != 0 {
		t.Errorf("after the dead call: %s charged, %s refunded; want %s and nothing", charged, refunded, held.Total)
	}
	auditSchema(t, admin, schema, boxoffice.SeedLayout())
}

// deadAnswer is what a dead ConfirmBooking returns once revived.
type deadAnswer struct {
	b   boxoffice.Booking
	err error
}

// dieMidPayment starts a BookingSystem on schema whose ConfirmBooking of
// a hold of seats by erin, on a show of a new movie with the title given,
// takes the charge through ledger and then "dies": the gateway call never
// returns, and nobody closes the system. It returns once the charge is
// taken, with the hold. revive lets the dead call go on and returns its answer (it runs
// anyway before the system's Close, which waits for the call).
func dieMidPayment(t *testing.T, schema string, base time.Time, ledger *boxoffice.InMemoryGateway,
	tune func(*boxoffice.Config), title string, seats []string) (held boxoffice.Booking, revive func() deadAnswer) {
	t.Helper()
	ctx := t.Context()
	dead := &deadGateway{InMemoryGateway: ledger, charged: make(chan struct{}), revive: make(chan struct{})}
	sys := newInstance(t, schema, base, 0, dead, tune).sys
	var reviveOnce sync.Once
	answered := make(chan deadAnswer, 1)
	var answer deadAnswer
	revive = func() deadAnswer {
		reviveOnce.Do(func() {
			close(dead.revive)
			answer = recv(t, answered, "the dead call to answer once revived")
		})
		return answer
	}
	t.Cleanup(func() { revive() }) // before the system's Close, which waits for the dead call
	movie, err := sys.AddMovie(ctx, boxoffice.Movie{Title: title, Duration: 100 * time.Minute})
	must(t, err)
	theater, err := sys.AddTheater(ctx, boxoffice.Theater{Name: "Capitol", City: "Bern"})
	must(t, err)
	hall, err := sys.AddHall(ctx, boxoffice.Hall{TheaterID: theater.ID, Name: "1", Layout: boxoffice.SeedLayout()})
	must(t, err)
	show, err := sys.ScheduleShow(ctx, boxoffice.Show{MovieID: movie.ID, HallID: hall.ID, Start: base.Add(48 * time.Hour), BasePrice: 14_00})
	must(t, err)
	held, err = sys.HoldSeats(ctx, "erin", show.ID, seats)
	must(t, err)
	go func() {
		b, err := sys.ConfirmBooking(ctx, held.ID, "card:tok_erin")
		answered <- deadAnswer{b, err}
	}()
	recv(t, dead.charged, "the charge to be taken")
	return held, revive
}
