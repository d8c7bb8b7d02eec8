package boxoffice_test

import (
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestSweeperForgetsEndedShows checks that the sweeper drops the cached
// entries of shows that ended a day ago, keeps the others, and that a
// forgotten show still serves calls.
func TestSweeperForgetsEndedShows(t *testing.T) {
	f := newFixture(t)
	later := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H1",
		Start: f.show.Start.Add(72 * time.Hour), BasePrice: 1500}))
	for _, id := range []string{f.show.ID, later.ID} {
		if _, err := f.sys.SeatMap(f.ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if n := boxoffice.CachedShowsForTest(f.sys); n != 2 {
		t.Fatalf("%d shows cached after two seat maps; want 2", n)
	}

	tests := []struct {
		name   string
		to     time.Time // the clock moves there; the sweeper ticks
		cached int
	}{
		{"ended 23 hours ago", f.show.End.Add(23 * time.Hour), 2},
		{"ended 25 hours ago", f.show.End.Add(25 * time.Hour), 1},
	}
	for _, tt := range tests {
		if err := f.clock.WaitForTimers(f.ctx, 1); err != nil { // the sweeper waits for its tick
			t.Fatal(err)
		}
		f.clock.Set(tt.to)
		if err := f.clock.WaitForTimers(f.ctx, 1); err != nil { // the tick is over
			t.Fatal(err)
		}
		if n := boxoffice.CachedShowsForTest(f.sys); n != tt.cached {
			t.Errorf("%s: %d shows cached; want %d", tt.name, n, tt.cached)
		}
	}
	m, err := f.sys.SeatMap(f.ctx, f.show.ID)
	if err != nil || m.Show.ID != f.show.ID || len(m.Seats) != boxoffice.SeedLayout().Len() {
		t.Fatalf("SeatMap of the forgotten show: %d seats, %v", len(m.Seats), err)
	}
}
