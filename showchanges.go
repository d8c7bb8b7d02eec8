package boxoffice

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// changeFeed brings the seat changes that other processes commit to this
// process's Watch streams, on a Store that reports them (a
// ShowChangeListener). It listens from the first Watch until Close. A
// report only names a show: the feed reads the show again, under the
// show's lock, and sends its streams the seats whose status differs from
// what they were last sent (showStreams.seen). Reports that come while a
// show is being read are merged into one more read, so a busy show costs
// one read at a time whatever the rate of its commits.
type changeFeed struct {
	bs       *BookingSystem
	listener ShowChangeListener
	ctx      context.Context // ends at Close
	cancel   context.CancelFunc

	once    sync.Once
	started chan struct{} // closed once the first try to listen returned
	done    chan struct{} // closed when run returns; nil until it starts

	mu    sync.Mutex
	dirty map[string]struct{} // shows to read again
	all   bool                // every show with streams is to be read again
	wake  chan struct{}       // has a value when dirty or all was set
}

// Bounds of the wait before the feed tries again to listen, or to read a
// show whose read failed; it doubles from the first to the last.
const (
	feedRetryFirst = time.Second
	feedRetryMax   = 30 * time.Second
)

// newChangeFeed returns the feed of bs, or nil if its Store reports no
// changes.
func newChangeFeed(bs *BookingSystem) *changeFeed {
	l, ok := bs.store.(ShowChangeListener)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &changeFeed{bs: bs, listener: l, ctx: ctx, cancel: cancel,
		started: make(chan struct{}), dirty: make(map[string]struct{}), wake: make(chan struct{}, 1)}
}

// listen starts the feed on first use and waits, bounded by ctx, for its
// first try to listen: a Watch that returns after it misses no change
// committed later. If that try fails, Watch still streams this process's
// changes; the feed tries again, and once it listens it reads every
// watched show again.
func (f *changeFeed) listen(ctx context.Context) error {
	if f == nil {
		return nil
	}
	f.once.Do(func() {
		f.mu.Lock()
		f.done = make(chan struct{})
		f.mu.Unlock()
		go f.run()
	})
	select {
	case <-f.started:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// changed is the Store's report that a show ("" for every show) may have
// changed. It does not wait for the read.
func (f *changeFeed) changed(showID string) {
	f.mu.Lock()
	if showID == "" {
		f.all = true
	} else if f.bs.events.watched(showID) {
		f.dirty[showID] = struct{}{}
	} else {
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// run listens, then reads the shows reported, until Close.
func (f *changeFeed) run() {
	defer close(f.done)
	if !f.startListening() {
		return
	}
	retry := feedRetryFirst
	for {
		select {
		case <-f.wake:
		case <-f.ctx.Done():
			return
		}
		if failed := f.readDirty(); failed == 0 {
			retry = feedRetryFirst
			continue
		}
		if !f.sleep(retry) {
			return
		}
		retry = min(2*retry, feedRetryMax)
		select {
		case f.wake <- struct{}{}: // the failed shows are dirty again
		default:
		}
	}
}

// startListening calls ListenShowChanges until it succeeds, and reports
// whether it did before Close.
func (f *changeFeed) startListening() bool {
	retry := feedRetryFirst
	for first := true; ; first = false {
		err := f.listener.ListenShowChanges(f.ctx, f.changed)
		if first {
			close(f.started)
		}
		if err == nil {
			if !first {
				f.changed("") // what changed while it did not listen
			}
			return true
		}
		if f.ctx.Err() != nil {
			return false
		}
		f.bs.log.Warn("boxoffice: cannot listen for other processes' seat changes; Watch streams miss them until it can",
			"err", err, "retry", retry)
		if !f.sleep(retry) {
			return false
		}
		retry = min(2*retry, feedRetryMax)
	}
}

// sleep waits d on the Clock, and reports whether it did before Close.
func (f *changeFeed) sleep(d time.Duration) bool {
	t := f.bs.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-f.ctx.Done():
		return false
	}
}

// readDirty reads again the shows reported since the last call. Those
// that fail stay dirty; it returns how many did.
func (f *changeFeed) readDirty() (failed int) {
	f.mu.Lock()
	shows := f.dirty
	f.dirty = make(map[string]struct{})
	if f.all {
		f.all = false
		for _, id := range f.bs.events.watchedShows() {
			shows[id] = struct{}{}
		}
	}
	f.mu.Unlock()
	for id := range shows {
		if f.ctx.Err() != nil {
			return 0
		}
		if err := f.resync(id); err != nil {
			failed++
			f.bs.log.Warn("boxoffice: cannot read a show to bring other processes' seat changes to its Watch streams",
				"show", id, "err", err)
			f.mu.Lock()
			f.dirty[id] = struct{}{}
			f.mu.Unlock()
		}
	}
	return failed
}

// resync reads the show and sends its streams the seats whose status
// changed since they were last sent one.
func (f *changeFeed) resync(showID string) error {
	e, err := f.bs.entry(f.ctx, showID)
	if err != nil {
		return err
	}
	e.lock()
	defer e.unlock()
	d := f.bs.events
	before := d.seen(showID)
	if before == nil {
		return nil // its last stream ended
	}
	after, at, err := f.read(f.ctx, e)
	if err != nil {
		return err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if ss := d.watchers[showID]; ss != nil {
		for _, u := range seatUpdates(showID, at, e.layout, before, after) {
			ss.send(u)
		}
	}
	return nil
}

// read returns the show's seat statuses in Layout order, as SeatMap
// reads them, and the Clock's time it read them at.
func (f *changeFeed) read(ctx context.Context, e *showEntry) ([]SeatStatus, time.Time, error) {
	seen := make([]SeatStatus, e.layout.Len())
	var at time.Time
	err := f.bs.store.ViewShow(ctx, e.show.ID, func(tx ShowTx) error {
		at = f.bs.clock.Now()
		for i := range seen {
			seen[i] = tx.Seat(i).StatusAt(at)
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("boxoffice: reading show %s for its Watch streams: %w", e.show.ID, err)
	}
	return seen, at, nil
}

// close stops the feed and waits, bounded by ctx, for it to end.
func (f *changeFeed) close(ctx context.Context) error {
	if f == nil {
		return nil
	}
	f.cancel()
	f.mu.Lock()
	done := f.done
	f.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("boxoffice: close: the Store's change listener is still running: %w", ctx.Err())
	}
}
