package boxoffice_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// nthFailingStore fails the n-th UpdateShow after arm, without running fn.
type nthFailingStore struct {
	*boxoffice.MemoryStore
	mu sync.Mutex
	n  int
}

var errNthUpdate = errors.New("store: connection reset")

func (s *nthFailingStore) arm(n int) { s.mu.Lock(); s.n = n; s.mu.Unlock() }

func (s *nthFailingStore) UpdateShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	s.mu.Lock()
	fail := false
	if s.n > 0 {
		s.n--
		fail = s.n == 0
	}
	s.mu.Unlock()
	if fail {
		return errNthUpdate
	}
	return s.MemoryStore.UpdateShow(ctx, showID, fn)
}

// A payment whose charge failed with an unknown outcome: the first
// answer's void found no charge, but recording it failed (a Store error).
// The replayed confirm records "nothing taken", and with it tells the
// observers that the payment failed: nobody else did.
func TestPaymentFailedAnnouncedAfterTheVoidRecordFailed(t *testing.T) {
	fs := &nthFailingStore{MemoryStore: boxoffice.NewMemoryStore()}
	rec := newRecorder()
	f := newFixture(t, func(c *boxoffice.Config) {
		c.Store = fs
		c.Observers = []boxoffice.Observer{rec}
	})
	b := f.hold("alice", "E1")
	f.gateway.script(chargeOutcome{err: errGatewayDown}, chargeOutcome{err: errGatewayDown}, chargeOutcome{err: errGatewayDown})
	// UpdateShow #1 marks paying, #2 fails the booking (settle), #3 records the void.
	fs.arm(3)
	if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, errNthUpdate) {
		t.Fatalf("first confirm: %v; want the store error", err)
	}
	// The customer retries: a replay of the failed payment.
	_, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
	if !errors.Is(err, boxoffice.ErrPaymentFailed) {
		t.Fatalf("replay: %v; want ErrPaymentFailed", err)
	}
	got := f.booking(b.ID)
	if got.Status != boxoffice.StatusFailed || got.RefundOwed() != 0 {
		t.Fatalf("booking %s owing %s; want failed, settled", got.Status, got.RefundOwed())
	}
	// And the sweeper for good measure.
	f.sys.Sweep(f.ctx)
	if err := f.sys.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var kinds []string
	failed := 0
	for _, e := range rec.events {
		kinds = append(kinds, boxoffice.EventKind(e))
		if _, ok := e.(*boxoffice.PaymentFailed); ok {
			failed++
		}
	}
	if failed == 0 {
		t.Fatalf("observer got %v: no PaymentFailed for booking %s, which failed and freed E1", kinds, b.ID)
	}
}

// pausedRefunds is a scriptedGateway whose first Refund call signals
// entered and waits for release.
type pausedRefunds struct {
	*scriptedGateway
	once             sync.Once
	entered, release chan struct{}
}

func (g *pausedRefunds) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	g.once.Do(func() { close(g.entered); <-g.release })
	return g.scriptedGateway.Refund(ctx, r)
}

// Two processes, no Store error: process A's confirm fails the booking
// (charge outcome unknown) and voids; while its void is in flight the
// customer's retry lands on process B, a replay, whose void finds no
// charge and records it. A's void then finds the booking settled. The
// observers of one of the two processes hear that the payment failed.
func TestPaymentFailedAnnouncedWhenAnotherProcessRecordsTheVoid(t *testing.T) {
	recA, recB := newRecorder(), newRecorder()
	gwA := &pausedRefunds{entered: make(chan struct{}), release: make(chan struct{})}
	f := newFixture(t, func(c *boxoffice.Config) {
		gwA.scriptedGateway = newScriptedGateway()
		c.Gateway = gwA
		c.Observers = []boxoffice.Observer{recA}
	})
	sysB, err := boxoffice.New(boxoffice.Config{Store: f.store, Clock: f.clock, Gateway: gwA.scriptedGateway.InMemoryGateway,
		HoldsPerMinute: -1, PaymentBackoff: -1, SweepInterval: time.Hour, Observers: []boxoffice.Observer{recB},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	b := f.hold("alice", "E1")
	gwA.script(chargeOutcome{err: errGatewayDown}, chargeOutcome{err: errGatewayDown}, chargeOutcome{err: errGatewayDown})
	doneA := confirmAsync(f, f.sys, b.ID)
	select {
	case <-gwA.entered: // A failed the booking and is voiding
	case err := <-doneA:
		// Waiting for the void alone would block until the run's timeout.
		t.Fatalf("A's confirm ended without voiding: %v; want it to fail the booking and void", err)
	case <-time.After(hangBound):
		t.Fatalf("waited %v for A's confirm to void or return", hangBound)
	}
	if _, err := sysB.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, boxoffice.ErrPaymentFailed) {
		t.Fatalf("B's replay: %v; want ErrPaymentFailed", err)
	}
	close(gwA.release)
	if err := recv(t, doneA, "A's confirm to return"); !errors.Is(err, boxoffice.ErrPaymentFailed) {
		t.Fatalf("A's confirm: %v; want ErrPaymentFailed", err)
	}
	if err := sysB.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.sys.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	count := func(r *recorder) (n int, kinds []string) {
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, e := range r.events {
			kinds = append(kinds, boxoffice.EventKind(e))
			if _, ok := e.(*boxoffice.PaymentFailed); ok {
				n++
			}
		}
		return n, kinds
	}
	nA, kA := count(recA)
	nB, kB := count(recB)
	if nA+nB == 0 {
		t.Fatalf("no PaymentFailed anywhere for failed booking %s: A's observer got %v, B's got %v", b.ID, kA, kB)
	}
}
