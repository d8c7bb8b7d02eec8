package boxoffice_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// readHookStore is a failingStore whose next read of one booking, once a
// hook is set, answers only after the hook has run: a read slow to come
// back, whose answer may be stale by then.
type readHookStore struct {
	*failingStore
	target boxoffice.BookingID
	mu     sync.Mutex
	hook   func()
}

func (s *readHookStore) Booking(ctx context.Context, id boxoffice.BookingID) (boxoffice.Booking, error) {
	b, err := s.failingStore.Booking(ctx, id)
	if id == s.target {
		s.mu.Lock()
		hook := s.hook
		s.hook = nil
		s.mu.Unlock()
		if hook != nil {
			hook()
		}
	}
	return b, err
}

func (s *readHookStore) onNextRead(hook func()) {
	s.mu.Lock()
	s.hook = hook
	s.mu.Unlock()
}

// resumeOnceGateway charges through a shared ledger (the payment
// provider), or fails every charge with a 503 when flaky (its process's
// link to the provider is down); before runs at the start of each charge.
type resumeOnceGateway struct {
	*boxoffice.InMemoryGateway
	flaky  bool
	calls  atomic.Int32
	mu     sync.Mutex
	before func()
}

func (g *resumeOnceGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	g.calls.Add(1)
	g.mu.Lock()
	before := g.before
	g.mu.Unlock()
	if before != nil {
		before()
	}
	if g.flaky {
		return boxoffice.Receipt{}, errGatewayDown
	}
	return g.InMemoryGateway.Charge(ctx, r)
}

func (g *resumeOnceGateway) setBefore(before func()) {
	g.mu.Lock()
	g.before = before
	g.mu.Unlock()
}

// resumeOnceProcess is one more process on the fixture's MemoryStore
// (behind a readHookStore) with a clock of its own at start.
type resumeOnceProcess struct {
	sys   *boxoffice.BookingSystem
	clock *fakeclock.Clock
	store *readHookStore
	gw    *resumeOnceGateway
}

func newResumeOnceProcess(f *fixture, target boxoffice.BookingID, flaky bool) *resumeOnceProcess {
	f.t.Helper()
	p := &resumeOnceProcess{
		clock: fakeclock.New(start),
		store: &readHookStore{failingStore: &failingStore{MemoryStore: f.store}, target: target},
		gw:    &resumeOnceGateway{InMemoryGateway: f.gateway.InMemoryGateway, flaky: flaky},
	}
	p.sys = f.newSystem(boxoffice.Config{Store: p.store, Clock: p.clock, Gateway: p.gw, HoldsPerMinute: -1,
		PaymentBackoff: -1, SweepInterval: 10 * time.Minute, Logger: slog.New(slog.DiscardHandler)})
	return p
}

// payFailingSettle has p confirm booking id; the transaction after its
// charge fails, so the booking is left paying and queued on p's sweeper.
func (p *resumeOnceProcess) payFailingSettle(f *fixture, id boxoffice.BookingID) {
	f.t.Helper()
	var once sync.Once
	p.gw.setBefore(func() { once.Do(func() { p.store.failUpdates(1) }) })
	_, err := p.sys.ConfirmBooking(f.ctx, id, "card")
	p.gw.setBefore(nil)
	if err == nil {
		f.t.Fatal("ConfirmBooking whose settle fails: no error")
	}
}

// TestAbandonedPaymentResumedOnceAcrossProcesses: two processes share a
// Store and both have one abandoned payment queued. A's sweeper resumes it
// first: its resume rewrites UpdatedAt, so the bound counts from it. B's
// sweeper read the booking just before that commit (its read came back
// late) and takes it as abandoned on that read; the resume's own
// transaction must judge again and leave A's resume alone. B's link to
// the provider is down: had it resumed too, it would have failed the
// booking and voided the charge that A's resume settles.
//
// In the second case the customer retries on B while B's sweeper holds
// the payment, and joins it: when the sweeper stands down, the retry
// resumes the payment as a retry of its own does (B's link is up then).
func TestAbandonedPaymentResumedOnceAcrossProcesses(t *testing.T) {
	for _, joined := range []bool{false, true} {
		name := "sweepers only"
		if joined {
			name = "a retry joined B's sweeper"
		}
		t.Run(name, func(t *testing.T) { testResumedOnce(t, joined) })
	}
}

