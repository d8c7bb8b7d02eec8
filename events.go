package boxoffice

import (
	"context"
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boxoffice-go/boxoffice/internal/mailbox"
)

// dispatcher delivers committed events: to every observer through its own
// mailbox and goroutine, and to the Watch streams of the event's show.
// publish is called under the show's lock, so each mailbox receives a
// show's events in commit order; it never blocks.
type dispatcher struct {
	observers []*observerRunner
	ctx       context.Context // given to observers; cancelled by close
	cancel    context.CancelFunc
	buffer    int
	stats     *counters

	mu       sync.RWMutex
	watchers map[string]*showStreams // the open Watch streams, by show
	nWatch   atomic.Int64
	closed   bool
	// watchDropped is what the ended Watch streams dropped: a stream's
	// count moves here, under mu, as it leaves watchers, so that dropped
	// never misses it nor counts it twice.
	watchDropped uint64
}

type observerRunner struct {
	obs Observer
	box *mailbox.Mailbox[Event]
}

func newDispatcher(cfg Config, stats *counters) *dispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	d := &dispatcher{ctx: ctx, cancel: cancel, buffer: cfg.EventBuffer, stats: stats,
		watchers: make(map[string]*showStreams)}
	for _, o := range cfg.Observers {
		r := &observerRunner{obs: o, box: mailbox.New[Event](cfg.EventBuffer)}
		d.observers = append(d.observers, r)
		go r.box.Run(ctx, func(e Event) { d.deliver(cfg, r.obs, e) })
	}
	return d
}

// deliver calls one observer, containing its panic. An observer that
// ends its goroutine (runtime.Goexit, as t.FailNow does) is counted and
// logged as one that panicked; its mailbox goes on on a new goroutine.
func (d *dispatcher) deliver(cfg Config, o Observer, e Event) {
	returned := false
	defer func() {
		p := recover()
		if p == nil && !returned {
			p = "runtime.Goexit"
		}
		if p != nil {
			d.stats.observerPanics.Add(1)
			m := e.Meta()
			cfg.Logger.Error("boxoffice: observer panicked", "observer", fmt.Sprintf("%T", o),
				"event", fmt.Sprintf("%T", e), "show", m.ShowID, "booking", m.BookingID, "panic", p,
				"stack", string(debug.Stack()))
		}
	}()
	o.Notify(d.ctx, e)
	returned = true
}

// listening reports whether anyone would receive an event of the show.
// It is inlined, and the lock taken only when some show is watched: a
// call on every transaction, most often to learn that nobody listens.
func (d *dispatcher) listening(showID string) bool {
	return len(d.observers) > 0 || d.nWatch.Load() != 0 && d.watched(showID)
}

