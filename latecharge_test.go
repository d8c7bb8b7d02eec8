package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// gatewayStep scripts one gateway call of ledgerGateway.
type gatewayStep struct {
	// entered and release, if set, pause the call: it closes entered and
	// waits for release, before reaching the ledger (after, for a refund
	// step with after set).
	entered, release chan struct{}
	after            bool
	// A charge goes through at the ledger if err is nil or applied is set
	// (a lost reply), and answers err. A refund step's err is answered
	// without reaching the ledger: the request was never processed.
	applied bool
	err     error
}

func (s gatewayStep) pause() {
	if s.entered != nil {
		close(s.entered)
		<-s.release
	}
}

// ledgerGateway is one payment provider shared by the processes of a
// test: every call takes the next step of its script (none: go through).
// With remember, a refund under an idempotency key the ledger has
// answered gets that first answer again, errors included — "not found"
// too — as Stripe answers a repeated key.
type ledgerGateway struct {
	ledger   *boxoffice.InMemoryGateway
	remember bool

	mu      sync.Mutex
	charges []gatewayStep
	refunds []gatewayStep
	answers map[string]refundAnswer
	keys    []string // refund keys that reached the ledger, in order
}

type refundAnswer struct {
	rc  boxoffice.Receipt
	err error
}

func newLedgerGateway(remember bool) *ledgerGateway {
	return &ledgerGateway{ledger: boxoffice.NewInMemoryGateway(), remember: remember, answers: make(map[string]refundAnswer)}
}

func pop(steps *[]gatewayStep) gatewayStep {
	var s gatewayStep
	if len(*steps) > 0 {
		s, *steps = (*steps)[0], (*steps)[1:]
	}
	return s
}

func (g *ledgerGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	s := pop(&g.charges)
	g.mu.Unlock()
	s.pause()
	if s.err == nil || s.applied {
		rc, err := g.ledger.Charge(context.Background(), r) // the call's deadline may have passed while paused
		if s.err == nil {
			return rc, err
		}
	}
	return boxoffice.Receipt{}, s.err
}

func (g *ledgerGateway) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	s := pop(&g.refunds)
	g.mu.Unlock()
	if !s.after {
		s.pause()
	}
	if s.err != nil {
		return boxoffice.Receipt{}, s.err
	}
	g.mu.Lock()
	g.keys = append(g.keys, r.IdempotencyKey)
	a, seen := g.answers[r.IdempotencyKey]
	g.mu.Unlock()
	if !g.remember || !seen {
		a.rc, a.err = g.ledger.Refund(context.Background(), r)
		g.mu.Lock()
		if _, seen := g.answers[r.IdempotencyKey]; !seen {
			g.answers[r.IdempotencyKey] = a
		}
		g.mu.Unlock()
	}
	if s.after {
		s.pause()
	}
	return a.rc, a.err
}

func (g *ledgerGateway) refundKeys() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.keys...)
}

// process is one more BookingSystem on f's Store and clock, paying through
// gw: another process of the same deployment.
func (f *fixture) process(gw boxoffice.PaymentGateway) *boxoffice.BookingSystem {
	f.t.Helper()
	return f.processOn(f.store, gw)
}

// processOn is process on a Store that wraps f's.
func (f *fixture) processOn(store boxoffice.Store, gw boxoffice.PaymentGateway) *boxoffice.BookingSystem {
	f.t.Helper()
	return f.newSystem(boxoffice.Config{Store: store, Clock: f.clock, Gateway: gw, HoldsPerMinute: -1,
		PaymentAttempts: 1, PaymentBackoff: -1, SweepInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
}

// confirmAsync starts sys.ConfirmBooking of id in a goroutine; the answer
// comes on the channel.
func confirmAsync(f *fixture, sys *boxoffice.BookingSystem, id boxoffice.BookingID) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := sys.ConfirmBooking(f.ctx, id, "card")
		done <- err
	}()
	return done
}

// paused returns a step's pause channels.
func paused() (entered, release chan struct{}) { return make(chan struct{}), make(chan struct{}) }

// releaseRest closes the release channels not closed yet, so that a test
// that fails half way leaves no gateway call stalled.
func releaseRest(releases ...chan struct{}) {
	for _, r := range releases {
		select {
		case <-r:
		default:
			close(r)
		}
	}
}

