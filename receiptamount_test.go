package boxoffice_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// wrongAmountGateway charges take of what a charge asks, for the users in
// users (all users when nil), and reports what it took (or, with report,
// a receipt for that amount): a gateway that breaks the contract that a
// charge takes exactly the amount asked.
type wrongAmountGateway struct {
	*boxoffice.InMemoryGateway
	take   func(asked boxoffice.Money) boxoffice.Money
	report func(asked boxoffice.Money) boxoffice.Money
	users  map[string]bool
}

func (g wrongAmountGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	if g.users != nil && !g.users[r.UserID] {
		return g.InMemoryGateway.Charge(ctx, r)
	}
	asked := r.Amount
	if g.take != nil {
		r.Amount = g.take(asked)
	}
	rc, err := g.InMemoryGateway.Charge(ctx, r)
	if err == nil && g.report != nil {
		rc.Amount = g.report(asked)
	}
	return rc, err
}

// confirmedTotal sums the totals of the confirmed bookings among ids.
func (f *fixture) confirmedTotal(ids ...boxoffice.BookingID) boxoffice.Money {
	f.t.Helper()
	var sum boxoffice.Money
	for _, id := range ids {
		if b := f.booking(id); b.Status == boxoffice.StatusConfirmed {
			sum += b.Total
		}
	}
	return sum
}

// TestChargeReceiptOfAnotherAmountFailsAndVoids: a charge takes exactly
// the amount asked or fails. A receipt for less (the customer would get a
// ticket for half the price, told "Total paid" with the full total, and a
// lost reply would have the void ask for the full total, which the
// gateway refuses for ever) or for more is a gateway error: the booking
// fails, its seats are freed, and exactly what the receipt says was taken
// is voided, so that charged − refunded stays the total of the confirmed
// bookings.
func TestChargeReceiptOfAnotherAmountFailsAndVoids(t *testing.T) {
	tests := []struct {
		name   string
		take   func(boxoffice.Money) boxoffice.Money
		report func(boxoffice.Money) boxoffice.Money
		want   boxoffice.Money // taken, and so voided, of 15.00
	}{
		{"partial", func(m boxoffice.Money) boxoffice.Money { return m / 2 }, nil, 7_50},
		{"over", func(m boxoffice.Money) boxoffice.Money { return m + 5_00 }, nil, 20_00},
		{"nothing", func(boxoffice.Money) boxoffice.Money { return 0 }, nil, 0},
		// A negative receipt says nothing of what was taken: the outcome
		// is unknown, and the total asked is voided.
		{"negative receipt", nil, func(boxoffice.Money) boxoffice.Money { return -1_00 }, 15_00},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw := wrongAmountGateway{InMemoryGateway: boxoffice.NewInMemoryGateway(), take: tt.take, report: tt.report}
			rec := newRecorder()
			f := newFixture(t, func(c *boxoffice.Config) {
				c.Gateway, c.Observers = gw, []boxoffice.Observer{rec}
			})
			b := f.hold("alice", "E1") // 15.00
			got, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
			t.Logf("ConfirmBooking: %v", err)
			if !errors.Is(err, boxoffice.ErrPaymentFailed) {
				t.Fatalf("ConfirmBooking: %v; want ErrPaymentFailed", err)
			}
			for _, s := range []error{boxoffice.ErrPaymentDeclined, context.DeadlineExceeded, boxoffice.ErrHoldExpired} {
				if errors.Is(err, s) {
					t.Errorf("ConfirmBooking: %v matches %v; want a gateway error", err, s)
				}
			}
			if got.Status != boxoffice.StatusFailed || got.Payment.FailureKind != boxoffice.FailureGatewayError {
				t.Errorf("booking %s (%s); want failed with a gateway error", got.Status, got.Payment.FailureKind)
			}
			if got.Payment.Amount != tt.want || got.Refund.Amount != tt.want || got.RefundOwed() != 0 {
				t.Errorf("paid %s, refunded %s, owing %s; want %s taken and given back, nothing owed",
					got.Payment.Amount, got.Refund.Amount, got.RefundOwed(), tt.want)
			}
			if s := f.seatStatus("E1"); s != boxoffice.SeatAvailable {
				t.Errorf("seat E1 is %s; want it freed", s)
			}
			charged, refunded := gw.Totals()
			if charged != tt.want || charged-refunded != 0 {
				t.Errorf("gateway charged %s, refunded %s; want %s charged and charged − refunded = 0 (nothing confirmed)",
					charged, refunded, tt.want)
			}
			// The customer hears of a failed payment, and of the refund,
			// never of a confirmation.
			ev := rec.waitFor(t, 2)
			pf, ok := ev[len(ev)-1].(*boxoffice.PaymentFailed)
			if !ok {
				t.Fatalf("events %T; want SeatsHeld then PaymentFailed", ev)
			}
			if pf.Refund.Amount != tt.want || pf.Reason == "" {
				t.Errorf("PaymentFailed says %q, refund %s; want a reason and %s refunded", pf.Reason, pf.Refund.Amount, tt.want)
			}
			// A replay answers as the first call did, from the record.
			_, again := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
			if !errors.Is(again, boxoffice.ErrPaymentFailed) || again.Error() != err.Error() {
				t.Errorf("replay: %v; want %v", again, err)
			}
		})
	}
}

