package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sync"

	"github.com/boxoffice-go/boxoffice"
)

// The projector broke: the cinema cancels the show. Holds are released,
// tickets sold are cancelled and refunded in full, whatever the refund
// policy says, and the show takes no more holds. Observers learn that the
// show, not the customer, cancelled each booking (NewEmailNotifier and
// NewSMSNotifier tell the customer so).
func ExampleBookingSystem_CancelShow() {
	ctx := context.Background()
	var mu sync.Mutex
	var heard []string
	obs := boxoffice.ObserverFunc(func(_ context.Context, e boxoffice.Event) {
		mu.Lock()
		defer mu.Unlock()
		switch e := e.(type) {
		case *boxoffice.BookingCancelled:
			heard = append(heard, fmt.Sprintf("booking cancelled with its show: %v, refund %s", e.ShowCancelled, e.Refund.Amount))
		case *boxoffice.ShowCancelled:
			heard = append(heard, fmt.Sprintf("show cancelled: %d hold released, %d booking cancelled", e.HoldsReleased, e.BookingsCancelled))
		}
	})
	sys, show := newDemo(boxoffice.Config{Observers: []boxoffice.Observer{obs}})

	must(sys.HoldSeats(ctx, "alice", show.ID, []string{"A1", "A2"}))
	b := must(sys.HoldSeats(ctx, "carol", show.ID, []string{"E1"}))
	b = must(sys.ConfirmBooking(ctx, b.ID, "card:tok_visa"))

	counts, err := sys.CancelShow(ctx, show.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", counts)

	b = must(sys.Booking(ctx, b.ID))
	fmt.Println(b.Status, b.Refund.Amount, b.Refund.Percent, b.Refund.Reason)

	_, err = sys.HoldSeats(ctx, "dave", show.ID, []string{"C3"})
	fmt.Println(errors.Is(err, boxoffice.ErrShowCancelled))
	m := must(sys.SeatMap(ctx, show.ID))
	fmt.Println(m.Cancelled, m.Free)

	closeDemo(sys) // delivers the events
	for _, h := range heard {
		fmt.Println(h)
	}
	// Output:
	// {HoldsReleased:1 HoldsExpired:0 BookingsCancelled:1 PaymentsStopped:0 RefundsOwed:0}
	// cancelled 15.00 100 show cancelled
	// true
	// true 0
	// booking cancelled with its show: true, refund 15.00
	// show cancelled: 1 hold released, 1 booking cancelled
}
