package pgstore_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5/pgxpool"
)

// hookedInstance is newInstance (no skew) with its Store behind a
// firstReadHook.
func hookedInstance(t *testing.T, schema string, base time.Time, gw boxoffice.PaymentGateway, target boxoffice.BookingID,
	hook func(), tune func(*boxoffice.Config)) *instance {
	t.Helper()
	pool := ownPool(t, 6)
	store, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	clock := fakeclock.New(base)
	cfg := boxoffice.Config{
		Store: &firstReadHook{Store: store, target: target, hook: hook}, Clock: clock, Gateway: gw,
		Logger:         slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		PaymentBackoff: -1,
	}
	if tune != nil {
		tune(&cfg)
	}
	sys, err := boxoffice.New(cfg)
	must(t, err)
	t.Cleanup(func() { _ = sys.Close(context.Background()) })
	return &instance{sys: sys, pool: pool, clock: clock}
}

// firstReadHook is a Store whose first read of one booking answers what
// it read only once hook has run: a read slow to come back, whose answer
// may be stale by then. Embedding keeps the optional capabilities
// (ExpiredHoldLister, UnsettledBookingLister).
type firstReadHook struct {
	*pgstore.Store
	target boxoffice.BookingID
	once   sync.Once
	hook   func()
}

func (s *firstReadHook) Booking(ctx context.Context, id boxoffice.BookingID) (boxoffice.Booking, error) {
	b, err := s.Store.Booking(ctx, id)
	if id == s.target && err == nil {
		s.once.Do(s.hook)
	}
	return b, err
}

// bookingRow reads a booking's status and updated_at with plain SQL.
func bookingRow(t *testing.T, pool *pgxpool.Pool, schema string, id boxoffice.BookingID) (status string, updated time.Time) {
	t.Helper()
	err := pool.QueryRow(context.Background(), `SELECT status, updated_at FROM `+quote(schema)+`.bookings WHERE id = $1`, [16]byte(id)).
		Scan(&status, &updated)
	must(t, err)
	return status, updated
}

// pollFor polls cond every 5 ms for up to d; it reports whether cond held.
func pollFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// downGateway never reaches the payment provider: every charge fails with
// a transient error.
type downGateway struct {
	*boxoffice.InMemoryGateway
	charges atomic.Int32
}

func (g *downGateway) Charge(context.Context, boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	g.charges.Add(1)
	return boxoffice.Receipt{}, errors.New("gateway: connection reset by peer")
}

// gatedGateway charges through the provider once release is closed.
type gatedGateway struct {
	*boxoffice.InMemoryGateway
	charges atomic.Int32
	release chan struct{}
}

func (g *gatedGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	g.charges.Add(1)
	<-g.release
	return g.InMemoryGateway.Charge(context.WithoutCancel(ctx), r)
}

// TestAbandonedPaymentResumedOnceAcrossInstances: a process dies in the
// middle of a payment (the provider took the money). Two live instances
// share the schema and both list the abandoned payment on their rescan.
// A resumes it first; its resume rewrites UpdatedAt, so the bound counts
// from it. B read the booking just before that commit (its read was slow
// to come back) and takes the payment as abandoned on that read: the
// resume's own transaction must judge again, leave A's resume alone and
// look again later. B's link to the provider is down: had it resumed too,
// it would have failed the booking and voided the charge that A's resume
// settles, although the seats were never lost.
func TestAbandonedPaymentResumedOnceAcrossInstances(t *testing.T) {
	t.Parallel()
	admin := testPool(t)
	schema := newSchema(t, admin)
	ctx := t.Context()
	base := time.Date(2030, time.July, 1, 9, 0, 0, 0, time.UTC)
	ledger := boxoffice.NewInMemoryGateway()
	tune := func(c *boxoffice.Config) { c.HoldsPerMinute = -1 }

	// The process that dies mid-payment.
	dead := &deadGateway{InMemoryGateway: ledger, charged: make(chan struct{}), revive: make(chan struct{})}
	c := newInstance(t, schema, base, 0, dead, tune)
	var reviveOnce sync.Once
	t.Cleanup(func() { reviveOnce.Do(func() { close(dead.revive) }) })
	show := scheduleRexShow(t, c.sys, boxoffice.Movie{Title: "Vertigo", Duration: 128 * time.Minute}, base.Add(48*time.Hour))
	held, err := c.sys.HoldSeats(ctx, "erin", show.ID, []string{"E1", "E2"})
	must(t, err)
	go func() { _, _ = c.sys.ConfirmBooking(ctx, held.ID, "card:tok_erin") }()
	recv(t, dead.charged, "the dying process's charge to be taken")

	_, payingSince := bookingRow(t, admin, schema, held.ID)
	bRead := make(chan struct{})
	aGW := &gatedGateway{InMemoryGateway: ledger, release: make(chan struct{})}
	var releaseOnce sync.Once
	releaseA := func() { releaseOnce.Do(func() { close(aGW.release) }) }
	t.Cleanup(releaseA)
	bGW := &downGateway{InMemoryGateway: ledger}

	a := hookedInstance(t, schema, base, aGW, held.ID, func() {
		select { // A's read comes back once B has read the booking too
		case <-bRead:
		case <-time.After(5 * time.Second):
		}
	}, tune)
	b := hookedInstance(t, schema, base, bGW, held.ID, func() {
		close(bRead)
		// B's read comes back only once A's resume has rewritten UpdatedAt.
		pollFor(5*time.Second, func() bool {
			_, upd := bookingRow(t, admin, schema, held.ID)
			return !upd.Equal(payingSince)
		})
	}, tune)

	// One tick each first, so that the start-up rescan is over; then both
	// rescan 346 s later (abandoned: 3 × 15 s + 5 min = 345 s) ...
	for _, d := range []time.Duration{time.Second, 346 * time.Second} {
		for _, in := range []*instance{a, b} {
			waitForTimers(t, in.clock, 1, "a sweeper to wait for its tick")
			in.clock.Advance(d)
		}
		for _, in := range []*instance{a, b} {
			waitForTimers(t, in.clock, 1, "a sweeper to rescan and wait again")
		}
	}
	// ... and settle on their next tick: A's resume charges once B's
	// sweeper is done.
	for _, in := range []*instance{a, b} {
		in.clock.Advance(time.Second)
	}
	waitForTimers(t, b.clock, 1, "B's sweeper to settle and wait again")
	if !pollFor(5*time.Second, func() bool { return aGW.charges.Load() > 0 }) {
		st, upd := bookingRow(t, admin, schema, held.ID)
		t.Fatalf("A never resumed the payment: %s since %v (paying since %v); B made %d charge calls", st, upd, payingSince, bGW.charges.Load())
	}
	releaseA()
	waitForTimers(t, a.clock, 1, "A's sweeper to finish the resumed payment")

	got, err := a.sys.Booking(ctx, held.ID)
	must(t, err)
	charged, refunded := ledger.Totals()
	if n := bGW.charges.Load(); n != 0 {
		t.Errorf("B resumed the payment A had taken over (%d charge calls)", n)
	}
	if got.Status != boxoffice.StatusConfirmed {
		t.Errorf("booking %s (%q); want confirmed: one resume, A's, whose charge went through", got.Status, got.Payment.Failure)
	}
	if charged != got.Total || refunded != 0 {
		t.Errorf("provider charged %s, refunded %s; want %s and nothing", charged, refunded, got.Total)
	}
}
