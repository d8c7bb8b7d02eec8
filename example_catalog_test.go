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

// ShowsOfMovie with a City lists a movie's shows in that city's theaters
// only (the city compared ignoring case), a full page at a time: a page
// shorter than its limit is still the last one.
func ExampleBookingSystem_ShowsOfMovie_city() {
	ctx := context.Background()
	sys := must(boxoffice.New(boxoffice.Config{Clock: fakeclock.New(start)}))
	defer closeDemo(sys)
	must(sys.AddMovie(ctx, boxoffice.Movie{ID: "rrr", Title: "RRR", Duration: 3 * time.Hour}))
	for _, t := range []boxoffice.Theater{{ID: "pvr", Name: "PVR Phoenix", City: "Mumbai"}, {ID: "inox", Name: "INOX Nehru Place", City: "Delhi"}} {
		must(sys.AddTheater(ctx, t))
		must(sys.AddHall(ctx, boxoffice.Hall{ID: t.ID + "-1", TheaterID: t.ID, Name: "Audi 1", Layout: boxoffice.SeedLayout()}))
	}
	// Each evening, one show in each city; Delhi's first.
	for day := range 3 {
		evening := start.AddDate(0, 0, day+1)
		must(sys.ScheduleShow(ctx, boxoffice.Show{ID: fmt.Sprintf("del-%d", day+1), MovieID: "rrr", HallID: "inox-1", Start: evening, BasePrice: 1500}))
		must(sys.ScheduleShow(ctx, boxoffice.Show{ID: fmt.Sprintf("mum-%d", day+1), MovieID: "rrr", HallID: "pvr-1", Start: evening.Add(time.Hour), BasePrice: 1500}))
	}

	page := boxoffice.ShowPage{City: "mumbai", Limit: 2}
	for {
		shows, err := sys.ShowsOfMovie(ctx, "rrr", page)
		if err != nil {
			log.Fatal(err)
		}
		var ids []string
		for _, s := range shows {
			ids = append(ids, s.ID+"@"+s.TheaterID)
		}
		fmt.Println(ids)
		if len(shows) < page.Limit {
			break
		}
		page.After = shows[len(shows)-1].ID
	}
	// Output:
	// [mum-1@pvr mum-2@pvr]
	// [mum-3@pvr]
}
