package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

var catalogTests = []subtest{
	{"Movies", testMovies},
	{"MoviesIteration", testMoviesIteration},
	{"Theaters", testTheaters},
	{"TheatersIteration", testTheatersIteration},
	{"Halls", testHalls},
	{"HallLayoutRoundTrip", testHallLayoutRoundTrip},
}

func testMovies(t *testing.T, s boxoffice.Store) {
	ctx := t.Context()
	m := boxoffice.Movie{ID: "dune", Title: "Dune", Duration: 155 * time.Minute, Genres: []string{"sci-fi", "drama"}, Language: "en", Rating: "PG-13"}
	must(t, s.AddMovie(ctx, m))
	stored := m
	stored.Genres = slices.Clone(m.Genres)
	m.Genres[0] = "changed after AddMovie"

	got, err := s.Movie(ctx, "dune")
	must(t, err)
	if d := diffMovie(stored, got); d != "" {
		t.Error("Movie after AddMovie:", d)
	}
	got.Genres[0] = "changed by the caller"
	if again, _ := s.Movie(ctx, "dune"); again.Genres[0] != "sci-fi" {
		t.Errorf("changing a returned movie's Genres changed the stored movie: %v", again.Genres)
	}

	wantErr(t, "AddMovie with a taken ID", s.AddMovie(ctx, boxoffice.Movie{ID: "dune", Title: "Other"}), boxoffice.ErrAlreadyExists)
	if again, _ := s.Movie(ctx, "dune"); again.Title != "Dune" {
		t.Errorf("a refused AddMovie replaced the movie: %+v", again)
	}
	_, err = s.Movie(ctx, "missing")
	wantErr(t, "Movie of an unknown ID", err, boxoffice.ErrNotFound)
}

func testMoviesIteration(t *testing.T, s boxoffice.Store) {
	ctx := t.Context()
	var want []string
	for i := range 5 {
		id := string(rune('a'+i)) + "-movie"
		want = append(want, id)
		must(t, s.AddMovie(ctx, boxoffice.Movie{ID: id, Title: id, Duration: time.Hour, Genres: []string{"g"}}))
	}

	var got []string
	for m, err := range s.Movies(ctx) {
		must(t, err)
		got = append(got, m.ID)
		// The loop body may use the Store.
		if _, err := s.Movie(ctx, m.ID); err != nil {
			t.Errorf("Movie(%q) inside the Movies loop: %v", m.ID, err)
		}
		m.Genres[0] = "changed by the caller"
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("Movies yielded %v, want %v in any order", got, want)
	}
	if m, _ := s.Movie(ctx, "a-movie"); m.Genres[0] != "g" {
		t.Errorf("changing a yielded movie's Genres changed the stored movie: %v", m.Genres)
	}

	n := 0
	for _, err := range s.Movies(ctx) {
		must(t, err)
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("loop broken after 2 movies ran %d times", n)
	}
}

func testTheaters(t *testing.T, s boxoffice.Store) {
	ctx := t.Context()
	// Every field comes back as given, the time zone too: the
	// BookingSystem prices a theater's shows by it.
	th := boxoffice.Theater{ID: "odeon", Name: "Odeon", Location: "1 Main St", City: "Springfield", TimeZone: "Asia/Tokyo"}
	plain := boxoffice.Theater{ID: "plaza", Name: "Plaza", City: "Springfield"} // no zone
	must(t, s.AddTheater(ctx, th))
	must(t, s.AddTheater(ctx, plain))
	for _, want := range []boxoffice.Theater{th, plain} {
		got, err := s.Theater(ctx, want.ID)
		must(t, err)
		if got != want {
			t.Errorf("Theater after AddTheater: got %+v, want %+v", got, want)
		}
	}
	for got, err := range s.Theaters(ctx) {
		must(t, err)
		if want := map[string]boxoffice.Theater{th.ID: th, plain.ID: plain}[got.ID]; got != want {
			t.Errorf("Theaters yielded %+v, want %+v", got, want)
		}
	}
	wantErr(t, "AddTheater with a taken ID", s.AddTheater(ctx, boxoffice.Theater{ID: "odeon", Name: "Other"}), boxoffice.ErrAlreadyExists)
	if again, _ := s.Theater(ctx, "odeon"); again != th {
		t.Errorf("a refused AddTheater replaced the theater: %+v", again)
	}
	_, err := s.Theater(ctx, "missing")
	wantErr(t, "Theater of an unknown ID", err, boxoffice.ErrNotFound)
}

