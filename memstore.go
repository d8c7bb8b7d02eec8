package boxoffice

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"iter"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MemoryStore is the in-memory [Store]: the [BookingSystem]'s default, and the
// reference every other Store is tested against (see package storetest).
// Its state lives as long as the value; nothing is persisted.
//
// Work on one show is serialized by that show's own lock, so transactions on
// different shows never wait for each other. An [MemoryStore.UpdateShow]
// applies its writes in place and keeps an undo log, so a transaction that
// fails, or whose fn panics, leaves nothing behind (the panic then continues
// up the stack, after the show's lock has been released). On the hot path
// (writing seats of existing bookings) an UpdateShow allocates nothing.
//
// References must exist: [MemoryStore.AddHall] needs the hall's theater, and
// [MemoryStore.AddShow] the show's hall and movie; otherwise they return
// [ErrNotFound].
//
// A seat's HeldUntil ([SeatSlot]) is kept as its instant, to the
// nanosecond, and read back in UTC without a monotonic clock reading, as
// the Store documentation allows: == to the time given for a time in UTC
// without one (every time the BookingSystem stores, and the zero time),
// Equal to it otherwise. Every [time.Time] has its instant, from year 1 and
// before to the end of time.Time's range. The other times a MemoryStore
// is given (a show's, a booking's) come back as given.
//
// A MemoryStore is safe for concurrent use. Make one with [NewMemoryStore]:
// one not made by it (a zero MemoryStore, or a nil pointer) holds nothing
// and accepts nothing, as a closed one would. Every method returns an
// error matching [ErrClosed] ([MemoryStore.Movies] and [MemoryStore.Theaters]
// yield one), [New] refuses it as [Config.Store], and nothing panics. The
// zero value is not made usable on first use (as a [sync.Mutex] is): a nil
// pointer could not be anyway, and every exported call, the BookingSystem's
// too, would then pay for a race-free check that the store is set up (a
// [sync.Once]), where a plain read of a field that only NewMemoryStore sets
// suffices.
type MemoryStore struct {
	// catalogMu guards every map and slice of the catalog below. It is
	// read-mostly: writers are the Add methods.
	catalogMu    sync.RWMutex
	movies       map[string]int // movie ID → index in movieList
	movieList    []Movie        // insertion order, append-only; Movies snapshots it
	titles       *titleIndex    // movieList in search order, as of the last search; see moviesByTitle
	titlesBuild  sync.Mutex     // held by the one search that brings titles up to date
	theaters     map[string]int // theater ID → index in theaterList
	theaterList  []Theater
	halls        map[string]*hallRecord
	hallsOf      map[string][]string // theater ID → hall IDs, sorted
	shows        map[string]*showRecord
	showsOfMovie map[string][]*showRecord // movie ID → shows by start

	// bookings maps booking IDs to their show, for the bookings whose ID
	// does not name it (see numbered).
	bookings [indexShards]bookingShard
	users    [indexShards]userShard // user ID → booking keys, sorted
	userSeed maphash.Seed           // of the hash that picks a user's shard

	// numbered holds every show's record at the index AddShow numbered it
	// with. The BookingSystem's booking IDs carry their show's number
	// (showRecord.numberedID), so that finding a booking's show needs no
	// index of its own: a hold's insert into bookings, with that map's
	// growth, was a tenth of its cost and memory. Published copy-on-write
	// by AddShow (under catalogMu); read without a lock.
	numbered atomic.Pointer[[]*showRecord]
	mask     idMask // hides the show number and slot in those IDs

	viewTxs sync.Pool // of *memViewTx, so ViewShow does not allocate
}

var (
	_ Store             = (*MemoryStore)(nil)
	_ ExpiredHoldLister = (*MemoryStore)(nil)
	_ ShowTx            = (*memTx)(nil)
	_ UserSeatCounter   = (*memTx)(nil)
	_ ShowTx            = (*memViewTx)(nil)
)

// NewMemoryStore returns an empty in-memory [Store].
func NewMemoryStore() *MemoryStore {
	s := &MemoryStore{
		movies:       make(map[string]int),
		theaters:     make(map[string]int),
		halls:        make(map[string]*hallRecord),
		hallsOf:      make(map[string][]string),
		shows:        make(map[string]*showRecord),
		showsOfMovie: make(map[string][]*showRecord),
		mask:         newIDMask(),
		userSeed:     maphash.MakeSeed(),
	}
	for i := range s.bookings {
		s.bookings[i].m = make(map[BookingID]*showRecord)
	}
	for i := range s.users {
		s.users[i].m = make(map[string]*userBookings)
	}
	s.viewTxs.New = func() any { return new(memViewTx) }
	return s
}

// indexShards is the number of shards of the booking and user indexes: a
// power of two, so a shard is picked with a mask.
const indexShards = 64

// bookingShard maps booking IDs to the show that holds them. It is padded to
// a cache line so neighbouring shards' locks do not share one. Its lock is
// a plain mutex, not a read-write one: every hold writes the index, and a
// read-write lock costs twice the atomic operations to write-lock, while
// reads are a single map lookup, too short to gain from sharing the lock.
type bookingShard struct {
	mu sync.Mutex
	m  map[BookingID]*showRecord
	_  [48]byte
}

// userShard maps user IDs to the keys of their bookings, so that a page
// of BookingsOfUser is a binary search and a copy of limit keys, however
// many bookings the user has. Its lock is a plain mutex for the same
// reason as bookingShard's.
type userShard struct {
	mu sync.Mutex
	m  map[string]*userBookings // behind a pointer: an append is one lookup
	_  [48]byte
}

// userBookings is the keys of one user's bookings, sorted when sorted is
// set. A new booking's key is appended and sorted in by the next read:
// it is the largest unless the clock stood still (a coarse or fake clock,
// which gives many bookings one CreatedAt and leaves their random IDs to
// order them), and inserting each in place would then move the user's
// whole list on every hold.
type userBookings struct {
	keys   []userKey
	sorted bool
}

// sort puts the keys in order. The caller holds the shard's lock.
func (u *userBookings) sort() {
	if !u.sorted {
		slices.SortFunc(u.keys, userKey.compare)
		u.keys = slices.Compact(u.keys)
		u.sorted = true
	}
}

// userKey is a booking's place in its user's list: its CreatedAt, as an
// instant (the wall clock, neither the time zone nor the monotonic
// reading, which a cursor read back from the Store may not have), then its
// ID. Seconds and nanoseconds rather than a time.Time: 32 bytes, not 40.
type userKey struct {
	sec  int64
	nsec int32
	id   BookingID
}

func userKeyOf(createdAt time.Time, id BookingID) userKey {
	return userKey{sec: createdAt.Unix(), nsec: int32(createdAt.Nanosecond()), id: id}
}

func (a userKey) compare(b userKey) int {
	if c := cmp.Compare(a.sec, b.sec); c != 0 {
		return c
	}
	if c := cmp.Compare(a.nsec, b.nsec); c != 0 {
		return c
	}
	return bytes.Compare(a.id[:], b.id[:])
}

func (s *MemoryStore) bookingShard(id BookingID) *bookingShard {
	// The last byte of a booking ID is random, in both its forms.
	return &s.bookings[id[len(id)-1]&(indexShards-1)]
}

// userShard returns the shard of the user index that holds userID. The
// hash is maphash's, seeded per store: on a 30-byte ID (a UUID, or
// "auth0|" and 24 hex digits, as services pass) it costs a hold some 57
// instructions, where FNV-1a, one multiply a byte, cost 190; on "user-1",
// 63 to FNV's 52 (BenchmarkHoldReleaseLongUserID and BenchmarkHoldRelease).
// A hand-written word-at-a-time hash was tried and was no cheaper overall.
func (s *MemoryStore) userShard(userID string) *userShard {
	return &s.users[s.userShardIndex(userID)]
}

// userShardIndex is the index of userShard(userID) in s.users.
func (s *MemoryStore) userShardIndex(userID string) uint8 {
	return uint8(maphash.Comparable(s.userSeed, userID) & (indexShards - 1))
}

// number gives r the next show number and publishes it in s.numbered.
// The caller holds catalogMu. The slice grows by doubling; elements below
// the published length never change, so readers of an older header are
// not disturbed by the write past its end.
func (s *MemoryStore) number(r *showRecord) {
	var list []*showRecord
	if p := s.numbered.Load(); p != nil {
		list = *p
	}
	if len(list) >= noShowNumber {
		r.number = noShowNumber
		return
	}
	r.number = uint32(len(list))
	list = append(list, r)
	s.numbered.Store(&list)
}

// Booking IDs of a show: a UUID of version 8 (RFC 9562's custom version)
// that carries the show's number (3 bytes) and the booking's slot in the
// show (3 bytes), a number the show hands out once; the other 74 bits not
// fixed by the version and variant are random, as unguessable as a
// booking ID needs to be (with a million bookings live, 2^54 guesses
// find one). The booking is then found at its slot, where a random ID
// needs a map: its insert, lookups and growth were a fifth of a hold and
// its release. The last show number and the last slot are never given:
// a store's 2^24th show and later ones get random IDs (version 4), and a
// show's 2^24th booking and later ones IDs with its number and the slot
// noSlot; both are kept in a map, the slower way.
//
// The number and slot are hidden (see idMask): in plain sight, two
// booking IDs of one show would tell anyone holding them how many
// bookings the show took in between.
const (
	noShowNumber = 1<<24 - 1
	noSlot       = 1<<24 - 1
)

// idMask hides the show number and slot in a booking ID. They are stored
// XORed with a mask drawn from the ID's random bits by a hash keyed with
// a random seed of the store's own: each ID has its own mask, which the
// key is needed to compute, so the six bytes look as random as the rest,
// and whoever has the key reads them back with the same XOR.
//
// The hash is hash/maphash: AES-based on most machines, but not one the
// standard library promises to be a cryptographic PRF. That is enough
// for what the mask protects (a show's booking count, from someone who
// collects IDs), and it costs no allocation: AES through crypto/cipher
// allocated its buffer on every call, five times per hold and release.
// What makes an ID unguessable, its 74 random bits (internal/randid),
// does not depend on the mask.
type idMask struct{ seed maphash.Seed }