// TestPartialChargeKeepsMoneyInvariant, adapted from the review's
// TestZZVoidOfPartialChargeNeverPaid (a gateway that took half the total
// and lost its reply had the void ask for the whole total, refused every
// hour for ever): a gateway that takes half breaks the contract, and the
// library must not build on it. Alongside bookings paid in full, the
// partly paid one fails and is voided in full, and charged − refunded
// equals the total of the confirmed bookings: at once, after a
// cancellation, and after a day of sweeps.
func TestPartialChargeKeepsMoneyInvariant(t *testing.T) {
	gw := wrongAmountGateway{InMemoryGateway: boxoffice.NewInMemoryGateway(),
		take: func(m boxoffice.Money) boxoffice.Money { return m / 2 }, users: map[string]bool{"alice": true}}
	f := newFixture(t, func(c *boxoffice.Config) {
		c.Gateway, c.SweepInterval = gw, time.Second
	})
	bob := f.confirm(f.hold("bob", "A1", "A2")) // 45.00, paid in full
	carol := f.confirm(f.hold("carol", "E5"))   // 15.00, paid in full
	alice := f.hold("alice", "E1")              // 15.00; the gateway takes 7.50
	if _, err := f.sys.ConfirmBooking(f.ctx, alice.ID, "card"); !errors.Is(err, boxoffice.ErrPaymentFailed) {
		t.Fatalf("ConfirmBooking of a half charge: %v; want ErrPaymentFailed", err)
	}
	ids := []boxoffice.BookingID{bob.ID, carol.ID, alice.ID}
	check := func(when string) {
		t.Helper()
		charged, refunded := gw.Totals()
		if want := f.confirmedTotal(ids...); charged-refunded != want {
			t.Errorf("%s: charged %s, refunded %s: kept %s; want the confirmed total %s",
				when, charged, refunded, charged-refunded, want)
		}
	}
	check("after the confirms")
	if got := f.booking(alice.ID); got.Status != boxoffice.StatusFailed || got.RefundOwed() != 0 || got.Refund.Amount != 7_50 {
		t.Errorf("alice: %s, refunded %s, owing %s; want failed, 7.50 given back", got.Status, got.Refund.Amount, got.RefundOwed())
	}
	if _, err := f.sys.CancelBooking(f.ctx, bob.ID); err != nil { // 10 h before the show: 100 %
		t.Fatalf("CancelBooking: %v", err)
	}
	check("after bob cancelled")
	for i := 0; i < 24; i++ {
		f.tick(time.Hour)
	}
	check("a day of sweeps later")
}

// wrongRefundReceipts is a scriptedGateway whose first bad refunds go
// through but answer a receipt for another amount than asked (report of
// it): a gateway that breaks the contract that a refund gives back
// exactly the amount asked, as an adapter that maps the provider's
// refund ID and nothing else would (a receipt of Amount 0). Later
// refunds, under the same key, answer the ledger's true receipt.
type wrongRefundReceipts struct {
	*scriptedGateway
	report func(asked boxoffice.Money) boxoffice.Money
	mu     sync.Mutex
	bad    int
	keys   []string
}

