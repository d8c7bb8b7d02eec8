package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

func TestEventsArriveInCommitOrder(t *testing.T) {
	rec := newRecorder()
	f := newFixture(t, func(c *boxoffice.Config) { c.Observers = []boxoffice.Observer{rec} })
	a := f.hold("alice", "A1")
	f.confirm(a)
	b := f.hold("bob", "B1")
	if _, err := f.sys.ReleaseHold(f.ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	f.hold("carol", "C1")
	f.clock.Advance(10 * time.Minute)
	if _, err := f.sys.Sweep(f.ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"seats_held", "booking_confirmed", "seats_held", "hold_released", "seats_held", "hold_expired"}
	var got []string
	for _, e := range rec.waitFor(t, len(want)) {
		got = append(got, boxoffice.EventKind(e))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events %v; want %v", got, want)
	}
}

// panicky panics on every event; blocker blocks until its context ends.
type panicky struct{}

func (panicky) Notify(context.Context, boxoffice.Event) { panic("observer bug") }

type blocker struct{ entered chan struct{} }

func (b blocker) Notify(ctx context.Context, _ boxoffice.Event) {
	select {
	case b.entered <- struct{}{}:
	default:
	}
	<-ctx.Done()
}

// holdAndRelease makes 20 holds and releases: 40 events.
func (f *fixture) holdAndRelease() {
	f.t.Helper()
	for i := range 20 {
		b := f.hold("user", fmt.Sprintf("E%d", 1+i%10))
		if _, err := f.sys.ReleaseHold(f.ctx, b.ID); err != nil {
			f.t.Fatal(err)
		}
	}
}

func TestPanickingObserverNeverBreaksBookings(t *testing.T) {
	rec := newRecorder()
	var log syncBuffer
	f := newFixture(t, func(c *boxoffice.Config) {
		c.Observers = []boxoffice.Observer{panicky{}, rec}
		c.Logger = slog.New(slog.NewTextHandler(&log, nil))
	})
	f.holdAndRelease()
	if err := f.sys.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(rec.waitFor(t, 40)); got != 40 {
		t.Errorf("the healthy observer got %d events; want 40", got)
	}
	if got := f.sys.Stats().ObserverPanics; got != 41 { // the fixture's ShowScheduled too
		t.Errorf("ObserverPanics = %d; want 41", got)
	}
	// Each panic is logged with what an operator needs to find it.
	first := strings.SplitN(log.String(), "\n", 2)[0]
	for _, want := range []string{"observer panicked", "show=" + f.show.ID, "booking=", "stack="} {
		if !strings.Contains(first, want) {
			t.Errorf("the panic's log line lacks %q: %s", want, first)
		}
	}
}

func TestBlockedObserverNeverDelaysBookings(t *testing.T) {
	rec := newRecorder()
	blk := blocker{entered: make(chan struct{}, 1)}
	f := newFixture(t, func(c *boxoffice.Config) { c.Observers = []boxoffice.Observer{blk, rec} })
	recv(t, blk.entered, "the blocked observer to get the first event")
	f.holdAndRelease()
	rec.waitFor(t, 40)
	// Close gives up on the blocked observer when its context ends.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.sys.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Close with a blocked observer: %v; want context.Canceled", err)
	}
	if _, err := f.sys.HoldSeats(f.ctx, "user", f.show.ID, []string{"A1"}); !errors.Is(err, boxoffice.ErrClosed) {
		t.Errorf("hold after Close: %v; want ErrClosed", err)
	}
}

