package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// refundGateway is an InMemoryGateway whose refunds a test can fail and
// interleave with: before runs at the start of every Refund call (numbered
// from 1), outside the gateway's lock. It also checks what a real gateway
// checks: a reused idempotency key must come with the same request.
type refundGateway struct {
	*boxoffice.InMemoryGateway
	mu         sync.Mutex
	fail       []error // the next Refund calls fail with these, charging nothing back
	before     func(call int)
	calls      int
	seen       map[string]boxoffice.RefundRequest
	mismatches []string
}

func newRefundGateway() *refundGateway {
	return &refundGateway{InMemoryGateway: boxoffice.NewInMemoryGateway(), seen: make(map[string]boxoffice.RefundRequest)}
}

func (g *refundGateway) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	g.calls++
	call, before := g.calls, g.before
	var err error
	if len(g.fail) > 0 {
		err, g.fail = g.fail[0], g.fail[1:]
	}
	if first, ok := g.seen[r.IdempotencyKey]; ok && first != r {
		g.mismatches = append(g.mismatches, fmt.Sprintf("key %s reused: first %+v, then %+v", r.IdempotencyKey, first, r))
	} else if !ok {
		g.seen[r.IdempotencyKey] = r
	}
	g.mu.Unlock()
	if before != nil {
		before(call)
	}
	if err != nil {
		return boxoffice.Receipt{}, err
	}
	return g.InMemoryGateway.Refund(ctx, r)
}

func (g *refundGateway) refundCalls() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

func (g *refundGateway) checkKeys(t *testing.T) {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range g.mismatches {
		t.Error(m)
	}
}

// failingStore is a MemoryStore whose next UpdateShow calls can be made
// to fail, as a database connection does.
type failingStore struct {
	*boxoffice.MemoryStore
	mu       sync.Mutex
	failNext int
	updates  int // UpdateShow calls
}

func (s *failingStore) UpdateShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	s.mu.Lock()
	s.updates++
	fail := s.failNext > 0
	if fail {
		s.failNext--
	}
	s.mu.Unlock()
	if fail {
		return errStoreDown
	}
	return s.MemoryStore.UpdateShow(ctx, showID, fn)
}

func (s *failingStore) updateCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updates
}

func (s *failingStore) failUpdates(n int) {
	s.mu.Lock()
	s.failNext = n
	s.mu.Unlock()
}

// cancelFixture is a fixture on a refundGateway and a failingStore, with a
// recorder. Its show starts at 19:00, ten hours after the clock's start.
func cancelFixture(t *testing.T, edit ...func(*boxoffice.Config)) (*fixture, *refundGateway, *failingStore, *recorder) {
	gw := newRefundGateway()
	store := &failingStore{MemoryStore: boxoffice.NewMemoryStore()}
	rec := newRecorder()
	f := newFixture(t, append([]func(*boxoffice.Config){func(c *boxoffice.Config) {
		c.Gateway, c.Store, c.Observers = gw, store, []boxoffice.Observer{rec}
	}}, edit...)...)
	return f, gw, store, rec
}

// TestCancelShowStartsDuringRefund: the show starts (and is completed)
// while the refund is in flight. The cancellation was decided before the
// start, so it stands: the booking is cancelled and refunded, never a
// completed ticket whose money went back.
func TestCancelShowStartsDuringRefund(t *testing.T) {
	for _, complete := range []bool{false, true} {
		t.Run(fmt.Sprintf("complete=%v", complete), func(t *testing.T) {
			f, gw, _, rec := cancelFixture(t)
			b := f.confirm(f.hold("alice", "A1", "A2"))
			started := f.show.Start.Add(time.Minute)
			var completed int
			var completeErr error
			gw.before = func(call int) {
				if call == 1 {
					f.clock.Set(started)
					if complete {
						completed, completeErr = f.sys.CompleteShow(f.ctx, f.show.ID)
					}
				}
			}
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			stored := f.booking(b.ID)
			_, refunded := gw.Totals()
			if stored.Status == boxoffice.StatusCompleted && refunded > 0 {
				t.Fatalf("booking completed with %s refunded: the customer has the money and the ticket", refunded)
			}
			if err != nil {
				t.Fatalf("CancelBooking, decided 10 h before the show: %v", err)
			}
			if completeErr != nil || completed != 0 {
				t.Errorf("CompleteShow during the refund = %d, %v; want 0 (the booking was cancelled)", completed, completeErr)
			}
			want := boxoffice.Refund{Amount: 4500, Percent: 100, Reference: got.Refund.Reference, RefundedAt: started, Reason: "cancelled"}
			if got.Status != boxoffice.StatusCancelled || got.Refund != want || got.Refund.Reference == "" {
				t.Errorf("CancelBooking = %s %+v; want cancelled, refund %+v with a reference", got.Status, got.Refund, want)
			}
			if stored.Status != got.Status || stored.Refund != got.Refund {
				t.Errorf("stored booking %s %+v; CancelBooking returned %s %+v", stored.Status, stored.Refund, got.Status, got.Refund)
			}
			if refunded != 4500 {
				t.Errorf("gateway refunded %s; want 45.00", refunded)
			}
			if s := f.seatStatus("A1"); s != boxoffice.SeatAvailable {
				t.Errorf("A1 is %s; want available", s)
			}
			events := rec.waitFor(t, 3)
			if e, ok := events[2].(*boxoffice.BookingCancelled); !ok || e.Refund.Amount != 4500 || e.Refund.Percent != 100 || len(e.Seats) != 2 {
				t.Errorf("third event %T %+v; want BookingCancelled owing 45.00 for 2 seats", events[2], events[2])
			}
			gw.checkKeys(t)
		})
	}
}