// TestLateChargeAfterFailedBookingIsVoided: processes ("late") start
// paying for one booking, one after the other, and their charges stall at
// the gateway; the customer's retry lands on yet another process, whose
// charge fails with a 503: it fails the booking and voids by the void
// key, which finds no charge. Then each late charge ends in turn, as
// scripted: it went through (reply received, or lost to a timeout), or
// it did not. Whatever went through, or may have, after the booking
// failed must be given back — also by a gateway that answers a repeated
// idempotency key with its first answer, "not found" included, where the
// void of a late charge needs a key of its own — and given back once:
// the booking ends failed, owing nothing, with the ledger's refunds
// equal to its charge.
//
// The answer of each late process is the booking's recorded failure
// (the retry's 503), matching what a replay matches.
func TestLateChargeAfterFailedBookingIsVoided(t *testing.T) {
	timedOut := context.DeadlineExceeded
	tests := []struct {
		name    string
		failing error         // the retry's charge error
		late    []gatewayStep // the late charges, in the order they end
		charged bool          // the ledger ends with the charge
	}{
		{"went through", errGatewayDown, []gatewayStep{{}}, true},
		{"went through, reply lost", errGatewayDown, []gatewayStep{{applied: true, err: timedOut}}, true},
		{"timed out, never went through", errGatewayDown, []gatewayStep{{err: timedOut}}, false},
		{"the first never went through, the second did, reply lost", errGatewayDown,
			[]gatewayStep{{err: timedOut}, {applied: true, err: timedOut}}, true},
		{"after a decline, went through, reply lost", boxoffice.ErrPaymentDeclined,
			[]gatewayStep{{applied: true, err: timedOut}}, true},
	}
	for _, tt := range tests {
		for _, remember := range []bool{false, true} {
			name := tt.name
			if remember {
				name += ", gateway remembers answers"
			}
			t.Run(name, func(t *testing.T) {
				gw := newLedgerGateway(remember)
				f := newFixture(t, func(c *boxoffice.Config) { c.Gateway, c.PaymentAttempts = gw, 1 })
				b := f.hold("alice", "A1", "A2")

				var releases []chan struct{}
				var answers []<-chan error
				for i, step := range tt.late {
					sys := f.sys
					if i > 0 {
						sys = f.process(gw)
					}
					entered, release := paused()
					step.entered, step.release = entered, release
					gw.mu.Lock()
					gw.charges = append(gw.charges, step)
					gw.mu.Unlock()
					answers = append(answers, confirmAsync(f, sys, b.ID))
					waitEntered(t, entered, release, "a late charge to reach the gateway")
					releases = append(releases, release)
				}
				defer releaseRest(releases...)

				retry := f.process(gw)
				gw.mu.Lock()
				gw.charges = append(gw.charges, gatewayStep{err: tt.failing})
				gw.mu.Unlock()
				failed, err := retry.ConfirmBooking(f.ctx, b.ID, "card")
				if !errors.Is(err, boxoffice.ErrPaymentFailed) || failed.Status != boxoffice.StatusFailed || failed.RefundOwed() != 0 {
					t.Fatalf("the retry: %s owing %s, %v; want failed, nothing owed (nothing charged yet)", failed.Status, failed.RefundOwed(), err)
				}
				_, replay := retry.ConfirmBooking(f.ctx, b.ID, "card")

				for i, r := range releases {
					close(r)
					errLate := recv(t, answers[i], fmt.Sprintf("late process %d to answer", i+1))
					if !errors.Is(errLate, boxoffice.ErrPaymentFailed) {
						t.Errorf("late process %d: %v; want ErrPaymentFailed", i+1, errLate)
					}
					for _, sentinel := range []error{context.DeadlineExceeded, boxoffice.ErrPaymentDeclined} {
						if errors.Is(errLate, sentinel) != errors.Is(replay, sentinel) {
							t.Errorf("late process %d: %v; a replay answers %v: they differ on %v", i+1, errLate, replay, sentinel)
						}
					}
				}

				got := f.booking(b.ID)
				key := "charge:" + b.ID.String()
				rc, charged := gw.ledger.Charged(key)
				refunded := gw.ledger.Refunded(key)
				if charged != tt.charged {
					t.Fatalf("ledger charged: %v; the script wants %v", charged, tt.charged)
				}
				if got.Status != boxoffice.StatusFailed || got.RefundOwed() != 0 || refunded != rc.Amount {
					t.Errorf("booking %s owing %s (paid %s, refunded %s); ledger charged %s, refunded %s: want failed, nothing owed, all given back",
						got.Status, got.RefundOwed(), got.Payment.Amount, got.Refund.Amount, rc.Amount, refunded)
				}
				if got.Payment.Amount != rc.Amount || got.Refund.Amount != rc.Amount {
					t.Errorf("booking records %s paid and %s refunded; the ledger %s charged and %s refunded",
						got.Payment.Amount, got.Refund.Amount, rc.Amount, refunded)
				}
				if _, gotRefunded := gw.ledger.Totals(); gotRefunded != rc.Amount {
					t.Errorf("ledger refunded %s in all; want %s, once", gotRefunded, rc.Amount)
				}
				t.Logf("refund keys asked: %v", gw.refundKeys())
			})
		}
	}
}

