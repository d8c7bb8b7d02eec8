package boxoffice_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// boundProcess is one more process on the fixture's MemoryStore, with its
// own payment settings, its own gateway (charging through the fixture's
// ledger, the payment provider) and a clock of its own at start.
type boundProcess struct {
	sys   *boxoffice.BookingSystem
	clock *fakeclock.Clock
	store *rollbackStore
	gw    *boundGateway
}

func newBoundProcess(f *fixture, edit func(*boxoffice.Config)) *boundProcess {
	f.t.Helper()
	p := &boundProcess{
		clock: fakeclock.New(start),
		store: &rollbackStore{MemoryStore: f.store},
		gw:    &boundGateway{InMemoryGateway: f.gateway.InMemoryGateway},
	}
	cfg := boxoffice.Config{Store: p.store, Clock: p.clock, Gateway: p.gw, HoldsPerMinute: -1,
		PaymentBackoff: -1, SweepInterval: time.Minute, Logger: slog.New(slog.DiscardHandler)}
	edit(&cfg)
	p.sys = f.newSystem(cfg)
	return p
}

// tick lets p's sweeper run its next tick once p's clock has moved d (see
// fixture.tick).
func (p *boundProcess) tick(t *testing.T, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal("the sweeper does not wait for its tick: ", err)
	}
	p.clock.Advance(d)
	if err := p.clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal("the sweeper's tick does not end: ", err)
	}
}

// rollbackStore is a MemoryStore whose next UpdateShow calls, once set to,
// run the transaction and then fail to commit it: nothing is written, and
// the caller gets an error, as from a connection lost at commit.
type rollbackStore struct {
	*boxoffice.MemoryStore
	mu       sync.Mutex
	failNext int
}

func (s *rollbackStore) UpdateShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	s.mu.Lock()
	fail := s.failNext > 0
	if fail {
		s.failNext--
	}
	s.mu.Unlock()
	if !fail {
		return s.MemoryStore.UpdateShow(ctx, showID, fn)
	}
	err := s.MemoryStore.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errStoreDown // rolls the transaction back
	})
	return err
}

func (s *rollbackStore) failCommits(n int) {
	s.mu.Lock()
	s.failNext = n
	s.mu.Unlock()
}

// boundGateway charges through a shared ledger, or fails every charge with
// a 503 while down (its process's link to the provider is); while block
// is set, a charge waits for it to be closed, whatever its context says
// (a call that overruns its PaymentTimeout, or a process that hangs).
type boundGateway struct {
	*boxoffice.InMemoryGateway
	calls   atomic.Int32
	down    atomic.Bool
	mu      sync.Mutex
	block   chan struct{}
	entered chan struct{} // closed once a charge waits on block
}

func (g *boundGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	g.calls.Add(1)
	g.mu.Lock()
	block, entered := g.block, g.entered
	g.entered = nil
	g.mu.Unlock()
	if entered != nil {
		close(entered)
	}
	if block != nil {
		<-block
	}
	if g.down.Load() {
		return boxoffice.Receipt{}, errGatewayDown
	}
	return g.InMemoryGateway.Charge(ctx, r)
}

// blockNext has the gateway's charges wait until release is closed;
// entered is closed once the first of them waits.
func (g *boundGateway) blockNext() (entered, release chan struct{}) {
	entered, release = make(chan struct{}), make(chan struct{})
	g.mu.Lock()
	g.block, g.entered = release, entered
	g.mu.Unlock()
	return entered, release
}

// A's payment settings allow a ConfirmBooking an hour per charge: its
// payments are abandoned 1 h + 5 min after they start. B keeps the
// defaults (3 × 15 s + 5 min, no backoff).
func longPayments(c *boxoffice.Config) {
	c.PaymentAttempts, c.PaymentTimeout = 1, time.Hour
}

const longBound = time.Hour + 5*time.Minute

// payOnA has process a confirm booking id in the background; its charge
// waits in the gateway until release is closed. done reports the call's
// error once it returns.
func payOnA(t *testing.T, f *fixture, a *boundProcess, id boxoffice.BookingID) (release chan struct{}, done chan error) {
	t.Helper()
	entered, release := a.gw.blockNext()
	done = make(chan error, 1)
	go func() {
		_, err := a.sys.ConfirmBooking(f.ctx, id, "card")
		done <- err
	}()
	waitEntered(t, entered, release, "A's charge")
	return release, done
}

