package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// Before any seat is sold, the catalog: a movie, a theater, a hall with its
// seat layout, and a show of the movie in the hall. Empty IDs are filled
// with random ones. A show may not overlap another in its hall, counting
// CleaningBuffer after each.
func ExampleBookingSystem_ScheduleShow() {
	ctx := context.Background()
	clock := fakeclock.New(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
	sys, err := boxoffice.New(boxoffice.Config{Clock: clock})
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Close(ctx)

	movie, err := sys.AddMovie(ctx, boxoffice.Movie{ID: "inception", Title: "Inception", Duration: 148 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	theater, err := sys.AddTheater(ctx, boxoffice.Theater{ID: "pvr", Name: "PVR Phoenix", City: "Mumbai"})
	if err != nil {
		log.Fatal(err)
	}
	hall, err := sys.AddHall(ctx, boxoffice.Hall{ID: "audi-1", TheaterID: theater.ID, Name: "Audi 1", Layout: boxoffice.SeedLayout()})
	if err != nil {
		log.Fatal(err)
	}
	evening, err := sys.ScheduleShow(ctx, boxoffice.Show{ID: "evening", MovieID: movie.ID, HallID: hall.ID,
		Start: time.Date(2030, 1, 1, 19, 0, 0, 0, time.UTC), BasePrice: 1500})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(evening.ID, evening.TheaterID, evening.Start.Format("15:04"), "to", evening.End.Format("15:04"), evening.BasePrice)

	// 21:45 is within the cleaning buffer after the 21:28 end.
	_, err = sys.ScheduleShow(ctx, boxoffice.Show{MovieID: movie.ID, HallID: hall.ID,
		Start: time.Date(2030, 1, 1, 21, 45, 0, 0, time.UTC), BasePrice: 1500})
	var conflict *boxoffice.ScheduleConflictError
	if errors.As(err, &conflict) {
		fmt.Println(errors.Is(err, boxoffice.ErrScheduleConflict), "overlaps", conflict.Conflict.ID)
	}
	// Output:
	// evening pvr 19:00 to 21:28 15.00
	// true overlaps evening
}