func (g *wrongRefundReceipts) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	rc, err := g.scriptedGateway.Refund(ctx, r)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.keys = append(g.keys, r.IdempotencyKey)
	if err == nil && g.bad > 0 {
		g.bad--
		rc.Amount = g.report(r.Amount)
	}
	return rc, err
}

func (g *wrongRefundReceipts) refundKeys() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.keys)
}

// TestRefundReceiptOfAnotherAmountStaysOwed: a refund gives back exactly
// the amount asked, as a charge takes exactly the amount asked. A
// receipt for another amount — none at all, less, or more — is a
// gateway error, not a refund of what it names: recording it would turn
// a refund of 15.00, which the gateway paid, into one of 0.00 with
// nothing owed (a cancellation's refund), or record 15.00 given back on
// the gateway's word for something else (a void). The refund stays owed,
// the error is logged, and the sweeper retries it under the same key
// until a receipt names the amount asked, which is then recorded.
func TestRefundReceiptOfAnotherAmountStaysOwed(t *testing.T) {
	reports := []struct {
		name   string
		report func(boxoffice.Money) boxoffice.Money
	}{
		{"reference only", func(boxoffice.Money) boxoffice.Money { return 0 }},
		{"less", func(m boxoffice.Money) boxoffice.Money { return m / 2 }},
		{"more", func(m boxoffice.Money) boxoffice.Money { return m + 1_00 }},
	}
	paths := []struct {
		name string
		// owe makes alice's booking of E1 (15.00) owe its refund through
		// the gateway, and returns the call's booking and error.
		owe      func(f *fixture, gw *wrongRefundReceipts) (boxoffice.Booking, error)
		wantErr  error // besides an error that names no money as refunded
		status   boxoffice.BookingStatus
		keyStart string
	}{
		{"cancellation", func(f *fixture, _ *wrongRefundReceipts) (boxoffice.Booking, error) {
			b := f.confirm(f.hold("alice", "E1"))
			return f.sys.CancelBooking(f.ctx, b.ID) // 10 h before the show: 100 %
		}, nil, boxoffice.StatusCancelled, "refund:"},
		{"void", func(f *fixture, gw *wrongRefundReceipts) (boxoffice.Booking, error) {
			gw.script(chargeOutcome{err: errGatewayDown, applied: true}) // charged, reply lost
			b := f.hold("alice", "E1")
			return f.sys.ConfirmBooking(f.ctx, b.ID, "card")
		}, boxoffice.ErrPaymentFailed, boxoffice.StatusFailed, "void:"},
	}
	for _, p := range paths {
		for _, r := range reports {
			t.Run(p.name+"/"+r.name, func(t *testing.T) {
				log := &syncBuffer{}
				gw := &wrongRefundReceipts{scriptedGateway: newScriptedGateway(), report: r.report, bad: 1}
				f := newFixture(t, func(c *boxoffice.Config) {
					c.Gateway, c.PaymentAttempts, c.SweepInterval = gw, 1, time.Second
					c.Logger = slog.New(slog.NewTextHandler(log, nil))
				})
				b, err := p.owe(f, gw)
				if err == nil || p.wantErr != nil && !errors.Is(err, p.wantErr) {
					t.Fatalf("the call whose refund receipt names another amount: %v; want an error (matching %v)", err, p.wantErr)
				}
				got := f.booking(b.ID)
				if got.Status != p.status || got.RefundOwed() != 15_00 || !got.Refund.RefundedAt.IsZero() {
					t.Fatalf("after a refund receipt for another amount: %s, refund %s at %v, owing %s; want %s owing 15.00, not recorded as refunded",
						got.Status, got.Refund.Amount, got.Refund.RefundedAt, got.RefundOwed(), p.status)
				}
				if l := log.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "receipt for another amount") {
					t.Errorf("nothing logged about the receipt; log:\n%s", log)
				}
				for i := 0; i < 10 && f.booking(b.ID).RefundOwed() != 0; i++ {
					f.tick(time.Second)
				}
				got = f.booking(b.ID)
				if got.RefundOwed() != 0 || got.Refund.Amount != 15_00 || got.Refund.RefundedAt.IsZero() {
					t.Errorf("after the sweeper's retry: refund %s at %v, owing %s; want 15.00 recorded as refunded",
						got.Refund.Amount, got.Refund.RefundedAt, got.RefundOwed())
				}
				keys := gw.refundKeys()
				if len(keys) < 2 || !strings.HasPrefix(keys[0], p.keyStart) {
					t.Fatalf("refund keys %q; want the call's and the sweeper's, of the %s key", keys, p.keyStart)
				}
				for _, k := range keys[1:] {
					if k != keys[0] {
						t.Errorf("refund keys %q; want every retry under the first key", keys)
					}
				}
				if _, refunded := gw.Totals(); refunded != 15_00 {
					t.Errorf("the gateway refunded %s; want 15.00, once", refunded)
				}
			})
		}
	}
}

