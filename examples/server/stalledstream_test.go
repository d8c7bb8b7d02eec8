package main

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/internal/testwait"
)

// pipeListener serves connections made of net.Pipe: a pipe has no
// buffers, so a write the peer does not read blocks at once, as a TCP
// write does once a client that stopped reading has filled the kernel's
// buffers.
type pipeListener struct {
	conns     chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial connects to the server and returns the client's end, and the
// server's, which tells when the server is writing.
func (l *pipeListener) dial(t *testing.T) (client net.Conn, server *watchWrites) {
	t.Helper()
	s, client := net.Pipe()
	server = &watchWrites{Conn: s, changed: make(chan struct{})}
	select {
	case l.conns <- server:
	case <-l.closed:
		t.Fatal("the listener is closed")
	}
	return client, server
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// watchWrites is a connection that knows whether a write is under way.
type watchWrites struct {
	net.Conn
	mu       sync.Mutex
	inflight int
	changed  chan struct{} // closed and replaced when inflight changes
}

func (c *watchWrites) Write(p []byte) (int, error) {
	c.add(1)
	defer c.add(-1)
	return c.Conn.Write(p)
}

func (c *watchWrites) add(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inflight += n
	close(c.changed)
	c.changed = make(chan struct{})
}

// waitWriting returns once a write is under way, or fails the test after
// a few seconds.
func (c *watchWrites) waitWriting(t *testing.T) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		inflight, changed := c.inflight, c.changed
		c.mu.Unlock()
		if inflight > 0 {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatal("the server wrote nothing within 5 s")
		}
	}
}

// TestShutdownEndsStalledStream: a client that keeps its event stream open
// but stops reading leaves the handler blocked in a write, where it cannot
// see the server closing its streams. A graceful shutdown must still end
// it (soon after it starts, well within the timeout) rather than wait for
// it until the timeout runs out and fail.
func TestShutdownEndsStalledStream(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	hs := newHTTPServer(f.handler, quietLogger(), f.sys.Config())
	hs.RegisterOnShutdown(f.srv.closeStreams)
	ln := newPipeListener()
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	conn, serverEnd := ln.dial(t)
	t.Cleanup(func() {
		conn.Close() // unblocks a handler the test failed to end
		hs.Close()
	})

	req, err := http.NewRequest("GET", "http://pipe/api/shows/"+f.show+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	go req.Write(conn) // the pipe blocks until the server reads the request
	res, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("event stream: %s", res.Status)
	}
	// Read the first event, the seat map, then stop reading.
	body := bufio.NewReader(res.Body)
	first, err := body.ReadString('\n')
	if err != nil || first != "event: seatmap\n" {
		t.Fatalf("first line %q, %v; want the seat map event", first, err)
	}
	for line := ""; line != "\n"; {
		if line, err = body.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}

	// A hold makes the stream write an update nobody reads (if the end of
	// the seat map's chunk is not still unread): wait until the handler is
	// inside a write, which a pipe nobody reads never finishes.
	f.hold("alice", f.freeSeats(f.show, 0, 1)...)
	serverEnd.waitWriting(t)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with a stalled stream open: %v; want the stream ended and a clean shutdown", err)
	}
	if err := testwait.Recv(t, served, "Serve to return after the shutdown"); !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
	}
}

// TestStreamWriteTimeout: each event or ping of a stream must reach a
// client that stopped reading within its write timeout, which outlasts a
// heartbeat (a slow link gets time) but never lifts the bound altogether.
func TestStreamWriteTimeout(t *testing.T) {
	for _, tt := range []struct{ heartbeat, want time.Duration }{
		{time.Second, 30 * time.Second},
		{15 * time.Second, 30 * time.Second},
		{time.Minute, 2 * time.Minute},
	} {
		if got := streamWriteTimeout(tt.heartbeat); got != tt.want {
			t.Errorf("streamWriteTimeout(%s) = %s, want %s", tt.heartbeat, got, tt.want)
		}
	}
}
