package boxoffice_test

import (
	"context"
	"errors"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// byValueGateway decorates the default gateway by embedding it by value,
// as a newcomer would.
type byValueGateway struct{ boxoffice.InMemoryGateway }

// TestInMemoryGatewayZeroValueReady: the zero InMemoryGateway is ready to
// use, as a pointer or embedded by value, like NewInMemoryGateway's: its
// Charge once panicked on a nil map, which failed every ConfirmBooking
// and left the booking paying.
func TestInMemoryGatewayZeroValueReady(t *testing.T) {
	tests := []struct {
		name string
		gw   func() (boxoffice.PaymentGateway, *boxoffice.InMemoryGateway)
	}{
		{"&InMemoryGateway{}", func() (boxoffice.PaymentGateway, *boxoffice.InMemoryGateway) {
			g := &boxoffice.InMemoryGateway{}
			return g, g
		}},
		{"embedded by value", func() (boxoffice.PaymentGateway, *boxoffice.InMemoryGateway) {
			g := &byValueGateway{}
			return g, &g.InMemoryGateway
		}},
		{"NewInMemoryGateway", func() (boxoffice.PaymentGateway, *boxoffice.InMemoryGateway) {
			g := boxoffice.NewInMemoryGateway()
			return g, g
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/direct", func(t *testing.T) {
			ctx := context.Background()
			_, g := tt.gw()
			// Every method answers on a gateway that has seen nothing.
			if c, r := g.Totals(); c != 0 || r != 0 || len(g.ChargeKeys()) != 0 || g.Refunded("k") != 0 {
				t.Fatalf("an unused gateway: charged %s, refunded %s, keys %v", c, r, g.ChargeKeys())
			}
			if _, ok := g.Charged("k"); ok {
				t.Fatal("Charged(k) on an unused gateway: true")
			}
			if _, err := g.Refund(ctx, boxoffice.RefundRequest{IdempotencyKey: "r", ChargeKey: "k", Amount: 1}); !errors.Is(err, boxoffice.ErrChargeNotFound) {
				t.Fatalf("Refund before any charge: %v; want ErrChargeNotFound", err)
			}
			rc := mustT[boxoffice.Receipt](t)(g.Charge(ctx, boxoffice.ChargeRequest{IdempotencyKey: "k", Amount: 15_00}))
			if again := mustT[boxoffice.Receipt](t)(g.Charge(ctx, boxoffice.ChargeRequest{IdempotencyKey: "k", Amount: 15_00})); again != rc {
				t.Errorf("charge replayed under its key: %+v, then %+v", rc, again)
			}
			mustT[boxoffice.Receipt](t)(g.Refund(ctx, boxoffice.RefundRequest{IdempotencyKey: "r", ChargeKey: "k", Amount: 5_00}))
			if c, r := g.Totals(); c != 15_00 || r != 5_00 || g.Refunded("k") != 5_00 {
				t.Errorf("charged %s, refunded %s (%s of k); want 15.00 and 5.00", c, r, g.Refunded("k"))
			}
		})
		t.Run(tt.name+"/booking", func(t *testing.T) {
			gw, g := tt.gw()
			f := newFixture(t, func(c *boxoffice.Config) { c.Gateway = gw })
			b := f.hold("alice", "E1")
			got, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card:tok_visa")
			if err != nil || got.Status != boxoffice.StatusConfirmed {
				t.Fatalf("ConfirmBooking: %v; booking left %s", err, f.booking(b.ID).Status)
			}
			if got = mustT[boxoffice.Booking](t)(f.sys.CancelBooking(f.ctx, b.ID)); got.RefundOwed() != 0 || got.Refund.Amount != 15_00 {
				t.Errorf("CancelBooking: refund %s, owing %s; want 15.00 refunded", got.Refund.Amount, got.RefundOwed())
			}
			if c, r := g.Totals(); c != 15_00 || r != 15_00 {
				t.Errorf("gateway charged %s, refunded %s; want 15.00 each", c, r)
			}
		})
	}
}
