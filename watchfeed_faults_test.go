package boxoffice_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// faultyFeedStore is a reportingStore with hooks, for the ways a Store
// that reports changes can misbehave under the feed.
type faultyFeedStore struct {
	*reportingStore
	reported chan string // the shows the listener reported, once changed returned

	mu         sync.Mutex
	afterView  func()      // runs once, after the next ViewShow
	down       string      // a show no ViewShow can read
	hangListen bool        // ListenShowChanges waits for its ctx
	listening  chan string // has a value once ListenShowChanges was called
	stall      string      // a show whose ViewShow waits for its ctx
	stalled    chan string // has a value when a ViewShow starts to stall
}

func newFaultyFeedStore(rs *reportingStore) *faultyFeedStore {
	return &faultyFeedStore{reportingStore: rs, reported: make(chan string, 64),
		listening: make(chan string, 1), stalled: make(chan string, 1)}
}

func (s *faultyFeedStore) ListenShowChanges(ctx context.Context, changed func(string)) error {
	s.mu.Lock()
	hang := s.hangListen
	s.mu.Unlock()
	s.listening <- ""
	if hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return s.reportingStore.ListenShowChanges(ctx, func(id string) {
		changed(id)
		select {
		case s.reported <- id:
		default:
		}
	})
}

func (s *faultyFeedStore) ViewShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	s.mu.Lock()
	after, down, stall := s.afterView, s.down == showID, s.stall == showID
	s.afterView = nil
	s.mu.Unlock()
	if stall {
		select {
		case s.stalled <- showID:
		default:
		}
		<-ctx.Done()
		return ctx.Err()
	}
	if down {
		return errStoreDown
	}
	err := s.reportingStore.ViewShow(ctx, showID, fn)
	if after != nil {
		after()
	}
	return err
}

// faultyProcess is another process on a faultyFeedStore over the
// fixture's reporting store.
func faultyProcess(t *testing.T) (*fixture, *faultyFeedStore, *boxoffice.BookingSystem) {
	var rs *reportingStore
	f := newFixture(t, onReportingStore(&rs))
	store := newFaultyFeedStore(rs)
	return f, store, f.processOn(store, f.gateway)
}

// stallFeedRead has another process commit to the fixture's show, and
// returns once the feed's read of it hangs (until its ctx ends); the
// reads after it go through.
func stallFeedRead(t *testing.T, f *fixture, store *faultyFeedStore) {
	t.Helper()
	store.mu.Lock()
	store.stall = f.show.ID
	store.mu.Unlock()
	f.hold("alice", "A1")
	select {
	case <-store.stalled:
	case <-time.After(5 * time.Second):
		t.Fatal("the feed never read the show")
	}
	store.mu.Lock()
	store.stall = ""
	store.mu.Unlock()
}

// A commit by another process that lands after the first Watch of a show
// read it, and whose report comes before the stream is registered, still
// reaches the stream.
func TestWatchSeesACommitMadeWhileItOpens(t *testing.T) {
	f, store, mine := faultyProcess(t)
	store.mu.Lock()
	store.afterView = func() {
		f.hold("alice", "A1") // the other process commits...
		select {              // ...and mine's listener is told of it
		case <-store.reported:
		case <-time.After(5 * time.Second):
			t.Error("the commit was never reported")
		}
	}
	store.mu.Unlock()
	follow(t, mine, f.show.ID).mustAgree(t, statuses(t, f.sys, f.show.ID))
}

// While the feed's read of a show hangs, calls on the show go on; once
// the read has taken feedReadTimeout on the Clock it is cut off, and the
// other shows' updates go on too.
func TestWatchFeedReadThatHangs(t *testing.T) {
	f, store, mine := faultyProcess(t)
	s2 := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H1",
		Start: f.show.Start.Add(24 * time.Hour), BasePrice: 1500}))
	follow(t, mine, f.show.ID)
	fl2 := follow(t, mine, s2.ID)
	stallFeedRead(t, f, store)
	ctx, cancel := context.WithTimeout(f.ctx, 5*time.Second)
	defer cancel()
	if _, err := mine.HoldSeats(ctx, "bob", f.show.ID, []string{"B1"}); err != nil {
		t.Fatalf("HoldSeats while the feed reads the show: %v", err)
	}
	if _, err := f.sys.HoldSeats(f.ctx, "carol", s2.ID, []string{"C1"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * time.Second) // the read's timeout, armed before it stalled
	fl2.mustAgree(t, statuses(t, f.sys, s2.ID))
}

// A show whose read fails waits for its retry; the other shows' changes
// do not.
func TestWatchFeedRetriesOneShowAlone(t *testing.T) {
	f, store, mine := faultyProcess(t)
	s2 := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H1",
		Start: f.show.Start.Add(24 * time.Hour), BasePrice: 1500}))
	fl1 := follow(t, mine, f.show.ID)
	fl2 := follow(t, mine, s2.ID)
	store.mu.Lock()
	store.down = f.show.ID
	store.mu.Unlock()
	f.hold("alice", "A1") // S1 changes; mine's feed cannot read it and waits to retry
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	if err := f.clock.WaitForTimers(ctx, 3); err != nil { // both sweepers', and S1's retry
		t.Fatal(err)
	}
	f.hold("bob", "B1") // S1 again: its retry is not hastened
	if _, err := f.sys.HoldSeats(f.ctx, "carol", s2.ID, []string{"C1"}); err != nil {
		t.Fatal(err)
	}
	fl2.mustAgree(t, statuses(t, f.sys, s2.ID))
	store.mu.Lock()
	store.down = ""
	store.mu.Unlock()
	f.clock.Advance(time.Second)
	fl1.mustAgree(t, statuses(t, f.sys, f.show.ID))
}

// Close ends a Watch waiting for the Store to start listening, rather
// than wait for it.
func TestCloseEndsAWatchWaitingToListen(t *testing.T) {
	f, store, mine := faultyProcess(t)
	store.mu.Lock()
	store.hangListen = true
	store.mu.Unlock()
	watched := make(chan error, 1)
	go func() {
		_, err := mine.Watch(context.Background(), f.show.ID)
		watched <- err
	}()
	<-store.listening
	ctx, cancel := context.WithTimeout(f.ctx, 5*time.Second)
	defer cancel()
	if err := mine.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
	select {
	case err := <-watched:
		if err != boxoffice.ErrClosed {
			t.Errorf("Watch: %v; want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("Watch still waits for the Store to listen after Close")
	}
}

// A read of the feed cut off because a fake clock moved on past its
// timeout while the Store answered is made again at once: the stream
// catches up without the clock moving again.
func TestWatchFeedReadCutOffByAClockStep(t *testing.T) {
	f, store, mine := faultyProcess(t)
	fl := follow(t, mine, f.show.ID)
	stallFeedRead(t, f, store)
	f.clock.Advance(time.Minute) // a test's step, past the read's timeout
	fl.mustAgree(t, statuses(t, f.sys, f.show.ID))
}
