package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"
)

// TestReconnectBackoff drives the listener's reconnection back-off on a
// fake clock, against a pool whose new connections fail while the test
// says the database is down: each wait is exactly twice the last, from
// 50 ms up to 10 s; a reconnection that listens resets it to 50 ms; and
// ending the listener during a wait ends its goroutines without the clock
// moving. Nothing sleeps: a timer of the fake clock fires within Advance,
// and a connection attempt is seen as the pool's BeforeConnect.
func TestReconnectBackoff(t *testing.T) {
	schema := newSchema(t, testPool(t))
	cfg, err := pgxpool.ParseConfig(testDatabaseURL())
	must(t, err)
	cfg.MaxConns = 2
	var down atomic.Bool
	attempts := make(chan struct{}, 64)
	cfg.BeforeConnect = func(context.Context, *pgx.ConnConfig) error {
		attempts <- struct{}{}
		if down.Load() {
			return errors.New("test: the database is down")
		}
		return nil
	}
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	must(t, err)
	t.Cleanup(pool.Close)
	// No heartbeat nor periodic report: the back-off's is the clock's
	// only timer, and the listener's connection the pool's only one, so
	// that every attempt opens a connection.
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema, ShowChangeCheck: -1, Logger: slog.New(slog.DiscardHandler)})
	must(t, err)
	clock := fakeclock.New(time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC))
	pgstore.SetListenClock(s, clock)
	before := goleak.IgnoreCurrent()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	r := newRecorder()
	must(t, s.ListenShowChanges(ctx, r.changed))
	recv(t, attempts, "the first connection")

	// lose ends the listening connection's backend while the database is
	// down.
	lose := func() {
		t.Helper()
		down.Store(true)
		endListener(t, s)
	}
	// notYet fails the test if the back-off's timer fired: a timer of the
	// fake clock is disarmed within Advance, and armed again only after
	// the next attempt, so one armed and no attempt mean none fired.
	notYet := func(what string) {
		t.Helper()
		if n := clock.Timers(); n != 1 || len(attempts) > 0 {
			t.Fatalf("%s: %d timers armed, %d attempts; want the back-off's timer still waiting", what, n, len(attempts))
		}
	}
	// backOff checks that the listener waits exactly wait before its
	// next attempt.
	backOff := func(n int, wait time.Duration) {
		t.Helper()
		what := fmt.Sprintf("attempt %d, after %v", n, wait)
		waitForTimers(t, clock, 1, "the back-off before "+what)
		clock.Advance(wait - time.Nanosecond)
		notYet(what + ", a nanosecond early")
		clock.Advance(time.Nanosecond)
		if n := clock.Timers(); n == 1 && len(attempts) == 0 {
			t.Fatalf("%s: the back-off's timer did not fire", what)
		}
		recv(t, attempts, what)
	}

	lose()
	waits := []time.Duration{
		50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, 1600 * time.Millisecond, 3200 * time.Millisecond, 6400 * time.Millisecond,
		10 * time.Second, 10 * time.Second,
	}
	for i, wait := range waits {
		backOff(i+1, wait)
	}
	// The database is back: the next attempt listens, and every show is
	// reported.
	waitForTimers(t, clock, 1, "the back-off before the database is back")
	down.Store(false)
	clock.Advance(10 * time.Second)
	recv(t, attempts, "the attempt that listens")
	r.waitCount(t, "", 1)

	// Lost again: the back-off starts over.
	lose()
	backOff(1, 50*time.Millisecond)
	backOff(2, 100*time.Millisecond)

	// Ended during a wait, the listener's goroutines end, and its timer
	// is stopped, with the clock standing still.
	waitForTimers(t, clock, 1, "the back-off before the listener ends")
	cancel()
	goleak.VerifyNone(t, before)
	if n := clock.Timers(); n != 0 {
		t.Errorf("%d timers armed after the listener ended, want none", n)
	}
	if len(attempts) > 0 {
		t.Errorf("%d connection attempts after the listener ended", len(attempts))
	}
}

// While the listener backs off before connecting again, the heartbeats do
// not judge the connection it lost: a heartbeat unheard then is no news
// (the loss was logged already), and "hears nothing" would send whoever
// reads the log after a network fault that is not there. The heartbeats,
// the periodic report and the back-off run on a fake clock.
func TestHeartbeatIgnoresALostConnection(t *testing.T) {
	const check = time.Minute
	schema := newSchema(t, testPool(t))
	cfg, err := pgxpool.ParseConfig(testDatabaseURL())
	must(t, err)
	var down atomic.Bool
	cfg.BeforeConnect = func(context.Context, *pgx.ConnConfig) error {
		if down.Load() {
			return errors.New("test: the database is down")
		}
		return nil
	}
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	must(t, err)
	t.Cleanup(pool.Close)
	logs := &logRecorder{}
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema, ShowChangeCheck: check, Logger: slog.New(logs)})
	must(t, err)
	clock := fakeclock.New(time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC))
	pgstore.SetListenClock(s, clock)
	r := listen(t, s)
	waitForTimers(t, clock, 2, "the heartbeat and the periodic report to wait")

	// The listening backend ends while the database is down: the listener
	// backs off, and every attempt fails, the heartbeats' sends too.
	down.Store(true)
	endListener(t, s)
	// Two checks: the first sends a heartbeat, which no one can hear; the
	// second is late enough to judge it.
	for n := range 2 {
		waitForTimers(t, clock, 3, fmt.Sprintf("the back-off, the heartbeat and the periodic report before check %d", n+1))
		clock.Advance(check)
	}
	waitForTimers(t, clock, 3, "the second check to end")
	if got := logs.messages("hears nothing"); len(got) > 0 {
		t.Errorf("during the back-off, the heartbeat judged the lost connection: %q", got)
	}
	if got := logs.messages("listening for show changes"); len(got) == 0 {
		t.Error("the lost connection was not logged")
	}

	// The database back, the next attempt listens, and reports every show
	// (as did the two periodic reports).
	down.Store(false)
	clock.Advance(10 * time.Second) // the back-off's longest wait
	r.waitCount(t, "", 3)
}

// logRecorder is a slog.Handler that keeps the messages it is given, for
// tests of what a Store logs.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}

func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecorder) WithGroup(string) slog.Handler      { return h }

// messages returns the messages so far that contain substr.
func (h *logRecorder) messages(substr string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, m := range h.msgs {
		if strings.Contains(m, substr) {
			out = append(out, m)
		}
	}
	return out
}