func (d *dispatcher) publish(showID string, events []Event) {
	if len(events) == 0 {
		return
	}
	for _, r := range d.observers {
		for _, e := range events {
			if _, ok := e.(*seatsFreed); ok {
				continue // for the Watch streams alone
			}
			if !r.box.Put(e) {
				// Close gave up waiting for the call that committed e and
				// closed the mailbox: the event is lost, say so.
				d.stats.eventsDropped.Add(1)
			}
		}
	}
	if d.nWatch.Load() == 0 {
		return
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	ss := d.watchers[showID]
	if ss == nil {
		return
	}
	for _, e := range events {
		if u, ok := seatUpdateOf(e); ok {
			ss.send(u)
			ss.published++
		}
	}
}

// showStreams are the open Watch streams of one show.
type showStreams struct {
	streams map[*watcher]struct{}
	// seen is, on a Store that reports other processes' changes (see
	// changeFeed), each seat's status as last sent to the streams, in
	// Layout order; nil on other Stores. Guarded by the show's lock.
	seen   []SeatStatus
	layout *Layout
	// published counts the updates of this process's commits, so that
	// the feed can tell whether the show changed while it read it.
	// Guarded by the show's lock.
	published uint64
}

// send puts u on every stream, and notes it as seen. Called under the
// show's lock and d.mu.
func (ss *showStreams) send(u SeatUpdate) {
	for w := range ss.streams {
		w.box.Put(u) // false once the stream ended: its reader left, nothing is owed
	}
	if ss.seen != nil {
		for _, id := range u.Seats {
			if i, ok := ss.layout.Index(id); ok {
				ss.seen[i] = u.Status
			}
		}
	}
}

// dropped sums the events dropped by full mailboxes: the observers', the
// Watch streams' (counted as a stream falls behind, before its goroutine
// has ended it) and those of the streams that ended; and the events still
// queued for an observer when Close gave up waiting for it. A Watch stream's
// reader that leaves is owed nothing, so what its stream held then is
// not counted.
func (d *dispatcher) dropped() uint64 {
	var n uint64
	for _, r := range d.observers {
		n += r.box.Dropped() + r.box.Undelivered()
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, ss := range d.watchers {
		for w := range ss.streams {
			n += w.box.Dropped()
		}
	}
	return n + d.watchDropped
}

// close stops accepting events and waits for observers to drain them.
func (d *dispatcher) close(ctx context.Context) error {
	d.mu.Lock()
	d.closed = true
	for _, ss := range d.watchers {
		for w := range ss.streams {
			w.box.Close()
		}
	}
	d.mu.Unlock()
	for _, r := range d.observers {
		r.box.Close()
	}
	defer d.cancel()
	for _, r := range d.observers {
		select {
		case <-r.box.Done():
		case <-ctx.Done():
			// Counted now, not once the observers return: one stuck in
			// a call that ignores its ctx may never.
			for _, r := range d.observers {
				r.box.Discard()
			}
			return fmt.Errorf("boxoffice: close: observers still busy: %w", ctx.Err())
		}
	}
	return nil
}

// seatUpdateOf turns a seat-changing event into a seat map update.
func seatUpdateOf(e Event) (SeatUpdate, bool) {
	m := e.Meta()
	u := SeatUpdate{ShowID: m.ShowID, At: m.At}
	switch e := e.(type) {
	case *SeatsHeld:
		u.Seats, u.Status = e.Seats, SeatHeld
	case *HoldReleased:
		u.Seats, u.Status = e.freed.of(e.Seats), SeatAvailable
	case *HoldExpired:
		u.Seats, u.Status = e.freed.of(e.Seats), SeatAvailable
	case *PaymentFailed:
		u.Seats, u.Status = e.freed.of(e.Seats), SeatAvailable
	case *BookingCancelled:
		u.Seats, u.Status = e.freed.of(e.Seats), SeatAvailable
	case *seatsFreed:
		u.Seats, u.Status = e.seats, SeatAvailable
	case *BookingConfirmed:
		u.Seats, u.Status = e.Seats, SeatBooked
	default:
		return SeatUpdate{}, false
	}
	return u, len(u.Seats) > 0
}

type watcher struct {
	box *mailbox.Mailbox[SeatUpdate]
}

// Watch streams a show's seat map, then its seat changes as they are
// committed, until ctx is done or the [BookingSystem] closes; then the
// channel is closed, and updates queued but not yet received are dropped,
// not delivered (a reader that must hear of every change, an audit say,
// uses an [Observer] instead). (An HTTP handler relaying a stream thus runs
// until then: http.Server.Shutdown, which waits for handlers, needs them
// ended first, with a func given to RegisterOnShutdown, say.) The stream
// begins with the whole seat map: up to three updates, one per status some
// seat has (available, held, booked, in that order), each with its seats
// in [Layout] order, every seat in one of them, with its status as
// [BookingSystem.SeatMap] shows it (a lapsed hold shows as available; a
// cancelled show has every seat available). Every change committed after that
// map comes after it, once (the end of a lapsed hold too, which the map
// showed available already): a reader that applies every update in order has
// the seat map, with no SeatMap call. The map's updates have
// [SeatUpdate.Initial] set, and no other update has, so a reader tells the
// map from the changes (to draw the map whole, to show only the changes as
// changes) by the flag. The map names every seat of the hall once: a reader
// that must know it has the whole map before a change comes (on a quiet show,
// none may come for long) counts the seats of the Initial updates to the
// hall's [Layout.Len] (of [SeatMap.Layout], or [Hall.Layout]). Watch returns
// once any transaction of the show running as it is called has committed (it
// waits for it, like any call on the show, as long as ctx lets it), and the
// map shows it.
//
// Each stream has its own buffer of [Config.EventBuffer] updates, besides
// the map it begins with and the updates the stream's goroutine has taken
// from the buffer to hand over (up to 64 at a time): a reader may fall
// that many more behind. A reader that falls further behind is never left
// with a gap it cannot see: its stream ends (the channel is closed,
// after the updates queued before the gap, and the first it could not
// hold is counted in Stats().EventsDropped). A reader whose channel closes
// while its ctx is live opens a new stream, which begins with the seat
// map again; Watch then returns [ErrClosed] if the BookingSystem closed.
// An unknown show is [ErrNotFound].
//
// On a [Store] shared by several processes that reports their changes (a
// [ShowChangeListener], such as pgstore's), the stream also brings the
// changes other processes commit, a little later than they commit. If the
// show already has open streams in this process, a new one begins with
// the map they were last sent, and the changes of other processes not yet
// brought to them follow. Those, like every change the feed brings —
// after a lost connection to the Store too, when the feed reads every
// watched show again — are sent as changes, Initial unset: only the seats
// whose status differs from what the streams were last sent, never the
// map again. So they come merged, unlike this process's own: a seat that
// another process held and sold between two reads comes as booked only,
// with no held before it. A reader that applies every update in order
// then ends with the Store's seat map whenever the show is quiet. On
// other Stores, changes made by other processes sharing the Store are not
// seen, though the map a stream begins with, read from the Store, has
// those made before it opened.
func (bs *BookingSystem) Watch(ctx context.Context, showID string) (<-chan SeatUpdate, error) {
	gs, err := bs.enter()
	if err != nil {
		return nil, err
	}
	defer bs.leave(gs)
	e, err := bs.entry(ctx, showID)
	if err != nil {
		return nil, err
	}
	if err := bs.feed.listen(ctx); err != nil {
		return nil, err
	}
	d := bs.events
	// Room for the map it begins with (up to three updates), besides the
	// buffer: a reader that falls further behind has the stream end.
	w := &watcher{box: mailbox.NewClosingWhenFull[SeatUpdate](d.buffer + 3)}
	// Under the show's lock: a transaction decides before it runs whether
	// anyone listens (updateLocked), so one running now, which saw no
	// stream, commits before the stream exists and a SeatMap read after
	// Watch returns sees it; every later one sees the stream.
	if err := e.lockCtx(ctx); err != nil {
		return nil, err
	}
	defer e.unlock()
	// The stream begins with the whole seat map, as of now: no commit of
	// this process runs until the stream is registered below, and every
	// later one is sent to it. On a Store that reports other processes'
	// changes, the map their streams were last sent, if the show has
	// streams: the feed brings them the rest.
	var seen, snapshot []SeatStatus
	at := storedTime(bs.clock.Now())
	if bs.feed != nil {
		seen = d.seen(showID)
	}
	if snapshot = seen; snapshot == nil {
		if snapshot, at, err = bs.seatStatusesLocked(ctx, e); err != nil {
			return nil, err
		}
		if bs.feed != nil {
			seen = snapshot
		}
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, ErrClosed
	}
	ss := d.watchers[showID]
	first := ss == nil
	if first {
		ss = &showStreams{streams: make(map[*watcher]struct{}), seen: seen, layout: e.layout}
		d.watchers[showID] = ss
	}
	ss.streams[w] = struct{}{}
	d.nWatch.Add(1)
	d.mu.Unlock()
	if first && bs.feed != nil {
		// A report of a commit made after the read above, but that came
		// before the show had streams, was dropped: read it once more.
		bs.feed.changed(showID)
	}
	for _, u := range seatUpdates(showID, at, e.layout, nil, snapshot) {
		u.Initial = true
		w.box.Put(u)
	}

	out := make(chan SeatUpdate)
	runCtx, cancel := context.WithCancel(ctx)
	stopOnClose := context.AfterFunc(d.ctx, cancel)
	context.AfterFunc(runCtx, w.box.Close)
	go func() {
		defer close(out)
		defer cancel()
		defer stopOnClose()
		w.box.Run(runCtx, func(u SeatUpdate) {
			// Seats of its own: every stream of the show gets the same
			// update, and its Seats is the event's, which observers read.
			u.Seats = slices.Clone(u.Seats)
			select {
			case out <- u:
			case <-runCtx.Done():
			}
		})
		d.mu.Lock()
		delete(ss.streams, w)
		if len(ss.streams) == 0 && d.watchers[showID] == ss {
			delete(d.watchers, showID)
		}
		d.nWatch.Add(-1)
		d.watchDropped += w.box.Dropped() // no Put reaches w any more
		d.mu.Unlock()
	}()
	return out, nil
}

// watched reports whether the show has an open Watch stream.
func (d *dispatcher) watched(showID string) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.watchers[showID] != nil
}

// watchedShows returns the shows that have an open Watch stream.
func (d *dispatcher) watchedShows() []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return slices.Collect(maps.Keys(d.watchers))
}