func TestSlowObserverLosesOldestEventsOnly(t *testing.T) {
	blk := blocker{entered: make(chan struct{}, 1)}
	f := newFixture(t, func(c *boxoffice.Config) {
		c.Observers = []boxoffice.Observer{blk}
		c.EventBuffer = 4
	})
	recv(t, blk.entered, "the observer to get the fixture's ShowScheduled") // and stay stuck on it
	for _, s := range []string{"A1", "A2", "A3", "A4", "A5", "A6", "A7"} {
		f.hold("user-"+s, s)
	}
	if got := f.sys.Stats().EventsDropped; got != 3 {
		t.Errorf("EventsDropped = %d; want 3 (7 queued into a mailbox of 4)", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = f.sys.Close(ctx)
}

func TestCloseDrainsObservers(t *testing.T) {
	rec := newRecorder()
	f := newFixture(t, func(c *boxoffice.Config) { c.Observers = []boxoffice.Observer{rec} })
	for _, s := range []string{"A1", "A2", "A3"} {
		f.hold("alice", s)
	}
	if err := f.sys.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	n := len(rec.events)
	rec.mu.Unlock()
	if n != 3 {
		t.Fatalf("after Close the observer had %d events; want all 3", n)
	}
}

func TestWatchStreamsSeatChanges(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(f.ctx)
	updates, err := f.sys.Watch(ctx, f.show.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The stream begins with the seat map: every seat available.
	if _, first := firstMap(t, updates, f.hall.Layout); len(first) != 1 || first[0].Status != boxoffice.SeatAvailable ||
		first[0].ShowID != "S1" || !first[0].At.Equal(start) {
		t.Fatalf("the stream began with %+v; want one update, every seat available", first)
	}
	b := f.hold("alice", "A1", "A2")
	f.confirm(b)
	other := f.hold("bob", "B5")
	if _, err := f.sys.ReleaseHold(f.ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	want := []boxoffice.SeatUpdate{
		{ShowID: "S1", At: start, Seats: []string{"A1", "A2"}, Status: boxoffice.SeatHeld},
		{ShowID: "S1", At: start, Seats: []string{"A1", "A2"}, Status: boxoffice.SeatBooked},
		{ShowID: "S1", At: start, Seats: []string{"B5"}, Status: boxoffice.SeatHeld},
		{ShowID: "S1", At: start, Seats: []string{"B5"}, Status: boxoffice.SeatAvailable},
	}
	for i, w := range want {
		u := recv(t, updates, fmt.Sprintf("update %d", i))
		if u.ShowID != w.ShowID || !u.At.Equal(w.At) || !slices.Equal(u.Seats, w.Seats) || u.Status != w.Status || u.Initial {
			t.Fatalf("update %d = %+v; want %+v", i, u, w)
		}
	}
	cancel()
	drain(t, updates, "the stream to close once its ctx ended")
	if _, err := f.sys.Watch(f.ctx, "nope"); !errors.Is(err, boxoffice.ErrNotFound) {
		t.Errorf("Watch of an unknown show: %v; want ErrNotFound", err)
	}
}

func TestWatchEndsOnClose(t *testing.T) {
	f := newFixture(t)
	updates, err := f.sys.Watch(f.ctx, f.show.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.hold("alice", "A1")
	if err := f.sys.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
	drain(t, updates, "Close to end the stream")
}

// TestWatchUpdatesAreEachStreamsOwn: a stream's reader may change the
// Seats of its update (sort it, filter it in place, rewrite its IDs for a
// wire format) without changing what another stream or an observer (the
// confirmation email, say) gets. Every stream once got the event's own
// Seats slice.
func TestWatchUpdatesAreEachStreamsOwn(t *testing.T) {
	rec := newRecorder()
	f := newFixture(t, func(c *boxoffice.Config) { c.Observers = []boxoffice.Observer{rec} })
	one, err := f.sys.Watch(f.ctx, f.show.ID)
	if err != nil {
		t.Fatal(err)
	}
	two, err := f.sys.Watch(f.ctx, f.show.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, first := firstMap(t, one, f.hall.Layout)
	first[0].Seats[0] = "rewritten by the first reader"
	if _, got := firstMap(t, two, f.hall.Layout); got[0].Seats[0] != "A1" {
		t.Errorf("the second stream's map begins with %v; want A1", got[0].Seats[0])
	}
	f.hold("alice", "A1", "A2")
	u := recv(t, one, "the first stream's update")
	u.Seats[0] = "rewritten by the first reader"
	if got := recv(t, two, "the second stream's update").Seats; !slices.Equal(got, []string{"A1", "A2"}) {
		t.Errorf("the second stream's update names %v; want [A1 A2]", got)
	}
	held, ok := rec.waitFor(t, 1)[0].(*boxoffice.SeatsHeld)
	if !ok || !slices.Equal(held.Seats, []string{"A1", "A2"}) {
		t.Errorf("the observer's event: %+v; want SeatsHeld of [A1 A2]", held)
	}
}
