package pgstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/boxoffice-go/boxoffice"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgxlisten"
	"github.com/jackc/puddle/v2"
)

// How the Store tells other processes which shows changed (see the package
// documentation, "Watch across processes").
const (
	// sendInterval is the least time between two sends of the feed: the
	// commits of a burst wait for it, so that they go out together.
	sendInterval = 10 * time.Millisecond
	// maxIDsPerSend is the most show IDs one notifying statement carries.
	maxIDsPerSend = 1000
	// maxPayload is the most bytes of one notification's payload:
	// PostgreSQL takes fewer than 8000.
	maxPayload = 7999
	// sendTries is how many times a statement is sent before its IDs
	// are dropped (the listeners' periodic check covers them).
	sendTries = 3
	// sendTimeout bounds one notifying statement.
	sendTimeout = 5 * time.Second
	// Reconnecting after the listening connection was lost waits
	// reconnectMin, doubled after every failed attempt up to reconnectMax.
	reconnectMin = 50 * time.Millisecond
	reconnectMax = 10 * time.Second
	// listenAcquireTimeout bounds each time the listener asks the pool
	// for a connection (see showReports.connect).
	listenAcquireTimeout = 10 * time.Second
	// feedShards is how many shards the pending show IDs are spread
	// over, so that commits of different shows do not meet on one lock.
	feedShards = 16
)

// maxIdentifier is PostgreSQL's limit on an identifier's bytes (NAMEDATALEN
// - 1), a channel name's too.
const maxIdentifier = 63

// showsChannel is the name of the channel on which the Stores of schema
// notify their changes: "pgstore_shows:" and the schema when that fits in
// an identifier, else "pgstore_shows#" and as much of the hex SHA-256 of
// the schema as fits. A hashed name cannot be mistaken for a plain one (a
// plain one that long would not fit).
func showsChannel(schema string) string {
	const plain, hashed = "pgstore_shows:", "pgstore_shows#"
	if len(plain)+len(schema) <= maxIdentifier {
		return plain + schema
	}
	sum := sha256.Sum256([]byte(schema))
	return hashed + hex.EncodeToString(sum[:])[:maxIdentifier-len(hashed)]
}

// showFeed collects the IDs of the shows that the Store's UpdateShows
// changed, and notifies them on the schema's channel once committed. The
// commit only adds its show to a pending set: a NOTIFY inside the show
// transaction would take PostgreSQL's global notify lock at every commit,
// which halved the throughput of parallel transactions. A sender
// goroutine runs while there is something pending, and exits when there
// is nothing left.
type showFeed struct {
	pool    *pgxpool.Pool
	channel string
	logger  *slog.Logger

	seed    maphash.Seed
	shards  [feedShards]feedShard
	running atomic.Bool  // a sender goroutine runs
	sends   atomic.Int64 // statements sent, for tests
	// sending is held (it has a value) while pending IDs are taken and
	// sent, so that Flush also waits for a send under way.
	sending chan struct{}
}

type feedShard struct {
	mu      sync.Mutex
	pending map[string]struct{}
}

func newShowFeed(pool *pgxpool.Pool, schema string, logger *slog.Logger) *showFeed {
	return &showFeed{pool: pool, channel: showsChannel(schema), logger: logger, seed: maphash.MakeSeed(),
		sending: make(chan struct{}, 1)}
}

// changed records that a transaction on the show committed a change, and
// starts the sender if it is not running.
func (f *showFeed) changed(showID string) {
	if f == nil { // only in benchmarks that compare without it
		return
	}
	sh := &f.shards[maphash.String(f.seed, showID)%feedShards]
	sh.mu.Lock()
	if sh.pending == nil {
		sh.pending = make(map[string]struct{})
	}
	sh.pending[showID] = struct{}{}
	sh.mu.Unlock()
	// Load first: a failing CompareAndSwap still takes the cache line.
	if !f.running.Load() && f.running.CompareAndSwap(false, true) {
		go f.run()
	}
}

