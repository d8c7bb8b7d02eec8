package pgstore_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// fault is what faultProxy does to the statement it is armed for.
type fault int

const (
	// loseAnswer forwards the statement, swallows the server's answer and
	// closes both connections: the server committed, the client never
	// hears it.
	loseAnswer fault = iota + 1
	// holdStatement keeps the statement from the server and closes the
	// client's connection, leaving the server's open (its backend idle, in
	// its transaction if one is open), as a network would that loses the
	// client's side first; deliver sends the statement later.
	holdStatement
	// loseAnswerUnreachable is loseAnswer, after which the proxy closes
	// every connection and refuses new ones: the database is unreachable.
	loseAnswerUnreachable
)

func (f fault) String() string {
	return [...]string{"none", "lose answer", "hold statement", "lose answer, unreachable"}[f]
}

// faultProxy is a TCP proxy in front of PostgreSQL that follows the
// protocol's messages, so that it can break the connection of the next
// statement executed (the next Execute message, whatever the statement
// cache did before) once armed.
type faultProxy struct {
	t      testing.TB
	ln     net.Listener
	target string

	mu      sync.Mutex
	armed   fault
	refuse  bool // connections are closed as they come
	conns   map[net.Conn]struct{}
	held    []byte        // holdStatement: the bytes kept from the server
	heldTo  *proxiedConn  // and the connection they are for
	struck  chan struct{} // closed once the armed fault has struck
	once    sync.Once
	stopped sync.WaitGroup
}

// proxiedConn is one client connection and its connection to the server.
type proxiedConn struct {
	client, server net.Conn
	mu             sync.Mutex
	fault          fault         // struck: the server's answers go nowhere, and the answer ends the connection
	done           chan struct{} // closed when the server's side is read to its end
}

func (c *proxiedConn) struck() fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fault
}

func (c *proxiedConn) close() {
	_ = c.client.Close()
	_ = c.server.Close()
}

func newFaultProxy(t testing.TB, target string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	p := &faultProxy{t: t, ln: ln, target: target, conns: make(map[net.Conn]struct{}), struck: make(chan struct{})}
	p.stopped.Go(p.accept)
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		for c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		waitGroup(t, &p.stopped, "the fault proxy's goroutines to end once its listener and connections are closed")
	})
	return p
}

func (p *faultProxy) addr() string { return p.ln.Addr().String() }

func (p *faultProxy) strike() { p.once.Do(func() { close(p.struck) }) }

// arm makes the next statement executed through the proxy meet f.
func (p *faultProxy) arm(f fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armed = f
}

// take reports the armed fault, if any, and disarms the proxy.
func (p *faultProxy) take() fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.armed
	p.armed = 0
	return f
}

// refuseConnections closes every connection through the proxy, and from
// now on every new one as it comes: the database is unreachable.
func (p *faultProxy) refuseConnections() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = true
	for c := range p.conns {
		_ = c.Close()
	}
}

// deliver sends the statement holdStatement kept to the server, and waits
// until the server has answered it (the answer is swallowed) or closed the
// connection.
func (p *faultProxy) deliver() {
	p.t.Helper()
	select {
	case <-p.struck:
	case <-time.After(30 * time.Second):
		// The call failed before it sent the statement (the database
		// refusing connections, say): fail rather than hang.
		p.t.Fatal("deliver: the armed fault never struck")
	}
	p.mu.Lock()
	held, c := p.held, p.heldTo
	p.mu.Unlock()
	if c == nil {
		p.t.Fatal("deliver: no statement held")
	}
	_, _ = c.server.Write(held) // fails if the backend was terminated
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		p.t.Fatal("deliver: the server neither answered the held statement nor closed the connection")
	}
	c.close()
}

