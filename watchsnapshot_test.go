package boxoffice_test

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// firstMap reads the seat map a Watch stream begins with: one update per
// status some seat has, in the order available, held, booked, each with
// its seats in Layout order, until every seat of the layout has come. It
// fails t if a seat comes twice or the updates are not in that form, and
// returns the map and the updates.
func firstMap(t testing.TB, updates <-chan boxoffice.SeatUpdate, layout *boxoffice.Layout) (map[string]boxoffice.SeatStatus, []boxoffice.SeatUpdate) {
	t.Helper()
	got := make(map[string]boxoffice.SeatStatus, layout.Len())
	var us []boxoffice.SeatUpdate
	deadline := time.NewTimer(10 * time.Second) // a bound for a failure, not a wait
	defer deadline.Stop()
	for len(got) < layout.Len() {
		var u boxoffice.SeatUpdate
		select {
		case v, ok := <-updates:
			if !ok {
				t.Fatalf("the stream ended after %v, before the whole seat map", us)
			}
			u = v
		case <-deadline.C:
			t.Fatalf("the stream began with %v, not the whole seat map", us)
		}
		if len(us) > 0 && u.Status <= us[len(us)-1].Status {
			t.Fatalf("update %+v after %+v: want one update per status, in order", u, us[len(us)-1])
		}
		last := -1
		for _, id := range u.Seats {
			i, ok := layout.Index(id)
			if !ok || i <= last {
				t.Fatalf("update %+v: seat %s unknown or out of Layout order", u, id)
			}
			if _, twice := got[id]; twice {
				t.Fatalf("seat %s came twice in the map the stream began with: %v", id, append(us, u))
			}
			last = i
			got[id] = u.Status
		}
		us = append(us, u)
	}
	return got, us
}

// seatStatuses is the seat map of the fixture's show, read with SeatMap.
func (f *fixture) seatStatuses() map[string]boxoffice.SeatStatus {
	f.t.Helper()
	return statuses(f.t, f.sys, f.show.ID)
}

// Every Watch stream begins with the whole seat map, on every Store: a
// reader that applies each update in order has the map, with no SeatMap
// call; and the next update is the next change, once.
func TestWatchBeginsWithTheSeatMap(t *testing.T) {
	var rs *reportingStore
	stores := append(slices.Clone(storePaths), storePath{"reporting", onReportingStore(&rs)})
	tests := []struct {
		name string
		// before changes the show before the stream opens; false: the
		// show takes no more holds.
		before func(t *testing.T, f *fixture) bool
	}{
		{"a new show", func(*testing.T, *fixture) bool { return true }},
		{"holds, a sale, a release", func(t *testing.T, f *fixture) bool {
			f.hold("alice", "A1", "A2")
			f.confirm(f.hold("bob", "B3"))
			mustT[boxoffice.Booking](t)(f.sys.ReleaseHold(f.ctx, f.hold("carol", "C1").ID))
			return true
		}},
		{"a hold that lapsed, not yet ended", func(t *testing.T, f *fixture) bool {
			f.hold("alice", "D4")
			f.clock.Advance(11 * time.Minute) // shown available, as SeatMap shows it
			f.hold("bob", "E5")
			return true
		}},
		{"with a stream open before", func(t *testing.T, f *fixture) bool {
			ctx, cancel := context.WithCancel(f.ctx)
			t.Cleanup(cancel)
			mustT[<-chan boxoffice.SeatUpdate](t)(f.sys.Watch(ctx, f.show.ID)) // never read
			f.confirm(f.hold("alice", "A1"))
			f.hold("bob", "B2")
			return true
		}},
		{"a cancelled show", func(t *testing.T, f *fixture) bool {
			f.confirm(f.hold("alice", "A1"))
			f.hold("bob", "B2")
			mustT[boxoffice.ShowCancellation](t)(f.sys.CancelShow(f.ctx, f.show.ID))
			return false
		}},
	}
	for _, store := range stores {
		for _, tt := range tests {
			t.Run(store.name+"/"+tt.name, func(t *testing.T) {
				f := newFixture(t, store.edit)
				open := tt.before(t, f)
				want := f.seatStatuses()
				ctx, cancel := context.WithCancel(f.ctx)
				defer cancel()
				updates := mustT[<-chan boxoffice.SeatUpdate](t)(f.sys.Watch(ctx, f.show.ID))
				got, _ := firstMap(t, updates, f.hall.Layout)
				if !maps.Equal(got, want) {
					t.Fatalf("the stream began with %v; want the seat map %v", got, want)
				}
				if !open {
					return
				}
				f.hold("zed", "F10")
				if u := <-updates; u.Status != boxoffice.SeatHeld || !slices.Equal(u.Seats, []string{"F10"}) {
					t.Fatalf("after the map: %+v; want F10 held", u)
				}
			})
		}
	}
}
