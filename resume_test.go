package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// pausedPayment is a fixture on a failingStore whose sweeper ticks every
// sweep; at the clock's reading at, alice holds A1 and A2 and pays, the
// gateway charges, and the transaction that would record it fails: the
// booking is left paying since at, charged once.
func pausedPayment(t *testing.T, sweep time.Duration, at time.Time) (*fixture, *failingStore, boxoffice.Booking) {
	t.Helper()
	store := &failingStore{MemoryStore: boxoffice.NewMemoryStore()}
	f := newFixture(t, abandonedConfig, func(c *boxoffice.Config) { c.Store, c.SweepInterval = store, sweep })
	f.clock.Advance(at.Sub(f.clock.Now()))
	b := f.hold("alice", "A1", "A2")
	failSettle(f, store)
	if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card:tok_visa"); !errors.Is(err, errStoreDown) {
		t.Fatalf("ConfirmBooking whose settle fails: %v; want the Store's error", err)
	}
	if got := f.booking(b.ID); got.Status != boxoffice.StatusPaying || !got.UpdatedAt.Equal(at) {
		t.Fatalf("after the failed settle: %s since %v; want paying since %v", got.Status, got.UpdatedAt, at)
	}
	return f, store, b
}

// failSettle makes the Store fail the transaction that follows the
// gateway's next charge call: the settle of the payment.
func failSettle(f *fixture, store *failingStore) {
	var once sync.Once
	f.gateway.mu.Lock()
	f.gateway.before = func() { once.Do(func() { store.failUpdates(1) }) }
	f.gateway.mu.Unlock()
}

// TestResumeRestartsAbandonBound: a resume of a paying booking counts as a
// new start of its payment. A customer's retry resumes a payment abandoned
// (333 s after it began) and cannot record its outcome either; the
// sweeper then leaves the booking alone until 333 s after that resume —
// it could still be live in another process — rather than resuming it at
// once because the first start is long past.
func TestResumeRestartsAbandonBound(t *testing.T) {
	const sweep = 400 * time.Second // the first tick comes 400 s after the payment began
	f, store, b := pausedPayment(t, sweep, start)
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	if err := f.clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(abandonBound + time.Second)
	resumedAt := f.clock.Now()
	failSettle(f, store)
	if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card:other"); !errors.Is(err, errStoreDown) {
		t.Fatalf("the retry: %v; want the Store's error", err)
	}
	if got := f.booking(b.ID); got.Status != boxoffice.StatusPaying || !got.UpdatedAt.Equal(resumedAt) {
		t.Fatalf("after the retry: %s since %v; want paying since the retry, %v", got.Status, got.UpdatedAt, resumedAt)
	}
	f.tick(sweep - (abandonBound + time.Second)) // 400 s after the start, 66 s after the retry
	if n, st := f.gateway.chargeCalls(), f.booking(b.ID).Status; n != 2 || st != boxoffice.StatusPaying {
		t.Fatalf("sweeper 66 s after the retry: %d charge calls, %s; want 2 and paying: the retry may still be live", n, st)
	}
	f.tick(sweep) // 466 s after the retry
	if n, st := f.gateway.chargeCalls(), f.booking(b.ID).Status; n != 3 || st != boxoffice.StatusConfirmed {
		t.Fatalf("sweeper past the bound of the retry: %d charge calls, %s; want 3 and confirmed", n, st)
	}
	if keys := f.gateway.ChargeKeys(); len(keys) != 1 {
		t.Errorf("%d charges; want 1", len(keys))
	}
}

