package boxoffice_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// syncBuffer is a bytes.Buffer safe for the sweeper's logger and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// panickyGateway is a scriptedGateway whose next refund panics while
// refundPanics is set, and whose next charge panics while chargePanics
// is set.
type panickyGateway struct {
	*scriptedGateway
	refundPanics, chargePanics atomic.Bool
}

func (g *panickyGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	if g.chargePanics.CompareAndSwap(true, false) {
		panic("gateway bug: nil pointer in Charge")
	}
	return g.scriptedGateway.Charge(ctx, r)
}

func (g *panickyGateway) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	if g.refundPanics.CompareAndSwap(true, false) {
		panic("gateway bug: nil pointer in Refund")
	}
	return g.scriptedGateway.Refund(ctx, r)
}

// failingUpdates is a Store whose next UpdateShow calls can be made to
// fail, as failingStore.
type failingUpdates interface {
	boxoffice.Store
	failUpdates(n int)
}

// unsettledPayments makes a fixture on a failingStore and a panickyGateway,
// whose sweeper ticks every second, logging to log, with one booking per
// seat of seats left paying by a ConfirmBooking whose settling
// transaction failed (charged, the clock not moved since), with
// PaymentAttempts attempts (abandonedConfig's bound of 93 s assumes 3).
func unsettledPayments(t *testing.T, store failingUpdates, log *syncBuffer, attempts int, seats ...string) (*fixture, *panickyGateway, []boxoffice.Booking) {
	t.Helper()
	gw := &panickyGateway{}
	f := newFixture(t, abandonedConfig, func(c *boxoffice.Config) {
		gw.scriptedGateway = c.Gateway.(*scriptedGateway)
		c.Store, c.Gateway, c.SweepInterval = store, gw, time.Second
		c.Logger = slog.New(slog.NewTextHandler(log, nil))
		c.PaymentAttempts = attempts
	})
	var bs []boxoffice.Booking
	for i, seat := range seats {
		b := f.hold(fmt.Sprintf("user%d", i), seat)
		f.gateway.mu.Lock()
		f.gateway.before = func() { store.failUpdates(1) } // the next UpdateShow is the settle's
		f.gateway.mu.Unlock()
		if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, errStoreDown) {
			t.Fatalf("ConfirmBooking whose settle fails: %v; want the Store's error", err)
		}
		bs = append(bs, b)
	}
	f.gateway.mu.Lock()
	f.gateway.before = nil
	f.gateway.mu.Unlock()
	return f, gw, bs
}