// TestStaleVoidNotFoundIsNotRecorded: a void under an old key that comes
// back "not found" after a late charge was recorded must not wipe out
// what the booking owes under the new key. The retry fails the booking
// and voids; while its void is in flight, another process asked to
// confirm the failed booking voids it too, under the same (old) key, and
// its "not found" is held up. The retry records nothing taken; then the
// late charge goes through (reply lost) and is recorded, and its void
// fails (the gateway is down for it), leaving the money owed. The other
// process's "not found" comes last: it is about the old key, so it must
// not record the booking as owing nothing; the void is made under the new
// key, and gives the money back.
func TestStaleVoidNotFoundIsNotRecorded(t *testing.T) {
	for _, remember := range []bool{false, true} {
		t.Run(gatewayKind(remember), func(t *testing.T) {
			gw := newLedgerGateway(remember)
			f := newFixture(t, func(c *boxoffice.Config) { c.Gateway, c.PaymentAttempts = gw, 1 })
			b := f.hold("alice", "A1", "A2")
			retry, other := f.process(gw), f.process(gw)

			lateIn, lateGo := paused()
			voidIn, voidGo := paused()   // the retry's void, before the ledger
			staleIn, staleGo := paused() // the other process's void, after the ledger said "not found"
			gw.charges = []gatewayStep{{entered: lateIn, release: lateGo, applied: true, err: context.DeadlineExceeded}, {err: errGatewayDown}}
			gw.refunds = []gatewayStep{{entered: voidIn, release: voidGo}, {entered: staleIn, release: staleGo, after: true}, {err: errGatewayDown}}
			defer releaseRest(lateGo, voidGo, staleGo)

			late := confirmAsync(f, f.sys, b.ID)
			waitEntered(t, lateIn, lateGo, "the late charge to reach the gateway")
			retried := confirmAsync(f, retry, b.ID)
			waitEntered(t, voidIn, voidGo, "the retry's void to reach the gateway")
			stale := confirmAsync(f, other, b.ID)
			waitEntered(t, staleIn, staleGo, "the other process's void to be answered")

			close(voidGo) // the retry records nothing taken
			if err := recv(t, retried, "the retry to answer"); !errors.Is(err, boxoffice.ErrPaymentFailed) {
				t.Fatalf("the retry: %v; want ErrPaymentFailed", err)
			}
			if got := f.booking(b.ID); got.Status != boxoffice.StatusFailed || got.RefundOwed() != 0 {
				t.Fatalf("after the retry's void: %s owing %s; want failed, nothing owed", got.Status, got.RefundOwed())
			}
			close(lateGo) // the late charge goes through; its void fails
			recv(t, late, "the late confirm to answer")
			if got := f.booking(b.ID); got.RefundOwed() != b.Total {
				t.Fatalf("after the late charge: owing %s; want %s", got.RefundOwed(), b.Total)
			}
			close(staleGo) // the stale "not found"
			recv(t, stale, "the other process's confirm to answer")

			got := f.booking(b.ID)
			charged, refunded := gw.ledger.Totals()
			if charged != b.Total || refunded != b.Total || got.RefundOwed() != 0 || got.Refund.Amount != b.Total {
				t.Errorf("booking %s owing %s, refunded %s; ledger charged %s, refunded %s: want %s charged and given back",
					got.Status, got.RefundOwed(), got.Refund.Amount, charged, refunded, b.Total)
			}
			t.Logf("refund keys asked: %v", gw.refundKeys())
		})
	}
}

// TestLateChargeLandsBeforeNotFoundIsRecorded: the customer's retry, in
// another process, fails the booking (its charge got a 503: maybe charged)
// and voids; the gateway answers "not found", but before the retry records
// that, the first process's charge goes through and settles. Its void must
// not reuse the retry's key: a gateway that keeps each key's first answer
// would say "not found" again, and the money would be kept with nothing
// owed on record.
func TestLateChargeLandsBeforeNotFoundIsRecorded(t *testing.T) {
	for _, remember := range []bool{false, true} {
		t.Run(map[bool]string{false: "forgets", true: "remembers"}[remember], func(t *testing.T) {
			gw := newLedgerGateway(remember)
			f := newFixture(t, func(c *boxoffice.Config) { c.Gateway, c.PaymentAttempts = gw, 1 })
			b := f.hold("alice", "A1", "A2")
			retry := f.process(gw)

			lateIn, lateGo := paused()
			voidIn, voidGo := paused() // the retry's void, after the ledger said "not found"
			gw.charges = []gatewayStep{{entered: lateIn, release: lateGo}, {err: errGatewayDown}}
			gw.refunds = []gatewayStep{{entered: voidIn, release: voidGo, after: true}}
			defer releaseRest(lateGo, voidGo)

			late := confirmAsync(f, f.sys, b.ID)
			waitEntered(t, lateIn, lateGo, "the late charge to reach the gateway")
			retried := confirmAsync(f, retry, b.ID)
			waitEntered(t, voidIn, voidGo, "the retry's void to be answered")

			close(lateGo) // the late charge goes through and settles
			errLate := recv(t, late, "the late confirm to answer")
			t.Logf("late: %v; booking now %+v", errLate, f.booking(b.ID).Payment)
			close(voidGo) // the retry records its "not found"
			errRetry := recv(t, retried, "the retry to answer")
			t.Logf("retry: %v", errRetry)

			got := f.booking(b.ID)
			charged, refunded := gw.ledger.Totals()
			t.Logf("refund keys asked: %v", gw.refundKeys())
			if charged != refunded || got.RefundOwed() != charged-refunded {
				t.Errorf("booking %s owing %s (paid %s, refunded %s); ledger charged %s, refunded %s: money kept with nothing owed on record",
					got.Status, got.RefundOwed(), got.Payment.Amount, got.Refund.Amount, charged, refunded)
			}
		})
	}
}