// TestCancelRefundRetried: the first call cancels but fails to refund (or
// to record the refund); a retry hours later, in a cheaper refund tier,
// pays what the first call decided, once, and records it.
func TestCancelRefundRetried(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(gw *refundGateway, store *failingStore)
		wantErr  error
		refunded boxoffice.Money // by the gateway after the first call
	}{
		{
			name: "refund fails",
			setup: func(gw *refundGateway, _ *failingStore) {
				gw.fail = []error{errGatewayDown, errGatewayDown, errGatewayDown}
			},
			wantErr: errGatewayDown,
		},
		{
			name: "refund paid, not recorded",
			setup: func(gw *refundGateway, store *failingStore) {
				gw.before = func(call int) {
					if call == 1 {
						store.failUpdates(1) // the transaction after the refund
					}
				}
			},
			wantErr:  errStoreDown,
			refunded: 4500,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, gw, store, _ := cancelFixture(t)
			b := f.confirm(f.hold("alice", "A1", "A2"))
			tt.setup(gw, store)
			first, err := f.sys.CancelBooking(f.ctx, b.ID) // 10 h before: 100 %
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("first CancelBooking: %v; want %v", err, tt.wantErr)
			}
			owed := boxoffice.Refund{Amount: 4500, Percent: 100, Reason: "cancelled"}
			if stored := f.booking(b.ID); stored.Status != boxoffice.StatusCancelled || stored.Refund != owed || !stored.Refund.Pending() {
				t.Errorf("after the first call the booking is %s %+v; want cancelled with %+v pending", stored.Status, stored.Refund, owed)
			}
			if first.ID != b.ID || first.Status != boxoffice.StatusCancelled || first.Refund != owed {
				t.Errorf("first CancelBooking returned %s %+v; want the cancelled booking, refund pending", first.Status, first.Refund)
			}
			if _, refunded := gw.Totals(); refunded != tt.refunded {
				t.Errorf("after the first call the gateway refunded %s; want %s", refunded, tt.refunded)
			}
			if s := f.seatStatus("A1"); s != boxoffice.SeatAvailable {
				t.Errorf("A1 after the first call: %s; want available", s)
			}

			f.clock.Set(f.show.Start.Add(-3 * time.Hour)) // the policy now says 50 %
			retryAt := f.clock.Now()
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			if err != nil {
				t.Fatalf("retried CancelBooking: %v", err)
			}
			// Moving the clock set off the background sweeper, whose retry
			// of the owed refund races with this call (both pay by one
			// key): let its tick end before the gateway's calls are counted.
			if err := f.clock.WaitForTimers(f.ctx, 1); err != nil {
				t.Fatal(err)
			}
			want := boxoffice.Refund{Amount: 4500, Percent: 100, Reference: got.Refund.Reference, RefundedAt: retryAt, Reason: "cancelled"}
			if got.Status != boxoffice.StatusCancelled || got.Refund != want || got.Refund.Reference == "" || got.Refund.Pending() {
				t.Errorf("retried CancelBooking = %s %+v; want %+v with a reference", got.Status, got.Refund, want)
			}
			if _, refunded := gw.Totals(); refunded != 4500 {
				t.Errorf("gateway refunded %s in all; want 45.00, once", refunded)
			}
			calls := gw.refundCalls()
			again, err := f.sys.CancelBooking(f.ctx, b.ID)
			if err != nil || again.Refund != got.Refund {
				t.Errorf("third CancelBooking = %+v, %v; want %+v unchanged", again.Refund, err, got.Refund)
			}
			if n := gw.refundCalls(); n != calls {
				t.Errorf("a recorded refund was asked of the gateway again (%d calls, then %d)", calls, n)
			}
			if n := f.sys.Stats().Cancelled; n != 1 {
				t.Errorf("Stats().Cancelled = %d; want 1", n)
			}
			gw.checkKeys(t)
		})
	}
}

