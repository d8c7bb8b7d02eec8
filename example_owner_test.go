package boxoffice_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/boxoffice-go/boxoffice"
)

// ownBooking is how a service finds the booking a request names for the
// user of its session: the calls on a booking (ExtendHold, ReleaseHold,
// ConfirmBooking, CancelBooking) act for whoever asks, so the service
// parses the ID from the request (bad text: 400), reads the booking
// (unknown: 404) and checks its owner, answering another user's booking
// as unknown, so that its existence is not disclosed either.
func ownBooking(ctx context.Context, sys *boxoffice.BookingSystem, sessionUser, idText string) (boxoffice.Booking, error) {
	id, err := boxoffice.ParseBookingID(idText)
	if err != nil {
		return boxoffice.Booking{}, err // matches ErrInvalidArgument
	}
	b, err := sys.Booking(ctx, id)
	if err != nil {
		return boxoffice.Booking{}, err // ErrNotFound, or the Store's error
	}
	if b.UserID != sessionUser {
		return boxoffice.Booking{}, fmt.Errorf("booking %s: %w", id, boxoffice.ErrNotFound)
	}
	return b, nil
}

// Booking reads a booking by ID for whoever asks: a service checks
// Booking.UserID against its session before it shows the booking or acts
// on it (see "Who may do what" in the package documentation).
func ExampleBookingSystem_Booking() {
	ctx := context.Background()
	sys, show := newDemo(boxoffice.Config{})
	defer closeDemo(sys)
	held := must(sys.HoldSeats(ctx, "alice", show.ID, []string{"A1", "A2"}))

	for _, req := range []struct{ user, id string }{
		{"mallory", held.ID.String()}, // alice's booking, asked by another user
		{"alice", "not-a-booking"},
		{"alice", boxoffice.NewBookingID().String()},
		{"alice", held.ID.String()},
	} {
		b, err := ownBooking(ctx, sys, req.user, req.id)
		switch {
		case errors.Is(err, boxoffice.ErrInvalidArgument):
			fmt.Println(req.user, "400")
		case errors.Is(err, boxoffice.ErrNotFound):
			fmt.Println(req.user, "404")
		case err != nil:
			fmt.Println(req.user, "503 or 500:", err)
		default:
			b = must(sys.ReleaseHold(ctx, b.ID))
			fmt.Println(req.user, "200", b.Status, b.SeatIDs())
		}
	}
	// Output:
	// mallory 404
	// alice 400
	// alice 404
	// alice 200 released [A1 A2]
}
