package pgstore_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"pgregory.net/rapid"
)

// hiddenCityShows is the Store without its CityShowLister (nor Unwrap):
// ShowsOfMovie with a City filters the movie's shows in the library, as on
// a Store without one.
type hiddenCityShows struct{ boxoffice.Store }

// cityShowsFixture schedules, through a BookingSystem on s, shows of M1
// in theaters of "Mumbai", "MUMBAI" (the same city), "Delhi", "Straße"
// (not "STRASSE" under simple folding) and "Springfield" (which "ſpringfield",
// with a long s, folds to), two halls each, over four days with ties on
// the start, and shows of M2 in Mumbai; it sets the clock past the first
// day's shows. It returns M1's shows to come, by (Start, ID), with their
// cities.
func cityShowsFixture(t *testing.T, s *pgstore.Store) (clock *fakeclock.Clock, ids, cities []string) {
	t.Helper()
	ctx := t.Context()
	day1 := time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC)
	clock = fakeclock.New(day1)
	sys, err := boxoffice.New(boxoffice.Config{Store: s, Clock: clock, Gateway: boxoffice.NewInMemoryGateway(), Logger: slog.New(slog.DiscardHandler)})
	must(t, err)
	t.Cleanup(func() { _ = sys.Close(context.Background()) })
	for _, m := range []string{"M1", "M2"} {
		_, err := sys.AddMovie(ctx, boxoffice.Movie{ID: m, Title: "Movie " + m, Duration: time.Hour})
		must(t, err)
	}
	type hall struct{ id, city string }
	var halls []hall
	for i, city := range []string{"Mumbai", "MUMBAI", "Delhi", "Straße", "Springfield"} {
		th := fmt.Sprintf("T%d", i)
		_, err := sys.AddTheater(ctx, boxoffice.Theater{ID: th, Name: th, City: city})
		must(t, err)
		for _, h := range []string{"a", "b"} {
			_, err := sys.AddHall(ctx, boxoffice.Hall{ID: th + h, TheaterID: th, Name: th + h, Layout: boxoffice.SeedLayout()})
			must(t, err)
			halls = append(halls, hall{th + h, city})
		}
	}
	type show struct {
		s    boxoffice.Show
		city string
	}
	var future []show
	now := day1.Add(36 * time.Hour)
	for d := range 4 {
		for k, hour := range []int{20, 10, 15} {
			at := day1.AddDate(0, 0, d).Add(time.Duration(hour) * time.Hour)
			for i, h := range halls {
				if (d+k+i)%4 == 0 {
					continue // the cities' shares vary
				}
				// IDs that do not follow the halls, nor the cities.
				sh, err := sys.ScheduleShow(ctx, boxoffice.Show{ID: fmt.Sprintf("d%d-%02d-%c", d, hour, "jaighbfcde"[i]), MovieID: "M1", HallID: h.id, Start: at, BasePrice: 1000})
				must(t, err)
				if sh.Start.After(now) {
					future = append(future, show{sh, h.city})
				}
			}
			_, err := sys.ScheduleShow(ctx, boxoffice.Show{ID: fmt.Sprintf("m2-%d-%d", d, hour), MovieID: "M2", HallID: "T0a", Start: at.Add(3 * time.Hour), BasePrice: 1000})
			must(t, err)
		}
	}
	clock.Set(now)
	slices.SortFunc(future, func(a, b show) int { return cmp.Or(a.s.Start.Compare(b.s.Start), strings.Compare(a.s.ID, b.s.ID)) })
	for _, sh := range future {
		ids, cities = append(ids, sh.s.ID), append(cities, sh.city)
	}
	return clock, ids, cities
}

