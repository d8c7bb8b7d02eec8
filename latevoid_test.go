package boxoffice_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// failAtStore is a Store whose n-th UpdateShow (counted from 1) fails
// without running, as a lost database connection does; 0 fails none.
type failAtStore struct {
	boxoffice.Store
	mu     sync.Mutex
	n, cur int
}

func (s *failAtStore) UpdateShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	s.mu.Lock()
	s.cur++
	fail := s.cur == s.n
	s.mu.Unlock()
	if fail {
		return errStoreDown
	}
	return s.Store.UpdateShow(ctx, showID, fn)
}

// TestLateReplayOfChargeAfterUnrecordedVoid: a charge that went through
// (its receipt recorded on the booking) is the one charge of the booking's
// charge key; a call of another process that gets that receipt again
// after the booking failed has not taken anything new. Process A's
// charge goes through, but the hold has lapsed and a seat is taken: the
// booking fails, owing the charge, and A's void gives it back, but the
// Store fails the transaction that records it. Process L, which started
// paying before A settled, then gets the same receipt from the gateway.
// It must not take that for a late charge under a void key of its own:
// the gateway refuses to give back twice what one charge took, so the
// booking would owe the money on record for ever, and the sweeper retry
// a refused void every hour, while the customer has it back. Voiding
// again under the key of the void that went through gets its receipt
// again, and the booking ends owing nothing, given back once.
func TestLateReplayOfChargeAfterUnrecordedVoid(t *testing.T) {
	for _, remember := range []bool{false, true} {
		t.Run(gatewayKind(remember), func(t *testing.T) {
			// A's UpdateShow calls: 1 resumes the payment, 2 settles it
			// (failed, hold lost), 3 records the void: it fails. A's
			// charge goes through.
			r := startLateReplay(t, remember)
			f, gw, a, late, b, release, lateDone := r.f, r.gw, r.a, r.late, r.b, r.release, r.lateDone

			// The hold lapses (the payment is not abandoned yet) and bob
			// takes the seat.
			f.clock.Advance(2 * time.Minute)
			f.hold("bob", "A1")

			_, err := a.ConfirmBooking(f.ctx, b.ID, "card")
			if !errors.Is(err, errStoreDown) {
				t.Fatalf("A's ConfirmBooking: %v; want the Store's error recording the void", err)
			}
			if charged, refunded := gw.ledger.Totals(); charged != b.Total || refunded != b.Total {
				t.Fatalf("ledger after A: charged %s, refunded %s; want %s both", charged, refunded, b.Total)
			}

			close(release)
			lateErr := <-lateDone
			if !errors.Is(lateErr, boxoffice.ErrPaymentFailed) || !errors.Is(lateErr, boxoffice.ErrHoldExpired) {
				t.Fatalf("L's ConfirmBooking: %v; want ErrPaymentFailed and ErrHoldExpired", lateErr)
			}

			// Whatever is left owed, the sweepers of both processes pay.
			wantGivenBackOnce(t, f, gw, b, a, late, f.sys)
		})
	}
}

// TestLateReplayOfUnknownChargeAfterUnrecordedVoid: as
// TestLateReplayOfChargeAfterUnrecordedVoid, but A's charge times out
// (it went through, its reply lost), so the failed booking records no
// receipt: it owes the total, outcome unknown. A's void gives it back,
// and the Store fails the transaction that records it. L's charge then
// gets the receipt again and, finding the booking failed, takes it for a
// late charge. The void under A's key may have gone through (as here) or
// found nothing before the charge landed: voiding again under that key
// tells which (its answer again, or the charge found), and only "not
// found" may move the void to a key of its own. Moving on at once, as
// before, had the void under the new key refused at every retry as more
// than the charge took, and the booking owe on record for ever what was
// given back.
func TestLateReplayOfUnknownChargeAfterUnrecordedVoid(t *testing.T) {
	for _, remember := range []bool{false, true} {
		t.Run(gatewayKind(remember), func(t *testing.T) {
			// A's UpdateShow calls: 1 resumes the payment, 2 settles it
			// (failed, outcome unknown), 3 records the void: it fails.
			// A's charge goes through, its answer lost.
			r := startLateReplay(t, remember, gatewayStep{applied: true, err: context.DeadlineExceeded})
			f, gw, a, late, b, release, lateDone := r.f, r.gw, r.a, r.late, r.b, r.release, r.lateDone

			f.clock.Advance(2 * time.Minute) // L's payment looks abandoned: A resumes it
			_, err := a.ConfirmBooking(f.ctx, b.ID, "card")
			if !errors.Is(err, errStoreDown) {
				t.Fatalf("A's ConfirmBooking: %v; want the Store's error recording the void", err)
			}
			if got := f.booking(b.ID); got.Status != boxoffice.StatusFailed || got.RefundOwed() != b.Total || !got.Payment.PaidAt.IsZero() {
				t.Fatalf("booking after A: %s owing %s, paid at %v; want failed, owing %s, no receipt", got.Status, got.RefundOwed(), got.Payment.PaidAt, b.Total)
			}
			if charged, refunded := gw.ledger.Totals(); charged != b.Total || refunded != b.Total {
				t.Fatalf("ledger after A: charged %s, refunded %s; want %s both", charged, refunded, b.Total)
			}

			close(release)
			if lateErr := <-lateDone; !errors.Is(lateErr, boxoffice.ErrPaymentFailed) {
				t.Fatalf("L's ConfirmBooking: %v; want ErrPaymentFailed", lateErr)
			}

			// Whatever is left owed, the sweepers of both processes pay.
			wantGivenBackOnce(t, f, gw, b, a, late, f.sys)
		})
	}
}

