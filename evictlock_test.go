package boxoffice_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// evictStore is genericStore with hooks: it counts the transactions in
// flight, noting two at once (overlap); it runs a hook armed by the test
// at the start of the next transaction (to hold it there) and after the
// next hall read (the last Store read of a show's lookup: to cancel the
// ctx of the call that looks the show up).
type evictStore struct {
	genericStore
	inFlight atomic.Int32
	overlap  atomic.Bool

	mu     sync.Mutex
	onTx   func()
	onHall func()
}

func (s *evictStore) arm(p *func(), f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*p = f
}

func (s *evictStore) take(p *func()) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := *p
	*p = nil
	return f
}

func (s *evictStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	if s.inFlight.Add(1) > 1 {
		s.overlap.Store(true)
	}
	defer s.inFlight.Add(-1)
	if err := ctx.Err(); err != nil {
		return err // as a database refuses to begin
	}
	if f := s.take(&s.onTx); f != nil {
		f()
	}
	return s.genericStore.UpdateShow(ctx, showID, fn)
}

func (s *evictStore) Hall(ctx context.Context, id string) (boxoffice.Hall, error) {
	h, err := s.genericStore.Hall(ctx, id)
	if f := s.take(&s.onHall); f != nil {
		f()
	}
	return h, err
}

// evictPricing prices every seat at 15.00; armed, the next call signals
// and waits, then runs after (if set).
type evictPricing struct {
	mu    sync.Mutex
	gate  chan struct{} // closed by the test to let the call go on
	in    chan struct{} // closed as the call arrives
	after func()
}

func (p *evictPricing) Price(ctx context.Context, r boxoffice.PriceRequest) (boxoffice.Money, error) {
	p.mu.Lock()
	gate, in, after := p.gate, p.in, p.after
	p.gate, p.in, p.after = nil, nil, nil
	p.mu.Unlock()
	if gate != nil {
		close(in)
		<-gate
		if after != nil {
			after()
		}
	}
	return 1500, nil
}

// forgetShow moves the clock a day and an hour past the show's end and
// waits for the sweeper's tick, which drops the show's entry.
func forgetShow(t *testing.T, f *fixture) {
	t.Helper()
	// A tick first: the sweeper reads the clock for its first eviction
	// pass after it arms its timer, so a move made as soon as the timer
	// is armed may be read as the pass's start, and the tick then makes
	// no pass.
	for _, move := range []func(){
		func() { f.clock.Advance(time.Hour) },
		func() { f.clock.Set(f.show.End.Add(25 * time.Hour)) },
	} {
		if err := f.clock.WaitForTimers(f.ctx, 1); err != nil { // the sweeper waits for its tick
			t.Fatal(err)
		}
		move()
	}
	if err := f.clock.WaitForTimers(f.ctx, 1); err != nil { // the tick is over
		t.Fatal(err)
	}
	if n := boxoffice.CachedShowsForTest(f.sys); n != 0 {
		t.Fatalf("%d shows cached after the sweeper's tick; want the show dropped", n)
	}
}

// TestDroppedEntryKeepsShowLock checks, on the generic Store path, that
// the sweeper's dropping of an ended show's entry never lets two
// transactions of the show run at once in the process: a call that loads
// the show again waits for one still running on the dropped entry, and a
// call that looked the show up before the drop and locks it after waits
// for one running on the new entry. Each waiting call's ctx is cancelled
// before it reaches the lock, so that it returns at once if it has to
// wait, and runs a transaction beside the other if it gets a lock of its
// own (the store notes the overlap).
func TestDroppedEntryKeepsShowLock(t *testing.T) {
	t.Run("new entry while the dropped one is locked", func(t *testing.T) {
		var hs *evictStore
		f := newFixture(t, func(c *boxoffice.Config) {
			hs = &evictStore{genericStore: genericStore{c.Store.(*boxoffice.MemoryStore)}}
			c.Store = hs
		})
		// A: a hold, held inside its transaction on the show's entry.
		entered, release := make(chan struct{}), make(chan struct{})
		hs.arm(&hs.onTx, func() { close(entered); <-release })
		releaseA := sync.OnceFunc(func() { close(release) })
		defer releaseA() // on a failure too: Close waits for A
		done := make(chan error, 1)
		go func() {
			_, err := f.sys.HoldSeats(f.ctx, "u1", f.show.ID, []string{"A1"})
			done <- err
		}()
		<-entered
		forgetShow(t, f)

		// B loads the show again, then goes for the lock.
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		hs.arm(&hs.onHall, cancel)
		_, errB := f.sys.CancelShow(ctx, f.show.ID)
		releaseA()
		<-done
		if hs.overlap.Load() {
			t.Fatalf("CancelShow ran a transaction beside a hold's on the dropped entry (CancelShow: %v)", errB)
		}
		if errB == nil {
			t.Fatal("CancelShow with its ctx cancelled while the show's lock was held: no error")
		}
	})

	t.Run("dropped entry locked after a new one", func(t *testing.T) {
		var hs *evictStore
		pricing := &evictPricing{}
		f := newFixture(t, func(c *boxoffice.Config) {
			hs = &evictStore{genericStore: genericStore{c.Store.(*boxoffice.MemoryStore)}}
			c.Store = hs
			c.Pricing = pricing
		})
		// C looks the show up and waits in pricing, before the lock.
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		in, gate := make(chan struct{}), make(chan struct{})
		pricing.mu.Lock()
		pricing.in, pricing.gate, pricing.after = in, gate, cancel
		pricing.mu.Unlock()
		openGate := sync.OnceFunc(func() { close(gate) })
		defer openGate()
		doneC := make(chan error, 1)
		go func() {
			_, err := f.sys.HoldSeats(ctx, "u1", f.show.ID, []string{"A1"})
			doneC <- err
		}()
		<-in
		forgetShow(t, f)

		// D loads the show again and is held inside its transaction.
		entered, release := make(chan struct{}), make(chan struct{})
		hs.arm(&hs.onTx, func() { close(entered); <-release })
		releaseD := sync.OnceFunc(func() { close(release) })
		defer releaseD()
		doneD := make(chan error, 1)
		go func() {
			_, err := f.sys.CancelShow(f.ctx, f.show.ID)
			doneD <- err
		}()
		<-entered
		openGate() // C goes on, its ctx cancelled, to the old entry's lock
		errC := <-doneC
		releaseD()
		<-doneD
		if hs.overlap.Load() {
			t.Fatalf("a hold on the dropped entry ran a transaction beside CancelShow's on the new one (hold: %v)", errC)
		}
		if errC == nil {
			t.Fatal("hold with its ctx cancelled while the show's lock was held: no error")
		}
	})
	t.Run("the lock goes with the last entry", func(t *testing.T) {
		f := newFixture(t, onGenericPath)
		if _, err := f.sys.SeatMap(f.ctx, f.show.ID); err != nil {
			t.Fatal(err)
		}
		forgetShow(t, f)
		if n := boxoffice.DroppedShowLocksForTest(f.sys); n != 1 {
			t.Fatalf("%d locks of dropped entries kept after the drop; want 1", n)
		}
		runtime.GC() // nothing holds the dropped entry: its lock goes
		if err := f.clock.WaitForTimers(f.ctx, 1); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour) // the next tick forgets it
		if err := f.clock.WaitForTimers(f.ctx, 1); err != nil {
			t.Fatal(err)
		}
		if n := boxoffice.DroppedShowLocksForTest(f.sys); n != 0 {
			t.Errorf("%d locks of dropped entries kept once none is left; want 0", n)
		}
	})
}
