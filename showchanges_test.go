package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"pgregory.net/rapid"
)

// reportingStore is the in-memory Store shared by several
// BookingSystems, as processes share a database, that reports each
// committed show transaction to every listener (a ShowChangeListener),
// the way pgstore does: after the commit, from a goroutine of its own.
type reportingStore struct {
	genericStore

	mu         sync.Mutex
	listeners  map[*reportQueue]struct{}
	failListen int // ListenShowChanges fails this many more times
	failViews  int // ViewShow fails this many more times
}

func newReportingStore(m *boxoffice.MemoryStore) *reportingStore {
	return &reportingStore{genericStore: genericStore{m}, listeners: make(map[*reportQueue]struct{})}
}

// reportQueue holds one listener's reports until its goroutine calls
// changed with them, so that UpdateShow never waits for a listener.
type reportQueue struct {
	mu    sync.Mutex
	shows []string
	ready chan struct{} // has a value when shows is not empty
}

func (s *reportingStore) ListenShowChanges(ctx context.Context, changed func(showID string)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failListen > 0 {
		s.failListen--
		return errStoreDown
	}
	q := &reportQueue{ready: make(chan struct{}, 1)}
	s.listeners[q] = struct{}{}
	go func() {
		for {
			select {
			case <-q.ready:
			case <-ctx.Done():
				s.mu.Lock()
				delete(s.listeners, q)
				s.mu.Unlock()
				return
			}
			q.mu.Lock()
			shows := q.shows
			q.shows = nil
			q.mu.Unlock()
			for _, id := range shows {
				changed(id)
			}
		}
	}()
	return nil
}

func (s *reportingStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	if err := s.genericStore.UpdateShow(ctx, showID, fn); err != nil {
		return err
	}
	s.report(showID)
	return nil
}

// report tells every listener that the show changed.
func (s *reportingStore) report(showID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for q := range s.listeners {
		q.mu.Lock()
		q.shows = append(q.shows, showID)
		q.mu.Unlock()
		select {
		case q.ready <- struct{}{}:
		default:
		}
	}
}

func (s *reportingStore) ViewShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	s.mu.Lock()
	fail := s.failViews > 0
	if fail {
		s.failViews--
	}
	s.mu.Unlock()
	if fail {
		return errStoreDown
	}
	return s.genericStore.ViewShow(ctx, showID, fn)
}

// set changes the store's failure counts under its lock.
func (s *reportingStore) set(fn func(s *reportingStore)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s)
}

// onReportingStore is a fixture option: the system uses the fixture's
// store through a reportingStore, which it returns once the fixture is
// made.
func onReportingStore(rs **reportingStore) func(*boxoffice.Config) {
	return func(c *boxoffice.Config) {
		*rs = newReportingStore(c.Store.(*boxoffice.MemoryStore))
		c.Store = *rs
	}
}

// otherProcess is one more BookingSystem on the fixture's reporting store
// and clock: another process sharing the database.
func (f *fixture) otherProcess(rs *reportingStore) *boxoffice.BookingSystem {
	f.t.Helper()
	return f.processOn(rs, f.gateway)
}

// follower applies a Watch stream's updates to a seat map, as a client
// drawing the map would.
type follower struct {
	mu      sync.Mutex
	seats   map[string]boxoffice.SeatStatus
	updates []boxoffice.SeatUpdate
	moved   chan struct{} // has a value after an update
	// wrongFlag is what is wrong with the first update whose Initial is
	// wrong (see initialFlags), or "": the test that made the follower
	// fails with it in the end.
	wrongFlag string
}

// flagError returns what is wrong with the first update whose Initial
// was wrong, or "".
func (fl *follower) flagError() string {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return fl.wrongFlag
}