func newIDMask() idMask { return idMask{seed: maphash.MakeSeed()} }

// of returns the mask of the ID, for its first six bytes read as a
// big-endian number (show number, then slot): 48 bits of a keyed hash of
// its other ten bytes, folded into one uint64 (62 of their 74 random
// bits survive the fold; two IDs share a mask by chance 1 in 2^48, as
// they did unfolded, the mask having 48 bits). maphash hashes a
// uint64 with no length to dispatch on, which saved 40 instructions a
// hold and release over the ten bytes as a slice (maphash.Bytes); the
// mask as one number rather than six bytes, 30 more.
func (m idMask) of(id *BookingID) uint64 {
	h := maphash.Comparable(m.seed, binary.LittleEndian.Uint64(id[8:])^uint64(binary.LittleEndian.Uint16(id[6:])))
	return h & (1<<48 - 1)
}

// numberedID returns a new booking ID of r's show, which has a number,
// all but its slot, and the key that gives it one (see slotKey): random
// holds the ten bytes the ID keeps random (the last ten, but for the
// version and variant bits); the first six carry the show number and
// slot.
//
// The slot itself is taken only by the hold that stores the booking,
// under the show's lock (memTx.addHold): a slot taken here, before the
// limits and the seats were checked, was lost with every refused request,
// and the next hold grew the show's slots to its own, for good.
func (r *showRecord) numberedID(random [10]byte) (BookingID, slotKey) {
	var id BookingID
	*(*[10]byte)(id[6:]) = random
	return id, r.mask.numberShow(&id, r.number)
}

// slotKey is the mask of the slot bytes of a booking ID that numberedID
// made (idMask.of of the ID's random bytes, which the slot does not
// change), so that the ID gets its slot under the show's lock with three
// XORs rather than a hash. The zero key is of an ID with no slot to give.
type slotKey struct {
	k  uint32 // the low 24 bits of the mask
	ok bool
}

// nextSlot returns the slot the next booking stored at a slot of r gets:
// past the last used one (slots are handed out in order and a rolled-back
// hold gives its slot back, see remove), or noSlot once they are used up.
// The caller holds r.mu.
func (r *showRecord) nextSlot() uint32 {
	return uint32(min(len(r.slots), noSlot))
}

// setSlot writes slot into an ID made by numberedID with key.
func (key slotKey) setSlot(id *BookingID, slot uint32) {
	v := slot ^ key.k
	id[3], id[4], id[5] = byte(v>>16), byte(v>>8), byte(v)
}

// numberShow makes the random ID one of version 8 that carries the show
// number, and returns the key that gives it its slot.
func (m idMask) numberShow(id *BookingID, show uint32) slotKey {
	id[6] = id[6]&0x0f | 0x80 // version 8
	id[8] = id[8]&0x3f | 0x80 // variant 10
	k := m.of(id)
	v := show ^ uint32(k>>24)
	id[0], id[1], id[2] = byte(v>>16), byte(v>>8), byte(v)
	return slotKey{k: uint32(k) & (1<<24 - 1), ok: true}
}

// numbered returns the show number and slot of an ID of the form
// numberedID makes, or false for an ID of another form.
func (m idMask) numbered(id BookingID) (show, slot uint32, ok bool) {
	if id[6]>>4 != 8 || id[8]>>6 != 2 {
		return 0, 0, false
	}
	v := binary.BigEndian.Uint64(id[:8])>>16 ^ m.of(&id)
	return uint32(v >> 24), uint32(v) & (1<<24 - 1), true
}

// numberedShow returns the show whose number the booking ID carries, if
// any: the show that holds the booking if anyone does, unless a caller
// of PutBooking stored it in another show (then the bookings index has
// it). It returns the slot the ID carries as well, as slotOf would.
func (s *MemoryStore) numberedShow(id BookingID) (*showRecord, int, bool) {
	n, slot, ok := s.mask.numbered(id)
	if !ok {
		return nil, 0, false
	}
	p := s.numbered.Load()
	if p == nil || int(n) >= len(*p) {
		return nil, 0, false
	}
	return (*p)[n], int(slot), slot != noSlot
}

// ownsNumbered reports whether r is the show the booking ID is numbered
// with, so that the bookings index need not name it.
func (r *showRecord) ownsNumbered(id BookingID) bool {
	if r.number == noShowNumber {
		return false
	}
	n, _, ok := r.mask.numbered(id)
	return ok && n == r.number
}

// slotOf returns the slot an ID of r's show carries.
func (r *showRecord) slotOf(id BookingID) (int, bool) {
	if r.number == noShowNumber {
		return 0, false
	}
	n, slot, ok := r.mask.numbered(id)
	if !ok || n != r.number {
		return 0, false
	}
	return int(slot), slot != noSlot
}

// Places of a record stored in a show's map; see bookingRecord.where.
const (
	inMap        = -1
	inMapIndexed = -2
)

// record returns the stored record of the booking, or nil. The caller
// holds r.mu.
func (r *showRecord) record(id BookingID) *bookingRecord {
	slot, ok := r.slotOf(id)
	return r.recordAt(slot, ok, id)
}

// recordAt is record for an ID whose slot in r is known (slotOf).
func (r *showRecord) recordAt(slot int, ok bool, id BookingID) *bookingRecord {
	if ok && slot < len(r.slots) {
		if p := r.slots[slot]; p != nil && p.id == id {
			return p
		}
	}
	return r.bookings[id] // an ID of another form, or put in by PutBooking
}

// store stores a new booking's record: at its slot, if it has one of r's
// and the slot is free, else in the map. The caller holds r.mu and has
// checked that r has no booking with the ID.
func (r *showRecord) store(p *bookingRecord) {
	slot, ok := r.slotOf(p.id)
	if ok && r.slotFree(slot) {
		r.storeAt(p, slot)
		return
	}
	p.where = inMapIndexed
	if ok || r.ownsNumbered(p.id) {
		p.where = inMap
	}
	r.bookings[p.id] = p
}

// slotFree reports whether slot is r's and free.
func (r *showRecord) slotFree(slot int) bool {
	return slot != noSlot && (slot >= len(r.slots) || r.slots[slot] == nil)
}

// storeAt stores a new booking's record at a free slot of r.
func (r *showRecord) storeAt(p *bookingRecord, slot int) {
	if slot >= len(r.slots) {
		r.slots = slices.Grow(r.slots, slot+1-len(r.slots))[:slot+1]
	}
	r.slots[slot] = p
	p.where = int32(slot)
}

// remove drops a record stored by store, for a rollback.
func (r *showRecord) remove(p *bookingRecord) {
	if p.where >= 0 {
		r.slots[p.where] = nil
		// Give back the slots at the end: their IDs were never handed
		// out, and nextSlot hands out the next one again.
		n := len(r.slots)
		for n > 0 && r.slots[n-1] == nil {
			n--
		}
		r.slots = r.slots[:n]
		return
	}
	delete(r.bookings, p.id)
}

// eachBooking calls fn with every booking record of r. The caller holds
// r.mu.
func (r *showRecord) eachBooking(fn func(*bookingRecord)) {
	for _, p := range r.slots {
		if p != nil {
			fn(p)
		}
	}
	for _, p := range r.bookings {
		fn(p)
	}
}

// hallRecord is a hall and its schedule. mu is the per-hall lock of AddShow;
// it also guards schedule and longest.
type hallRecord struct {
	hall     Hall
	mu       sync.RWMutex
	schedule []*showRecord // sorted by Start, then ID
	longest  time.Duration // the longest show of schedule, to bound searches
}

// overlapping appends to dst the shows of the schedule whose [Start, End)
// overlaps window. A show overlapping window starts before window.End and
// after window.Start - longest, so only that range of the sorted schedule is
// scanned. The caller holds h.mu.
func (h *hallRecord) overlapping(dst []Show, window Interval) []Show {
	from := window.Start.Add(-h.longest)
	lo, _ := slices.BinarySearchFunc(h.schedule, from, func(r *showRecord, t time.Time) int {
		if r.show.Start.After(t) {
			return 1
		}
		return -1
	})
	for _, r := range h.schedule[lo:] {
		if !r.show.Start.Before(window.End) {
			break
		}
		if window.Overlaps(Interval{Start: r.show.Start, End: r.show.End}) {
			dst = append(dst, r.show)
		}
	}
	return dst
}

// compareShows orders shows by start time, then ID.
func compareShows(a, b *showRecord) int {
	if c := a.show.Start.Compare(b.show.Start); c != 0 {
		return c
	}
	return cmp.Compare(a.show.ID, b.show.ID)
}

// insertShow inserts r into a slice sorted by compareShows.
func insertShow(list []*showRecord, r *showRecord) []*showRecord {
	i, _ := slices.BinarySearchFunc(list, r, compareShows)
	return slices.Insert(list, i, r)
}