func (p *faultProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refuse {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *faultProxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(client) {
			continue
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		if !p.track(server) {
			_ = client.Close()
			continue
		}
		c := &proxiedConn{client: client, server: server, done: make(chan struct{})}
		p.stopped.Go(func() { p.clientToServer(c) })
		p.stopped.Go(func() { p.serverToClient(c) })
	}
}

// readMessage reads one protocol message whole: a type byte (which the
// first message of a client, its startup message, lacks) and a length
// that counts itself, then the body.
func readMessage(r *bufio.Reader, typed bool) (msg []byte, typ byte, err error) {
	n := 4
	if typed {
		n = 5
	}
	head := make([]byte, n)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, 0, err
	}
	length := int(binary.BigEndian.Uint32(head[n-4:]))
	if length < 4 || length > 1<<30 {
		return nil, 0, errors.New("faultProxy: bad message length")
	}
	msg = make([]byte, n+length-4)
	copy(msg, head)
	if _, err := io.ReadFull(r, msg[n:]); err != nil {
		return nil, 0, err
	}
	if typed {
		typ = head[0]
	}
	return msg, typ, nil
}

func (p *faultProxy) clientToServer(c *proxiedConn) {
	r, w := bufio.NewReader(c.client), bufio.NewWriter(c.server)
	var strike fault
	for first := true; ; first = false {
		msg, typ, err := readMessage(r, !first)
		if err != nil {
			if strike != holdStatement {
				c.close()
			}
			return
		}
		if strike == 0 && typ == 'E' {
			if strike = p.take(); strike != 0 {
				c.mu.Lock()
				c.fault = strike // before the server can answer
				c.mu.Unlock()
			}
		}
		if strike == holdStatement {
			p.mu.Lock()
			p.held = append(p.held, msg...)
			p.mu.Unlock()
			if typ == 'S' { // the end of the statement (or batch)
				_ = w.Flush()
				p.mu.Lock()
				p.heldTo = c
				p.mu.Unlock()
				p.strike()
				_ = c.client.Close()
				return
			}
			continue
		}
		if _, err := w.Write(msg); err != nil {
			c.close()
			return
		}
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				c.close()
				return
			}
		}
	}
}

func (p *faultProxy) serverToClient(c *proxiedConn) {
	defer close(c.done)
	r := bufio.NewReader(c.server)
	for {
		msg, typ, err := readMessage(r, true)
		if err != nil {
			if c.struck() == 0 {
				c.close()
			}
			return
		}
		if f := c.struck(); f != 0 {
			if typ == 'Z' { // ReadyForQuery: the server is done with the statement
				switch f {
				case loseAnswerUnreachable:
					p.refuseConnections()
					fallthrough
				case loseAnswer:
					p.strike()
				}
				c.close()
				return
			}
			continue
		}
		if _, err := c.client.Write(msg); err != nil {
			c.close()
			return
		}
	}
}

// proxiedPool opens a pool that reaches PostgreSQL through a new
// faultProxy.
func proxiedPool(t *testing.T) (*faultProxy, *pgxpool.Pool) {
	t.Helper()
	testPool(t) // skip or fail early when unreachable
	proxy := newFaultProxy(t, dbAddr(t))
	return proxy, poolVia(t, proxy.addr(), 4)
}

// dbAddr is the test database's host:port.
func dbAddr(t *testing.T) string {
	cfg, err := pgxpool.ParseConfig(testDatabaseURL())
	must(t, err)
	return net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port)))
}

// poolVia returns a pool of the test database whose connections go
// through the proxy listening at addr.
func poolVia(t *testing.T, addr string, maxConns int32) *pgxpool.Pool {
	return poolViaWith(t, addr, maxConns, func(*pgxpool.Config) {})
}