// TestSweeperSurvivesGatewayPanic: the gateway panics once in the
// sweeper's retry — of a refund owed, or of the charge resuming an
// abandoned payment. The process goes on; the panic counts as a failed
// retry, is logged at Error with the booking, and the booking is retried
// after the doubled backoff (2 s), and settled then (a payment once
// abandoned anew).
func TestSweeperSurvivesGatewayPanic(t *testing.T) {
	tests := []struct {
		name string
		// unsettle leaves one booking unsettled, due for its first retry
		// after 1 s, whose next gateway call panics; it returns it and
		// what the booking is once settled.
		unsettle func(t *testing.T, log *syncBuffer) (*fixture, boxoffice.Booking, func(boxoffice.Booking) bool)
		// retry is how far the clock moves, tick by tick, from 1 s after
		// the panic to the retry that settles the booking.
		retry []time.Duration
	}{
		{
			name: "refund of a cancellation",
			unsettle: func(t *testing.T, log *syncBuffer) (*fixture, boxoffice.Booking, func(boxoffice.Booking) bool) {
				f, gw, _ := unsettledPayments(t, &failingStore{MemoryStore: boxoffice.NewMemoryStore()}, log, 1) // one refund call: no backoff to wait out
				b := f.confirm(f.hold("alice", "A1"))
				gw.mu.Lock()
				gw.refunds = []error{errGatewayDown}
				gw.mu.Unlock()
				if _, err := f.sys.CancelBooking(f.ctx, b.ID); !errors.Is(err, errGatewayDown) {
					t.Fatalf("CancelBooking with the gateway down: %v", err)
				}
				gw.refundPanics.Store(true)
				return f, b, func(b boxoffice.Booking) bool { return b.Status == boxoffice.StatusCancelled && b.RefundOwed() == 0 }
			},
			retry: []time.Duration{time.Second},
		},
		{
			name: "resume of an abandoned payment",
			unsettle: func(t *testing.T, log *syncBuffer) (*fixture, boxoffice.Booking, func(boxoffice.Booking) bool) {
				f, gw, bs := unsettledPayments(t, &failingStore{MemoryStore: boxoffice.NewMemoryStore()}, log, 3, "A1")
				f.tick(abandonBound) // not abandoned yet: due at the bound
				gw.chargePanics.Store(true)
				return f, bs[0], func(b boxoffice.Booking) bool { return b.Status == boxoffice.StatusConfirmed }
			},
			// The resume that panicked had restarted the payment (a
			// resume counts the bound from when it starts): retried after
			// the backoff, it is resumed again once abandoned anew.
			retry: []time.Duration{time.Second, abandonBound - 2*time.Second, time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &syncBuffer{}
			f, b, settled := tt.unsettle(t, log)
			f.tick(time.Second) // the retry panics
			if got := f.booking(b.ID); settled(got) {
				t.Fatalf("after the retry that panicked: settled (%s)", got.Status)
			}
			if n := f.sys.Stats().RefundRetryFails; n != 1 {
				t.Errorf("Stats().RefundRetryFails = %d after the panic, want 1", n)
			}
			var logged bool
			for _, line := range strings.Split(log.String(), "\n") {
				logged = logged || strings.Contains(line, "level=ERROR") && strings.Contains(line, "booking="+b.ID.String()) && strings.Contains(line, "gateway bug")
			}
			if !logged {
				t.Errorf("no Error log naming the booking and the panic; log:\n%s", log)
			}
			f.tick(time.Second)
			if got := f.booking(b.ID); settled(got) {
				t.Errorf("1 s after the panic, before the doubled backoff: settled already")
			}
			for _, d := range tt.retry {
				f.tick(d)
			}
			if got := f.booking(b.ID); !settled(got) {
				t.Errorf("at the retry after the panic: %s owing %s; want settled", got.Status, got.RefundOwed())
			}
			if n := f.sys.Stats().RefundRetryFails; n != 1 {
				t.Errorf("Stats().RefundRetryFails = %d in all, want 1", n)
			}
		})
	}
}

// TestSweeperResumesOnePaymentATick: three payments abandoned at the same
// moment are all due in the same tick. Each resume is a whole payment, so
// a tick resumes one and leaves the others, due at once, to the next
// ticks: one a tick.
func TestSweeperResumesOnePaymentATick(t *testing.T) {
	f, _, bs := unsettledPayments(t, &failingStore{MemoryStore: boxoffice.NewMemoryStore()}, &syncBuffer{}, 3, "A1", "A2", "A3")
	f.tick(abandonBound) // the retries queued by the failed settles wait for the bound
	for tick := 1; tick <= len(bs)+1; tick++ {
		f.tick(time.Second)
		confirmed := 0
		for _, b := range bs {
			if f.booking(b.ID).Status == boxoffice.StatusConfirmed {
				confirmed++
			}
		}
		if want := min(tick, len(bs)); confirmed != want {
			t.Errorf("after tick %d past the bound: %d payments resumed, want %d", tick, confirmed, want)
		}
	}
	if n := f.gateway.chargeCalls(); n != 2*len(bs) {
		t.Errorf("%d charge calls, want %d: one by each call, one by each resume", n, 2*len(bs))
	}
}

// bookingReadFailures is a failingStore whose Booking reads fail, while
// armed, every other call: the sweeper reads the booking it retries, then
// its resume of the payment reads it again (to find its show) and fails
// with an error that no Store transaction has queued.
type bookingReadFailures struct {
	*failingStore
	armed atomic.Bool
	n     atomic.Int64
}

func (s *bookingReadFailures) Booking(ctx context.Context, id boxoffice.BookingID) (boxoffice.Booking, error) {
	if s.armed.Load() && s.n.Add(1)%2 == 0 {
		return boxoffice.Booking{}, errStoreDown
	}
	return s.failingStore.Booking(ctx, id)
}

// TestResumeErrorBacksOff: a resume that fails with an error that did not
// queue the booking counts as a failure like any other: the retries back
// off, 2 s, 4 s, 8 s, rather than coming every second for ever.
func TestResumeErrorBacksOff(t *testing.T) {
	store := &bookingReadFailures{failingStore: &failingStore{MemoryStore: boxoffice.NewMemoryStore()}}
	f, _, bs := unsettledPayments(t, store, &syncBuffer{}, 3, "A1")
	f.tick(abandonBound) // the retry queued by the failed settle waits for the bound
	store.armed.Store(true)
	for range 10 { // retries at 1 s, then 2 s and 4 s later; the next is 8 s later
		f.tick(time.Second)
	}
	if n := f.sys.Stats().RefundRetryFails; n != 3 {
		t.Errorf("Stats().RefundRetryFails = %d over 10 s of failing resumes, want 3: backing off 2 s, then 4 s", n)
	}
	store.armed.Store(false)
	for range 8 {
		f.tick(time.Second)
	}
	if got := f.booking(bs[0].ID); got.Status != boxoffice.StatusConfirmed {
		t.Errorf("once the Store is back: %s, want the payment resumed and confirmed", got.Status)
	}
}