// run sends what is pending, at most once per sendInterval, until nothing
// is. Whoever sets running from false to true starts it; it sets running
// to false when it finds nothing pending, then looks once more, so that an
// ID added meanwhile is sent by it or by a sender its adder starts.
func (f *showFeed) run() {
	// A machine timer, not the Store's Clock: the interval gathers the
	// commits of a burst into one statement, a pace of real time against
	// PostgreSQL's notify lock, and a commit's notification must go out
	// whether or not a test moves a fake Clock.
	t := time.NewTimer(sendInterval)
	defer t.Stop()
	for {
		<-t.C
		f.sending <- struct{}{}
		ids := f.take()
		if len(ids) > 0 {
			_ = f.send(context.Background(), ids) // logged
		}
		<-f.sending
		if len(ids) == 0 {
			f.running.Store(false)
			if !f.hasPending() || !f.running.CompareAndSwap(false, true) {
				return
			}
			t.Reset(sendInterval)
			continue
		}
		t.Reset(sendInterval)
	}
}

// flush sends what is pending now, after any send under way, bounded by
// ctx.
func (f *showFeed) flush(ctx context.Context) error {
	if f == nil {
		return nil
	}
	select {
	case f.sending <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-f.sending }()
	return f.send(ctx, f.take())
}

// take empties the pending set and returns what it held.
func (f *showFeed) take() []string {
	var ids []string
	for i := range f.shards {
		sh := &f.shards[i]
		sh.mu.Lock()
		for id := range sh.pending {
			ids = append(ids, id)
		}
		clear(sh.pending)
		sh.mu.Unlock()
	}
	return ids
}

func (f *showFeed) hasPending() bool {
	for i := range f.shards {
		sh := &f.shards[i]
		sh.mu.Lock()
		n := len(sh.pending)
		sh.mu.Unlock()
		if n > 0 {
			return true
		}
	}
	return false
}

// notifySQL notifies each payload of $2 on channel $1 in one statement,
// its own transaction. synchronous_commit off spares the commit a wait for
// the WAL flush (the notification queue gives the transaction an ID): a
// notification lost with a crash of the server is one every listener's
// lost connection already reports.
const notifySQL = `SELECT count(pg_notify($1, p)) FROM set_config('synchronous_commit', 'off', true), unnest($2::text[]) AS p`

// send notifies ids, maxIDsPerSend at a time. A statement that fails is
// tried sendTries times, then its IDs are dropped with a log; on a closed
// pool everything is dropped quietly (Flush is the way to send before
// closing it). Either way the listeners' periodic check reports them
// later. It returns the last error.
func (f *showFeed) send(ctx context.Context, ids []string) error {
	var last error
	for len(ids) > 0 {
		n := min(len(ids), maxIDsPerSend)
		batch := payloads(ids[:n])
		ids = ids[n:]
		var err error
		for try := range sendTries {
			if try > 0 && !sleepCtx(ctx, time.Duration(try)*sendInterval) {
				break
			}
			sctx, cancel := context.WithTimeout(ctx, sendTimeout)
			_, err = f.pool.Exec(sctx, notifySQL, f.channel, batch)
			cancel()
			f.sends.Add(1)
			if err == nil || errors.Is(err, puddle.ErrClosedPool) || ctx.Err() != nil {
				break
			}
		}
		switch {
		case errors.Is(err, puddle.ErrClosedPool):
			return err
		case err != nil:
			last = err
			f.logger.Warn("pgstore: could not notify changed shows; listeners will see them at their next periodic check",
				"channel", f.channel, "shows", n, "error", err)
		}
	}
	return last
}

// sleepCtx waits d, and reports whether ctx was not done first. It waits
// on a machine timer: it spaces the sender's tries of a failed statement
// by a few sendIntervals of real time, as run paces its sends, and Flush
// must not hang on a fake Clock that no one moves.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Flush sends now the notifications of the shows that this [Store]'s
// commits changed and that are still waiting to go out (they go at most
// every 10 ms), after any being sent, and returns once they are sent or
// ctx is done. A process that shuts down in good order calls it after
// BookingSystem.Close and before closing the pool: else the last commits'
// notifications are dropped with the pool, and other processes' Watch
// streams hear of them only at their next periodic check. It returns an
// error if a notification could not be sent.
func (s *Store) Flush(ctx context.Context) error {
	if err := s.feed.flush(ctx); err != nil {
		return markUnavailable(ctx, fmt.Errorf("pgstore: flushing show-change notifications: %w", err))
	}
	return nil
}

