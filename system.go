package boxoffice

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/boxoffice-go/boxoffice/internal/deadlines"
	"github.com/boxoffice-go/boxoffice/internal/randid"
)

// BookingSystem sells the seats of shows. Make one with [New]; it is safe for
// concurrent use by any number of goroutines, and several BookingSystems
// (in one or many processes) may share one [Store].
//
// A BookingSystem not made by New (a zero one, or a nil pointer) does not
// panic: it acts as a closed one that has nothing to read. Every method
// with an error result, [BookingSystem.Close] and the reads included, returns
// an error matching [ErrClosed] that says the BookingSystem was not made by
// New; [BookingSystem.Pricing], [BookingSystem.Clock], [BookingSystem.Config]
// and [BookingSystem.Stats] return their zero values. Close returns that
// error too, rather than nil, as (*os.File)(nil).Close returns
// [os.ErrInvalid]: closing what was never opened is a bug to surface.
type BookingSystem struct {
	store   Store
	clock   Clock
	gateway PaymentGateway
	refunds RefundPolicy
	log     *slog.Logger
	cfg     Config
	pricing atomic.Pointer[pricingHolder]

	shows showCache
	zones zoneCache // the theaters' time zones, loaded once each
	// What is kept of the theaters read (their cities and zones), by
	// theater ID and by hall ID, for the process's life: theater and
	// hallTheater.
	theaters     sync.Map // theater ID → *keptTheater
	hallTheaters sync.Map // hall ID → *keptHall: the hall's theater and seat count
	users        userLimits
	holds        *deadlines.Sharded[holdKey] // hold deadlines, for the sweeper
	confirms     inflight                    // confirms in progress, by booking
	owed         owedRetries                 // bookings to settle (money owed back, payments left paying), for the sweeper to retry
	owingCursor  BookingCursor               // where the next rescan of bookings owing money starts (rescanUnsettled); the sweeper goroutine alone uses it
	events       *dispatcher
	feed         *changeFeed // nil unless the Store reports other processes' changes
	stats        counters

	// The capabilities of a Store shared by several processes, or nil:
	// the sweeper asks them for what other processes left (see rescan).
	expired   ExpiredHoldLister
	unsettled UnsettledBookingLister
	// searcher is the Store's MovieSearcher, or nil.
	searcher MovieSearcher
	// cityMovies is the Store's CityMovieLister, or nil.
	cityMovies CityMovieLister
	// cityShows is the Store's CityShowLister, or nil.
	cityShows CityShowLister

	// mem is the Store when it is a *MemoryStore, for the in-memory fast
	// path (see showEntry.rec); nil for any other Store.
	mem *MemoryStore
	// ids makes booking IDs: crypto/rand bytes read in blocks rather than
	// one call into the kernel's generator per hold (see internal/randid).
	// A numbered ID draws from its show's block (showEntry.ids) instead,
	// and from ids only while that is being refilled.
	ids randid.Source

	calls      callGate           // calls in flight, for Close to wait on
	stop       context.CancelFunc // stops the sweeper
	sweeperRan chan struct{}      // closed when the sweeper has returned
	closeDone  chan struct{}      // closed when the first Close has returned

	// test-only: breaks holds to prove the checkers bite; set only from export_test.go
	skipSeatCheck bool
}

// pricingHolder is the current pricing strategy, with its HoldPricer
// side asserted once, when it is set: a type assertion to an interface
// per hold missed the runtime's cache until it filled, at a random
// moment (1 miss in 1,024 updates it), and cost 130 instructions a miss.
type pricingHolder struct {
	PricingStrategy
	hold HoldPricer // the strategy, if it is one
}

func newPricingHolder(p PricingStrategy) *pricingHolder {
	h := &pricingHolder{PricingStrategy: p}
	h.hold, _ = p.(HoldPricer)
	return h
}

// holdKey names a hold on the sweeper's deadline queue. It points at the
// show's entry rather than naming the show: the sweeper then needs no
// lookup by show ID, and a key of 24 bytes with a single pointer keeps
// the queue's entries small.
type holdKey struct {
	show *showEntry
	id   BookingID
}

// holdShards is the number of shards of the hold deadline queue. One queue
// would be a process-wide lock taken by every hold; spread over shards,
// concurrent holds rarely meet on one, and the sweeper's tick still costs
// one atomic load per shard when nothing is due.
const holdShards = 16

