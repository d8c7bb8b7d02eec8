package boxoffice_test

// Benchmarks of the hot paths, side by side with a floor: a deliberately
// minimal hold (one sync.Mutex, a slice of seat states, check 4 then set 4).
// The hold benchmarks time the floor for the same b.N inside the same
// function and report the library's cost as a ratio to it (x-floor), so
// every run, on any machine, says how far from the floor the library is.
// BENCHMARKS.md has the figures and the command that produced them:
//
//	go test -run '^$' -bench . -benchtime 1s -count 5 .
//
// Every configuration but BenchmarkHoldReleaseWithLimits's turns the
// per-user limits off (HoldsPerMinute and MaxLiveHoldsPerUser -1): they
// would refuse a benchmark's user after a few holds, and they are not what
// is measured there. Time comes from benchClock,
// which stands still unless a benchmark moves it.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/internal/randid"
)

// benchStart is the benchmarks' clock reading; shows start days later.
var benchStart = time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)

// benchClock is a Clock whose time moves only when a benchmark sets it. Now
// reads an atomic and takes no lock, so that the clock adds no shared lock
// of its own to the parallel benchmarks (fakeclock.Clock's Now takes a
// mutex). Its timers never fire: benchmarks call Sweep themselves.
type benchClock struct{ ns atomic.Int64 }

func newBenchClock(t time.Time) *benchClock {
	c := &benchClock{}
	c.Set(t)
	return c
}

func (c *benchClock) Now() time.Time                         { return time.Unix(0, c.ns.Load()).UTC() }
func (c *benchClock) Set(t time.Time)                        { c.ns.Store(t.UnixNano()) }
func (c *benchClock) NewTimer(time.Duration) boxoffice.Timer { return benchIdleTimer{} }

// AfterFunc never calls f, as the clock's timers never fire. Having it, the
// clock bounds gateway calls (Config.PaymentTimeout) the way fakeclock
// does, without a goroutine per call watching a timer that never fires.
func (c *benchClock) AfterFunc(time.Duration, func()) (stop func() bool) { return benchNoStop }

func benchNoStop() bool { return false }

type benchIdleTimer struct{}

func (benchIdleTimer) C() <-chan time.Time      { return nil }
func (benchIdleTimer) Stop() bool               { return false }
func (benchIdleTimer) Reset(time.Duration) bool { return false }

// benchEnv is a BookingSystem on a benchClock with one movie and one
// theater; shows are added with addShows.
type benchEnv struct {
	ctx     context.Context
	clock   *benchClock
	sys     *boxoffice.BookingSystem
	movie   string
	theater string
	halls   int
}

