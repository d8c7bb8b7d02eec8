package pgstore_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// dropProxy is a TCP proxy whose dropSilently forgets every connection it
// carries, as a NAT gateway, firewall or load balancer does when it drops
// an idle flow: the server's side is closed (the backend ends), the
// client's side stays open and hears nothing more. New connections pass
// as before.
type dropProxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	pairs   [][2]net.Conn // client, server
	dropped map[net.Conn]bool
	wg      sync.WaitGroup
}

func newDropProxy(t *testing.T, target string) *dropProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	p := &dropProxy{ln: ln, target: target, dropped: map[net.Conn]bool{}}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		_ = ln.Close()
		p.closeAll()
		waitGroup(t, &p.wg, "the drop proxy's goroutines to end once its listener and connections are closed")
	})
	return p
}

// closeAll closes both sides of every connection it carries.
func (p *dropProxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.pairs {
		_ = c[0].Close()
		_ = c[1].Close()
	}
}

func (p *dropProxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.mu.Lock()
		p.pairs = append(p.pairs, [2]net.Conn{client, server})
		p.mu.Unlock()
		p.wg.Go(func() { p.pipe(server, client) })
		p.wg.Go(func() { p.pipe(client, server) })
	}
}

// pipe copies src to dst; when src ends, it closes both unless the flow
// was dropped silently (then the client's side is left hanging).
func (p *dropProxy) pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	p.mu.Lock()
	silent := p.dropped[dst] || p.dropped[src]
	p.mu.Unlock()
	if !silent {
		_ = dst.Close()
		_ = src.Close()
	}
}

func (p *dropProxy) dropSilently() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.pairs {
		p.dropped[c[0]], p.dropped[c[1]] = true, true
		_ = c[1].Close() // the server's side only
	}
}

// A listening connection that the network drops without a word (no FIN,
// no RST) is found deaf by the heartbeat within two ShowChangeChecks, and
// replaced: commits are reported by their shows again, not only by the
// periodic changed("").
//
// The same network box drops the pool's idle connections too (any pool
// that was ever busy keeps some); the heartbeat's sends fail on them, and
// the pool replaces them, within the same bound.
func TestListenerReconnectsAfterASilentDrop(t *testing.T) {
	for _, idle := range []int{0, 4} {
		t.Run(fmt.Sprintf("idle=%d", idle), func(t *testing.T) { testSilentDrop(t, idle) })
	}
}

func testSilentDrop(t *testing.T, idle int) {
	testPool(t)
	poolA := ownPool(t, 4)
	proxy := newDropProxy(t, dbAddr(t))
	poolB := poolVia(t, proxy.ln.Addr().String(), 8)
	// Before the pool closes: closing a connection the proxy dropped
	// would wait for its answer.
	t.Cleanup(proxy.closeAll)
	var wg sync.WaitGroup
	for range idle { // connections the process opened while busy, idle now
		wg.Go(func() {
			if _, err := poolB.Exec(t.Context(), "SELECT pg_sleep(0.05)"); err != nil {
				t.Error(err)
			}
		})
	}
	waitGroup(t, &wg, "the queries that leave idle connections in the pool")

	schema := newSchema(t, poolA)
	a, err := pgstore.New(poolA, pgstore.Options{Schema: schema})
	must(t, err)
	b, err := pgstore.New(poolB, pgstore.Options{Schema: schema, ShowChangeCheck: 200 * time.Millisecond})
	must(t, err)
	show := addShows(t, a, 1)[0]
	r := listen(t, b)
	hold(t, a, show, 0)
	r.waitCount(t, show, 1) // the feed works

	proxy.dropSilently()
	waitUntil(t, "the listening backend to end", func() bool { return len(listeners(t, testPool(t), b)) == 0 })
	// Sends on dead idle connections take 2 s each, three at most.
	deadline := time.Now().Add(20 * time.Second)
	for seat := 1; r.count(show) < 2; seat++ {
		if time.Now().After(deadline) {
			t.Fatalf("20 s after its connection was dropped, the listener hears no commit (%d backends listen; reported %q)",
				len(listeners(t, testPool(t), b)), r.reported()[:min(len(r.reported()), 10)])
		}
		hold(t, a, show, seat%40)
		time.Sleep(100 * time.Millisecond) // commits keep coming, as in a cinema's evening
	}
}

