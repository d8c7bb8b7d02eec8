package boxoffice_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// A movie's Duration is kept to the microsecond, as the times of its shows
// are: AddMovie returns it so, Movie returns what AddMovie did, and a show
// ends at its start plus the Duration the catalog gives. A Duration below a
// microsecond could never be scheduled (its show would end as it starts),
// and is refused when the movie is added.
func TestMovieDurationToTheMicrosecond(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit)
			m, err := f.sys.AddMovie(f.ctx, boxoffice.Movie{ID: "frac", Title: "Fraction", Duration: 90*time.Minute + 1500})
			if err != nil {
				t.Fatal(err)
			}
			if want := 90*time.Minute + time.Microsecond; m.Duration != want {
				t.Errorf("AddMovie returned a Duration of %s; want %s", m.Duration, want)
			}
			if got := mustT[boxoffice.Movie](t)(f.sys.Movie(f.ctx, m.ID)); !reflect.DeepEqual(got, m) {
				t.Errorf("Movie = %+v; AddMovie returned %+v", got, m)
			}
			s := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{MovieID: m.ID, HallID: "H1",
				Start: start.Add(48 * time.Hour), BasePrice: 1000}))
			if !s.End.Equal(s.Start.Add(m.Duration)) {
				t.Errorf("show %s–%s; want it to end %s after its start", s.Start, s.End, m.Duration)
			}
			for _, d := range []time.Duration{1, 999} {
				if m, err := f.sys.AddMovie(f.ctx, boxoffice.Movie{Title: "Blink", Duration: d}); !errors.Is(err, boxoffice.ErrInvalidArgument) {
					t.Errorf("AddMovie of %s = %+v, %v; want ErrInvalidArgument", d, m, err)
				}
			}
		})
	}
}
