package pgstore_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// PostgreSQL keeps an interval to the microsecond: the movie AddMovie
// returns is the one every process reads back, and a show of it ends its
// Duration after its start.
func TestMovieDurationAsStored(t *testing.T) {
	ctx := t.Context()
	schema := newSchema(t, testPool(t))
	base := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	a := newInstance(t, schema, base, 0, nil, nil)
	b := newInstance(t, schema, base, 0, nil, nil)
	m, err := a.sys.AddMovie(ctx, boxoffice.Movie{Title: "Fraction", Duration: 90*time.Minute + 1500, Genres: []string{"Drama"}})
	must(t, err)
	for name, in := range map[string]*instance{"a": a, "b": b} {
		got, err := in.sys.Movie(ctx, m.ID)
		must(t, err)
		if !reflect.DeepEqual(got, m) {
			t.Errorf("%s: Movie = %+v; AddMovie returned %+v", name, got, m)
		}
	}
	theater, err := a.sys.AddTheater(ctx, boxoffice.Theater{Name: "Rex", City: "Bern"})
	must(t, err)
	hall, err := a.sys.AddHall(ctx, boxoffice.Hall{TheaterID: theater.ID, Name: "1", Layout: boxoffice.SeedLayout()})
	must(t, err)
	show, err := b.sys.ScheduleShow(ctx, boxoffice.Show{MovieID: m.ID, HallID: hall.ID, Start: base.Add(48 * time.Hour), BasePrice: 1000})
	must(t, err)
	if !show.End.Equal(show.Start.Add(m.Duration)) {
		t.Errorf("show %s–%s; want it to end %s after its start", show.Start, show.End, m.Duration)
	}
}
