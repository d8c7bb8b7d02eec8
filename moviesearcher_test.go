package boxoffice_test

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// searchingStore is a MemoryStore behind a wrapper that is a
// MovieSearcher which filters nothing: it yields every movie past the
// cursor, in order, and counts them.
type searchingStore struct {
	*boxoffice.MemoryStore
	yielded int
}

func (s *searchingStore) Unwrap() boxoffice.Store { return s.MemoryStore }

func (s *searchingStore) MoviesMatching(ctx context.Context, _ boxoffice.MovieQuery, after boxoffice.Movie) iter.Seq2[boxoffice.Movie, error] {
	return func(yield func(boxoffice.Movie, error) bool) {
		var all []boxoffice.Movie
		for m, err := range s.MemoryStore.Movies(ctx) {
			if err != nil {
				yield(boxoffice.Movie{}, err)
				return
			}
			all = append(all, m)
		}
		order := func(a, b boxoffice.Movie) int { return cmp.Or(cmp.Compare(a.Title, b.Title), cmp.Compare(a.ID, b.ID)) }
		slices.SortFunc(all, order)
		for _, m := range all {
			if after.ID != "" && order(m, after) <= 0 {
				continue
			}
			s.yielded++
			if !yield(m, nil) {
				return
			}
		}
	}
}

// TestSearchUsesMovieSearcher: on a Store that is a MovieSearcher,
// SearchMovies judges the movies it yields by its own rules, whatever the
// Store let through, and reads no further than its page needs.
func TestSearchUsesMovieSearcher(t *testing.T) {
	ctx := t.Context()
	store := &searchingStore{MemoryStore: boxoffice.NewMemoryStore()}
	sys, err := boxoffice.New(boxoffice.Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sys.Close(context.Background()) })
	for i, title := range []string{"Alien", "Amélie", "Brazil", "Casablanca", "Dune", "Fargo", "Heat", "Jaws"} {
		if _, err := sys.AddMovie(ctx, boxoffice.Movie{ID: fmt.Sprintf("m%d", i), Title: title, Duration: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		q       boxoffice.MovieQuery
		want    []string
		yielded int
	}{
		{boxoffice.MovieQuery{Title: "A", Limit: 2}, []string{"Alien", "Amélie"}, 2},
		{boxoffice.MovieQuery{Title: "A", Limit: 2, After: "m1"}, []string{"Brazil", "Casablanca"}, 2},
		{boxoffice.MovieQuery{Title: "A", Limit: 2, After: "m3"}, []string{"Fargo", "Heat"}, 3},
		{boxoffice.MovieQuery{Title: "zz"}, []string{}, 8},
	}
	for _, tt := range tests {
		store.yielded = 0
		got, err := sys.SearchMovies(ctx, tt.q)
		if err != nil {
			t.Fatal(err)
		}
		titles := []string{}
		for _, m := range got {
			titles = append(titles, m.Title)
		}
		if !slices.Equal(titles, tt.want) || store.yielded != tt.yielded {
			t.Errorf("SearchMovies(%+v) = %q, reading %d movies; want %q, reading %d", tt.q, titles, store.yielded, tt.want, tt.yielded)
		}
	}
}
