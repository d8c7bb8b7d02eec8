package boxoffice_test

import (
	"errors"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestHoldOnShortShowLeavesNoLiveSlot: a hold on a show stored with fewer
// seats than its hall's layout (by a caller of AddShow other than
// ScheduleShow), for a seat past the show's own, fails; it must leave the
// user's live-hold count as it was. Before, the in-memory path gave the
// count the hold's own ID (under the show's lock) before its seats were
// written, the write failed and rolled the hold back, and HoldSeats then
// forgot the provisional ID alone: a hold that never existed counted until
// its deadline, and at MaxLiveHoldsPerUser 1 the user's next hold, on any
// show, was refused.
func TestHoldOnShortShowLeavesNoLiveSlot(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = 1 })
			short, err := boxoffice.ParseLayout("A RR")
			if err != nil {
				t.Fatal(err)
			}
			sh := boxoffice.Show{ID: "short", MovieID: "M1", HallID: "H1", TheaterID: "T1",
				Start: f.show.Start.Add(6 * time.Hour), End: f.show.Start.Add(9 * time.Hour), BasePrice: 1500}
			if err := f.store.AddShow(f.ctx, sh, short, boxoffice.Interval{Start: sh.Start, End: sh.End}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := f.sys.HoldSeats(f.ctx, "ann", sh.ID, []string{"F1"}); err == nil {
				t.Fatal("a hold of a seat past the show's stored seats succeeded")
			}
			if _, err := f.sys.HoldSeats(f.ctx, "ann", f.show.ID, []string{"A1"}); err != nil {
				if errors.Is(err, boxoffice.ErrRateLimited) {
					t.Fatalf("the next hold: %v; the failed hold still counts", err)
				}
				t.Fatal(err)
			}
		})
	}
}
