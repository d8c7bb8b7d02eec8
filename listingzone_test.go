package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// zoneStore is a Store whose theater reads a test counts and can make
// fail: with a passing error (down), or as if the Store had not the
// theater (hidden).
type zoneStore struct {
	boxoffice.Store
	reads  *atomic.Int64
	down   *atomic.Bool
	hidden string
}

func (s zoneStore) Theater(ctx context.Context, id string) (boxoffice.Theater, error) {
	s.reads.Add(1)
	switch {
	case s.down.Load():
		return boxoffice.Theater{}, fmt.Errorf("theater %q: connection reset: %w", id, boxoffice.ErrStoreUnavailable)
	case id == s.hidden:
		return boxoffice.Theater{}, fmt.Errorf("theater %q: %w", id, boxoffice.ErrNotFound)
	}
	return s.Store.Theater(ctx, id)
}

// newZoneStore wraps the fixture's Store (as its system has it, on either
// path) in a zoneStore; the fixture's system keeps the Store unwrapped.
func newZoneStore(store boxoffice.Store, hidden string) zoneStore {
	return zoneStore{Store: store, reads: new(atomic.Int64), down: new(atomic.Bool), hidden: hidden}
}

// zoneProcess is another process on store, with nothing read yet, whose
// events obs records (nil: no observer).
func zoneProcess(f *fixture, store boxoffice.Store, obs *allEvents) *boxoffice.BookingSystem {
	f.t.Helper()
	cfg := boxoffice.Config{Store: store, Clock: f.clock, Gateway: f.gateway, HoldsPerMinute: -1,
		PaymentBackoff: -1, SweepInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)}
	if obs != nil {
		cfg.Observers = []boxoffice.Observer{obs}
	}
	return f.newSystem(cfg)
}

// zoneName is the name of loc, "" for nil.
func zoneName(loc *time.Location) string {
	if loc == nil {
		return ""
	}
	return loc.String()
}

// listedZones lists the movie's shows and returns their zones by show ID.
func listedZones(t *testing.T, sys *boxoffice.BookingSystem, movieID, city string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, s := range mustT[[]boxoffice.ShowInfo](t)(sys.ShowsOfMovie(context.Background(), movieID, boxoffice.ShowPage{City: city})) {
		out[s.ID] = zoneName(s.Location)
	}
	return out
}

// A theater whose zone does not load in this process is read from the
// Store once, as any other (a theater never changes): two listings read
// it once. Its shows are listed without a zone (Location nil), as their
// events carry none and their pricing fails naming it. Once the zone
// loads here (a pricing call loads it again after a passing failure), the
// listings and the events give it, without reading the theater again.
func TestUnloadableZoneReadOnce(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit)
			zs := newZoneStore(boxoffice.StoreForTest(f.sys), "")
			// Added through the Store: no process has loaded the zone.
			if err := f.store.AddTheater(f.ctx, boxoffice.Theater{ID: "tokyo", Name: "Shinjuku", City: "Tokyo", TimeZone: "Asia/Tokyo"}); err != nil {
				t.Fatal(err)
			}
			mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{ID: "tokyo-1", TheaterID: "tokyo", Name: "1", Layout: boxoffice.SeedLayout()}))
			start := time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC)
			schedule := func(sys *boxoffice.BookingSystem, id string, day int) {
				t.Helper()
				mustT[boxoffice.Show](t)(sys.ScheduleShow(f.ctx, boxoffice.Show{ID: id, MovieID: f.movie.ID, HallID: "tokyo-1",
					Start: start.Add(time.Duration(day) * 24 * time.Hour), BasePrice: 1500}))
			}
			schedule(f.sys, "first", 0)

			obs := &allEvents{}
			other := zoneProcess(f, zs, obs)
			var failing atomic.Bool
			failing.Store(true)
			boxoffice.SetZoneLoaderForTest(other, func(name string) (*time.Location, error) {
				if failing.Load() {
					return nil, errors.New("open /usr/share/zoneinfo/" + name + ": too many open files")
				}
				return time.LoadLocation(name)
			})
			for i := range 2 {
				if got := listedZones(t, other, f.movie.ID, ""); got["first"] != "" {
					t.Errorf("listing %d: Location %q while the zone does not load; want none", i+1, got["first"])
				}
			}
			if n := zs.reads.Load(); n != 2 {
				t.Errorf("%d theater reads for two listings; want 2 (T1 and tokyo, once each)", n)
			}
			if _, err := other.HoldSeats(f.ctx, "alice", "first", []string{"A1"}); !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Errorf("HoldSeats while the zone does not load: %v; want ErrInvalidArgument", err)
			}
			schedule(other, "second", 1) // its ShowScheduled: no zone either
			// The show's entry is made while the zone does not load.
			if _, err := other.SeatMap(f.ctx, "second"); !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Errorf("SeatMap while the zone does not load: %v; want ErrInvalidArgument", err)
			}

			failing.Store(false)
			mustT[boxoffice.Booking](t)(other.HoldSeats(f.ctx, "alice", "first", []string{"A1"})) // loads it
			schedule(other, "third", 2)
			// Its ShowCancelled gives the zone another show loaded.
			if _, err := other.CancelShow(f.ctx, "second"); err != nil {
				t.Fatal(err)
			}
			got := listedZones(t, other, f.movie.ID, "")
			for _, id := range []string{"first", "second", "third"} {
				if got[id] != "Asia/Tokyo" {
					t.Errorf("show %s listed in %q once the zone loaded; want Asia/Tokyo", id, got[id])
				}
			}
			if n := zs.reads.Load(); n != 2 {
				t.Errorf("%d theater reads in all; want 2: none after the first listing", n)
			}
			if err := other.Close(f.ctx); err != nil { // delivers every event
				t.Fatal(err)
			}
			want := map[string]string{"show_scheduled second": "", "seats_held first": "Asia/Tokyo", "show_scheduled third": "Asia/Tokyo",
				"show_cancelled second": "Asia/Tokyo"}
			seen := 0
			for _, e := range obs.all() {
				key := boxoffice.EventKind(e) + " " + e.Meta().ShowID
				if w, ok := want[key]; ok {
					seen++
					if g := zoneName(e.Meta().Location); g != w {
						t.Errorf("%s: Location %q; want %q", key, g, w)
					}
				}
			}
			if seen != len(want) {
				t.Errorf("%d of the events %v seen", seen, want)
			}
		})
	}
}

