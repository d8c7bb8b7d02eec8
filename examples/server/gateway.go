package main

import (
	"context"
	"fmt"

	"github.com/boxoffice-go/boxoffice"
)

// declinedCard is the demo's test card that is always declined, named after
// the test tokens real payment providers offer, so that the page can show
// what a failed payment looks like.
const declinedCard boxoffice.PaymentMethod = "card:tok_chargeDeclined"

// demoGateway is the library's in-memory gateway, which approves every
// charge, except that it declines declinedCard. A real service plugs its
// payment provider in here.
type demoGateway struct {
	*boxoffice.InMemoryGateway
}

func newDemoGateway() demoGateway { return demoGateway{boxoffice.NewInMemoryGateway()} }

// Charge declines declinedCard and approves everything else.
func (g demoGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	if r.Method == declinedCard {
		return boxoffice.Receipt{}, fmt.Errorf("your card was declined (test card %s): %w", r.Method, boxoffice.ErrPaymentDeclined)
	}
	return g.InMemoryGateway.Charge(ctx, r)
}
