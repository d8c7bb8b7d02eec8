package boxoffice_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"pgregory.net/rapid"
)

// cityFixture adds to the fixture (theater T1 in Mumbai, hall H1, show S1)
// theaters in Delhi (two halls), "MUMBAI" (the same city, another case)
// and Pune, then five days of M1's shows at 10:00, 14:00 and 18:00 in
// most halls (ties at each start, whose IDs do not follow the halls nor
// the cities), M2's shows at 22:00 in the Mumbai halls, and sets the
// clock to 14:00 on the second day: the shows starting then have started.
// It returns M1's shows not started, by start then ID, with their cities.
func cityFixture(t *testing.T, f *fixture) (ids, cities []string) {
	t.Helper()
	mustT[boxoffice.Movie](t)(f.sys.AddMovie(f.ctx, boxoffice.Movie{ID: "M2", Title: "Heat", Duration: time.Hour}))
	for _, th := range []boxoffice.Theater{{ID: "T2", Name: "INOX", City: "Delhi"}, {ID: "T3", Name: "Regal", City: "MUMBAI"}, {ID: "T4", Name: "City Pride", City: "Pune"}} {
		mustT[boxoffice.Theater](t)(f.sys.AddTheater(f.ctx, th))
	}
	halls := []struct{ id, theater, city string }{{"H1", "T1", "Mumbai"}, {"H2a", "T2", "Delhi"}, {"H2b", "T2", "Delhi"}, {"H3", "T3", "MUMBAI"}, {"H4", "T4", "Pune"}}
	for _, h := range halls[1:] {
		mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{ID: h.id, TheaterID: h.theater, Name: "Audi " + h.id, Layout: boxoffice.SeedLayout()}))
	}
	day1 := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	now := day1.AddDate(0, 0, 1).Add(14 * time.Hour)
	type show struct {
		s    boxoffice.Show
		city string
	}
	var future []show
	for d := range 5 {
		for hi, hour := range []int{18, 10, 14} {
			at := day1.AddDate(0, 0, d).Add(time.Duration(hour) * time.Hour)
			for i, h := range halls {
				if (d+hi+i)%3 == 0 {
					continue // not every hall plays every slot: the cities' shares vary
				}
				id := fmt.Sprintf("d%d-%02d-%c", d, hour, "ecadb"[i])
				s := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: id, MovieID: "M1", HallID: h.id, Start: at, BasePrice: 1500}))
				if s.Start.After(now) {
					future = append(future, show{s, h.city})
				}
			}
		}
		for _, h := range []string{"H1", "H3"} {
			mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: fmt.Sprintf("m2-%d-%s", d, h), MovieID: "M2", HallID: h,
				Start: day1.AddDate(0, 0, d).Add(22 * time.Hour), BasePrice: 1500}))
		}
	}
	f.clock.Set(now)
	slices.SortFunc(future, func(a, b show) int {
		return cmp.Or(a.s.Start.Compare(b.s.Start), strings.Compare(a.s.ID, b.s.ID))
	})
	for _, s := range future {
		ids, cities = append(ids, s.s.ID), append(cities, s.city)
	}
	return ids, cities
}

// inCity keeps the IDs whose city is city, ignoring case ("" keeps all).
func inCity(ids, cities []string, city string) []string {
	var out []string
	for i, id := range ids {
		if city == "" || strings.EqualFold(cities[i], city) {
			out = append(out, id)
		}
	}
	return out
}

