package boxoffice_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/storetest"
)

// cityShowStore is the in-memory Store on the generic path with a
// CityShowLister that reads it as ShowsOfMovie reads a Store without one
// (a Store page at a time, each show's theater looked up), counting the
// calls the BookingSystem makes.
type cityShowStore struct {
	genericStore
	calls, pages, theaters atomic.Int64
}

func (s *cityShowStore) ShowsOfMovieInCity(ctx context.Context, movieID, city string, after boxoffice.ShowCursor, limit int) ([]boxoffice.Show, error) {
	s.calls.Add(1)
	var out []boxoffice.Show
	for {
		page, err := s.genericStore.ShowsOfMovie(ctx, movieID, after, limit)
		if err != nil {
			return nil, err
		}
		for _, sh := range page {
			h, err := s.genericStore.Hall(ctx, sh.HallID)
			if err != nil {
				return nil, err
			}
			th, err := s.genericStore.Theater(ctx, h.TheaterID)
			if err != nil {
				return nil, err
			}
			if strings.EqualFold(th.City, city) {
				if out = append(out, sh); len(out) == limit {
					return out, nil
				}
			}
		}
		if len(page) < limit {
			return out, nil
		}
		after = boxoffice.ShowCursor{Start: page[len(page)-1].Start, ID: page[len(page)-1].ID}
	}
}

func (s *cityShowStore) ShowsOfMovie(ctx context.Context, movieID string, after boxoffice.ShowCursor, limit int) ([]boxoffice.Show, error) {
	s.pages.Add(1)
	return s.genericStore.ShowsOfMovie(ctx, movieID, after, limit)
}

func (s *cityShowStore) Theater(ctx context.Context, id string) (boxoffice.Theater, error) {
	s.theaters.Add(1)
	return s.genericStore.Theater(ctx, id)
}

// onCityShowPath is a fixture option: the system uses the fixture's store
// through cityShowStore, whose CityShowLister serves the pages with City.
func onCityShowPath(c *boxoffice.Config) {
	c.Store = &cityShowStore{genericStore: genericStore{c.Store.(*boxoffice.MemoryStore)}}
}

// cityPaths are the Store paths of ShowsOfMovie with City: the library's
// filter on both storePaths, and a Store's CityShowLister.
var cityPaths = append(storePaths[:len(storePaths):len(storePaths)], storePath{"city-lister", onCityShowPath})

// TestShowsOfMovieUsesCityShowLister: a page with City on a Store that is
// a CityShowLister is one call of it, and neither reads the Store's pages
// of every city's shows nor any theater but once, the first time its
// shows are listed, for its zone (ShowInfo.Location); a page without City
// does not call it.
func TestShowsOfMovieUsesCityShowLister(t *testing.T) {
	var cs *cityShowStore
	f := newFixture(t, func(c *boxoffice.Config) {
		onCityShowPath(c)
		cs = c.Store.(*cityShowStore)
	})
	scheduleDelhiThenMumbai(t, f, 103)
	cs.calls.Store(0)
	cs.pages.Store(0)
	cs.theaters.Store(0)
	other := f.processOn(cs, f.gateway) // which has read no theater yet
	got := mustT[[]boxoffice.ShowInfo](t)(other.ShowsOfMovie(f.ctx, "M1", boxoffice.ShowPage{City: "mUMBAI", Limit: 2}))
	if len(got) != 2 || got[0].ID != "S1" || got[1].ID != "P100" {
		t.Fatalf("first page: %v; want S1 and P100", got)
	}
	if c, p, th := cs.calls.Load(), cs.pages.Load(), cs.theaters.Load(); c != 1 || p != 0 || th != 1 {
		t.Errorf("a page of 2 in Mumbai: %d calls of ShowsOfMovieInCity, %d Store pages, %d theater reads; want 1, 0, 1 (T1's zone, once)", c, p, th)
	}
	cs.calls.Store(0)
	cs.theaters.Store(0)
	mustT[[]boxoffice.ShowInfo](t)(other.ShowsOfMovie(f.ctx, "M1", boxoffice.ShowPage{City: "Mumbai", Limit: 2}))
	if c, p, th := cs.calls.Load(), cs.pages.Load(), cs.theaters.Load(); c != 1 || p != 0 || th != 0 {
		t.Errorf("the page again: %d calls of ShowsOfMovieInCity, %d Store pages, %d theater reads; want 1, 0, 0", c, p, th)
	}
	cs.calls.Store(0)
	got = mustT[[]boxoffice.ShowInfo](t)(other.ShowsOfMovie(f.ctx, "M1", boxoffice.ShowPage{Limit: 2}))
	if len(got) != 2 || got[0].ID != "S1" || got[1].ID != "P000" || cs.calls.Load() != 0 {
		t.Errorf("a page of 2 in every city: %v, with %d calls of ShowsOfMovieInCity; want S1 and P000, and none", got, cs.calls.Load())
	}
}

// TestCityShowListerConformance: the conformance group passes the
// reference implementation.
func TestCityShowListerConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) boxoffice.Store {
		return &cityShowStore{genericStore: genericStore{boxoffice.NewMemoryStore()}}
	}, storetest.Features{CityShows: true, ExpiredHolds: true})
}
