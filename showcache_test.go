package boxoffice_test

import (
	"fmt"
	"log/slog"
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
		// The entries by show number, for calls by booking ID, go with them.
		if n := boxoffice.NumberedShowsForTest(f.sys); n != tt.cached {
			t.Errorf("%s: %d shows cached by number; want %d", tt.name, n, tt.cached)
		}
	}
	m, err := f.sys.SeatMap(f.ctx, f.show.ID)
	if err != nil || m.Show.ID != f.show.ID || len(m.Seats) != boxoffice.SeedLayout().Len() {
		t.Fatalf("SeatMap of the forgotten show: %d seats, %v", len(m.Seats), err)
	}
}

// TestReleaseFindsShowByNumber holds and releases seats of many shows,
// through two BookingSystems on one MemoryStore, each finding a booking's
// show by the number its ID carries (showCache.numbered): every show
// touched is kept by number, past the list's growth, and each release
// frees its own show's seats.
func TestReleaseFindsShowByNumber(t *testing.T) {
	// Limits off: each process counts live holds of its own, and a hold
	// released by the other would stay counted by the one that made it.
	f := newFixture(t, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = -1 })
	other := f.newSystem(boxoffice.Config{Store: f.store, Clock: f.clock, HoldsPerMinute: -1, MaxLiveHoldsPerUser: -1,
		SweepInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	const shows = 150
	ids := []string{f.show.ID}
	for i := range shows - 1 {
		s := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: fmt.Sprintf("N%d", i), MovieID: "M1",
			HallID: "H1", Start: f.show.Start.Add(time.Duration(i+1) * 4 * time.Hour), BasePrice: 1500}))
		ids = append(ids, s.ID)
	}
	seats := []string{"A1", "A2"}
	for i, id := range ids {
		holder, releaser := f.sys, other
		if i%2 == 1 {
			holder, releaser = other, f.sys
		}
		b := mustT[boxoffice.Booking](t)(holder.HoldSeats(f.ctx, "u1", id, seats))
		r := mustT[boxoffice.Booking](t)(releaser.ReleaseHold(f.ctx, b.ID))
		if r.ID != b.ID || r.ShowID != id || r.Status != boxoffice.StatusReleased {
			t.Fatalf("release of %s on %s: %s on %s, %s", b.ID, id, r.ID, r.ShowID, r.Status)
		}
		m := mustT[boxoffice.SeatMap](t)(f.sys.SeatMap(f.ctx, id))
		for _, s := range m.Seats {
			if s.Status != boxoffice.SeatAvailable {
				t.Fatalf("show %s: seat %s %v after the release", id, s.ID, s.Status)
			}
		}
	}
	for _, sys := range []*boxoffice.BookingSystem{f.sys, other} {
		if n := boxoffice.NumberedShowsForTest(sys); n != shows {
			t.Errorf("%d shows kept by number; want %d", n, shows)
		}
	}
}