// lateChargeDuringVoid takes 20.00 for a charge of 15.00 and loses the
// reply (the outcome is unknown, so the booking owes back the 15.00
// asked), and, during the first refund, has another process record what
// a late charge's receipt of the same key named: 20.00 taken, under a
// newer void key.
type lateChargeDuringVoid struct {
	*boxoffice.InMemoryGateway
	store boxoffice.Store
	show  string
	once  sync.Once
	err   error
}

func (g *lateChargeDuringVoid) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	r.Amount = 20_00
	if _, err := g.InMemoryGateway.Charge(ctx, r); err != nil {
		return boxoffice.Receipt{}, err
	}
	return boxoffice.Receipt{}, errGatewayDown
}

func (g *lateChargeDuringVoid) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	g.once.Do(func() {
		g.err = g.store.UpdateShow(context.Background(), g.show, func(tx boxoffice.ShowTx) error {
			b, err := tx.Booking(r.Booking)
			if err != nil {
				return err
			}
			b.Payment.Amount, b.Payment.Attempts = 20_00, b.Payment.Attempts+1
			tx.PutBooking(b)
			return nil
		})
	})
	return g.InMemoryGateway.Refund(ctx, r)
}

// TestVoidRecordsWhatItsReceiptGaveBack: a void records as given back the
// amount its receipt names (the amount it asked), not the booking's
// Payment.Amount, which a late charge recorded meanwhile may have raised.
// Recording the raised amount settled the booking with 5.00 of the 20.00
// taken never given back; recording what was given back leaves 5.00 owed,
// which the sweeper voids under the newer key.
func TestVoidRecordsWhatItsReceiptGaveBack(t *testing.T) {
	gw := &lateChargeDuringVoid{InMemoryGateway: boxoffice.NewInMemoryGateway()}
	f := newFixture(t, func(c *boxoffice.Config) {
		c.Gateway, c.PaymentAttempts, c.SweepInterval = gw, 1, time.Second
	})
	gw.store, gw.show = f.store, f.show.ID
	b := f.hold("alice", "E1") // 15.00
	if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, boxoffice.ErrPaymentFailed) {
		t.Fatalf("ConfirmBooking: %v; want ErrPaymentFailed", err)
	}
	if gw.err != nil {
		t.Fatal(gw.err)
	}
	if got := f.booking(b.ID); got.Refund.Amount != 15_00 || got.RefundOwed() != 5_00 {
		t.Errorf("after the void of 15.00: refunded %s, owing %s; want 15.00 and 5.00", got.Refund.Amount, got.RefundOwed())
	}
	for i := 0; i < 10 && f.booking(b.ID).RefundOwed() != 0; i++ {
		f.tick(time.Second)
	}
	got := f.booking(b.ID)
	charged, refunded := gw.Totals()
	if got.Refund.Amount != 20_00 || got.RefundOwed() != 0 || charged != 20_00 || refunded != 20_00 {
		t.Errorf("at last: refunded %s, owing %s; the gateway charged %s and refunded %s; want all 20.00 given back",
			got.Refund.Amount, got.RefundOwed(), charged, refunded)
	}
}