// syncBuffer is a bytes.Buffer for a logger of several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// A listening connection that works is not taken for deaf when the pool
// is busy: its heartbeat waits for a connection longer than
// minHeartbeatWait, and is judged only once it has had that long, after
// its send ended, to come back. The heartbeat runs on a fake clock, so the
// test waits out neither its interval nor minHeartbeatWait; the payload is
// held at the listener until the last call that must not judge it.
func TestHeartbeatOfABusyPool(t *testing.T) {
	const check = 100 * time.Millisecond
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	pool := ownPool(t, 2)
	s, err := pgstore.New(pool, pgstore.Options{Schema: newSchema(t, testPool(t)), ShowChangeCheck: check, Logger: logger})
	must(t, err)
	clock := fakeclock.New(time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC))
	pgstore.SetListenClock(s, clock)
	sending, arrived, heard := make(chan struct{}, 16), make(chan struct{}, 16), make(chan struct{}, 16)
	hear := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(hear) }) }
	t.Cleanup(release) // the listener's loop waits in arrived
	pgstore.SetHeartbeatHooks(s,
		func() { sending <- struct{}{} },
		func() { arrived <- struct{}{}; <-hear },
		func() { heard <- struct{}{} })
	listen(t, s)
	before := listeners(t, testPool(t), s)
	// step lets the heartbeat's timer fire once it is armed, that is once
	// the last call has ended (the other timer is the periodic
	// changed("")'s).
	step := func() {
		t.Helper()
		waitForTimers(t, clock, 2, "the heartbeat to wait for its timer")
		clock.Advance(check)
	}

	// The application keeps both of the pool's connections while the
	// heartbeat's send waits for one, ten seconds on the clock.
	c1, err := pool.Acquire(t.Context())
	must(t, err)
	c2, err := pool.Acquire(t.Context())
	must(t, err)
	step()
	recv(t, sending, "the first heartbeat's send")
	clock.Advance(10 * time.Second)
	c1.Release()
	c2.Release()
	recv(t, arrived, "the first heartbeat at the listener")

	for range pgstore.MinHeartbeatWait/check - 1 { // too soon to judge
		step()
	}
	waitForTimers(t, clock, 2, "the heartbeat's last call too soon to judge")
	if strings.Contains(logs.String(), "hears nothing") {
		t.Fatalf("a heartbeat was judged unheard less than %v after its send ended:\n%s", pgstore.MinHeartbeatWait, logs.String())
	}
	release()
	recv(t, heard, "the first heartbeat heard")
	step()
	recv(t, sending, "a heartbeat after the first was heard")
	waitForTimers(t, clock, 2, "the heartbeat's second send to end")
	if strings.Contains(logs.String(), "hears nothing") {
		t.Errorf("a working listening connection was taken for deaf:\n%s", logs.String())
	}
	if after := listeners(t, testPool(t), s); len(before) != 1 || !slices.Equal(after, before) {
		t.Errorf("listening backends %v, then %v; want one, the same", before, after)
	}
}