// TestShowsOfMovieCityPages pages through a movie's shows of one city on
// both Store paths, with limits below, at and above the city's count:
// the pages concatenated are the city's shows not started, by start then
// ID, each once; every page but the last is full, the last is short.
func TestShowsOfMovieCityPages(t *testing.T) {
	for _, path := range cityPaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit)
			all, cities := cityFixture(t, f)
			if mumbai, delhi := inCity(all, cities, "mumbai"), inCity(all, cities, "delhi"); len(mumbai) < 8 || len(delhi) < 8 || len(mumbai)+len(delhi) >= len(all) {
				t.Fatalf("fixture: %d shows to come, %d in Mumbai, %d in Delhi", len(all), len(mumbai), len(delhi))
			}
			for _, city := range []string{"Mumbai", "mumbai", "MUMBAI", "Delhi", "pUNE", "Goa", ""} {
				want := inCity(all, cities, city)
				for _, limit := range []int{1, 2, 3, 5, 7, len(want), len(want) + 1, boxoffice.MaxPageLimit, 0} {
					ids, sizes := showsAll(t, f.sys, "M1", boxoffice.ShowPage{City: city, Limit: limit})
					if !slices.Equal(ids, want) {
						t.Errorf("city %q, limit %d: pages of %v listing %v; want %v", city, limit, sizes, ids, want)
					}
					n := cmp.Or(limit, boxoffice.DefaultPageLimit)
					for i, size := range sizes {
						if last := i == len(sizes)-1; last && size >= n || !last && size != n {
							t.Errorf("city %q, limit %d: pages of %v", city, limit, sizes)
							break
						}
					}
				}
			}
			// The other movie's shows in the city are its own.
			if got, _ := showsAll(t, f.sys, "M2", boxoffice.ShowPage{City: "mumbai", Limit: 3}); len(got) != 8 || !strings.HasPrefix(got[0], "m2-") {
				t.Errorf("M2's shows in Mumbai: %v", got)
			}
			if got, _ := showsAll(t, f.sys, "M2", boxoffice.ShowPage{City: "Delhi", Limit: 3}); len(got) != 0 {
				t.Errorf("M2's shows in Delhi: %v; want none", got)
			}
		})
	}
}

// TestShowsOfMovieCityErrors: a City that is not valid text is an
// *ArgumentError for page.City; an After of the movie in another city is
// a cursor like any other, and one that names no show of the movie is
// ErrNotFound, City or not.
func TestShowsOfMovieCityErrors(t *testing.T) {
	for _, path := range cityPaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit)
			all, cities := cityFixture(t, f)
			mumbai := inCity(all, cities, "Mumbai")
			delhi := inCity(all, cities, "Delhi")
			// The first Mumbai show after the first Delhi show.
			i := slices.Index(all, delhi[0])
			next := inCity(all[i+1:], cities[i+1:], "Mumbai")[0]
			for _, tt := range []struct {
				page  boxoffice.ShowPage
				err   error
				field string
				first string // of the page, if any
				n     int
			}{
				{page: boxoffice.ShowPage{City: "bad\x00city"}, err: boxoffice.ErrInvalidArgument, field: "page.City"},
				{page: boxoffice.ShowPage{City: "Mum\xffbai"}, err: boxoffice.ErrInvalidArgument, field: "page.City"},
				{page: boxoffice.ShowPage{City: "Mumbai\n"}, err: boxoffice.ErrInvalidArgument, field: "page.City"},
				{page: boxoffice.ShowPage{City: strings.Repeat("c", 513)}, err: boxoffice.ErrInvalidArgument, field: "page.City"},
				{page: boxoffice.ShowPage{City: strings.Repeat("c", 512)}, n: 0},
				{page: boxoffice.ShowPage{City: "Mumbai", After: "nope"}, err: boxoffice.ErrNotFound},
				{page: boxoffice.ShowPage{City: "Mumbai", After: "m2-3-H1"}, err: boxoffice.ErrNotFound}, // another movie's, in the city
				{page: boxoffice.ShowPage{City: "Mumbai", Limit: -1}, err: boxoffice.ErrInvalidArgument, field: "page.Limit"},
				{page: boxoffice.ShowPage{City: "Mumbai", After: delhi[0], Limit: 1}, first: next, n: 1},
				{page: boxoffice.ShowPage{City: "Mumbai", After: mumbai[0], Limit: 1}, first: mumbai[1], n: 1},
				{page: boxoffice.ShowPage{City: "Mumbai", After: "S1", Limit: 2}, first: mumbai[0], n: 2}, // started long ago
				{page: boxoffice.ShowPage{City: "Mumbai", After: mumbai[len(mumbai)-1]}, n: 0},
			} {
				got, err := f.sys.ShowsOfMovie(f.ctx, "M1", tt.page)
				if tt.err == nil {
					if err != nil || len(got) != tt.n || tt.n > 0 && got[0].ID != tt.first {
						t.Errorf("ShowsOfMovie(M1, %+v) = %d shows, %v; want %d from %s", tt.page, len(got), err, tt.n, tt.first)
					}
					continue
				}
				if !errors.Is(err, tt.err) || got != nil {
					t.Errorf("ShowsOfMovie(M1, %+v) = %v, %v; want %v", tt.page, got, err, tt.err)
				}
				var ae *boxoffice.ArgumentError
				if tt.field != "" && (!errors.As(err, &ae) || ae.Field != tt.field) {
					t.Errorf("ShowsOfMovie(M1, %+v): %v; want an *ArgumentError for %s", tt.page, err, tt.field)
				}
			}
		})
	}
}