// TestPaymentBoundIsTheStartingProcesses: processes sharing a Store need
// not agree on their payment settings. Process A, whose Config allows a
// payment an hour per charge, starts paying; its charge is still in
// flight (the provider is slow) when the customer's retry lands on
// process B, whose settings allow 5 min 45 s in all, and whose Store
// fails to commit the retry's transaction: the booking is queued on B's
// sweeper. B's sweeper must leave the payment alone until the bound A
// recorded with the booking, 1 h 5 min after it began, however long
// past B's own bound that is: before the change, B judged by its own
// Config, resumed A's live payment after 5 min 45 s and, its link to the
// provider being down, failed the booking and voided the charge A was
// still making. Once A's bound has passed (A hangs, as a process that
// died), B resumes the payment by its key, and sells the seats.
func TestPaymentBoundIsTheStartingProcesses(t *testing.T) {
	f := newFixture(t)
	b := f.hold("alice", "A1", "A2")
	a := newBoundProcess(f, longPayments)
	bp := newBoundProcess(f, func(*boxoffice.Config) {})
	bp.gw.down.Store(true)

	release, aDone := payOnA(t, f, a, b.ID)
	defer releaseRest(release)
	got := f.booking(b.ID)
	if want := start.Add(longBound); got.Status != boxoffice.StatusPaying || !got.Payment.LiveUntil.Equal(want) {
		t.Fatalf("while A charges: %s, live until %s; want paying, live until %s", got.Status, got.Payment.LiveUntil, want)
	}

	bp.store.failCommits(1)
	if _, err := bp.sys.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, errStoreDown) {
		t.Fatalf("the retry on B whose commit fails: %v; want the Store's error", err)
	}
	if n := bp.gw.calls.Load(); n != 0 {
		t.Fatalf("the retry on B made %d charge calls; want none (its transaction did not commit)", n)
	}

	// B's sweeper ticks every minute, up to A's bound (and at it): the
	// payment may be live, and stays A's.
	for at := time.Minute; at <= longBound; at += time.Minute {
		bp.tick(t, time.Minute)
		if got := f.booking(b.ID); got.Status != boxoffice.StatusPaying || bp.gw.calls.Load() != 0 {
			t.Fatalf("%s after A began paying (B's own bound is %s): %s after %d charge calls by B; want paying, none",
				at, boxoffice.AbandonAfterForTest(boxoffice.Config{PaymentBackoff: -1}), got.Status, bp.gw.calls.Load())
		}
	}

	// Past A's bound, A is taken as gone: B resumes the payment.
	bp.gw.down.Store(false)
	bp.tick(t, time.Minute)
	deadline := time.Now().Add(10 * time.Second)
	for f.booking(b.ID).Status == boxoffice.StatusPaying && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	got = f.booking(b.ID)
	if got.Status != boxoffice.StatusConfirmed || bp.gw.calls.Load() != 1 {
		t.Fatalf("past A's bound: %s (%q) after %d charge calls by B; want confirmed after one", got.Status, got.Payment.Failure, bp.gw.calls.Load())
	}

	close(release) // A's charge lands, by the same key: the provider charges once
	if err := recv(t, aDone, "A's confirm to return"); err != nil {
		t.Logf("A: %v", err)
	}
	if got := f.booking(b.ID); got.Status != boxoffice.StatusConfirmed {
		t.Errorf("after A's call: %s; want confirmed", got.Status)
	}
	if charged, refunded := f.gateway.Totals(); charged != b.Total || refunded != 0 {
		t.Errorf("gateway: charged %s, refunded %s; want %s and nothing", charged, refunded, b.Total)
	}
}

// TestResumeKeepsTheLongerBound: a resume records its own process's bound
// only if it comes later than the one recorded. Process B, with the
// default settings, resumes (a customer's retry) a payment that process A,
// which allows a payment an hour, started a minute before and is still
// charging: the booking stays live until A's bound. Recording B's own
// bound instead would have the sweeper of a process like B resume A's
// live payment 5 min 45 s after B's retry.
func TestResumeKeepsTheLongerBound(t *testing.T) {
	f := newFixture(t)
	b := f.hold("alice", "A1")
	a := newBoundProcess(f, longPayments)
	bp := newBoundProcess(f, func(*boxoffice.Config) {})

	releaseA, aDone := payOnA(t, f, a, b.ID)
	defer releaseRest(releaseA)
	entered, releaseB := bp.gw.blockNext()
	defer releaseRest(releaseB)
	bp.clock.Advance(time.Minute)
	bDone := make(chan error, 1)
	go func() {
		_, err := bp.sys.ConfirmBooking(f.ctx, b.ID, "card")
		bDone <- err
	}()
	waitEntered(t, entered, releaseB, "B's charge")

	got := f.booking(b.ID)
	if want := start.Add(longBound); got.Status != boxoffice.StatusPaying || !got.UpdatedAt.Equal(start.Add(time.Minute)) ||
		!got.Payment.LiveUntil.Equal(want) {
		t.Errorf("while both charge: %s since %s, live until %s; want paying since %s (B's resume), live until %s (A's bound)",
			got.Status, got.UpdatedAt, got.Payment.LiveUntil, start.Add(time.Minute), want)
	}

	close(releaseB)
	close(releaseA)
	for _, done := range []chan error{bDone, aDone} {
		if err := recv(t, done, "ConfirmBooking to return"); err != nil {
			t.Errorf("ConfirmBooking: %v", err)
		}
	}
	if got := f.booking(b.ID); got.Status != boxoffice.StatusConfirmed {
		t.Errorf("in the end: %s; want confirmed", got.Status)
	}
	if charged, refunded := f.gateway.Totals(); charged != b.Total || refunded != 0 {
		t.Errorf("gateway: charged %s, refunded %s; want %s and nothing", charged, refunded, b.Total)
	}
}

