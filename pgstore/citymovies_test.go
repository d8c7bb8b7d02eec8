package pgstore_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"pgregory.net/rapid"
)

// TestMoviesShowingInFoldsAsEqualFold: MoviesShowingIn lists the movies of
// exactly the theaters whose city strings.EqualFold takes for the one
// asked, for random cities of letters that fold with others, or with
// none, and characters a regular expression would take as its own.
func TestMoviesShowingInFoldsAsEqualFold(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	layout := boxoffice.SeedLayout()
	after := time.Date(2030, 3, 8, 12, 0, 0, 0, time.UTC)
	round := 0
	rapid.Check(t, func(rt *rapid.T) {
		// Each round has theaters, halls and movies of its own, named
		// after it, and looks only at its own movies.
		round++
		prefix := fmt.Sprintf("r%d-", round)
		cities := rapid.SliceOfN(foldingCity, 1, 6).Draw(rt, "cities")
		for i, c := range cities {
			id := fmt.Sprintf("%s%d", prefix, i)
			must(t, s.AddTheater(ctx, boxoffice.Theater{ID: id, Name: id, City: c}))
			must(t, s.AddHall(ctx, boxoffice.Hall{ID: id, TheaterID: id, Name: id, Layout: layout}))
			must(t, s.AddMovie(ctx, boxoffice.Movie{ID: id, Title: id, Duration: time.Hour}))
			sh := boxoffice.Show{ID: id, MovieID: id, HallID: id, TheaterID: id, Start: after.Add(time.Hour), End: after.Add(2 * time.Hour), BasePrice: 1000}
			must(t, s.AddShow(ctx, sh, layout, boxoffice.Interval{Start: sh.Start, End: sh.End}, func([]boxoffice.Show) error { return nil }))
		}
		q := rapid.OneOf(foldingCity, rapid.SampledFrom(cities)).Draw(rt, "city")
		want := []string{}
		for i, c := range cities {
			if strings.EqualFold(c, q) {
				want = append(want, fmt.Sprintf("%s%d", prefix, i))
			}
		}
		found, err := s.MoviesShowingIn(ctx, q, after)
		must(t, err)
		got := []string{}
		for _, id := range found {
			if strings.HasPrefix(id, prefix) {
				got = append(got, id)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			rt.Fatalf("MoviesShowingIn(%q) of the cities %q listed %q, want %q", q, cities, got, want)
		}
	})
}

// hiddenCity is the Store without its CityMovieLister: it keeps its
// MovieSearcher, and has no Unwrap, so that a search by city reads every
// hall as on a Store without one, and the rest of it as before.
type hiddenCity struct {
	boxoffice.Store
	boxoffice.MovieSearcher
}

// BenchmarkSearchMoviesCity searches by city, for a first page of 20 of
// 40 movies, a city of 20 theaters of 10 halls each, every hall with 8
// shows to come (1 in 23 cancelled) and 2 played, among 5 theaters of
// another city alike: through MoviesShowingIn, and on the same schema,
// reading every hall of the city (a Store without it).
func BenchmarkSearchMoviesCity(b *testing.B) {
	pool := testPool(b)
	schema := newSchema(b, pool)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(b, err)
	ctx := context.Background()
	now := time.Date(2030, 3, 8, 12, 0, 0, 0, time.UTC)
	const movies = 40
	for i := range movies {
		must(b, s.AddMovie(ctx, boxoffice.Movie{ID: fmt.Sprintf("m%02d", i), Title: fmt.Sprintf("Movie %02d", i), Duration: 2 * time.Hour}))
	}
	layout := boxoffice.SeedLayout()
	n := 0
	for _, c := range []struct {
		city     string
		theaters int
	}{{"Springfield", 20}, {"Shelbyville", 5}} {
		for th := range c.theaters {
			theater := fmt.Sprintf("%s-%02d", c.city, th)
			must(b, s.AddTheater(ctx, boxoffice.Theater{ID: theater, Name: theater, City: c.city}))
			for h := range 10 {
				hall := fmt.Sprintf("%s-%02d", theater, h)
				must(b, s.AddHall(ctx, boxoffice.Hall{ID: hall, TheaterID: theater, Name: hall, Layout: layout}))
				for k := -2; k < 8; k++ {
					n++
					sh := boxoffice.Show{ID: fmt.Sprintf("%s-%d", hall, k), MovieID: fmt.Sprintf("m%02d", n%movies), HallID: hall, TheaterID: theater,
						Start: now.Add(time.Duration(1+3*k) * time.Hour), BasePrice: 1000}
					sh.End = sh.Start.Add(2 * time.Hour)
					must(b, s.AddShow(ctx, sh, layout, boxoffice.Interval{Start: sh.Start, End: sh.End}, func([]boxoffice.Show) error { return nil }))
					if n%23 == 0 {
						must(b, s.UpdateShow(ctx, sh.ID, func(tx boxoffice.ShowTx) error { tx.CancelShow(); return nil }))
					}
				}
			}
		}
	}
	_, err = pool.Exec(ctx, "ANALYZE "+quote(schema)+".theaters, "+quote(schema)+".halls, "+quote(schema)+".shows, "+quote(schema)+".show_seats")
	must(b, err)
	quiet := slog.New(slog.DiscardHandler)
	clock := fakeclock.New(now)
	q := boxoffice.MovieQuery{City: "springfield", Limit: 20}
	var first []boxoffice.Movie
	for _, store := range []struct {
		name  string
		store boxoffice.Store
	}{{"MoviesShowingIn", s}, {"every-hall", hiddenCity{s, s}}} {
		sys, err := boxoffice.New(boxoffice.Config{Store: store.store, Clock: clock, Gateway: boxoffice.NewInMemoryGateway(), Logger: quiet})
		must(b, err)
		defer sys.Close(ctx)
		page, err := sys.SearchMovies(ctx, q)
		must(b, err)
		if first == nil {
			first = page
		} else if !slices.EqualFunc(page, first, func(a, b boxoffice.Movie) bool { return a.ID == b.ID }) || len(page) != 20 {
			b.Fatalf("%s: a page of %d movies, %d the first way", store.name, len(page), len(first))
		}
		b.Run(store.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := sys.SearchMovies(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
