package pgstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"
)

// waitTimeout bounds every wait for a notification from another
// connection.
const waitTimeout = 15 * time.Second

// recorder is a changed function that remembers what it was called with.
type recorder struct {
	mu   sync.Mutex
	ids  []string
	more chan struct{} // a call since the last wait; capacity 1
}

func newRecorder() *recorder { return &recorder{more: make(chan struct{}, 1)} }

func (r *recorder) changed(showID string) {
	r.mu.Lock()
	r.ids = append(r.ids, showID)
	r.mu.Unlock()
	select {
	case r.more <- struct{}{}:
	default:
	}
}

// reported returns the calls so far.
func (r *recorder) reported() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids)
}

// count returns how many calls reported id.
func (r *recorder) count(id string) int {
	n := 0
	for _, got := range r.reported() {
		if got == id {
			n++
		}
	}
	return n
}

// waitFor waits until ok holds of the calls so far, failing the test after
// waitTimeout.
func (r *recorder) waitFor(t *testing.T, what string, ok func(ids []string) bool) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for !ok(r.reported()) {
		select {
		case <-r.more:
		case <-deadline.C:
			got := r.reported()
			t.Fatalf("no %s within %v; %d reported, the first: %q", what, waitTimeout, len(got), got[:min(len(got), 20)])
		}
	}
}

// waitCount waits until id has been reported n times.
func (r *recorder) waitCount(t *testing.T, id string, n int) {
	t.Helper()
	r.waitFor(t, fmt.Sprintf("report %d of %q", n, id), func([]string) bool { return r.count(id) >= n })
}

// listen starts a listener on s that records into a new recorder, until
// the test ends.
func listen(t *testing.T, s *pgstore.Store) *recorder {
	t.Helper()
	r := newRecorder()
	must(t, s.ListenShowChanges(t.Context(), r.changed))
	return r
}

// addShows adds to the Store's schema a theater, a hall, a movie and n
// shows of it, a day apart, and returns their IDs.
func addShows(t *testing.T, s *pgstore.Store, n int) []string {
	t.Helper()
	ctx := t.Context()
	layout := boxoffice.SeedLayout()
	must(t, s.AddTheater(ctx, boxoffice.Theater{ID: "t"}))
	must(t, s.AddHall(ctx, boxoffice.Hall{ID: "h", TheaterID: "t", Layout: layout}))
	must(t, s.AddMovie(ctx, boxoffice.Movie{ID: "m", Title: "M", Duration: time.Hour}))
	ids := make([]string, n)
	for i := range ids {
		start := time.Date(2031, 1, 1, 20, 0, 0, 0, time.UTC).AddDate(0, 0, i)
		show := boxoffice.Show{ID: fmt.Sprint("show-", i), MovieID: "m", HallID: "h", TheaterID: "t",
			Start: start, End: start.Add(time.Hour), BasePrice: 1000}
		must(t, s.AddShow(ctx, show, layout, boxoffice.Interval{Start: show.Start, End: show.End}, nil))
		ids[i] = show.ID
	}
	return ids
}

// hold holds a seat of the show, or makes it available again, through
// UpdateShow: a change that commits.
func hold(t *testing.T, s *pgstore.Store, showID string, seat int) {
	t.Helper()
	must(t, toggle(t.Context(), s, showID, seat))
}

// toggle is hold for any goroutine.
func toggle(ctx context.Context, s *pgstore.Store, showID string, seat int) error {
	return s.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error {
		slot := boxoffice.SeatSlot{}
		if tx.Seat(seat).Status == boxoffice.SeatAvailable {
			slot = boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: boxoffice.NewBookingID(),
				HeldUntil: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
		}
		tx.SetSeat(seat, slot)
		return nil
	})
}

// listeningStores opens two pools, as two processes would, with a Store each on
// one new schema of n shows, and Options opts.
func listeningStores(t *testing.T, n int, opts pgstore.Options) (a, b *pgstore.Store, shows []string) {
	t.Helper()
	poolA, poolB := ownPool(t, 4), ownPool(t, 4)
	opts.Schema = newSchema(t, poolA)
	a, err := pgstore.New(poolA, opts)
	must(t, err)
	b, err = pgstore.New(poolB, opts)
	must(t, err)
	return a, b, addShows(t, a, n)
}

