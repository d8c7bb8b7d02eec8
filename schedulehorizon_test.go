package boxoffice_test

import (
	"errors"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// A show may start at most MaxScheduleAhead after the Clock's now. Near
// time.Time's maximum, Start plus the duration saturated to End == Start,
// and two shows at that instant shared a hall; a show in year 20260 was
// accepted but SearchMovies by City, which looks ahead to year 9999,
// never found it.
func TestScheduleShowHorizon(t *testing.T) {
	nearMax := time.Unix(1<<63-1-62135596800, 0) // close to time.Time's maximum
	tests := []struct {
		name  string
		clock time.Time // zero: the fixture's
		start func(now time.Time) time.Time
		ok    bool
	}{
		{"at the horizon", time.Time{}, func(now time.Time) time.Time { return now.Add(boxoffice.MaxScheduleAhead) }, true},
		{"past the horizon", time.Time{}, func(now time.Time) time.Time { return now.Add(boxoffice.MaxScheduleAhead + time.Nanosecond) }, false},
		{"year 20260", time.Time{}, func(time.Time) time.Time { return time.Date(20260, 3, 3, 19, 0, 0, 0, time.UTC) }, false},
		{"near time's maximum", time.Time{}, func(time.Time) time.Time { return nearMax }, false},
		// A clock this late still may not reach the end of the searches'
		// window.
		{"before year 9999", time.Date(9998, 12, 31, 0, 0, 0, 0, time.UTC),
			func(time.Time) time.Time { return time.Date(9998, 12, 31, 12, 0, 0, 0, time.UTC) }, true},
		{"at year 9999", time.Date(9998, 12, 31, 0, 0, 0, 0, time.UTC),
			func(time.Time) time.Time { return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) }, false},
		{"clock near time's maximum", nearMax.Add(-time.Hour), func(time.Time) time.Time { return nearMax }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if !tt.clock.IsZero() {
				f.clock.Set(tt.clock)
			}
			mustT[boxoffice.Movie](t)(f.sys.AddMovie(f.ctx, boxoffice.Movie{ID: "far", Title: "Far", Duration: time.Hour}))
			start := tt.start(f.clock.Now())
			// Twice at the same instant: the second must conflict if the
			// first was accepted.
			a, errA := f.sys.ScheduleShow(f.ctx, boxoffice.Show{MovieID: "far", HallID: "H1", Start: start, BasePrice: 100})
			_, errB := f.sys.ScheduleShow(f.ctx, boxoffice.Show{MovieID: "far", HallID: "H1", Start: start, BasePrice: 100})
			if !tt.ok {
				for _, err := range []error{errA, errB} {
					var ae *boxoffice.ArgumentError
					if !errors.As(err, &ae) || ae.Field != "Show.Start" || !errors.Is(err, boxoffice.ErrInvalidArgument) {
						t.Errorf("ScheduleShow at %s: %v; want an *ArgumentError on Show.Start", start, err)
					}
				}
				return
			}
			if errA != nil {
				t.Fatalf("ScheduleShow at %s: %v", start, errA)
			}
			if !a.End.After(a.Start) {
				t.Errorf("show %s..%s is empty", a.Start, a.End)
			}
			if !errors.Is(errB, boxoffice.ErrScheduleConflict) {
				t.Errorf("second show at %s: %v; want ErrScheduleConflict", start, errB)
			}
			got := mustT[[]boxoffice.Movie](t)(f.sys.SearchMovies(f.ctx, boxoffice.MovieQuery{City: "Mumbai", Title: "Far"}))
			if len(got) != 1 {
				t.Errorf("SearchMovies{City: Mumbai} found %d movies; want the one showing at %s", len(got), start)
			}
		})
	}
}
