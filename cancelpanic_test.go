package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// cancelNoPanic calls CancelBooking and fails the test if a panic crosses
// the API.
func cancelNoPanic(t *testing.T, f *fixture, id boxoffice.BookingID) (b boxoffice.Booking, err error) {
	t.Helper()
	defer func() {
		if v := recover(); v != nil {
			t.Fatalf("CancelBooking let a panic cross the API: %v", v)
		}
	}()
	return f.sys.CancelBooking(f.ctx, id)
}

// settleBySweeper ticks the sweeper, a second at a time, until booking id
// owes nothing, for at most n ticks.
func settleBySweeper(f *fixture, id boxoffice.BookingID, n int) boxoffice.Booking {
	f.t.Helper()
	got := f.booking(id)
	for i := 0; i < n && got.RefundOwed() > 0; i++ {
		f.tick(time.Second)
		got = f.booking(id)
	}
	return got
}

// checkOwedError checks the error of a CancelBooking whose refund
// panicked: it says the booking is cancelled and the refund owed and
// retried, and is no payment failure (the payment went through; the
// refund is what is late).
func checkOwedError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("CancelBooking whose refund panicked: no error; want one saying the refund is owed")
	}
	msg := err.Error()
	for _, want := range []string{"cancelled", "owed", "retried", "panic"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if errors.Is(err, boxoffice.ErrPaymentFailed) {
		t.Errorf("error %q matches ErrPaymentFailed; the payment went through", msg)
	}
}

// TestCancelRefundGatewayPanic: the gateway panics during CancelBooking's
// refund. The panic becomes an error (logged at Error with its stack), the
// booking stays cancelled owing its refund, and the sweeper pays it, once,
// though nobody calls again.
func TestCancelRefundGatewayPanic(t *testing.T) {
	gw := &panickyGateway{}
	log := &syncBuffer{}
	f := newFixture(t, func(c *boxoffice.Config) {
		gw.scriptedGateway = c.Gateway.(*scriptedGateway)
		c.Gateway, c.SweepInterval, c.PaymentAttempts = gw, time.Second, 1
		c.Logger = slog.New(slog.NewTextHandler(log, nil))
	})
	b := f.confirm(f.hold("alice", "A1", "A2")) // 45.00, 10 h before the show: 100 %
	gw.refundPanics.Store(true)

	got, err := cancelNoPanic(t, f, b.ID)
	checkOwedError(t, err)
	if got.ID != b.ID || got.Status != boxoffice.StatusCancelled || got.RefundOwed() != 45_00 {
		t.Errorf("CancelBooking returned %s %s owing %s; want %s cancelled owing 45.00", got.ID, got.Status, got.RefundOwed(), b.ID)
	}
	if out := log.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "gateway bug") || !strings.Contains(out, "goroutine") {
		t.Errorf("the panic is not logged at Error with its stack:\n%s", out)
	}

	got = settleBySweeper(f, b.ID, 5)
	if _, refunded := gw.Totals(); got.RefundOwed() != 0 || refunded != 45_00 || got.Refund.Amount != 45_00 {
		t.Errorf("after the sweeper: booking owes %s (refund %+v), gateway refunded %s; want 45.00 paid once",
			got.RefundOwed(), got.Refund, refunded)
	}
}

// panickingStore is a Store whose n-th UpdateShow from when it is armed
// panics.
type panickingStore struct {
	*boxoffice.MemoryStore
	mu    sync.Mutex
	armed int // 0: off; else the updates left until the one that panics
}

func (s *panickingStore) arm(n int) {
	s.mu.Lock()
	s.armed = n
	s.mu.Unlock()
}

func (s *panickingStore) UpdateShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	s.mu.Lock()
	boom := false
	if s.armed > 0 {
		s.armed--
		boom = s.armed == 0
	}
	s.mu.Unlock()
	if boom {
		panic(fmt.Sprintf("store bug: nil map in UpdateShow of %s", showID))
	}
	return s.MemoryStore.UpdateShow(ctx, showID, fn)
}

