package boxoffice

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// changeFeed brings the seat changes that other processes commit to this
// process's Watch streams, on a Store that reports them (a
// ShowChangeListener). It listens from the first Watch until Close. A
// report only names a show: the feed reads the show again and sends its
// streams the seats whose status differs from what they were last sent
// (showStreams.seen). One goroutine takes the shows reported and has each
// read on a goroutine of its own, up to feedReaders reading the Store at
// once, so that a slow read holds up no other show. A show is read by one goroutine at
// a time: reports that come while it is being read are merged into one
// more read after it, so a busy show costs one read at a time whatever
// the rate of its commits. A show whose read fails is read again later,
// backing off on the Clock, while the others go on.
type changeFeed struct {
	bs       *BookingSystem
	listener ShowChangeListener
	ctx      context.Context // ends at Close
	cancel   context.CancelFunc

	once    sync.Once
	started chan struct{} // closed once the first try to listen returned
	done    chan struct{} // closed when run returns; nil until it starts

	mu      sync.Mutex
	dirty   map[string]struct{}   // shows to read again
	all     bool                  // every show with streams is to be read again
	failing map[string]*feedRetry // shows whose last read failed
	reading map[string]struct{}   // shows taken by due whose read has not ended
	wake    chan struct{}         // has a value when there may be more to read: a report, a read ended

	slots   chan struct{}  // holds a value per read running: feedReaders at most
	workers chan struct{}  // holds a value per goroutine of a read: feedWorkers at most
	readers sync.WaitGroup // the reads run started
}

// feedRetry is when a show whose read failed is read again, and how long
// the wait after that will be if it fails again.
type feedRetry struct {
	at   time.Time
	next time.Duration
}

// Bounds of the wait before the feed tries again to listen, or to read a
// show whose read failed; it doubles from the first to the last.
const (
	feedRetryFirst = time.Second
	feedRetryMax   = 30 * time.Second
)

// feedReadTimeout bounds one read of a show by the feed, on the Clock: a
// read that hangs must not hold up every other show's updates until Close.
const feedReadTimeout = 10 * time.Second

// feedReaders bounds the reads the feed makes at once: a burst of reports
// about many shows must not take every connection of the Store's pool
// from the calls (pgstore's pool has max(4, CPUs) by default).
// feedWorkers bounds the goroutines that wait for them, or for their
// show's lock: a report about every show must not start one per show.
const (
	feedReaders = 4
	feedWorkers = 64
)

// newChangeFeed returns the feed of bs, or nil if its Store reports no
// changes.
func newChangeFeed(bs *BookingSystem) *changeFeed {
	l, ok := StoreCapability[ShowChangeListener](bs.store)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &changeFeed{bs: bs, listener: l, ctx: ctx, cancel: cancel, started: make(chan struct{}),
		dirty: make(map[string]struct{}), failing: make(map[string]*feedRetry), reading: make(map[string]struct{}),
		wake: make(chan struct{}, 1), slots: make(chan struct{}, feedReaders),
		workers: make(chan struct{}, feedWorkers)}
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
		if f.ctx.Err() != nil { // select picks at random when both were ready
			return ErrClosed
		}
		return nil
	case <-f.ctx.Done():
		return ErrClosed
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
		if _, ok := f.reading[showID]; ok {
			f.mu.Unlock()
			return // resynced wakes run when the read ends
		}
	} else {
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	f.signal()
}

// signal wakes run, if it waits for work, to look again at what is due.
func (f *changeFeed) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// run listens, then has the shows reported read, until Close. It returns
// only once every read it started has: a read that outlived Close would
// use the Store after Close returned.
func (f *changeFeed) run() {
	defer close(f.done)
	defer f.readers.Wait()
	if !f.startListening() {
		return
	}
	for {
		for _, id := range f.due() {
			// The shows taken and not started stay in reading: the feed
			// ends, and nothing reads them again.
			if !f.startRead(id) {
				return
			}
		}
		if !f.waitForWork() {
			return
		}
	}
}

// startRead reads the show on a goroutine of its own, once fewer than
// feedWorkers run, and reports whether it did before Close. The goroutine
// waits for one of the feedReaders slots only around the Store's read
// (readBounded): not while it waits for the show's lock, which a slow
// transaction of this process may hold for as long as its caller lets
// it, beyond feedReadTimeout.
func (f *changeFeed) startRead(showID string) bool {
	select {
	case f.workers <- struct{}{}:
	case <-f.ctx.Done():
		return false
	}
	if f.ctx.Err() != nil { // select picks at random when both were ready
		<-f.workers
		return false
	}
	f.readers.Go(func() {
		defer func() { <-f.workers }()
		f.resynced(showID, f.resync(showID))
	})
	return true
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
		if !f.sleep(f.bs.clock.NewTimer(retry)) {
			return false
		}
		retry = min(2*retry, feedRetryMax)
	}
}

// sleep waits for t, and reports whether it fired before Close.
func (f *changeFeed) sleep(t Timer) bool {
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-f.ctx.Done():
		return false
	}
}