// A show is in the theater of its hall: a show written to a Store
// without its TheaterID, or with another theater's, is listed with the
// zone of its hall's theater, found in that theater's city and not in the
// other's, and its events carry the same zone, in a process that has read
// nothing yet and in the one that added the hall.
func TestListingAndEventsAgreeOnTheTheater(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit)
			f.addZonedShow("tokyo", "Asia/Tokyo", time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC))
			mustT[boxoffice.Theater](t)(f.sys.AddTheater(f.ctx, boxoffice.Theater{ID: "lisbon", Name: "Alvalade", City: "Lisbon", TimeZone: "Europe/Lisbon"}))
			for i, theater := range []string{"", "lisbon"} {
				s := boxoffice.Show{ID: fmt.Sprint("direct-", i), MovieID: f.movie.ID, HallID: "tokyo-1", TheaterID: theater,
					Start: time.Date(2026, 3, 8+i, 20, 0, 0, 0, time.UTC), BasePrice: 1500}
				s.End = s.Start.Add(f.movie.Duration)
				window := boxoffice.Interval{Start: s.Start.Add(-boxoffice.CleaningBuffer), End: s.End.Add(boxoffice.CleaningBuffer)}
				if err := f.store.AddShow(f.ctx, s, boxoffice.SeedLayout(), window, nil); err != nil {
					t.Fatal(err)
				}
			}
			obs := &allEvents{}
			other := zoneProcess(f, boxoffice.StoreForTest(f.sys), obs)
			for _, sys := range []*boxoffice.BookingSystem{other, f.sys} {
				listed := listedZones(t, sys, f.movie.ID, "")
				inTokyo := listedZones(t, sys, f.movie.ID, "Tokyo")
				inLisbon := listedZones(t, sys, f.movie.ID, "Lisbon")
				for _, id := range []string{"tokyo-show", "direct-0", "direct-1"} {
					if listed[id] != "Asia/Tokyo" {
						t.Errorf("show %s listed in %q; want Asia/Tokyo, its hall's theater's", id, listed[id])
					}
					if _, ok := inTokyo[id]; !ok {
						t.Errorf("show %s not in Tokyo's listing", id)
					}
					if _, ok := inLisbon[id]; ok {
						t.Errorf("show %s in Lisbon's listing", id)
					}
				}
			}
			for _, id := range []string{"tokyo-show", "direct-0", "direct-1"} {
				mustT[boxoffice.Booking](t)(other.HoldSeats(f.ctx, "alice", id, []string{"A1"}))
			}
			if err := other.Close(f.ctx); err != nil {
				t.Fatal(err)
			}
			held := 0
			for _, e := range obs.all() {
				if h, ok := e.(*boxoffice.SeatsHeld); ok {
					held++
					if g := zoneName(h.Location); g != "Asia/Tokyo" {
						t.Errorf("SeatsHeld of %s: Location %q; want Asia/Tokyo, as listed", h.ShowID, g)
					}
				}
			}
			if held != 3 {
				t.Errorf("%d SeatsHeld events; want 3", held)
			}
		})
	}
}