// shard spreads hold keys over the deadline queue's shards by show (the
// entry's stripe, handed out in turn), not by booking: a push writes its
// shard's lock, FIFO tail and FIFO slot, and with keys spread at random
// every core wrote every shard, so those lines moved between cores on
// about half the pushes even when the cores never met on a show (a tenth
// of a parallel hold and release's extra time on 2 cores). By show, they
// move only when the show's own lines do.
func (k holdKey) shard() uint64 { return uint64(k.show.stripe) }

// newBookingID returns a random BookingID for a booking of the show, from
// the system's block-buffered source: like NewBookingID, or, on the
// in-memory Store, numbered with the show (see MemoryStore.numbered) and
// with the key that gives it its slot in the show once the hold is stored
// (memTx.addHold); else the zero key.
//
// A numbered ID keeps ten random bytes (74 bits, the rest version,
// variant, show and slot), so only ten are drawn for it, from the show's
// own block (showEntry.ids), or from bs.ids while another hold refills it.
func (bs *BookingSystem) newBookingID(e *showEntry) (BookingID, slotKey) {
	if r := e.rec; r != nil && r.number != noShowNumber {
		return r.numberedID(e.ids.Bytes10(&bs.ids))
	}
	return BookingID(bs.ids.UUID()), slotKey{}
}