// cityCountingStore counts the calls a city's page makes.
type cityCountingStore struct {
	genericStore
	pages, shows, theaters, views atomic.Int64
}

func (s *cityCountingStore) ShowsOfMovie(ctx context.Context, movieID string, after boxoffice.ShowCursor, limit int) ([]boxoffice.Show, error) {
	shows, err := s.genericStore.ShowsOfMovie(ctx, movieID, after, limit)
	s.pages.Add(1)
	s.shows.Add(int64(len(shows)))
	return shows, err
}

func (s *cityCountingStore) Theater(ctx context.Context, id string) (boxoffice.Theater, error) {
	s.theaters.Add(1)
	return s.genericStore.Theater(ctx, id)
}

func (s *cityCountingStore) ViewShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	s.views.Add(1)
	return s.genericStore.ViewShow(ctx, showID, fn)
}

// scheduleDelhiThenMumbai schedules n shows of M1, a day apart from the
// fixture's start, named P000…: all in Delhi (a theater T2 it adds) but
// the last three, in the fixture's Mumbai hall H1. Then it moves the
// clock an hour past the start, so that S1 is still to come, in Mumbai.
func scheduleDelhiThenMumbai(t *testing.T, f *fixture, n int) {
	t.Helper()
	mustT[boxoffice.Theater](t)(f.sys.AddTheater(f.ctx, boxoffice.Theater{ID: "T2", Name: "INOX", City: "Delhi"}))
	mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{ID: "H2", TheaterID: "T2", Name: "Audi 1", Layout: boxoffice.SeedLayout()}))
	for i := range n {
		hall := "H2"
		if i >= n-3 {
			hall = "H1"
		}
		mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: fmt.Sprintf("P%03d", i), MovieID: "M1", HallID: hall,
			Start: start.Add(time.Duration(i+1) * 24 * time.Hour), BasePrice: 1500}))
	}
	f.clock.Set(start.Add(time.Hour))
}

// TestShowsOfMovieCityCost: a page of a city that has few of the movie's
// shows reads the others in a few growing Store pages, not one per show,
// reads each theater once (in a process that has read none; once for the
// process's life), and counts the seats of the page's shows only.
func TestShowsOfMovieCityCost(t *testing.T) {
	cs := &cityCountingStore{}
	f := newFixture(t, func(c *boxoffice.Config) {
		cs.genericStore = genericStore{c.Store.(*boxoffice.MemoryStore)}
		c.Store = cs
	})
	scheduleDelhiThenMumbai(t, f, 303)
	cs.pages.Store(0)
	cs.shows.Store(0)
	cs.theaters.Store(0)
	cs.views.Store(0)
	other := f.processOn(cs, f.gateway)
	got := mustT[[]boxoffice.ShowInfo](t)(other.ShowsOfMovie(f.ctx, "M1", boxoffice.ShowPage{City: "Mumbai", Limit: 2}))
	if len(got) != 2 || got[0].ID != "S1" || got[1].ID != "P300" {
		t.Fatalf("first page: %v; want S1 and P300", got)
	}
	// Asked for 2, then 4, 8, ..., 512: 9 pages to reach P300.
	if p, n, th, v := cs.pages.Load(), cs.shows.Load(), cs.theaters.Load(), cs.views.Load(); p > 9 || n > 304 || th != 2 || v != 2 {
		t.Errorf("a page of 2 in Mumbai: %d Store pages, %d shows, %d theater reads, %d seat counts; want at most 9 pages and 304 shows, 2 and 2", p, n, th, v)
	}
	cs.theaters.Store(0)
	mustT[[]boxoffice.ShowInfo](t)(other.ShowsOfMovie(f.ctx, "M1", boxoffice.ShowPage{City: "Mumbai", Limit: 2}))
	if th := cs.theaters.Load(); th != 0 {
		t.Errorf("the page again: %d theater reads; want none", th)
	}
}