// flush waits until every change a committed before it has reached r,
// through marker, a show of a's schema: a change queued before the first
// hold of marker is notified with it or before, and so reported by the
// call that reports marker or earlier; once the second hold's report has
// come, the call reporting the first has returned.
func flush(t *testing.T, a *pgstore.Store, marker string, rs ...*recorder) {
	t.Helper()
	for range 2 {
		counts := make([]int, len(rs))
		for i, r := range rs {
			counts[i] = r.count(marker)
		}
		hold(t, a, marker, 0)
		for i, r := range rs {
			r.waitCount(t, marker, counts[i]+1)
		}
	}
}

func TestListenShowChanges(t *testing.T) {
	t.Parallel()
	a, b, shows := listeningStores(t, 6, pgstore.Options{})
	marker := shows[len(shows)-1]
	fromB, fromA := listen(t, b), listen(t, a) // another process, and this one

	tests := []struct {
		name     string
		op       func(ctx context.Context, showID string) error
		reported bool
	}{
		{"a hold", func(ctx context.Context, showID string) error { hold(t, a, showID, 3); return nil }, true},
		{"a view", func(ctx context.Context, showID string) error {
			return a.ViewShow(ctx, showID, func(tx boxoffice.ShowTx) error { tx.Seat(3); return nil })
		}, false},
		{"an update that writes nothing", func(ctx context.Context, showID string) error {
			return a.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error { tx.Seat(3); return nil })
		}, false},
		{"an update that fails", func(ctx context.Context, showID string) error {
			err := a.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error {
				tx.SetSeat(3, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: boxoffice.NewBookingID()})
				return errors.New("no")
			})
			if err == nil {
				return errors.New("the failing update succeeded")
			}
			return nil
		}, false},
		{"a cancelled show", func(ctx context.Context, showID string) error {
			return a.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error { tx.CancelShow(); return nil })
		}, true},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			show := shows[i]
			must(t, tc.op(t.Context(), show))
			flush(t, a, marker, fromB, fromA)
			for who, r := range map[string]*recorder{"another process": fromB, "the same process": fromA} {
				if got := r.count(show) > 0; got != tc.reported {
					t.Errorf("%s: %s of %s reported %v, want %v (reported: %q)", tc.name, who, show, got, tc.reported, r.reported())
				}
			}
		})
	}
	for _, r := range []*recorder{fromA, fromB} {
		if n := r.count(""); n > 0 {
			t.Errorf("every show reported %d times, with no connection lost", n)
		}
	}
}