// waitForWork waits for a report, or for the next retry of a show whose
// read failed, and reports whether one came before Close.
func (f *changeFeed) waitForWork() bool {
	next := f.nextRetry()
	var retry <-chan time.Time
	if !next.IsZero() {
		t := f.bs.clock.NewTimer(next.Sub(f.bs.clock.Now()))
		defer t.Stop()
		retry = t.C()
	}
	select {
	case <-f.wake:
	case <-retry:
	case <-f.ctx.Done():
		return false
	}
	return true
}

// nextRetry returns when the first retry of a failed read is due, or the
// zero time if none is to be waited for. A show being read is passed over:
// its retry time is past, and waiting for it would spin until the read
// ends (resynced wakes run then).
func (f *changeFeed) nextRetry() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	var next time.Time
	for id, r := range f.failing {
		if _, ok := f.reading[id]; ok {
			continue
		}
		if next.IsZero() || r.at.Before(next) {
			next = r.at
		}
	}
	return next
}

// due takes the shows to read now, and marks them as being read: those
// reported (every watched one after a report about all), less those
// waiting to retry a failed read, plus those whose retry is due. A show
// being read is not taken: it stays in dirty, if reported again, for one
// more read once this one ends.
func (f *changeFeed) due() []string {
	now := f.bs.clock.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.all {
		f.all = false
		for _, id := range f.bs.events.watchedShows() {
			f.dirty[id] = struct{}{}
		}
	}
	var ids []string
	take := func(id string) {
		ids = append(ids, id)
		delete(f.dirty, id)
		f.reading[id] = struct{}{}
	}
	for id := range f.dirty {
		if _, ok := f.reading[id]; !ok && f.failing[id] == nil {
			take(id)
		}
	}
	for id, r := range f.failing {
		if _, ok := f.reading[id]; !ok && !r.at.After(now) {
			take(id)
		}
	}
	return ids
}

// resynced ends the read of a show, and records how it went.
func (f *changeFeed) resynced(showID string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.reading, showID)
	f.record(showID, err)
	// run may wait with this show out of view (due and waitForWork pass
	// over a show being read): wake it if the show is to be read again,
	// at once or at a retry its timer must now include.
	if _, again := f.dirty[showID]; again || f.failing[showID] != nil {
		f.signal()
	}
}

// record notes how the read of a show went, under f.mu: a failure puts
// off its next read, doubling the wait each time, but a read cut off is
// made again at once; a success forgets the failures.
func (f *changeFeed) record(showID string, err error) {
	if f.ctx.Err() != nil {
		return // Close cut it off: nothing to retry, nothing to report
	}
	if err == nil {
		delete(f.failing, showID)
		return
	}
	if !f.bs.events.watched(showID) {
		delete(f.failing, showID) // its last stream ended: nothing to bring
		return
	}
	if errors.Is(err, errReadCutOff) || errors.Is(err, errReadAgain) {
		delete(f.failing, showID)
		if errors.Is(err, errReadCutOff) {
			f.bs.log.Warn("boxoffice: a read of a show for its Watch streams was cut off; reading it again",
				"show", showID, "err", err)
		} else {
			f.bs.log.Debug("boxoffice: every read slot was taken; reading the show for its Watch streams again",
				"show", showID)
		}
		f.dirty[showID] = struct{}{}
		return
	}
	r := f.failing[showID]
	if r == nil {
		r = &feedRetry{next: feedRetryFirst}
		f.failing[showID] = r
	}
	r.at = f.bs.clock.Now().Add(r.next)
	f.bs.log.Warn("boxoffice: cannot read a show to bring other processes' seat changes to its Watch streams",
		"show", showID, "err", err, "retry", r.next)
	r.next = min(2*r.next, feedRetryMax)
}

