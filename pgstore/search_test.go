package pgstore_test

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"pgregory.net/rapid"
)

// searchRunes are the letters of the catalogs and queries that
// TestSearchMatchesInMemory draws: cases, the non-ASCII letters that fold
// with ASCII ones (the Kelvin sign, the long s), others that fold among
// themselves (é É, σ ς Σ, ß ẞ, Ǆ ǅ ǆ), one that folds with none (ŉ), and
// characters a regular expression would take as its own.
var searchRunes = []rune("kKsSaA\u212a\u017f\u00e9\u00c9\u03c3\u03c2\u03a3\u00df\u1e9e\u01c4\u01c5\u01c6\u0149 .*[\\^$(")

// foldingCity draws a city name of up to three searchRunes, for the
// tests that match cities as strings.EqualFold does.
var foldingCity = rapid.Custom(func(t *rapid.T) string {
	return string(rapid.SliceOfN(rapid.SampledFrom(searchRunes), 0, 3).Draw(t, "runes"))
})

// TestSearchMatchesInMemory: SearchMovies on pgstore (its MovieSearcher)
// returns the pages SearchMovies returns on the in-memory Store, for
// random catalogs and queries, page after page, whatever the collation of
// the database.
func TestSearchMatchesInMemory(t *testing.T) {
	pool := testPool(t)
	schema := newSchema(t, pool)
	// A database whose collation is not bytewise ("C"), as most are made:
	// ICU's root order puts "avatar" before "Zodiac", where SearchMovies
	// puts it after.
	_, err := pool.Exec(t.Context(), "ALTER TABLE "+quote(schema)+`.movies ALTER COLUMN title TYPE text COLLATE "und-x-icu", ALTER COLUMN id TYPE text COLLATE "und-x-icu"`)
	must(t, err)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	quiet := slog.New(slog.DiscardHandler)
	pg, err := boxoffice.New(boxoffice.Config{Store: s, Gateway: boxoffice.NewInMemoryGateway(), Logger: quiet})
	must(t, err)
	t.Cleanup(func() { _ = pg.Close(context.Background()) })
	ctx := t.Context()

	text := func(min, max int) *rapid.Generator[string] {
		return rapid.Custom(func(t *rapid.T) string {
			return string(rapid.SliceOfN(rapid.SampledFrom(searchRunes), min, max).Draw(t, "runes"))
		})
	}
	rapid.Check(t, func(rt *rapid.T) {
		_, err := pool.Exec(ctx, "DELETE FROM "+quote(schema)+".movies")
		must(t, err)
		mem, err := boxoffice.New(boxoffice.Config{Logger: quiet})
		must(t, err)
		defer func() { _ = mem.Close(context.Background()) }()
		for i := range rapid.IntRange(0, 12).Draw(rt, "movies") {
			m := boxoffice.Movie{ID: fmt.Sprintf("m%02d", i), Title: text(1, 4).Draw(rt, "title"), Duration: time.Hour,
				Genres: rapid.SliceOfN(text(1, 3), 0, 2).Draw(rt, "genres"), Language: text(0, 2).Draw(rt, "language")}
			for _, sys := range []*boxoffice.BookingSystem{mem, pg} {
				if _, err := sys.AddMovie(ctx, m); err != nil {
					rt.Fatal(err)
				}
			}
		}
		q := boxoffice.MovieQuery{Title: text(0, 2).Draw(rt, "q.Title"), Genre: text(0, 2).Draw(rt, "q.Genre"),
			Language: text(0, 2).Draw(rt, "q.Language"), Limit: rapid.IntRange(1, 4).Draw(rt, "q.Limit")}
		for page := 0; ; page++ {
			want, err := mem.SearchMovies(ctx, q)
			if err != nil {
				rt.Fatal(err)
			}
			got, err := pg.SearchMovies(ctx, q)
			if err != nil {
				rt.Fatal(err)
			}
			if !reflect.DeepEqual(ids(got), ids(want)) {
				rt.Fatalf("page %d of %+v: pgstore %q, in memory %q", page, q, ids(got), ids(want))
			}
			if len(want) < q.Limit {
				return
			}
			q.After = want[len(want)-1].ID
		}
	})
}

func ids(movies []boxoffice.Movie) []string {
	out := make([]string, len(movies))
	for i, m := range movies {
		out[i] = m.ID + " " + m.Title
	}
	return out
}

