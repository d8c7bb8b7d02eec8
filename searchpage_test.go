package boxoffice_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// SearchMovies answers a page at a time, by title then ID: each page starts
// after the last movie of the page before, and a page shorter than its
// limit is the last.
func ExampleBookingSystem_SearchMovies() {
	ctx := context.Background()
	sys := must(boxoffice.New(boxoffice.Config{}))
	defer closeDemo(sys)
	for _, title := range []string{"Vertigo", "Alien", "Jaws", "Heat", "Psycho"} {
		must(sys.AddMovie(ctx, boxoffice.Movie{ID: title, Title: title, Duration: 2 * time.Hour}))
	}

	q := boxoffice.MovieQuery{Limit: 2}
	for {
		movies, err := sys.SearchMovies(ctx, q)
		if err != nil {
			log.Fatal(err)
		}
		var titles []string
		for _, m := range movies {
			titles = append(titles, m.Title)
		}
		fmt.Println(titles)
		if len(movies) < q.Limit {
			break
		}
		q.After = movies[len(movies)-1].ID
	}
	// Output:
	// [Alien Heat]
	// [Jaws Psycho]
	// [Vertigo]
}

// searchAll reads every movie matching q, a page of limit at a time, and
// the size of each page.
func searchAll(t *testing.T, sys *boxoffice.BookingSystem, q boxoffice.MovieQuery) (ids []string, sizes []int) {
	t.Helper()
	limit := q.Limit
	if limit == 0 {
		limit = boxoffice.DefaultPageLimit
	}
	for {
		page, err := sys.SearchMovies(context.Background(), q)
		if err != nil {
			t.Fatalf("SearchMovies(%+v): %v", q, err)
		}
		sizes = append(sizes, len(page))
		for _, m := range page {
			ids = append(ids, m.ID)
		}
		if len(page) < limit || len(sizes) > 1000 {
			return ids, sizes
		}
		q.After = page[len(page)-1].ID
	}
}

// TestSearchMoviesPages pages through searches on both Store paths: every
// match comes once, by title then ID, and movies of equal titles are
// ordered by ID across a page boundary.
func TestSearchMoviesPages(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit)
			// 30 movies of 10 titles, three of each, added out of order:
			// "Film 03" is M03a, M03b, M03c; with limit 4 the second page
			// starts inside the ties of "Film 01".
			var films, odd []string
			for _, i := range []int{7, 3, 9, 0, 5, 1, 8, 2, 6, 4} {
				for _, s := range []string{"c", "a", "b"} {
					id := fmt.Sprintf("M%02d%s", i, s)
					genre := "Even"
					if i%2 == 1 {
						genre = "Odd"
					}
					mustT[boxoffice.Movie](t)(f.sys.AddMovie(f.ctx, boxoffice.Movie{ID: id, Title: fmt.Sprintf("Film %02d", i),
						Duration: time.Hour, Genres: []string{genre}}))
				}
			}
			for i := range 10 {
				for _, s := range []string{"a", "b", "c"} {
					films = append(films, fmt.Sprintf("M%02d%s", i, s))
					if i%2 == 1 {
						odd = append(odd, fmt.Sprintf("M%02d%s", i, s))
					}
				}
			}
			all := append(slices.Clone(films), "M1") // the fixture's Inception
			for _, tt := range []struct {
				q     boxoffice.MovieQuery
				want  []string
				sizes []int
			}{
				{boxoffice.MovieQuery{Limit: 4}, all, []int{4, 4, 4, 4, 4, 4, 4, 3}},
				{boxoffice.MovieQuery{Limit: 1}, all, append(slices.Repeat([]int{1}, 31), 0)},
				{boxoffice.MovieQuery{Limit: 31}, all, []int{31, 0}},
				{boxoffice.MovieQuery{Limit: 1000}, all, []int{31}},
				{boxoffice.MovieQuery{}, all, []int{31}},
				{boxoffice.MovieQuery{Limit: 2, Genre: "odd"}, odd, []int{2, 2, 2, 2, 2, 2, 2, 1}},
				{boxoffice.MovieQuery{Limit: 3, Title: "film 0"}, films, []int{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0}},
				{boxoffice.MovieQuery{Limit: 5, Title: "nothing"}, nil, []int{0}},
			} {
				ids, sizes := searchAll(t, f.sys, tt.q)
				if !slices.Equal(ids, tt.want) || !slices.Equal(sizes, tt.sizes) {
					t.Errorf("%+v: pages of %v listing %v; want pages of %v listing %v", tt.q, sizes, ids, tt.sizes, tt.want)
				}
			}

			// After may name a movie that does not match: the page starts
			// after it all the same.
			got := mustT[[]boxoffice.Movie](t)(f.sys.SearchMovies(f.ctx, boxoffice.MovieQuery{Genre: "odd", After: "M04b", Limit: 2}))
			if ids := movieIDs(got); !slices.Equal(ids, []string{"M05a", "M05b"}) {
				t.Errorf("odd movies after M04b: %v; want [M05a M05b]", ids)
			}
			// A movie added between pages, before the cursor, does not
			// shift the next page.
			first := mustT[[]boxoffice.Movie](t)(f.sys.SearchMovies(f.ctx, boxoffice.MovieQuery{Limit: 3}))
			mustT[boxoffice.Movie](t)(f.sys.AddMovie(f.ctx, boxoffice.Movie{ID: "A", Title: "Early", Duration: time.Hour}))
			next := mustT[[]boxoffice.Movie](t)(f.sys.SearchMovies(f.ctx, boxoffice.MovieQuery{Limit: 3, After: first[2].ID}))
			if ids := movieIDs(next); !slices.Equal(ids, []string{"M01a", "M01b", "M01c"}) {
				t.Errorf("second page after adding an earlier movie: %v; want [M01a M01b M01c]", ids)
			}
		})
	}
}

