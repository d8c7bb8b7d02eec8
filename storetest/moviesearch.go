package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

var movieSearchTests = []subtest{
	{"Order", testMoviesMatchingOrder},
	{"EveryMatch", testMoviesMatchingEveryMatch},
	{"Context", testMoviesMatchingContext},
}

// matching collects the IDs MoviesMatching yields.
func matching(t *testing.T, s boxoffice.Store, q boxoffice.MovieQuery, after boxoffice.Movie) []string {
	t.Helper()
	var ids []string
	for m, err := range capability[boxoffice.MovieSearcher](s).MoviesMatching(t.Context(), q, after) {
		must(t, err)
		ids = append(ids, m.ID)
	}
	return ids
}

// testMoviesMatchingOrder: every movie past the cursor, in the order of
// (Title, ID) by their bytes, whatever order the database would sort text
// in.
func testMoviesMatchingOrder(t *testing.T, s boxoffice.Store) {
	ctx := t.Context()
	movies := []boxoffice.Movie{
		{ID: "z", Title: "Zodiac"}, {ID: "a", Title: "avatar"}, {ID: "b2", Title: "Alien"},
		{ID: "b1", Title: "Alien"}, {ID: "e", Title: "Émile"}, {ID: "s", Title: "Alien 2"},
	}
	for _, m := range movies {
		m.Duration = time.Hour
		must(t, s.AddMovie(ctx, m))
	}
	want := []string{"b1", "b2", "s", "z", "a", "e"}
	if got := matching(t, s, boxoffice.MovieQuery{}, boxoffice.Movie{}); !slices.Equal(got, want) {
		t.Errorf("MoviesMatching of everything yielded %q, want %q (by title, then ID, byte by byte)", got, want)
	}
	if got := matching(t, s, boxoffice.MovieQuery{}, boxoffice.Movie{ID: "b1", Title: "Alien"}); !slices.Equal(got, want[1:]) {
		t.Errorf("MoviesMatching after (Alien, b1) yielded %q, want %q", got, want[1:])
	}
	if got := matching(t, s, boxoffice.MovieQuery{}, boxoffice.Movie{ID: "zz", Title: "Zodiac"}); !slices.Equal(got, want[4:]) {
		t.Errorf("MoviesMatching after (Zodiac, zz), no stored movie, yielded %q, want %q", got, want[4:])
	}
	n := 0
	for _, err := range capability[boxoffice.MovieSearcher](s).MoviesMatching(ctx, boxoffice.MovieQuery{}, boxoffice.Movie{}) {
		must(t, err)
		if _, err := s.Movie(ctx, "z"); err != nil { // the loop body may use the Store
			t.Errorf("Movie inside the loop: %v", err)
		}
		if n++; n == 2 {
			break
		}
	}
}

// testMoviesMatchingEveryMatch: whatever a Store filters out, it yields
// every movie SearchMovies would match, by Unicode simple case folding:
// the Kelvin sign K and the long ſ match k and s, σ matches ς and Σ, cases
// match each other, in titles, genres and languages, for ASCII and other
// text alike.
func testMoviesMatchingEveryMatch(t *testing.T, s boxoffice.Store) {
	ctx := t.Context()
	movies := []boxoffice.Movie{
		{ID: "kelvin", Title: "\u212aELVIN", Genres: []string{"Drama"}, Language: "EN"},
		{ID: "kelly", Title: "Kelly's Heroes", Genres: []string{"war", "DRAMA"}, Language: "en"},
		{ID: "long-s", Title: "Congreſs", Genres: []string{"hiſtory"}, Language: "la"},
		{ID: "amelie", Title: "Amélie", Genres: []string{"comédie"}, Language: "fr"},
		{ID: "dots", Title: "a.b*c[d]^$", Genres: []string{"x"}, Language: "x"},
		{ID: "sigma", Title: "Ο σοφός", Genres: []string{"δράμα"}, Language: "el"},
		{ID: "other", Title: "Dune", Genres: []string{"sci-fi"}, Language: "de"},
	}
	for _, m := range movies {
		m.Duration = time.Hour
		must(t, s.AddMovie(ctx, m))
	}
	tests := []struct {
		q    boxoffice.MovieQuery
		want []string // among the movies yielded
	}{
		{boxoffice.MovieQuery{Title: "kel"}, []string{"kelvin", "kelly"}},
		{boxoffice.MovieQuery{Title: "ELV"}, []string{"kelvin"}},
		{boxoffice.MovieQuery{Title: "ress"}, []string{"long-s"}},
		{boxoffice.MovieQuery{Title: "AMÉL"}, []string{"amelie"}},
		{boxoffice.MovieQuery{Title: "b*c[d]^$"}, []string{"dots"}},
		{boxoffice.MovieQuery{Title: "."}, []string{"dots"}},
		{boxoffice.MovieQuery{Genre: "drama"}, []string{"kelvin", "kelly"}},
		{boxoffice.MovieQuery{Genre: "HISTORY"}, []string{"long-s"}},
		{boxoffice.MovieQuery{Genre: "COMÉDIE"}, []string{"amelie"}},
		{boxoffice.MovieQuery{Title: "ΣΟΦ"}, []string{"sigma"}},
		{boxoffice.MovieQuery{Title: "ςοφός"}, []string{"sigma"}},
		{boxoffice.MovieQuery{Genre: "ΔΡΆΜΑ"}, []string{"sigma"}},
		{boxoffice.MovieQuery{Language: "En"}, []string{"kelvin", "kelly"}},
		{boxoffice.MovieQuery{Title: "k", Genre: "DRAMA", Language: "en"}, []string{"kelvin", "kelly"}},
	}
	for _, tt := range tests {
		got := matching(t, s, tt.q, boxoffice.Movie{})
		for _, id := range tt.want {
			if !slices.Contains(got, id) {
				t.Errorf("MoviesMatching(%+v) yielded %q, without %q, which matches it", tt.q, got, id)
			}
		}
	}
}

// testMoviesMatchingContext: a done ctx ends the loop with an error.
func testMoviesMatchingContext(t *testing.T, s boxoffice.Store) {
	must(t, s.AddMovie(t.Context(), boxoffice.Movie{ID: "m", Title: "M", Duration: time.Hour}))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var err error
	for _, err = range capability[boxoffice.MovieSearcher](s).MoviesMatching(ctx, boxoffice.MovieQuery{}, boxoffice.Movie{}) {
		if err != nil {
			break
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("MoviesMatching with a cancelled ctx: %v, want context.Canceled", err)
	}
}