// New returns a [BookingSystem] configured by cfg; zero fields take their
// defaults (see [Config]). It starts the hold sweeper and one goroutine per
// observer; Close stops them.
func New(cfg Config) (*BookingSystem, error) {
	if err := cfg.validateGiven(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	bs := &BookingSystem{
		store:      cfg.Store,
		clock:      cfg.Clock,
		gateway:    cfg.Gateway,
		refunds:    cfg.RefundPolicy,
		log:        cfg.Logger,
		cfg:        cfg,
		holds:      deadlines.NewSharded(holdShards, holdKey.shard),
		sweeperRan: make(chan struct{}),
		closeDone:  make(chan struct{}),
	}
	bs.mem, _ = cfg.Store.(*MemoryStore)
	bs.expired, _ = StoreCapability[ExpiredHoldLister](cfg.Store)
	bs.unsettled, _ = StoreCapability[UnsettledBookingLister](cfg.Store)
	bs.searcher, _ = StoreCapability[MovieSearcher](cfg.Store)
	bs.cityMovies, _ = StoreCapability[CityMovieLister](cfg.Store)
	bs.cityShows, _ = StoreCapability[CityShowLister](cfg.Store)
	bs.pricing.Store(newPricingHolder(cfg.Pricing))
	bs.shows.init()
	bs.users.init(cfg)
	bs.confirms.calls = make(map[BookingID]*confirmCall)
	bs.owed.init(cfg)
	bs.calls.init()
	bs.events = newDispatcher(cfg, &bs.stats)
	bs.feed = newChangeFeed(bs)
	ctx, stop := context.WithCancel(context.Background())
	bs.stop = stop
	go bs.runSweeper(ctx)
	return bs, nil
}

// Close shuts the system down in order: it refuses new calls that change
// something or start work ([BookingSystem.HoldSeats],
// [BookingSystem.ExtendHold], [BookingSystem.ReleaseHold],
// [BookingSystem.ConfirmBooking], [BookingSystem.CancelBooking],
// [BookingSystem.CancelShow], [BookingSystem.CompleteShow],
// [BookingSystem.AddMovie], [BookingSystem.AddTheater],
// [BookingSystem.AddHall], [BookingSystem.ScheduleShow],
// [BookingSystem.Sweep] and [BookingSystem.Watch] return [ErrClosed]), stops
// the sweeper (and stops listening for other processes' seat changes, on a
// [Store] that reports them: Watch streams bring only this process's from
// then on, until they end), waits for the calls already in flight to return
// (a ConfirmBooking waiting on a slow gateway included), and only then ends
// the Watch streams, closes the observers' queues and waits until every
// queued event has been delivered; last it cancels the context observers are
// called with. Waiting for the calls first is what lets a booking confirmed
// during Close still send its confirmation.
//
// ctx bounds all the waiting. If it ends first, Close returns an error
// matching ctx.Err() but shuts down all the same: observers are cancelled,
// and the events still queued for them, and those that calls still in
// flight commit afterwards, are not delivered but counted in
// Stats().EventsDropped. A Close called again, or
// concurrently (a signal handler and a deferred Close, say), waits for the
// first one to finish, bounded by its own ctx, and then returns nil: the
// first one reports how the shutdown went.
//
// Reads keep working after Close: [BookingSystem.Booking],
// [BookingSystem.BookingsOfUser], [BookingSystem.Movie],
// [BookingSystem.Theater], [BookingSystem.Hall], [BookingSystem.Show],
// [BookingSystem.SeatMap], [BookingSystem.SearchMovies] and
// [BookingSystem.ShowsOfMovie] still answer from the Store (and
// [BookingSystem.Stats], [BookingSystem.Pricing] and [BookingSystem.Clock]
// from memory). Close does not close the Store: once the caller has (a
// pgstore pool, say), those reads return the Store's errors. So does a
// HoldSeats or ReleaseHold that Close catches still finding its show or
// booking (a read, before the call is counted as in flight), if the Store is
// closed by then; else it returns ErrClosed, having changed nothing.
func (bs *BookingSystem) Close(ctx context.Context) error {
	if err := bs.made(); err != nil {
		return err
	}
	if !bs.calls.close() {
		select {
		case <-bs.closeDone:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("boxoffice: close: waiting for another Close: %w", ctx.Err())
		}
	}
	defer close(bs.closeDone)
	bs.stop()
	bs.feed.stop() // before waiting for calls: a Watch may be waiting for it to listen
	var waitErr error
	select {
	case <-bs.sweeperRan:
		waitErr = bs.calls.wait(ctx)
	case <-ctx.Done(): // the sweeper is stuck in a Store call
		waitErr = fmt.Errorf("boxoffice: close: the sweeper is still running: %w", ctx.Err())
	}
	feedErr := bs.feed.wait(ctx)
	eventsErr := bs.events.close(ctx)
	return cmp.Or(waitErr, eventsErr, feedErr) // the first thing that went wrong
}

// SetPricing switches the pricing strategy for holds made from now on;
// bookings already held keep their prices. It refuses a nil strategy, or
// one [New] would refuse (see [Config.Store]), with an [*ArgumentError]
// ([ErrInvalidArgument]), and keeps the strategy in force. The strategy is
// this [BookingSystem]'s: other processes sharing its [Store] price by their
// own.
func (bs *BookingSystem) SetPricing(p PricingStrategy) error {
	if err := bs.made(); err != nil {
		return err
	}
	if p == nil {
		return invalid("pricing strategy", "is nil")
	}
	if err := validatePart("pricing strategy", p); err != nil {
		return err
	}
	bs.pricing.Store(newPricingHolder(p))
	return nil
}

// Pricing returns the current pricing strategy (nil if bs was not made by
// [New]).
func (bs *BookingSystem) Pricing() PricingStrategy {
	if bs.made() != nil {
		return nil
	}
	return bs.pricing.Load().PricingStrategy
}

// Clock returns the clock the system runs on (nil if bs was not made by [New]).
func (bs *BookingSystem) Clock() Clock {
	if bs.made() != nil {
		return nil
	}
	return bs.clock
}

// Config returns the configuration the system runs with: the one given to
// [New], with its defaults in place of zero fields (so a caller can size its
// own timeouts by PaymentAttempts and PaymentTimeout, say), and the
// pricing strategy in force (see [BookingSystem.SetPricing]). It returns the
// zero Config if bs was not made by New.
func (bs *BookingSystem) Config() Config {
	if bs.made() != nil {
		return Config{}
	}
	c := bs.cfg
	c.Observers = slices.Clone(c.Observers)
	c.Pricing = bs.Pricing()
	return c
}

// Stats are counters since [New], for metrics and load tests, and, last,
// two gauges: values now.
type Stats struct {
	Holds            uint64 // holds granted
	HoldConflicts    uint64 // holds refused because a seat was taken
	RateLimited      uint64 // hold requests refused by HoldsPerMinute or MaxLiveHoldsPerUser (not ExtendHold's cap, nor MaxSeatsPerShow)
	AdmissionLapses  uint64 // hold requests that reached their transaction a HoldTTL after MaxLiveHoldsPerUser admitted them, each time: admitted again once, then ErrAdmissionLapsed; a sign of pricing or a Store that slow
	Released         uint64 // holds released by their owner, or by CancelShow
	Expired          uint64 // holds expired (sweeper, lazily on confirm, or by CancelShow)
	Confirmed        uint64 // bookings confirmed
	PaymentFailures  uint64 // bookings whose payment failed
	Cancelled        uint64 // bookings cancelled
	EventsDropped    uint64 // events lost by an observer or Watch stream that fell behind (open streams included), or queued or committed after Close gave up waiting
	ObserverPanics   uint64 // observer calls that panicked (recovered) or ended their goroutine (runtime.Goexit)
	SweeperErrors    uint64 // sweeper transactions that failed (retried on a later tick); not those cut off by Close or by Sweep's ctx ending
	RefundRetryFails uint64 // background attempts to settle a booking (pay money owed back, a refund or a void, or finish a payment left paying) that failed or panicked in the gateway (retried later, with backoff)
	StoreConflictErr uint64 // operations that failed with ErrConflict from the Store

	WatchStreams int // Watch streams open now
	Unsettled    int // bookings this process has queued to settle now (money owed back, payments left paying), retried with backoff
}

type counters struct {
	holdConflicts, rateLimited, expired, confirmed            atomic.Uint64
	paymentFailures, cancelled, eventsDropped, observerPanics atomic.Uint64
	sweeperErrors, storeConflicts, refundRetryFails           atomic.Uint64
	admissionLapses                                           atomic.Uint64

	// hot are the counters that every hold and release bumps, striped by
	// show (showEntry.hot): one shared counter is a cache line that every
	// core writes on every operation, which costs more than the rest of
	// the bookkeeping when cores hold seats of different shows.
	hot     [hotStripes]hotCounters
	nextHot atomic.Uint32 // the stripe number of the next show entry
}

const hotStripes = 16

type hotCounters struct {
	holds, released atomic.Uint64
	_               [48]byte // a cache line each
}

// nextStripe returns the stripe number of a new show entry: show entries
// take them in turn.
func (c *counters) nextStripe() uint32 { return c.nextHot.Add(1) }

// Stats returns a snapshot of the counters (zero if bs was not made by [New]).
func (bs *BookingSystem) Stats() Stats {
	if bs.made() != nil {
		return Stats{}
	}
	c := &bs.stats
	var holds, released uint64
	for i := range c.hot {
		holds += c.hot[i].holds.Load()
		released += c.hot[i].released.Load()
	}
	return Stats{
		Holds: holds, HoldConflicts: c.holdConflicts.Load(), RateLimited: c.rateLimited.Load(),
		Released: released, Expired: c.expired.Load(), Confirmed: c.confirmed.Load(),
		PaymentFailures: c.paymentFailures.Load(), Cancelled: c.cancelled.Load(),
		EventsDropped: c.eventsDropped.Load() + bs.events.dropped(), ObserverPanics: c.observerPanics.Load(),
		SweeperErrors: c.sweeperErrors.Load(), StoreConflictErr: c.storeConflicts.Load(),
		RefundRetryFails: c.refundRetryFails.Load(), AdmissionLapses: c.admissionLapses.Load(),
		WatchStreams: int(bs.events.nWatch.Load()), Unsettled: bs.owed.pending(),
	}
}

// showEntry is what the process knows of one show: its immutable catalog
// data, the lock that serializes this process's work on it, and the
// scratch state of the running transaction.
type showEntry struct {
	// lock is the show's lock, unless rec is set. Every entry of the
	// show alive shares it (see showLock), dropped ones too.
	lock   *showLock
	show   Show
	layout *Layout
	// rec is the show's record when the Store is a MemoryStore. Its own
	// per-show lock (rec.mu) then serializes this process's work on the
	// show, and transactions run on rec directly: taking e.lock as well, and
	// finding the record by ID under the store's catalog lock, would be a
	// second lock and a second map lookup on every operation, with nothing
	// left for them to protect.
	rec *showRecord

	hot *hotCounters // the show's stripe of the counters of holds and releases
	// stripe is the entry's number in turn (counters.nextStripe): it picks
	// hot and the entry's shard of the hold deadline queue (holdKey.shard),
	// so that cores working on different shows write different lines.
	stripe uint32

	prices atomic.Pointer[typePrices] // seat prices by type, when the strategy allows

	// zone is the time zone of the show's theater (Theater.TimeZone), nil
	// if it has none, for every PriceRequest of the show: resolved when
	// the entry is made (location).
	zone atomic.Pointer[showZone]

	// tx is written by every transaction, on lines of its own: the
	// fields above are read by every call on the show before it takes
	// the lock, and ids is written by every hold, so that sharing a line
	// with either, the lock's holder found its own scratch gone to the
	// other core, inside the lock.
	_  [64]byte
	tx txScratch // guarded by the show's lock (lock, unlock)
	_  [64]byte

	// ids holds the random bytes of the show's numbered booking IDs
	// (newBookingID), 256 bytes: drawn with two atomic adds, without the
	// pool's round trip, and refilled by a hold before it takes the
	// show's lock, so that the kernel's work is never done inside it.
	ids randid.Shared
}

// txFunc is a transaction body run by update: it gets the Clock's time
// read inside the show's lock, as the Store keeps times (storedTime), and,
// when someone listens, a list to append events to.
type txFunc func(tx ShowTx, now time.Time, ev *[]Event) error

func (f txFunc) run(tx ShowTx, now time.Time, ev *[]Event) error { return f(tx, now, ev) }

// txOp is a transaction body: a txFunc, or one of the show's own
// transactions (holdOp, endHoldOp), called through the interface: a
// method value bound to them was a wrapper call more per transaction.
type txOp interface {
	run(tx ShowTx, now time.Time, ev *[]Event) error
}

// txScratch is the state of a show's running transaction, reused from one
// transaction to the next so that the hot paths (hold, release) allocate no
// closure, no event buffer and no heap copy of the booking they work on:
// each of those would be an allocation, and garbage the collector scans,
// on every operation. Guarded by the show's lock.
type txScratch struct {
	op     txOp
	ev     *[]Event // &events when someone listens, else nil
	events []Event
	run    func(tx ShowTx) error // calls op; made once, handed to the Store

	hold holdOp // HoldSeats' transaction
	end  endHoldOp
}

// showLock is a show's lock on a Store other than the in-memory one: a
// channel, so that a caller waits for it only as long as its ctx lets it
// (lockCtx). It belongs to the show, not to one entry: the sweeper drops
// an ended show's entry (forgetEnded) while calls may still hold it, wait
// for it, or have it looked up (and the hold queue keeps entries too),
// and a new entry of the show, made by the next lookup, takes the same
// lock (showShard.locks). With a lock of its own, a transaction of the
// new entry ran beside one of the old: two commits of the show at once in
// this process, published in either order, and the show's Watch
// bookkeeping (showStreams.published, seen) written by both at once.
type showLock struct{ sem chan struct{} }

// newShowEntry makes the show's entry; lock is the lock of its dropped
// entries that some call may still use, if any (nil for the in-memory
// Store, whose record's lock is the show's).
func (bs *BookingSystem) newShowEntry(show Show, layout *Layout, rec *showRecord, lock *showLock) *showEntry {
	stripe := bs.stats.nextStripe()
	e := &showEntry{show: show, layout: layout, rec: rec, hot: &bs.stats.hot[stripe%hotStripes], stripe: stripe}
	if rec == nil {
		if lock == nil {
			lock = &showLock{sem: make(chan struct{}, 1)}
		}
		e.lock = lock
	}
	s := &e.tx
	s.run = func(tx ShowTx) error {
		s.events = s.events[:0] // a Store may run a transaction again
		return s.op.run(tx, storedTime(bs.clock.Now()), s.ev)
	}
	s.hold.bs, s.hold.entry, s.hold.start, s.hold.startAt = bs, e, show.Start, instantOf(show.Start)
	s.end.bs, s.end.entry, s.end.layout, s.end.start = bs, e, layout, show.Start
	return e
}

// lockCtx takes the show's lock (the MemoryStore's own lock on the show's
// record when there is one, else the entry's), unless ctx ends first:
// then it returns ctx's error,
// and the caller has done nothing. A transaction of a Store shared by
// processes may wait on the database for as long as the Store lets it
// (pgstore: half a minute for a commit whose connection stalled), and
// every call on the show in this process waits behind it: a caller's
// deadline must bound that wait. The in-memory Store's transactions wait
// on nothing but memory, and its record's mutex stays.
func (e *showEntry) lockCtx(ctx context.Context) error {
	if e.rec != nil {
		// Yield a few times before queueing: with many goroutines on a hot
		// show, waiters queued on the mutex wait past its 1 ms starvation
		// threshold, and from then every acquisition is a handoff to a
		// parked goroutine (a wake-up and a switch, dearer across cores).
		// A running goroutine taking the lock as it frees does not; TryLock
		// fails while the mutex starves, so its fairness bound still holds.
		// Hot show, 1,000 goroutines, 2 cores: 0.46 to 0.53 of one goroutine.
		for range 4 {
			if e.rec.mu.TryLock() {
				return nil
			}
			runtime.Gosched()
		}
		e.rec.mu.Lock()
		return nil
	}
	sem := e.lock.sem
	select {
	case sem <- struct{}{}:
		return nil
	default:
	}
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tryLock is lock if the lock is free, and reports whether it was.
func (e *showEntry) tryLock() bool {
	if e.rec != nil {
		return e.rec.mu.TryLock()
	}
	select {
	case e.lock.sem <- struct{}{}:
		return true
	default:
		return false
	}
}

func (e *showEntry) unlock() {
	if e.rec != nil {
		e.rec.mu.Unlock()
	} else {
		<-e.lock.sem
	}
}

// showCache maps show IDs to entries, sharded so that lookups of different
// shows rarely meet on one lock. Shows never change once scheduled, so a
// cached entry stays valid across processes.
type showCache struct {
	seed   maphash.Seed
	shards [64]showShard
	// numbered holds, at its show number (MemoryStore.number), the entry
	// of each cached show of the in-memory Store, so that a call by
	// booking ID, whose ID carries the number, finds the entry without
	// hashing the show's ID and a map lookup under the shard's lock.
	numbered numberedEntries
}

// numberedEntries is showCache.numbered: a list by show number, written
// under mu and read without a lock. It is a cache of the shards' maps:
// an entry missing from it is looked up there.
type numberedEntries struct {
	mu   sync.Mutex
	list atomic.Pointer[[]atomic.Pointer[showEntry]]
}

// get returns the entry of show number n, or nil.
func (t *numberedEntries) get(n uint32) *showEntry {
	if p := t.list.Load(); p != nil && int64(n) < int64(len(*p)) {
		return (*p)[n].Load()
	}
	return nil
}

// set makes e the entry of its show's number, if the show has one.
func (t *numberedEntries) set(e *showEntry) {
	if e.rec == nil || e.rec.number == noShowNumber {
		return
	}
	n := int(e.rec.number)
	t.mu.Lock()
	defer t.mu.Unlock()
	var list []atomic.Pointer[showEntry]
	if p := t.list.Load(); p != nil {
		list = *p
	}
	if n >= len(list) {
		// A new list, twice as long: a reader of the old one may miss
		// the entries set from now on, and find them in the shard.
		grown := make([]atomic.Pointer[showEntry], max(2*len(list), n+1, 64))
		for i := range list {
			grown[i].Store(list[i].Load())
		}
		list = grown
		t.list.Store(&list)
	}
	list[n].Store(e)
}

// drop forgets e, unless its show has another entry by now.
func (t *numberedEntries) drop(e *showEntry) {
	if e.rec == nil || e.rec.number == noShowNumber {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.list.Load(); p != nil && int(e.rec.number) < len(*p) {
		(*p)[e.rec.number].CompareAndSwap(e, nil)
	}
}

type showShard struct {
	mu sync.RWMutex
	m  map[string]*showEntry
	// locks holds, by show, the lock of the show's dropped entries
	// (forgetEnded), as long as one of them is alive: a new entry of the
	// show takes it (see showLock). Weak, so that the lock goes once
	// nothing can use it; forgetEnded deletes those gone.
	locks map[string]weak.Pointer[showLock]
	// scheduling holds the shows that ScheduleShow is adding, each with a
	// channel closed once its ShowScheduled is published: entry makes no
	// entry for such a show until then (see ScheduleShow).
	scheduling map[string]chan struct{}
}

// startScheduling marks show id as being scheduled, after any scheduling
// of the same ID in progress has ended, and returns the function that
// ends it.
func (c *showCache) startScheduling(ctx context.Context, id string) (end func(), err error) {
	sh := c.shard(id)
	for {
		sh.mu.Lock()
		wait := sh.scheduling[id]
		if wait == nil {
			done := make(chan struct{})
			if sh.scheduling == nil {
				sh.scheduling = make(map[string]chan struct{})
			}
			sh.scheduling[id] = done
			sh.mu.Unlock()
			return func() {
				sh.mu.Lock()
				delete(sh.scheduling, id)
				sh.mu.Unlock()
				close(done)
			}, nil
		}
		sh.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// shard returns the shard that holds the entry of show id.
func (c *showCache) shard(id string) *showShard {
	return &c.shards[maphash.String(c.seed, id)%uint64(len(c.shards))]
}

func (c *showCache) init() {
	c.seed = maphash.MakeSeed()
	for i := range c.shards {
		c.shards[i].m = make(map[string]*showEntry)
	}
}

// entry returns the show's entry, loading it from the store on first use.
func (bs *BookingSystem) entry(ctx context.Context, showID string) (*showEntry, error) {
	if err := overlongID("show", showID); err != nil {
		return nil, err
	}
	sh := bs.shows.shard(showID)
	sh.mu.RLock()
	e := sh.m[showID]
	sh.mu.RUnlock()
	if e != nil {
		return e, nil
	}
	var rec *showRecord
	var show Show
	var err error
	if bs.mem != nil {
		if rec, err = bs.mem.showRecord(ctx, showID); err == nil {
			show = rec.show
		}
	} else {
		show, err = bs.store.Show(ctx, showID)
	}
	if err != nil {
		return nil, err
	}
	hall, err := bs.store.Hall(ctx, show.HallID)
	if err != nil {
		return nil, err
	}
	if hall.Layout == nil {
		return nil, errors.New("boxoffice: hall " + hall.ID + " has no layout")
	}
	theater, err := bs.keepHall(ctx, hall)
	if err != nil {
		return nil, err
	}
	zone := theater.showZone(&bs.zones)
	sh.mu.Lock()
	if e := sh.m[showID]; e != nil {
		sh.mu.Unlock()
		return e, nil
	}
	if wait := sh.scheduling[showID]; wait != nil {
		// Found while ScheduleShow is adding it: its ShowScheduled goes
		// out first. Once it has, the show is as read.
		sh.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return bs.entry(ctx, showID)
	}
	defer sh.mu.Unlock()
	var lock *showLock
	if w, ok := sh.locks[showID]; ok && rec == nil {
		lock = w.Value() // nil once no dropped entry of the show is left
		delete(sh.locks, showID)
	}
	e = bs.newShowEntry(show, hall.Layout, rec, lock)
	e.zone.Store(zone)
	sh.m[showID] = e
	bs.shows.numbered.set(e)
	return e, nil
}

// keptTheater is what a BookingSystem keeps of a theater, read from the
// Store once for the life of the process (a theater never changes once
// added): its city and its time zone, for the listings (ShowInfo.Location,
// ShowPage.City), ShowScheduled and the shows' entries. Immutable.
type keptTheater struct {
	id       string
	city     string
	zoneName string         // Theater.TimeZone; "" for none
	loc      *time.Location // the zone; nil without one, or if it did not load when the theater was read
}

// location returns the theater's zone: nil if it has none, or if it did
// not load when the theater was read and this process has not loaded it
// since (a pricing call of one of the theater's shows loads it again, see
// showEntry.location). It never loads a zone itself: a listing or an
// event is no reason to read the zone's file again, nor to fail.
func (t *keptTheater) location(zones *zoneCache) *time.Location {
	switch {
	case t == nil:
		return nil
	case t.loc != nil || t.zoneName == "":
		return t.loc
	}
	return zones.loaded(t.zoneName)
}

// showZone is the zone of the theater for a show's entry (pricing and
// events): nil without one; a zone that did not load when the theater
// was read is loaded again, as pricing does (showEntry.location).
func (t *keptTheater) showZone(zones *zoneCache) *showZone {
	switch {
	case t == nil || t.zoneName == "":
		return nil
	case t.loc != nil:
		return &showZone{loc: t.loc}
	}
	return zones.showZone(Theater{ID: t.id, TimeZone: t.zoneName})
}

// theater returns what the BookingSystem keeps of the theater, read from
// the Store the first time: nil if the Store does not have it (a hall
// written to a Store directly; not kept, as it may be added yet), and
// err the Store's error reading it (nothing kept: the next call reads it
// again). A zone that does not load is kept as such: the theater is not
// read again for it.
func (bs *BookingSystem) theater(ctx context.Context, theaterID string) (*keptTheater, error) {
	if v, ok := bs.theaters.Load(theaterID); ok {
		return v.(*keptTheater), nil
	}
	if theaterID == "" {
		return nil, nil
	}
	t, err := bs.store.Theater(ctx, theaterID)
	switch {
	case isNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return bs.keepTheater(theaterID, t), nil
}

// keepTheater keeps theater t, read from the Store or just added, by ID,
// and returns what is kept.
func (bs *BookingSystem) keepTheater(theaterID string, t Theater) *keptTheater {
	k := &keptTheater{id: theaterID, city: t.City, zoneName: t.TimeZone}
	if t.TimeZone != "" {
		k.loc, _ = bs.zones.load(t.TimeZone) // nil if it does not load here
	}
	v, _ := bs.theaters.LoadOrStore(theaterID, k)
	return v.(*keptTheater)
}

// keptHall is what a BookingSystem keeps of a hall: its theater and its
// layout's seat count (layoutSeats), which ShowsOfMovie counts a show's
// seats by, as SeatMap does. Immutable.
type keptHall struct {
	theater *keptTheater
	seats   int
}

// layoutSeats is the seat count of the hall's layout; -1 if it has none
// (a Store's bad data: a show of it has no seat map), and then a listing
// counts the show's stored seats.
func layoutSeats(h Hall) int {
	if h.Layout == nil {
		return -1
	}
	return h.Layout.Len()
}

// hallTheater returns what the BookingSystem keeps of the theater of the
// hall (Hall.TheaterID): a show is in the theater of its hall, whatever
// Show.TheaterID a Store returns (see CityShowLister); and the seat count
// of the hall's layout (layoutSeats). The hall is read from the Store the
// first time, unless the BookingSystem has read it already (AddHall,
// ScheduleShow, a show's entry); nil if the Store has not the hall or its
// theater (not kept; seats -1 without the hall), err the Store's error.
func (bs *BookingSystem) hallTheater(ctx context.Context, hallID string) (t *keptTheater, seats int, err error) {
	if v, ok := bs.hallTheaters.Load(hallID); ok {
		k := v.(*keptHall)
		return k.theater, k.seats, nil
	}
	h, err := bs.store.Hall(ctx, hallID)
	switch {
	case isNotFound(err):
		return nil, -1, nil
	case err != nil:
		return nil, -1, err
	}
	t, err = bs.keepHall(ctx, h)
	return t, layoutSeats(h), err
}

// keepHall returns what is kept of the theater of hall h, read from the
// Store, and keeps it by the hall's ID (a hall never changes once added).
func (bs *BookingSystem) keepHall(ctx context.Context, h Hall) (*keptTheater, error) {
	t, err := bs.theater(ctx, h.TheaterID)
	if err != nil || t == nil {
		return nil, err
	}
	bs.hallTheaters.Store(h.ID, &keptHall{theater: t, seats: layoutSeats(h)})
	return t, nil
}

// eventZone returns the time zone of the show's theater for its events
// (EventMeta.Location): as the entry has it, loaded when it was made or
// since by a pricing call that loaded it again; nil if the theater has
// none or its zone has not loaded in this process. It never loads a zone
// itself: an event is no reason to read the zone's file again.
func (e *showEntry) eventZone() *time.Location {
	z := e.zone.Load()
	switch {
	case z == nil:
		return nil
	case z.err != nil:
		// Loaded since, perhaps, for another show of the theater: the
		// zone the theater's listings give (keptTheater.location).
		return z.zones.loaded(z.theater.TimeZone)
	}
	return z.loc
}

// endedShowRetention is how long after a show's end its entry stays
// cached. Afterwards the sweeper drops it, so that a process that runs for
// months does not keep every show it ever served (with, on most Stores,
// a Layout of its own); a later call on the show loads it again. Dropping
// is safe at any time: an entry is a cache of what the Store has (a
// show's catalog data never changes; whether it is cancelled is read in
// each transaction), and a new entry of the show shares the show's lock
// with any dropped one still in use (showLock), so this process still
// runs one transaction of the show at a time.
const endedShowRetention = 24 * time.Hour

// forgetEnded drops the entries of shows that ended before the given time.
func (c *showCache) forgetEnded(before time.Time) {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		for id, e := range sh.m {
			end := e.show.End
			if end.IsZero() { // a Store that keeps no end
				end = e.show.Start
			}
			if end.Before(before) {
				delete(sh.m, id)
				c.numbered.drop(e)
				if e.lock != nil {
					if sh.locks == nil {
						sh.locks = make(map[string]weak.Pointer[showLock])
					}
					sh.locks[id] = weak.Make(e.lock)
				}
			}
		}
		for id, w := range sh.locks {
			if w.Value() == nil { // no entry of the show is left to use it
				delete(sh.locks, id)
			}
		}
		sh.mu.Unlock()
	}
}

// update runs fn in the show's Store transaction while holding the show's
// lock, then publishes the events fn collected, still in commit order. fn
// gets the Clock's time read inside the lock, and a nil event list when
// nobody listens, so that no event is built for nobody.
func (bs *BookingSystem) update(ctx context.Context, e *showEntry, fn txFunc) error {
	if err := e.lockCtx(ctx); err != nil {
		return err
	}
	defer e.unlock()
	return bs.updateLocked(ctx, e, fn)
}

// updateLocked is update for a caller that holds the show's lock.
func (bs *BookingSystem) updateLocked(ctx context.Context, e *showEntry, op txOp) error {
	s := &e.tx
	s.op, s.ev = op, nil
	if bs.events.listening(e.show.ID) {
		s.ev = &s.events
	}
	var err error
	if e.rec != nil {
		// What MemoryStore.UpdateShow does, minus finding and locking the
		// record: both are done.
		if err = ctx.Err(); err == nil {
			err = bs.mem.runTx(e.rec, s.run)
		}
	} else {
		err = bs.store.UpdateShow(ctx, e.show.ID, s.run)
	}
	s.op = nil
	switch {
	case err == nil:
		if len(s.events) > 0 { // a call less when nobody listens
			bs.events.publish(e.show.ID, s.events)
		}
	case errors.Is(err, ErrConflict):
		bs.stats.storeConflicts.Add(1)
	}
	clear(s.events) // the events belong to the observers now
	s.events = s.events[:0]
	return err
}
