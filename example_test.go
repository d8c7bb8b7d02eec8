package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// newDemo returns a BookingSystem with one seed hall and one show of
// Inception two days from now at base price 15.00.
func newDemo() (*boxoffice.BookingSystem, boxoffice.Show) {
	ctx := context.Background()
	sys, err := boxoffice.New(boxoffice.Config{})
	if err != nil {
		log.Fatal(err)
	}
	movie, _ := sys.AddMovie(ctx, boxoffice.Movie{Title: "Inception", Duration: 148 * time.Minute, Genres: []string{"Sci-Fi"}, Language: "English"})
	theater, _ := sys.AddTheater(ctx, boxoffice.Theater{Name: "PVR Phoenix", City: "Mumbai"})
	hall, _ := sys.AddHall(ctx, boxoffice.Hall{TheaterID: theater.ID, Name: "Audi 1", Layout: boxoffice.SeedLayout()})
	show, err := sys.ScheduleShow(ctx, boxoffice.Show{MovieID: movie.ID, HallID: hall.ID,
		Start: sys.Clock().Now().Add(48 * time.Hour).Truncate(time.Hour), BasePrice: 1500})
	if err != nil {
		log.Fatal(err)
	}
	return sys, show
}

func ExampleNew() {
	ctx := context.Background()
	sys, err := boxoffice.New(boxoffice.Config{
		HoldTTL:        5 * time.Minute,
		HoldsPerMinute: 10,
		Pricing:        boxoffice.WeekendPricing(),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Close(ctx)

	_, err = boxoffice.New(boxoffice.Config{HoldTTL: time.Millisecond})
	fmt.Println(errors.Is(err, boxoffice.ErrInvalidArgument))
	// Output: true
}

func ExampleBookingSystem_HoldSeats() {
	ctx := context.Background()
	sys, show := newDemo()
	defer sys.Close(ctx)

	alice, err := sys.HoldSeats(ctx, "alice", show.ID, []string{"A1", "A2"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(alice.Status, alice.Total, alice.HeldUntil.Sub(alice.CreatedAt))

	_, err = sys.HoldSeats(ctx, "bob", show.ID, []string{"A2", "A3"})
	var refused *boxoffice.SeatError
	if errors.As(err, &refused) {
		fmt.Println(errors.Is(err, boxoffice.ErrSeatUnavailable), refused.Seats())
	}
	// Output:
	// held 45.00 10m0s
	// true [A2]
}

func ExampleBookingSystem_ConfirmBooking() {
	ctx := context.Background()
	sys, show := newDemo()
	defer sys.Close(ctx)

	b, _ := sys.HoldSeats(ctx, "bob", show.ID, []string{"C5", "C6"})
	b, err := sys.ConfirmBooking(ctx, b.ID, "card:tok_visa")
	if err != nil {
		log.Fatal(err) // errors.Is(err, boxoffice.ErrPaymentFailed): the seats were released
	}
	fmt.Println(b.Status, b.Payment.Amount)

	m, _ := sys.SeatMap(ctx, show.ID)
	fmt.Println(m.Free, "of", len(m.Seats), "seats free")
	// Output:
	// confirmed 39.00
	// 58 of 60 seats free
}

func ExampleBookingSystem_CancelBooking() {
	ctx := context.Background()
	sys, show := newDemo()
	defer sys.Close(ctx)

	b, _ := sys.HoldSeats(ctx, "carol", show.ID, []string{"E1"})
	b, _ = sys.ConfirmBooking(ctx, b.ID, "card:tok_visa")

	// Two days before the show the default policy refunds everything.
	b, err := sys.CancelBooking(ctx, b.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(b.Status, b.Refund.Amount, b.Refund.Percent)
	// Output: cancelled 15.00 100
}

func ExampleBookingSystem_Watch() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sys, show := newDemo()
	defer sys.Close(ctx)

	updates, _ := sys.Watch(ctx, show.ID)
	b, _ := sys.HoldSeats(ctx, "dave", show.ID, []string{"D4"})
	sys.ReleaseHold(ctx, b.ID)

	for range 2 {
		u := <-updates
		fmt.Println(u.Seats, u.Status)
	}
	// Output:
	// [D4] held
	// [D4] available
}
