package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// otherRequestGrace is how long a test that has started another request
// from inside a Store call waits for it before going on: time for a broken
// build to let the request through, so that the interleaving is the one the
// test means. A correct build makes the request wait and only costs the
// test this much time; the wait decides nothing (as storetest's grace).
const otherRequestGrace = 100 * time.Millisecond

// waitAtMost waits for done, at most otherRequestGrace.
func waitAtMost(done <-chan struct{}) {
	select {
	case <-done:
	case <-time.After(otherRequestGrace):
	}
}

// duringAddShow is a Store whose AddShow runs during, once, from inside
// check (while the hall is held) or, with afterCommit, once the show is
// stored and before AddShow returns.
type duringAddShow struct {
	boxoffice.Store
	mu          sync.Mutex
	during      func(boxoffice.Show)
	afterCommit bool
}

func (s *duringAddShow) take() func(boxoffice.Show) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.during
	s.during = nil
	return f
}

func (s *duringAddShow) AddShow(ctx context.Context, sh boxoffice.Show, l *boxoffice.Layout, w boxoffice.Interval, check func([]boxoffice.Show) error) error {
	if s.afterCommit {
		err := s.Store.AddShow(ctx, sh, l, w, check)
		if f := s.take(); err == nil && f != nil {
			f(sh)
		}
		return err
	}
	return s.Store.AddShow(ctx, sh, l, w, func(o []boxoffice.Show) error {
		if f := s.take(); f != nil {
			f(sh)
		}
		return check(o)
	})
}

// TestScheduleSameShowTwiceAtOnce: two BookingSystems sharing an in-memory
// Store schedule the same show at once; the second starts while the first
// holds the hall, after the first has passed the check that the ID is free.
// The second must get ErrAlreadyExists, not a *ScheduleConflictError that
// names the show as conflicting with itself.
func TestScheduleSameShowTwiceAtOnce(t *testing.T) {
	f := newFixture(t)
	hooked := &duringAddShow{Store: f.store}
	first, err := boxoffice.New(boxoffice.Config{Store: hooked, Clock: f.clock, Gateway: f.gateway,
		SweepInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = first.Close(context.Background()) })
	show := boxoffice.Show{ID: "dup", MovieID: "M1", HallID: "H1", Start: start.Add(48 * time.Hour), BasePrice: 1000}

	var second error
	done := make(chan struct{})
	hooked.during = func(boxoffice.Show) {
		go func() {
			defer close(done)
			_, second = f.sys.ScheduleShow(f.ctx, show) // the fixture's system, on the same Store
		}()
		waitAtMost(done)
	}
	if _, err := first.ScheduleShow(f.ctx, show); err != nil {
		t.Fatalf("first ScheduleShow: %v", err)
	}
	recv(t, done, "the second ScheduleShow to return")
	if !errors.Is(second, boxoffice.ErrAlreadyExists) {
		t.Errorf("ScheduleShow of the same show while the first held the hall: %v; want ErrAlreadyExists", second)
	}
}

// TestShowScheduledBeforeItsHolds: observers get each show's events in
// commit order, so ShowScheduled comes before any event of a request that
// found the new show in the Store before ScheduleShow returned.
func TestShowScheduledBeforeItsHolds(t *testing.T) {
	var mu sync.Mutex
	var order []string
	obs := boxoffice.ObserverFunc(func(_ context.Context, e boxoffice.Event) {
		if e.Meta().ShowID != "S2" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		switch e.(type) {
		case *boxoffice.ShowScheduled:
			order = append(order, "ShowScheduled")
		case *boxoffice.SeatsHeld:
			order = append(order, "SeatsHeld")
		}
	})
	store := &duringAddShow{Store: boxoffice.NewMemoryStore(), afterCommit: true}
	f := newFixture(t, func(c *boxoffice.Config) {
		c.Store = store
		c.Observers = []boxoffice.Observer{obs}
	})
	// A customer's request that lands right after the show is stored,
	// before ScheduleShow has published it.
	var holdErr error
	done := make(chan struct{})
	store.during = func(s boxoffice.Show) {
		go func() {
			defer close(done)
			_, holdErr = f.sys.HoldSeats(f.ctx, "early", s.ID, []string{"A1"})
		}()
		waitAtMost(done)
	}
	mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H1",
		Start: start.Add(48 * time.Hour), BasePrice: 1000}))
	recv(t, done, "the hold on the new show to return")
	if holdErr != nil {
		t.Fatalf("hold on the new show: %v", holdErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.sys.Close(ctx); err != nil { // drains the observers
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 2 || order[0] != "ShowScheduled" {
		t.Errorf("observer saw S2's events in the order %v; want [ShowScheduled SeatsHeld]", order)
	}
}

// TestScheduleShowDropsMonotonicReading: a Start built from time.Now()
// carries a monotonic reading, and comparisons between two such times
// follow it rather than the wall clock. The show is stored and returned
// with the wall time alone, so that it compares with the Clock's readings
// by wall time on every Store.
func TestScheduleShowDropsMonotonicReading(t *testing.T) {
	f := newFixture(t)
	// A caller's reading of time.Now(), moved to two days after the fake
	// clock's now: Add keeps the monotonic reading.
	now := time.Now()
	st := now.Add(start.Add(48 * time.Hour).Sub(now))
	if st == st.Round(0) {
		t.Skip("time.Now carries no monotonic reading on this platform")
	}
	got := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "mono", MovieID: "M1", HallID: "H1", Start: st, BasePrice: 1000}))
	stored := mustT[boxoffice.Show](t)(f.store.Show(f.ctx, "mono"))
	for name, s := range map[string]boxoffice.Show{"returned": got, "stored": stored} {
		if s.Start != s.Start.Round(0) || s.End != s.End.Round(0) {
			t.Errorf("%s show keeps a monotonic reading: Start %v, End %v", name, s.Start, s.End)
		}
		if !s.Start.Equal(st) {
			t.Errorf("%s show starts at %v; want %v", name, s.Start, st)
		}
	}
}