// poolViaWith is poolVia with a pool configured further by configure.
func poolViaWith(t *testing.T, addr string, maxConns int32, configure func(*pgxpool.Config)) *pgxpool.Pool {
	cfg, err := pgxpool.ParseConfig(testDatabaseURL())
	must(t, err)
	host, port, err := net.SplitHostPort(addr)
	must(t, err)
	p, err := strconv.Atoi(port)
	must(t, err)
	cfg.ConnConfig.Host, cfg.ConnConfig.Port = host, uint16(p)
	cfg.ConnConfig.TLSConfig, cfg.ConnConfig.Fallbacks = nil, nil // a proxy reads the protocol in clear
	cfg.MaxConns = maxConns
	configure(cfg)
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	must(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// bookingStored reports whether the booking is in the schema's bookings
// table, read directly.
func bookingStored(t *testing.T, admin *pgxpool.Pool, schema string, id boxoffice.BookingID) bool {
	t.Helper()
	var n int
	must(t, admin.QueryRow(t.Context(), "SELECT count(*) FROM "+quote(schema)+".bookings WHERE id = $1", [16]byte(id)).Scan(&n))
	return n == 1
}

// lostCommitStore returns a schema with a show, and a Store on it through
// a fault proxy, whose next transaction on the show takes the given path:
// "locked", or "optimistic" (the show cached by a locked read that writes
// nothing).
func lostCommitStore(t *testing.T, path string) (*pgxpool.Pool, string, boxoffice.Show, *faultProxy, *pgstore.Store) {
	t.Helper()
	admin, schema, show := schemaWithShow(t)
	proxy, pool := proxiedPool(t)
	store, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	if path == "optimistic" {
		must(t, store.UpdateShow(t.Context(), show.ID, func(tx boxoffice.ShowTx) error { _ = tx.Seat(0); return nil }))
	}
	return admin, schema, show, proxy, store
}

// holdFirstSeat holds seat 0 for b, a hold of it, in tx.
func holdFirstSeat(tx boxoffice.ShowTx, b boxoffice.Booking) {
	tx.SetSeat(0, boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: b.ID, HeldUntil: b.HeldUntil})
	tx.PutBooking(b)
}

// TestLostCommitAnswer loses the connection of an UpdateShow's commit,
// on the locked path and on the optimistic one: after the server
// committed, its answer lost (loseAnswer), UpdateShow must succeed, its
// booking being stored; with the commit kept from the server
// (holdStatement), it must fail, and the commit, sent to the server once
// UpdateShow has returned, must then change nothing. Either way the error
// is the transaction's true outcome.
func TestLostCommitAnswer(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"locked", "optimistic"} {
		for _, f := range []fault{loseAnswer, holdStatement} {
			t.Run(path+"/"+f.String(), func(t *testing.T) {
				t.Parallel()
				admin, schema, show, proxy, store := lostCommitStore(t, path)
				ctx := t.Context()
				b := heldBooking(show.ID, "A1")
				runs := 0
				err := store.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error {
					runs++
					holdFirstSeat(tx, b)
					proxy.arm(f) // the next statement is the commit
					return nil
				})
				if runs != 1 {
					t.Errorf("fn ran %d times; want 1", runs)
				}
				if f == holdStatement {
					proxy.deliver()
				}
				stored := bookingStored(t, admin, schema, b.ID)
				switch {
				case errors.Is(err, pgstore.ErrCommitUnknown):
					t.Fatalf("UpdateShow = %v; the outcome could have been learned (the database is reachable)", err)
				case f == loseAnswer && err != nil:
					t.Fatalf("UpdateShow whose commit's answer was lost = %v (booking stored: %v); want nil: it committed", err, stored)
				case f == loseAnswer && !stored:
					t.Fatal("UpdateShow succeeded but its booking is not stored")
				case f == holdStatement && err == nil:
					t.Fatal("UpdateShow whose commit never reached the server = nil; want its error")
				case f == holdStatement && stored:
					t.Fatalf("UpdateShow = %v, yet its commit, reaching the server late, stored the booking", err)
				}

				// The Store carries on: the next transaction sees the
				// outcome, from its cache or the database.
				var slot boxoffice.SeatSlot
				must(t, store.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error { slot = tx.Seat(0); return nil }))
				if held := slot.Status == boxoffice.SeatHeld && slot.Booking == b.ID; held != stored {
					t.Errorf("after the lost commit, seat 0 = %+v; want held by the booking: %v", slot, stored)
				}
				b2 := heldBooking(show.ID, "A2")
				must(t, store.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error {
					tx.SetSeat(1, boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: b2.ID, HeldUntil: b2.HeldUntil})
					tx.PutBooking(b2)
					return nil
				}))
				if !bookingStored(t, admin, schema, b2.ID) {
					t.Error("the next transaction's booking is not stored")
				}
			})
		}
	}
}

