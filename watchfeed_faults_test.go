package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
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
	// gate, when not nil, holds up each ViewShow until it is closed (or
	// the call's ctx ends, unless deaf); entered has the show of each
	// call it holds, and deafened of each whose ctx ended while it did.
	gate     chan struct{}
	entered  chan string
	deaf     bool
	deafened chan string
	views    map[string]int // ViewShow calls begun, per show
	running  map[string]int // ViewShow calls running, per show
	twice    []string       // shows a ViewShow began on while another ran
}

func newFaultyFeedStore(rs *reportingStore) *faultyFeedStore {
	return &faultyFeedStore{reportingStore: rs, reported: make(chan string, 64),
		listening: make(chan string, 1), stalled: make(chan string, 1), entered: make(chan string, 64), deafened: make(chan string, 64),
		views: make(map[string]int), running: make(map[string]int)}
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
	after, down, stall, gate, deaf := s.afterView, s.down == showID, s.stall == showID, s.gate, s.deaf
	s.afterView = nil
	s.views[showID]++
	if s.running[showID]++; s.running[showID] > 1 {
		s.twice = append(s.twice, showID)
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running[showID]--
		s.mu.Unlock()
	}()
	if gate != nil {
		select {
		case s.entered <- showID:
		default: // more than a test waits for
		}
		select {
		case <-gate:
		case <-ctx.Done():
			if deaf { // a Store that notices, but answers late
				s.deafened <- showID
				<-gate
			}
			return ctx.Err()
		}
	}
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

// awaitShows receives shows from ch until each show of want came as many
// times as it says, or fails t after 5 seconds of real time.
func awaitShows(t *testing.T, what string, ch <-chan string, want map[string]int) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	got := make(map[string]int)
	for {
		missing := 0
		for id, n := range want {
			missing += max(n-got[id], 0)
		}
		if missing == 0 {
			return
		}
		select {
		case id := <-ch:
			got[id]++
		case <-deadline:
			t.Fatalf("%s: got %v after 5s; want %v", what, got, want)
		}
	}
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
	recv(t, store.listening, "Watch to ask the Store to listen")
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

// A read of one show that hangs holds up no other show's updates: the
// feed reads the others meanwhile, before the read is cut off (the clock
// does not move).
func TestWatchFeedReadThatHangsHoldsUpNoOtherShow(t *testing.T) {
	f, store, mine := faultyProcess(t)
	s2 := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H1",
		Start: f.show.Start.Add(24 * time.Hour), BasePrice: 1500}))
	follow(t, mine, f.show.ID)
	fl2 := follow(t, mine, s2.ID)
	stallFeedRead(t, f, store) // until Close
	if _, err := f.sys.HoldSeats(f.ctx, "carol", s2.ID, []string{"C1"}); err != nil {
		t.Fatal(err)
	}
	if ok, diff := fl2.agreesWithin(statuses(t, f.sys, s2.ID), 5*time.Second); !ok {
		t.Fatalf("while the read of %s hangs, the stream of %s never caught up: %s", f.show.ID, s2.ID, diff)
	}
}

