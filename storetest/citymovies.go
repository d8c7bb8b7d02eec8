package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// cityMovieTests check boxoffice.CityMovieLister, whose answer the
// BookingSystem does not check: every movie it must list, and none other.
var cityMovieTests = []subtest{
	{"Exact", testCityMoviesExact},
	{"CaseFolding", testCityMoviesCaseFolding},
	{"Context", testCityMoviesContext},
}

// cityCatalog stores theaters, their halls, and movies as shows need them.
type cityCatalog struct {
	s       boxoffice.Store
	ctx     context.Context
	layout  *boxoffice.Layout
	theater map[string]string // of each hall
	movies  map[string]bool
}

// newCityCatalog stores a theater in each city named, each with its halls.
func newCityCatalog(t *testing.T, s boxoffice.Store, theaters []cityTheater) *cityCatalog {
	t.Helper()
	c := &cityCatalog{s: s, ctx: t.Context(), layout: seedLayout(t), theater: map[string]string{}, movies: map[string]bool{}}
	for _, th := range theaters {
		must(t, s.AddTheater(c.ctx, boxoffice.Theater{ID: th.id, Name: th.id, City: th.city}))
		for _, h := range th.halls {
			must(t, s.AddHall(c.ctx, boxoffice.Hall{ID: h, TheaterID: th.id, Name: h, Layout: c.layout}))
			c.theater[h] = th.id
		}
	}
	return c
}

type cityTheater struct {
	id, city string
	halls    []string
}

// movie stores the movie, once.
func (c *cityCatalog) movie(t *testing.T, id string) {
	t.Helper()
	if !c.movies[id] {
		must(t, c.s.AddMovie(c.ctx, boxoffice.Movie{ID: id, Title: id, Duration: movieDuration}))
		c.movies[id] = true
	}
}

// show stores a show of the movie in the hall, cancelled or not.
func (c *cityCatalog) show(t *testing.T, id, hall, movie string, start time.Time, cancelled bool) {
	t.Helper()
	c.movie(t, movie)
	sh := boxoffice.Show{ID: id, MovieID: movie, HallID: hall, TheaterID: c.theater[hall],
		Start: start, End: start.Add(movieDuration), BasePrice: 12_00}
	must(t, c.s.AddShow(c.ctx, sh, c.layout, boxoffice.Interval{Start: sh.Start, End: sh.End}, func([]boxoffice.Show) error { return nil }))
	if cancelled {
		must(t, c.s.UpdateShow(c.ctx, id, func(tx boxoffice.ShowTx) error {
			tx.CancelShow()
			return nil
		}))
	}
}

// showingIn returns the movies MoviesShowingIn lists, sorted, each once.
func showingIn(t *testing.T, s boxoffice.Store, city string, after time.Time) []string {
	t.Helper()
	ids, err := capability[boxoffice.CityMovieLister](s).MoviesShowingIn(t.Context(), city, after)
	must(t, err)
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return slices.Compact(ids)
}

// testCityMoviesExact: the movies with a show starting strictly after the
// time given (a Clock reading, finer than the microsecond the shows'
// starts are cut to, in any zone), not cancelled, in any hall of any
// theater of the city; not a movie whose shows there are cancelled, have
// started (at the very time given, or earlier and still running) or
// ended, nor one showing in another city, one whose name holds the city's
// or another theater's.
func testCityMoviesExact(t *testing.T, s boxoffice.Store) {
	c := newCityCatalog(t, s, []cityTheater{
		{"odeon", "Springfield", []string{"odeon-1", "odeon-2", "odeon-3"}},
		{"rex", "SPRINGFIELD", []string{"rex-1", "rex-2"}},
		{"empty", "springfield", nil},
		{"plaza", "Shelbyville", []string{"plaza-1"}},
		{"gardens", "Springfield Gardens", []string{"gardens-1"}},
		{"west", "West Springfield", []string{"west-1"}},
	})
	after := at(12, 0).Add(500 * time.Nanosecond) // a Clock reading
	for _, sh := range []struct {
		id, hall, movie string
		start           time.Time
		cancelled       bool
	}{
		{"open", "odeon-1", "open", at(14, 0), false},
		{"second-hall", "odeon-2", "second-hall", at(13, 0), false},
		{"other-theater", "rex-1", "other-theater", at(15, 0), false},
		{"next-us", "odeon-3", "next-microsecond", at(12, 0).Add(time.Microsecond), false},
		{"at-noon", "rex-2", "at-noon", at(12, 0), false},
		{"running", "odeon-1", "running", at(11, 0), false},
		{"past", "odeon-2", "past", at(8, 0), false},
		{"cancelled", "odeon-2", "cancelled", at(16, 0), true},
		{"mixed-cancelled", "odeon-3", "mixed", at(15, 0), true},
		{"mixed-open", "rex-1", "mixed", at(18, 0), false},
		{"started-then", "rex-1", "started-then-open", at(10, 0), false},
		{"then-open", "rex-2", "started-then-open", at(19, 30), false},
		{"dup-1", "odeon-2", "twice", at(20, 0), false},
		{"dup-2", "rex-2", "twice", at(22, 0), false},
		{"elsewhere", "plaza-1", "elsewhere", at(14, 0), false},
		{"gardens", "gardens-1", "gardens", at(14, 0), false},
		{"west", "west-1", "west", at(14, 0), false},
	} {
		c.show(t, sh.id, sh.hall, sh.movie, sh.start, sh.cancelled)
	}
	c.movie(t, "no-shows")

	tests := []struct {
		city  string
		after time.Time
		want  []string
	}{
		{"springfield", after, []string{"mixed", "next-microsecond", "open", "other-theater", "second-hall", "started-then-open", "twice"}},
		{"Springfield", after.In(time.FixedZone("UTC+5", 5*3600)), []string{"mixed", "next-microsecond", "open", "other-theater", "second-hall", "started-then-open", "twice"}},
		{"springfield", at(13, 0), []string{"mixed", "open", "other-theater", "started-then-open", "twice"}},
		{"SpringField", at(19, 0), []string{"started-then-open", "twice"}},
		{"springfield", at(22, 0), []string{}},
		{"shelbyville", after, []string{"elsewhere"}},
		{"Nowhere", after, []string{}},
		{"Springfield Gardens", at(6, 0), []string{"gardens"}},
	}
	for _, tt := range tests {
		if got := showingIn(t, s, tt.city, tt.after); !slices.Equal(got, tt.want) {
			t.Errorf("MoviesShowingIn(%q, %s) = %q, want %q", tt.city, tt.after.Format(time.RFC3339Nano), got, tt.want)
		}
	}
}