// TestShowsOfMovieCityProperty: for random shows in random halls of
// theaters in random cities, a random clock, city and limit, the pages
// concatenated are the city's shows not started in (Start, ID) order, and
// only the last page is short.
func TestShowsOfMovieCityProperty(t *testing.T) {
	cityNames := []string{"Mumbai", "mumbai", "Delhi", "Pune"}
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		path := cityPaths[rapid.IntRange(0, len(cityPaths)-1).Draw(rt, "store path")]
		f := newFixture(t, path.edit)
		defer f.sys.Close(ctx)
		check := func(err error) {
			if err != nil {
				rt.Fatal(err)
			}
		}
		nTheaters := rapid.IntRange(1, 4).Draw(rt, "theaters")
		var hallCity []string // by hall index: H0, H1b, ...
		for i := range nTheaters {
			city := rapid.SampledFrom(cityNames).Draw(rt, "city")
			_, err := f.sys.AddTheater(ctx, boxoffice.Theater{ID: fmt.Sprintf("X%d", i), Name: "X", City: city})
			check(err)
			for range rapid.IntRange(1, 2).Draw(rt, "halls") {
				_, err := f.sys.AddHall(ctx, boxoffice.Hall{ID: fmt.Sprintf("XH%d", len(hallCity)), TheaterID: fmt.Sprintf("X%d", i),
					Name: "hall", Layout: boxoffice.SeedLayout()})
				check(err)
				hallCity = append(hallCity, city)
			}
		}
		// Shows at 4-hour slots from the next day on: one a slot per hall,
		// ties across halls; IDs drawn, so that ties do not follow halls.
		type slot struct{ hall, at int }
		slots := rapid.SliceOfNDistinct(rapid.Custom(func(rt *rapid.T) slot {
			return slot{rapid.IntRange(0, len(hallCity)-1).Draw(rt, "hall"), rapid.IntRange(0, 11).Draw(rt, "slot")}
		}), 0, 40, func(s slot) slot { return s }).Draw(rt, "shows")
		base := start.Add(24 * time.Hour)
		type show struct {
			id, city string
			at       time.Time
		}
		var shows []show
		for i, s := range slots {
			id := fmt.Sprintf("%c%02d", 'a'+rune((s.at*7+s.hall*3+i)%5), i)
			at := base.Add(time.Duration(s.at) * 4 * time.Hour)
			_, err := f.sys.ScheduleShow(ctx, boxoffice.Show{ID: id, MovieID: "M1", HallID: fmt.Sprintf("XH%d", s.hall), Start: at, BasePrice: 1000})
			check(err)
			shows = append(shows, show{id, hallCity[s.hall], at})
		}
		now := base.Add(time.Duration(rapid.IntRange(-1, 12).Draw(rt, "now")) * 4 * time.Hour)
		f.clock.Set(now)
		city := rapid.SampledFrom([]string{"MUMBAI", "delhi", "Pune", "Goa"}).Draw(rt, "query city")
		limit := rapid.IntRange(1, 6).Draw(rt, "limit")

		var want []show
		for _, s := range shows {
			if s.at.After(now) && strings.EqualFold(s.city, city) {
				want = append(want, s)
			}
		}
		slices.SortFunc(want, func(a, b show) int { return cmp.Or(a.at.Compare(b.at), strings.Compare(a.id, b.id)) })
		var wantIDs, got []string
		for _, s := range want {
			wantIDs = append(wantIDs, s.id)
		}
		page := boxoffice.ShowPage{City: city, Limit: limit}
		var sizes []int
		for len(sizes) <= len(shows)+1 {
			infos, err := f.sys.ShowsOfMovie(ctx, "M1", page)
			check(err)
			sizes = append(sizes, len(infos))
			for _, info := range infos {
				got = append(got, info.ID)
			}
			if len(infos) < limit {
				break
			}
			page.After = infos[len(infos)-1].ID
		}
		if !slices.Equal(got, wantIDs) {
			rt.Fatalf("pages of %v listing %v; want %v", sizes, got, wantIDs)
		}
		for i, size := range sizes {
			if last := i == len(sizes)-1; last && size >= limit || !last && size != limit {
				rt.Fatalf("pages of %v, limit %d", sizes, limit)
			}
		}
	})
}