func testResumedOnce(t *testing.T, joined bool) {
	f := newFixture(t)
	b := f.hold("alice", "A1", "A2")
	a := newResumeOnceProcess(f, b.ID, false)
	bp := newResumeOnceProcess(f, b.ID, !joined)

	// Both processes pay, charge (A's charge goes through) and cannot
	// record the outcome: the booking is paying since start, charged once,
	// and queued on both sweepers.
	a.payFailingSettle(f, b.ID)
	bp.payFailingSettle(f, b.ID)
	if got := f.booking(b.ID); got.Status != boxoffice.StatusPaying || !got.UpdatedAt.Equal(start) {
		t.Fatalf("after the failed settles: %s since %v; want paying since %v", got.Status, got.UpdatedAt, start)
	}
	bCalls := bp.gw.calls.Load()

	bRead, release := make(chan struct{}), make(chan struct{})
	defer releaseRest(release)
	a.store.onNextRead(func() {
		select { // A's read comes back once B has read the booking too
		case <-bRead:
		case <-time.After(5 * time.Second):
		}
	})
	retry := make(chan error, 1)
	bp.store.onNextRead(func() {
		close(bRead)
		// B's read comes back only once A's resume has started (and
		// rewritten UpdatedAt).
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if got, err := f.store.Booking(f.ctx, b.ID); err == nil && !got.UpdatedAt.Equal(start) {
				break
			}
			time.Sleep(time.Millisecond)
		}
		if !joined {
			return
		}
		// The next read is the sweeper's resume, which has claimed the
		// payment: the customer's retry on B joins it there.
		bp.store.onNextRead(func() {
			go func() {
				got, err := bp.sys.ConfirmBooking(f.ctx, b.ID, "card")
				if err == nil && got.Status != boxoffice.StatusConfirmed {
					err = fmt.Errorf("answered %s", got.Status)
				}
				retry <- err
			}()
			for i := 0; boxoffice.ConfirmWaitersForTest(bp.sys, b.ID) < 1; i++ {
				if i > 5000 {
					t.Error("the retry never joined the sweeper's resume")
					return
				}
				time.Sleep(time.Millisecond)
			}
		})
	})
	a.gw.setBefore(func() { <-release }) // A's resume charges once B's sweeper is done

	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	for _, p := range []*resumeOnceProcess{a, bp} {
		if err := p.clock.WaitForTimers(ctx, 1); err != nil {
			t.Fatal(err)
		}
	}
	// 10 min after the payment began: abandoned (> 345 s) on both clocks.
	a.clock.Advance(10 * time.Minute)
	bp.clock.Advance(10 * time.Minute)
	if err := bp.clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal("B's sweeper tick does not end: ", err)
	}
	wantBCalls := int32(0)
	if joined {
		select {
		case err := <-retry:
			if err != nil {
				t.Errorf("the retry that joined B's sweeper: %v; want confirmed", err)
			}
		case <-ctx.Done():
			t.Fatal("the retry that joined B's sweeper never returned")
		}
		wantBCalls = 1 // the retry's own resume
	}
	close(release)
	if err := a.clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal("A's sweeper tick does not end: ", err)
	}

	got := f.booking(b.ID)
	if n := bp.gw.calls.Load() - bCalls; n != wantBCalls {
		t.Errorf("B made %d charge calls; want %d: its sweeper must leave the payment to A's resume", n, wantBCalls)
	}
	if got.Status != boxoffice.StatusConfirmed {
		t.Errorf("booking %s (%q); want confirmed", got.Status, got.Payment.Failure)
	}
	if charged, refunded := f.gateway.Totals(); charged != b.Total || refunded != 0 {
		t.Errorf("gateway: charged %s, refunded %s; want %s and nothing", charged, refunded, b.Total)
	}
}
