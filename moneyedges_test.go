package boxoffice_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// The seat-type multipliers are exactly 1.3 and 1.5: at a base price of
// 15.00, a Premium multiplier of 1.3001 would still round to 19.50.
func TestPremiumMultiplierIsExactlyOnePointThree(t *testing.T) {
	if got, want := boxoffice.Premium.Multiplier(), boxoffice.RatePercent(130); got != want {
		t.Errorf("Premium.Multiplier() = %s, want %s", got, want)
	}
	if got, want := boxoffice.VIP.Multiplier(), boxoffice.RatePercent(150); got != want {
		t.Errorf("VIP.Multiplier() = %s, want %s", got, want)
	}
	p, err := boxoffice.RegularPricing().Price(context.Background(), boxoffice.PriceRequest{
		Show: boxoffice.Show{BasePrice: 1000_00}, Seat: boxoffice.Seat{ID: "C1", Type: boxoffice.Premium}})
	if err != nil || p != 1300_00 {
		t.Errorf("Premium seat at 1000.00: %s, %v; want 1300.00", p, err)
	}
}

// A failed booking owes what it was charged less what was given back,
// even when part of it was.
func TestRefundOwedPartOfAFailedCharge(t *testing.T) {
	b := boxoffice.Booking{Status: boxoffice.StatusFailed, Total: 45_00,
		Payment: boxoffice.Payment{Amount: 45_00}, Refund: boxoffice.Refund{Amount: 20_00}}
	if got := b.RefundOwed(); got != 25_00 {
		t.Errorf("RefundOwed() = %s, want 25.00 (charged 45.00, 20.00 given back)", got)
	}
}

// halfChargeGateway charges half of what it is asked, and reports so: it
// breaks the PaymentGateway contract (a charge takes exactly the amount
// asked, or fails).
type halfChargeGateway struct{ *boxoffice.InMemoryGateway }

func (g halfChargeGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	r.Amount /= 2
	return g.InMemoryGateway.Charge(ctx, r)
}

// A charge of less than the total does not confirm the booking: it fails
// as a gateway error and what it took is voided in full, so charged −
// refunded stays the total of the confirmed bookings (none), and there is
// nothing left to cancel.
func TestPartialChargeFailsAndIsVoided(t *testing.T) {
	gw := halfChargeGateway{boxoffice.NewInMemoryGateway()}
	f := newFixture(t, func(c *boxoffice.Config) { c.Gateway = gw })
	b := f.hold("alice", "E1") // 15.00, charged 7.50
	got, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
	if !errors.Is(err, boxoffice.ErrPaymentFailed) {
		t.Fatalf("ConfirmBooking: %v; want ErrPaymentFailed", err)
	}
	if got.Status != boxoffice.StatusFailed || got.Payment.FailureKind != boxoffice.FailureGatewayError ||
		got.Payment.Amount != 7_50 || got.Refund.Amount != 7_50 || got.RefundOwed() != 0 {
		t.Errorf("booking %s (%s), paid %s, refunded %s, owing %s; want failed (gateway error), 7.50 taken and given back",
			got.Status, got.Payment.FailureKind, got.Payment.Amount, got.Refund.Amount, got.RefundOwed())
	}
	if charged, refunded := gw.Totals(); charged != 7_50 || refunded != 7_50 {
		t.Errorf("gateway charged %s, refunded %s; want 7.50 both", charged, refunded)
	}
	if _, err := f.sys.CancelBooking(f.ctx, b.ID); err == nil {
		t.Error("CancelBooking of the failed booking succeeded")
	}
}