func movieIDs(ms []boxoffice.Movie) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

// TestSearchMoviesPageErrors: a Limit out of range is an *ArgumentError, as
// for BookingsOfUser; an After that names no movie is ErrNotFound.
func TestSearchMoviesPageErrors(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit)
			mustT[boxoffice.Movie](t)(f.sys.AddMovie(f.ctx, boxoffice.Movie{ID: "M9", Title: "Nine", Duration: time.Hour}))
			for _, tt := range []struct {
				q       boxoffice.MovieQuery
				want    error
				field   string
				results int
			}{
				{q: boxoffice.MovieQuery{Limit: 0}, results: 2}, // the fixture has M1 too
				{q: boxoffice.MovieQuery{Limit: 1}, results: 1},
				{q: boxoffice.MovieQuery{Limit: boxoffice.MaxPageLimit}, results: 2},
				{q: boxoffice.MovieQuery{Limit: -1}, want: boxoffice.ErrInvalidArgument, field: "MovieQuery.Limit"},
				{q: boxoffice.MovieQuery{Limit: -1 << 40}, want: boxoffice.ErrInvalidArgument, field: "MovieQuery.Limit"},
				{q: boxoffice.MovieQuery{Limit: boxoffice.MaxPageLimit + 1}, want: boxoffice.ErrInvalidArgument, field: "MovieQuery.Limit"},
				{q: boxoffice.MovieQuery{After: "M9", Limit: 1 << 40}, want: boxoffice.ErrInvalidArgument, field: "MovieQuery.Limit"},
				{q: boxoffice.MovieQuery{After: "nope"}, want: boxoffice.ErrNotFound},
				{q: boxoffice.MovieQuery{After: "m9"}, want: boxoffice.ErrNotFound}, // IDs are exact
				{q: boxoffice.MovieQuery{After: "nope", Title: "x"}, want: boxoffice.ErrNotFound},
				{q: boxoffice.MovieQuery{After: "bad\x00id"}, want: boxoffice.ErrInvalidArgument, field: "MovieQuery.After"},
				{q: boxoffice.MovieQuery{After: "M9"}, results: 0},
			} {
				got, err := f.sys.SearchMovies(f.ctx, tt.q)
				if tt.want == nil {
					if err != nil || len(got) != tt.results {
						t.Errorf("SearchMovies(%+v) = %d movies, %v; want %d", tt.q, len(got), err, tt.results)
					}
					continue
				}
				if !errors.Is(err, tt.want) || got != nil {
					t.Errorf("SearchMovies(%+v) = %v, %v; want %v", tt.q, got, err, tt.want)
				}
				var ae *boxoffice.ArgumentError
				if tt.field != "" && (!errors.As(err, &ae) || ae.Field != tt.field) {
					t.Errorf("SearchMovies(%+v): %v; want an *ArgumentError for %s", tt.q, err, tt.field)
				}
			}
		})
	}
}

