package boxoffice_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// askedStore counts the catalog lookups that reach the Store.
type askedStore struct {
	boxoffice.Store
	asked atomic.Int64
}

func (s *askedStore) Show(ctx context.Context, id string) (boxoffice.Show, error) {
	s.asked.Add(1)
	return s.Store.Show(ctx, id)
}

func (s *askedStore) Hall(ctx context.Context, id string) (boxoffice.Hall, error) {
	s.asked.Add(1)
	return s.Store.Hall(ctx, id)
}

func (s *askedStore) Movie(ctx context.Context, id string) (boxoffice.Movie, error) {
	s.asked.Add(1)
	return s.Store.Movie(ctx, id)
}

// TestOverlongIDsAreNotLookedUp checks that a show or movie ID longer than
// any the catalog takes is not found without asking the Store, and that
// the error does not carry it back. An ID comes from the end user (a URL
// path); a service's 1 MB header limit let every request send a megabyte
// to the database as a query parameter and get it back in the 404.
func TestOverlongIDsAreNotLookedUp(t *testing.T) {
	var spy *askedStore
	f := newFixture(t, func(c *boxoffice.Config) {
		spy = &askedStore{Store: c.Store}
		c.Store = spy
	})
	long := strings.Repeat("x", 1<<20)
	calls := map[string]func() error{
		"Show":         func() error { _, err := f.sys.Show(f.ctx, long); return err },
		"SeatMap":      func() error { _, err := f.sys.SeatMap(f.ctx, long); return err },
		"HoldSeats":    func() error { _, err := f.sys.HoldSeats(f.ctx, "u", long, []string{"A1"}); return err },
		"Watch":        func() error { _, err := f.sys.Watch(f.ctx, long); return err },
		"Movie":        func() error { _, err := f.sys.Movie(f.ctx, long); return err },
		"ShowsOfMovie": func() error { _, err := f.sys.ShowsOfMovie(f.ctx, long, boxoffice.ShowPage{}); return err },
		"Hall":         func() error { _, err := f.sys.Hall(f.ctx, long); return err },
		// The catalog's own calls take IDs from a back office, but from a
		// form all the same: a movie or hall no ID can name is not found.
		"ScheduleShow movie": func() error {
			_, err := f.sys.ScheduleShow(f.ctx, boxoffice.Show{MovieID: long, HallID: "H1", Start: start.Add(48 * time.Hour)})
			return err
		},
		"ScheduleShow hall": func() error {
			_, err := f.sys.ScheduleShow(f.ctx, boxoffice.Show{MovieID: "M1", HallID: long, Start: start.Add(48 * time.Hour)})
			return err
		},
	}
	for name, call := range calls {
		before := spy.asked.Load()
		err := call()
		if !errors.Is(err, boxoffice.ErrNotFound) {
			t.Errorf("%s of a 1 MiB ID: %v; want ErrNotFound", name, err)
		}
		if err != nil && len(err.Error()) > 1024 {
			t.Errorf("%s of a 1 MiB ID: an error of %d bytes; want the ID left out", name, len(err.Error()))
		}
		if n := spy.asked.Load() - before; n != 0 {
			t.Errorf("%s of a 1 MiB ID asked the Store %d times; want 0", name, n)
		}
	}
}