// pagesOf pages through the movie's shows of page.City from the first,
// returning every ShowInfo and the pages' sizes.
func pagesOf(t *testing.T, sys *boxoffice.BookingSystem, movie string, page boxoffice.ShowPage) (all []boxoffice.ShowInfo, sizes []int) {
	t.Helper()
	for range 1000 {
		got, err := sys.ShowsOfMovie(t.Context(), movie, page)
		must(t, err)
		all, sizes = append(all, got...), append(sizes, len(got))
		if len(got) < cmp.Or(page.Limit, boxoffice.DefaultPageLimit) {
			return all, sizes
		}
		page.After = got[len(got)-1].ID
	}
	t.Fatalf("%+v: no last page in 1000", page)
	return nil, nil
}

// TestShowsOfMovieInCityPages: ShowsOfMovie with a City on pgstore, through
// ShowsOfMovieInCity, returns the pages that the library's own filter
// returns over the same data (the Store without the capability), for
// every limit and cities named in other cases, and those are the city's
// shows to come under strings.EqualFold.
func TestShowsOfMovieInCityPages(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	clock, all, cities := cityShowsFixture(t, s)
	quiet := slog.New(slog.DiscardHandler)
	fast, err := boxoffice.New(boxoffice.Config{Store: s, Clock: clock, Gateway: boxoffice.NewInMemoryGateway(), Logger: quiet})
	must(t, err)
	defer fast.Close(context.Background())
	slow, err := boxoffice.New(boxoffice.Config{Store: hiddenCityShows{s}, Clock: clock, Gateway: boxoffice.NewInMemoryGateway(), Logger: quiet})
	must(t, err)
	defer slow.Close(context.Background())
	if _, ok := boxoffice.StoreCapability[boxoffice.CityShowLister](hiddenCityShows{s}); ok {
		t.Fatal("hiddenCityShows has a CityShowLister")
	}
	ids := func(shows []boxoffice.ShowInfo) []string {
		out := []string{}
		for _, sh := range shows {
			out = append(out, sh.ID)
		}
		return out
	}
	for _, city := range []string{"Mumbai", "mumbai", "MUMBAI", "delhi", "straße", "STRASSE", "ſpringfield", "SPRINGFIELD", "Goa", "Mumbai."} {
		want := []string{}
		for i, id := range all {
			if strings.EqualFold(cities[i], city) {
				want = append(want, id)
			}
		}
		for _, limit := range []int{1, 2, 3, 5, 7, len(want), len(want) + 1, boxoffice.MaxPageLimit} {
			if limit == 0 {
				continue
			}
			page := boxoffice.ShowPage{City: city, Limit: limit}
			got, sizes := pagesOf(t, fast, "M1", page)
			ref, refSizes := pagesOf(t, slow, "M1", page)
			if !slices.Equal(ids(got), want) {
				t.Errorf("city %q, limit %d: pages of %v listing %v; want %v", city, limit, sizes, ids(got), want)
			}
			if !slices.Equal(got, ref) || !slices.Equal(sizes, refSizes) {
				t.Errorf("city %q, limit %d: pages of %v listing %v; the library's filter: pages of %v listing %v", city, limit, sizes, ids(got), refSizes, ids(ref))
			}
		}
	}
	// Another movie's shows, in a city it does not play in.
	if got, _ := pagesOf(t, fast, "M2", boxoffice.ShowPage{City: "mUMBAI", Limit: 2}); len(got) != 9 || !strings.HasPrefix(got[0].ID, "m2-") {
		t.Errorf("M2's shows in Mumbai: %v", ids(got))
	}
	if got, _ := pagesOf(t, fast, "M2", boxoffice.ShowPage{City: "Delhi"}); len(got) != 0 {
		t.Errorf("M2's shows in Delhi: %v; want none", ids(got))
	}
	// An unknown movie is ErrNotFound, from the Store too.
	if _, err := s.ShowsOfMovieInCity(t.Context(), "M9", "Mumbai", boxoffice.ShowCursor{}, 5); !errors.Is(err, boxoffice.ErrNotFound) {
		t.Errorf("ShowsOfMovieInCity of an unknown movie: %v; want ErrNotFound", err)
	}
	if got, err := s.ShowsOfMovieInCity(t.Context(), "M1", "Goa", boxoffice.ShowCursor{}, 5); err != nil || len(got) != 0 {
		t.Errorf("ShowsOfMovieInCity of a city without shows: %v, %v; want none", got, err)
	}
}

