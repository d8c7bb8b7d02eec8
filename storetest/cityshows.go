package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// cityShowTests check boxoffice.CityShowLister, whose pages the
// BookingSystem does not check: every show of the movie in the city past
// the cursor, in order, and none other.
var cityShowTests = []subtest{
	{"Pages", testCityShowsPages},
	{"CaseFolding", testCityShowsCaseFolding},
	{"NotFound", testCityShowsNotFound},
	{"Context", testCityShowsContext},
}

// cityShowsIn returns the IDs of one call of ShowsOfMovieInCity.
func cityShowsIn(t *testing.T, s boxoffice.Store, movie, city string, after boxoffice.ShowCursor, limit int) []string {
	t.Helper()
	shows, err := capability[boxoffice.CityShowLister](s).ShowsOfMovieInCity(t.Context(), movie, city, after, limit)
	must(t, err)
	ids := []string{}
	for _, sh := range shows {
		if sh.MovieID != movie {
			t.Errorf("ShowsOfMovieInCity(%q, %q) returned %+v, of another movie", movie, city, sh)
		}
		ids = append(ids, sh.ID)
	}
	return ids
}

// testCityShowsPages: pages of every limit, each from the last show of
// the one before, list the movie's shows in the city's theaters (in any
// case), cancelled or not, started or not, by start then ID bytes (ties
// across halls and theaters, IDs that follow neither), and no show of
// another city, nor another movie's; a cursor that names no show starts
// strictly after it.
func testCityShowsPages(t *testing.T, s boxoffice.Store) {
	c := newCityCatalog(t, s, []cityTheater{
		{"odeon", "Springfield", []string{"odeon-1", "odeon-2"}},
		{"rex", "SPRINGFIELD", []string{"rex-1"}},
		{"plaza", "Shelbyville", []string{"plaza-1", "plaza-2"}},
		{"west", "West Springfield", []string{"west-1"}},
	})
	type show struct {
		id, hall string
		start    time.Time
	}
	var shows []show
	halls := []string{"odeon-1", "odeon-2", "rex-1", "plaza-1", "plaza-2", "west-1"}
	for slot := range 6 {
		for i, h := range halls {
			if (slot+i)%3 == 0 {
				continue
			}
			// IDs whose byte order follows neither hall nor city ("Z"
			// before "a").
			id := fmt.Sprintf("%c%d", "aZmBqc"[(i*5+slot)%6], slot)
			start := at(10+2*slot, 0)
			c.show(t, id, h, "m1", start, slot == 2 && i == 0)
			shows = append(shows, show{id, h, start})
		}
		c.show(t, fmt.Sprintf("m2-%d", slot), "odeon-1", "m2", at(11+2*slot, 0), false)
	}
	inSpringfield := func(hall string) bool { return strings.HasPrefix(hall, "odeon") || strings.HasPrefix(hall, "rex") }
	slices.SortFunc(shows, func(a, b show) int { return cmp.Or(a.start.Compare(b.start), strings.Compare(a.id, b.id)) })
	want := []string{}
	for _, sh := range shows {
		if inSpringfield(sh.hall) {
			want = append(want, sh.id)
		}
	}
	for _, city := range []string{"Springfield", "sPRINGFIELD"} {
		for limit := 1; limit <= len(want)+1; limit++ {
			var got []string
			var after boxoffice.ShowCursor
			for range len(want) + 2 {
				page := cityShowsIn(t, s, "m1", city, after, limit)
				if len(page) > limit {
					t.Fatalf("ShowsOfMovieInCity(m1, %q, limit %d) returned %d shows", city, limit, len(page))
				}
				got = append(got, page...)
				if len(page) < limit {
					break
				}
				last := slices.IndexFunc(shows, func(sh show) bool { return sh.id == page[len(page)-1] })
				after = boxoffice.ShowCursor{Start: shows[last].start, ID: shows[last].id}
			}
			if !slices.Equal(got, want) {
				t.Errorf("pages of %d of m1 in %q: %q, want %q", limit, city, got, want)
			}
		}
	}
	// A cursor between shows, and one at a start with an ID before the
	// tied shows' and after some.
	var from []string
	for _, sh := range shows {
		if inSpringfield(sh.hall) && sh.start.After(at(13, 0)) {
			from = append(from, sh.id)
		}
	}
	if got := cityShowsIn(t, s, "m1", "springfield", boxoffice.ShowCursor{Start: at(13, 0)}, 100); !slices.Equal(got, from) {
		t.Errorf("m1 in springfield after 13:00: %q, want %q", got, from)
	}
	var tied []string
	for _, sh := range shows {
		if inSpringfield(sh.hall) && (sh.start.After(at(14, 0)) || sh.start.Equal(at(14, 0)) && sh.id > "Z") {
			tied = append(tied, sh.id)
		}
	}
	if got := cityShowsIn(t, s, "m1", "springfield", boxoffice.ShowCursor{Start: at(14, 0), ID: "Z"}, 100); !slices.Equal(got, tied) {
		t.Errorf("m1 in springfield after (14:00, %q): %q, want %q", "Z", got, tied)
	}
	if got := cityShowsIn(t, s, "m1", "Nowhere", boxoffice.ShowCursor{}, 100); len(got) != 0 {
		t.Errorf("m1 in Nowhere: %q, want none", got)
	}
	if got := cityShowsIn(t, s, "m2", "Shelbyville", boxoffice.ShowCursor{}, 100); len(got) != 0 {
		t.Errorf("m2 in Shelbyville: %q, want none", got)
	}
	if got := cityShowsIn(t, s, "m2", "springfield", boxoffice.ShowCursor{}, 100); len(got) != 6 {
		t.Errorf("m2 in springfield: %q, want its 6 shows", got)
	}
}