// resync reads the show and sends its streams the seats whose status
// changed since they were last sent one. The read is made without the
// show's lock, so that a slow Store holds up no call on the show. If
// this process changed the show meanwhile, the read may predate that
// change, and the show is read again under the lock: a show busy in this
// process would otherwise never be read in time.
func (f *changeFeed) resync(showID string) error {
	e, err := f.bs.entry(f.ctx, showID)
	if err != nil {
		return err
	}
	d := f.bs.events
	if err := e.lockCtx(f.ctx); err != nil {
		return err
	}
	ss, sent := d.streamsOf(showID)
	e.unlock()
	if ss == nil {
		return nil // its last stream ended
	}
	if err := f.takeSlot(showID); err != nil {
		return err
	}
	slot := true
	defer func() {
		if slot {
			<-f.slots
		}
	}()
	after, at, err := f.readBounded(e)
	if err != nil {
		return err
	}
	// The slot is kept for a read again under the lock if the lock is
	// free; waiting for it, the slot goes back first, so that a show a
	// slow transaction of this process holds keeps no other show waiting.
	if !e.tryLock() {
		<-f.slots
		slot = false
		if err := e.lockCtx(f.ctx); err != nil {
			return err
		}
	}
	defer e.unlock()
	if now, n := d.streamsOf(showID); now != ss || n != sent {
		if ss = now; ss == nil {
			return nil
		}
		// Under the show's lock, which calls on the show wait for: with
		// a slot only if one is free, else the show is read again later.
		if !slot {
			select {
			case f.slots <- struct{}{}:
				slot = true
			default:
				return errReadAgain
			}
		}
		if after, at, err = f.readBounded(e); err != nil {
			return err
		}
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, u := range seatUpdates(showID, at, e.layout, ss.seen, after) {
		ss.send(u)
	}
	return nil
}

// errReadAgain is the end of a resync that could not read the show again
// under its lock, every slot being taken: the show is read again at once,
// as after a read cut off, without a warning.
var errReadAgain = errors.New("boxoffice: no slot to read the show again")

// takeSlot waits for one of the feedReaders slots, and then forgets the
// reports of the show that came while it waited: the read, which begins
// now, covers them.
func (f *changeFeed) takeSlot(showID string) error {
	select {
	case f.slots <- struct{}{}:
	case <-f.ctx.Done():
		return f.ctx.Err()
	}
	f.mu.Lock()
	delete(f.dirty, showID)
	f.mu.Unlock()
	return nil
}

// readBounded is read, cut off after feedReadTimeout on the Clock; a read
// cut off fails with errReadCutOff. The caller holds a slot.
func (f *changeFeed) readBounded(e *showEntry) ([]SeatStatus, time.Time, error) {
	ctx, cancel := withClockTimeout(f.ctx, f.bs.clock, feedReadTimeout)
	defer cancel()
	seen, at, err := f.read(ctx, e)
	if err != nil && ctx.Err() != nil && f.ctx.Err() == nil {
		err = fmt.Errorf("%w: %w", errReadCutOff, err)
	}
	return seen, at, err
}

// errReadCutOff is the failure of a read that took feedReadTimeout. The
// show is read again at once, not after a wait: the time may have passed
// in one step of a fake Clock, while the Store was answering, and a wait
// on such a Clock could last for ever. (A Store that hangs is then read
// once per feedReadTimeout.)
var errReadCutOff = errors.New("boxoffice: the read of a show for its Watch streams took too long")

// read returns the show's seat statuses in Layout order, as SeatMap
// reads them, and the Clock's time it read them at.
func (f *changeFeed) read(ctx context.Context, e *showEntry) ([]SeatStatus, time.Time, error) {
	return f.bs.viewSeatStatuses(ctx, e)
}

// viewSeatStatuses returns the show's seat statuses in Layout order, as
// SeatMap reads them, through one ViewShow, and the Clock's time it read
// them at.
func (bs *BookingSystem) viewSeatStatuses(ctx context.Context, e *showEntry) ([]SeatStatus, time.Time, error) {
	seen := make([]SeatStatus, e.layout.Len())
	var at time.Time
	err := bs.store.ViewShow(ctx, e.show.ID, func(tx ShowTx) error {
		at = storedTime(bs.clock.Now())
		seats := newSeatReader(tx, at)
		for i := range seen {
			seen[i] = seats.statusAt(i)
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("boxoffice: reading show %s for its Watch streams: %w", e.show.ID, err)
	}
	return seen, at, nil
}

// seatStatusesLocked is viewSeatStatuses for a caller that holds the
// show's lock. On the in-memory Store that lock is the show record's own,
// which ViewShow would wait for: the seats are read in place, as a
// transaction run under it reads them.
func (bs *BookingSystem) seatStatusesLocked(ctx context.Context, e *showEntry) ([]SeatStatus, time.Time, error) {
	if e.rec == nil {
		return bs.viewSeatStatuses(ctx, e)
	}
	if err := ctx.Err(); err != nil {
		return nil, time.Time{}, err
	}
	seen := make([]SeatStatus, e.layout.Len())
	seats := e.rec.seats
	if len(seats) < len(seen) {
		// A show stored with fewer seats than its hall's layout (a
		// MemoryStore filled directly): the error ViewShow gives SeatMap
		// for the first position past them, not a panic.
		return nil, time.Time{}, seatOutOfRange(e.rec, len(seats))
	}
	at := storedTime(bs.clock.Now())
	now := instantOf(at)
	for i := range seen {
		seen[i] = shownStatus(seats[i].statusAt(now))
	}
	return seen, at, nil
}

// stop stops the feed: it listens no more, and a Watch waiting for it to
// start returns ErrClosed.
func (f *changeFeed) stop() {
	if f != nil {
		f.cancel()
	}
}

// wait waits, bounded by ctx, for the feed to end once stopped.
func (f *changeFeed) wait(ctx context.Context) error {
	if f == nil {
		return nil
	}
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
		return fmt.Errorf("boxoffice: close: the Store's change listener, or a read of its feed, is still running: %w", ctx.Err())
	}
}
