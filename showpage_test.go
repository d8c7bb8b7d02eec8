package boxoffice_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// ShowsOfMovie answers a page at a time, by start then ID, and only the
// shows that have not started.
func ExampleBookingSystem_ShowsOfMovie() {
	ctx := context.Background()
	sys := must(boxoffice.New(boxoffice.Config{Clock: fakeclock.New(start)}))
	defer closeDemo(sys)
	must(sys.AddMovie(ctx, boxoffice.Movie{ID: "heat", Title: "Heat", Duration: 2 * time.Hour}))
	must(sys.AddTheater(ctx, boxoffice.Theater{ID: "odeon", Name: "Odeon", City: "Lisbon"}))
	must(sys.AddHall(ctx, boxoffice.Hall{ID: "one", TheaterID: "odeon", Name: "One", Layout: boxoffice.SeedLayout()}))
	for day := range 5 {
		must(sys.ScheduleShow(ctx, boxoffice.Show{ID: fmt.Sprintf("heat-%d", day+1), MovieID: "heat", HallID: "one",
			Start: start.AddDate(0, 0, day+1), BasePrice: 1500}))
	}

	page := boxoffice.ShowPage{Limit: 2}
	for {
		shows, err := sys.ShowsOfMovie(ctx, "heat", page)
		if err != nil {
			log.Fatal(err)
		}
		var ids []string
		for _, s := range shows {
			ids = append(ids, s.ID)
		}
		fmt.Println(ids)
		if len(shows) < page.Limit {
			break
		}
		page.After = shows[len(shows)-1].ID
	}
	// Output:
	// [heat-1 heat-2]
	// [heat-3 heat-4]
	// [heat-5]
}

// storeShowsOfMovie reads every show of a movie from a Store, a page of
// MaxPageLimit at a time: started or not.
func storeShowsOfMovie(ctx context.Context, s boxoffice.Store, movieID string) ([]boxoffice.Show, error) {
	return readAllPages(func(after boxoffice.ShowCursor, limit int) ([]boxoffice.Show, error) {
		return s.ShowsOfMovie(ctx, movieID, after, limit)
	}, func(sh boxoffice.Show) boxoffice.ShowCursor { return boxoffice.ShowCursor{Start: sh.Start, ID: sh.ID} })
}

// showFixture adds to the fixture three more halls and four days of M1's
// shows at 10:00, 14:00 and 18:00 in halls H2–H4 (the same starts: ties,
// whose IDs do not follow the halls), and M2's shows at the same times in
// H5, then sets the clock to 14:00 on the second day: the shows starting
// then have started (a show whose Start is now has), as has the
// fixture's S1. It returns M1's shows not started, by start then ID.
func showFixture(t *testing.T, f *fixture) []string {
	t.Helper()
	mustT[boxoffice.Movie](t)(f.sys.AddMovie(f.ctx, boxoffice.Movie{ID: "M2", Title: "Heat", Duration: time.Hour}))
	for _, h := range []string{"H2", "H3", "H4", "H5"} {
		mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{ID: h, TheaterID: "T1", Name: "Audi " + h, Layout: boxoffice.SeedLayout()}))
	}
	day1 := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	now := day1.AddDate(0, 0, 1).Add(14 * time.Hour)
	var future []boxoffice.Show
	for d := range 4 {
		for _, hour := range []int{18, 10, 14} {
			at := day1.AddDate(0, 0, d).Add(time.Duration(hour) * time.Hour)
			for i, h := range []string{"H3", "H2", "H4"} {
				id := fmt.Sprintf("d%d-%02d-%c", d, hour, "bca"[i])
				s := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: id, MovieID: "M1", HallID: h, Start: at, BasePrice: 1500}))
				if s.Start.After(now) {
					future = append(future, s)
				}
			}
			mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: fmt.Sprintf("m2-%d-%02d", d, hour),
				MovieID: "M2", HallID: "H5", Start: at, BasePrice: 1500}))
		}
	}
	f.clock.Set(now)
	slices.SortFunc(future, func(a, b boxoffice.Show) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	ids := make([]string, len(future))
	for i, s := range future {
		ids[i] = s.ID
	}
	return ids
}