// TestMoviesMatchingFiltersInTheDatabase: a query of ASCII text yields only
// the movies whose title matches it, however many precede them, and a
// search stops reading once its page is full.
func TestMoviesMatchingFiltersInTheDatabase(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	for i := range 600 {
		title := fmt.Sprintf("Film %03d", i)
		if i%100 == 99 {
			title = fmt.Sprintf("Kelvin %03d", i)
		}
		must(t, s.AddMovie(ctx, boxoffice.Movie{ID: fmt.Sprintf("m%03d", i), Title: title, Duration: time.Hour}))
	}
	must(t, s.AddMovie(ctx, boxoffice.Movie{ID: "k", Title: "\u212aELVIN", Duration: time.Hour}))
	var got []string
	for m, err := range s.MoviesMatching(ctx, boxoffice.MovieQuery{Title: "kelvin"}, boxoffice.Movie{}) {
		must(t, err)
		got = append(got, m.Title)
	}
	want := []string{"Kelvin 099", "Kelvin 199", "Kelvin 299", "Kelvin 399", "Kelvin 499", "Kelvin 599", "\u212aELVIN"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MoviesMatching(kelvin) yielded %q, want %q", got, want)
	}
	n := 0
	for _, err := range s.MoviesMatching(ctx, boxoffice.MovieQuery{}, boxoffice.Movie{Title: "Film 100", ID: "m100"}) {
		must(t, err)
		if n++; n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("the loop ran %d times, want 3", n)
	}
}

// hiddenSearch is a Store without its capabilities (no Unwrap): the
// BookingSystem then reads the whole catalog for a search.
type hiddenSearch struct{ boxoffice.Store }

// BenchmarkSearchMovies searches 10,000 movies on pgstore for a first
// page of 20, through MoviesMatching and, on the same schema, the whole
// catalog read as for a Store without it: a rare title ("zz", no match),
// a common one ("a"), and a genre with a language.
func BenchmarkSearchMovies(b *testing.B) {
	pool := testPool(b)
	schema := newSchema(b, pool)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(b, err)
	ctx := context.Background()
	genres := []string{"drama", "comedy", "horror", "sci-fi", "romance"}
	for i := range 10_000 {
		m := boxoffice.Movie{ID: fmt.Sprintf("m%05d", i), Title: fmt.Sprintf("Movie %05d %c", i, 'a'+i%26), Duration: time.Hour,
			Genres: []string{genres[i%len(genres)]}, Language: []string{"en", "fr", "de"}[i%3]}
		must(b, s.AddMovie(ctx, m))
	}
	// What autovacuum does soon after such a load: without statistics the
	// planner takes a filter on genres for one that keeps most rows.
	_, err = pool.Exec(ctx, "ANALYZE "+quote(schema)+".movies")
	must(b, err)
	quiet := slog.New(slog.DiscardHandler)
	for _, store := range []struct {
		name  string
		store boxoffice.Store
	}{{"MoviesMatching", s}, {"whole-catalog", hiddenSearch{s}}} {
		sys, err := boxoffice.New(boxoffice.Config{Store: store.store, Gateway: boxoffice.NewInMemoryGateway(), Logger: quiet})
		must(b, err)
		defer sys.Close(ctx)
		for _, q := range []struct {
			name string
			q    boxoffice.MovieQuery
		}{
			{"title=zz", boxoffice.MovieQuery{Title: "zz", Limit: 20}},
			{"title=a", boxoffice.MovieQuery{Title: "a", Limit: 20}},
			{"genre+language", boxoffice.MovieQuery{Genre: "Horror", Language: "FR", Limit: 20}},
		} {
			b.Run(store.name+"/"+q.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := sys.SearchMovies(ctx, q.q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestMoviesMatchingReadsFromTheCursor: a page past a cursor deep in the
// catalog is one range of the movies_by_title index, starting at the
// cursor, as MoviesMatching runs it (enable_sort off): the pages of a
// search through 2,000 movies do not each read every movie before their
// cursor.
func TestMoviesMatchingReadsFromTheCursor(t *testing.T) {
	pool := testPool(t)
	s, err := pgstore.New(pool, pgstore.Options{Schema: newSchema(t, pool)})
	must(t, err)
	ctx := t.Context()
	for i := range 2000 {
		must(t, s.AddMovie(ctx, boxoffice.Movie{ID: fmt.Sprintf("m%04d", i), Title: fmt.Sprintf("Film %04d", i), Duration: time.Hour}))
	}
	tx, err := pool.Begin(ctx)
	must(t, err)
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, "SELECT set_config('enable_sort', 'off', true)")
	must(t, err)
	var plan string
	must(t, tx.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+pgstore.MoviesMatchingSQL(s),
		"Film 1990", "m1990", "", "", "", 20).Scan(&plan))
	scans := planScans(t, plan)
	if len(scans) != 1 || scans[0].IndexName != "movies_by_title" || scans[0].ActualRows != 9 || scans[0].RowsRemoved > 0 {
		t.Errorf("want one scan of movies_by_title reading the 9 movies past the cursor; plan: %s", plan)
	}
}