// TestUnsettledPaymentSaysSo: a ConfirmBooking that charged but could not
// record the outcome says so, with ErrPaymentUnsettled (and the Store's
// error), and logs it with the booking; a call again finishes it at once,
// by the same charge. It returned the Store's bare error, which a caller
// could not tell from a failure before any charge, and logged nothing.
func TestUnsettledPaymentSaysSo(t *testing.T) {
	var log syncBuffer
	store := &failingStore{MemoryStore: boxoffice.NewMemoryStore()}
	f, _, bs := unsettledPayments(t, store, &log, 3, "A1")
	b := bs[0]
	// unsettledPayments saw the Store's error; see the rest of the answer.
	f.gateway.mu.Lock()
	f.gateway.before = func() { store.failUpdates(1) }
	f.gateway.mu.Unlock()
	b2 := f.hold("zoe", "A2")
	_, err := f.sys.ConfirmBooking(f.ctx, b2.ID, "card")
	f.gateway.mu.Lock()
	f.gateway.before = nil
	f.gateway.mu.Unlock()
	if !errors.Is(err, boxoffice.ErrPaymentUnsettled) || !errors.Is(err, errStoreDown) || !strings.Contains(err.Error(), b2.ID.String()) {
		t.Fatalf("ConfirmBooking whose settle failed: %v; want ErrPaymentUnsettled and the Store's error, naming the booking", err)
	}
	if logs := log.String(); !strings.Contains(logs, "outcome could not be recorded") || !strings.Contains(logs, b2.ID.String()) {
		t.Errorf("the log says nothing of the unsettled payment of %s:\n%s", b2.ID, logs)
	}
	for _, id := range []boxoffice.BookingID{b.ID, b2.ID} {
		got, err := f.sys.ConfirmBooking(f.ctx, id, "card")
		if err != nil || got.Status != boxoffice.StatusConfirmed {
			t.Fatalf("ConfirmBooking again: %s, %v; want confirmed", got.Status, err)
		}
	}
	if keys := f.gateway.ChargeKeys(); len(keys) != 2 {
		t.Errorf("%d charges for two bookings; want 2: a call again charges by the same key", len(keys))
	}
}

// TestStatsGauges: Stats tells how many Watch streams are open and how
// many bookings wait to be settled, now, for an operator's gauges.
func TestStatsGauges(t *testing.T) {
	var log syncBuffer
	store := &failingStore{MemoryStore: boxoffice.NewMemoryStore()}
	f, _, bs := unsettledPayments(t, store, &log, 3, "A1", "A2")
	if got := f.sys.Stats().Unsettled; got != 2 {
		t.Errorf("Stats().Unsettled with two payments left paying = %d; want 2", got)
	}
	mustT[boxoffice.Booking](t)(f.sys.ConfirmBooking(f.ctx, bs[0].ID, "card"))
	f.tick(2 * time.Second) // the sweeper's retry finds it settled, and forgets it
	if got := f.sys.Stats().Unsettled; got != 1 {
		t.Errorf("Stats().Unsettled once one is confirmed = %d; want 1", got)
	}

	ctx, cancel := context.WithCancel(f.ctx)
	updates := mustT[<-chan boxoffice.SeatUpdate](t)(f.sys.Watch(ctx, f.show.ID))
	mustT[<-chan boxoffice.SeatUpdate](t)(f.sys.Watch(f.ctx, f.show.ID))
	if got := f.sys.Stats().WatchStreams; got != 2 {
		t.Errorf("Stats().WatchStreams with two open = %d; want 2", got)
	}
	cancel()
	drain(t, updates, "the stream to end once its ctx ended")
	deadline := time.Now().Add(10 * time.Second) // a bound for a failure, not a wait
	for f.sys.Stats().WatchStreams != 1 && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if got := f.sys.Stats().WatchStreams; got != 1 {
		t.Errorf("Stats().WatchStreams once one ended = %d; want 1", got)
	}
}