// TestCancelStorePanic: the Store panics in CancelBooking's transactions.
// In the cancelling one, nothing is decided: an error, and the booking is
// cancelled by the next call. In the one recording the refund, the money
// is paid but not recorded: an error saying it is owed, and the sweeper
// records it, without paying twice.
func TestCancelStorePanic(t *testing.T) {
	for _, tt := range []struct {
		name  string
		nth   int // which UpdateShow of the call panics
		owing bool
	}{
		{name: "cancelling transaction", nth: 1},
		{name: "recording transaction", nth: 2, owing: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			store := &panickingStore{MemoryStore: boxoffice.NewMemoryStore()}
			f := newFixture(t, func(c *boxoffice.Config) { c.Store, c.SweepInterval = store, time.Second })
			b := f.confirm(f.hold("alice", "A1", "A2"))
			store.arm(tt.nth)
			got, err := cancelNoPanic(t, f, b.ID)
			if err == nil || !strings.Contains(err.Error(), "store bug") {
				t.Fatalf("CancelBooking: %v; want an error telling of the Store's panic", err)
			}
			if tt.owing {
				checkOwedError(t, err)
				if got.Status != boxoffice.StatusCancelled || got.RefundOwed() != 45_00 {
					t.Errorf("returned %s owing %s; want cancelled owing 45.00", got.Status, got.RefundOwed())
				}
				got = settleBySweeper(f, b.ID, 5)
			} else {
				if s := f.booking(b.ID).Status; s != boxoffice.StatusConfirmed {
					t.Fatalf("after the panic: %s; want confirmed (nothing decided)", s)
				}
				if got, err = cancelNoPanic(t, f, b.ID); err != nil {
					t.Fatalf("CancelBooking again: %v", err)
				}
			}
			if _, refunded := f.gateway.Totals(); got.Status != boxoffice.StatusCancelled || got.RefundOwed() != 0 || refunded != 45_00 {
				t.Errorf("in the end: %s owing %s, gateway refunded %s; want cancelled, 45.00 refunded once",
					got.Status, got.RefundOwed(), refunded)
			}
		})
	}
}

// TestReplayedFailureCountsOnce: a failed payment whose void keeps
// failing is replayed by the customer: each replay retries the void, but
// the payment failed once, and Stats counts it once, as it does a failed
// payment that owes nothing.
func TestReplayedFailureCountsOnce(t *testing.T) {
	f := newFixture(t)
	lost := chargeOutcome{err: context.DeadlineExceeded, applied: true}
	f.gateway.script(lost, lost, lost)
	for range 30 {
		f.gateway.refunds = append(f.gateway.refunds, errGatewayDown)
	}
	b := f.hold("alice", "A1")
	if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, boxoffice.ErrPaymentFailed) {
		t.Fatalf("ConfirmBooking: %v; want ErrPaymentFailed", err)
	}
	for i := range 4 {
		got, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
		if !errors.Is(err, boxoffice.ErrPaymentFailed) || got.RefundOwed() == 0 {
			t.Fatalf("replay %d: %v, owing %s; want ErrPaymentFailed, still owing", i, err, got.RefundOwed())
		}
	}
	if n := f.sys.Stats().PaymentFailures; n != 1 {
		t.Errorf("PaymentFailures = %d after 4 replays whose void failed; want 1", n)
	}
	f.gateway.mu.Lock()
	f.gateway.refunds = nil
	f.gateway.mu.Unlock()
	if got, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, boxoffice.ErrPaymentFailed) || got.RefundOwed() != 0 {
		t.Fatalf("replay with the gateway back: %v, owing %s; want ErrPaymentFailed, refunded", err, got.RefundOwed())
	}
	if n := f.sys.Stats().PaymentFailures; n != 1 {
		t.Errorf("PaymentFailures = %d once the void went through; want 1", n)
	}
}