func testTheatersIteration(t *testing.T, s boxoffice.Store) {
	ctx := t.Context()
	want := []string{"t1", "t2", "t3", "t4"}
	for _, id := range want {
		must(t, s.AddTheater(ctx, boxoffice.Theater{ID: id, Name: "Theater " + id, City: "Springfield"}))
	}
	var got []string
	for th, err := range s.Theaters(ctx) {
		must(t, err)
		got = append(got, th.ID)
		if _, err := s.Theater(ctx, th.ID); err != nil {
			t.Errorf("Theater(%q) inside the Theaters loop: %v", th.ID, err)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("Theaters yielded %v, want %v in any order", got, want)
	}

	n := 0
	for _, err := range s.Theaters(ctx) {
		must(t, err)
		n++
		break
	}
	if n != 1 {
		t.Errorf("loop broken after 1 theater ran %d times", n)
	}
}

func testHalls(t *testing.T, s boxoffice.Store) {
	ctx := t.Context()
	layout := seedLayout(t)
	must(t, s.AddTheater(ctx, boxoffice.Theater{ID: "odeon", Name: "Odeon"}))
	must(t, s.AddTheater(ctx, boxoffice.Theater{ID: "empty", Name: "No halls yet"}))
	// Added out of order: HallsOfTheater sorts by ID.
	for _, id := range []string{"odeon-3", "odeon-1", "odeon-2"} {
		must(t, s.AddHall(ctx, boxoffice.Hall{ID: id, TheaterID: "odeon", Name: "Screen " + id, Layout: layout}))
	}

	got, err := s.Hall(ctx, "odeon-2")
	must(t, err)
	if got.ID != "odeon-2" || got.TheaterID != "odeon" || got.Name != "Screen odeon-2" || got.Layout == nil {
		t.Errorf("Hall after AddHall: got %+v", got)
	}
	wantErr(t, "AddHall with a taken ID",
		s.AddHall(ctx, boxoffice.Hall{ID: "odeon-1", TheaterID: "odeon", Name: "Other", Layout: layout}), boxoffice.ErrAlreadyExists)
	if again, _ := s.Hall(ctx, "odeon-1"); again.Name != "Screen odeon-1" {
		t.Errorf("a refused AddHall replaced the hall: %+v", again)
	}
	wantErr(t, "AddHall in an unknown theater",
		s.AddHall(ctx, boxoffice.Hall{ID: "nowhere-1", TheaterID: "nowhere", Layout: layout}), boxoffice.ErrNotFound)
	_, err = s.Hall(ctx, "missing")
	wantErr(t, "Hall of an unknown ID", err, boxoffice.ErrNotFound)

	halls, err := s.HallsOfTheater(ctx, "odeon")
	must(t, err)
	var ids []string
	for _, h := range halls {
		ids = append(ids, h.ID)
	}
	if want := []string{"odeon-1", "odeon-2", "odeon-3"}; !slices.Equal(ids, want) {
		t.Errorf("HallsOfTheater: got %v, want %v", ids, want)
	}
	halls, err = s.HallsOfTheater(ctx, "empty")
	must(t, err)
	if len(halls) != 0 {
		t.Errorf("HallsOfTheater of a theater without halls: got %v", halls)
	}
	_, err = s.HallsOfTheater(ctx, "nowhere")
	wantErr(t, "HallsOfTheater of an unknown theater", err, boxoffice.ErrNotFound)
}

func testHallLayoutRoundTrip(t *testing.T, s boxoffice.Store) {
	ctx := t.Context()
	grid, err := boxoffice.GridLayout(3, 4, func(row, seat int) boxoffice.SeatType {
		return boxoffice.SeatType((row + seat) % 3)
	})
	must(t, err)
	must(t, s.AddTheater(ctx, boxoffice.Theater{ID: "odeon"}))
	for _, tc := range []struct {
		hall   string
		layout *boxoffice.Layout
	}{
		{"seed", seedLayout(t)},
		{"grid", grid},
	} {
		must(t, s.AddHall(ctx, boxoffice.Hall{ID: tc.hall, TheaterID: "odeon", Layout: tc.layout}))
		h, err := s.Hall(ctx, tc.hall)
		must(t, err)
		if h.Layout == nil {
			t.Fatalf("hall %s came back without a layout", tc.hall)
		}
		if h.Layout.Len() != tc.layout.Len() {
			t.Fatalf("hall %s: layout of %d seats came back with %d", tc.hall, tc.layout.Len(), h.Layout.Len())
		}
		for i, want := range tc.layout.Seats() {
			got := h.Layout.Seat(i)
			if got.ID != want.ID || got.Type != want.Type {
				t.Errorf("hall %s seat %d: got %s (%v), want %s (%v)", tc.hall, i, got.ID, got.Type, want.ID, want.Type)
			}
		}
	}
}