// payloads packs show IDs into notification payloads of at most maxPayload
// bytes: each a JSON array of the IDs, its text all ASCII (every other
// character escaped), so that its size does not depend on the server's
// encoding. An ID that does not fit in a payload of its own, or is not
// valid UTF-8 (and so cannot be a stored show's), is sent as the empty
// ID, which listeners take for every show.
func payloads(ids []string) []string {
	var out []string
	buf := []byte{'['}
	var one []byte
	all := false
	for _, id := range ids {
		one = appendJSONString(one[:0], id)
		if !utf8.ValidString(id) || len(one)+2 > maxPayload {
			all = true
			continue
		}
		// A payload of its own fits (checked above); with others, it
		// needs a comma and the closing bracket.
		if len(buf) > 1 && len(buf)+1+len(one)+1 > maxPayload {
			out = append(out, string(append(buf, ']')))
			buf = buf[:1]
		}
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		buf = append(buf, one...)
	}
	if len(buf) > 1 {
		out = append(out, string(append(buf, ']')))
	}
	if all {
		out = append(out, `[""]`)
	}
	return out
}

// appendJSONString appends s as a JSON string of ASCII characters only.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r >= 0x20 && r < 0x7f:
			b = append(b, byte(r))
		default:
			for _, u := range utf16.AppendRune(nil, r) {
				b = append(b, `\u`...)
				b = append(b, fmt.Sprintf("%04x", u)...)
			}
		}
	}
	return append(b, '"')
}

// parsePayload returns the show IDs of a notification's payload; one that
// is not a JSON array of strings (not sent by a Store of this version)
// stands for every show.
func parsePayload(payload string) []string {
	var ids []string
	if err := json.Unmarshal([]byte(payload), &ids); err != nil {
		return []string{""}
	}
	return ids
}

// ListenShowChanges implements [boxoffice.ShowChangeListener]: it reports
// the shows that UpdateShows of any [Store] on the same schema, in any
// process, commit changes to, this Store's own included (see the package
// documentation, "Watch across processes").
//
// It listens on a connection of its own, taken out of the pool for good
// (pgxpool's Hijack: the pool may open another in its place), which it
// holds until ctx is done. It returns once PostgreSQL listens, so that a
// commit after it returns is reported, or with an error if it could not
// start (the pool closed, the database unreachable, no connection from
// the pool within 10 seconds, or ctx done). Should the connection be
// lost, it connects again through the pool, after 50 ms and then backing
// off up to 10 seconds (each attempt waiting at most 10 seconds for the
// pool), and reports changed("") once
// listening again, since notifications may have been lost meanwhile; so
// it does every [Options.ShowChangeCheck]. changed is called
// one call at a time from one goroutine; the IDs of a report coming in
// while it runs wait for it, merged, so that a show waits for at most one
// call.
func (s *Store) ListenShowChanges(ctx context.Context, changed func(showID string)) error {
	if changed == nil {
		return invalid("changed", "nil; pass the function to call with the ID of each changed show")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	lctx, cancel := context.WithCancel(ctx)
	started := make(chan error, 1)
	r := &showReports{wake: make(chan struct{}, 1), started: started, hooks: s.hooks}
	l := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			return r.connect(ctx, s.pool, s.clock, s.listenAcquireTimeout)
		},
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() != nil || r.startFailed(err) || errors.Is(err, puddle.ErrClosedPool) {
				return // said by ListenShowChanges, or nothing to be done
			}
			s.logger.Warn("pgstore: listening for show changes; reporting every show once listening again",
				"channel", s.feed.channel, "error", err)
		},
		ReconnectDelay: -1, // connect waits itself, backing off
	}
	l.Handle(s.feed.channel, r)
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		_ = l.Listen(lctx) // ends only with lctx: it logs and retries every other error
	}()
	select {
	case err := <-started:
		if err != nil {
			cancel()
			<-listening
			return markUnavailable(ctx, fmt.Errorf("pgstore: listening for show changes: %w", err))
		}
	case <-ctx.Done():
		cancel()
		<-listening
		return ctx.Err()
	}
	go func() {
		defer cancel()
		r.deliver(lctx, s.clock, s.showChangeCheck, changed)
	}()
	if s.showChangeCheck > 0 {
		go r.heartbeats(lctx, s)
	}
	return nil
}

