package boxoffice_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/boxoffice-go/boxoffice"
)

// A customer's path through a service: find a show in a city, read its
// seat map, hold three seats, pay, then cancel for a refund, while a Watch
// stream follows the seats. Each step has an example of its own.
func Example() {
	ctx := context.Background()
	sys, show := newDemo(boxoffice.Config{}) // Inception in Mumbai, two days ahead
	defer closeDemo(sys)

	movies := must(sys.SearchMovies(ctx, boxoffice.MovieQuery{City: "Mumbai"}))
	shows := must(sys.ShowsOfMovie(ctx, movies[0].ID, boxoffice.ShowPage{}))
	fmt.Println(movies[0].Title, shows[0].FreeSeats, "seats free")

	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	updates := must(sys.Watch(watchCtx, show.ID))
	first := <-updates // the map it begins with: here every seat available
	fmt.Println("watch:", len(first.Seats), first.Status)

	seats := must(sys.SeatMap(ctx, show.ID)).Seats[:3]
	b, err := sys.HoldSeats(ctx, "alice", show.ID, []string{seats[0].ID, seats[1].ID, seats[2].ID})
	var taken *boxoffice.SeatError
	if errors.As(err, &taken) {
		fmt.Println("taken:", taken.Seats()) // pick others and try again
		return
	}
	fmt.Println("held", b.SeatIDs(), b.Total)
	fmt.Println("watch:", (<-updates).Status)

	b, err = sys.ConfirmBooking(ctx, b.ID, "card:tok_visa")
	if err != nil {
		fmt.Println("payment failed:", errors.Is(err, boxoffice.ErrPaymentDeclined))
		return
	}
	fmt.Printf("%s %s; watch: %s\n", b.Status, b.Payment.Amount, (<-updates).Status)

	b = must(sys.CancelBooking(ctx, b.ID))
	fmt.Printf("%s, %d%% back: %s; watch: %s\n", b.Status, b.Refund.Percent, b.Refund.Amount, (<-updates).Status)
	// Output:
	// Inception 60 seats free
	// watch: 60 available
	// held [A1 A2 A3] 67.50
	// watch: held
	// confirmed 67.50; watch: booked
	// cancelled, 100% back: 67.50; watch: available
}
