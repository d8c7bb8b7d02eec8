package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/internal/testwait"
)

func TestDemoSchedule(t *testing.T) {
	for _, tt := range []struct {
		name      string
		now       time.Time
		firstHall []string // the first show IDs of each hall
	}{
		{"morning", time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC),
			[]string{"avenida-1-20250314-1000", "avenida-2-20250314-1040", "ribeira-1-20250314-1120"}},
		{"afternoon", time.Date(2025, 3, 14, 15, 7, 0, 0, time.UTC),
			[]string{"avenida-1-20250314-1530", "avenida-2-20250314-1530", "ribeira-1-20250314-1530"}},
		{"late night: tomorrow only", time.Date(2025, 3, 14, 23, 50, 0, 0, time.UTC),
			[]string{"avenida-1-20250315-1000", "avenida-2-20250315-1040", "ribeira-1-20250315-1120"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for h, hall := range demoHalls {
				shows := demoSchedule(h, hall.id, tt.now)
				if len(shows) < 4 || shows[0].ID != tt.firstHall[h] {
					t.Fatalf("hall %s: %d shows, first %s; want at least 4 from %s", hall.id, len(shows), shows[0].ID, tt.firstHall[h])
				}
				var prevEnd time.Time
				for _, s := range shows {
					if s.Start.Before(tt.now.Add(20*time.Minute)) || s.Start.Hour() == 23 && s.Start.Minute() > 0 {
						t.Errorf("show %s starts at %s; want 20 min from now at the earliest and 23:00 at the latest", s.ID, s.Start)
					}
					if s.Start.Before(prevEnd.Add(boxoffice.CleaningBuffer)) {
						t.Errorf("show %s starts before the hall is clean", s.ID)
					}
					movie := movieByID(t, s.MovieID)
					prevEnd = s.Start.Add(movie.Duration)
					if want := map[bool]boxoffice.Money{true: matineePrice, false: eveningPrice}[s.Start.Hour() < 17]; s.BasePrice != want {
						t.Errorf("show %s at %s costs %s, want %s", s.ID, s.Start.Format("15:04"), s.BasePrice, want)
					}
				}
			}
		})
	}
}

func movieByID(t *testing.T, id string) boxoffice.Movie {
	t.Helper()
	for _, m := range demoMovies {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("no demo movie %s", id)
	return boxoffice.Movie{}
}

func TestDemoHalls(t *testing.T) {
	grand, err := boxoffice.ParseLayout(grandHall)
	if err != nil {
		t.Fatal(err)
	}
	// Row C has aisles at columns 4 and 11: C4 | C5 … C10 | C11.
	for id, col := range map[string]int{"C4": 3, "C5": 5, "C10": 10, "C11": 12, "A1": 4, "H8": 11} {
		if s, ok := grand.Lookup(id); !ok || s.Column != col {
			t.Errorf("seat %s at column %d, want %d", id, s.Column, col)
		}
	}
	if grand.Width() != 16 || grand.Len() != 98 {
		t.Errorf("grand hall: width %d, %d seats", grand.Width(), grand.Len())
	}
	studio, err := boxoffice.ParseLayout(studioHall)
	if err != nil || studio.Len() != 48 {
		t.Fatalf("studio hall: %v seats, %v", studio.Len(), err)
	}
}

func newDemoSystem(t *testing.T, store boxoffice.Store, clock boxoffice.Clock) *boxoffice.BookingSystem {
	t.Helper()
	sys, err := boxoffice.New(boxoffice.Config{Store: store, Clock: clock, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sys.Close(context.Background()) })
	return sys
}

func TestSeedDemo(t *testing.T) {
	ctx := context.Background()
	clock := fakeclock.New(testStart)
	store := boxoffice.NewMemoryStore()
	sys := newDemoSystem(t, store, clock)
	n, err := seedDemo(ctx, sys, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for h, hall := range demoHalls {
		want += len(demoSchedule(h, hall.id, testStart))
	}
	if n != want {
		t.Fatalf("seeded %d shows, want %d", n, want)
	}
	// Some seats of every show are sold, most are not. (One page of
	// MaxPageLimit holds every show of a film: all are listed.)
	listed := 0
	for _, m := range demoMovies {
		shows, err := sys.ShowsOfMovie(ctx, m.ID, boxoffice.ShowPage{Limit: boxoffice.MaxPageLimit})
		if err != nil {
			t.Fatal(err)
		}
		listed += len(shows)
		for _, s := range shows {
			if s.FreeSeats == s.TotalSeats || s.FreeSeats < s.TotalSeats/2 {
				t.Errorf("show %s: %d of %d seats free; want some sold, most free", s.ID, s.FreeSeats, s.TotalSeats)
			}
		}
	}
	if listed != n {
		t.Errorf("the films' shows list %d shows; %d were seeded", listed, n)
	}
	// Seeding again, or from another process on the same Store, adds nothing.
	if n, err := seedDemo(ctx, newDemoSystem(t, store, clock), time.UTC); n != 0 || err != nil {
		t.Errorf("second seeding: %d shows, %v; want none", n, err)
	}
}

func TestSeedDemoConcurrently(t *testing.T) {
	clock := fakeclock.New(testStart)
	store := boxoffice.NewMemoryStore()
	var wg sync.WaitGroup
	counts := make([]int, 4)
	errs := make([]error, 4)
	for i := range counts {
		sys := newDemoSystem(t, store, clock)
		wg.Go(func() { counts[i], errs[i] = seedDemo(context.Background(), sys, time.UTC) })
	}
	testwait.WaitGroup(t, &wg, "four seedDemo calls at once")
	total := 0
	for i := range counts {
		if errs[i] != nil {
			t.Errorf("seeder %d: %v", i, errs[i])
		}
		total += counts[i]
	}
	want := 0
	for h, hall := range demoHalls {
		want += len(demoSchedule(h, hall.id, testStart))
	}
	if total != want {
		t.Errorf("the seeders scheduled %d shows between them, want %d", total, want)
	}
}

func TestSeedDemoLeavesOtherCatalogsAlone(t *testing.T) {
	ctx := context.Background()
	sys := newDemoSystem(t, boxoffice.NewMemoryStore(), fakeclock.New(testStart))
	if _, err := sys.AddMovie(ctx, boxoffice.Movie{ID: "theirs", Title: "Their Film", Duration: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if n, err := seedDemo(ctx, sys, time.UTC); n != 0 || err != nil {
		t.Fatalf("seeding a foreign catalog: %d shows, %v", n, err)
	}
	movies, err := sys.SearchMovies(ctx, boxoffice.MovieQuery{})
	if err != nil || len(movies) != 1 || !strings.EqualFold(movies[0].ID, "theirs") {
		t.Errorf("catalog after seeding: %v, %v; want only their film", movies, err)
	}
}