// showReports is one ListenShowChanges: the show IDs notified and not yet
// reported, and the state of its connection.
type showReports struct {
	mu  sync.Mutex
	ids map[string]struct{}
	all bool // report changed(""), which covers every ID

	wake chan struct{} // something to report; capacity 1

	// started receives nil once the first connection listens, or the
	// error that kept it from listening, and nothing after that (then
	// startDone).
	started   chan error
	startDone bool
	failures  int // connection attempts since the last that listened

	conn     *pgx.Conn // the listener's connection, from its taking until connect runs again
	ping     string    // the last heartbeat's payload, until it is heard
	pingSent time.Time // when its send ended, on the Store's Clock

	hooks feedHooks // the Store's, for HandleNotification, which has no Store
}

// A heartbeat's payload is pingPrefix and a token: no show-ID payload (a
// JSON array) can be mistaken for one. Every listener of the schema
// hears every other's, and ignores it.
const pingPrefix = `{"ping":`

// Heartbeats: a send of one is tried heartbeatTries times, each cut off
// after heartbeatTimeout (a pool's idle connection dropped by the network
// fails its try, and the pool replaces it); one is judged unheard no
// sooner than minHeartbeatWait after its send ended, by a heartbeat call
// (the first comes ShowChangeCheck after it).
const (
	heartbeatTries   = 3
	heartbeatTimeout = 2 * time.Second
	minHeartbeatWait = time.Second
)

// feedHooks lets tests see and stall ListenShowChanges' heartbeats; every
// field is nil outside tests.
type feedHooks struct {
	pingSending func() // a heartbeat's send begins
	pingArrived func() // a heartbeat's payload arrived, before it counts as heard
	pingHeard   func() // the listener has taken in a heartbeat's payload
}

// heartbeats calls heartbeat every Options.ShowChangeCheck on the Store's
// Clock, counted from the end of the last call, until ctx is done.
func (r *showReports) heartbeats(ctx context.Context, s *Store) {
	t := s.clock.NewTimer(s.showChangeCheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			r.heartbeat(ctx, s)
			t.Reset(s.showChangeCheck)
		}
	}
}

// heartbeat checks that the listening connection still hears: each call
// notifies a token of its own through the pool on the shows channel,
// which the listener must have heard by a later call, at least
// minHeartbeatWait after its send ended (on the Store's Clock: the time
// the send waited for a connection of a busy pool does not count, since
// the token could not come back before it was sent). If it has not (or
// could not be sent), the connection is taken for deaf: a NAT, firewall
// or load balancer dropped it without a word, and TCP may take many
// minutes to notice. It is closed, so that the listener connects again
// and reports every show. The heartbeats also keep the connection from
// looking idle to such a box.
func (r *showReports) heartbeat(ctx context.Context, s *Store) {
	r.mu.Lock()
	waiting := r.ping != ""
	deaf := waiting && s.clock.Now().Sub(r.pingSent) >= minHeartbeatWait
	conn := r.conn
	if deaf {
		r.ping = ""
	}
	r.mu.Unlock()
	switch {
	case deaf && conn != nil:
		s.logger.Warn("pgstore: the connection listening for show changes hears nothing; connecting again",
			"channel", s.feed.channel)
		_ = conn.PgConn().Conn().Close() // the listener's wait fails, and it connects again
		return
	case waiting:
		return // too soon to judge
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	ping := pingPrefix + `"` + hex.EncodeToString(b[:]) + `"}`
	r.mu.Lock()
	r.ping = ping
	r.mu.Unlock()
	if s.hooks.pingSending != nil {
		s.hooks.pingSending()
	}
	// Sent or not, an unheard token counts against the connection.
	for range heartbeatTries {
		tctx, cancel := context.WithTimeout(ctx, heartbeatTimeout)
		_, err := s.pool.Exec(tctx, "SELECT pg_notify($1, $2)", s.feed.channel, ping)
		cancel()
		if err == nil || ctx.Err() != nil || errors.Is(err, puddle.ErrClosedPool) {
			break
		}
	}
	r.mu.Lock()
	r.pingSent = s.clock.Now()
	r.mu.Unlock()
}

// connect takes a connection for the listener out of the pool, giving up
// after timeout. A reconnection waits first, on clock (the Store's, as the
// heartbeats), reconnectMin and twice as long after each failed attempt,
// up to reconnectMax: a database going down is not retried in a tight
// loop.
func (r *showReports) connect(ctx context.Context, pool *pgxpool.Pool, clock boxoffice.Clock, timeout time.Duration) (*pgx.Conn, error) {
	r.mu.Lock()
	// The last connection is lost: the heartbeats have nothing to judge
	// until this one is taken.
	r.conn = nil
	var wait time.Duration
	if r.startDone {
		wait = min(reconnectMin<<min(r.failures, 16), reconnectMax)
	}
	r.failures++
	r.mu.Unlock()
	if wait > 0 {
		t := clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C():
		}
	}
	// Bounded, as nothing else is: pgxpool pings an idle connection with
	// the Acquire's context, and one that the network dropped without a
	// word keeps the ping waiting as long as TCP takes (many minutes), the
	// heartbeats having no connection to close yet. A connection the pool
	// is still opening goes on (pgxpool bounds that by connect_timeout),
	// into the pool, for the next attempt.
	actx, cancel := context.WithTimeout(ctx, timeout)
	c, err := pool.Acquire(actx)
	cancel()
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no connection from the pool within %v: %w", timeout, err)
		}
		return nil, err
	}
	// Out of the pool for good: the pool does not count it any more, and
	// may open another in its place.
	conn := c.Hijack()
	// The heartbeats judge it from now, not from HandleBacklog: a
	// connection dropped without a word before its LISTEN is answered
	// would leave the listener waiting on it as long as TCP takes.
	r.mu.Lock()
	r.conn, r.ping = conn, ""
	r.mu.Unlock()
	return conn, nil
}