// When the Store fails to read a theater (a passing error), a listing
// that needs its zone fails with that error, and so does ScheduleShow,
// with or without observers, storing nothing; the next call reads the
// theater again. A theater the Store does not have is no failure: its
// shows are listed and scheduled without a zone.
func TestTheaterReadFailures(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit)
			f.addZonedShow("tokyo", "Asia/Tokyo", time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC))
			f.addZonedShow("gone", "Europe/Lisbon", time.Date(2026, 3, 7, 20, 0, 0, 0, time.UTC))
			zs := newZoneStore(boxoffice.StoreForTest(f.sys), "gone")
			for _, observed := range []bool{false, true} {
				t.Run(fmt.Sprint("observed=", observed), func(t *testing.T) {
					var obs *allEvents
					if observed {
						obs = &allEvents{}
					}
					sys := zoneProcess(f, zs, obs)
					id, days := "new-", 10
					if observed {
						id, days = "new-observed-", 12
					}
					schedule := func(hall string, day int) error {
						_, err := sys.ScheduleShow(f.ctx, boxoffice.Show{ID: id + hall, MovieID: f.movie.ID, HallID: hall,
							Start: time.Date(2026, 3, days+day, 20, 0, 0, 0, time.UTC), BasePrice: 1500})
						return err
					}
					zs.down.Store(true)
					if _, err := sys.ShowsOfMovie(f.ctx, f.movie.ID, boxoffice.ShowPage{}); !errors.Is(err, boxoffice.ErrStoreUnavailable) {
						t.Errorf("ShowsOfMovie while theaters cannot be read: %v; want ErrStoreUnavailable", err)
					}
					if err := schedule("tokyo-1", 0); !errors.Is(err, boxoffice.ErrStoreUnavailable) {
						t.Errorf("ScheduleShow while theaters cannot be read: %v; want ErrStoreUnavailable", err)
					}
					if _, err := f.sys.Show(f.ctx, id+"tokyo-1"); !errors.Is(err, boxoffice.ErrNotFound) {
						t.Errorf("the show of the failed ScheduleShow: %v; want ErrNotFound (not stored)", err)
					}
					zs.down.Store(false)
					if err := schedule("tokyo-1", 0); err != nil {
						t.Errorf("ScheduleShow once the Store answers: %v", err)
					}
					if err := schedule("gone-1", 1); err != nil {
						t.Errorf("ScheduleShow in a hall whose theater the Store has not: %v", err)
					}
					got := listedZones(t, sys, f.movie.ID, "")
					for show, want := range map[string]string{"tokyo-show": "Asia/Tokyo", id + "tokyo-1": "Asia/Tokyo", "gone-show": "", id + "gone-1": ""} {
						if z, ok := got[show]; !ok || z != want {
							t.Errorf("show %s listed %v in %q; want listed in %q", show, ok, z, want)
						}
					}
					if !observed {
						return
					}
					if err := sys.Close(f.ctx); err != nil {
						t.Fatal(err)
					}
					for _, e := range obs.all() {
						if s, ok := e.(*boxoffice.ShowScheduled); ok {
							want := map[bool]string{true: "", false: "Asia/Tokyo"}[strings.HasSuffix(s.ShowID, "gone-1")]
							if g := zoneName(s.Location); g != want {
								t.Errorf("ShowScheduled of %s: Location %q; want %q", s.ShowID, g, want)
							}
						}
					}
				})
			}
		})
	}
}

// lateTheaterStore is a Store that answers ErrNotFound for one theater
// until told it has it: a theater the BookingSystem read as missing.
type lateTheaterStore struct {
	boxoffice.Store
	hidden string
	found  *atomic.Bool
}

func (s lateTheaterStore) Theater(ctx context.Context, id string) (boxoffice.Theater, error) {
	if id == s.hidden && !s.found.Load() {
		return boxoffice.Theater{}, fmt.Errorf("theater %q: %w", id, boxoffice.ErrNotFound)
	}
	return s.Store.Theater(ctx, id)
}

// A theater the Store did not have when a listing needed it is not kept
// as missing (it may be added yet): once the Store has it, the next
// listing reads it and gives its shows its zone, in the theater's city.
// (The wrapper puts the process on the generic path from either Store.)
func TestMissingTheaterReadAgain(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit)
			f.addZonedShow("lisbon", "Europe/Lisbon", time.Date(2026, 3, 7, 20, 0, 0, 0, time.UTC))
			ls := lateTheaterStore{Store: boxoffice.StoreForTest(f.sys), hidden: "lisbon", found: new(atomic.Bool)}
			sys := zoneProcess(f, ls, nil)
			if got := listedZones(t, sys, f.movie.ID, ""); got["lisbon-show"] != "" {
				t.Fatalf("listed while the Store has not its theater: %v; want no zone", got)
			}
			if _, err := sys.ShowsOfMovie(f.ctx, f.movie.ID, boxoffice.ShowPage{City: "lisbon"}); !errors.Is(err, boxoffice.ErrNotFound) {
				t.Errorf("a city's page while the Store has not the theater: %v; want ErrNotFound", err)
			}
			ls.found.Store(true)
			if got := listedZones(t, sys, f.movie.ID, ""); got["lisbon-show"] != "Europe/Lisbon" {
				t.Errorf("listed once the Store has its theater: %v; want lisbon-show in Europe/Lisbon", got)
			}
			if got := listedZones(t, sys, f.movie.ID, "lisbon"); got["lisbon-show"] != "Europe/Lisbon" {
				t.Errorf("Lisbon's page once the Store has the theater: %v; want lisbon-show in Europe/Lisbon", got)
			}
		})
	}
}