// showsAll reads every page of the movie's shows with page's limit, and
// the size of each page.
func showsAll(t *testing.T, sys *boxoffice.BookingSystem, movieID string, page boxoffice.ShowPage) (ids []string, sizes []int) {
	t.Helper()
	for {
		infos, err := sys.ShowsOfMovie(context.Background(), movieID, page)
		if err != nil {
			t.Fatalf("ShowsOfMovie(%s, %+v): %v", movieID, page, err)
		}
		sizes = append(sizes, len(infos))
		for _, info := range infos {
			if info.MovieID != movieID || info.TotalSeats != 60 || info.FreeSeats > info.TotalSeats {
				t.Fatalf("ShowsOfMovie(%s) lists %+v", movieID, info)
			}
			ids = append(ids, info.ID)
		}
		if len(infos) < cmp.Or(page.Limit, boxoffice.DefaultPageLimit) || len(sizes) > 100 {
			return ids, sizes
		}
		page.After = infos[len(infos)-1].ID
	}
}

// TestShowsOfMoviePages pages through a movie's shows on both Store paths:
// every show not started comes once, by start then ID (ties across a page
// boundary too); the started ones, those starting at the clock's now
// included, never come; and only the last page is short, even when the
// Store's first answer holds only shows starting now.
func TestShowsOfMoviePages(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit)
			want := showFixture(t, f)
			if len(want) != 21 || want[0] != "d1-18-a" {
				t.Fatalf("fixture: %d shows to come from %v; want 21 from d1-18-a", len(want), want[:1])
			}
			for _, limit := range []int{1, 2, 3, 4, 5, 20, 21, 22, boxoffice.MaxPageLimit, 0} {
				ids, sizes := showsAll(t, f.sys, "M1", boxoffice.ShowPage{Limit: limit})
				if !slices.Equal(ids, want) {
					t.Errorf("limit %d: pages of %v listing %v; want %v", limit, sizes, ids, want)
				}
				n := cmp.Or(limit, boxoffice.DefaultPageLimit)
				for i, size := range sizes {
					if last := i == len(sizes)-1; last && size >= n || !last && size != n {
						t.Errorf("limit %d: pages of %v", limit, sizes)
						break
					}
				}
			}
			// Time passes: a page after a show that has started since
			// starts at the first show not started.
			page := mustT[[]boxoffice.ShowInfo](t)(f.sys.ShowsOfMovie(f.ctx, "M1", boxoffice.ShowPage{Limit: 3}))
			f.clock.Set(page[2].Start)
			got, _ := showsAll(t, f.sys, "M1", boxoffice.ShowPage{After: page[0].ID, Limit: 4})
			if !slices.Equal(got, want[3:]) {
				t.Errorf("pages after %s, started since: %v; want %v", page[0].ID, got, want[3:])
			}
			// The other movie's shows are its own.
			if got, _ := showsAll(t, f.sys, "M2", boxoffice.ShowPage{Limit: 2}); len(got) != 6 || !strings.HasPrefix(got[0], "m2-") {
				t.Errorf("M2's shows: %v", got)
			}
		})
	}
}

