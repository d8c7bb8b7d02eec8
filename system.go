package boxoffice

import (
	"context"
	"errors"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boxoffice-go/boxoffice/internal/deadlines"
)

// BookingSystem sells the seats of shows. Make one with New; it is safe for
// concurrent use by any number of goroutines, and several BookingSystems
// (in one or many processes) may share one Store.
type BookingSystem struct {
	store   Store
	clock   Clock
	gateway PaymentGateway
	refunds RefundPolicy
	log     *slog.Logger
	cfg     Config
	pricing atomic.Pointer[pricingHolder]

	shows    showCache
	users    userLimits
	holds    *deadlines.Queue[holdKey] // hold deadlines, for the sweeper
	confirms inflight                  // confirms in progress, by booking
	events   *dispatcher
	stats    counters

	closed     atomic.Bool
	stop       context.CancelFunc // stops the sweeper
	sweeperRan chan struct{}      // closed when the sweeper has returned
}

type pricingHolder struct{ PricingStrategy }

type holdKey struct {
	showID string
	id     BookingID
}

// New returns a BookingSystem configured by cfg; zero fields take their
// defaults (see Config). It starts the hold sweeper and one goroutine per
// observer; Close stops them.
func New(cfg Config) (*BookingSystem, error) {
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
		holds:      deadlines.New[holdKey](),
		sweeperRan: make(chan struct{}),
	}
	bs.pricing.Store(&pricingHolder{cfg.Pricing})
	bs.shows.init()
	bs.users.init(cfg)
	bs.confirms.calls = make(map[BookingID]*confirmCall)
	bs.events = newDispatcher(cfg, &bs.stats)
	ctx, stop := context.WithCancel(context.Background())
	bs.stop = stop
	go bs.runSweeper(ctx)
	return bs, nil
}

// Close stops the sweeper, stops accepting new work (calls return
// ErrClosed), and waits until every queued event has been delivered to the
// observers or ctx is done; then it cancels the context observers are
// called with. It returns ctx.Err() if delivery did not finish. Calling
// Close again does nothing.
func (bs *BookingSystem) Close(ctx context.Context) error {
	if !bs.closed.CompareAndSwap(false, true) {
		return nil
	}
	bs.stop()
	<-bs.sweeperRan
	return bs.events.close(ctx)
}

func (bs *BookingSystem) checkOpen() error {
	if bs.closed.Load() {
		return ErrClosed
	}
	return nil
}

// SetPricing switches the pricing strategy for holds made from now on;
// bookings already held keep their prices. A nil strategy is ignored.
func (bs *BookingSystem) SetPricing(p PricingStrategy) {
	if p != nil {
		bs.pricing.Store(&pricingHolder{p})
	}
}

// Pricing returns the current pricing strategy.
func (bs *BookingSystem) Pricing() PricingStrategy { return bs.pricing.Load().PricingStrategy }

// Clock returns the clock the system runs on.
func (bs *BookingSystem) Clock() Clock { return bs.clock }

// Stats are counters since New, for metrics and load tests.
type Stats struct {
	Holds            uint64 // holds granted
	HoldConflicts    uint64 // holds refused because a seat was taken
	RateLimited      uint64 // holds refused by a per-user limit
	Released         uint64 // holds released by their owner
	Expired          uint64 // holds expired (sweeper or lazily on confirm)
	Confirmed        uint64 // bookings confirmed
	PaymentFailures  uint64 // bookings whose payment failed
	Cancelled        uint64 // bookings cancelled
	EventsDropped    uint64 // events dropped because an observer or watcher fell behind
	ObserverPanics   uint64 // observer calls that panicked (recovered)
	SweeperErrors    uint64 // sweeper transactions that failed (retried on a later tick)
	StoreConflictErr uint64 // operations that failed with ErrConflict from the Store
}

type counters struct {
	holds, holdConflicts, rateLimited, released, expired, confirmed atomic.Uint64
	paymentFailures, cancelled, eventsDropped, observerPanics       atomic.Uint64
	sweeperErrors, storeConflicts                                   atomic.Uint64
}

// Stats returns a snapshot of the counters.
func (bs *BookingSystem) Stats() Stats {
	c := &bs.stats
	return Stats{
		Holds: c.holds.Load(), HoldConflicts: c.holdConflicts.Load(), RateLimited: c.rateLimited.Load(),
		Released: c.released.Load(), Expired: c.expired.Load(), Confirmed: c.confirmed.Load(),
		PaymentFailures: c.paymentFailures.Load(), Cancelled: c.cancelled.Load(),
		EventsDropped: c.eventsDropped.Load() + bs.events.dropped(), ObserverPanics: c.observerPanics.Load(),
		SweeperErrors: c.sweeperErrors.Load(), StoreConflictErr: c.storeConflicts.Load(),
	}
}

// showEntry is what the process knows of one show: its immutable catalog
// data and the mutex that serializes this process's work on it.
type showEntry struct {
	mu     sync.Mutex
	show   Show
	layout *Layout
}

// showCache maps show IDs to entries, sharded so that lookups of different
// shows rarely meet on one lock. Shows never change once scheduled, so a
// cached entry stays valid across processes.
type showCache struct {
	seed   maphash.Seed
	shards [64]struct {
		mu sync.RWMutex
		m  map[string]*showEntry
	}
}

func (c *showCache) init() {
	c.seed = maphash.MakeSeed()
	for i := range c.shards {
		c.shards[i].m = make(map[string]*showEntry)
	}
}

// entry returns the show's entry, loading it from the store on first use.
func (bs *BookingSystem) entry(ctx context.Context, showID string) (*showEntry, error) {
	sh := &bs.shows.shards[maphash.String(bs.shows.seed, showID)%uint64(len(bs.shows.shards))]
	sh.mu.RLock()
	e := sh.m[showID]
	sh.mu.RUnlock()
	if e != nil {
		return e, nil
	}
	show, err := bs.store.Show(ctx, showID)
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
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e := sh.m[showID]; e != nil {
		return e, nil
	}
	e = &showEntry{show: show, layout: hall.Layout}
	sh.m[showID] = e
	return e, nil
}

// update runs fn in the show's Store transaction while holding the show's
// process-local mutex, then publishes the events fn collected, still in
// commit order. fn gets the Clock's time read inside the lock, and a nil
// event list when nobody listens, so that no event is built for nobody.
func (bs *BookingSystem) update(ctx context.Context, e *showEntry, fn func(tx ShowTx, now time.Time, ev *[]Event) error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var events []Event
	var ev *[]Event
	if bs.events.listening(e.show.ID) {
		ev = &events
	}
	err := bs.store.UpdateShow(ctx, e.show.ID, func(tx ShowTx) error {
		events = events[:0]
		return fn(tx, bs.clock.Now(), ev)
	})
	if err != nil {
		if errors.Is(err, ErrConflict) {
			bs.stats.storeConflicts.Add(1)
		}
		return err
	}
	bs.events.publish(e.show.ID, events)
	return nil
}