// TestResumeAfterShowStart: a customer's retry of a payment left paying
// charges only before the show starts. After the start it is refused with
// ErrShowStarted, nothing charged and the booking left paying, while the
// payment may still be live; once abandoned, what it took is voided.
func TestResumeAfterShowStart(t *testing.T) {
	showStart := time.Date(2026, 3, 3, 19, 0, 0, 0, time.UTC)
	began := showStart.Add(-10 * time.Second) // 18:59:50
	tests := []struct {
		name        string
		retryAt     time.Time
		wantErr     error // nil: confirmed
		wantStatus  boxoffice.BookingStatus
		wantCharges int // gateway charge calls in all
		wantRefund  bool
	}{
		{"before the start: charged by the same key and confirmed", showStart.Add(-time.Second), nil, boxoffice.StatusConfirmed, 2, false},
		{"after the start, maybe live: refused, nothing charged", showStart.Add(30 * time.Second), boxoffice.ErrShowStarted, boxoffice.StatusPaying, 1, false},
		{"after the start, abandoned: voided", began.Add(abandonBound + time.Second), boxoffice.ErrShowStarted, boxoffice.StatusFailed, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, b := pausedPayment(t, 24*time.Hour, began)
			f.clock.Advance(tt.retryAt.Sub(f.clock.Now()))
			got, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card:other")
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("the retry: %v; want %v", err, tt.wantErr)
			}
			var se *boxoffice.ShowStartedError
			if tt.wantErr != nil && !errors.As(err, &se) {
				t.Errorf("the retry: %T; want a *ShowStartedError in the chain", err)
			}
			stored := f.booking(b.ID)
			if stored.Status != tt.wantStatus {
				t.Errorf("booking %s; want %s", stored.Status, tt.wantStatus)
			}
			if tt.wantStatus == boxoffice.StatusPaying && !stored.UpdatedAt.Equal(began) {
				t.Errorf("refused retry moved paying since to %v; want %v", stored.UpdatedAt, began)
			}
			if got.Status != stored.Status && tt.wantStatus != boxoffice.StatusPaying {
				t.Errorf("answered %s, stored %s", got.Status, stored.Status)
			}
			if n := f.gateway.chargeCalls(); n != tt.wantCharges {
				t.Errorf("%d charge calls; want %d", n, tt.wantCharges)
			}
			var wantRefunded boxoffice.Money
			if tt.wantRefund {
				wantRefunded = b.Total
			}
			if charged, refunded := f.gateway.Totals(); charged != b.Total || refunded != wantRefunded {
				t.Errorf("gateway: charged %s, refunded %s; want %s and %s", charged, refunded, b.Total, wantRefunded)
			}
		})
	}
}

// TestLateChargeAfterOtherProcessFailedIt: two processes on one Store
// (and one gateway) pay for one booking; the interleaving is forced.
// Process A's charge is in flight but not yet at the gateway; process B
// resumes the payment, its charge fails (unknown outcome), it records the
// booking failed and voids — and the gateway, which has no charge by the
// key yet, says there is nothing to void, so B records nothing owed. A's
// charge then goes through. A's settle must not leave that money kept
// with nothing owed: it records the charge and voids it.
func TestLateChargeAfterOtherProcessFailedIt(t *testing.T) {
	f := newFixture(t)
	gwB := &scriptedGateway{InMemoryGateway: f.gateway.InMemoryGateway} // the same payment provider
	gwB.script(chargeOutcome{err: errGatewayDown})
	sysB, err := boxoffice.New(boxoffice.Config{Store: f.store, Clock: f.clock, Gateway: gwB,
		HoldsPerMinute: -1, PaymentBackoff: -1, PaymentAttempts: 1, SweepInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sysB.Close(ctx); err != nil {
			t.Errorf("Close B: %v", err)
		}
	})
	b := f.hold("alice", "A1", "A2")

	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.gateway.mu.Lock()
	f.gateway.before = func() { once.Do(func() { close(entered); <-release }) }
	f.gateway.mu.Unlock()
	done := make(chan struct{})
	var gotA boxoffice.Booking
	var errA error
	go func() {
		defer close(done)
		gotA, errA = f.sys.ConfirmBooking(f.ctx, b.ID, "card")
	}()
	waitEntered(t, entered, release, "process A to charge")

	gotB, errB := sysB.ConfirmBooking(f.ctx, b.ID, "card")
	if !errors.Is(errB, boxoffice.ErrPaymentFailed) || gotB.Status != boxoffice.StatusFailed || gotB.RefundOwed() != 0 {
		close(release)
		t.Fatalf("process B: %s owing %s, %v; want failed, nothing owed (no charge to void yet)", gotB.Status, gotB.RefundOwed(), errB)
	}
	close(release)
	recv(t, done, "process A's confirm to return")
	if !errors.Is(errA, boxoffice.ErrPaymentFailed) {
		t.Errorf("process A: %v; want ErrPaymentFailed", errA)
	}

	got := f.booking(b.ID)
	if got.Status != boxoffice.StatusFailed || got.Payment.Amount != b.Total || got.Refund.Amount != b.Total || got.RefundOwed() != 0 {
		t.Errorf("booking: %s, paid %s, refunded %s, owing %s; want failed, %s paid and refunded",
			got.Status, got.Payment.Amount, got.Refund.Amount, got.RefundOwed(), b.Total)
	}
	if gotA.Refund.Amount != b.Total {
		t.Errorf("process A answered refund %s; want %s", gotA.Refund.Amount, b.Total)
	}
	if charged, refunded := f.gateway.Totals(); charged != b.Total || refunded != b.Total {
		t.Errorf("gateway: charged %s, refunded %s; want %s both: no money kept without a ticket", charged, refunded, b.Total)
	}
}