// TestShowsOfMoviePageErrors: a Limit out of range or a malformed After is
// an *ArgumentError for the page's field; an After that names no show of
// the movie (unknown, or another movie's) is ErrNotFound, as is an
// unknown movie; an After that has started is a cursor like any other.
func TestShowsOfMoviePageErrors(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit)
			want := showFixture(t, f)
			for _, tt := range []struct {
				movie string
				page  boxoffice.ShowPage
				err   error
				field string
				first string // of the page, if any
				n     int
			}{
				{movie: "M1", page: boxoffice.ShowPage{}, first: want[0], n: len(want)},
				{movie: "M1", page: boxoffice.ShowPage{Limit: boxoffice.MaxPageLimit}, first: want[0], n: len(want)},
				{movie: "M1", page: boxoffice.ShowPage{Limit: -1}, err: boxoffice.ErrInvalidArgument, field: "page.Limit"},
				{movie: "M1", page: boxoffice.ShowPage{Limit: -1 << 40}, err: boxoffice.ErrInvalidArgument, field: "page.Limit"},
				{movie: "M1", page: boxoffice.ShowPage{Limit: boxoffice.MaxPageLimit + 1}, err: boxoffice.ErrInvalidArgument, field: "page.Limit"},
				{movie: "M1", page: boxoffice.ShowPage{After: "nope", Limit: boxoffice.MaxPageLimit + 1}, err: boxoffice.ErrInvalidArgument, field: "page.Limit"},
				{movie: "M1", page: boxoffice.ShowPage{After: "bad\x00id"}, err: boxoffice.ErrInvalidArgument, field: "page.After"},
				{movie: "M1", page: boxoffice.ShowPage{After: strings.Repeat("s", 129)}, err: boxoffice.ErrInvalidArgument, field: "page.After"},
				{movie: "M1", page: boxoffice.ShowPage{After: "nope"}, err: boxoffice.ErrNotFound},
				{movie: "M1", page: boxoffice.ShowPage{After: "D1-18-A"}, err: boxoffice.ErrNotFound}, // IDs are exact
				{movie: "M1", page: boxoffice.ShowPage{After: "m2-3-10"}, err: boxoffice.ErrNotFound},
				{movie: "M2", page: boxoffice.ShowPage{After: want[0]}, err: boxoffice.ErrNotFound},
				{movie: "M9", page: boxoffice.ShowPage{}, err: boxoffice.ErrNotFound},
				{movie: "M9", page: boxoffice.ShowPage{After: want[0]}, err: boxoffice.ErrNotFound},
				{movie: "M1", page: boxoffice.ShowPage{After: "S1", Limit: 1}, first: want[0], n: 1},      // started long ago
				{movie: "M1", page: boxoffice.ShowPage{After: "d1-14-b", Limit: 2}, first: want[0], n: 2}, // starts now
				{movie: "M1", page: boxoffice.ShowPage{After: want[0], Limit: 1}, first: want[1], n: 1},
				{movie: "M1", page: boxoffice.ShowPage{After: want[len(want)-1]}, n: 0},
			} {
				got, err := f.sys.ShowsOfMovie(f.ctx, tt.movie, tt.page)
				if tt.err == nil {
					if err != nil || len(got) != tt.n || tt.n > 0 && got[0].ID != tt.first {
						t.Errorf("ShowsOfMovie(%s, %+v) = %d shows, %v; want %d from %s", tt.movie, tt.page, len(got), err, tt.n, tt.first)
					}
					continue
				}
				if !errors.Is(err, tt.err) || got != nil {
					t.Errorf("ShowsOfMovie(%s, %+v) = %v, %v; want %v", tt.movie, tt.page, got, err, tt.err)
				}
				var ae *boxoffice.ArgumentError
				if tt.field != "" && (!errors.As(err, &ae) || ae.Field != tt.field) {
					t.Errorf("ShowsOfMovie(%s, %+v): %v; want an *ArgumentError for %s", tt.movie, tt.page, err, tt.field)
				}
			}
		})
	}
}

// pagedStore counts the shows ShowsOfMovie returns, and in mode
// ignoreCursor answers every call from the first show.
type pagedStore struct {
	genericStore
	read         atomic.Int64
	ignoreCursor bool
}

func (s *pagedStore) ShowsOfMovie(ctx context.Context, movieID string, after boxoffice.ShowCursor, limit int) ([]boxoffice.Show, error) {
	if s.ignoreCursor {
		after = boxoffice.ShowCursor{}
	}
	shows, err := s.genericStore.ShowsOfMovie(ctx, movieID, after, limit)
	s.read.Add(int64(len(shows)))
	return shows, err
}

// TestShowsOfMovieReadsOnePage: a movie that has run for a while costs a
// page of the Store's shows, not every show it ever had; and a Store that
// does not move past the cursor gets an error, not a loop.
func TestShowsOfMovieReadsOnePage(t *testing.T) {
	ps := &pagedStore{}
	f := newFixture(t, func(c *boxoffice.Config) {
		ps.genericStore = genericStore{c.Store.(*boxoffice.MemoryStore)}
		c.Store = ps
	})
	for i := range 300 {
		mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: fmt.Sprintf("P%03d", i), MovieID: "M1", HallID: "H1",
			Start: start.Add(time.Duration(i+1) * 24 * time.Hour), BasePrice: 1500}))
	}
	f.clock.Set(start.Add(290*24*time.Hour + time.Minute)) // P289 has started, P290 has not
	ps.read.Store(0)
	got := mustT[[]boxoffice.ShowInfo](t)(f.sys.ShowsOfMovie(f.ctx, "M1", boxoffice.ShowPage{Limit: 5}))
	if len(got) != 5 || got[0].ID != "P290" {
		t.Fatalf("first page: %d shows from %v; want 5 from P290", len(got), got)
	}
	if n := ps.read.Load(); n != 5 {
		t.Errorf("a page of 5 read %d shows of the Store; want 5", n)
	}

	ps.ignoreCursor = true
	_, err := f.sys.ShowsOfMovie(f.ctx, "M1", boxoffice.ShowPage{Limit: 5})
	if err == nil || !strings.Contains(err.Error(), "not after the cursor") {
		t.Errorf("ShowsOfMovie on a Store that ignores the cursor: %v; want an error", err)
	}
}