// TestShowsOfMovieInCityFoldsAsEqualFold: ShowsOfMovieInCity lists the
// movie's shows of exactly the theaters whose city strings.EqualFold takes
// for the one asked, for random cities of letters that fold with others,
// or with none, and characters a regular expression would take as its
// own.
func TestShowsOfMovieInCityFoldsAsEqualFold(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := t.Context()
	layout := boxoffice.SeedLayout()
	start := time.Date(2030, 3, 8, 12, 0, 0, 0, time.UTC)
	round := 0
	rapid.Check(t, func(rt *rapid.T) {
		// Each round has a movie, theaters and halls of its own.
		round++
		movie := fmt.Sprintf("r%d", round)
		must(t, s.AddMovie(ctx, boxoffice.Movie{ID: movie, Title: movie, Duration: time.Hour}))
		cities := rapid.SliceOfN(foldingCity, 1, 6).Draw(rt, "cities")
		for i, c := range cities {
			id := fmt.Sprintf("%s-%d", movie, i)
			must(t, s.AddTheater(ctx, boxoffice.Theater{ID: id, Name: id, City: c}))
			must(t, s.AddHall(ctx, boxoffice.Hall{ID: id, TheaterID: id, Name: id, Layout: layout}))
			sh := boxoffice.Show{ID: id, MovieID: movie, HallID: id, TheaterID: id, Start: start.Add(time.Duration(i) * time.Hour), BasePrice: 1000}
			sh.End = sh.Start.Add(time.Hour)
			must(t, s.AddShow(ctx, sh, layout, boxoffice.Interval{Start: sh.Start, End: sh.End}, func([]boxoffice.Show) error { return nil }))
		}
		q := rapid.OneOf(foldingCity, rapid.SampledFrom(cities)).Draw(rt, "city")
		want := []string{}
		for i, c := range cities {
			if strings.EqualFold(c, q) {
				want = append(want, fmt.Sprintf("%s-%d", movie, i))
			}
		}
		shows, err := s.ShowsOfMovieInCity(ctx, movie, q, boxoffice.ShowCursor{}, 10)
		must(t, err)
		got := []string{}
		for _, sh := range shows {
			got = append(got, sh.ID)
		}
		if !slices.Equal(got, want) {
			rt.Fatalf("ShowsOfMovieInCity(%q) of the cities %q listed %q, want %q", q, cities, got, want)
		}
	})
}

// statements records the SQL of every statement (a query or a batch)
// sent on calls whose ctx is marked counted.
type statements struct {
	mu  sync.Mutex
	sql []string
}

func (c *statements) add(ctx context.Context, sql string) {
	if ctx.Value(countedKey{}) != nil {
		c.mu.Lock()
		c.sql = append(c.sql, sql)
		c.mu.Unlock()
	}
}

// take returns the statements recorded since the last take: those of a
// ViewShow's transaction (its seats read, its commit), those that read a
// theater, and the others (the pages of shows).
func (c *statements) take() (seats, theaters, others int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, sql := range c.sql {
		switch {
		case strings.Contains(sql, "show_seats") || strings.TrimSpace(sql) == "commit":
			seats++
		case strings.HasPrefix(sql, "SELECT id, name, location, city FROM"):
			theaters++
		default:
			others++
		}
	}
	c.sql = nil
	return seats, theaters, others
}

func (c *statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.add(ctx, d.SQL)
	return ctx
}

func (c *statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *statements) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	var all []string
	for _, q := range d.Batch.QueuedQueries {
		all = append(all, q.SQL)
	}
	c.add(ctx, strings.Join(all, ";\n"))
	return ctx
}

