package boxoffice_test

import (
	"context"
	"sync"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// requestGateway is the in-memory gateway, recording every request.
type requestGateway struct {
	*boxoffice.InMemoryGateway
	mu      sync.Mutex
	charges []boxoffice.ChargeRequest
	refunds []boxoffice.RefundRequest
}

func (g *requestGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	g.charges = append(g.charges, r)
	g.mu.Unlock()
	return g.InMemoryGateway.Charge(ctx, r)
}

func (g *requestGateway) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	g.refunds = append(g.refunds, r)
	g.mu.Unlock()
	return g.InMemoryGateway.Refund(ctx, r)
}

// shortASCII reports whether a key is what ChargeRequest's doc promises
// a gateway: ASCII and under 64 bytes.
func shortASCII(key string) bool {
	for i := range len(key) {
		if key[i] >= 0x80 {
			return false
		}
	}
	return key != "" && len(key) < 64
}

// TestGatewayRequestsAsDocumented checks the fields of the requests a
// gateway gets, as ChargeRequest's and RefundRequest's docs describe them:
// the keys, the amounts and the method, and that a free booking is
// confirmed without a charge.
func TestGatewayRequestsAsDocumented(t *testing.T) {
	gw := &requestGateway{InMemoryGateway: boxoffice.NewInMemoryGateway()}
	f := newFixture(t, func(c *boxoffice.Config) { c.Gateway = gw })
	b := f.hold("alice", "A1", "A2")
	if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card:tok_visa"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sys.CancelBooking(f.ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if len(gw.charges) != 1 || len(gw.refunds) != 1 {
		t.Fatalf("%d charges and %d refunds; want 1 and 1", len(gw.charges), len(gw.refunds))
	}
	c, r := gw.charges[0], gw.refunds[0]
	if !shortASCII(c.IdempotencyKey) || c.IdempotencyKey != "charge:"+b.ID.String() {
		t.Errorf("charge key %q; the docs say \"charge:\" and the booking ID, ASCII, under 64 bytes", c.IdempotencyKey)
	}
	if c.Amount != b.Total || c.Amount <= 0 || c.Method != "card:tok_visa" || c.Booking != b.ID || c.UserID != "alice" {
		t.Errorf("charge request %+v; want the booking's total, method, ID and user", c)
	}
	if !shortASCII(r.IdempotencyKey) || r.IdempotencyKey == c.IdempotencyKey || r.ChargeKey != c.IdempotencyKey || r.Booking != b.ID {
		t.Errorf("refund request %+v; want a key of its own, ASCII and under 64 bytes, and the charge's key", r)
	}

	free := newFixture(t, func(c *boxoffice.Config) {
		c.Gateway = gw
		c.Pricing = boxoffice.PricingFunc(func(context.Context, boxoffice.PriceRequest) (boxoffice.Money, error) { return 0, nil })
	})
	fb, err := free.sys.ConfirmBooking(free.ctx, free.hold("bob", "B1").ID, "card:tok_visa")
	if err != nil {
		t.Fatal(err)
	}
	if len(gw.charges) != 1 || fb.Status != boxoffice.StatusConfirmed || fb.Payment.Reference != "free" {
		t.Errorf("a free booking: %d charges in all, status %v, reference %q; the docs say no charge, confirmed, reference \"free\"",
			len(gw.charges), fb.Status, fb.Payment.Reference)
	}
}