// FuzzShowPage fuzzes ShowPage: a Limit out of range or an After that
// cannot be an ID is ErrInvalidArgument, an After that names no show of
// the movie ErrNotFound, and otherwise the page is exactly the next Limit
// shows not started after After in (start, ID) order; nothing ever
// changes.
func FuzzShowPage(f *testing.F) {
	for _, s := range []struct {
		after string
		limit int
	}{{"", 0}, {"", 1}, {"P", 2}, {"Na", 1}, {"S1", 1}, {"Y1H1", 3}, {"X2H1", 1000}, {"Y0H2", 2}, {"nope", 5}, {"", -1}, {"", 1001}, {"a\x00", 3}, {"\xff", 1}} {
		f.Add(s.after, s.limit)
	}
	f.Fuzz(func(t *testing.T, after string, limit int) {
		e := newFuzzEnv(t)
		mustT[boxoffice.Movie](t)(e.sys.AddMovie(e.ctx, boxoffice.Movie{ID: "M2", Title: "Heat", Duration: time.Hour}))
		for _, h := range []string{"H2", "H3", "H4"} {
			mustT[boxoffice.Hall](t)(e.sys.AddHall(e.ctx, boxoffice.Hall{ID: h, TheaterID: "T1", Name: "Audi " + h, Layout: boxoffice.SeedLayout()}))
		}
		// Started once the clock moves on 5 minutes (not so far that
		// ann's hold lapses and the sweeper changes the state): one show
		// before then, and two starting then.
		var all []string // M1's shows, then those to come, by start then ID
		for _, s := range []boxoffice.Show{
			{ID: "P", MovieID: "M1", HallID: "H2", Start: start},
			{ID: "Nb", MovieID: "M1", HallID: "H3", Start: start.Add(5 * time.Minute)},
			{ID: "Na", MovieID: "M1", HallID: "H4", Start: start.Add(5 * time.Minute)},
		} {
			s.BasePrice = 1500
			all = append(all, mustT[boxoffice.Show](t)(e.sys.ScheduleShow(e.ctx, s)).ID)
		}
		// Shows to come, ties in IDs against hall order, a few of M2.
		for i := range 6 {
			at := start.Add(time.Duration(i/2+1)*24*time.Hour + time.Duration(i%2)*4*time.Hour)
			for _, h := range []string{"H1", "H2"} {
				id := fmt.Sprintf("%c%d", "XY"[i%2], i)
				if h == "H2" {
					id = fmt.Sprintf("%c%d", "YX"[i%2], i)
				}
				movie := "M1"
				if h == "H2" && i%3 == 0 {
					movie = "M2"
				}
				s := mustT[boxoffice.Show](t)(e.sys.ScheduleShow(e.ctx, boxoffice.Show{ID: id + h, MovieID: movie, HallID: h,
					Start: at, BasePrice: 1500}))
				if movie == "M1" {
					all = append(all, s.ID)
				}
			}
		}
		all = append(all, "S1")
		e.clock.Advance(5 * time.Minute)
		all = slices.DeleteFunc(all, func(id string) bool {
			s := mustT[boxoffice.Show](t)(e.sys.Show(e.ctx, id))
			return !s.Start.After(e.clock.Now())
		})
		slices.SortFunc(all, func(a, b string) int {
			sa := mustT[boxoffice.Show](t)(e.sys.Show(e.ctx, a))
			sb := mustT[boxoffice.Show](t)(e.sys.Show(e.ctx, b))
			if c := sa.Start.Compare(sb.Start); c != 0 {
				return c
			}
			return strings.Compare(a, b)
		})

		before := e.fingerprint()
		got, err := e.sys.ShowsOfMovie(e.ctx, "M1", boxoffice.ShowPage{After: after, Limit: limit})
		if e.fingerprint() != before {
			t.Fatalf("ShowsOfMovie(After %q, Limit %d) changed the state", after, limit)
		}
		var afterShow boxoffice.Show
		known := false
		if after != "" {
			s, err := e.sys.Show(e.ctx, after)
			afterShow, known = s, err == nil && s.MovieID == "M1"
		}
		switch {
		case limit < 0 || limit > boxoffice.MaxPageLimit || !validTextRef(after, 128):
			if !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Fatalf("ShowsOfMovie(After %q, Limit %d) = %d shows, %v; want ErrInvalidArgument", after, limit, len(got), err)
			}
			return
		case after != "" && !known:
			if !errors.Is(err, boxoffice.ErrNotFound) {
				t.Fatalf("ShowsOfMovie(After %q, not M1's) = %d shows, %v; want ErrNotFound", after, len(got), err)
			}
			return
		case err != nil:
			t.Fatalf("ShowsOfMovie(After %q, Limit %d): %v", after, limit, err)
		}
		if limit == 0 {
			limit = boxoffice.DefaultPageLimit
		}
		from := 0
		if after != "" {
			// The first show after After in (start, ID) order; a started
			// After is before every show to come.
			from = len(all)
			for i, id := range all {
				s := mustT[boxoffice.Show](t)(e.sys.Show(e.ctx, id))
				if c := s.Start.Compare(afterShow.Start); c > 0 || c == 0 && id > after {
					from = i
					break
				}
			}
		}
		want := all[from:]
		want = want[:min(limit, len(want))]
		var ids []string
		for _, s := range got {
			ids = append(ids, s.ID)
		}
		if !slices.Equal(ids, want) {
			t.Fatalf("ShowsOfMovie(After %q, Limit %d) = %v; want %v", after, limit, ids, want)
		}
	})
}

