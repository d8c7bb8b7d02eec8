package boxoffice_test

import (
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestShowsOfMovieListsCancelled: on both Store paths, a cancelled show is
// still listed, with Cancelled set and no free seats, its neighbours
// untouched; on the in-memory path also once its count of free seats was
// cached before the cancellation, and when listed again from the count
// cached after it.
func TestShowsOfMovieListsCancelled(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit)
			other := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H1",
				Start: f.show.Start.Add(24 * time.Hour), BasePrice: 1500}))
			f.hold("alice", "A1", "A2")
			list := func(when string, want map[string]boxoffice.ShowInfo) {
				t.Helper()
				got := mustT[[]boxoffice.ShowInfo](t)(f.sys.ShowsOfMovie(f.ctx, "M1", boxoffice.ShowPage{}))
				if len(got) != len(want) {
					t.Fatalf("%s: %d shows listed; want %d", when, len(got), len(want))
				}
				for _, s := range got {
					w := want[s.ID]
					if s.Cancelled != w.Cancelled || s.FreeSeats != w.FreeSeats || s.TotalSeats != w.TotalSeats {
						t.Errorf("%s: show %s: Cancelled %v, %d of %d free; want %v, %d of %d",
							when, s.ID, s.Cancelled, s.FreeSeats, s.TotalSeats, w.Cancelled, w.FreeSeats, w.TotalSeats)
					}
				}
			}
			list("before the cancellation", map[string]boxoffice.ShowInfo{
				f.show.ID: {FreeSeats: 58, TotalSeats: 60},
				other.ID:  {FreeSeats: 60, TotalSeats: 60},
			})
			if _, err := f.sys.CancelShow(f.ctx, f.show.ID); err != nil {
				t.Fatal(err)
			}
			after := map[string]boxoffice.ShowInfo{
				f.show.ID: {Cancelled: true, FreeSeats: 0, TotalSeats: 60},
				other.ID:  {FreeSeats: 60, TotalSeats: 60},
			}
			list("after the cancellation", after)
			list("listed again", after)
		})
	}
}
