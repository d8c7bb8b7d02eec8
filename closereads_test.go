package boxoffice_test

import (
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// Close refuses the calls that change something (TestCallsAfterCloseAreRefused)
// and, as its doc says, leaves the reads of the Store working.
func TestReadsWorkAfterClose(t *testing.T) {
	f := newFixture(t)
	b := f.hold("alice", "A1")
	if err := f.sys.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
	ctx, sys := f.ctx, f.sys
	tests := []struct {
		name string
		call func() error
	}{
		{"Booking", func() error { _, err := sys.Booking(ctx, b.ID); return err }},
		{"BookingsOfUser", func() error { _, err := sys.BookingsOfUser(ctx, "alice", boxoffice.BookingPage{}); return err }},
		{"Movie", func() error { _, err := sys.Movie(ctx, f.movie.ID); return err }},
		{"Theater", func() error { _, err := sys.Theater(ctx, f.hall.TheaterID); return err }},
		{"Hall", func() error { _, err := sys.Hall(ctx, f.hall.ID); return err }},
		{"Show", func() error { _, err := sys.Show(ctx, f.show.ID); return err }},
		{"SeatMap", func() error { _, err := sys.SeatMap(ctx, f.show.ID); return err }},
		{"SearchMovies", func() error { _, err := sys.SearchMovies(ctx, boxoffice.MovieQuery{City: "Mumbai"}); return err }},
		{"ShowsOfMovie", func() error { _, err := sys.ShowsOfMovie(ctx, f.movie.ID, boxoffice.ShowPage{}); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); err != nil {
				t.Errorf("%s after Close: %v; want it to work", tt.name, err)
			}
		})
	}
}