// A cancellation refunds at most what was paid: a confirmed booking
// recorded as paid less than its total (written before a charge had to
// take exactly the total) is refunded what it paid, not more, which the
// gateway would refuse for ever.
func TestCancelRefundsAtMostWhatWasPaid(t *testing.T) {
	f := newFixture(t)
	b := f.confirm(f.hold("alice", "E1")) // 15.00
	err := f.store.UpdateShow(f.ctx, f.show.ID, func(tx boxoffice.ShowTx) error {
		p, err := tx.Booking(b.ID)
		if err != nil {
			return err
		}
		p.Payment.Amount = 7_50
		tx.PutBooking(p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.sys.CancelBooking(f.ctx, b.ID) // 10 h before the start: 100 %
	if err != nil {
		t.Fatalf("CancelBooking: %v", err)
	}
	if c.Refund.Amount != 7_50 || c.RefundOwed() != 0 {
		t.Errorf("refund %s, owing %s; want 7.50 refunded, nothing owed", c.Refund.Amount, c.RefundOwed())
	}
	if _, refunded := f.gateway.Totals(); refunded != 7_50 {
		t.Errorf("gateway refunded %s, want 7.50", refunded)
	}
}

// hookStore runs hook once, just before the n-th UpdateShow after arm.
type hookStore struct {
	*boxoffice.MemoryStore
	mu   sync.Mutex
	n    int
	hook func()
}

func (s *hookStore) arm(n int, hook func()) { s.mu.Lock(); s.n, s.hook = n, hook; s.mu.Unlock() }

func (s *hookStore) UpdateShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	s.mu.Lock()
	var run func()
	if s.hook != nil {
		if s.n--; s.n == 0 {
			run, s.hook = s.hook, nil
		}
	}
	s.mu.Unlock()
	if run != nil {
		run()
	}
	return s.MemoryStore.UpdateShow(ctx, showID, fn)
}

type countingRefunds struct {
	*boxoffice.InMemoryGateway
	mu   sync.Mutex
	keys []string
}

func (g *countingRefunds) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	g.keys = append(g.keys, r.IdempotencyKey)
	g.mu.Unlock()
	return g.InMemoryGateway.Refund(ctx, r)
}

// A confirm that finds a payment abandoned after the show started charges
// nothing (it only voids); if another process meanwhile failed the booking
// with a decline, that confirm took nothing and must record nothing owed
// nor call the gateway.
func TestVoidOnlyConfirmTookNothing(t *testing.T) {
	store := &hookStore{MemoryStore: boxoffice.NewMemoryStore()}
	gw := &countingRefunds{InMemoryGateway: boxoffice.NewInMemoryGateway()}
	f := newFixture(t, abandonedConfig, func(c *boxoffice.Config) {
		c.Store, c.Gateway, c.SweepInterval = store, gw, 10000*time.Hour
	})
	b := f.hold("alice", "A1")
	// Left paying (a process died after marking it), never charged.
	leaveAbandonedPaying(t, store.MemoryStore, b)
	f.clock.Set(f.show.Start.Add(abandonBound + time.Minute))
	// Between the confirm's first transaction (which decides to void
	// only) and its settle, another process fails the booking: declined,
	// nothing taken.
	store.arm(2, func() {
		err := store.MemoryStore.UpdateShow(f.ctx, f.show.ID, func(tx boxoffice.ShowTx) error {
			p, err := tx.Booking(b.ID)
			if err != nil {
				return err
			}
			p.Status = boxoffice.StatusFailed
			p.Payment.Attempts, p.Payment.Failure, p.Payment.FailureKind = 1, "declined", boxoffice.FailureDeclined
			for i := range tx.NumSeats() {
				if s := tx.Seat(i); s.Booking == b.ID {
					tx.SetSeat(i, boxoffice.SeatSlot{})
				}
			}
			tx.PutBooking(p)
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	})
	got, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
	if !errors.Is(err, boxoffice.ErrPaymentDeclined) {
		t.Errorf("ConfirmBooking: %v; want the recorded decline", err)
	}
	gw.mu.Lock()
	keys := gw.keys
	gw.mu.Unlock()
	if len(keys) != 0 || got.Payment.Amount != 0 || !got.Refund.RefundedAt.IsZero() {
		t.Errorf("gateway voids %v, booking paid %s, refund %+v; want no void and the booking as the decline left it",
			keys, got.Payment.Amount, got.Refund)
	}
}