// TestShowChangesBurst updates many shows at once: each is reported, and
// the Store sends at most once every 10 ms, however many commits.
func TestShowChangesBurst(t *testing.T) {
	t.Parallel()
	a, b, shows := listeningStores(t, 40, pgstore.Options{})
	r := listen(t, b)
	const rounds = 5
	start := time.Now()
	var wg sync.WaitGroup
	for _, show := range shows {
		wg.Go(func() {
			for i := range rounds {
				if err := toggle(t.Context(), a, show, i); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	waitGroup(t, &wg, "the burst of updates")
	if t.Failed() {
		return
	}
	r.waitFor(t, "report of every show", func(ids []string) bool {
		for _, show := range shows {
			if !slices.Contains(ids, show) {
				return false
			}
		}
		return true
	})
	elapsed := time.Since(start)
	commits := len(shows) * rounds
	sends := pgstore.FeedSends(a)
	t.Logf("%d commits in %v notified in %d statements, reported in %d calls", commits, elapsed, sends, len(r.reported()))
	if most := int64(elapsed/(10*time.Millisecond)) + 1; sends > most {
		t.Errorf("%d statements in %v, more than one every 10 ms", sends, elapsed)
	}
}

// TestShowChangesManyIDs queues more IDs than one statement carries, some
// of them odd, and a show ID too long for any payload, which stands for
// every show.
func TestShowChangesManyIDs(t *testing.T) {
	t.Parallel()
	a, b, _ := listeningStores(t, 0, pgstore.Options{})
	r := listen(t, b)
	var ids []string
	for i := range 2500 {
		ids = append(ids, fmt.Sprintf("id-%d-%s", i, strings.Repeat("é", i%5)))
	}
	ids = append(ids, `a"b\c`, "line\nbreak", "🎬")
	for _, id := range ids {
		pgstore.NotifyChanged(a, id)
	}
	r.waitFor(t, "report of every ID", func(got []string) bool {
		for _, id := range ids {
			if !slices.Contains(got, id) {
				return false
			}
		}
		return true
	})
	// An ID too long for a payload is reported as every show.
	pgstore.NotifyChanged(a, strings.Repeat("L", 9000))
	r.waitCount(t, "", 1)
	if sends := pgstore.FeedSends(a); sends < 3 {
		t.Errorf("2,504 IDs sent in %d statements; want at least 3 of at most 1,000 IDs", sends)
	}
}

func TestListenShowChangesStops(t *testing.T) {
	pool := testPool(t)
	schema := newSchema(t, pool)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	show := addShows(t, s, 1)[0]
	before := goleak.IgnoreCurrent()

	ctx, cancel := context.WithCancel(t.Context())
	r := newRecorder()
	must(t, s.ListenShowChanges(ctx, r.changed))
	hold(t, s, show, 0)
	r.waitCount(t, show, 1)
	if n := len(listeners(t, pool, s)); n != 1 {
		t.Fatalf("%d backends listen, want 1", n)
	}
	cancel()

	// The listener's goroutines end, the sender's too once it finds
	// nothing to send, and the connection closes.
	goleak.VerifyNone(t, before)
	if pgstore.FeedRunning(s) {
		t.Error("the sender runs with nothing to send")
	}
	waitUntil(t, "the listening backend to end", func() bool { return len(listeners(t, pool, s)) == 0 })
	hold(t, s, show, 0) // not reported: nothing listens
	waitUntil(t, "the sender to stop", func() bool { return !pgstore.FeedRunning(s) })
	if got := r.reported(); !slices.Equal(got, []string{show}) {
		t.Errorf("reported %q, want %q once, before the listener stopped", got, show)
	}
}

func TestListenShowChangesFails(t *testing.T) {
	t.Parallel()
	open := testPool(t)
	schema := newSchema(t, open)
	closed, err := pgxpool.New(t.Context(), testDatabaseURL())
	must(t, err)
	closed.Close()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	onClosed, err := pgstore.New(closed, pgstore.Options{Schema: schema, Logger: logger})
	must(t, err)
	onOpen, err := pgstore.New(open, pgstore.Options{Schema: schema, Logger: logger})
	must(t, err)
	done, cancel := context.WithCancel(t.Context())
	cancel()

	tests := []struct {
		name    string
		s       *pgstore.Store
		ctx     context.Context
		changed func(string)
		is      error
	}{
		{"a closed pool", onClosed, t.Context(), func(string) {}, nil},
		{"a done ctx", onOpen, done, func(string) {}, context.Canceled},
		{"no function", onOpen, t.Context(), nil, boxoffice.ErrInvalidArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.ListenShowChanges(tc.ctx, tc.changed)
			switch {
			case err == nil:
				t.Fatal("ListenShowChanges returned nil")
			case tc.is != nil && !errors.Is(err, tc.is):
				t.Errorf("error %v, want one matching %v", err, tc.is)
			}
		})
	}

	// A change to send on a closed pool is dropped quietly.
	pgstore.NotifyChanged(onClosed, "show")
	waitUntil(t, "the sender to stop", func() bool { return !pgstore.FeedRunning(onClosed) })
	if logs.Len() > 0 {
		t.Errorf("logged: %s", logs.String())
	}
}

// TestListenShowChangesReconnects ends the listening connection's backend:
// the listener connects again, reports every show, and goes on reporting.
func TestListenShowChangesReconnects(t *testing.T) {
	t.Parallel()
	a, b, shows := listeningStores(t, 1, pgstore.Options{ShowChangeCheck: -1,
		Logger: slog.New(slog.NewTextHandler(tWriter{t}, nil))})
	r := listen(t, b)
	ended := endListener(t, b)
	r.waitCount(t, "", 1)
	hold(t, a, shows[0], 0)
	r.waitCount(t, shows[0], 1)
	if now := listeners(t, testPool(t), b); len(now) != 1 || now[0] == ended {
		t.Errorf("listening backends %v, want one other than %d", now, ended)
	}
}

// TestShowChangeCheck reports every show once every
// Options.ShowChangeCheck, without any change, and not before. The check
// runs on a fake clock: an hour apart, which a timer of the machine would
// never reach within the test. The heartbeat runs at the same interval; each
// of its payloads is heard before the clock moves on, so that none is judged
// unheard (which would report every show once more).
func TestShowChangeCheck(t *testing.T) {
	t.Parallel()
	const check = time.Hour
	_, b, _ := listeningStores(t, 0, pgstore.Options{ShowChangeCheck: check})
	clock := fakeclock.New(time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC))
	pgstore.SetListenClock(b, clock)
	heard := make(chan struct{}, 16)
	pgstore.SetHeartbeatHooks(b, nil, nil, func() { heard <- struct{}{} })
	r := listen(t, b)
	// Two timers: the heartbeat's and the periodic report's, re-armed
	// once the report has returned.
	waitForTimers(t, clock, 2, "the heartbeat and the periodic report to wait")
	for n := 1; n <= 3; n++ {
		clock.Advance(check - time.Nanosecond)
		// A timer that fired is disarmed when Advance returns, and
		// armed again once its report has returned.
		waitForTimers(t, clock, 2, "the timers after a move short of the check")
		if got := r.reported(); len(got) != n-1 {
			t.Fatalf("reported %q before check %d, want \"\" %d times", got, n, n-1)
		}
		clock.Advance(time.Nanosecond)
		r.waitCount(t, "", n)
		recv(t, heard, "the heartbeat heard")
		waitForTimers(t, clock, 2, "the heartbeat and the periodic report to wait again")
		if got := r.reported(); len(got) != n || r.count("") != n {
			t.Fatalf("after %d checks, reported %q; want \"\" %d times", n, got, n)
		}
	}
}

// TestShowChangesLongSchema runs two Stores on a schema with a name of 63
// bytes, too long for a channel name that holds it: they agree on a
// hashed one.
func TestShowChangesLongSchema(t *testing.T) {
	t.Parallel()
	poolA, poolB := ownPool(t, 4), ownPool(t, 4)
	var rnd [25]byte
	_, _ = rand.Read(rnd[:])
	schema := newSchemaNamed(t, poolA, "pgstore_test_"+hex.EncodeToString(rnd[:]))
	if len(schema) != 63 {
		t.Fatalf("schema %q is %d bytes", schema, len(schema))
	}
	a, err := pgstore.New(poolA, pgstore.Options{Schema: schema})
	must(t, err)
	b, err := pgstore.New(poolB, pgstore.Options{Schema: schema})
	must(t, err)
	ca, cb := pgstore.ShowsChannel(a), pgstore.ShowsChannel(b)
	if ca != cb || len(ca) != 63 || !strings.HasPrefix(ca, "pgstore_shows#") {
		t.Errorf("channels %q and %q, want one hashed name of 63 bytes", ca, cb)
	}
	show := addShows(t, a, 1)[0]
	r := listen(t, b)
	hold(t, a, show, 0)
	r.waitCount(t, show, 1)
}

// listeners returns the process IDs of the backends listening on s's
// channel: pgxlisten's LISTEN is the last statement they ran.
func listeners(t *testing.T, pool *pgxpool.Pool, s *pgstore.Store) []int32 {
	t.Helper()
	rows, err := pool.Query(t.Context(), `SELECT pid FROM pg_stat_activity WHERE query = $1 ORDER BY pid`,
		"listen "+pgx.Identifier{pgstore.ShowsChannel(s)}.Sanitize())
	must(t, err)
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	must(t, err)
	return pids
}

// endListener ends the one backend that listens for s's show changes, as
// a database restart or a network failure would, and returns its pid.
func endListener(t *testing.T, s *pgstore.Store) int32 {
	t.Helper()
	pids := listeners(t, testPool(t), s)
	if len(pids) != 1 {
		t.Fatalf("%d backends listen, want 1", len(pids))
	}
	var ended bool
	must(t, testPool(t).QueryRow(t.Context(), "SELECT pg_terminate_backend($1)", pids[0]).Scan(&ended))
	if !ended {
		t.Fatalf("backend %d did not end", pids[0])
	}
	return pids[0]
}

// waitUntil polls ok until it holds, failing the test after waitTimeout.
func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", waitTimeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestWatchAcrossProcesses runs two BookingSystems on one schema, through
// pools of their own, as two processes would: a hold made through one
// reaches a Watch stream of the other, and so does its release.
func TestWatchAcrossProcesses(t *testing.T) {
	t.Parallel()
	poolA, poolB := ownPool(t, 4), ownPool(t, 4)
	schema := newSchema(t, poolA)
	logger := slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	system := func(pool *pgxpool.Pool) *boxoffice.BookingSystem {
		s, err := pgstore.New(pool, pgstore.Options{Schema: schema, Logger: logger})
		must(t, err)
		sys, err := boxoffice.New(boxoffice.Config{Gateway: boxoffice.NewInMemoryGateway(), Store: s, Logger: logger})
		must(t, err)
		t.Cleanup(func() { _ = sys.Close(context.Background()) })
		return sys
	}
	a, b := system(poolA), system(poolB)
	show := scheduleRexShow(t, a, boxoffice.Movie{Title: "Alien", Duration: 117 * time.Minute}, time.Now().Add(72*time.Hour))
	updates, err := b.Watch(t.Context(), show.ID)
	must(t, err)
	// A new show's map: one update, every seat available, marked Initial;
	// what the feed brings after it is changes (waitForSeats).
	if u := recv(t, updates, "the seat map the stream begins with"); !u.Initial || u.Status != boxoffice.SeatAvailable || len(u.Seats) != boxoffice.SeedLayout().Len() {
		t.Fatalf("the stream began with %v %s (%d seats), Initial %t; want every seat available, Initial set",
			u.Seats, u.Status, len(u.Seats), u.Initial)
	}

	seats := []string{"A1", "A2"}
	bk, err := a.HoldSeats(t.Context(), "ann", show.ID, seats)
	must(t, err)
	waitForSeats(t, updates, seats, boxoffice.SeatHeld)
	_, err = a.ReleaseHold(t.Context(), bk.ID)
	must(t, err)
	waitForSeats(t, updates, seats, boxoffice.SeatAvailable)
}

// waitForSeats reads updates, changes after the seat map the stream
// began with, until one gives every seat of seats the status, failing
// the test after waitTimeout or on an update marked Initial.
func waitForSeats(t *testing.T, updates <-chan boxoffice.SeatUpdate, seats []string, status boxoffice.SeatStatus) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		select {
		case u, ok := <-updates:
			if !ok {
				t.Fatal("the stream closed")
			}
			if u.Initial {
				t.Fatalf("update %v %s after the seat map the stream began with has Initial set", u.Seats, u.Status)
			}
			if u.Status == status && !slices.ContainsFunc(seats, func(s string) bool { return !slices.Contains(u.Seats, s) }) {
				return
			}
		case <-deadline.C:
			t.Fatalf("no update of %v to %v within %v", seats, status, waitTimeout)
		}
	}
}

