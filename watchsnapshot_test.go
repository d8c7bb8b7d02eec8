package boxoffice_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// initialFlags checks SeatUpdate.Initial along one Watch stream, fed
// every update in order: set on each update of the seat map the stream
// begins with (until the updates have named every seat of the layout),
// unset on every update after it. Watch never sends the map again on the
// same stream, not even after the feed lost its Store's reports.
type initialFlags struct {
	seats  int // the layout's
	mapped int // seats named by the map's updates so far
	n      int // updates checked
}

func newInitialFlags(layout *boxoffice.Layout) *initialFlags {
	return &initialFlags{seats: layout.Len()}
}

// next checks u, the next update of the stream, and returns what is
// wrong with its flag, or "".
func (c *initialFlags) next(u boxoffice.SeatUpdate) string {
	c.n++
	inMap := c.mapped < c.seats
	if inMap {
		c.mapped += len(u.Seats)
	}
	switch {
	case inMap && !u.Initial:
		return fmt.Sprintf("update %d (%v %s) is of the seat map the stream begins with (%d of %d seats came before it) but has Initial unset",
			c.n, u.Seats, u.Status, c.mapped-len(u.Seats), c.seats)
	case !inMap && u.Initial:
		return fmt.Sprintf("update %d (%v %s) comes after the seat map the stream begins with but has Initial set", c.n, u.Seats, u.Status)
	}
	return ""
}

// firstMap reads the seat map a Watch stream begins with: one update per
// status some seat has, in the order available, held, booked, each with
// its seats in Layout order, until every seat of the layout has come. It
// fails t if a seat comes twice, an update has Initial unset, or the
// updates are not in that form, and returns the map and the updates.
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
		if !u.Initial {
			t.Fatalf("update %+v of the seat map the stream began with: Initial unset", u)
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
				if u := recv(t, updates, "the update after the map"); u.Status != boxoffice.SeatHeld || !slices.Equal(u.Seats, []string{"F10"}) || u.Initial {
					t.Fatalf("after the map: %+v; want F10 held, Initial unset", u)
				}
			})
		}
	}
}

// TestWatchStreamEndsWhenItsReaderFallsBehind: a reader that falls more
// than EventBuffer updates behind is not left with a gap it cannot see.
// It gets what was queued before the gap, in order, then the end of its
// stream while its ctx is live; the updates lost are in Stats at once,
// before it comes back; and a new stream begins with the seat map. It used
// to lose the oldest updates silently, its map stale for good.
func TestWatchStreamEndsWhenItsReaderFallsBehind(t *testing.T) {
	const buffer, cycles = 2, 50 // 100 updates: more than the stream's goroutine takes at once, and the buffer
	f := newFixture(t, func(c *boxoffice.Config) { c.EventBuffer = buffer })
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	updates := mustT[<-chan boxoffice.SeatUpdate](t)(f.sys.Watch(ctx, f.show.ID)) // not read until the end
	for range cycles {
		b := f.hold("alice", "A1")
		mustT[boxoffice.Booking](t)(f.sys.ReleaseHold(f.ctx, b.ID))
	}
	f.hold("bob", "B2")
	if f.sys.Stats().EventsDropped == 0 {
		t.Error("EventsDropped = 0 with the reader far behind")
	}

	// What the stream would bring in whole: the map (every seat
	// available), then each change. The reader gets a strict prefix.
	layout := f.hall.Layout
	var all []string
	for i := range layout.Len() {
		all = append(all, layout.Seat(i).ID)
	}
	whole := []boxoffice.SeatUpdate{{Seats: all, Status: boxoffice.SeatAvailable, Initial: true}}
	for range cycles {
		whole = append(whole, boxoffice.SeatUpdate{Seats: []string{"A1"}, Status: boxoffice.SeatHeld},
			boxoffice.SeatUpdate{Seats: []string{"A1"}, Status: boxoffice.SeatAvailable})
	}
	whole = append(whole, boxoffice.SeatUpdate{Seats: []string{"B2"}, Status: boxoffice.SeatHeld})
	deadline := time.NewTimer(10 * time.Second) // a bound for a failure, not a wait
	defer deadline.Stop()
	for n := 0; ; n++ {
		select {
		case u, ok := <-updates:
			if !ok {
				// Everything queued before the gap: the map and the
				// buffer at least (the stream's goroutine may have taken
				// some off the queue before it filled).
				if n < buffer+3 {
					t.Fatalf("the stream ended after %d updates; want at least the %d it could queue", n, buffer+3)
				}
				goto ended
			}
			if n == len(whole)-1 {
				t.Fatalf("the stream brought all %d updates; want it ended at the gap", len(whole))
			}
			if !slices.Equal(u.Seats, whole[n].Seats) || u.Status != whole[n].Status || u.Initial != whole[n].Initial {
				t.Fatalf("update %d: %v %s, Initial %t; want %v %s, Initial %t, with no gap",
					n, u.Seats, u.Status, u.Initial, whole[n].Seats, whole[n].Status, whole[n].Initial)
			}
		case <-deadline.C:
			t.Fatalf("the stream is still open after %d of %d updates, with a gap", n, len(whole))
		}
	}
ended:
	fresh := mustT[<-chan boxoffice.SeatUpdate](t)(f.sys.Watch(ctx, f.show.ID))
	if got, _ := firstMap(t, fresh, layout); !maps.Equal(got, f.seatStatuses()) {
		t.Errorf("a new stream began with %v; want the seat map %v", got, f.seatStatuses())
	}
}