// testCityShowsCaseFolding: a city matches as for MoviesShowingIn, by
// Unicode simple case folding (strings.EqualFold), not by lower or upper
// case, nor full folding, nor as a pattern.
func testCityShowsCaseFolding(t *testing.T, s boxoffice.Store) {
	cities := map[string]string{ // by hall
		"kelvin": "\u212aÖLN",
		"long-s": "Caſtries",
		"dotted": "İzmir",
		"sharp":  "Gießen",
		"regex":  "x.*",
		"plain":  "Xylo",
	}
	var theaters []cityTheater
	for hall, city := range cities {
		theaters = append(theaters, cityTheater{hall, city, []string{hall}})
	}
	c := newCityCatalog(t, s, theaters)
	for hall := range cities {
		c.show(t, hall, hall, "m", at(14, 0), false)
	}
	for _, tt := range []struct {
		city string
		want []string
	}{
		{"köln", []string{"kelvin"}},
		{"CASTRIES", []string{"long-s"}},
		{"izmir", []string{}},
		{"İZMIR", []string{"dotted"}},
		{"GIEẞEN", []string{"sharp"}},
		{"GIESSEN", []string{}},
		{"X.*", []string{"regex"}},
		{"x.+", []string{}},
		{"Xyl", []string{}},
		{"xylo", []string{"plain"}},
	} {
		if got := cityShowsIn(t, s, "m", tt.city, boxoffice.ShowCursor{}, 10); !slices.Equal(got, tt.want) {
			t.Errorf("ShowsOfMovieInCity(m, %q) = %q, want %q", tt.city, got, tt.want)
		}
	}
}

// testCityShowsNotFound: an unknown movie is ErrNotFound; a known one
// without shows in the city is no show and no error.
func testCityShowsNotFound(t *testing.T, s boxoffice.Store) {
	c := newCityCatalog(t, s, []cityTheater{{"odeon", "Springfield", []string{"odeon-1"}}})
	c.movie(t, "idle")
	if _, err := capability[boxoffice.CityShowLister](s).ShowsOfMovieInCity(t.Context(), "nope", "Springfield", boxoffice.ShowCursor{}, 10); !errors.Is(err, boxoffice.ErrNotFound) {
		t.Errorf("ShowsOfMovieInCity of an unknown movie: %v, want ErrNotFound", err)
	}
	if got := cityShowsIn(t, s, "idle", "Springfield", boxoffice.ShowCursor{}, 10); len(got) != 0 {
		t.Errorf("ShowsOfMovieInCity of a movie without shows: %q", got)
	}
}

// testCityShowsContext: a done ctx is an error.
func testCityShowsContext(t *testing.T, s boxoffice.Store) {
	c := newCityCatalog(t, s, []cityTheater{{"odeon", "Springfield", []string{"odeon-1"}}})
	c.show(t, "s", "odeon-1", "m", at(14, 0), false)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := capability[boxoffice.CityShowLister](s).ShowsOfMovieInCity(ctx, "m", "Springfield", boxoffice.ShowCursor{}, 10); !errors.Is(err, context.Canceled) {
		t.Errorf("ShowsOfMovieInCity with a cancelled ctx: %v, want context.Canceled", err)
	}
}