// An UpdateShow whose commit's answer was lost, and whose outcome could
// not be learned (ErrCommitUnknown), is notified all the same: it may
// have committed, and no other report of it would come.
func TestCommitUnknownIsNotified(t *testing.T) {
	for _, path := range []string{"locked", "optimistic"} {
		t.Run(path, func(t *testing.T) {
			admin, schema, show, proxy, a := lostCommitStore(t, path)
			b, err := pgstore.New(ownPool(t, 4), pgstore.Options{Schema: schema}) // another process
			must(t, err)
			r := listen(t, b)
			bk := heldBooking(show.ID, "A1")
			err = a.UpdateShow(t.Context(), show.ID, func(tx boxoffice.ShowTx) error {
				holdFirstSeat(tx, bk)
				proxy.arm(loseAnswerUnreachable)
				return nil
			})
			proxy.mu.Lock()
			proxy.refuse = false // reachable again: the notification can go
			proxy.mu.Unlock()
			if !errors.Is(err, pgstore.ErrCommitUnknown) {
				t.Fatalf("UpdateShow = %v; want ErrCommitUnknown", err)
			}
			if !bookingStored(t, admin, schema, bk.ID) {
				t.Fatal("the booking is not stored; the test meant it to commit")
			}
			r.waitCount(t, show.ID, 1)
		})
	}
}

// A process that shuts down in good order flushes its Store before
// closing the pool: the notification of its last commit, which waited for
// the sender's next send, goes out.
func TestFlushSendsBeforeThePoolCloses(t *testing.T) {
	poolA := ownPool(t, 4)
	schema := newSchema(t, testPool(t))
	a, err := pgstore.New(poolA, pgstore.Options{Schema: schema})
	must(t, err)
	b, err := pgstore.New(ownPool(t, 4), pgstore.Options{Schema: schema})
	must(t, err)
	show := addShows(t, a, 1)[0]
	r := listen(t, b)
	hold(t, a, show, 0)
	must(t, a.Flush(t.Context()))
	poolA.Close()
	r.waitCount(t, show, 1)
	must(t, a.Flush(t.Context())) // nothing pending: nothing to send on the closed pool
}