func newBenchEnv(tb testing.TB, edit ...func(*boxoffice.Config)) *benchEnv {
	tb.Helper()
	e := &benchEnv{ctx: context.Background(), clock: newBenchClock(benchStart)}
	cfg := boxoffice.Config{
		Clock:               e.clock,
		HoldsPerMinute:      -1,
		MaxLiveHoldsPerUser: -1,
		Logger:              slog.New(slog.DiscardHandler),
	}
	for _, f := range edit {
		f(&cfg)
	}
	sys, err := boxoffice.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	e.sys = sys
	tb.Cleanup(e.close)
	m, err := sys.AddMovie(e.ctx, boxoffice.Movie{ID: "bench-movie", Title: "Benchmark", Duration: 2 * time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	t, err := sys.AddTheater(e.ctx, boxoffice.Theater{ID: "bench-theater", Name: "Bench", City: "Pune"})
	if err != nil {
		tb.Fatal(err)
	}
	e.movie, e.theater = m.ID, t.ID
	return e
}

// close closes the system and lets go of it, so that a benchmark that
// replaces its environment does not keep the old one's bookings alive.
func (e *benchEnv) close() {
	if e.sys != nil {
		_ = e.sys.Close(context.Background())
		e.sys = nil
	}
}

// showsPerHall is how many shows addShows puts in one hall, four hours apart.
const showsPerHall = 100

// addShows schedules n shows of layout, in halls of showsPerHall shows,
// starting 60 days after benchStart, and returns their IDs.
func (e *benchEnv) addShows(tb testing.TB, n int, layout *boxoffice.Layout) []string {
	tb.Helper()
	ids := make([]string, 0, n)
	var hall string
	for i := range n {
		if i%showsPerHall == 0 {
			e.halls++
			h, err := e.sys.AddHall(e.ctx, boxoffice.Hall{ID: fmt.Sprintf("bench-hall-%d", e.halls),
				TheaterID: e.theater, Name: "Hall", Layout: layout})
			if err != nil {
				tb.Fatal(err)
			}
			hall = h.ID
		}
		s, err := e.sys.ScheduleShow(e.ctx, boxoffice.Show{ID: fmt.Sprintf("%s-show-%d", hall, i%showsPerHall),
			MovieID: e.movie, HallID: hall, BasePrice: 1200,
			Start: benchStart.Add(60*24*time.Hour + time.Duration(i%showsPerHall)*4*time.Hour)})
		if err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	return ids
}

// gridLayout is rows × perRow seats; rows A–B VIP, C–D Premium, the rest
// Regular, like the seed hall.
func gridLayout(tb testing.TB, rows, perRow int) *boxoffice.Layout {
	tb.Helper()
	l, err := boxoffice.GridLayout(rows, perRow, func(row, _ int) boxoffice.SeatType {
		switch {
		case row < 2:
			return boxoffice.VIP
		case row < 4:
			return boxoffice.Premium
		}
		return boxoffice.Regular
	})
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// seatGroups splits the layout's seats into groups of size consecutive
// seats, so that holds of different groups never conflict.
func seatGroups(l *boxoffice.Layout, size int) [][]string {
	var groups [][]string
	seats := l.Seats()
	for i := 0; i+size <= len(seats); i += size {
		g := make([]string, size)
		for k := range g {
			g[k] = seats[i+k].ID
		}
		groups = append(groups, g)
	}
	return groups
}

// holdRelease holds the seats and releases them again: one operation of
// the hold benchmarks.
func (e *benchEnv) holdRelease(user, show string, seats []string) error {
	b, err := e.sys.HoldSeats(e.ctx, user, show, seats)
	if err != nil {
		return fmt.Errorf("hold %v: %w", seats, err)
	}
	if _, err := e.sys.ReleaseHold(e.ctx, b.ID); err != nil {
		return fmt.Errorf("release: %w", err)
	}
	return nil
}

// floorShow is the floor: the least a correct hold can do. One mutex, one
// slot per seat holding the owner (0: free), check every seat, then set
// every seat. No booking record, no price, no deadline, no event.
type floorShow struct {
	mu    sync.Mutex
	seats []uint64
}

func (s *floorShow) hold(owner uint64, seats *[4]int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, i := range seats {
		if s.seats[i] != 0 {
			return false
		}
	}
	for _, i := range seats {
		s.seats[i] = owner
	}
	return true
}

func (s *floorShow) release(owner uint64, seats *[4]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, i := range seats {
		if s.seats[i] == owner {
			s.seats[i] = 0
		}
	}
}

// floorSink keeps the floor's results alive so the compiler keeps its work.
var floorSink atomic.Int64

// floorTimer times hold+release operations of the floor on a 600-seat
// show, adding up over several runs.
type floorTimer struct {
	show  floorShow
	owner uint64
	ns    int64
	ops   int
}

func newFloorTimer() *floorTimer { return &floorTimer{show: floorShow{seats: make([]uint64, 600)}} }

// run times n more operations.
func (f *floorTimer) run(n int) {
	seats := [4]int{0, 1, 2, 3}
	ok := 0
	t0 := time.Now()
	for range n {
		f.owner++
		if f.show.hold(f.owner, &seats) {
			ok++
		}
		f.show.release(f.owner, &seats)
	}
	f.ns += time.Since(t0).Nanoseconds()
	f.ops += n
	floorSink.Add(int64(ok))
}

// nsPerOp is the mean over every run so far.
func (f *floorTimer) nsPerOp() float64 { return float64(f.ns) / float64(f.ops) }

// report reports the library's ns/op as a multiple of the floor's.
func (f *floorTimer) report(b *testing.B, libNs float64) {
	b.ReportMetric(f.nsPerOp(), "floor-ns/op")
	b.ReportMetric(libNs/f.nsPerOp(), "x-floor")
}

// nsPerOp is the timed cost of one iteration of the benchmark that just ran.
func nsPerOp(b *testing.B) float64 { return float64(b.Elapsed().Nanoseconds()) / float64(b.N) }

// reportVsFloor times the floor for the benchmark's b.N and reports the
// benchmark's ns/op as a multiple of it. Call it after the timed loop.
func reportVsFloor(b *testing.B, libNs float64) {
	f := newFloorTimer()
	f.run(b.N)
	f.report(b, libNs)
}

// BenchmarkFloor is the floor alone: hold 4 seats and release them with one
// mutex and a slice of seat states.
func BenchmarkFloor(b *testing.B) {
	s := &floorShow{seats: make([]uint64, 600)}
	seats := [4]int{0, 1, 2, 3}
	var owner uint64
	for b.Loop() {
		owner++
		if !s.hold(owner, &seats) {
			b.Fatal("floor hold refused")
		}
		s.release(owner, &seats)
	}
}

// recordFloor is the floor plus the least that makes a hold a booking
// someone can release later by its ID alone: a random 128-bit ID, a record
// on the heap, and a map from ID to record that the release looks up. No
// price, no validation, no deadline for a sweeper, no index by user, no
// undo log, no events. BenchmarkFloorRecord measures it, to tell the cost
// of having a booking at all from the cost of the library's other work.
type recordFloor struct {
	mu    sync.Mutex
	seats []*floorRecord
	byID  map[[16]byte]*floorRecord
	ids   randid.Source
}

type floorRecord struct {
	id       [16]byte
	user     string
	seats    [4]int
	released bool
	at       time.Time
}

func newRecordFloor() *recordFloor {
	return &recordFloor{seats: make([]*floorRecord, 600), byID: make(map[[16]byte]*floorRecord)}
}

func (f *recordFloor) hold(user string, seats *[4]int, at time.Time) ([16]byte, bool) {
	r := &floorRecord{id: f.ids.UUID(), user: user, seats: *seats, at: at}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, i := range seats {
		if f.seats[i] != nil {
			return [16]byte{}, false
		}
	}
	for _, i := range seats {
		f.seats[i] = r
	}
	f.byID[r.id] = r
	return r.id, true
}

func (f *recordFloor) release(id [16]byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.byID[id]
	if r == nil || r.released {
		return false
	}
	for _, i := range r.seats {
		if f.seats[i] == r {
			f.seats[i] = nil
		}
	}
	r.released = true
	return true
}

// BenchmarkFloorRecord is recordFloor's hold and release of 4 seats, as a
// multiple of the floor measured in the same pauses as BenchmarkHoldRelease
// measures it, with a fresh map every opsPerSystem operations as there.
func BenchmarkFloorRecord(b *testing.B) {
	seats := [4]int{0, 1, 2, 3}
	f := newRecordFloor()
	loopAgainstFloor(b, func() { f = newRecordFloor() }, func() error {
		if id, ok := f.hold("user-1", &seats, benchStart); !ok || !f.release(id) {
			return errors.New("record floor refused")
		}
		return nil
	})
}

// apiFloor is the least a hold and its release cost with this package's
// API, each part done the plainest fast way and nothing else: the show
// found by its ID string in a map, the seat IDs read by Layout.Index, a
// record on the heap holding the Booking with its seats, a random ID that
// carries the show's number and the record's slot, the seats checked and
// set under the show's mutex, the booking added to an index by user (for
// BookingsOfUser) and its deadline to a queue (for the sweeper), each
// under a mutex of its own, and the Booking returned by value; the
// release finds the show and the record by the ID. No validation, price,
// event, undo log, limit, Store interface, rate limit or gate for Close.
// BenchmarkFloorAPI measures it: how far the library could get toward the
// floor without changing its API.
type apiFloor struct {
	shows     map[string]*apiFloorShow
	byNumber  []*apiFloorShow
	ids       randid.Source
	usersMu   sync.Mutex
	users     map[string][]boxoffice.BookingID
	queueMu   sync.Mutex
	deadlines []apiFloorDeadline
}

type apiFloorShow struct {
	mu      sync.Mutex
	id      string
	layout  *boxoffice.Layout
	seats   []*apiFloorRecord
	records []*apiFloorRecord // by slot
}

type apiFloorRecord struct {
	b     boxoffice.Booking
	seats [4]boxoffice.BookingSeat
	pos   [4]int
}

type apiFloorDeadline struct {
	at time.Time
	id boxoffice.BookingID
}

func newAPIFloor(showID string, layout *boxoffice.Layout) *apiFloor {
	sh := &apiFloorShow{id: showID, layout: layout, seats: make([]*apiFloorRecord, layout.Len())}
	return &apiFloor{shows: map[string]*apiFloorShow{showID: sh}, byNumber: []*apiFloorShow{sh},
		users: make(map[string][]boxoffice.BookingID)}
}

func (f *apiFloor) hold(userID, showID string, seatIDs []string, now time.Time) (boxoffice.Booking, bool) {
	sh := f.shows[showID]
	if sh == nil || len(seatIDs) > 4 {
		return boxoffice.Booking{}, false
	}
	r := &apiFloorRecord{}
	for k, sid := range seatIDs {
		i, ok := sh.layout.Index(sid)
		if !ok {
			return boxoffice.Booking{}, false
		}
		r.pos[k] = i
		r.seats[k] = boxoffice.BookingSeat{ID: sid}
	}
	id := boxoffice.BookingID(f.ids.UUID())
	r.b = boxoffice.Booking{ID: id, UserID: userID, ShowID: showID, Seats: r.seats[:len(seatIDs)],
		Status: boxoffice.StatusHeld, CreatedAt: now, HeldUntil: now.Add(10 * time.Minute), UpdatedAt: now}
	sh.mu.Lock()
	for _, i := range r.pos[:len(seatIDs)] {
		if sh.seats[i] != nil {
			sh.mu.Unlock()
			return boxoffice.Booking{}, false
		}
	}
	for _, i := range r.pos[:len(seatIDs)] {
		sh.seats[i] = r
	}
	slot := len(sh.records)
	r.b.ID[0], r.b.ID[1], r.b.ID[2] = 0, byte(slot>>8), byte(slot) // show 0
	sh.records = append(sh.records, r)
	b := r.b
	sh.mu.Unlock()
	f.usersMu.Lock()
	f.users[userID] = append(f.users[userID], b.ID)
	f.usersMu.Unlock()
	f.queueMu.Lock()
	f.deadlines = append(f.deadlines, apiFloorDeadline{at: b.HeldUntil, id: b.ID})
	f.queueMu.Unlock()
	return b, true
}

func (f *apiFloor) release(id boxoffice.BookingID, now time.Time) (boxoffice.Booking, bool) {
	n, slot := int(id[0]), int(id[1])<<8|int(id[2])
	if n >= len(f.byNumber) {
		return boxoffice.Booking{}, false
	}
	sh := f.byNumber[n]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if slot >= len(sh.records) || sh.records[slot].b.ID != id || sh.records[slot].b.Status != boxoffice.StatusHeld {
		return boxoffice.Booking{}, false
	}
	r := sh.records[slot]
	for _, i := range r.pos[:len(r.b.Seats)] {
		if sh.seats[i] == r {
			sh.seats[i] = nil
		}
	}
	r.b.Status, r.b.UpdatedAt = boxoffice.StatusReleased, now
	return r.b, true
}

// BenchmarkFloorAPI is apiFloor's hold and release of 4 seats of a 600-seat
// show, as a multiple of the floor, with a fresh apiFloor every
// opsPerSystem operations as BenchmarkHoldRelease has a fresh system.
func BenchmarkFloorAPI(b *testing.B) {
	layout := gridLayout(b, 20, 30)
	seats := seatGroups(layout, 4)[0]
	f := newAPIFloor("show-1", layout)
	loopAgainstFloor(b, func() { f = newAPIFloor("show-1", layout) }, func() error {
		held, ok := f.hold("user-1", "show-1", seats, benchStart)
		if !ok {
			return errors.New("API floor refused a hold")
		}
		if _, ok := f.release(held.ID, benchStart); !ok {
			return errors.New("API floor refused a release")
		}
		return nil
	})
}

// loopAgainstFloor runs op b.N times, calling fresh off the clock every
// opsPerSystem operations, and reports op's cost as a multiple of the
// floor's. The floor runs in those pauses, as many operations as op did
// since the last pause, so that both see the machine in the same state:
// on a shared machine, a ratio of two figures taken seconds apart moved by
// half between runs.
func loopAgainstFloor(b *testing.B, fresh func(), op func() error) {
	floor := newFloorTimer()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%opsPerSystem == opsPerSystem-1 {
			b.StopTimer()
			floor.run(opsPerSystem)
			fresh()
			b.StartTimer()
		}
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	if floor.ops < b.N {
		floor.run(b.N - floor.ops)
	}
	floor.report(b, nsPerOp(b))
}

// opsPerSystem bounds the bookings a hold benchmark lets pile up: the
// store keeps every booking, released ones included, so b.N holds on one
// show would otherwise measure a show with b.N bookings (a million, at a
// second of benchmark time) instead of a hold. Every opsPerSystem
// operations the benchmark moves, untimed, to a fresh system (a round of
// BenchmarkHoldReleaseParallel is opsPerSystem operations too).
// BenchmarkHoldReleaseHistory measures holds against a long history.
const opsPerSystem = 10_000

// BenchmarkHoldRelease holds 4 seats of one 600-seat show and releases
// them, in one goroutine: a real booking record, priced, with a deadline
// on the sweeper's queue. allocs/hold counts the allocations of the hold
// alone (no observer, so no event is built).
func BenchmarkHoldRelease(b *testing.B) { benchHoldRelease(b, "user-1") }

// BenchmarkHoldReleaseLongUserID is BenchmarkHoldRelease with a user ID
// of the length services pass (an identity provider's subject: a UUID,
// or "auth0|" and 24 hex digits, 20 to 40 bytes), where the one of
// BenchmarkHoldRelease is 6 bytes: what hashes or scans the user ID costs
// in proportion to its length, which "user-1" hides.
func BenchmarkHoldReleaseLongUserID(b *testing.B) {
	benchHoldRelease(b, "auth0|64f1c2a9e07b3d5c81f4a2e6")
}

func benchHoldRelease(b *testing.B, user string) {
	layout := gridLayout(b, 20, 30)
	seats := seatGroups(layout, 4)[0]
	var e *benchEnv
	var show string
	fresh := func() {
		if e != nil {
			e.close()
		}
		e = newBenchEnv(b)
		show = e.addShows(b, 1, layout)[0]
		if err := e.holdRelease(user, show, seats); err != nil { // load the show's entry
			b.Fatal(err)
		}
	}
	fresh()
	loopAgainstFloor(b, fresh, func() error { return e.holdRelease(user, show, seats) })
	fresh()
	b.ReportMetric(allocsPerHold(b, e, show, layout), "allocs/hold")
}

// BenchmarkHoldReleaseWithLimits is BenchmarkHoldRelease with the per-user
// limits at their defaults (HoldsPerMinute 3, MaxLiveHoldsPerUser 5), as an
// adopter runs them: every hold takes a token from the user's bucket and a
// live-hold slot, which its release frees. The clock moves limitsClockStep
// after each operation, more than the bucket takes to refill a token, so
// that no hold is refused; one that is fails the benchmark, so it cannot
// measure refusals instead of holds.
func BenchmarkHoldReleaseWithLimits(b *testing.B) {
	const user = "user-1"
	layout := gridLayout(b, 20, 30)
	seats := seatGroups(layout, 4)[0]
	var e *benchEnv
	var show string
	fresh := func() {
		if e != nil {
			e.close()
		}
		e = newBenchEnv(b, func(c *boxoffice.Config) { c.HoldsPerMinute, c.MaxLiveHoldsPerUser = 0, 0 })
		if c := e.sys.Config(); c.HoldsPerMinute <= 0 || c.MaxLiveHoldsPerUser <= 0 {
			b.Fatalf("limits off: HoldsPerMinute %d, MaxLiveHoldsPerUser %d", c.HoldsPerMinute, c.MaxLiveHoldsPerUser)
		}
		show = e.addShows(b, 1, layout)[0]
		if err := e.holdRelease(user, show, seats); err != nil { // load the show's entry
			b.Fatal(err)
		}
	}
	fresh()
	loopAgainstFloor(b, fresh, func() error {
		err := e.holdRelease(user, show, seats)
		// An atomic add: Set(Now().Add(…)) cost some 200 instructions an
		// op, a tenth of what the limits cost, on the benchmark's side.
		e.clock.ns.Add(int64(limitsClockStep))
		return err
	})
	if n := e.sys.Stats().RateLimited; n != 0 {
		b.Fatalf("%d holds rate-limited", n)
	}
}

// limitsClockStep is how far BenchmarkHoldReleaseWithLimits moves the clock
// after each hold and release: more than the 20 s in which the default
// HoldsPerMinute (3) gives a token back, so that the user's bucket never
// runs dry, and little enough that 10,000 operations (opsPerSystem) stay
// days before the show's start (addShows: 60 days on).
const limitsClockStep = 30 * time.Second

// BenchmarkHoldReleaseHistory is BenchmarkHoldRelease in a system that
// already keeps 1,000,000 bookings (of 10,000 users on 1,000 shows): the
// booking index and the deadline queue are then far larger than the CPU's
// caches, as in a process that has run for a while.
func BenchmarkHoldReleaseHistory(b *testing.B) {
	const history = 1_000_000
	e := newBenchEnv(b)
	layout := gridLayout(b, 20, 30)
	shows := e.addShows(b, 1001, layout)
	groups := seatGroups(layout, 4)
	for k := range history {
		show := shows[k%1000]
		bk, err := e.sys.HoldSeats(e.ctx, fmt.Sprintf("user-%d", k%10_000), show, groups[(k/1000)%len(groups)])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.sys.ReleaseHold(e.ctx, bk.ID); err != nil {
			b.Fatal(err)
		}
	}
	show, seats := shows[1000], groups[0]
	b.ReportAllocs()
	for b.Loop() {
		if err := e.holdRelease("user-1", show, seats); err != nil {
			b.Fatal(err)
		}
	}
	reportVsFloor(b, nsPerOp(b))
}

// allocsPerHold makes holds of 4 disjoint seats until the show is full,
// counting heap allocations, then releases them; it returns the mean over
// a few rounds, so that map growth is amortized as it is in use.
func allocsPerHold(tb testing.TB, e *benchEnv, show string, layout *boxoffice.Layout) float64 {
	tb.Helper()
	groups := seatGroups(layout, 4)
	ids := make([]boxoffice.BookingID, len(groups))
	var before, after runtime.MemStats
	var mallocs uint64
	const rounds = 5
	for range rounds {
		runtime.ReadMemStats(&before)
		for k, g := range groups {
			b, err := e.sys.HoldSeats(e.ctx, "user-1", show, g)
			if err != nil {
				tb.Fatal(err)
			}
			ids[k] = b.ID
		}
		runtime.ReadMemStats(&after)
		mallocs += after.Mallocs - before.Mallocs
		for _, id := range ids {
			if _, err := e.sys.ReleaseHold(e.ctx, id); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return float64(mallocs) / float64(rounds*len(groups))
}

// BenchmarkHoldReleaseParallel runs hold+release from many goroutines:
// across 1,000 shows (GOMAXPROCS goroutines, each cycling through the
// shows on its own seats), and on one hot show (1,000 goroutines, each on
// its own 4 seats, all serialized by the show's lock). speedup is the
// throughput over that of one goroutine doing the very same operations
// (the same users, shows and seats, one goroutine's share after another),
// timed in the same function; the targets are ≥ 1.6 across shows on 2
// cores and ≥ 0.5 on the hot show.
//
// Both sides run in rounds of opsPerSystem operations, each round on a
// fresh system (set up untimed), one-goroutine round and parallel round
// alternating, so that both see the machine in the same state and the
// figures do not depend on b.N: the store keeps every booking, released
// ones included, so b.N operations on one system measured a system of
// b.N bookings (one user's index grew to 1.5 million entries, and the
// one-goroutine run had the second core for the collector to itself).
// The goroutines hold for parallelUsers users, each goroutine rotating
// among its share of them, as a real load does: no user's index is long
// (10 bookings a round), and allocs/op includes what a fresh system
// allocates for each user's first bookings. Every operation is still a
// real hold: a booking record, priced, with a deadline on the sweeper's
// queue, released by its ID.
//
// Each round also runs the floor, one goroutine then all of them, right
// after the library's side of the same kind (see floorRounds), so
// floor-speedup is taken under the same load as speedup, and
// of-floor-speedup (speedup / floor-speedup) is the figure to compare
// across runs on a shared machine.
//
// b.RunParallel is not used: its timer covers the whole call, so a fresh
// system per round would have to be made beforehand, b.N/opsPerSystem of
// them alive at once (the heap the collector marks grows with b.N again),
// and the one-goroutine side and the floor could not run between its
// parallel rounds, only seconds apart. Long-lived goroutines started per
// round by a channel give RunParallel's parallel part without either cost.
func BenchmarkHoldReleaseParallel(b *testing.B) {
	b.Run("shows=1000", func(b *testing.B) {
		layout := gridLayout(b, 20, 30)
		benchParallel(b, layout, 1000, 1)
	})
	b.Run("hotshow/goroutines=1000", func(b *testing.B) {
		const goroutines = 1000
		per := (goroutines + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)
		n := per * runtime.GOMAXPROCS(0)
		layout := gridLayout(b, (4*n+99)/100, 100)
		benchParallel(b, layout, 1, per)
	})
}

// parallelUsers is how many users BenchmarkHoldReleaseParallel holds for.
const parallelUsers = 1000

// benchParallel runs hold+release on nShows shows with parallelism ×
// GOMAXPROCS goroutines; goroutine g of G uses seat group g and the shows
// g, g+G, g+2G..., so that goroutines never meet on a show unless there is
// one show. One goroutine does the same operations, goroutine by
// goroutine, in a round of its own before each parallel round.
func benchParallel(b *testing.B, layout *boxoffice.Layout, nShows, parallelism int) {
	b.Helper()
	groups := seatGroups(layout, 4)
	goroutines := parallelism * runtime.GOMAXPROCS(0)
	users := make([][]string, goroutines)
	for g := range users {
		for u := range max(1, parallelUsers/goroutines) {
			users[g] = append(users[g], fmt.Sprintf("user-%d-%d", g, u))
		}
	}
	setup := func() (*benchEnv, []string) {
		e := newBenchEnv(b)
		shows := e.addShows(b, nShows, layout)
		for _, s := range shows { // load the entries
			if err := e.holdRelease("warm-up", s, groups[0]); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC() // the last round's garbage is not this round's to mark
		return e, shows
	}
	// work is goroutine g's share of a round of n operations: the
	// operations g, g+G, g+2G... below n.
	work := func(e *benchEnv, shows []string, g, n int) error {
		seats, mine := groups[g%len(groups)], users[g]
		for i, k := 0, g; k < n; i, k = i+1, k+goroutines {
			if err := e.holdRelease(mine[i%len(mine)], shows[k%len(shows)], seats); err != nil {
				return err
			}
		}
		return nil
	}
	// The parallel rounds' goroutines live for the whole benchmark, as
	// RunParallel's do: fresh ones every round would grow a new stack each.
	type round struct {
		e     *benchEnv
		shows []string
		n     int
		start chan struct{}
	}
	next := make([]chan *round, goroutines)
	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		next[g] = make(chan *round, 1)
		go func() {
			for r := range next[g] {
				<-r.start
				if err := work(r.e, r.shows, g, r.n); err != nil && errs[g] == nil {
					errs[g] = err
				}
				wg.Done()
			}
		}()
	}
	defer func() {
		for _, c := range next {
			close(c)
		}
	}()
	floor := newFloorRounds(nShows, goroutines)
	var single time.Duration
	var gcs [2]uint64 // collections during the timed parts: one goroutine, all
	rounds := 0
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(opsPerSystem, b.N-done)
		done += n
		rounds++
		// Each round: library single, floor single, library parallel,
		// floor parallel, all with b's timer stopped except the library's
		// parallel part, so the floor's work (timed on its own clock) adds
		// nothing to allocs/op, which b counts only while its timer runs.
		b.StopTimer()
		e, shows := setup()
		c0 := gcCycles()
		t0 := time.Now()
		for g := range goroutines {
			if err := work(e, shows, g, n); err != nil {
				b.Fatal(err)
			}
		}
		single += time.Since(t0)
		gcs[0] += gcCycles() - c0
		e.close()
		floor.round(n, 1)
		e, shows = setup()
		r := &round{e: e, shows: shows, n: n, start: make(chan struct{})}
		wg.Add(goroutines)
		for _, c := range next {
			c <- r
		}
		c0 = gcCycles()
		b.StartTimer()
		close(r.start)
		wg.Wait()
		b.StopTimer()
		gcs[1] += gcCycles() - c0
		e.close()
		if err := errors.Join(errs...); err != nil {
			b.Fatal(err)
		}
		floor.round(n, goroutines)
	}
	par := nsPerOp(b)
	singleNs := float64(single.Nanoseconds()) / float64(b.N)
	speedup := singleNs / par
	b.ReportMetric(singleNs, "single-ns/op")
	b.ReportMetric(speedup, "speedup")
	b.ReportMetric(floor.speedup(), "floor-speedup")
	b.ReportMetric(speedup/floor.speedup(), "of-floor-speedup")
	b.ReportMetric(float64(goroutines), "goroutines")
	b.ReportMetric(float64(gcs[0])/float64(rounds), "single-gc-cycles/round")
	b.ReportMetric(float64(gcs[1])/float64(rounds), "gc-cycles/round")
}

// gcCycles returns the number of garbage collections completed so far.
// benchParallel reports those that ended during its timed parts. Across
// 1,000 shows, with a fresh system per round collected just before
// (setup), a round's allocations (about 7.5 MB) stay under the heap goal
// the system's live heap sets (about 40 MB, most of it the shows' seats),
// so with the default GOGC both figures are 0: that speedup leaves the
// collector out, on both sides. On the hot show (a small live heap) a
// round collects about once; a collection costs the parallel side the
// core that the one-goroutine side's collector has to itself (see
// BENCHMARKS.md, "Parallel scaling and the collector").
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// floorRounds measures the floor's speedup under the same split as
// benchParallel's, in rounds interleaved with the library's so that both
// see the same load: n hold+release operations on nShows floor shows by
// the given number of goroutines, goroutine g on the shows g, g+G,
// g+2G..., against one goroutine doing as many. It is what this machine
// gives G goroutines when the work is nearly nothing but memory traffic
// and the lock: the ceiling to read the library's speedup against.
type floorRounds struct {
	shows      []paddedFloorShow
	goroutines int
	ns         [2]int64 // one goroutine, all goroutines
}

// paddedFloorShow is a floor show on cache lines of its own, as the
// library's shows are: neighbours in a plain slice would share lines
// between goroutines.
type paddedFloorShow struct {
	floorShow
	_ [64 - unsafe.Sizeof(floorShow{})%64]byte
}

// floorRepeat is how many times a round's operations the floor does: at
// about 65 ns an operation, 10,000 of them take under a millisecond, a
// span a scheduler's hiccup on a shared machine moves by a factor of two.
const floorRepeat = 10

// newFloorRounds makes the floor's shows once: a hold+release leaves a
// floor show as it found it, so unlike the library's systems they need
// no renewing, and fresh ones every round put the page faults of their
// first touch (4.8 MB for 1,000 shows) inside the timed part.
func newFloorRounds(nShows, goroutines int) *floorRounds {
	shows := make([]paddedFloorShow, nShows)
	for i := range shows {
		shows[i].seats = make([]uint64, 600)
	}
	return &floorRounds{shows: shows, goroutines: goroutines}
}

// round times floorRepeat × n operations split among goroutines (1 or
// all).
func (f *floorRounds) round(n, goroutines int) {
	shows := f.shows
	run := func(g, stride, ops int) {
		seats := [4]int{0, 1, 2, 3}
		owner := uint64(g+1) << 40
		ok := 0
		for k := range ops {
			s := &shows[(g+k*stride)%len(shows)]
			owner++
			if s.hold(owner, &seats) {
				s.release(owner, &seats)
				ok++
			}
		}
		floorSink.Add(int64(ok))
	}
	// The same operations both ways: the one-goroutine side does each
	// goroutine's share in turn.
	n = n * floorRepeat / f.goroutines * f.goroutines
	runtime.GC() // the library's garbage, marked now rather than on a core the floor needs
	t0 := time.Now()
	if goroutines == 1 {
		for g := range f.goroutines {
			run(g, f.goroutines, n/f.goroutines)
		}
		f.ns[0] += time.Since(t0).Nanoseconds()
		return
	}
	var wg sync.WaitGroup
	for g := range f.goroutines {
		wg.Go(func() { run(g, f.goroutines, n/f.goroutines) })
	}
	wg.Wait()
	f.ns[1] += time.Since(t0).Nanoseconds()
}

// speedup is the one-goroutine time over the parallel time, summed over
// every round.
func (f *floorRounds) speedup() float64 { return float64(f.ns[0]) / float64(f.ns[1]) }

// BenchmarkFullFlow is hold, confirm (through the in-memory gateway) and
// cancel (with a full refund) of 4 seats, one goroutine.
func BenchmarkFullFlow(b *testing.B) {
	e := newBenchEnv(b, func(c *boxoffice.Config) { c.PaymentBackoff = -1 })
	layout := gridLayout(b, 20, 30)
	show := e.addShows(b, 1, layout)[0]
	seats := seatGroups(layout, 4)[0]
	b.ReportAllocs()
	for b.Loop() {
		bk, err := e.sys.HoldSeats(e.ctx, "user-1", show, seats)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.sys.ConfirmBooking(e.ctx, bk.ID, "card:tok_visa"); err != nil {
			b.Fatal(err)
		}
		if _, err := e.sys.CancelBooking(e.ctx, bk.ID); err != nil {
			b.Fatal(err)
		}
	}
	reportVsFloor(b, nsPerOp(b))
}

// BenchmarkSeatMap reads the seat map of a 600-seat show with a third of
// its seats held.
func BenchmarkSeatMap(b *testing.B) {
	e := newBenchEnv(b)
	layout := gridLayout(b, 20, 30)
	show := e.addShows(b, 1, layout)[0]
	for k, g := range seatGroups(layout, 4) {
		if k%3 == 0 {
			if _, err := e.sys.HoldSeats(e.ctx, "user-1", show, g); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		m, err := e.sys.SeatMap(e.ctx, show)
		if err != nil {
			b.Fatal(err)
		}
		if m.Free != 600-4*50 {
			b.Fatalf("seat map has %d free seats, want 400", m.Free)
		}
	}
}

// BenchmarkShowsOfMovie lists the 1,000 shows of one movie, 600 seats each
// with a hold of 4, with their free seats, in one full page (MaxPageLimit):
// unchanged between calls, and with one show changing (a hold and its
// release) before every call.
func BenchmarkShowsOfMovie(b *testing.B) {
	e := newBenchEnv(b)
	layout := gridLayout(b, 20, 30)
	shows := e.addShows(b, 1000, layout)
	groups := seatGroups(layout, 4)
	for _, show := range shows {
		if _, err := e.sys.HoldSeats(e.ctx, "user-1", show, groups[0]); err != nil {
			b.Fatal(err)
		}
	}
	list := func(b *testing.B) {
		infos, err := e.sys.ShowsOfMovie(e.ctx, e.movie, boxoffice.ShowPage{Limit: boxoffice.MaxPageLimit})
		if err != nil {
			b.Fatal(err)
		}
		if len(infos) != len(shows) || infos[0].FreeSeats != 600-4 {
			b.Fatalf("ShowsOfMovie: %d shows, the first with %d free; want 1000 with 596", len(infos), infos[0].FreeSeats)
		}
	}
	b.Run("unchanged", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			list(b)
		}
	})
	b.Run("one show changed", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := e.holdRelease("user-2", shows[i%len(shows)], groups[1]); err != nil {
				b.Fatal(err)
			}
			list(b)
		}
	})
}

// benchTitleWords make the titles of the search benchmark's movies.
var benchTitleWords = [...]string{"Silent", "River", "Midnight", "Empire", "Golden", "Shadow", "Last",
	"Summer", "Iron", "Crimson", "Winter", "Dream", "Storm", "Hidden", "Ocean", "Night", "Star",
	"Broken", "Paper", "Wild"}

var benchGenres = [...]string{"Drama", "Comedy", "Action", "Thriller", "Sci-Fi", "Romance", "Horror", "Animation"}

var benchLanguages = [...]string{"English", "Hindi", "Marathi", "Tamil", "French"}

// BenchmarkSearchMovies searches a catalog of 10,000 movies: by a title
// substring in any case (about 1 in 20 match), and by genre and language.
func BenchmarkSearchMovies(b *testing.B) {
	e := newBenchEnv(b)
	const movies = 10_000
	w := len(benchTitleWords)
	for i := range movies {
		title := fmt.Sprintf("The %s %s %d", benchTitleWords[i%w], benchTitleWords[(i/w)%w], i)
		_, err := e.sys.AddMovie(e.ctx, boxoffice.Movie{ID: fmt.Sprintf("m%05d", i), Title: title,
			Duration: 2 * time.Hour, Language: benchLanguages[i%len(benchLanguages)],
			Genres: []string{benchGenres[i%len(benchGenres)], benchGenres[(i/3)%len(benchGenres)]}, Rating: "PG-13"})
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []struct {
		name string
		q    boxoffice.MovieQuery
	}{
		{"movies=10000/title", boxoffice.MovieQuery{Title: "storm river"}},
		{"movies=10000/genre+language", boxoffice.MovieQuery{Genre: "thriller", Language: "hindi"}},
	} {
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			var found int
			for b.Loop() {
				out, err := e.sys.SearchMovies(e.ctx, q.q)
				if err != nil {
					b.Fatal(err)
				}
				found = len(out)
			}
			if found == 0 {
				b.Fatal("the query found nothing")
			}
			b.ReportMetric(float64(found), "found")
		})
	}
}

// BenchmarkScheduleShow schedules a show into a hall that has 500 shows,
// in a gap of its schedule (the conflict check and the sorted insert). A
// fresh hall and movie of 500 shows is made, untimed, every 100 shows, so
// the hall holds 500 to 600 shows throughout.
func BenchmarkScheduleShow(b *testing.B) {
	e := newBenchEnv(b)
	layout := gridLayout(b, 20, 30)
	const existing, added = 500, 100
	const every = 6 * time.Hour // existing shows; a 2-hour movie leaves gaps
	day := benchStart.Add(24 * time.Hour)
	var hall, movie string
	made, halls := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		if made%added == 0 {
			b.StopTimer()
			halls++
			m, err := e.sys.AddMovie(e.ctx, boxoffice.Movie{Title: "Schedule", Duration: 2 * time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			h, err := e.sys.AddHall(e.ctx, boxoffice.Hall{ID: fmt.Sprintf("sched-hall-%d", halls),
				TheaterID: e.theater, Name: "Hall", Layout: layout})
			if err != nil {
				b.Fatal(err)
			}
			hall, movie, made = h.ID, m.ID, 0
			for i := range existing {
				if _, err := e.sys.ScheduleShow(e.ctx, boxoffice.Show{MovieID: movie, HallID: hall, BasePrice: 1000,
					Start: day.Add(time.Duration(i) * every)}); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
		}
		// Into the gap after existing show 5·made, spread over the schedule.
		start := day.Add(time.Duration(made*(existing/added))*every + 3*time.Hour)
		if _, err := e.sys.ScheduleShow(e.ctx, boxoffice.Show{MovieID: movie, HallID: hall, BasePrice: 1000, Start: start}); err != nil {
			b.Fatal(err)
		}
		made++
	}
}

// sweepEnv holds `held` seats (in holds of 4, on shows of 1,000 seats)
// whose deadlines are 30 days away, so that none is due at benchStart.
func sweepEnv(tb testing.TB, held int) *benchEnv {
	e := newBenchEnv(tb)
	layout := gridLayout(tb, 10, 100)
	shows := e.addShows(tb, (held+999)/1000, layout)
	groups := seatGroups(layout, 4)
	e.clock.Set(benchStart.Add(30 * 24 * time.Hour))
	for k := range held / 4 {
		if _, err := e.sys.HoldSeats(e.ctx, fmt.Sprintf("user-%d", k%1000), shows[k/len(groups)], groups[k%len(groups)]); err != nil {
			tb.Fatal(err)
		}
	}
	e.clock.Set(benchStart)
	return e
}

// BenchmarkSweep times the sweeper. With nothing expired, a tick must
// cost the same whatever the number of seats held (x-held1000 is the
// ratio of the 1,000,000-seat tick to the 1,000-seat tick, timed in the
// same function). With 10,000 holds expired, an operation is the ticks
// that expire them all (ticks: a tick expires at most 4,096), and
// ns/expired is the cost of each.
func BenchmarkSweep(b *testing.B) {
	b.Run("held=1000/expired=0", func(b *testing.B) {
		e := sweepEnv(b, 1000)
		for b.Loop() {
			if n, err := e.sys.Sweep(e.ctx); n != 0 || err != nil {
				b.Fatalf("Sweep = %d, %v; want nothing expired", n, err)
			}
		}
	})
	b.Run("held=1000000/expired=0", func(b *testing.B) {
		e := sweepEnv(b, 1_000_000)
		small := sweepEnv(b, 1000)
		for b.Loop() {
			if n, err := e.sys.Sweep(e.ctx); n != 0 || err != nil {
				b.Fatalf("Sweep = %d, %v; want nothing expired", n, err)
			}
		}
		t0 := time.Now()
		for range b.N {
			if n, err := small.sys.Sweep(small.ctx); n != 0 || err != nil {
				b.Fatalf("Sweep = %d, %v; want nothing expired", n, err)
			}
		}
		b.ReportMetric(nsPerOp(b)/(float64(time.Since(t0).Nanoseconds())/float64(b.N)), "x-held1000")
	})
	b.Run("held=1000000/expired=10000", func(b *testing.B) {
		const expired = 10_000
		e := sweepEnv(b, 1_000_000)
		layout := gridLayout(b, 10, 100)
		shows := e.addShows(b, expired*4/1000, layout)
		groups := seatGroups(layout, 4)
		now := benchStart
		ticks := 0
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			e.clock.Set(now)
			for k := range expired {
				if _, err := e.sys.HoldSeats(e.ctx, fmt.Sprintf("late-%d", k%1000), shows[k/len(groups)], groups[k%len(groups)]); err != nil {
					b.Fatal(err)
				}
			}
			now = now.Add(10 * time.Minute) // the default HoldTTL: every new hold is due
			e.clock.Set(now)
			b.StartTimer()
			// A tick expires at most 4,096 holds; the rest wait for the
			// next tick. Time the ticks that clear all 10,000.
			for done := 0; done < expired; ticks++ {
				n, err := e.sys.Sweep(e.ctx)
				if n == 0 || err != nil {
					b.Fatalf("Sweep = %d, %v after %d of %d expired", n, err, done, expired)
				}
				done += n
			}
		}
		b.ReportMetric(nsPerOp(b)/expired, "ns/expired")
		b.ReportMetric(float64(ticks)/float64(b.N), "ticks")
	})
}

// heapPerSeat returns the bytes of heap taken by shows totalling seats
// seats (of 600 seats each), measured after garbage collection.
func heapPerSeat(tb testing.TB, seats int) float64 {
	tb.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e := newBenchEnv(tb)
	layout := gridLayout(tb, 20, 30)
	e.addShows(tb, seats/layout.Len(), layout)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(e)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(seats/layout.Len()*layout.Len())
}

// BenchmarkMemoryPerSeat reports the heap per seat of show inventory, for
// shows totalling 1,000,000 seats: the catalog, the seat slots, the
// bookings map and indexes, all of it.
func BenchmarkMemoryPerSeat(b *testing.B) {
	var perSeat float64
	for b.Loop() {
		perSeat = heapPerSeat(b, 1_000_000)
	}
	b.ReportMetric(perSeat, "B/seat")
}

// BenchmarkMemoryPerBooking reports the heap each booking keeps for as long
// as the store lives: 100,000 holds of 4 seats, released, on 1,000 shows,
// with their deadlines still queued for the sweeper.
func BenchmarkMemoryPerBooking(b *testing.B) {
	const bookings = 100_000
	var perBooking float64
	for b.Loop() {
		e := newBenchEnv(b)
		layout := gridLayout(b, 20, 30)
		shows := e.addShows(b, 1000, layout)
		groups := seatGroups(layout, 4)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for k := range bookings {
			if err := e.holdRelease(fmt.Sprintf("user-%d", k%1000), shows[k%len(shows)], groups[(k/len(shows))%len(groups)]); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perBooking = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / bookings
		e.close()
	}
	b.ReportMetric(perBooking, "B/booking")
}

// raceEnabled reports whether the test binary was built with -race, which
// changes allocation counts.
func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	return ok && slices.ContainsFunc(info.Settings, func(s debug.BuildSetting) bool {
		return s.Key == "-race" && s.Value == "true"
	})
}

// TestHotPathBudgets holds the library to the memory budgets,
// which unlike times do not depend on the machine: at most 3 allocations
// per hold (no observer, so no event) and at most 64 bytes of heap per
// seat of inventory.
func TestHotPathBudgets(t *testing.T) {
	if raceEnabled() {
		t.Skip("allocation counts differ under the race detector; run without -race")
	}
	if testing.Short() {
		t.Skip("builds 1,000,000 seats of inventory")
	}
	t.Run("allocs per hold", func(t *testing.T) {
		e := newBenchEnv(t)
		layout := gridLayout(t, 20, 30)
		show := e.addShows(t, 1, layout)[0]
		if err := e.holdRelease("user-1", show, seatGroups(layout, 4)[0]); err != nil {
			t.Fatal(err)
		}
		if got := allocsPerHold(t, e, show, layout); got > 3 {
			t.Errorf("%.2f allocations per hold; the budget is 3", got)
		}
	})
	t.Run("heap per seat", func(t *testing.T) {
		if got := heapPerSeat(t, 1_000_000); got > 64 {
			t.Errorf("%.1f bytes of heap per seat; the budget is 64", got)
		}
	})
}

// TestMemoryStoreKeepsEveryBookingField guards the MemoryStore's compact
// booking record (an optimization of this benchmark suite): a booking with
// every field set, filled by reflection so that a field added to Booking
// later is covered too, must read back exactly as it was put, and so must
// the same booking with no payment or refund.
func TestMemoryStoreKeepsEveryBookingField(t *testing.T) {
	ctx := context.Background()
	store := boxoffice.NewMemoryStore()
	layout := gridLayout(t, 2, 5)
	for _, err := range []error{
		store.AddTheater(ctx, boxoffice.Theater{ID: "t", Name: "T", City: "C"}),
		store.AddHall(ctx, boxoffice.Hall{ID: "h", TheaterID: "t", Name: "H", Layout: layout}),
		store.AddMovie(ctx, boxoffice.Movie{ID: "m", Title: "M", Duration: time.Hour}),
		store.AddShow(ctx, boxoffice.Show{ID: "s", MovieID: "m", HallID: "h", Start: benchStart, End: benchStart.Add(time.Hour)},
			layout, boxoffice.Interval{Start: benchStart, End: benchStart.Add(time.Hour)}, nil),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	var full boxoffice.Booking
	n := 0
	fillForTest(t, reflect.ValueOf(&full).Elem(), &n)
	full.ShowID = "s"
	unpaid := full
	unpaid.ID[0]++
	unpaid.Payment, unpaid.Refund = boxoffice.Payment{}, boxoffice.Refund{}
	for _, b := range []boxoffice.Booking{full, unpaid} {
		if err := store.UpdateShow(ctx, "s", func(tx boxoffice.ShowTx) error { tx.PutBooking(b); return nil }); err != nil {
			t.Fatal(err)
		}
		got, err := store.Booking(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, b) {
			t.Errorf("Booking returned\n%+v\nafter PutBooking of\n%+v", got, b)
		}
		err = store.ViewShow(ctx, "s", func(tx boxoffice.ShowTx) error {
			got, err := tx.Booking(b.ID)
			if err == nil && !reflect.DeepEqual(got, b) {
				t.Errorf("ShowTx.Booking returned\n%+v\nafter PutBooking of\n%+v", got, b)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// fillForTest sets every exported field reachable from v to a distinct
// non-zero value.
func fillForTest(t *testing.T, v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("v%d", *n))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n%200 + 1))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Array:
		for i := range v.Len() {
			fillForTest(t, v.Index(i), n)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range v.Len() {
			fillForTest(t, v.Index(i), n)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(benchStart.Add(time.Duration(*n) * time.Second)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillForTest(t, v.Field(i), n)
			}
		}
	default:
		t.Fatalf("fillForTest: no filler for %s", v.Type())
	}
}