func follow(t *testing.T, sys *boxoffice.BookingSystem, showID string) *follower {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	stream, err := sys.Watch(ctx, showID)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	// The layout from the catalog, not SeatMap: some tests count the
	// show's reads.
	show, err := sys.Show(ctx, showID)
	if err != nil {
		t.Fatal(err)
	}
	hall, err := sys.Hall(ctx, show.HallID)
	if err != nil {
		t.Fatal(err)
	}
	flags := newInitialFlags(hall.Layout)
	fl := &follower{seats: make(map[string]boxoffice.SeatStatus), moved: make(chan struct{}, 1)}
	t.Cleanup(func() {
		if wrong := fl.flagError(); wrong != "" {
			t.Errorf("a Watch stream's Initial flags: %s", wrong)
		}
	})
	go func() {
		for u := range stream {
			fl.mu.Lock()
			for _, s := range u.Seats {
				fl.seats[s] = u.Status
			}
			fl.updates = append(fl.updates, u)
			if wrong := flags.next(u); wrong != "" && fl.wrongFlag == "" {
				fl.wrongFlag = wrong
			}
			fl.mu.Unlock()
			select {
			case fl.moved <- struct{}{}:
			default:
			}
		}
	}()
	return fl
}

// statuses reads the seat map's statuses from sys.
func statuses(t *testing.T, sys *boxoffice.BookingSystem, showID string) map[string]boxoffice.SeatStatus {
	t.Helper()
	m, err := sys.SeatMap(context.Background(), showID)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]boxoffice.SeatStatus, len(m.Seats))
	for _, s := range m.Seats {
		out[s.ID] = s.Status
	}
	return out
}

// agrees waits, up to 10 seconds of real time (the feed's reads run on
// goroutines of their own), until the stream has taken the follower to
// the seat map want, and reports whether it did.
func (fl *follower) agrees(want map[string]boxoffice.SeatStatus) (bool, string) {
	return fl.agreesWithin(want, 10*time.Second)
}

// agreesWithin is agrees, waiting up to d.
func (fl *follower) agreesWithin(want map[string]boxoffice.SeatStatus, d time.Duration) (bool, string) {
	deadline := time.After(d)
	for {
		fl.mu.Lock()
		same := maps.Equal(fl.seats, want)
		var diff []string
		if !same {
			for id, st := range want {
				if got, ok := fl.seats[id]; !ok || got != st {
					diff = append(diff, fmt.Sprintf("%s: stream %v, map %v", id, fl.seats[id], st))
				}
			}
			slices.Sort(diff)
		}
		fl.mu.Unlock()
		if same {
			return true, ""
		}
		select {
		case <-fl.moved:
		case <-deadline:
			return false, fmt.Sprint(diff)
		}
	}
}

func (fl *follower) mustAgree(t testing.TB, want map[string]boxoffice.SeatStatus) {
	t.Helper()
	if ok, diff := fl.agrees(want); !ok {
		t.Fatalf("the Watch stream never caught up with the seat map: %s", diff)
	}
}