// Under a burst of reports about shows whose reads are slow, the feed
// reads the shows at once but never one show twice at once: the reports
// that come during a read of a show merge into one more read after it.
func TestWatchFeedReadsAShowOnceAtATime(t *testing.T) {
	f, store, mine := faultyProcess(t)
	shows := []string{f.show.ID}
	for i, id := range []string{"S2", "S3"} {
		s := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: id, MovieID: "M1", HallID: "H1",
			Start: f.show.Start.Add(time.Duration(i+1) * 24 * time.Hour), BasePrice: 1500}))
		shows = append(shows, s.ID)
	}
	var followers []*follower
	for _, id := range shows {
		followers = append(followers, follow(t, mine, id))
	}
	gate := make(chan struct{})
	store.mu.Lock()
	store.gate = gate
	store.mu.Unlock()

	seats := []string{"A1", "A2", "B1", "B2", "C1", "C2"}
	var wg sync.WaitGroup
	for _, id := range shows { // the shows change at once, from the other process
		wg.Go(func() {
			for i, seat := range seats {
				if _, err := f.sys.HoldSeats(f.ctx, fmt.Sprint("user", id, i), id, []string{seat}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	waitGroup(t, &wg, "the holds on every show")
	each := func(n int) map[string]int {
		m := make(map[string]int)
		for _, id := range shows {
			m[id] = n
		}
		return m
	}
	awaitShows(t, "the reports mine's feed was given", store.reported, each(len(seats)))
	// Each show's read waits at the gate; every report came while it did,
	// or before it began.
	awaitShows(t, "the feed's reads held at the gate", store.entered, each(1))
	store.mu.Lock()
	before := maps.Clone(store.views)
	store.gate = nil
	store.mu.Unlock()
	close(gate)

	for i, id := range shows {
		followers[i].mustAgree(t, statuses(t, f.sys, id))
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	if len(store.twice) > 0 {
		t.Errorf("shows read while a read of theirs ran: %v", store.twice)
	}
	for _, id := range shows {
		if n := store.views[id] - before[id]; n > 1 {
			t.Errorf("%s was read %d times after its held read; want at most 1, for the reports that came during it", id, n)
		}
	}
}

// Close waits for the reads of the feed: while one that outlives its ctx
// runs, Close fails once its own ctx ends.
func TestCloseWaitsForTheFeedsReads(t *testing.T) {
	f, store, mine := faultyProcess(t)
	follow(t, mine, f.show.ID)
	gate := make(chan struct{})
	defer close(gate)
	store.mu.Lock()
	store.gate, store.deaf = gate, true
	store.mu.Unlock()
	f.hold("alice", "A1")
	awaitShows(t, "the feed's read held at the gate", store.entered, map[string]int{f.show.ID: 1})

	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- mine.Close(ctx) }()
	// Close ended the read's ctx, and the read goes on.
	awaitShows(t, "the held reads whose ctx ended", store.deafened, map[string]int{f.show.ID: 1})
	cancel()
	select {
	case err := <-closed:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Close while a read of the feed runs: %v; want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return once its ctx ended")
	}
}

// feedStateWithin waits, for at most 5 s of real time, until the Watch
// feed of sys has the show in the given state (FeedStateForTest): the
// feed's bookkeeping is the only sign of what its goroutines are at.
func feedStateWithin(t *testing.T, sys *boxoffice.BookingSystem, showID string, reading, dirty bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, d := boxoffice.FeedStateForTest(sys, showID)
		if r == reading && d == dirty {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the feed's state of %s: reading %t, dirty %t; want %t, %t", showID, r, d, reading, dirty)
		}
		time.Sleep(time.Millisecond)
	}
}

// scheduleShows schedules n more shows of the fixture's movie, a day
// apart after its show, and returns their IDs.
func scheduleShows(t *testing.T, f *fixture, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		s := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: fmt.Sprint("Q", i), MovieID: "M1", HallID: "H1",
			Start: f.show.Start.Add(time.Duration(i+1) * 24 * time.Hour), BasePrice: 1500}))
		ids = append(ids, s.ID)
	}
	return ids
}

// A show reported again while its read waits for a slot is read once:
// the read, which begins after the report, covers it.
func TestWatchFeedQueuedShowReportedAgainIsReadOnce(t *testing.T) {
	f, store, mine := faultyProcess(t)
	ids := scheduleShows(t, f, boxoffice.FeedReadersForTest+1)
	busy, x := ids[:boxoffice.FeedReadersForTest], ids[boxoffice.FeedReadersForTest]
	fls := make(map[string]*follower)
	for _, id := range ids {
		fls[id] = follow(t, mine, id)
	}
	for _, id := range ids { // the reads of the first streams are over
		feedStateWithin(t, mine, id, false, false)
	}
	gate := make(chan struct{})
	store.mu.Lock()
	store.gate = gate
	store.mu.Unlock()
	held := make(map[string]int)
	for _, id := range busy { // every slot taken by a read held at the gate
		mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "u"+id, id, []string{"A1"}))
		held[id] = 1
	}
	awaitShows(t, "the reads held at the gate", store.entered, held)
	mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "x1", x, []string{"A1"}))
	feedStateWithin(t, mine, x, true, false) // taken, waiting for a slot
	mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "x2", x, []string{"A2"}))
	feedStateWithin(t, mine, x, true, true) // reported again
	store.mu.Lock()
	before := store.views[x]
	store.mu.Unlock()
	close(gate)
	if ok, diff := fls[x].agreesWithin(statuses(t, f.sys, x), 5*time.Second); !ok {
		t.Fatalf("the stream of %s never caught up: %s", x, diff)
	}
	feedStateWithin(t, mine, x, false, false)
	store.mu.Lock()
	defer store.mu.Unlock()
	if n := store.views[x] - before; n != 1 {
		t.Errorf("%s read %d times after two reports that both came before its read began; want 1", x, n)
	}
}

// lockedTxStore is a faultyFeedStore whose UpdateShow of the shows in hang
// waits until release is closed: a transaction of this process that the
// Store holds up, with the show's lock held, for as long as its caller
// lets it (here: no deadline).
type lockedTxStore struct {
	*faultyFeedStore
	hang    map[string]bool
	release chan struct{}
	entered chan string
}

func (s *lockedTxStore) UpdateShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	if s.hang[showID] {
		s.entered <- showID
		<-s.release
	}
	return s.faultyFeedStore.UpdateShow(ctx, showID, fn)
}

