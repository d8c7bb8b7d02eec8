package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// CompleteShow closes the books of a show that has started: its confirmed
// bookings become completed and can no longer be cancelled. A job calls it
// after each show's start, and once more after the payments' bound (see
// CompleteShow).
func ExampleBookingSystem_CompleteShow() {
	ctx := context.Background()
	clock := fakeclock.New(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC))
	sys, show := newDemo(boxoffice.Config{Clock: clock})
	defer closeDemo(sys)
	b := must(sys.HoldSeats(ctx, "erin", show.ID, []string{"D1", "D2"}))
	must(sys.ConfirmBooking(ctx, b.ID, "card:tok_visa"))

	_, err := sys.CompleteShow(ctx, show.ID)
	fmt.Println("before the start:", errors.Is(err, boxoffice.ErrInvalidArgument))

	clock.Set(show.Start)
	n, err := sys.CompleteShow(ctx, show.ID)
	fmt.Println("completed:", n, err)
	fmt.Println(must(sys.Booking(ctx, b.ID)).Status)

	_, err = sys.CancelBooking(ctx, b.ID)
	fmt.Println("cancel:", errors.Is(err, boxoffice.ErrShowStarted))
	// Output:
	// before the start: true
	// completed: 1 <nil>
	// completed
	// cancel: true
}