// Another process's holds, releases, payments, cancellations and expiries
// reach this process's Watch stream, and a stream opened on a Store that
// reports changes begins with the whole seat map.
func TestWatchBringsOtherProcessesChanges(t *testing.T) {
	var rs *reportingStore
	f := newFixture(t, onReportingStore(&rs))
	mine := f.otherProcess(rs)
	bob := f.hold("bob", "E1") // before the stream opens: the stream's first map has it
	fl := follow(t, mine, f.show.ID)
	fl.mustAgree(t, statuses(t, mine, f.show.ID))
	fl.mu.Lock()
	first := fl.updates
	fl.mu.Unlock()
	if n := len(first); n != 2 || first[0].Status != boxoffice.SeatAvailable || first[1].Status != boxoffice.SeatHeld ||
		!slices.Equal(first[1].Seats, []string{"E1"}) {
		t.Fatalf("the stream began with %v; want every other seat available, then E1 held", first)
	}
	steps := []struct {
		name string
		run  func()
	}{
		{"hold", func() { f.hold("alice", "A1", "A2") }},
		{"release", func() {
			if _, err := f.sys.ReleaseHold(f.ctx, bob.ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"confirm", func() { f.confirm(f.hold("carol", "C3", "C4")) }},
		{"cancel", func() {
			b := f.confirm(f.hold("dan", "D1"))
			if _, err := f.sys.CancelBooking(f.ctx, b.ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"expire", func() {
			f.clock.Advance(11 * time.Minute)
			if _, err := f.sys.Sweep(f.ctx); err != nil {
				t.Fatal(err)
			}
		}},
		{"cancel the show", func() {
			if _, err := f.sys.CancelShow(f.ctx, f.show.ID); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, step := range steps {
		step.run()
		if ok, diff := fl.agrees(statuses(t, f.sys, f.show.ID)); !ok {
			t.Fatalf("after %s in the other process, the stream differs from the seat map: %s", step.name, diff)
		}
	}
}

// A change made in this process reaches its stream once: the Store's
// report of it, read after it was sent, finds nothing new.
func TestWatchSendsALocalChangeOnce(t *testing.T) {
	var rs *reportingStore
	f := newFixture(t, onReportingStore(&rs))
	other := f.otherProcess(rs)
	fl := follow(t, f.sys, f.show.ID)
	f.hold("alice", "A1")
	if _, err := other.HoldSeats(f.ctx, "bob", f.show.ID, []string{"B1"}); err != nil {
		t.Fatal(err)
	}
	// The report of A1 came before that of B1, so once B1 is streamed,
	// A1's report has been read.
	fl.mustAgree(t, statuses(t, f.sys, f.show.ID))
	fl.mu.Lock()
	defer fl.mu.Unlock()
	var a1 int
	for _, u := range fl.updates[1:] { // after the map the stream began with
		a1 += slices.Index(u.Seats, "A1") + 1
	}
	if a1 != 1 {
		t.Errorf("A1 was streamed in %d updates after the first map; want 1: %v", a1, fl.updates)
	}
}

// Until the Store listens, Watch streams carry this process's changes;
// once it does, after a retry on the Clock, the streams catch up with
// what other processes did meanwhile.
func TestWatchCatchesUpOnceTheStoreListens(t *testing.T) {
	var rs *reportingStore
	f := newFixture(t, onReportingStore(&rs))
	rs.set(func(s *reportingStore) { s.failListen = 1 })
	mine := f.otherProcess(rs)
	fl := follow(t, mine, f.show.ID)
	f.hold("alice", "A1") // unseen by mine until its Store listens
	if _, err := mine.HoldSeats(f.ctx, "bob", f.show.ID, []string{"B1"}); err != nil {
		t.Fatal(err)
	}
	want := statuses(t, f.sys, f.show.ID)
	// Mine's stream has B1, its own hold, but not A1.
	fl.mustAgree(t, with(want, "A1", boxoffice.SeatAvailable))
	retry(t, f)
	fl.mustAgree(t, want)
}

// A show that cannot be read when another process changed it is read
// again after a wait on the Clock.
func TestWatchRereadsAShowItFailedToRead(t *testing.T) {
	var rs *reportingStore
	f := newFixture(t, onReportingStore(&rs))
	mine := f.otherProcess(rs)
	fl := follow(t, mine, f.show.ID)
	rs.set(func(s *reportingStore) { s.failViews = 1 })
	f.hold("alice", "A1")
	retry(t, f)
	fl.mustAgree(t, statuses(t, f.sys, f.show.ID))
}

// The first Watch of a show reads it; if it cannot, Watch fails.
func TestWatchFailsWhenItCannotReadTheShow(t *testing.T) {
	var rs *reportingStore
	f := newFixture(t, onReportingStore(&rs))
	rs.set(func(s *reportingStore) { s.failViews = 1 })
	if _, err := f.sys.Watch(f.ctx, f.show.ID); !errors.Is(err, errStoreDown) {
		t.Fatalf("Watch on a show it cannot read: %v; want %v", err, errStoreDown)
	}
}

// retry waits until the feed waits on its retry timer (the sweeper has
// the other one), then moves the clock past it.
func retry(t *testing.T, f *fixture) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.clock.WaitForTimers(ctx, 3); err != nil { // both sweepers', and the feed's
		t.Fatalf("the feed never waited to try again: %v", err)
	}
	f.clock.Advance(time.Second)
}

// with returns a copy of m with one seat's status changed.
func with(m map[string]boxoffice.SeatStatus, seat string, st boxoffice.SeatStatus) map[string]boxoffice.SeatStatus {
	m = maps.Clone(m)
	m[seat] = st
	return m
}

// settle waits until the stream has taken the follower to the seat map.
// A move of the clock cuts off a read of the feed in flight (its timeout
// is on the Clock), which is then tried again a second later on the
// Clock: so when the stream does not catch up, the clock moves on past
// the longest wait for a retry, and it waits again. No hold lapses
// meanwhile: none is older than the last 11-minute move.
func settle(f *fixture, fl *follower) (ok bool, diff string) {
	for range 4 {
		if ok, diff = fl.agreesWithin(statuses(f.t, f.sys, f.show.ID), 2*time.Second); ok {
			return true, ""
		}
		f.clock.Advance(30 * time.Second)
	}
	return false, diff
}

// Whatever two processes do to a show, in any order, a Watch stream in
// each, opened at any point, ends with the seat map once the show is
// quiet and the sweepers have run. So does a stream of a single process
// on a Store that reports no changes (in-memory, or any other), which
// has only the stream's updates to draw the map from: those before it
// opened come in the map it begins with.
func TestWatchAcrossProcessesConverges(t *testing.T) {
	seats := []string{"A1", "A2", "A3", "B1", "B2", "B3"}
	rapid.Check(t, func(rt *rapid.T) {
		var f *fixture
		var procs []*boxoffice.BookingSystem
		if rapid.Bool().Draw(rt, "the Store reports changes") {
			var rs *reportingStore
			f = newFixture(t, onReportingStore(&rs))
			procs = []*boxoffice.BookingSystem{f.sys, f.otherProcess(rs)}
		} else {
			path := rapid.SampledFrom(storePaths).Draw(rt, "store path")
			f = newFixture(t, path.edit)
			procs = []*boxoffice.BookingSystem{f.sys}
		}
		var followers []*follower
		var held []boxoffice.Booking
		steps := rapid.IntRange(1, 25).Draw(rt, "steps")
		for range steps {
			sys := procs[rapid.IntRange(0, len(procs)-1).Draw(rt, "process")]
			switch op := rapid.IntRange(0, 5).Draw(rt, "op"); {
			case op <= 1:
				pick := rapid.SliceOfNDistinct(rapid.SampledFrom(seats), 1, 3, rapid.ID).Draw(rt, "seats")
				if b, err := sys.HoldSeats(f.ctx, fmt.Sprint("user", len(held)), f.show.ID, pick); err == nil {
					held = append(held, b)
				}
			case op == 2 && len(held) > 0:
				b := held[rapid.IntRange(0, len(held)-1).Draw(rt, "release")]
				_, _ = sys.ReleaseHold(f.ctx, b.ID)
			case op == 3 && len(held) > 0:
				b := held[rapid.IntRange(0, len(held)-1).Draw(rt, "confirm")]
				_, _ = sys.ConfirmBooking(f.ctx, b.ID, "card")
			case op == 4:
				f.clock.Advance(11 * time.Minute)
				_, _ = sys.Sweep(f.ctx)
			case op == 5:
				followers = append(followers, follow(t, sys, f.show.ID))
			}
		}
		followers = append(followers, follow(t, procs[len(procs)-1], f.show.ID))
		// Quiet: each process's sweeper has ended the holds that lapsed
		// (a lapsed hold is shown available at once, but a stream hears
		// of it when it is ended).
		for _, sys := range procs {
			if _, err := sys.Sweep(f.ctx); err != nil {
				rt.Fatal(err)
			}
		}
		for i, fl := range followers {
			if ok, diff := settle(f, fl); !ok {
				rt.Fatalf("stream %d differs from the seat map: %s", i, diff)
			}
			if wrong := fl.flagError(); wrong != "" {
				rt.Fatalf("stream %d: %s", i, wrong)
			}
		}
	})
}