// Shows whose lock a slow transaction of this process holds do not take
// the feed's slots while their reads wait for the lock (which no
// timeout bounds): another show's stream still catches up, though the
// clock does not move.
func TestWatchFeedLockedShowsHoldUpNoOtherShow(t *testing.T) {
	var rs *reportingStore
	f := newFixture(t, onReportingStore(&rs))
	ids := scheduleShows(t, f, boxoffice.FeedReadersForTest+1)
	locked, x := ids[:boxoffice.FeedReadersForTest], ids[boxoffice.FeedReadersForTest]
	store := &lockedTxStore{faultyFeedStore: newFaultyFeedStore(rs), hang: make(map[string]bool),
		release: make(chan struct{}), entered: make(chan string, len(locked))}
	for _, id := range locked {
		store.hang[id] = true
	}
	mine := f.processOn(store, f.gateway)
	var fx *follower
	for _, id := range ids {
		fl := follow(t, mine, id)
		if id == x {
			fx = fl
		}
	}
	for _, id := range ids { // the reads of the first streams are over
		feedStateWithin(t, mine, id, false, false)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { waitGroup(t, &wg, "this process's holds to return") })
	t.Cleanup(func() { close(store.release) }) // first: the holds end, then Close
	for _, id := range locked {
		wg.Go(func() { _, _ = mine.HoldSeats(context.Background(), "me"+id, id, []string{"F1"}) })
		recv(t, store.entered, "this process's hold on "+id+" to reach the Store")
	}
	for _, id := range locked { // the feed's reads of these wait for the locks
		mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "o"+id, id, []string{"A1"}))
	}
	for _, id := range locked {
		feedStateWithin(t, mine, id, true, false)
	}
	mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "ox", x, []string{"A1"}))
	if ok, diff := fx.agreesWithin(statuses(t, f.sys, x), 5*time.Second); !ok {
		t.Errorf("%s never caught up while %d other shows' locks were held: %s", x, len(locked), diff)
	}
}

// probeStore is a faultyFeedStore that holds up ViewShow calls one show
// at a time: the n-th call of a show waits for holds[show][n], if there
// is one, and reports the show on entered when it begins; it counts the
// calls running at most at once. The UpdateShow calls of a show in hang
// wait until release is closed.
type probeStore struct {
	*faultyFeedStore
	mu         sync.Mutex
	holds      map[string][]chan struct{}
	calls      map[string]int
	running    int
	maxRunning int
	entered    chan string
	hang       map[string]bool
	release    chan struct{}
	updating   chan string
}

func (s *probeStore) ViewShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	s.mu.Lock()
	n := s.calls[showID]
	s.calls[showID]++
	var hold chan struct{}
	if n < len(s.holds[showID]) {
		hold = s.holds[showID][n]
	}
	s.running++
	s.maxRunning = max(s.maxRunning, s.running)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running--
		s.mu.Unlock()
	}()
	s.entered <- showID
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return s.faultyFeedStore.ViewShow(ctx, showID, fn)
}

func (s *probeStore) UpdateShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	s.mu.Lock()
	hang := s.hang[showID]
	s.mu.Unlock()
	if hang {
		s.updating <- showID
		<-s.release
	}
	return s.faultyFeedStore.UpdateShow(ctx, showID, fn)
}