// A connection that the network drops without a word after the listener
// took it, before its LISTEN is answered, is found deaf by the heartbeats
// as a listening one is, and replaced: else the listener would wait on
// its LISTEN as long as TCP takes to notice (here, for ever), its commits
// reported only by the periodic changed(""). The heartbeats, the periodic
// report and the back-off run on a fake clock.
func TestHeartbeatReplacesAConnectionDroppedBeforeItListens(t *testing.T) {
	const check = time.Minute
	testPool(t)
	proxy := newDropProxy(t, dbAddr(t))
	var dropNext atomic.Bool
	listening := make(chan struct{}, 4)
	pool := poolViaWith(t, proxy.ln.Addr().String(), 8, func(cfg *pgxpool.Config) {
		cfg.AfterConnect = func(context.Context, *pgx.Conn) error {
			if dropNext.CompareAndSwap(true, false) {
				proxy.dropSilently() // the listener's new connection, the only one
			}
			return nil
		}
		cfg.ConnConfig.Tracer = listenTracer(listening)
	})
	t.Cleanup(proxy.closeAll) // before the pool closes, as in testSilentDrop
	schema := newSchema(t, testPool(t))
	a, err := pgstore.New(ownPool(t, 4), pgstore.Options{Schema: schema, ShowChangeCheck: -1})
	must(t, err)
	logs := &logRecorder{}
	b, err := pgstore.New(pool, pgstore.Options{Schema: schema, ShowChangeCheck: check, Logger: slog.New(logs)})
	must(t, err)
	clock := fakeclock.New(time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC))
	pgstore.SetListenClock(b, clock)
	show := addShows(t, a, 1)[0]
	r := listen(t, b)
	recv(t, listening, "the first LISTEN")
	// The heartbeat's and the periodic report's timers.
	waitForTimers(t, clock, 2, "the heartbeat and the periodic report to wait")

	// The listening backend ends; the connection the listener takes in
	// its place is dropped as soon as it is made.
	dropNext.Store(true)
	endListener(t, b)
	waitForTimers(t, clock, 3, "the back-off before connecting again")
	clock.Advance(50 * time.Millisecond)
	recv(t, listening, "the LISTEN on the dropped connection")
	// Two checks: the first sends a heartbeat (on a new connection of the
	// pool, which passes), the second finds it unheard.
	for n := range 2 {
		waitForTimers(t, clock, 2, fmt.Sprintf("the heartbeat and the periodic report before check %d", n+1))
		clock.Advance(check)
	}
	// Closed, the dropped connection's LISTEN fails, and the listener
	// backs off again before connecting.
	waitForTimers(t, clock, 3, "the back-off after the dropped connection was closed")
	clock.Advance(time.Second)
	// The commit waits until the new connection listens, which its report
	// of every show (the third changed(""), after the two periodic ones)
	// says: a notification sent before its LISTEN is answered is not
	// heard, and under load the back-off's wake-up, the pool and the
	// LISTEN can take longer than a commit and the feed's 10 ms.
	r.waitCount(t, "", 3)
	hold(t, a, show, 0)
	r.waitCount(t, show, 1)
	if got := logs.messages("hears nothing"); len(got) != 1 {
		t.Errorf("logged %q; want the dropped connection found deaf once", got)
	}
}

// listenTracer sends on c as a connection starts a LISTEN.
type listenTracer chan<- struct{}

func (c listenTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if strings.HasPrefix(data.SQL, "listen ") {
		c <- struct{}{}
	}
	return ctx
}

func (listenTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// The listener's wait for a connection from the pool is bounded: here it
// is handed an idle connection that the network dropped without a word,
// which pgxpool pings before handing it out, a ping that would wait as
// long as TCP takes (through the proxy, for ever) with no heartbeat able
// to end it, the listener having no connection yet. Bounded, the attempt
// fails, and the next, after the back-off, listens on a new connection.
// The back-off runs on a fake clock; the bound, on the machine's, is
// shortened.
func TestListenerConnectIsBounded(t *testing.T) {
	testPool(t)
	db := dbAddr(t)
	proxy := newDropProxy(t, db)
	var direct atomic.Bool // new connections bypass the proxy
	direct.Store(true)
	pool := poolViaWith(t, proxy.ln.Addr().String(), 4, func(cfg *pgxpool.Config) {
		// pgxpool pings a connection idle for over a second; this one,
		// any idle connection.
		cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return true }
		cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if direct.Load() {
				addr = db
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
	})
	t.Cleanup(proxy.closeAll) // before the pool closes, as in testSilentDrop
	logs := &logRecorder{}
	s, err := pgstore.New(pool, pgstore.Options{Schema: newSchema(t, testPool(t)), ShowChangeCheck: -1, Logger: slog.New(logs)})
	must(t, err)
	clock := fakeclock.New(time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC))
	pgstore.SetListenClock(s, clock)
	pgstore.SetListenAcquireTimeout(s, 200*time.Millisecond)
	r := listen(t, s) // on a connection straight to the database

	// The pool's only idle connection goes through the proxy, which
	// drops it.
	direct.Store(false)
	must(t, pool.Ping(t.Context()))
	proxy.dropSilently()
	// The listening backend ends; after the back-off, the listener is
	// handed the dropped connection.
	endListener(t, s)
	waitForTimers(t, clock, 1, "the back-off before connecting again")
	clock.Advance(50 * time.Millisecond)
	// The attempt gives up at its bound; the next one listens on a new
	// connection, and reports every show.
	waitForTimers(t, clock, 1, "the back-off after an attempt stuck on the dropped connection")
	if got := logs.messages("listening for show changes"); len(got) != 2 {
		t.Errorf("logged %q; want the lost connection and the attempt that gave up", got)
	}
	clock.Advance(100 * time.Millisecond)
	r.waitCount(t, "", 1)
}