func (c *statements) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *statements) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// TestShowsOfMovieInCityRoundTrips: a page of a city with few of a movie's
// shows, among many in other cities, is one statement through
// ShowsOfMovieInCity (besides one per show to count its seats), where the
// library's filter reads the movie's shows a Store page at a time, and
// each theater it meets.
func TestShowsOfMovieInCityRoundTrips(t *testing.T) {
	t.Parallel()
	_, schema, _ := schemaWithShow(t)
	cfg, err := pgxpool.ParseConfig(testDatabaseURL())
	must(t, err)
	trips := &statements{}
	cfg.ConnConfig.Tracer = trips
	cfg.MaxConns = 1 // one statement cache: a statement is one round trip once prepared
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	must(t, err)
	t.Cleanup(pool.Close)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	ctx := t.Context()
	layout := boxoffice.SeedLayout()
	now := time.Date(2030, 3, 8, 12, 0, 0, 0, time.UTC)
	must(t, s.AddMovie(ctx, boxoffice.Movie{ID: "busy", Title: "Busy", Duration: time.Hour}))
	// 20 cities of a theater and a hall each: 19 with 30 shows of the
	// movie, Tinytown with 2, late in the run.
	var tiny []string
	for c := range 20 {
		th := fmt.Sprintf("c%02d", c)
		city := fmt.Sprintf("City %02d", c)
		if c == 7 {
			city = "Tinytown"
		}
		must(t, s.AddTheater(ctx, boxoffice.Theater{ID: th, Name: th, City: city}))
		must(t, s.AddHall(ctx, boxoffice.Hall{ID: th, TheaterID: th, Name: th, Layout: layout}))
		for k := range 30 {
			if c == 7 && k != 20 && k != 25 {
				continue
			}
			sh := boxoffice.Show{ID: fmt.Sprintf("%s-%02d", th, k), MovieID: "busy", HallID: th, TheaterID: th,
				Start: now.Add(time.Duration(3*k+1)*time.Hour + time.Duration(c)*time.Minute), BasePrice: 1000}
			sh.End = sh.Start.Add(time.Hour)
			must(t, s.AddShow(ctx, sh, layout, boxoffice.Interval{Start: sh.Start, End: sh.End}, func([]boxoffice.Show) error { return nil }))
			if c == 7 {
				tiny = append(tiny, sh.ID)
			}
		}
	}
	quiet := slog.New(slog.DiscardHandler)
	clock := fakeclock.New(now)
	type result struct {
		ids                     []string
		seats, theaters, others int
	}
	var results []result
	for _, store := range []boxoffice.Store{s, hiddenCityShows{s}} {
		sys, err := boxoffice.New(boxoffice.Config{Store: store, Clock: clock, Gateway: boxoffice.NewInMemoryGateway(), Logger: quiet})
		must(t, err)
		defer sys.Close(context.Background())
		page := func() result {
			got, err := sys.ShowsOfMovie(counted(ctx), "busy", boxoffice.ShowPage{City: "TINYTOWN", Limit: 10})
			must(t, err)
			var r result
			for _, sh := range got {
				r.ids = append(r.ids, sh.ID)
			}
			r.seats, r.theaters, r.others = trips.take()
			return r
		}
		page() // prepares the statements
		results = append(results, page())
	}
	fast, slow := results[0], results[1]
	t.Logf("a page of Tinytown: %d statements reading shows, %d theaters, %d counting seats with ShowsOfMovieInCity; %d, %d and %d with the library's filter",
		fast.others, fast.theaters, fast.seats, slow.others, slow.theaters, slow.seats)
	if !slices.Equal(fast.ids, tiny) || !slices.Equal(slow.ids, tiny) {
		t.Fatalf("Tinytown's page: %v with ShowsOfMovieInCity, %v with the library's filter; want %v", fast.ids, slow.ids, tiny)
	}
	if fast.others != 1 || fast.theaters != 0 {
		t.Errorf("a page of Tinytown took %d statements reading shows and %d theaters, want 1 and 0", fast.others, fast.theaters)
	}
	if fast.seats > 2*len(tiny) || fast.seats != slow.seats {
		t.Errorf("a page of Tinytown took %d statements counting seats (%d with the library's filter), want at most 2 a show", fast.seats, slow.seats)
	}
	if slow.others+slow.theaters <= 1 {
		t.Errorf("the library's filter took %d statements reading shows and %d theaters: the test measures nothing", slow.others, slow.theaters)
	}
}