// probeProcess is a BookingSystem on a probeStore over the fixture's
// reporting store, following every show of ids, once the feed's reads of
// their first streams are over. Its debug log's "every read slot was
// taken" lines come on putOff.
func probeProcess(t *testing.T, f *fixture, rs *reportingStore, ids []string) (store *probeStore, mine *boxoffice.BookingSystem, fls map[string]*follower, putOff chan string) {
	t.Helper()
	store = &probeStore{faultyFeedStore: newFaultyFeedStore(rs), holds: make(map[string][]chan struct{}),
		calls: make(map[string]int), entered: make(chan string, 256), hang: make(map[string]bool),
		release: make(chan struct{}), updating: make(chan string, 1)}
	putOff = make(chan string, 16)
	mine, err := boxoffice.New(boxoffice.Config{Store: store, Clock: f.clock, Gateway: boxoffice.NewInMemoryGateway(), HoldsPerMinute: -1, SweepInterval: time.Hour,
		Logger: slog.New(slog.NewTextHandler(matchWriter{"every read slot was taken", putOff}, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mine.Close(context.Background()) })
	fls = make(map[string]*follower)
	for _, id := range ids {
		fls[id] = follow(t, mine, id)
	}
	for _, id := range ids {
		feedStateWithin(t, mine, id, false, false)
	}
	for len(store.entered) > 0 {
		<-store.entered
	}
	return store, mine, fls, putOff
}

// holdReads has the next ViewShow calls of each show wait: the n-th of
// show id for holds[id][n].
func (s *probeStore) holdReads(holds map[string][]chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, h := range holds {
		s.holds[id] = h
		s.calls[id] = 0
	}
}

// The feed reads the Store at most FeedReadersForTest times at once, the
// read again under a show's lock (after this process changed the show)
// included: with every slot taken, it is put off, not made besides.
func TestWatchFeedReadsAtOnceStayBounded(t *testing.T) {
	var rs *reportingStore
	f := newFixture(t, onReportingStore(&rs))
	r := boxoffice.FeedReadersForTest
	ids := scheduleShows(t, f, r+1)
	b, as := ids[0], ids[1:]
	store, mine, fls, putOff := probeProcess(t, f, rs, ids)
	gB, gB2, gA := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(gA); close(gB2) }) })
	holds := map[string][]chan struct{}{b: {gB, gB2}} // gB2: a read again, to be counted while it runs
	for _, id := range as {
		holds[id] = []chan struct{}{gA}
	}
	store.holdReads(holds)
	store.mu.Lock()
	store.hang[b] = true
	store.mu.Unlock()

	// The feed's first read of b is held; meanwhile a transaction of this
	// process holds b's lock.
	mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "ob", b, []string{"A1"}))
	awaitShows(t, "the first read of b", store.entered, map[string]int{b: 1})
	var wg sync.WaitGroup
	t.Cleanup(func() { waitGroup(t, &wg, "this process's holds to return") })
	wg.Go(func() { _, _ = mine.HoldSeats(context.Background(), "mb", b, []string{"F1"}) })
	recv(t, store.updating, "this process's hold on b to reach the Store")
	close(gB) // the read ends; the feed waits for b's lock, with no slot
	held := make(map[string]int)
	for _, id := range as { // every slot taken
		mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "o"+id, id, []string{"A1"}))
		held[id] = 1
	}
	awaitShows(t, "the reads that take every slot", store.entered, held)
	close(store.release) // this process's change to b commits: b is to be read again under its lock
	select {
	case id := <-store.entered: // read again at once
		if id != b {
			t.Fatalf("%s read while every slot was taken", id)
		}
	case <-putOff: // or put off
	case <-time.After(5 * time.Second):
		t.Fatal("b was neither read again nor put off")
	}
	store.mu.Lock()
	most := store.maxRunning
	store.mu.Unlock()
	if most > r {
		t.Errorf("the feed read the Store %d times at once; want at most %d", most, r)
	}
	once.Do(func() { close(gA); close(gB2) })
	if ok, diff := fls[b].agreesWithin(statuses(t, f.sys, b), 5*time.Second); !ok {
		t.Errorf("the stream of %s never caught up: %s", b, diff)
	}
}

// matchWriter sends each line written to it that contains match on c, if
// c has room: a log handler's output, for a test that waits for a record.
type matchWriter struct {
	match string
	c     chan string
}

func (w matchWriter) Write(p []byte) (int, error) {
	if line := string(p); strings.Contains(line, w.match) {
		select {
		case w.c <- line:
		default:
		}
	}
	return len(p), nil
}

// A show this process changed while the feed read it is read again at
// once, with the same slot, when its lock is free: though other shows
// wait for every slot, its stream catches up. (Many wait, so that some
// surely wait for the slot when the first read gives it back.)
func TestWatchFeedReadAgainKeepsItsSlot(t *testing.T) {
	var rs *reportingStore
	f := newFixture(t, onReportingStore(&rs))
	r := boxoffice.FeedReadersForTest
	ids := scheduleShows(t, f, r+8)
	b, as := ids[0], ids[1:]
	store, mine, fls, putOff := probeProcess(t, f, rs, ids)
	gB, gA := make(chan struct{}), make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(gA) }) })
	holds := map[string][]chan struct{}{b: {gB}}
	for _, id := range as {
		holds[id] = []chan struct{}{gA}
	}
	store.holdReads(holds)

	mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "ob", b, []string{"A1"}))
	awaitShows(t, "the first read of b", store.entered, map[string]int{b: 1})
	mustT[boxoffice.Booking](t)(mine.HoldSeats(f.ctx, "mb", b, []string{"F1"})) // while the feed reads b
	for _, id := range as {
		mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "o"+id, id, []string{"A1"}))
	}
	for range r - 1 { // the other slots taken; more reads wait for a slot
		select {
		case <-store.entered:
		case <-time.After(5 * time.Second):
			t.Fatal("the other shows' reads never began")
		}
	}
	close(gB)
	if ok, diff := fls[b].agreesWithin(statuses(t, f.sys, b), 5*time.Second); !ok {
		t.Errorf("the stream of %s never caught up while other shows waited for every slot: %s", b, diff)
	}
	select {
	case line := <-putOff:
		t.Errorf("the read again was put off: %s", line)
	default:
	}
}