// TestCancelConcurrent: while one cancel's refund is in flight, the clock
// crosses a refund tier and eight more cancels of the same booking run to
// their end. All of them answer with the refund the first decided, paid
// once.
func TestCancelConcurrent(t *testing.T) {
	f, gw, _, rec := cancelFixture(t)
	b := f.confirm(f.hold("alice", "A1", "A2"))
	f.clock.Set(f.show.Start.Add(-6*time.Hour - time.Minute)) // 100 %, a minute from 50 %
	const others = 8
	results := make([]boxoffice.Booking, others+1)
	errs := make([]error, others+1)
	gw.before = func(call int) {
		if call != 1 {
			return
		}
		f.clock.Advance(2 * time.Minute)
		var wg sync.WaitGroup
		for i := 1; i <= others; i++ {
			wg.Go(func() { results[i], errs[i] = f.sys.CancelBooking(f.ctx, b.ID) })
		}
		wg.Wait()
		// The others have paid and recorded the refund: the first call,
		// recording after them, must leave their record as it is, not
		// rewrite it with its own later time.
		f.clock.Advance(time.Minute)
	}
	results[0], errs[0] = f.sys.CancelBooking(f.ctx, b.ID)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("cancel %d: %v", i, err)
		}
	}
	want := results[0].Refund
	if want.Amount != 4500 || want.Percent != 100 || want.Reference == "" || want.Pending() {
		t.Errorf("refund %+v; want 45.00 (100 %%) paid, as decided by the first cancel", want)
	}
	for i, r := range results {
		if r.Status != boxoffice.StatusCancelled || r.Refund != want {
			t.Errorf("cancel %d: %s %+v; want cancelled %+v", i, r.Status, r.Refund, want)
		}
	}
	if stored := f.booking(b.ID); stored.Refund != want {
		t.Errorf("stored refund %+v; want %+v", stored.Refund, want)
	}
	if _, refunded := gw.Totals(); refunded != 4500 {
		t.Errorf("gateway refunded %s; want 45.00, once", refunded)
	}
	if n := f.sys.Stats().Cancelled; n != 1 {
		t.Errorf("Stats().Cancelled = %d; want 1", n)
	}
	events := rec.waitFor(t, 3)
	f.sys.Close(f.ctx) // drains the observers: no more events can come
	if n := len(rec.waitFor(t, 3)); n != 3 {
		t.Errorf("%d events; want held, confirmed and one cancelled", n)
	}
	if _, ok := events[2].(*boxoffice.BookingCancelled); !ok {
		t.Errorf("third event %T; want *BookingCancelled", events[2])
	}
	gw.checkKeys(t)
}

// TestCancelRefundDeclinedIsNotRetried: the gateway's decline of a refund
// is final for the call (as a charge's is): one Refund call, not
// Config.PaymentAttempts, and the refund stays owed for the background
// retry.
func TestCancelRefundDeclinedIsNotRetried(t *testing.T) {
	f, gw, _, _ := cancelFixture(t, func(c *boxoffice.Config) { c.PaymentAttempts = 3 })
	b := f.confirm(f.hold("alice", "A1", "A2"))
	gw.fail = []error{fmt.Errorf("issuer says no: %w", boxoffice.ErrPaymentDeclined)}
	got, err := f.sys.CancelBooking(f.ctx, b.ID)
	if !errors.Is(err, boxoffice.ErrPaymentDeclined) {
		t.Fatalf("CancelBooking with the refund declined: %v; want ErrPaymentDeclined", err)
	}
	if n := gw.refundCalls(); n != 1 {
		t.Errorf("%d Refund calls; want 1: a decline is not retried", n)
	}
	if got.Status != boxoffice.StatusCancelled || got.RefundOwed() != 4500 {
		t.Errorf("booking %s owing %s; want cancelled, 45.00 still owed", got.Status, got.RefundOwed())
	}
	gw.checkKeys(t)
}