// TestNewBoundsPaymentSpan: New refuses payment settings under which a
// payment may take more than a day (attempts × timeout plus backoffs),
// since the bound a process records with a payment is how long the money
// of one it dies during waits; a day exactly is accepted. The field named
// is the timeout when the calls alone take too long, else the backoff.
func TestNewBoundsPaymentSpan(t *testing.T) {
	tests := []struct {
		name      string
		cfg       boxoffice.Config
		wantField string // "" if accepted
	}{
		{"defaults", boxoffice.Config{}, ""},
		{"3 × 8 h exactly", boxoffice.Config{PaymentAttempts: 3, PaymentTimeout: 8 * time.Hour, PaymentBackoff: -1}, ""},
		{"3 × 8 h and a microsecond", boxoffice.Config{PaymentAttempts: 3, PaymentTimeout: 8*time.Hour + time.Microsecond, PaymentBackoff: -1}, "Config.PaymentTimeout"},
		{"backoffs past a day", boxoffice.Config{PaymentAttempts: 3, PaymentTimeout: 8 * time.Hour, PaymentBackoff: time.Second}, "Config.PaymentBackoff"},
		{"doubling backoffs", boxoffice.Config{PaymentAttempts: 200, PaymentBackoff: time.Hour}, "Config.PaymentBackoff"},
		{"attempts × timeout overflows", boxoffice.Config{PaymentAttempts: math.MaxInt32, PaymentTimeout: 1000 * time.Hour, PaymentBackoff: -1}, "Config.PaymentTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Logger = slog.New(slog.DiscardHandler)
			sys, err := boxoffice.New(tt.cfg)
			if sys != nil {
				defer sys.Close(context.Background())
			}
			var ae *boxoffice.ArgumentError
			switch {
			case tt.wantField == "" && err != nil:
				t.Fatalf("New: %v; want it accepted", err)
			case tt.wantField != "" && (!errors.As(err, &ae) || ae.Field != tt.wantField):
				t.Fatalf("New: %v; want an *ArgumentError for %s", err, tt.wantField)
			}
		})
	}
}

// TestAbandonedWithoutRecordedBound: a booking that started paying under
// a version that did not record Payment.LiveUntil is judged by the
// sweeper's own Config, counted from UpdatedAt, as before: left alone up
// to the bound (333 s), resumed past it.
func TestAbandonedWithoutRecordedBound(t *testing.T) {
	f, _, b := abandonedFixture(t, time.Second)
	if want := start.Add(abandonBound); !b.Payment.LiveUntil.Equal(want) {
		t.Fatalf("recorded bound %s; want %s", b.Payment.LiveUntil, want)
	}
	store := f.sys.Config().Store.(*failingStore)
	err := store.UpdateShow(f.ctx, b.ShowID, func(tx boxoffice.ShowTx) error {
		old, err := tx.Booking(b.ID)
		old.Payment.LiveUntil = time.Time{}
		tx.PutBooking(old)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.tick(61 * time.Second)
	f.tick(abandonBound - 61*time.Second)
	if got := f.booking(b.ID); got.Status != boxoffice.StatusPaying || f.gateway.chargeCalls() != 1 {
		t.Fatalf("at the bound: %s after %d charge calls; want paying, untouched", got.Status, f.gateway.chargeCalls())
	}
	f.tick(time.Second)
	if got := f.booking(b.ID); got.Status != boxoffice.StatusConfirmed || f.gateway.chargeCalls() != 2 {
		t.Errorf("past the bound: %s after %d charge calls; want confirmed after 2", got.Status, f.gateway.chargeCalls())
	}
}