// TestBookingPageLimitUnchanged: BookingsOfUser's Limit checks, which
// SearchMovies now shares, still name their own field.
func TestBookingPageLimitUnchanged(t *testing.T) {
	f := newFixture(t)
	for _, limit := range []int{-1, boxoffice.MaxPageLimit + 1} {
		_, err := f.sys.BookingsOfUser(f.ctx, "u", boxoffice.BookingPage{Limit: limit})
		var ae *boxoffice.ArgumentError
		if !errors.As(err, &ae) || ae.Field != "page.Limit" {
			t.Errorf("BookingsOfUser limit %d: %v; want an *ArgumentError for page.Limit", limit, err)
		}
	}
}

// TestSearchMoviesPagesRandom pages through random catalogs on both Store
// paths, searching between batches of added movies (so the in-memory
// Store merges new movies into its title order), and checks every page
// against a plain sort of the matches.
func TestSearchMoviesPagesRandom(t *testing.T) {
	titles := []string{"Alien", "alien", "Heat", "Jaws", "Ran", "Up", "Z", "Émile", "Heat 2"}
	genres := []string{"Drama", "Comedy", "Horror"}
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit)
			rng := rand.New(rand.NewPCG(1, 2))
			for batch := range 12 {
				for range 1 + rng.IntN(40) {
					m := boxoffice.Movie{ID: fmt.Sprintf("m%03d", rng.IntN(1000)), Title: titles[rng.IntN(len(titles))],
						Duration: time.Hour, Genres: []string{genres[rng.IntN(len(genres))]}}
					if _, err := f.sys.AddMovie(f.ctx, m); err != nil && !errors.Is(err, boxoffice.ErrAlreadyExists) {
						t.Fatal(err)
					}
				}
				for _, q := range []boxoffice.MovieQuery{
					{Limit: 1 + rng.IntN(12)},
					{Limit: 1 + rng.IntN(5), Genre: genres[rng.IntN(len(genres))]},
					{Limit: 1 + rng.IntN(5), Title: "ALIEN"},
					{Limit: 1 + rng.IntN(5), Title: "e"},
				} {
					var want []boxoffice.Movie
					for m, err := range f.store.Movies(f.ctx) {
						if err != nil {
							t.Fatal(err)
						}
						if (q.Genre == "" || strings.EqualFold(m.Genres[0], q.Genre)) && containsFoldRef(m.Title, q.Title) {
							want = append(want, m)
						}
					}
					slices.SortFunc(want, func(a, b boxoffice.Movie) int {
						return cmp.Or(cmp.Compare(a.Title, b.Title), cmp.Compare(a.ID, b.ID))
					})
					ids, sizes := searchAll(t, f.sys, q)
					if !slices.Equal(ids, movieIDs(want)) {
						t.Fatalf("batch %d, %+v: pages of %v listing %v; want %v", batch, q, sizes, ids, movieIDs(want))
					}
					for i, n := range sizes[:len(sizes)-1] {
						if n != q.Limit {
							t.Fatalf("batch %d, %+v: page %d of %d movies, before the last", batch, q, i, n)
						}
					}
				}
			}
		})
	}
}

// TestSearchMoviesWhileAdding searches while movies are added (run with
// -race): every page is in order and holds only movies that exist.
func TestSearchMoviesWhileAdding(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 300 {
			mustT[boxoffice.Movie](t)(f.sys.AddMovie(f.ctx, boxoffice.Movie{ID: fmt.Sprintf("m%03d", i),
				Title: fmt.Sprintf("Film %d", (i*7)%50), Duration: time.Hour}))
		}
	})
	for range 3 {
		wg.Go(func() {
			for range 100 {
				page, err := f.sys.SearchMovies(f.ctx, boxoffice.MovieQuery{Limit: 20, Title: "film"})
				if err != nil {
					t.Error(err)
					return
				}
				if !slices.IsSortedFunc(page, func(a, b boxoffice.Movie) int {
					return cmp.Or(cmp.Compare(a.Title, b.Title), cmp.Compare(a.ID, b.ID))
				}) {
					t.Errorf("page out of order: %v", movieIDs(page))
					return
				}
			}
		})
	}
	waitGroup(t, &wg, "the concurrent searches")
	ids, _ := searchAll(t, f.sys, boxoffice.MovieQuery{Limit: 7, Title: "film"})
	if len(ids) != 300 {
		t.Errorf("%d films found once the adding is done; want 300", len(ids))
	}
}