// answerKeepingStore answers ShowsOfMovie with slices it keeps (with room
// to spare), as a caching Store may, and remembers them with a copy of
// what they held.
type answerKeepingStore struct {
	genericStore
	mu       sync.Mutex
	answers  [][]boxoffice.Show
	asReturn [][]boxoffice.Show
}

func (s *answerKeepingStore) ShowsOfMovie(ctx context.Context, movieID string, after boxoffice.ShowCursor, limit int) ([]boxoffice.Show, error) {
	shows, err := s.genericStore.ShowsOfMovie(ctx, movieID, after, limit)
	if err != nil {
		return nil, err
	}
	kept := append(make([]boxoffice.Show, 0, len(shows)+4), shows...)
	s.mu.Lock()
	s.answers = append(s.answers, kept)
	s.asReturn = append(s.asReturn, slices.Clone(kept))
	s.mu.Unlock()
	return kept, nil
}

// TestShowsOfMovieLeavesTheStoresSlices: a page that drops a show starting
// at this very instant, and so reads on, never writes into the slices the
// Store answered with (a Store may keep them) nor past their ends.
func TestShowsOfMovieLeavesTheStoresSlices(t *testing.T) {
	ks := &answerKeepingStore{}
	f := newFixture(t, func(c *boxoffice.Config) {
		ks.genericStore = genericStore{c.Store.(*boxoffice.MemoryStore)}
		c.Store = ks
	})
	var shows []boxoffice.Show
	for i := range 8 {
		shows = append(shows, mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: fmt.Sprintf("K%d", i),
			MovieID: "M1", HallID: "H1", Start: start.Add(time.Duration(i+1) * 24 * time.Hour), BasePrice: 1500})))
	}
	f.clock.Set(shows[2].Start) // K2 starts now: it has started
	got := mustT[[]boxoffice.ShowInfo](t)(f.sys.ShowsOfMovie(f.ctx, "M1", boxoffice.ShowPage{Limit: 3}))
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, []string{"K3", "K4", "K5"}) {
		t.Fatalf("page = %v, want [K3 K4 K5]", ids)
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if len(ks.answers) < 2 {
		t.Fatalf("the Store was asked %d times; want a second read after the dropped show", len(ks.answers))
	}
	for i, a := range ks.answers {
		if !slices.EqualFunc(a[:cap(a)][:len(ks.asReturn[i])], ks.asReturn[i], func(x, y boxoffice.Show) bool { return x.ID == y.ID }) ||
			slices.ContainsFunc(a[len(a):cap(a)], func(s boxoffice.Show) bool { return s.ID != "" }) {
			t.Errorf("answer %d of the Store was written to: %v, was %v", i, a[:cap(a)], ks.asReturn[i])
		}
	}
}