// seen returns the seat statuses the show's streams were last sent, or
// nil if it has none. The caller holds the show's lock.
func (d *dispatcher) seen(showID string) []SeatStatus {
	ss, _ := d.streamsOf(showID)
	if ss == nil {
		return nil
	}
	return ss.seen
}

// streamsOf returns the show's streams, nil if it has none, and how many
// updates of this process's commits they were sent. The caller holds the
// show's lock.
func (d *dispatcher) streamsOf(showID string) (*showStreams, uint64) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	ss := d.watchers[showID]
	if ss == nil {
		return nil, 0
	}
	return ss, ss.published
}

// seatUpdates returns the updates that take a seat map from the statuses
// before to those after, both in Layout order: one per status that some
// seat moved to, its seats in Layout order. A nil before stands for a map
// nobody has seen, so every seat is sent.
func seatUpdates(showID string, at time.Time, layout *Layout, before, after []SeatStatus) []SeatUpdate {
	var bySt [SeatBooked + 1][]string
	for i, st := range after {
		if before == nil || before[i] != st {
			bySt[st] = append(bySt[st], layout.Seat(i).ID)
		}
	}
	var us []SeatUpdate
	for st, seats := range bySt {
		if len(seats) > 0 {
			us = append(us, SeatUpdate{ShowID: showID, At: at, Seats: seats, Status: SeatStatus(st)})
		}
	}
	return us
}