// TestCancelRefused: a cancel that is refused changes nothing and asks
// the gateway for nothing.
func TestCancelRefused(t *testing.T) {
	tests := []struct {
		name    string
		policy  boxoffice.RefundPolicy
		prepare func(f *fixture) boxoffice.Booking // returns the booking to cancel
		want    []error                            // sentinels the error matches
		notWant []error                            // and must not match
		started bool                               // the error is a *ShowStartedError too
	}{
		{
			name:    "held",
			prepare: func(f *fixture) boxoffice.Booking { return f.hold("alice", "A1") },
			want:    []error{boxoffice.ErrInvalidTransition},
			notWant: []error{boxoffice.ErrShowStarted},
		},
		{
			name: "confirmed, show started",
			prepare: func(f *fixture) boxoffice.Booking {
				b := f.confirm(f.hold("alice", "A1"))
				f.clock.Set(f.show.Start)
				return b
			},
			want:    []error{boxoffice.ErrShowStarted, boxoffice.ErrInvalidTransition},
			started: true,
		},
		{
			name: "completed",
			prepare: func(f *fixture) boxoffice.Booking {
				b := f.confirm(f.hold("alice", "A1"))
				f.clock.Set(f.show.Start.Add(time.Hour))
				if n, err := f.sys.CompleteShow(f.ctx, f.show.ID); n != 1 || err != nil {
					f.t.Fatalf("CompleteShow = %d, %v", n, err)
				}
				return f.booking(b.ID)
			},
			want:    []error{boxoffice.ErrShowStarted, boxoffice.ErrInvalidTransition},
			started: true,
		},
		{
			name:    "policy out of range",
			policy:  boxoffice.RefundPolicyFunc(func(time.Duration) int { return 101 }),
			prepare: func(f *fixture) boxoffice.Booking { return f.confirm(f.hold("alice", "A1")) },
			want:    []error{boxoffice.ErrInvalidArgument},
			notWant: []error{boxoffice.ErrInvalidTransition},
		},
		{
			name:    "policy panics",
			policy:  boxoffice.RefundPolicyFunc(func(time.Duration) int { panic("no tiers today") }),
			prepare: func(f *fixture) boxoffice.Booking { return f.confirm(f.hold("alice", "A1")) },
			notWant: []error{boxoffice.ErrInvalidTransition},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, gw, _, _ := cancelFixture(t, func(c *boxoffice.Config) {
				if tt.policy != nil {
					c.RefundPolicy = tt.policy
				}
			})
			b := tt.prepare(f)
			seat := f.seatStatus("A1")
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			if err == nil {
				t.Fatalf("CancelBooking = %s booking, nil error; want a refusal", got.Status)
			}
			for _, s := range tt.want {
				if !errors.Is(err, s) {
					t.Errorf("error %q does not match %v", err, s)
				}
			}
			for _, s := range tt.notWant {
				if errors.Is(err, s) {
					t.Errorf("error %q matches %v", err, s)
				}
			}
			var se *boxoffice.ShowStartedError
			var te *boxoffice.TransitionError
			if tt.started {
				if !errors.As(err, &se) || se.ShowID != f.show.ID || !se.Start.Equal(f.show.Start) {
					t.Errorf("error %q: want a *ShowStartedError for show %s at %s", err, f.show.ID, f.show.Start)
				}
				if !errors.As(err, &te) || te.Booking != b.ID || te.From != b.Status || te.To != boxoffice.StatusCancelled {
					t.Errorf("error %q: want a *TransitionError from %s to cancelled for booking %s", err, b.Status, b.ID)
				}
				if !strings.Contains(err.Error(), b.ID.String()) || !strings.Contains(err.Error(), "started") {
					t.Errorf("error %q: want it to name the booking and say the show started", err)
				}
			}
			if stored := f.booking(b.ID); stored.Status != b.Status || stored.Refund != (boxoffice.Refund{}) {
				t.Errorf("after the refusal the booking is %s %+v; want %s, no refund", stored.Status, stored.Refund, b.Status)
			}
			if s := f.seatStatus("A1"); s != seat {
				t.Errorf("A1 is %s after the refusal; was %s", s, seat)
			}
			if n := gw.refundCalls(); n != 0 {
				t.Errorf("%d refund calls; want none", n)
			}
		})
	}
}