// BenchmarkShowsOfMovieCity reads a first page of 20 of a movie's shows in
// one city, of its 2,056 shows to come in 20 cities (19 of a theater of 4
// halls, 27 shows each; Tinytown, one hall, 4 shows of the movie among 34),
// through ShowsOfMovieInCity and, on the same schema, through the
// library's filter (a Store without it): for a city with a 5% share and
// for Tinytown.
func BenchmarkShowsOfMovieCity(b *testing.B) {
	pool := testPool(b)
	schema := newSchema(b, pool)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(b, err)
	ctx := context.Background()
	now := time.Date(2030, 3, 8, 12, 0, 0, 0, time.UTC)
	for _, m := range []string{"busy", "other"} {
		must(b, s.AddMovie(ctx, boxoffice.Movie{ID: m, Title: m, Duration: time.Hour}))
	}
	layout := boxoffice.SeedLayout()
	for c := range 20 {
		th := fmt.Sprintf("c%02d", c)
		city, halls := fmt.Sprintf("City %02d", c), 4
		if c == 7 {
			city, halls = "Tinytown", 1
		}
		must(b, s.AddTheater(ctx, boxoffice.Theater{ID: th, Name: th, City: city}))
		for h := range halls {
			hall := fmt.Sprintf("%s-%d", th, h)
			must(b, s.AddHall(ctx, boxoffice.Hall{ID: hall, TheaterID: th, Name: hall, Layout: layout}))
			n := 27
			if c == 7 {
				n = 34
			}
			for k := range n {
				movie := "busy"
				if c == 7 && k%8 != 3 {
					movie = "other"
				}
				sh := boxoffice.Show{ID: fmt.Sprintf("%s-%02d", hall, k), MovieID: movie, HallID: hall, TheaterID: th,
					Start: now.Add(time.Duration(3*k+1)*time.Hour + time.Duration(c*4+h)*time.Minute), BasePrice: 1000}
				sh.End = sh.Start.Add(time.Hour)
				must(b, s.AddShow(ctx, sh, layout, boxoffice.Interval{Start: sh.Start, End: sh.End}, func([]boxoffice.Show) error { return nil }))
			}
		}
	}
	_, err = pool.Exec(ctx, "ANALYZE "+quote(schema)+".theaters, "+quote(schema)+".halls, "+quote(schema)+".shows")
	must(b, err)
	quiet := slog.New(slog.DiscardHandler)
	clock := fakeclock.New(now)
	for _, city := range []string{"city 03", "tinytown"} {
		var first []boxoffice.ShowInfo
		for _, store := range []struct {
			name  string
			store boxoffice.Store
		}{{"ShowsOfMovieInCity", s}, {"library-filter", hiddenCityShows{s}}} {
			sys, err := boxoffice.New(boxoffice.Config{Store: store.store, Clock: clock, Gateway: boxoffice.NewInMemoryGateway(), Logger: quiet})
			must(b, err)
			defer sys.Close(ctx)
			page, err := sys.ShowsOfMovie(ctx, "busy", boxoffice.ShowPage{City: city, Limit: 20})
			must(b, err)
			if first == nil {
				first = page
			} else if !slices.Equal(page, first) {
				b.Fatalf("%s, %s: a page of %d shows, %d the first way", city, store.name, len(page), len(first))
			}
			b.Run(strings.ReplaceAll(city, " ", "-")+"/"+store.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := sys.ShowsOfMovie(ctx, "busy", boxoffice.ShowPage{City: city, Limit: 20}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