// startFailed hands err, an error of the listener, to a ListenShowChanges
// still waiting for its first connection to listen; false if it no longer
// waits.
func (r *showReports) startFailed(err error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.startDone {
		return false
	}
	r.startDone = true
	r.started <- err
	return true
}

// HandleBacklog is called by the listener once its connection listens.
// The first time, ListenShowChanges may return; every other time, the
// connection is a new one, and notifications may have been lost while
// there was none.
func (r *showReports) HandleBacklog(ctx context.Context, channel string, conn *pgx.Conn) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = 0
	r.ping = "" // sent before it listened, it could not hear it
	if !r.startDone {
		r.startDone = true
		r.started <- nil
		return nil
	}
	r.all = true
	r.signal()
	return nil
}

// HandleNotification queues the IDs of a notification for deliver.
func (r *showReports) HandleNotification(ctx context.Context, n *pgconn.Notification, conn *pgx.Conn) error {
	if strings.HasPrefix(n.Payload, pingPrefix) {
		if r.hooks.pingArrived != nil {
			r.hooks.pingArrived()
		}
		r.mu.Lock()
		if n.Payload == r.ping {
			r.ping = "" // heard: the connection works
		}
		r.mu.Unlock()
		if r.hooks.pingHeard != nil {
			r.hooks.pingHeard()
		}
		return nil // a heartbeat, this listener's or another's
	}
	ids := parsePayload(n.Payload)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		if id == "" {
			r.all = true
			continue
		}
		if r.ids == nil {
			r.ids = make(map[string]struct{})
		}
		r.ids[id] = struct{}{}
	}
	r.signal()
	return nil
}

// signal wakes deliver; r.mu is held.
func (r *showReports) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// deliver calls changed with what is queued, one call at a time, and
// changed("") every check on clock, counted from the end of the last
// periodic call (none if check is not positive), until ctx is done.
func (r *showReports) deliver(ctx context.Context, clock boxoffice.Clock, check time.Duration, changed func(string)) {
	var t boxoffice.Timer
	var tick <-chan time.Time
	if check > 0 {
		t = clock.NewTimer(check)
		defer t.Stop()
		tick = t.C()
	}
	for {
		periodic := false
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-tick:
			periodic = true
			r.mu.Lock()
			r.all = true
			r.mu.Unlock()
		}
		r.mu.Lock()
		ids, all := r.ids, r.all
		r.ids, r.all = nil, false
		r.mu.Unlock()
		if all {
			changed("") // stands for every show, ids included
		} else {
			for id := range ids {
				if ctx.Err() != nil {
					return
				}
				changed(id)
			}
		}
		if periodic {
			t.Reset(check)
		}
	}
}