// TestCompleteShowAgainCompletesPaymentInFlight: a payment under way when
// CompleteShow runs at the start confirms afterwards and is left
// confirmed; calling CompleteShow again completes it.
func TestCompleteShowAgainCompletesPaymentInFlight(t *testing.T) {
	f := newFixture(t, func(c *boxoffice.Config) { c.PaymentAttempts, c.PaymentTimeout = 1, 12*time.Hour }) // the charge lasts until the show starts, 10 hours on
	b := f.hold("alice", "A1")
	var first int
	var firstErr error
	var once sync.Once
	f.gateway.before = func() {
		once.Do(func() {
			// The charge is slow; meanwhile the show starts and is closed.
			f.clock.Set(f.show.Start.Add(time.Minute))
			first, firstErr = f.sys.CompleteShow(f.ctx, f.show.ID)
		})
	}
	got := mustT[boxoffice.Booking](t)(f.sys.ConfirmBooking(f.ctx, b.ID, "card"))
	if firstErr != nil || first != 0 || got.Status != boxoffice.StatusConfirmed {
		t.Fatalf("CompleteShow during the payment: %d, %v; booking then %s; want 0 completed, booking confirmed", first, firstErr, got.Status)
	}
	if n := mustT[int](t)(f.sys.CompleteShow(f.ctx, f.show.ID)); n != 1 {
		t.Errorf("CompleteShow called again completed %d; want the booking paid meanwhile", n)
	}
	if n := mustT[int](t)(f.sys.CompleteShow(f.ctx, f.show.ID)); n != 0 {
		t.Errorf("CompleteShow called a third time completed %d; want 0", n)
	}
}

// TestScheduleShowBlocksNoOtherShow: while ScheduleShow adds a show (on
// pgstore, a database transaction), requests for every other show go on.
// It once held the lock of the new show's shard of the show cache across
// AddShow, which stopped every request for the shows of that shard, one
// in 64, for as long as the Store took. Requests on 400 shows (so that
// some share the new show's shard, whatever the cache's seed) must all
// complete while AddShow is held up.
func TestScheduleShowBlocksNoOtherShow(t *testing.T) {
	store := &duringAddShow{Store: boxoffice.NewMemoryStore()}
	f := newFixture(t, func(c *boxoffice.Config) {
		c.Store, c.HoldsPerMinute, c.MaxLiveHoldsPerUser = store, -1, -1
	})
	const n = 400
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("other-%d", i)
		mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: ids[i], MovieID: "M1", HallID: "H1",
			Start: start.Add(time.Duration(24+4*i) * time.Hour), BasePrice: 1000}))
	}
	var blocked bool
	done := make(chan struct{})
	store.during = func(boxoffice.Show) {
		go func() {
			defer close(done)
			for _, id := range ids {
				if _, err := f.sys.HoldSeats(f.ctx, "ann", id, []string{"A1"}); err != nil {
					t.Errorf("hold on %s while a show was being scheduled: %v", id, err)
				}
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			blocked = true // and let AddShow return, or it never would
		}
	}
	mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "new", MovieID: "M1", HallID: "H1",
		Start: start.Add(time.Duration(24+4*n) * time.Hour), BasePrice: 1000}))
	recv(t, done, "the holds on the other shows to return")
	if blocked {
		t.Errorf("requests for other shows waited for ScheduleShow's AddShow")
	}
}
