package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// decliningGateway is the in-memory gateway, except that it refuses the
// card "card:tok_chargeDeclined" for good. A real gateway's adapter does the
// same: it wraps a final refusal in boxoffice.ErrPaymentDeclined, and any
// other error is taken as transient and retried.
type decliningGateway struct {
	*boxoffice.InMemoryGateway
}

func (g decliningGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	if r.Method == "card:tok_chargeDeclined" {
		return boxoffice.Receipt{}, fmt.Errorf("card declined: %w", boxoffice.ErrPaymentDeclined)
	}
	return g.InMemoryGateway.Charge(ctx, r)
}

// A failed ConfirmBooking is a *PaymentError: the booking has failed and its
// seats are for sale again. The sentinels it matches say what to tell the
// customer.
func ExamplePaymentError() {
	ctx := context.Background()
	sys, err := boxoffice.New(boxoffice.Config{
		Gateway: decliningGateway{boxoffice.NewInMemoryGateway()},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := sys.Close(ctx); err != nil {
			log.Print(err)
		}
	}()

	movie, err := sys.AddMovie(ctx, boxoffice.Movie{Title: "Inception", Duration: 148 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	theater, err := sys.AddTheater(ctx, boxoffice.Theater{Name: "PVR Phoenix", City: "Mumbai"})
	if err != nil {
		log.Fatal(err)
	}
	hall, err := sys.AddHall(ctx, boxoffice.Hall{TheaterID: theater.ID, Name: "Audi 1", Layout: boxoffice.SeedLayout()})
	if err != nil {
		log.Fatal(err)
	}
	show, err := sys.ScheduleShow(ctx, boxoffice.Show{MovieID: movie.ID, HallID: hall.ID,
		Start: sys.Clock().Now().Add(48 * time.Hour), BasePrice: 1500})
	if err != nil {
		log.Fatal(err)
	}
	b, err := sys.HoldSeats(ctx, "judy", show.ID, []string{"E5"})
	if err != nil {
		log.Fatal(err)
	}

	_, err = sys.ConfirmBooking(ctx, b.ID, "card:tok_chargeDeclined")
	var perr *boxoffice.PaymentError
	switch {
	case err == nil:
		fmt.Println("paid")
	case errors.Is(err, boxoffice.ErrPaymentDeclined):
		// Final, and nothing was taken: ask for another card, hold again.
		fmt.Println("declined")
	case errors.Is(err, boxoffice.ErrHoldExpired):
		// The hold ran out, before the call or while the payment was in
		// flight (the charge was then refunded): hold the seats again.
		fmt.Println("too late")
	case errors.As(err, &perr):
		// Another failure, e.g. the gateway timed out on every attempt
		// (errors.Is(err, context.DeadlineExceeded)); any charge was voided.
		fmt.Println("payment failed after", perr.Attempts, "attempts")
	default:
		// Not a failed payment: the booking cannot be paid for
		// (ErrShowStarted, ErrInvalidTransition: released, say), is
		// unknown (ErrNotFound), the method is bad input
		// (ErrInvalidArgument), ctx ended, or the Store failed, after
		// the charge perhaps (ErrPaymentUnsettled: confirm again to
		// finish it). See Example_httpStatus for an answer to each.
		log.Fatal(err)
	}
	fmt.Println(errors.As(err, &perr), errors.Is(err, boxoffice.ErrPaymentFailed))

	b, err = sys.Booking(ctx, b.ID)
	if err != nil {
		log.Fatal(err)
	}
	m, err := sys.SeatMap(ctx, show.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(b.Status, b.Payment.FailureKind, m.Free, "seats free")
	// Output:
	// declined
	// true true
	// failed declined 60 seats free
}
