package boxoffice_test

import (
	"context"
	"fmt"
	"log"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// theaterCounter counts the Store's theater reads.
type theaterCounter struct {
	boxoffice.Store
	reads *atomic.Int64
}

func (s theaterCounter) Theater(ctx context.Context, id string) (boxoffice.Theater, error) {
	s.reads.Add(1)
	return s.Store.Theater(ctx, id)
}

// ShowsOfMovie lists each show with its theater's zone, on both paths of
// the Store, with a City too: Tokyo's, Lisbon's, none for a theater
// without one, none for a zone this process cannot load (the show is
// listed all the same). A theater is read once, for its first listing.
func TestShowInfoCarriesTheaterZone(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			// The reads are counted on the generic path: a wrapper would
			// hide the in-memory Store's own.
			var reads atomic.Int64
			counted := path.name == "generic"
			var store boxoffice.Store // as the fixture's system has it
			f := newFixture(t, path.edit, func(c *boxoffice.Config) {
				if counted {
					c.Store = theaterCounter{Store: c.Store, reads: &reads}
				}
				store = c.Store
			})
			if err := f.store.AddTheater(f.ctx, boxoffice.Theater{ID: "mars", Name: "Far", City: "Mars", TimeZone: "Mars/Olympus_Mons"}); err != nil {
				t.Fatal(err)
			}
			start := time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC)
			want := map[string]string{f.show.ID: ""} // show ID → zone name
			for i, th := range []struct{ id, zone string }{
				{"tokyo", "Asia/Tokyo"}, {"lisbon", "Europe/Lisbon"}, {"nowhere", ""}, {"mars", "Mars/Olympus_Mons"},
			} {
				if th.id != "mars" {
					mustT[boxoffice.Theater](t)(f.sys.AddTheater(f.ctx, boxoffice.Theater{ID: th.id, Name: th.id, City: th.id, TimeZone: th.zone}))
				}
				mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{ID: th.id + "-1", TheaterID: th.id, Name: "1", Layout: boxoffice.SeedLayout()}))
				for k := range 2 { // two shows in a row of one theater
					s := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{MovieID: f.movie.ID, HallID: th.id + "-1",
						Start: start.Add(time.Duration(2*i+k) * 24 * time.Hour), BasePrice: 1500}))
					want[s.ID] = th.zone
					if th.id == "mars" {
						want[s.ID] = "" // does not load here
					}
				}
			}
			// Listed by another process, which has read no theater yet.
			other := f.processOn(store, f.gateway)
			list := func(city string) []boxoffice.ShowInfo {
				t.Helper()
				return mustT[[]boxoffice.ShowInfo](t)(other.ShowsOfMovie(f.ctx, f.movie.ID, boxoffice.ShowPage{City: city}))
			}
			reads.Store(0)
			shows := list("")
			if len(shows) != len(want) {
				t.Fatalf("%d shows listed; want %d", len(shows), len(want))
			}
			for _, s := range shows {
				got := ""
				if s.Location != nil {
					got = s.Location.String()
				}
				if got != want[s.ID] {
					t.Errorf("show %s of theater %s: Location %q; want %q", s.ID, s.TheaterID, got, want[s.ID])
				}
			}
			// T1, tokyo, lisbon, nowhere and mars, once each, mars too:
			// its zone does not load, and a theater never changes.
			if n := reads.Load(); counted && n != 5 {
				t.Errorf("%d theater reads for the first listing; want 5 (one per theater)", n)
			}
			reads.Store(0)
			list("")
			if n := reads.Load(); counted && n != 0 {
				t.Errorf("%d theater reads for the second listing; want none", n)
			}
			tokyo := list("Tokyo")
			if len(tokyo) != 2 || tokyo[0].Location == nil || tokyo[0].Location.String() != "Asia/Tokyo" ||
				tokyo[1].Location == nil || tokyo[1].Location.String() != "Asia/Tokyo" {
				t.Errorf("Tokyo's shows: %+v; want two, in Asia/Tokyo", tokyo)
			}
		})
	}
}

// A listing of a chain's shows, each start printed in its theater's zone
// as the listing gives it: no theater read, no time.LoadLocation per show.
func ExampleShowInfo_location() {
	ctx := context.Background()
	clock := fakeclock.New(time.Date(2030, 7, 1, 9, 0, 0, 0, time.UTC))
	sys, err := boxoffice.New(boxoffice.Config{Clock: clock})
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Close(ctx)
	movie, err := sys.AddMovie(ctx, boxoffice.Movie{ID: "inception", Title: "Inception", Duration: 148 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	start := time.Date(2030, 7, 5, 11, 0, 0, 0, time.UTC)
	for i, th := range []boxoffice.Theater{
		{ID: "shinjuku", Name: "Shinjuku Wald 9", City: "Tokyo", TimeZone: "Asia/Tokyo"},
		{ID: "alvalade", Name: "Cinema City Alvalade", City: "Lisbon", TimeZone: "Europe/Lisbon"},
		{ID: "anywhere", Name: "Anywhere", City: "Nowhere"}, // no zone
	} {
		if _, err := sys.AddTheater(ctx, th); err != nil {
			log.Fatal(err)
		}
		hall, err := sys.AddHall(ctx, boxoffice.Hall{TheaterID: th.ID, Name: "1", Layout: boxoffice.SeedLayout()})
		if err != nil {
			log.Fatal(err)
		}
		if _, err := sys.ScheduleShow(ctx, boxoffice.Show{ID: th.City, MovieID: movie.ID, HallID: hall.ID,
			Start: start.Add(time.Duration(i) * 8 * time.Hour), BasePrice: 1000}); err != nil {
			log.Fatal(err)
		}
	}
	shows, err := sys.ShowsOfMovie(ctx, movie.ID, boxoffice.ShowPage{})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range shows {
		local := s.Start // in UTC, for a theater without a zone
		if s.Location != nil {
			local = s.Start.In(s.Location)
		}
		fmt.Printf("%s: %s\n", s.ID, local.Format("Mon 15:04 MST"))
	}
	// Output:
	// Tokyo: Fri 20:00 JST
	// Lisbon: Fri 20:00 WEST
	// Nowhere: Sat 03:00 UTC
}
