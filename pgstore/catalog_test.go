package pgstore_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// TestAddShowSameIDRace has several processes add the same show at once,
// as service instances seeding one catalog do: one wins, and every other
// learns that the ID is taken (not that the show overlaps itself).
func TestAddShowSameIDRace(t *testing.T) {
	t.Parallel()
	pool := testPool(t)
	schema := newSchema(t, pool)
	ctx := t.Context()
	first, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	layout := boxoffice.SeedLayout()
	must(t, first.AddTheater(ctx, boxoffice.Theater{ID: "t"}))
	must(t, first.AddHall(ctx, boxoffice.Hall{ID: "h", TheaterID: "t", Layout: layout}))
	must(t, first.AddMovie(ctx, boxoffice.Movie{ID: "m", Title: "M", Duration: time.Hour}))
	start := time.Date(2031, 1, 1, 20, 0, 0, 0, time.UTC)
	show := boxoffice.Show{ID: "s", MovieID: "m", HallID: "h", TheaterID: "t", Start: start, End: start.Add(time.Hour)}
	errOverlap := errors.New("overlaps")

	const racers = 6
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range errs {
		s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
		must(t, err)
		wg.Go(func() {
			errs[i] = s.AddShow(ctx, show, layout, boxoffice.Interval{Start: show.Start, End: show.End}, func(o []boxoffice.Show) error {
				if len(o) > 0 {
					return errOverlap
				}
				return nil
			})
		})
	}
	waitGroup(t, &wg, "the racing AddShow calls")
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, boxoffice.ErrAlreadyExists):
			t.Errorf("racer %d: %v, want nil or ErrAlreadyExists", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d racers added the show, want 1", won)
	}
}