// testCityMoviesCaseFolding: a city matches by Unicode simple case
// folding, exactly as strings.EqualFold: the Kelvin sign K is k, the long
// ſ is s, σ ς and Σ are one letter, ß and ẞ are one; but "ß" is not "ss"
// (full folding), İ is not i nor ı I (lower or upper case would take them
// so), and a city's characters are its own, not a pattern's.
func testCityMoviesCaseFolding(t *testing.T, s boxoffice.Store) {
	cities := map[string]string{ // by movie
		"kelvin":  "\u212aÖLN",
		"sigma":   "ΠΑΡΙΣ",
		"long-s":  "Caſtries",
		"dotted":  "İzmir",
		"dotless": "ızmır",
		"sharp":   "Gießen",
		"dots":    "St. Louis",
		"percent": "100%",
		"regex":   "x.*",
		"plain":   "Xylo",
	}
	var theaters []cityTheater
	for movie, city := range cities {
		theaters = append(theaters, cityTheater{movie, city, []string{movie + "-hall"}})
	}
	c := newCityCatalog(t, s, theaters)
	for movie := range cities {
		c.show(t, movie, movie+"-hall", movie, at(14, 0), false)
	}
	tests := []struct {
		city string
		want []string
	}{
		{"köln", []string{"kelvin"}},
		{"KÖLN", []string{"kelvin"}},
		{"Παρις", []string{"sigma"}},
		{"παρισ", []string{"sigma"}},
		{"CASTRIES", []string{"long-s"}},
		{"castries", []string{"long-s"}},
		{"izmir", []string{}},
		{"IZMIR", []string{}},
		{"İZMIR", []string{"dotted"}},
		{"ızmır", []string{"dotless"}},
		{"gießen", []string{"sharp"}},
		{"GIEẞEN", []string{"sharp"}},
		{"GIESSEN", []string{}},
		{"st. louis", []string{"dots"}},
		{"ST_ LOUIS", []string{}},
		{"st%", []string{}},
		{"100%", []string{"percent"}},
		{"100_", []string{}},
		{"X.*", []string{"regex"}},
		{"x.+", []string{}},
		{"Xyl", []string{}},
		{"xylo", []string{"plain"}},
	}
	for _, tt := range tests {
		if got := showingIn(t, s, tt.city, at(12, 0)); !slices.Equal(got, tt.want) {
			t.Errorf("MoviesShowingIn(%q) = %q, want %q", tt.city, got, tt.want)
		}
	}
}

// testCityMoviesContext: a done ctx is an error.
func testCityMoviesContext(t *testing.T, s boxoffice.Store) {
	c := newCityCatalog(t, s, []cityTheater{{"odeon", "Springfield", []string{"odeon-1"}}})
	c.show(t, "s", "odeon-1", "m", at(14, 0), false)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := capability[boxoffice.CityMovieLister](s).MoviesShowingIn(ctx, "Springfield", at(12, 0)); !errors.Is(err, context.Canceled) {
		t.Errorf("MoviesShowingIn with a cancelled ctx: %v, want context.Canceled", err)
	}
}
