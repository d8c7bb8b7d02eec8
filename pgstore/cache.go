package pgstore

import (
	"hash/maphash"
	"slices"
	"sync"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// showCache remembers, per show, its state as of one version of its
// show_seats row: the inventory, whether the show is cancelled, and the
// bookings of the show known to be
// as they were at that version. Every transaction that changes a show's
// seats or bookings bumps the version, and a booking never moves to
// another show, so the cached state is exact while the show is still at
// that version.
//
// It is filled by what the Store reads (the locked or snapshot read of a
// show transaction; Store.Booking, which reads a booking with its show's
// version) and writes: a commit moves the show from version v to v+1 with
// exactly the bookings it put changed, so the entry moves to v+1 keeping
// every other booking. Within one process, where the BookingSystem runs one
// transaction per show at a time, the entry therefore follows the show
// from commit to commit, and an optimistic transaction can run entirely on
// it.
type showCache struct {
	seed   maphash.Seed
	shards [cacheShards]showShard
}

const (
	cacheShards       = 64
	showCacheCapacity = 64   // shows per shard: 4096 in all
	bookingsPerShow   = 1024 // cached bookings per show, at most
)

type showShard struct {
	mu sync.Mutex
	m  map[string]*cachedShow
}

// cachedShow is a show's state at version. seats and the bookings' Seats
// are never modified once cached; bookings is guarded by the shard's mutex.
type cachedShow struct {
	show      boxoffice.Show
	version   int64
	seats     []byte
	cancelled bool // meaningful with seats
	bookings  map[boxoffice.BookingID]boxoffice.Booking
	// open holds, for some users, every open booking (held, paying,
	// confirmed) of the user at version, as the seat cap counts them
	// (see openOf). Guarded by the shard's mutex; the lists are never
	// handed out.
	open map[string][]openRef
}

// openRef is an open booking of a user, as Config.MaxSeatsPerShow counts
// it: held (until heldUntil), paying or confirmed, with seats seats.
type openRef struct {
	id        boxoffice.BookingID
	status    boxoffice.BookingStatus
	heldUntil time.Time
	seats     int
}

// openRefOf is b as the seat cap counts it, and whether it is open.
func openRefOf(b *boxoffice.Booking) (openRef, bool) {
	switch b.Status {
	case boxoffice.StatusHeld, boxoffice.StatusPaying, boxoffice.StatusConfirmed:
		return openRef{id: b.ID, status: b.Status, heldUntil: b.HeldUntil, seats: len(b.Seats)}, true
	}
	return openRef{}, false
}

func newShowCache() *showCache { return &showCache{seed: maphash.MakeSeed()} }

func (c *showCache) shard(showID string) *showShard {
	return &c.shards[maphash.String(c.seed, showID)%cacheShards]
}

// state returns the cached show, its version, inventory and cancelled
// state.
func (c *showCache) state(showID string) (show boxoffice.Show, version int64, seats []byte, cancelled, ok bool) {
	sh := c.shard(showID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.m[showID]
	if e == nil || e.seats == nil {
		return show, 0, nil, false, false
	}
	return e.show, e.version, e.seats, e.cancelled, true
}

// booking returns a booking as it was at version of its show, if known.
func (c *showCache) booking(showID string, version int64, id boxoffice.BookingID) (boxoffice.Booking, bool) {
	sh := c.shard(showID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.m[showID]
	if e == nil || e.version != version {
		return boxoffice.Booking{}, false
	}
	b, ok := e.bookings[id]
	return b, ok
}

// entry returns the show's entry at version, made empty if the cached one
// is older (or missing); nil if a newer one is cached. The caller holds
// sh.mu.
func (sh *showShard) entry(show boxoffice.Show, version int64) *cachedShow {
	if sh.m == nil {
		sh.m = make(map[string]*cachedShow, showCacheCapacity)
	}
	e := sh.m[show.ID]
	switch {
	case e != nil && e.version == version:
		return e
	case e != nil && e.version > version:
		return nil
	case e == nil && len(sh.m) >= showCacheCapacity:
		for k := range sh.m { // make room: any show will do
			delete(sh.m, k)
			break
		}
	}
	e = &cachedShow{show: show, version: version, bookings: make(map[boxoffice.BookingID]boxoffice.Booking)}
	sh.m[show.ID] = e
	return e
}

// read records the show's inventory and cancelled state as read at
// version.
func (c *showCache) read(show boxoffice.Show, version int64, seats []byte, cancelled bool) {
	sh := c.shard(show.ID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e := sh.entry(show, version); e != nil && e.seats == nil {
		e.seats, e.cancelled = seats, cancelled
	}
}

// addBooking records a booking as read at version of its show, if the
// cache holds the show at that version.
func (c *showCache) addBooking(b boxoffice.Booking, version int64) {
	sh := c.shard(b.ShowID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e := sh.m[b.ShowID]; e != nil && e.version == version {
		e.add(b)
	}
}

// committed moves the show from version to version+1: its new inventory
// and cancelled state, and the bookings the commit put. Bookings cached at
// version stay valid: the commit changed only those it put.
func (c *showCache) committed(show boxoffice.Show, version int64, seats []byte, cancelled bool, puts []boxoffice.Booking) {
	sh := c.shard(show.ID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.m[show.ID]
	if e == nil || e.version != version {
		if e = sh.entry(show, version+1); e == nil {
			return
		}
	}
	e.version, e.seats, e.cancelled = version+1, seats, cancelled
	for _, b := range puts {
		e.add(b)
		// A booking never changes user: only its user's list changes.
		if l, ok := e.open[b.UserID]; ok {
			l = slices.DeleteFunc(l, func(r openRef) bool { return r.id == b.ID })
			if r, open := openRefOf(&b); open {
				l = append(l, r)
			}
			e.open[b.UserID] = l
		}
	}
}

// openOf returns the open bookings of user in the show at version: every
// one if the cache has the user's list, else those of the user among the
// cached bookings, which may miss some. Either way a guess, which an
// optimistic commit checks (seatClaim); nil if the show is not cached at
// version.
func (c *showCache) openOf(showID string, version int64, userID string) []openRef {
	sh := c.shard(showID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.m[showID]
	if e == nil || e.version != version {
		return nil
	}
	if l, ok := e.open[userID]; ok {
		return slices.Clone(l)
	}
	var l []openRef
	for _, b := range e.bookings {
		if r, open := openRefOf(&b); open && b.UserID == userID {
			l = append(l, r)
		}
	}
	return l
}

// setOpen records every open booking of user in the show, as read at
// version, if the cache holds the show at that version.
func (c *showCache) setOpen(showID string, version int64, userID string, l []openRef) {
	sh := c.shard(showID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.m[showID]
	if e == nil || e.version != version {
		return
	}
	if _, ok := e.open[userID]; !ok && len(e.open) >= bookingsPerShow {
		clear(e.open)
	}
	if e.open == nil {
		e.open = make(map[string][]openRef)
	}
	e.open[userID] = l
}

// add caches a booking; when the show has too many, the others are
// forgotten.
func (e *cachedShow) add(b boxoffice.Booking) {
	if _, ok := e.bookings[b.ID]; !ok && len(e.bookings) >= bookingsPerShow {
		clear(e.bookings)
	}
	e.bookings[b.ID] = b
}
