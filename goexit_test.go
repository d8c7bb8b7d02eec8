package boxoffice_test

import (
	"context"
	"runtime"
	"slices"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// An observer that ends its goroutine (runtime.Goexit, as t.FailNow does
// when an observer calls it in a test) is treated as one that panicked:
// the events after it still reach it, in order, and Close drains them;
// before, its goroutine was gone, and every later event queued for ever,
// never delivered and never counted in EventsDropped.
func TestObserverThatCallsGoexitKeepsGettingEvents(t *testing.T) {
	var got []string
	obs := boxoffice.ObserverFunc(func(ctx context.Context, e boxoffice.Event) {
		h, ok := e.(*boxoffice.SeatsHeld)
		if !ok {
			return
		}
		got = append(got, h.Seats[0])
		if h.Seats[0] == "A2" {
			runtime.Goexit()
		}
	})
	f := newFixture(t, func(c *boxoffice.Config) { c.Observers = []boxoffice.Observer{obs} })
	seats := []string{"A1", "A2", "A3", "A4"}
	for _, s := range seats {
		f.hold("u"+s, s)
	}
	if err := f.sys.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, seats) {
		t.Errorf("the observer got %v; want %v", got, seats)
	}
	st := f.sys.Stats()
	if st.EventsDropped != 0 || st.ObserverPanics != 1 {
		t.Errorf("EventsDropped = %d, ObserverPanics = %d; want 0 and 1", st.EventsDropped, st.ObserverPanics)
	}
}
