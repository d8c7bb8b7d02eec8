package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/storetest"
)

// cityStore is the in-memory Store with a CityMovieLister that reads it
// as SearchMovies reads a Store without one: the reference the conformance
// group is checked against (TestCityMovieListerConformance), and the
// capability TestSearchUsesCityMovieLister's search finds.
type cityStore struct {
	*boxoffice.MemoryStore
	calls atomic.Int64
	after atomic.Pointer[time.Time] // of the last call
	fail  error                     // returned by every call, if set
}

func (s *cityStore) Unwrap() boxoffice.Store { return s.MemoryStore }

func (s *cityStore) MoviesShowingIn(ctx context.Context, city string, after time.Time) ([]string, error) {
	s.calls.Add(1)
	s.after.Store(&after)
	if s.fail != nil {
		return nil, s.fail
	}
	return referenceMoviesShowingIn(ctx, s.MemoryStore, city, after)
}

// referenceMoviesShowingIn reads every theater, and the coming shows of
// every hall of the city's.
func referenceMoviesShowingIn(ctx context.Context, s boxoffice.Store, city string, after time.Time) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ids := []string{}
	for th, err := range s.Theaters(ctx) {
		if err != nil {
			return nil, err
		}
		if !strings.EqualFold(th.City, city) {
			continue
		}
		halls, err := s.HallsOfTheater(ctx, th.ID)
		if err != nil {
			return nil, err
		}
		for _, h := range halls {
			shows, err := s.ShowsOfHall(ctx, h.ID, boxoffice.Interval{Start: after, End: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				return nil, err
			}
			for _, sh := range shows {
				if !sh.Start.After(after) {
					continue
				}
				var cancelled bool
				if err := s.ViewShow(ctx, sh.ID, func(tx boxoffice.ShowTx) error {
					cancelled = tx.ShowCancelled()
					return nil
				}); err != nil {
					return nil, err
				}
				if !cancelled {
					ids = append(ids, sh.MovieID)
				}
			}
		}
	}
	return ids, nil
}

// TestCityMovieListerConformance: the conformance group passes the
// reference implementation (the broken ones of TestBrokenStores fail it).
func TestCityMovieListerConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) boxoffice.Store { return &cityStore{MemoryStore: boxoffice.NewMemoryStore()} },
		storetest.Features{ExpiredHolds: true, CityMovies: true, SeatsOfUser: true})
}

// hallCounter is a wrapper that counts the calls of HallsOfTheater.
type hallCounter struct {
	boxoffice.Store
	halls atomic.Int64
}

func (s *hallCounter) Unwrap() boxoffice.Store { return s.Store }

func (s *hallCounter) HallsOfTheater(ctx context.Context, theaterID string) ([]boxoffice.Hall, error) {
	s.halls.Add(1)
	return s.Store.HallsOfTheater(ctx, theaterID)
}