// panicGateway panics in its first charge call, once release is closed.
type panicGateway struct {
	*scriptedGateway
	once             sync.Once
	entered, release chan struct{}
}

func (g *panicGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.entered)
		<-g.release
		panic("gateway bug")
	}
	return g.scriptedGateway.Charge(ctx, r)
}

// TestConfirmGatewayPanic: a gateway that panics during ConfirmBooking
// does not take the caller down, nor leave the confirm in flight forever:
// the call and the call that joined it get an error, and the next call
// pays (the panic came before the gateway charged).
func TestConfirmGatewayPanic(t *testing.T) {
	gw := &panicGateway{scriptedGateway: newScriptedGateway(), entered: make(chan struct{}), release: make(chan struct{})}
	f := newFixture(t, func(c *boxoffice.Config) { c.Gateway = gw })
	b := f.hold("alice", "A1")

	confirm := func() (boxoffice.Booking, error) {
		ctx, cancel := context.WithTimeout(f.ctx, 5*time.Second)
		defer cancel()
		var got boxoffice.Booking
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panicked: %v", r)
					t.Errorf("ConfirmBooking panicked: %v", r)
				}
			}()
			got, err = f.sys.ConfirmBooking(ctx, b.ID, "card")
		}()
		return got, err
	}
	errs := make(chan error, 2)
	go func() { _, err := confirm(); errs <- err }()
	waitEntered(t, gw.entered, gw.release, "the gateway to be called")
	go func() { _, err := confirm(); errs <- err }()
	for i := 0; boxoffice.ConfirmWaitersForTest(f.sys, b.ID) < 1; i++ {
		if i == 10_000_000 {
			close(gw.release)
			t.Fatal("the second call never joined the first")
		}
		runtime.Gosched()
	}
	close(gw.release)
	for range 2 {
		if err := recv(t, errs, "a call during the panic to return"); err == nil || !strings.Contains(err.Error(), "gateway bug") {
			t.Errorf("a call during the panic: %v; want an error naming the panic", err)
		}
	}
	if st := f.booking(b.ID).Status; st != boxoffice.StatusPaying {
		t.Errorf("after the panic: %s; want paying (left for a resume)", st)
	}
	got, err := confirm()
	if err != nil || got.Status != boxoffice.StatusConfirmed {
		t.Fatalf("the next call: %s, %v; want confirmed", got.Status, err)
	}
	if keys := gw.ChargeKeys(); len(keys) != 1 {
		t.Errorf("%d charges; want 1", len(keys))
	}
}