// showRecord is one show's transactional state. mu serializes UpdateShow
// (write lock) against ViewShow, Booking and ExpiredHolds (read lock); the
// fields below it are guarded by it. show never changes after AddShow.
type showRecord struct {
	show Show
	// theaterID is the theater of the show's hall (Hall.TheaterID), the
	// one the show is in, whatever show.TheaterID a caller of AddShow gave.
	theaterID string
	// hallSeats is the seat count of the hall's layout (layoutSeats), the
	// seats a seat map and a listing show: AddShow takes a layout of any
	// size, so seats may have more or fewer.
	hallSeats int
	number    uint32 // its index in MemoryStore.numbered
	mask      idMask // the store's

	// mu on a line of its own: on a hot show the callers waiting for it
	// write its line, and the fields around it, read by its holder, would
	// go to their core each time, inside the lock.
	_     [64]byte
	mu    sync.RWMutex
	_     [64]byte
	seats []memSlot // one per seat of the layout, in layout order
	// slots holds the records of bookings with IDs of this show (see
	// numberedID) at their slot, and bookings every other record; both
	// behind a pointer, updated in place. Use record, store and remove.
	slots    []*bookingRecord
	bookings map[BookingID]*bookingRecord
	// cancelled: the show was cancelled (ShowTx.CancelShow). HoldSeats
	// reads it inside every hold's transaction, a field read.
	cancelled bool

	// The undo log of the running UpdateShow, reused from one transaction
	// to the next so that a transaction does not allocate.
	undoSeats    []seatUndo
	undoBookings []bookingUndo // one entry per booking touched, first touch
	// touchedSet holds the IDs of undoBookings, with each one's index,
	// once there are more than touchedScanLimit of them; below that a
	// scan is faster.
	touchedSet map[BookingID]int
	// cancelledNow: the running UpdateShow cancelled the show, which a
	// rollback undoes.
	cancelledNow bool
	// openByUser indexes the committed open bookings (held, paying or
	// confirmed) by user, for SeatsOfUser: nil until its first call on
	// the show (a BookingSystem without Config.MaxSeatsPerShow never
	// pays for it), then kept by commit.
	openByUser map[string][]*bookingRecord
	tx         memTx // the ShowTx of the running UpdateShow

	// commits counts committed UpdateShows, to tell whether free is
	// current; it moves under the write lock and is read without a lock.
	commits atomic.Uint64
	free    atomic.Pointer[freeCount] // the last count of free seats; written under the read lock
}

// freeCount is a show's count of free seats at a time, and how long it
// stays true: until the show's next commit or the earliest deadline of the
// holds live at that time, whichever comes first. A count for a later time
// is no answer for an earlier one, when a lapsed hold was still live.
type freeCount struct {
	commits uint64
	at      time.Time
	until   time.Time // the earliest deadline of the holds live at at, if live
	free    int       // 0 for a cancelled show
	// cancelled: the show was cancelled (read with the count: cancelling
	// is a commit, so a count still valid still says whether it is).
	cancelled bool
	// live: a hold was live at at. Not told by a zero until: a hold
	// until the zero time is live at a time before it.
	live bool
}

func (c *freeCount) validAt(commits uint64, now time.Time) bool {
	return c.commits == commits && !now.Before(c.at) && (!c.live || now.Before(c.until))
}

// touchedScanLimit is how many touched bookings are found by a scan before
// a transaction switches to touchedSet.
const touchedScanLimit = 16

// seatUndo is a seat slot as it was before a SetSeat.
type seatUndo struct {
	i   int
	old memSlot
}

// bookingUndo is a booking as it was before the transaction first put it.
type bookingUndo struct {
	old     bookingRecord  // meaningful when existed (see statusOnly); old.id always is
	p       *bookingRecord // the stored booking, for commit
	existed bool
	// statusOnly: the transaction changed only the record's status and
	// updatedAt (memTx.endHold, every release and expiry), so old holds
	// only those and the ID, and every other field of the booking as it
	// was is p's own. Copying the whole record, 192 bytes, and clearing
	// it again in endTx was a hundredth of a hold and release. A later
	// put of the booking makes the entry whole first (wholeUndo).
	statusOnly bool
}

// oldUserID is the user of the booking as it was before the transaction,
// which existed.
func (u *bookingUndo) oldUserID() string {
	if u.statusOnly {
		return u.p.userID
	}
	return u.old.userID
}

// bookingRecord is a Booking as the MemoryStore keeps it: the same fields,
// but the payment and the refund behind a pointer that stays nil until the
// booking is paid. Most bookings (holds released, expired, or abandoned)
// are never paid, and their record is about half the size of a Booking
// (192 bytes with the seat positions, instead of 360), allocated by every
// hold and scanned by the garbage collector for as long as the store
// lives. Seats slices and bookingMoney
// values are never modified once stored, so records may share them.
type bookingRecord struct {
	id             BookingID
	userID, showID string
	seats          []BookingSeat
	total          Money
	status         BookingStatus
	npos           uint8 // seats with a position in pos; 0: look them up
	// users is 1 + the index of the user index's shard of userID
	// (userShardIndex) if HoldSeats found it before the show's lock, so
	// that commit need not hash the user ID under the lock; else 0. In
	// bytes a record has spare: it stays 192 bytes.
	users uint8
	// where is the record's place in its show: its index in slots, or
	// inMap (its ID carries the show's number, so numberedShow finds the
	// show) or inMapIndexed (the bookings index has to).
	where                           int32
	extensions                      int
	createdAt, heldUntil, updatedAt time.Time
	money                           *bookingMoney
	// pos is the layout position of each seat, so that ending a hold
	// frees its seats without a lookup by seat ID per seat. Holds of up to
	// len(pos) seats have them (the default cap is 10 seats, most holds
	// are smaller); 16 bytes put the record in the next size class, 192
	// bytes.
	pos [8]uint16
}

// smallHold is the record of a hold of up to 4 seats (most holds) in one
// allocation with its seats, instead of two.
type smallHold struct {
	rec   bookingRecord
	seats [4]BookingSeat
}

// newHoldRecord returns an empty record and a slice of n seats for it.
func newHoldRecord(n int) (*bookingRecord, []BookingSeat) {
	if n <= len(smallHold{}.seats) {
		h := new(smallHold)
		return &h.rec, h.seats[:n:n]
	}
	return new(bookingRecord), make([]BookingSeat, n)
}

// position returns the layout position of the record's k-th seat, or -1
// if the layout does not have it.
func (r *bookingRecord) position(k int, layout *Layout) int {
	if k < int(r.npos) {
		return int(r.pos[k])
	}
	i, ok := layout.Index(r.seats[k].ID)
	if !ok {
		return -1
	}
	return i
}

// setHold sets what a new hold's record holds before its transaction
// (holdOp.run sets its status and times): its ID, user, show, seats, total
// and the seats' layout positions idx. r is zero (new): the fields are set
// one by one, as a literal would zero and write all 192 bytes again.
func (r *bookingRecord) setHold(id BookingID, userID, showID string, seats []BookingSeat, total Money, idx []int) {
	r.id, r.userID, r.showID, r.seats, r.total = id, userID, showID, seats, total
	r.setPositions(idx)
}

// setPositions records the seats' layout positions, if they fit.
func (r *bookingRecord) setPositions(idx []int) {
	r.npos = 0
	if len(idx) > len(r.pos) || len(idx) != len(r.seats) {
		return
	}
	for k, i := range idx {
		if i < 0 || i > 0xffff {
			return
		}
		r.pos[k] = uint16(i)
	}
	r.npos = uint8(len(idx))
}

type bookingMoney struct {
	payment Payment
	refund  Refund
}

// booking returns the record as a Booking, sharing its Seats.
func (r *bookingRecord) booking() Booking {
	b := Booking{ID: r.id, UserID: r.userID, ShowID: r.showID, Seats: r.seats, Total: r.total,
		Status: r.status, CreatedAt: r.createdAt, HeldUntil: r.heldUntil, Extensions: r.extensions,
		UpdatedAt: r.updatedAt}
	if r.money != nil {
		b.Payment, b.Refund = r.money.payment, r.money.refund
	}
	return b
}

// fill stores the record in *b as booking does, writing it in place: a
// Booking built and copied is 360 bytes moved twice. *b must be a zero
// Booking (every caller's is a result not yet set): a record without
// money leaves its Payment and Refund, 160 bytes, as they are rather than
// write zeros over zeros, which was most of fill's cost.
func (r *bookingRecord) fill(b *Booking) {
	b.ID, b.UserID, b.ShowID, b.Seats, b.Total = r.id, r.userID, r.showID, r.seats, r.total
	b.Status, b.CreatedAt, b.HeldUntil, b.Extensions = r.status, r.createdAt, r.heldUntil, r.extensions
	b.UpdatedAt = r.updatedAt
	if r.money != nil {
		b.Payment, b.Refund = r.money.payment, r.money.refund
	}
}

// set makes the record b, with the given Seats. The seat positions stay
// if the Seats are the record's own slice.
func (r *bookingRecord) set(b *Booking, seats []BookingSeat) {
	money := r.money
	switch {
	case b.Payment == (Payment{}) && b.Refund == (Refund{}):
		money = nil
	case money == nil || money.payment != b.Payment || money.refund != b.Refund:
		money = &bookingMoney{payment: b.Payment, refund: b.Refund}
	}
	npos, pos := r.npos, r.pos
	if len(seats) != len(r.seats) || len(seats) == 0 || &seats[0] != &r.seats[0] {
		npos = 0
	}
	*r = bookingRecord{id: b.ID, userID: b.UserID, showID: b.ShowID, seats: seats, total: b.Total,
		status: b.Status, npos: npos, extensions: b.Extensions, createdAt: b.CreatedAt, heldUntil: b.HeldUntil,
		updatedAt: b.UpdatedAt, money: money, pos: pos, where: r.where}
}