// TestLostCommitOutcomeUnknown: when the database cannot be reached to
// learn the outcome of a commit whose answer was lost, UpdateShow says
// that it may have committed (it did).
func TestLostCommitOutcomeUnknown(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"locked", "optimistic"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			admin, schema, show, proxy, store := lostCommitStore(t, path)
			ctx := t.Context()
			b := heldBooking(show.ID, "A1")
			err := store.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error {
				holdFirstSeat(tx, b)
				proxy.arm(loseAnswerUnreachable)
				return nil
			})
			if !errors.Is(err, pgstore.ErrCommitUnknown) || !errors.Is(err, boxoffice.ErrCommitUnknown) {
				t.Errorf("UpdateShow with its commit's answer lost and the database unreachable = %v; want ErrCommitUnknown", err)
			}
			if !bookingStored(t, admin, schema, b.ID) {
				t.Error("the booking is not stored; the test meant it to commit")
			}
		})
	}
}

// TestLostAddShowCommit: AddShow's commit learns its outcome the same way.
func TestLostAddShowCommit(t *testing.T) {
	t.Parallel()
	for _, f := range []fault{loseAnswer, holdStatement} {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			admin, schema, show := schemaWithShow(t)
			proxy, pool := proxiedPool(t)
			store, err := pgstore.New(pool, pgstore.Options{Schema: schema})
			must(t, err)
			ctx := t.Context()
			next := show
			next.ID = "s2"
			next.Start, next.End = show.End.Add(time.Hour), show.End.Add(2*time.Hour)
			err = store.AddShow(ctx, next, boxoffice.SeedLayout(), boxoffice.Interval{Start: next.Start, End: next.End},
				func([]boxoffice.Show) error { proxy.arm(f); return nil })
			if f == holdStatement {
				proxy.deliver()
			}
			var n int
			must(t, admin.QueryRow(ctx, "SELECT count(*) FROM "+quote(schema)+".shows WHERE id = 's2'").Scan(&n))
			switch {
			case f == loseAnswer && (err != nil || n != 1):
				t.Errorf("AddShow whose commit's answer was lost = %v, %d shows stored; want nil, 1", err, n)
			case f == holdStatement && (err == nil || errors.Is(err, pgstore.ErrCommitUnknown) || n != 0):
				t.Errorf("AddShow whose commit never reached the server = %v, %d shows stored; want its error, 0", err, n)
			}
		})
	}
}

// armingStore arms its proxy when the first transaction of a
// BookingSystem is about to commit. It is a bare boxoffice.Store, no
// lister, so that no sweeper's statement comes between.
type armingStore struct {
	boxoffice.Store
	proxy *faultProxy
	once  sync.Once
}

func (s *armingStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	return s.Store.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error {
		err := fn(tx)
		if err == nil {
			s.once.Do(func() { s.proxy.arm(loseAnswer) })
		}
		return err
	})
}

// TestHoldWithLostCommitAnswer: a customer whose hold committed is told
// so, though the commit's answer was lost.
func TestHoldWithLostCommitAnswer(t *testing.T) {
	t.Parallel()
	_, schema, show := schemaWithShow(t)
	proxy, pool := proxiedPool(t)
	store, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	ctx := t.Context()
	sys, err := boxoffice.New(boxoffice.Config{Gateway: boxoffice.NewInMemoryGateway(), Store: &armingStore{Store: store, proxy: proxy}, HoldsPerMinute: -1,
		Clock: fakeclock.New(show.Start.Add(-24 * time.Hour)), Logger: slog.New(slog.DiscardHandler)})
	must(t, err)
	t.Cleanup(func() { _ = sys.Close(context.Background()) })
	b, err := sys.HoldSeats(ctx, "ann", show.ID, []string{"A1"})
	select {
	case <-proxy.struck:
	default:
		t.Fatal("the hold's commit did not go through the armed proxy")
	}
	if err != nil {
		t.Fatalf("HoldSeats whose commit's answer was lost = %v; want the hold: it committed", err)
	}
	stored, err := store.Booking(ctx, b.ID)
	if err != nil || stored.Status != boxoffice.StatusHeld {
		t.Errorf("the hold: %v, %v; want it stored, held", stored.Status, err)
	}
}