// TestSearchUsesCityMovieLister: a search by City on a Store that is a
// CityMovieLister (under a wrapper, through Unwrap) asks it once, with
// the clock's now, and reads no hall; its pages are those of a search
// that reads every hall, as the clock moves past shows and shows are
// cancelled. Its error is the search's.
func TestSearchUsesCityMovieLister(t *testing.T) {
	ctx := t.Context()
	clock := fakeclock.New(start)
	mem := boxoffice.NewMemoryStore()
	lister := &cityStore{MemoryStore: mem}
	withLister := &hallCounter{Store: lister}
	without := &hallCounter{Store: mem}
	newSys := func(s boxoffice.Store) *boxoffice.BookingSystem {
		sys, err := boxoffice.New(boxoffice.Config{Store: s, Clock: clock, Logger: slog.New(slog.DiscardHandler), SweepInterval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sys.Close(context.Background()) })
		return sys
	}
	fast, slow := newSys(withLister), newSys(without)

	for i, city := range []string{"Mumbai", "MUMBAI", "Pune", "Mumbai"} {
		th := mustT[boxoffice.Theater](t)(slow.AddTheater(ctx, boxoffice.Theater{ID: fmt.Sprintf("T%d", i), Name: "Cinema", City: city}))
		for h := range 3 {
			mustT[boxoffice.Hall](t)(slow.AddHall(ctx, boxoffice.Hall{ID: fmt.Sprintf("T%d-H%d", i, h), TheaterID: th.ID, Name: "Hall", Layout: boxoffice.SeedLayout()}))
		}
	}
	for i, title := range []string{"Alien", "Brazil", "Casablanca", "Dune", "Fargo", "Heat"} {
		mustT[boxoffice.Movie](t)(slow.AddMovie(ctx, boxoffice.Movie{ID: fmt.Sprintf("M%d", i), Title: title, Duration: time.Hour}))
	}
	// Movie Mi plays at 10+i o'clock in hall i%3 of theater i%4.
	for i := range 6 {
		mustT[boxoffice.Show](t)(slow.ScheduleShow(ctx, boxoffice.Show{ID: fmt.Sprintf("S%d", i), MovieID: fmt.Sprintf("M%d", i),
			HallID: fmt.Sprintf("T%d-H%d", i%4, i%3), Start: start.Add(time.Duration(1+i) * time.Hour), BasePrice: 1000}))
	}
	// Dune also plays later in Pune; Heat is cancelled.
	mustT[boxoffice.Show](t)(slow.ScheduleShow(ctx, boxoffice.Show{ID: "S3-late", MovieID: "M3", HallID: "T2-H2", Start: start.Add(20 * time.Hour), BasePrice: 1000}))
	if _, err := slow.CancelShow(ctx, "S5"); err != nil {
		t.Fatal(err)
	}

	titles := func(ms []boxoffice.Movie) []string {
		out := []string{}
		for _, m := range ms {
			out = append(out, m.Title)
		}
		return out
	}
	for _, step := range []struct {
		advance time.Duration
		q       boxoffice.MovieQuery
		want    []string
	}{
		{0, boxoffice.MovieQuery{City: "mumbai"}, []string{"Alien", "Brazil", "Dune", "Fargo"}},
		{0, boxoffice.MovieQuery{City: "mumbai", Limit: 2, After: "M0"}, []string{"Brazil", "Dune"}},
		{0, boxoffice.MovieQuery{City: "Pune", Title: "U"}, []string{"Dune"}},
		{0, boxoffice.MovieQuery{City: "Delhi"}, []string{}},
		{90 * time.Minute, boxoffice.MovieQuery{City: "mumbai"}, []string{"Brazil", "Dune", "Fargo"}},
		{4 * time.Hour, boxoffice.MovieQuery{City: "PUNE"}, []string{"Dune"}},
		{24 * time.Hour, boxoffice.MovieQuery{City: "Pune"}, []string{}},
	} {
		clock.Advance(step.advance)
		want, err := slow.SearchMovies(ctx, step.q)
		if err != nil {
			t.Fatal(err)
		}
		calls, halls := lister.calls.Load(), withLister.halls.Load()
		got, err := fast.SearchMovies(ctx, step.q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(titles(want), step.want) || !slices.Equal(titles(got), step.want) {
			t.Errorf("at %s, SearchMovies(%+v) = %q, reading every hall; %q with the CityMovieLister; want %q",
				clock.Now().Format(time.Kitchen), step.q, titles(want), titles(got), step.want)
		}
		if n := withLister.halls.Load() - halls; n != 0 {
			t.Errorf("SearchMovies(%+v) with a CityMovieLister read %d theaters' halls, want 0", step.q, n)
		}
		if n := lister.calls.Load() - calls; n != 1 {
			t.Errorf("SearchMovies(%+v) called MoviesShowingIn %d times, want 1", step.q, n)
		}
		if after := lister.after.Load(); after != nil && !after.Equal(clock.Now()) {
			t.Errorf("MoviesShowingIn was given %v, want the clock's now %v", *after, clock.Now())
		}
	}
	if without.halls.Load() == 0 {
		t.Error("SearchMovies without a CityMovieLister read no theater's halls") // the counter counts
	}

	lister.fail = boxoffice.ErrStoreUnavailable
	if _, err := fast.SearchMovies(ctx, boxoffice.MovieQuery{City: "Mumbai"}); !errors.Is(err, boxoffice.ErrStoreUnavailable) {
		t.Errorf("SearchMovies with MoviesShowingIn failing: %v, want its error", err)
	}
}