// AddMovie implements [Store]. The movie is copied, Genres included.
func (s *MemoryStore) AddMovie(ctx context.Context, m Movie) error {
	if err := s.made(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m = cloneMovie(m)
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	if _, ok := s.movies[m.ID]; ok {
		return fmt.Errorf("movie %q: %w", m.ID, ErrAlreadyExists)
	}
	s.movies[m.ID] = len(s.movieList)
	s.movieList = append(s.movieList, m)
	return nil
}

// Movie implements [Store].
func (s *MemoryStore) Movie(ctx context.Context, id string) (Movie, error) {
	if err := s.made(); err != nil {
		return Movie{}, err
	}
	if err := ctx.Err(); err != nil {
		return Movie{}, err
	}
	s.catalogMu.RLock()
	i, ok := s.movies[id]
	var m Movie
	if ok {
		m = s.movieList[i]
	}
	s.catalogMu.RUnlock()
	if !ok {
		return Movie{}, fmt.Errorf("movie %q: %w", id, ErrNotFound)
	}
	return cloneMovie(m), nil
}

// Movies implements [Store]. It yields a snapshot taken when the loop starts,
// without holding a lock, so the loop body may call the Store. Each movie
// yielded is a copy, Genres included.
func (s *MemoryStore) Movies(ctx context.Context) iter.Seq2[Movie, error] {
	return func(yield func(Movie, error) bool) {
		if err := s.made(); err != nil {
			yield(Movie{}, err)
			return
		}
		if err := ctx.Err(); err != nil {
			yield(Movie{}, err)
			return
		}
		s.catalogMu.RLock()
		// The snapshot is the list's slice header, not a copy: movieList
		// is append-only and a stored Movie is never changed, so later
		// appends cannot touch the elements it covers. Each movie's Genres
		// is copied into one shared allocation per many movies rather than
		// one each: a search over 10,000 movies copied the whole catalog
		// and made 10,000 allocations before.
		snapshot := s.movieList[:len(s.movieList):len(s.movieList)]
		s.catalogMu.RUnlock()
		var genres []string // copies of the Genres of the movies yielded
		for i, m := range snapshot {
			if i%64 == 0 {
				if err := ctx.Err(); err != nil {
					yield(Movie{}, err)
					return
				}
			}
			if n := len(m.Genres); n > 0 {
				if cap(genres)-len(genres) < n {
					genres = make([]string, 0, max(n, 1024))
				}
				from := len(genres)
				genres = append(genres, m.Genres...)
				// Capped, so that appending to one movie's Genres cannot
				// write over the next one's.
				m.Genres = genres[from:len(genres):len(genres)]
			}
			if !yield(m, nil) {
				return
			}
		}
	}
}

// moviesWhere returns copies of the first limit movies after the movie
// after (nil: from the first), in search order (by title, then ID), for
// which match reports true, reading the others in place (match must not
// modify them): the BookingSystem's search copies only the page it
// returns. match also gets the movie's titleKey. The page's Genres are
// copied into one allocation. It reads a snapshot, as Movies does.
//
// A page starts at the cursor, found by a binary search of the movies in
// search order, and stops at its limit-th match: it reads the movies
// between the cursor and the page's last match, in sequence. A query that
// matches few movies thus still reads the rest of the catalog past the
// cursor (as a whole search did), but no page sorts or copies more than
// itself.
func (s *MemoryStore) moviesWhere(ctx context.Context, after *Movie, limit int, match func(m *Movie, titleKey string) bool) ([]Movie, error) {
	idx := s.moviesByTitle()
	from := 0
	if after != nil {
		from = sort.Search(len(idx.movies), func(i int) bool { return compareMovies(&idx.movies[i], after) > 0 })
	}
	var page []int
	genres := 0
	for i := from; i < len(idx.movies) && len(page) < limit; i++ {
		if (i-from)%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if match(&idx.movies[i], idx.keys[i]) {
			page = append(page, i)
			genres += len(idx.movies[i].Genres)
		}
	}
	out := make([]Movie, len(page))
	all := make([]string, 0, genres)
	for k, i := range page {
		out[k] = idx.movies[i]
		if g := idx.movies[i].Genres; len(g) > 0 {
			from := len(all)
			all = append(all, g...)
			out[k].Genres = all[from:len(all):len(all)] // capped: appending copies
		}
	}
	return out, nil
}

// titleIndex is a prefix of movieList in search order (by title, then ID),
// for searches to read in sequence: reading movieList in that order, by
// indexes, took 1.6 times as long (BenchmarkSearchMovies/title), missing
// the cache on every movie. It holds shallow copies of the movies (a
// stored Movie is never changed), so it costs the size of a Movie (about
// 120 bytes) and of its titleKey per movie, not their strings or Genres.
// It is published whole and never changed, so that a search reads it
// after releasing the lock.
type titleIndex struct {
	movies []Movie
	keys   []string // titleKey of each movie, in one allocation
}

// moviesByTitle returns the titleIndex of every movie stored so far.
// Searches bring it up to date, not AddMovie, so loading a catalog does
// not sort: the movies added since the last search are sorted and merged
// into a new titleIndex. A search after AddMovie thus costs a copy of the
// index, and the sort of the movies added only.
func (s *MemoryStore) moviesByTitle() *titleIndex {
	if idx, fresh := s.currentTitles(); fresh {
		return idx
	}
	// One search brings the index up to date; the others wait for it and
	// read its work, rather than each copying the catalog.
	s.titlesBuild.Lock()
	defer s.titlesBuild.Unlock()
	s.catalogMu.RLock()
	snapshot := s.movieList[:len(s.movieList):len(s.movieList)]
	old := s.titles
	s.catalogMu.RUnlock()
	if old == nil {
		old = &titleIndex{}
	}
	if len(old.movies) == len(snapshot) {
		return old
	}
	// movieList is append-only, so the index covers a prefix of snapshot
	// and the rest are the movies added since.
	added := make([]int, 0, len(snapshot)-len(old.movies))
	for i := len(old.movies); i < len(snapshot); i++ {
		added = append(added, i)
	}
	slices.SortFunc(added, func(a, b int) int { return compareMovies(&snapshot[a], &snapshot[b]) })
	idx := &titleIndex{movies: make([]Movie, 0, len(snapshot)), keys: make([]string, 0, len(snapshot))}
	size := 0
	for j := 0; j < len(old.movies) || len(added) > 0; {
		if len(added) == 0 || j < len(old.movies) && compareMovies(&old.movies[j], &snapshot[added[0]]) < 0 {
			idx.movies, idx.keys = append(idx.movies, old.movies[j]), append(idx.keys, old.keys[j])
			j++
		} else {
			m := &snapshot[added[0]]
			idx.movies, idx.keys = append(idx.movies, *m), append(idx.keys, titleKey(m.Title))
			added = added[1:]
		}
		size += len(idx.keys[len(idx.keys)-1])
	}
	// One string for every key, in order: a scan reads them in sequence.
	var b strings.Builder
	b.Grow(size)
	for _, k := range idx.keys {
		b.WriteString(k)
	}
	packed := b.String()
	for i, k := range idx.keys {
		idx.keys[i], packed = packed[:len(k)], packed[len(k):]
	}
	s.catalogMu.Lock()
	s.titles = idx
	s.catalogMu.Unlock()
	return idx
}

// currentTitles returns the titleIndex as of the last search, and whether
// it covers every movie stored.
func (s *MemoryStore) currentTitles() (*titleIndex, bool) {
	s.catalogMu.RLock()
	defer s.catalogMu.RUnlock()
	return s.titles, s.titles != nil && len(s.titles.movies) == len(s.movieList)
}

func cloneMovie(m Movie) Movie {
	m.Genres = slices.Clone(m.Genres)
	return m
}

// AddTheater implements [Store].
func (s *MemoryStore) AddTheater(ctx context.Context, t Theater) error {
	if err := s.made(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	if _, ok := s.theaters[t.ID]; ok {
		return fmt.Errorf("theater %q: %w", t.ID, ErrAlreadyExists)
	}
	s.theaters[t.ID] = len(s.theaterList)
	s.theaterList = append(s.theaterList, t)
	return nil
}

// Theater implements [Store].
func (s *MemoryStore) Theater(ctx context.Context, id string) (Theater, error) {
	if err := s.made(); err != nil {
		return Theater{}, err
	}
	if err := ctx.Err(); err != nil {
		return Theater{}, err
	}
	s.catalogMu.RLock()
	defer s.catalogMu.RUnlock()
	i, ok := s.theaters[id]
	if !ok {
		return Theater{}, fmt.Errorf("theater %q: %w", id, ErrNotFound)
	}
	return s.theaterList[i], nil
}

// Theaters implements [Store]. Like [MemoryStore.Movies], it yields a
// snapshot without holding a lock.
func (s *MemoryStore) Theaters(ctx context.Context) iter.Seq2[Theater, error] {
	return func(yield func(Theater, error) bool) {
		if err := s.made(); err != nil {
			yield(Theater{}, err)
			return
		}
		if err := ctx.Err(); err != nil {
			yield(Theater{}, err)
			return
		}
		s.catalogMu.RLock()
		snapshot := slices.Clone(s.theaterList)
		s.catalogMu.RUnlock()
		for _, t := range snapshot {
			if err := ctx.Err(); err != nil {
				yield(Theater{}, err)
				return
			}
			if !yield(t, nil) {
				return
			}
		}
	}
}

// AddHall implements [Store]. The hall's theater must exist ([ErrNotFound]
// otherwise). The [Layout] is immutable, so it is shared, not copied.
func (s *MemoryStore) AddHall(ctx context.Context, h Hall) error {
	if err := s.made(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	if _, ok := s.halls[h.ID]; ok {
		return fmt.Errorf("hall %q: %w", h.ID, ErrAlreadyExists)
	}
	if _, ok := s.theaters[h.TheaterID]; !ok {
		return fmt.Errorf("theater %q of hall %q: %w", h.TheaterID, h.ID, ErrNotFound)
	}
	s.halls[h.ID] = &hallRecord{hall: h}
	ids := s.hallsOf[h.TheaterID]
	i, _ := slices.BinarySearch(ids, h.ID)
	s.hallsOf[h.TheaterID] = slices.Insert(ids, i, h.ID)
	return nil
}

// Hall implements [Store].
func (s *MemoryStore) Hall(ctx context.Context, id string) (Hall, error) {
	if err := s.made(); err != nil {
		return Hall{}, err
	}
	if err := ctx.Err(); err != nil {
		return Hall{}, err
	}
	s.catalogMu.RLock()
	defer s.catalogMu.RUnlock()
	h, ok := s.halls[id]
	if !ok {
		return Hall{}, fmt.Errorf("hall %q: %w", id, ErrNotFound)
	}
	return h.hall, nil
}

// HallsOfTheater implements [Store]. [ErrNotFound] if there is no such theater.
func (s *MemoryStore) HallsOfTheater(ctx context.Context, theaterID string) ([]Hall, error) {
	if err := s.made(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.catalogMu.RLock()
	defer s.catalogMu.RUnlock()
	if _, ok := s.theaters[theaterID]; !ok {
		return nil, fmt.Errorf("theater %q: %w", theaterID, ErrNotFound)
	}
	ids := s.hallsOf[theaterID]
	halls := make([]Hall, len(ids))
	for i, id := range ids {
		halls[i] = s.halls[id].hall
	}
	return halls, nil
}

// AddShow implements [Store]. The transaction on the hall is the hall's own
// lock: AddShows in different halls do not wait for each other, and check
// runs while the hall's lock is held, so it must not call back into AddShow
// for the same hall. The hall and the movie must exist ([ErrNotFound]); layout
// must not be nil ([ErrInvalidArgument]); a nil check accepts every show. An
// ID already taken is reported before check is called.
func (s *MemoryStore) AddShow(ctx context.Context, show Show, layout *Layout, window Interval, check func(overlapping []Show) error) error {
	if err := s.made(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if layout == nil {
		return invalid("layout", "show %q has no seat layout", show.ID)
	}
	s.catalogMu.RLock()
	hall, hallOK := s.halls[show.HallID]
	_, movieOK := s.movies[show.MovieID]
	_, taken := s.shows[show.ID]
	s.catalogMu.RUnlock()
	switch {
	case taken:
		return fmt.Errorf("show %q: %w", show.ID, ErrAlreadyExists)
	case !hallOK:
		return fmt.Errorf("hall %q of show %q: %w", show.HallID, show.ID, ErrNotFound)
	case !movieOK:
		return fmt.Errorf("movie %q of show %q: %w", show.MovieID, show.ID, ErrNotFound)
	}

	hall.mu.Lock()
	defer hall.mu.Unlock()
	// Again, now that the hall is held: an AddShow of the same show that
	// held it while this one waited has added it, and check would be
	// given the show as overlapping itself.
	s.catalogMu.RLock()
	_, taken = s.shows[show.ID]
	s.catalogMu.RUnlock()
	if taken {
		return fmt.Errorf("show %q: %w", show.ID, ErrAlreadyExists)
	}
	if check != nil {
		if err := check(hall.overlapping(nil, window)); err != nil {
			return err
		}
	}
	r := &showRecord{
		show:      show,
		theaterID: hall.hall.TheaterID,
		hallSeats: layoutSeats(hall.hall),
		seats:     make([]memSlot, layout.Len()),
		bookings:  make(map[BookingID]*bookingRecord),
		mask:      s.mask,
	}
	r.tx.rec = r

	s.catalogMu.Lock()
	if _, ok := s.shows[show.ID]; ok {
		// Another hall's AddShow took the ID while check ran.
		s.catalogMu.Unlock()
		return fmt.Errorf("show %q: %w", show.ID, ErrAlreadyExists)
	}
	s.shows[show.ID] = r
	s.showsOfMovie[show.MovieID] = insertShow(s.showsOfMovie[show.MovieID], r)
	s.number(r)
	s.catalogMu.Unlock()

	hall.schedule = insertShow(hall.schedule, r)
	hall.longest = max(hall.longest, show.End.Sub(show.Start))
	return nil
}

// Show implements [Store].
func (s *MemoryStore) Show(ctx context.Context, id string) (Show, error) {
	if err := s.made(); err != nil {
		return Show{}, err
	}
	r, err := s.showRecord(ctx, id)
	if err != nil {
		return Show{}, err
	}
	return r.show, nil
}

// ShowsOfMovie implements [Store], with a binary search in the movie's
// shows, which [MemoryStore.AddShow] keeps in (Start, ID) order: a page costs
// its length, however many shows the movie had. [ErrNotFound] if there is no
// such movie.
func (s *MemoryStore) ShowsOfMovie(ctx context.Context, movieID string, after ShowCursor, limit int) ([]Show, error) {
	if err := s.made(); err != nil {
		return nil, err
	}
	recs, err := s.showRecordsOfMovie(ctx, movieID, after, limit)
	if err != nil {
		return nil, err
	}
	shows := make([]Show, len(recs))
	for i, r := range recs {
		shows[i] = r.show // a show never changes once added
	}
	return shows, nil
}

// showRecordsOfMovie is ShowsOfMovie returning the shows' records, for the
// BookingSystem's list of shows with their free seats: a copy of the
// page's pointers, not of every Show (120 bytes each).
func (s *MemoryStore) showRecordsOfMovie(ctx context.Context, movieID string, after ShowCursor, limit int) ([]*showRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.catalogMu.RLock()
	defer s.catalogMu.RUnlock()
	if _, ok := s.movies[movieID]; !ok {
		return nil, fmt.Errorf("movie %q: %w", movieID, ErrNotFound)
	}
	if limit <= 0 {
		return []*showRecord{}, nil
	}
	list := s.showsOfMovie[movieID]
	i := 0
	if !after.IsZero() {
		var found bool
		i, found = slices.BinarySearchFunc(list, after, func(r *showRecord, c ShowCursor) int {
			return ShowCursor{Start: r.show.Start, ID: r.show.ID}.compare(c)
		})
		if found {
			i++ // strictly after the cursor
		}
	}
	return slices.Clone(list[i : i+min(limit, len(list)-i)]), nil
}

// ShowsOfHall implements [Store], with a binary search in the hall's schedule.
// [ErrNotFound] if there is no such hall.
func (s *MemoryStore) ShowsOfHall(ctx context.Context, hallID string, window Interval) ([]Show, error) {
	if err := s.made(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.catalogMu.RLock()
	hall, ok := s.halls[hallID]
	s.catalogMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("hall %q: %w", hallID, ErrNotFound)
	}
	hall.mu.RLock()
	defer hall.mu.RUnlock()
	return hall.overlapping([]Show{}, window), nil
}

// showRecord finds a show's record: a read lock and a map lookup.
func (s *MemoryStore) showRecord(ctx context.Context, id string) (*showRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.catalogMu.RLock()
	r, ok := s.shows[id]
	s.catalogMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("show %q: %w", id, ErrNotFound)
	}
	return r, nil
}

// UpdateShow implements [Store]. fn runs under the show's write lock and
// writes in place; if fn returns an error, or misuses the [ShowTx] (a seat
// position out of range: [ErrInvalidArgument]), or panics, the undo log
// restores the show before the lock is released. A panic then continues to
// the caller. fn runs once (there are no conflicts to retry) and must not
// call UpdateShow or [MemoryStore.ViewShow] of the same show: the lock is not
// re-entrant. The ShowTx is valid only until fn returns. The Seats of a
// [Booking] read through the ShowTx are the stored slice: replace it, never
// modify its elements.
func (s *MemoryStore) UpdateShow(ctx context.Context, showID string, fn func(tx ShowTx) error) error {
	if err := s.made(); err != nil {
		return err
	}
	r, err := s.showRecord(ctx, showID)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// The context may have ended while waiting for the lock.
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.runTx(r, fn)
}

// runTx runs fn on r's transaction; the caller holds r.mu.
func (s *MemoryStore) runTx(r *showRecord, fn func(tx ShowTx) error) (err error) {
	committed := false
	defer func() {
		if !committed {
			r.rollback()
		}
		r.endTx()
	}()
	if err := fn(&r.tx); err != nil {
		return err
	}
	if r.tx.err != nil {
		return r.tx.err
	}
	s.commit(r)
	r.commits.Add(1)
	committed = true
	return nil
}

// rollback undoes the running transaction, newest write first.
func (r *showRecord) rollback() {
	for i := len(r.undoSeats) - 1; i >= 0; i-- {
		u := r.undoSeats[i]
		r.seats[u.i] = u.old
	}
	for i := range r.undoBookings {
		if u := &r.undoBookings[i]; u.statusOnly {
			u.p.status, u.p.updatedAt = u.old.status, u.old.updatedAt
		} else if u.existed {
			*u.p = u.old
		} else {
			r.remove(u.p)
		}
	}
	if r.cancelledNow {
		r.cancelled = false
	}
}

// commit publishes the bookings the transaction created (or moved to
// another user, or to another CreatedAt) in the booking and user indexes.
// The caller holds r.mu, so readers of the indexes find them only once the
// show's lock is released.
func (s *MemoryStore) commit(r *showRecord) {
	if r.openByUser != nil {
		r.commitOpen()
	}
	// By index: a bookingUndo is some 200 bytes, copied per iteration by
	// a range over values.
	for i := range r.undoBookings {
		u := &r.undoBookings[i]
		b := u.p
		if !u.existed {
			if b.where == inMapIndexed {
				sh := s.bookingShard(b.id)
				sh.mu.Lock()
				sh.m[b.id] = r
				sh.mu.Unlock()
			}
			var sh *userShard
			if b.users != 0 {
				sh = &s.users[b.users-1]
			} else {
				sh = s.userShard(b.userID)
			}
			s.addUserBookingIn(sh, b.userID, userKeyOf(b.createdAt, b.id))
			continue
		}
		if u.statusOnly || u.old.userID == b.userID && u.old.createdAt == b.createdAt {
			continue // the common case, found without building two keys
		}
		old, now := userKeyOf(u.old.createdAt, b.id), userKeyOf(b.createdAt, b.id)
		if u.old.userID != b.userID || old != now {
			s.removeUserBooking(u.old.userID, old)
			s.addUserBooking(b.userID, now)
		}
	}
}

// openStatus reports whether a booking in status may count against
// Config.MaxSeatsPerShow (a hold only until its deadline): such bookings
// are indexed in openByUser.
func openStatus(status BookingStatus) bool {
	return status == StatusHeld || status == StatusPaying || status == StatusConfirmed
}

// indexOpen builds openByUser from the committed state: a booking the
// running transaction touched is indexed as it was before it (or not at
// all if the transaction made it), as commit then expects. The caller
// holds r.mu.
func (r *showRecord) indexOpen() {
	r.openByUser = make(map[string][]*bookingRecord)
	r.eachBooking(func(p *bookingRecord) {
		status, userID := p.status, p.userID
		for i := range r.undoBookings {
			if u := &r.undoBookings[i]; u.p == p {
				if !u.existed {
					return
				}
				status, userID = u.old.status, u.oldUserID()
				break
			}
		}
		if openStatus(status) {
			r.openByUser[userID] = append(r.openByUser[userID], p)
		}
	})
}

// commitOpen brings openByUser up to date with the bookings the
// committing transaction touched. The caller holds r.mu.
func (r *showRecord) commitOpen() {
	for i := range r.undoBookings {
		u := &r.undoBookings[i]
		if u.existed && openStatus(u.old.status) {
			oldUser := u.oldUserID()
			list := r.openByUser[oldUser]
			if k := slices.Index(list, u.p); k >= 0 {
				list[k] = list[len(list)-1]
				list[len(list)-1] = nil
				list = list[:len(list)-1]
			}
			if len(list) == 0 {
				delete(r.openByUser, oldUser)
			} else {
				r.openByUser[oldUser] = list
			}
		}
		if openStatus(u.p.status) {
			r.openByUser[u.p.userID] = append(r.openByUser[u.p.userID], u.p)
		}
	}
}

func (s *MemoryStore) addUserBooking(userID string, k userKey) {
	s.addUserBookingIn(s.userShard(userID), userID, k)
}

// addUserBookingIn is addUserBooking with the user's shard, sh, known.
func (s *MemoryStore) addUserBookingIn(sh *userShard, userID string, k userKey) {
	sh.mu.Lock()
	u := sh.m[userID]
	if u == nil {
		u = &userBookings{sorted: true}
		sh.m[userID] = u
	}
	// Unsorted, the keys stay so until sort: no compare needed.
	if n := len(u.keys); u.sorted && n > 0 && u.keys[n-1].compare(k) >= 0 {
		u.sorted = false
	}
	u.keys = append(u.keys, k)
	sh.mu.Unlock()
}

func (s *MemoryStore) removeUserBooking(userID string, k userKey) {
	sh := s.userShard(userID)
	sh.mu.Lock()
	if u := sh.m[userID]; u != nil {
		u.sort()
		if i, found := slices.BinarySearchFunc(u.keys, k, userKey.compare); found {
			u.keys = slices.Delete(u.keys, i, i+1)
		}
		if len(u.keys) == 0 {
			delete(sh.m, userID)
		}
	}
	sh.mu.Unlock()
}

// endTx empties the undo log for the next transaction, dropping the old
// bookings it referenced, and closes the ShowTx.
func (r *showRecord) endTx() {
	r.undoSeats = r.undoSeats[:0]
	if len(r.undoBookings) > touchedScanLimit {
		clear(r.touchedSet)
	}
	// Drop the records the entries refer to. The entry of a booking the
	// transaction made refers to it by p alone (its old holds only the
	// ID, see addTouched), a status-only entry by p and the old
	// updatedAt's zone: clearing whole entries, 200 bytes each with
	// their write barriers, was the cost of a clear in every hold.
	for i := range r.undoBookings {
		switch u := &r.undoBookings[i]; {
		case u.statusOnly:
			u.p, u.old.updatedAt, u.statusOnly = nil, time.Time{}, false
		case u.existed:
			*u = bookingUndo{}
		default:
			u.p = nil
		}
	}
	r.undoBookings = r.undoBookings[:0]
	r.cancelledNow = false
	r.tx.err = nil
}

// memTx is the ShowTx of UpdateShow: one per show, reused.
type memTx struct {
	rec *showRecord
	err error // the first misuse, returned by UpdateShow
}

func (tx *memTx) Show() Show    { return tx.rec.show }
func (tx *memTx) NumSeats() int { return len(tx.rec.seats) }

func (tx *memTx) Seat(i int) SeatSlot {
	if i < 0 || i >= len(tx.rec.seats) {
		tx.misuse(seatOutOfRange(tx.rec, i))
		return SeatSlot{}
	}
	return tx.rec.seats[i].seatSlot()
}

func (tx *memTx) SetSeat(i int, slot SeatSlot) {
	r := tx.rec
	if i < 0 || i >= len(r.seats) {
		tx.misuse(seatOutOfRange(r, i))
		return
	}
	r.undoSeats = append(r.undoSeats, seatUndo{i: i, old: r.seats[i]})
	r.seats[i] = memSlotOf(slot)
}

func (tx *memTx) Booking(id BookingID) (Booking, error) {
	b := tx.rec.record(id)
	if b == nil {
		return Booking{}, ErrNotFound
	}
	return b.booking(), nil
}

// SeatsOfUser implements UserSeatCounter, from the user's open bookings
// of the show (openByUser, built on the first call) and the bookings the
// transaction touched: its cost grows with the user's open bookings, not
// with the show's history. It never fails.
func (tx *memTx) SeatsOfUser(userID string, now time.Time) (int, error) {
	return tx.seatsOfUser(userID, now), nil
}

func (tx *memTx) seatsOfUser(userID string, now time.Time) int {
	r := tx.rec
	if r.openByUser == nil {
		r.indexOpen()
	}
	n := 0
	for _, p := range r.openByUser[userID] {
		// A booking the transaction touched is counted below, as it is
		// now (the index has it as it was).
		if !r.touched(p.id) && seatCapCounts(p.status, p.heldUntil, now) {
			n += len(p.seats)
		}
	}
	for i := range r.undoBookings {
		if p := r.undoBookings[i].p; p.userID == userID && seatCapCounts(p.status, p.heldUntil, now) {
			n += len(p.seats)
		}
	}
	return n
}

// ShowCancelled implements ShowTx.
func (tx *memTx) ShowCancelled() bool { return tx.rec.cancelled }

// CancelShow implements ShowTx; the undo log remembers whether this
// transaction set it.
func (tx *memTx) CancelShow() {
	if r := tx.rec; !r.cancelled {
		r.cancelled, r.cancelledNow = true, true
	}
}

// PutBooking stores b. Its Seats are copied unless they equal the stored
// booking's, which are then kept: stored Seats slices are never modified, so
// the undo log may keep referring to them.
func (tx *memTx) PutBooking(b Booking) { tx.put(&b) }

// addHold stores the record of a new hold, which the caller allocated
// before taking the show's lock and never uses again; its Seats are the
// hold's own (HoldSeats hands them only to its caller, as a Booking whose
// Seats are documented read-only). PutBooking would copy the seats, and
// copy a Booking into a record of its own: an allocation and two copies
// per hold.
//
// key is the slot key of the record's ID (showRecord.numberedID): the ID
// gets the next slot here, under the show's lock, so that only a hold
// that is stored takes one. An ID with a fresh slot is new to r: the ID
// of any other booking has another slot or, stored in the map, other
// random bits, which only a guess of 74 random bits could match.
func (tx *memTx) addHold(rec *bookingRecord, key slotKey) error {
	r := tx.rec
	if key.ok {
		slot := r.nextSlot()
		key.setSlot(&rec.id, slot)
		if slot != noSlot {
			r.storeAt(rec, int(slot))
			r.addTouched(rec, false)
			return nil
		}
	}
	if r.record(rec.id) != nil {
		return fmt.Errorf("boxoffice: booking ID %s is taken", rec.id)
	}
	r.store(rec)
	r.addTouched(rec, false)
	return nil
}

// holdSeats sets the seats at positions idx to slot: SetSeat without an
// interface call and a range check per seat (idx comes from the layout).
func (tx *memTx) holdSeats(idx []int, held SeatSlot) {
	r := tx.rec
	slot := memSlotOf(held)
	undo := r.growUndoSeats(len(idx))
	for _, i := range idx {
		if i < 0 || i >= len(r.seats) {
			tx.misuse(seatOutOfRange(r, i))
			break
		}
		s := &r.seats[i]
		undo = logSeat(undo, i, s)
		*s = slot
	}
	r.undoSeats = undo
}

// growUndoSeats returns the seat undo log with room for n more entries,
// which the caller adds with logSeat and stores back: an append per seat
// built each entry, 40 bytes, on the stack, and copied it, with a
// capacity check each time.
func (r *showRecord) growUndoSeats(n int) []seatUndo {
	return slices.Grow(r.undoSeats, n)
}

// logSeat adds seat i's slot *s to undo, which has room for it
// (growUndoSeats), writing the entry in place.
func logSeat(undo []seatUndo, i int, s *memSlot) []seatUndo {
	undo = undo[:len(undo)+1]
	u := &undo[len(undo)-1]
	// Two statements: a tuple assignment evaluates *s into a temporary
	// first, and copied the slot twice.
	u.i = i
	u.old = *s
	return undo
}

// seatsFree reports whether the seats at positions idx are all
// available at the instant at (SeatSlot.StatusAt), reading them in
// place: what a hold's transaction asks of every seat, a Seat call per
// seat that copies the slot out.
func (tx *memTx) seatsFree(idx []int, at instant) bool {
	seats := tx.rec.seats
	for _, i := range idx {
		if i < 0 || i >= len(seats) {
			return false
		}
		if seats[i].statusAt(at) != SeatAvailable {
			return false
		}
	}
	return true
}

// endHold is the in-memory Store's part of ending a hold: the stored record
// of the booking moves to status to in place, and the seats it still owns
// become available. The generic path copies the booking out, edits the
// copy and puts it back: two more map lookups, a seat lookup by ID per
// seat and two copies of the record. The caller has checked that the move
// is allowed.
func (tx *memTx) endHold(p *bookingRecord, to BookingStatus, now time.Time, layout *Layout) freedSeats {
	r := tx.rec
	if !r.touched(p.id) {
		r.addTouchedStatus(p)
	}
	var f freedSeats
	known := len(p.seats) == int(p.npos) // then pos has every seat's position
	if known && r.freeOwnedSeats(p) {
		p.status, p.updatedAt = to, now
		return f
	}
	undo := r.growUndoSeats(len(p.seats))
	for k := range p.seats {
		var i int
		if known {
			i = int(p.pos[k]) // read here: position is a call per seat
		} else {
			i = p.position(k, layout)
		}
		if i >= 0 && i < len(r.seats) {
			if s := &r.seats[i]; s.ownedBy(p.id) {
				undo = logSeat(undo, i, s)
				*s = memSlot{}
				if f.partial {
					f.seats = append(f.seats, p.seats[k].ID)
				}
				continue
			}
		}
		f.partial, f.seats = partlyFreed(f, p.seats[:k])
	}
	r.undoSeats = undo
	p.status, p.updatedAt = to, now
	return f
}

// freeOwnedSeats frees the seats at the record's known positions if the
// booking owns every one of them, the common case, and reports whether it
// did; else it writes nothing, and endHold's general loop finds which it
// owns. Checked first, the seats are then freed in a loop that carries
// none of the general one's bookkeeping.
func (r *showRecord) freeOwnedSeats(p *bookingRecord) bool {
	pos := p.pos[:p.npos]
	for _, i := range pos {
		if int(i) >= len(r.seats) || !r.seats[i].ownedBy(p.id) {
			return false
		}
	}
	undo := r.growUndoSeats(len(pos))
	for _, i := range pos {
		s := &r.seats[i]
		undo = logSeat(undo, int(i), s)
		*s = memSlot{}
	}
	r.undoSeats = undo
	return true
}

// put stores *b. b does not escape (it may be on the caller's stack).
func (tx *memTx) put(b *Booking) {
	r := tx.rec
	p := r.record(b.ID)
	existed := p != nil
	seats := b.Seats
	if existed && slices.Equal(p.seats, seats) {
		seats = p.seats
	} else {
		seats = slices.Clone(seats)
	}
	if !existed {
		p = &bookingRecord{id: b.ID}
		r.store(p)
	}
	if k := r.touchedAt(b.ID); k < 0 {
		r.addTouched(p, existed)
	} else if u := &r.undoBookings[k]; u.statusOnly {
		r.wholeUndo(u)
	}
	p.set(b, seats)
}

// touched reports whether the running transaction already put the booking.
func (r *showRecord) touched(id BookingID) bool { return r.touchedAt(id) >= 0 }

// touchedAt returns the index of the booking's entry in the undo log, or
// -1 if the running transaction has not touched it. Most transactions
// touch a booking or two, where a scan beats a map.
func (r *showRecord) touchedAt(id BookingID) int {
	if len(r.undoBookings) > touchedScanLimit {
		if k, ok := r.touchedSet[id]; ok {
			return k
		}
		return -1
	}
	for i := range r.undoBookings {
		if r.undoBookings[i].old.id == id {
			return i
		}
	}
	return -1
}

// addTouchedStatus logs the status and updatedAt of the stored booking p
// before the transaction changes them, and nothing else of it, in place
// (memTx.endHold): a status-only entry (bookingUndo.statusOnly).
func (r *showRecord) addTouchedStatus(p *bookingRecord) {
	u := r.nextUndo()
	u.old.id, u.old.status, u.old.updatedAt = p.id, p.status, p.updatedAt
	u.p, u.existed, u.statusOnly = p, true, true
	r.indexTouched(u)
}

// wholeUndo makes a status-only entry whole before a write of more than
// the status: the booking as it was is its record now but for the status
// and updatedAt the entry kept.
func (r *showRecord) wholeUndo(u *bookingUndo) {
	status, updatedAt := u.old.status, u.old.updatedAt
	u.old = *u.p
	u.old.status, u.old.updatedAt = status, updatedAt
	u.statusOnly = false
}

// addTouched logs the state of the stored booking p before its first put:
// as it is, if it existed, else its ID alone. The entry is filled in
// place: a bookingUndo built and passed by value was copied twice.
func (r *showRecord) addTouched(p *bookingRecord, existed bool) {
	u := r.nextUndo()
	if existed {
		u.old = *p
	} else {
		u.old.id = p.id
	}
	u.p, u.existed = p, existed
	r.indexTouched(u)
}

// nextUndo adds an entry to the undo log and returns it, as the last
// transaction that used it left it: the caller sets every field read.
func (r *showRecord) nextUndo() *bookingUndo {
	// Take the next entry as it is instead of appending a zero one, a
	// write of 200 bytes: every field read is set by the caller (old only
	// its id unless existed, its id, status and updatedAt if statusOnly),
	// and endTx clears the pointers of the entries it used (all of an
	// entry that existed, whose old is a whole record), so that none keeps
	// an old record alive, and statusOnly.
	if n := len(r.undoBookings); n < cap(r.undoBookings) {
		r.undoBookings = r.undoBookings[:n+1]
	} else {
		r.undoBookings = append(r.undoBookings, bookingUndo{})
	}
	return &r.undoBookings[len(r.undoBookings)-1]
}

// indexTouched adds the last entry u of the undo log to touchedSet once
// the log is past touchedScanLimit.
func (r *showRecord) indexTouched(u *bookingUndo) {
	switch n := len(r.undoBookings); {
	case n == touchedScanLimit+1:
		if r.touchedSet == nil {
			r.touchedSet = make(map[BookingID]int)
		}
		for i := range r.undoBookings {
			r.touchedSet[r.undoBookings[i].old.id] = i
		}
	case n > touchedScanLimit+1:
		r.touchedSet[u.old.id] = n - 1
	}
}

func (tx *memTx) misuse(err error) {
	if tx.err == nil {
		tx.err = err
	}
}

func seatOutOfRange(r *showRecord, i int) error {
	return invalid("seat", "position %d is outside show %q's %d seats", i, r.show.ID, len(r.seats))
}

// listedSeats returns the seats a listing counts: those of the hall's
// layout, the stored ones past them left out (a show stored with more
// seats, by a caller of AddShow other than ScheduleShow). A show stored
// with fewer is refused by its caller (ShowsOfMovie), as by SeatMap. The
// slice itself is never replaced, so no lock is needed.
func (r *showRecord) listedSeats() []memSlot {
	if r.hallSeats >= 0 && r.hallSeats < len(r.seats) {
		return r.seats[:r.hallSeats]
	}
	return r.seats
}

// freeSeats returns how many of the show's seats are free at now, and how
// many it has: what ViewShow would count by reading every seat, which it
// does only when the show committed or a hold lapsed since the last count.
// ShowsOfMovie asks for a page of a movie's shows on every call, and a show
// is listed far more often than it changes: counting afresh each time made
// a page of 1,000 shows of 600 seats cost 0.3 ms.
//
// It also reports whether the show is cancelled, which then has no seat
// for sale (free 0), read under the same rules, without a lock. It counts
// the seats of the hall's layout only (listedSeats), as SeatMap does.
func (r *showRecord) freeSeats(now time.Time) (free, total int, cancelled bool) {
	seats := r.listedSeats()
	// A count still valid needs no lock: it is the count of the last
	// committed state, which a transaction in flight has not replaced yet.
	// Taking the read lock would queue this call behind every writer of
	// every show listed.
	if c := r.free.Load(); c != nil && c.validAt(r.commits.Load(), now) {
		return c.free, len(seats), c.cancelled
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	c := &freeCount{commits: r.commits.Load(), at: now, cancelled: r.cancelled}
	if c.cancelled {
		r.free.Store(c)
		return 0, len(seats), true
	}
	at := instantOf(now)
	var until instant // c.until, compared as an instant
	for i := range seats {
		slot := &seats[i]
		switch {
		case slot.statusAt(at) == SeatAvailable:
			c.free++
		case slot.status == SeatHeld && (!c.live || slot.until().before(until)):
			until, c.live = slot.until(), true
		}
	}
	c.until = until.time()
	r.free.Store(c)
	return c.free, len(seats), false
}

// ViewShow implements [Store]. fn runs under the show's read lock, so views of
// one show run in parallel with each other but never alongside an
// [MemoryStore.UpdateShow]; fn must not call UpdateShow or ViewShow of the
// same show. Calling SetSeat, PutBooking or CancelShow changes nothing and
// makes ViewShow return an error matching [ErrInvalidArgument], even if fn
// returned another error. The [ShowTx] is valid only until fn returns; the
// Seats of a [MemoryStore.Booking] read through it are shared with the Store
// and must not be modified.
func (s *MemoryStore) ViewShow(ctx context.Context, showID string, fn func(tx ShowTx) error) error {
	if err := s.made(); err != nil {
		return err
	}
	r, err := s.showRecord(ctx, showID)
	if err != nil {
		return err
	}
	tx := s.viewTxs.Get().(*memViewTx)
	tx.rec = r
	defer func() {
		*tx = memViewTx{}
		s.viewTxs.Put(tx)
	}()
	r.mu.RLock()
	defer r.mu.RUnlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	err = fn(tx)
	if tx.err != nil {
		return tx.err
	}
	return err
}

// memViewTx is the read-only ShowTx of ViewShow.
type memViewTx struct {
	rec *showRecord
	err error // the first misuse, returned by ViewShow
}

func (tx *memViewTx) Show() Show    { return tx.rec.show }
func (tx *memViewTx) NumSeats() int { return len(tx.rec.seats) }

func (tx *memViewTx) Seat(i int) SeatSlot {
	if i < 0 || i >= len(tx.rec.seats) {
		tx.misuse(seatOutOfRange(tx.rec, i))
		return SeatSlot{}
	}
	return tx.rec.seats[i].seatSlot()
}

func (tx *memViewTx) SetSeat(int, SeatSlot) {
	tx.misuse(invalid("ShowTx", "SetSeat called inside ViewShow of show %q; use UpdateShow", tx.rec.show.ID))
}

func (tx *memViewTx) Booking(id BookingID) (Booking, error) {
	b := tx.rec.record(id)
	if b == nil {
		return Booking{}, ErrNotFound
	}
	return b.booking(), nil
}

func (tx *memViewTx) PutBooking(Booking) {
	tx.misuse(invalid("ShowTx", "PutBooking called inside ViewShow of show %q; use UpdateShow", tx.rec.show.ID))
}

func (tx *memViewTx) ShowCancelled() bool { return tx.rec.cancelled }

func (tx *memViewTx) CancelShow() {
	tx.misuse(invalid("ShowTx", "CancelShow called inside ViewShow of show %q; use UpdateShow", tx.rec.show.ID))
}

func (tx *memViewTx) misuse(err error) {
	if tx.err == nil {
		tx.err = err
	}
}

// Booking implements [Store]: an index lookup, then a read under the show's
// lock. The booking is a copy with its own Seats.
func (s *MemoryStore) Booking(ctx context.Context, id BookingID) (Booking, error) {
	if err := s.made(); err != nil {
		return Booking{}, err
	}
	if err := ctx.Err(); err != nil {
		return Booking{}, err
	}
	b, ok := s.lookupBooking(id)
	if !ok {
		return Booking{}, fmt.Errorf("booking %s: %w", id, ErrNotFound)
	}
	return b, nil
}

// bookingPlace is where the in-memory Store found a committed booking:
// its show's record and, when found by the show number its ID carries,
// the slot the ID carries there (slotOf), so that a later lookup in that
// show (recordIn) need not read the ID again: each read is a keyed hash,
// and a release read it twice, one hold and release in seventy.
type bookingPlace struct {
	rec  *showRecord // nil: not found
	slot int32       // rec.slotOf of the ID: the slot, or placeNoSlot, or placeUnknown
	// unchecked: rec is only the show the ID is numbered with
	// (numberedPlace), not yet seen to have the booking; a transaction
	// that finds no booking there returns errNotInPlace, not ErrNotFound.
	unchecked bool
}

// Values of bookingPlace.slot that are no slot.
const (
	placeUnknown = -1 // slotOf was not read: recordIn reads it
	placeNoSlot  = -2 // the ID carries no slot of rec (slotOf's false)
)

// recordIn is record for an ID found at pl: by its slot if pl knows it
// for r, else as record does.
func (r *showRecord) recordIn(id BookingID, pl bookingPlace) *bookingRecord {
	if pl.rec != r || pl.slot == placeUnknown {
		return r.record(id)
	}
	return r.recordAt(int(pl.slot), pl.slot >= 0, id)
}

// lookupBooking returns a copy of a committed booking.
func (s *MemoryStore) lookupBooking(id BookingID) (Booking, bool) {
	pl := s.showHolding(id)
	r := pl.rec
	if r == nil {
		return Booking{}, false
	}
	var b Booking
	r.mu.RLock()
	p := r.recordIn(id, pl)
	ok := p != nil
	if ok {
		b = p.booking()
	}
	r.mu.RUnlock()
	b.Seats = cloneSeats(b.Seats)
	return b, ok
}

// showHolding returns where the committed booking is (see bookingPlace),
// with a nil record if nowhere: the show its ID is numbered with if that
// show has it, else the one the bookings index names.
func (s *MemoryStore) showHolding(id BookingID) bookingPlace {
	// The ID's number and slot, read once: each read is a keyed hash.
	if r, slot, hasSlot := s.numberedShow(id); r != nil {
		r.mu.RLock()
		ok := r.recordAt(slot, hasSlot, id) != nil
		r.mu.RUnlock()
		if ok {
			pl := bookingPlace{rec: r, slot: placeNoSlot}
			if hasSlot {
				pl.slot = int32(slot) // under 1<<24 (noSlot)
			}
			return pl
		}
	}
	sh := s.bookingShard(id)
	sh.mu.Lock()
	r := sh.m[id]
	sh.mu.Unlock()
	return bookingPlace{rec: r, slot: placeUnknown}
}

// numberedPlace is showHolding for a caller that takes the show's write
// lock next and looks the booking up under it (a release): the show the ID
// is numbered with, unchecked, and else showHolding. Checking under the
// show's read lock first, as showHolding does, took the lock of a hot
// show twice an operation, each time behind its writers. A record once
// committed never leaves its show (remove undoes only the running
// transaction's), so a booking the check would have found is still there
// under the write lock; one that is not there is looked for again by
// showHolding (errNotInPlace).
func (s *MemoryStore) numberedPlace(id BookingID) bookingPlace {
	if r, slot, hasSlot := s.numberedShow(id); r != nil {
		pl := bookingPlace{rec: r, slot: placeNoSlot, unchecked: true}
		if hasSlot {
			pl.slot = int32(slot) // under 1<<24 (noSlot)
		}
		return pl
	}
	return s.showHolding(id)
}

// showOfBooking returns where the show whose transactions hold the
// booking has it: the BookingSystem's way to find a booking's show
// without the copy Booking makes. unchecked: found by numberedPlace,
// for a caller that looks the booking up under the show's write lock.
func (s *MemoryStore) showOfBooking(ctx context.Context, id BookingID, unchecked bool) (bookingPlace, error) {
	if err := ctx.Err(); err != nil {
		return bookingPlace{}, err
	}
	var pl bookingPlace
	if unchecked {
		pl = s.numberedPlace(id)
	} else {
		pl = s.showHolding(id)
	}
	if pl.rec == nil {
		return bookingPlace{}, fmt.Errorf("booking %s: %w", id, ErrNotFound)
	}
	return pl, nil
}

// BookingsOfUser implements [Store]: up to limit bookings after the cursor,
// ordered by CreatedAt, then ID, or the reverse. A user with no bookings
// gets an empty slice, not an error. A page costs a binary search of the
// user's sorted keys and a copy of limit of them, under the user shard's
// lock, then one lookup per booking, under its show's read lock; and, the
// first time after bookings made at one instant, a sort of the user's
// keys.
func (s *MemoryStore) BookingsOfUser(ctx context.Context, userID string, after BookingCursor, limit int, order Order) ([]Booking, error) {
	if err := s.made(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := []Booking{}
	if limit <= 0 {
		return out, nil
	}
	sh := s.userShard(userID)
	from, bounded := userKeyOf(after.At, after.ID), !after.IsZero()
	var keys []userKey
	for {
		want := limit - len(out)
		sh.mu.Lock()
		var all []userKey
		if u := sh.m[userID]; u != nil {
			u.sort()
			all = u.keys
		}
		var more bool
		keys, more = userPage(keys[:0], all, from, bounded, want, order)
		sh.mu.Unlock()
		if len(keys) == 0 {
			return out, nil
		}
		out = slices.Grow(out, len(keys))
		for _, k := range keys {
			// A booking moved to another user or CreatedAt since the
			// keys were read is left out: it is listed at its new place.
			if b, ok := s.lookupBooking(k.id); ok && b.UserID == userID && userKeyOf(b.CreatedAt, b.ID) == k {
				out = append(out, b)
			}
		}
		if len(out) == limit || !more {
			return out, nil
		}
		// Some were left out and the user has more: fill the page from
		// the last key read.
		from, bounded = keys[len(keys)-1], true
	}
}

// userPage appends to keys up to want of the sorted keys all that come
// after from (after none when not bounded) in the order asked, and
// reports whether more come after them.
func userPage(keys, all []userKey, from userKey, bounded bool, want int, order Order) ([]userKey, bool) {
	if order == NewestFirst {
		end := len(all) // keys before all[end] come after from, newest first
		if bounded {
			end, _ = slices.BinarySearchFunc(all, from, userKey.compare)
		}
		start := max(0, end-want)
		for i := end - 1; i >= start; i-- {
			keys = append(keys, all[i])
		}
		return keys, start > 0
	}
	i := 0
	if bounded {
		var found bool
		if i, found = slices.BinarySearchFunc(all, from, userKey.compare); found {
			i++
		}
	}
	keys = append(keys, all[i:min(len(all), i+want)]...)
	return keys, i+len(keys) < len(all)
}

// ExpiredHolds implements [ExpiredHoldLister]: bookings in state held whose
// HeldUntil is at or before now, the longest expired first, at most limit
// (none when limit ≤ 0). It scans every show, one show's read lock at a time;
// the sweeper calls it about once a minute, and a [Store] with an index on
// (status, held_until) would not scan.
func (s *MemoryStore) ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]HoldRef, error) {
	if err := s.made(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return []HoldRef{}, nil
	}
	s.catalogMu.RLock()
	recs := make([]*showRecord, 0, len(s.shows))
	for _, r := range s.shows {
		recs = append(recs, r)
	}
	s.catalogMu.RUnlock()

	refs := []HoldRef{}
	for _, r := range recs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r.mu.RLock()
		r.eachBooking(func(b *bookingRecord) {
			if b.status == StatusHeld && !b.heldUntil.After(now) {
				refs = append(refs, HoldRef{ShowID: r.show.ID, Booking: b.id, HeldUntil: b.heldUntil})
			}
		})
		r.mu.RUnlock()
	}
	slices.SortFunc(refs, func(a, b HoldRef) int {
		if c := a.HeldUntil.Compare(b.HeldUntil); c != 0 {
			return c
		}
		return bytes.Compare(a.Booking[:], b.Booking[:])
	})
	if len(refs) > limit {
		refs = refs[:limit]
	}
	return refs, nil
}

// madeByNew reports whether s was made by NewMemoryStore, for New, which
// refuses a zero (or nil) MemoryStore: its maps are nil. NewMemoryStore
// alone sets movies, and nothing replaces it, so reading it needs no lock.
func (s *MemoryStore) madeByNew() bool { return s != nil && s.movies != nil }

// errStoreNotMade is what the methods of a MemoryStore not made by
// NewMemoryStore return: it acts as a closed one, as a BookingSystem not
// made by New does (errNotMade).
var errStoreNotMade = fmt.Errorf("boxoffice: the MemoryStore was not made by NewMemoryStore: %w", ErrClosed)

// made returns errStoreNotMade if s was not made by NewMemoryStore. Every
// exported method calls it first. The BookingSystem's fast paths call the
// unexported methods, which do not: New refused such a store already.
func (s *MemoryStore) made() error {
	if !s.madeByNew() {
		return errStoreNotMade
	}
	return nil
}
