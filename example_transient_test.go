package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/boxoffice-go/boxoffice"
)

// flakyProvider is a cardGateway (see ExamplePaymentGateway) behind a
// provider that answers the next few charges with a 503, as one does
// under load: an error that does not wrap ErrPaymentDeclined.
type flakyProvider struct {
	*cardGateway
	mu       sync.Mutex
	failNext int
}

func (g *flakyProvider) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	fail := g.failNext > 0
	g.failNext--
	g.mu.Unlock()
	if fail {
		return boxoffice.Receipt{}, errors.New("provider: 503 service unavailable")
	}
	return g.cardGateway.Charge(ctx, r)
}

// A gateway's error that does not wrap ErrPaymentDeclined is taken as
// transient: the charge is tried again by the same idempotency key, up to
// Config.PaymentAttempts calls in all. If the last fails too, the booking
// fails (FailureGatewayError), its seats are for sale again, and whatever
// the charge may have taken is voided by its key.
func ExamplePaymentGateway_transientErrors() {
	ctx := context.Background()
	gw := &flakyProvider{cardGateway: newCardGateway()}
	sys, show := newDemo(boxoffice.Config{Gateway: gw, PaymentAttempts: 3,
		PaymentBackoff: -1}) // no wait between attempts, for the example
	defer closeDemo(sys)

	gw.failNext = 1 // the first attempt fails, the second goes through
	b := must(sys.HoldSeats(ctx, "alice", show.ID, []string{"A1"}))
	b = must(sys.ConfirmBooking(ctx, b.ID, "card:tok_visa"))
	fmt.Println(b.Status, "after", b.Payment.Attempts, "attempts")

	gw.failNext = 3 // every attempt fails
	b = must(sys.HoldSeats(ctx, "bob", show.ID, []string{"B1"}))
	_, err := sys.ConfirmBooking(ctx, b.ID, "card:tok_visa")
	fmt.Println(errors.Is(err, boxoffice.ErrPaymentFailed), errors.Is(err, boxoffice.ErrPaymentDeclined))
	b = must(sys.Booking(ctx, b.ID))
	fmt.Println(b.Status, b.Payment.FailureKind, "after", b.Payment.Attempts, "attempts; owed back:", b.RefundOwed())
	// Output:
	// confirmed after 2 attempts
	// true false
	// failed gateway error after 3 attempts; owed back: 0.00
}