// TestLateReceiptWhileNotFoundInFlight: the retry, in process R, fails
// the booking (its charge got a 503: maybe charged) and voids; the gateway
// answers "not found", and the answer is held up. L's charge, started
// first, then goes through, and L's void is made, but the Store fails the
// transaction that records its outcome. R's "not found" comes last: it
// was asked before the charge landed, so it must not record the booking
// as owing nothing while the ledger keeps the charge — whether L's void
// gave the money back (a gateway that forgets answers finds the charge)
// or found nothing again (one that remembers answers says "not found"
// again under R's key).
func TestLateReceiptWhileNotFoundInFlight(t *testing.T) {
	for _, remember := range []bool{false, true} {
		t.Run(gatewayKind(remember), func(t *testing.T) {
			gw := newLedgerGateway(remember)
			f := newFixture(t, func(c *boxoffice.Config) { c.Gateway, c.PaymentAttempts = gw, 1 })
			// L's UpdateShow calls: 1 marks the booking paying, 2 settles
			// its charge (the booking failed meanwhile), 3 records its
			// void: it fails.
			l := f.processOn(&failAtStore{Store: f.store, n: 3}, gw)
			r := f.process(gw)
			b := f.hold("alice", "A1", "A2")

			lateIn, lateGo := paused()
			voidIn, voidGo := paused() // R's void, after the ledger said "not found"
			gw.charges = []gatewayStep{{entered: lateIn, release: lateGo}, {err: errGatewayDown}}
			gw.refunds = []gatewayStep{{entered: voidIn, release: voidGo, after: true}}
			defer releaseRest(lateGo, voidGo)

			late := confirmAsync(f, l, b.ID)
			waitEntered(t, lateIn, lateGo, "L's charge to reach the gateway")
			retried := confirmAsync(f, r, b.ID)
			waitEntered(t, voidIn, voidGo, "R's void to be answered")

			close(lateGo) // L's charge goes through; its void's record is lost
			if err := recv(t, late, "L to answer"); !errors.Is(err, errStoreDown) && !errors.Is(err, boxoffice.ErrPaymentFailed) {
				t.Fatalf("L: %v; want the Store's error or ErrPaymentFailed", err)
			}
			close(voidGo) // R's "not found", asked before the charge landed
			recv(t, retried, "R to answer")

			wantGivenBackOnce(t, f, gw, b, l, r, f.sys)
		})
	}
}

// wantGivenBackOnce runs the sweepers of systems over eight hours, long
// enough for every retry of money owed back, then checks that b failed
// with its total given back, nothing owed, and that the gateway's ledger
// charged and refunded the total once each.
func wantGivenBackOnce(t *testing.T, f *fixture, gw *ledgerGateway, b boxoffice.Booking, systems ...*boxoffice.BookingSystem) {
	t.Helper()
	for range 4 {
		f.clock.Advance(2 * time.Hour)
		for _, sys := range systems {
			if _, err := sys.Sweep(f.ctx); err != nil {
				t.Fatalf("Sweep: %v", err)
			}
		}
	}
	got := f.booking(b.ID)
	if got.Status != boxoffice.StatusFailed || got.RefundOwed() != 0 || got.Refund.Amount != b.Total {
		t.Errorf("booking: %s, refund %s, owing %s (payment %s, attempts %d); want failed, %s given back, nothing owed",
			got.Status, got.Refund.Amount, got.RefundOwed(), got.Payment.Amount, got.Payment.Attempts, b.Total)
	}
	if charged, refunded := gw.ledger.Totals(); charged != b.Total || refunded != b.Total {
		t.Errorf("ledger: charged %s, refunded %s; want %s both", charged, refunded, b.Total)
	}
	t.Logf("refund keys that reached the gateway: %v", gw.refundKeys())
}

// gatewayKind names the subtest of a ledgerGateway that remembers each
// key's answer, or not.
func gatewayKind(remember bool) string {
	if remember {
		return "gateway remembers answers"
	}
	return "gateway forgets answers"
}

// lateReplay is the two processes of the late-void tests: L, whose
// charge of alice's hold of A1 is held at the gateway until release is
// closed (lateDone answers its ConfirmBooking), and A, whose Store fails
// its third UpdateShow.
type lateReplay struct {
	f        *fixture
	gw       *ledgerGateway
	a, late  *boxoffice.BookingSystem
	b        boxoffice.Booking
	release  chan struct{}
	lateDone <-chan error
}

// startLateReplay sets up a lateReplay, A's charge answered by aCharges
// (none: it goes through), and returns once L's charge is at the gateway,
// L having marked the booking paying.
func startLateReplay(t *testing.T, remember bool, aCharges ...gatewayStep) lateReplay {
	t.Helper()
	r := lateReplay{gw: newLedgerGateway(remember)}
	r.f = newFixture(t, func(c *boxoffice.Config) {
		c.Gateway, c.PaymentAttempts, c.HoldTTL = r.gw, 1, time.Minute
	})
	r.late = r.f.process(r.gw)
	r.a = r.f.processOn(&failAtStore{Store: r.f.store, n: 3}, r.gw)
	r.b = r.f.hold("alice", "A1")
	entered, release := paused()
	t.Cleanup(func() { releaseRest(release) })
	r.release = release
	r.gw.mu.Lock()
	r.gw.charges = append([]gatewayStep{{entered: entered, release: release}}, aCharges...) // L's, then A's
	r.gw.mu.Unlock()
	r.lateDone = confirmAsync(r.f, r.late, r.b.ID)
	<-entered
	return r
}
