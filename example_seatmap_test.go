package boxoffice_test

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// A SeatMap has every seat with its status and price, in Layout order, with
// the place to draw it (Seat.Line and Seat.Column).
func ExampleBookingSystem_SeatMap() {
	ctx := context.Background()
	sys, show := newDemo(boxoffice.Config{})
	defer closeDemo(sys)
	must(sys.HoldSeats(ctx, "alice", show.ID, []string{"A1", "A2"}))
	sold := must(sys.HoldSeats(ctx, "bob", show.ID, []string{"C5", "C6"}))
	must(sys.ConfirmBooking(ctx, sold.ID, "card:tok_visa"))

	m := must(sys.SeatMap(ctx, show.ID))
	lines := make([][]byte, len(m.Layout.Rows())) // one per row label
	for i := range lines {
		lines[i] = bytes.Repeat([]byte(" "), m.Layout.Width()) // gaps stay blank
	}
	for _, s := range m.Seats {
		lines[s.Line][s.Column] = ".hx"[s.Status] // available, held, booked
	}
	for i, label := range m.Layout.Rows() {
		fmt.Println(label, string(lines[i]))
	}
	fmt.Println(m.Free, "free;", m.Seats[0].ID, m.Seats[0].Type, m.Seats[0].Price)
	// Output:
	// A hh........
	// B ..........
	// C ....xx....
	// D ..........
	// E ..........
	// F ..........
	// 56 free; A1 VIP 22.50
}

// SearchMovies with a City finds the movies playing there; ShowsOfMovie
// with the same City lists each one's shows in that city.
func ExampleBookingSystem_SearchMovies_city() {
	ctx := context.Background()
	sys := must(boxoffice.New(boxoffice.Config{}))
	defer closeDemo(sys)
	tomorrow := sys.Clock().Now().Add(24 * time.Hour).Truncate(time.Hour)
	for _, t := range []boxoffice.Theater{{ID: "pvr", Name: "PVR Phoenix", City: "Mumbai"}, {ID: "inox", Name: "INOX Nehru Place", City: "Delhi"}} {
		must(sys.AddTheater(ctx, t))
		must(sys.AddHall(ctx, boxoffice.Hall{ID: t.ID + "-1", TheaterID: t.ID, Name: "Audi 1", Layout: boxoffice.SeedLayout()}))
	}
	must(sys.AddMovie(ctx, boxoffice.Movie{ID: "dangal", Title: "Dangal", Duration: 161 * time.Minute}))
	must(sys.AddMovie(ctx, boxoffice.Movie{ID: "lagaan", Title: "Lagaan", Duration: 224 * time.Minute}))
	must(sys.ScheduleShow(ctx, boxoffice.Show{ID: "s1", MovieID: "dangal", HallID: "pvr-1", Start: tomorrow, BasePrice: 1500}))
	must(sys.ScheduleShow(ctx, boxoffice.Show{ID: "s2", MovieID: "dangal", HallID: "inox-1", Start: tomorrow, BasePrice: 1500}))
	must(sys.ScheduleShow(ctx, boxoffice.Show{ID: "s3", MovieID: "lagaan", HallID: "inox-1", Start: tomorrow.Add(4 * time.Hour), BasePrice: 1500}))

	city := "mumbai" // matched without regard to case
	for _, movie := range must(sys.SearchMovies(ctx, boxoffice.MovieQuery{City: city})) {
		for _, s := range must(sys.ShowsOfMovie(ctx, movie.ID, boxoffice.ShowPage{City: city})) {
			theater := must(sys.Theater(ctx, s.TheaterID))
			fmt.Println(movie.Title, s.ID, theater.Name, s.FreeSeats, "free")
		}
	}
	// Output:
	// Dangal s1 PVR Phoenix 60 free
}
