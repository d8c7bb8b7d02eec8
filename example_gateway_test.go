package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/boxoffice-go/boxoffice"
)

// cardGateway is a PaymentGateway written from scratch, as an adapter to a
// real provider would be: it answers a repeated idempotency key with the
// first receipt, wraps a final refusal in ErrPaymentDeclined, answers a
// refund of a charge it never made with ErrChargeNotFound, and never gives
// back more than a charge took.
type cardGateway struct {
	mu       sync.Mutex
	charges  map[string]boxoffice.Receipt // by ChargeRequest.IdempotencyKey
	refunds  map[string]boxoffice.Receipt // by RefundRequest.IdempotencyKey
	refunded map[string]boxoffice.Money   // by the charge's key
}

func newCardGateway() *cardGateway {
	return &cardGateway{
		charges:  map[string]boxoffice.Receipt{},
		refunds:  map[string]boxoffice.Receipt{},
		refunded: map[string]boxoffice.Money{},
	}
}

func (g *cardGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if rc, ok := g.charges[r.IdempotencyKey]; ok {
		return rc, nil // the same charge, asked again: charge nothing
	}
	if r.Method == "card:tok_declined" {
		// Final: not retried. Any other error is taken as transient.
		return boxoffice.Receipt{}, fmt.Errorf("card declined: %w", boxoffice.ErrPaymentDeclined)
	}
	// The receipt is for exactly the amount asked.
	rc := boxoffice.Receipt{Reference: fmt.Sprintf("ch_%d", len(g.charges)+1), Amount: r.Amount}
	g.charges[r.IdempotencyKey] = rc
	return rc, nil
}

func (g *cardGateway) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if rc, ok := g.refunds[r.IdempotencyKey]; ok {
		return rc, nil
	}
	ch, ok := g.charges[r.ChargeKey]
	if !ok {
		return boxoffice.Receipt{}, boxoffice.ErrChargeNotFound
	}
	if g.refunded[r.ChargeKey]+r.Amount > ch.Amount {
		return boxoffice.Receipt{}, errors.New("refund exceeds the charge")
	}
	g.refunded[r.ChargeKey] += r.Amount
	rc := boxoffice.Receipt{Reference: fmt.Sprintf("re_%d", len(g.refunds)+1), Amount: r.Amount}
	g.refunds[r.IdempotencyKey] = rc
	return rc, nil
}

// A service plugs its payment provider in through Config.Gateway. The
// BookingSystem calls it outside any lock, with the booking's idempotency
// keys, and retries what is not final.
func ExamplePaymentGateway() {
	ctx := context.Background()
	gw := newCardGateway()
	sys, show := newDemo(boxoffice.Config{Gateway: gw})
	defer closeDemo(sys)

	b := must(sys.HoldSeats(ctx, "alice", show.ID, []string{"A1", "A2", "A3"}))
	b = must(sys.ConfirmBooking(ctx, b.ID, "card:tok_visa"))
	fmt.Println(b.Status, b.Payment.Reference, b.Payment.Amount)

	b = must(sys.CancelBooking(ctx, b.ID)) // two days ahead: a full refund
	fmt.Println(b.Status, b.Refund.Reference, b.Refund.Amount)

	declined := must(sys.HoldSeats(ctx, "bob", show.ID, []string{"B1"}))
	_, err := sys.ConfirmBooking(ctx, declined.ID, "card:tok_declined")
	fmt.Println(errors.Is(err, boxoffice.ErrPaymentFailed), errors.Is(err, boxoffice.ErrPaymentDeclined))
	// Output:
	// confirmed ch_1 67.50
	// cancelled re_1 67.50
	// true true
}
