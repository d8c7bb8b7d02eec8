package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// capped is the fixture's catalog served with at most max live streams,
// over a real connection (a stream holds its slot until its client goes).
func capped(t *testing.T, max int) (*fixture, *httptest.Server) {
	t.Helper()
	f := newFixture(t, boxoffice.Config{})
	f.srv = newServer(f.sys, options{Logger: quietLogger(), Heartbeat: 15 * time.Second, Resync: 20 * time.Second, MaxStreams: max})
	f.handler = f.srv.routes()
	ts := httptest.NewServer(f.handler)
	t.Cleanup(ts.Close)
	t.Cleanup(f.srv.closeStreams) // before ts.Close, which waits for the streams
	return f, ts
}

// startStream sends GET (or HEAD) of the show's event stream and returns
// once the headers are in. The request's context has a timeout, so a
// server that never answers fails the test instead of hanging it;
// cancelling it is the client going away. The body is left unread.
func startStream(t *testing.T, ts *httptest.Server, method, show string) (*http.Response, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, method, ts.URL+"/api/shows/"+show+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatalf("%s %s: %v", method, req.URL.Path, err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res, cancel
}

// TestStreamCap: a server holds at most MaxStreams live event streams (each
// a goroutine, a connection and a Watch with its buffer). One more is
// refused at once with 503 busy and Retry-After, before the handler reads
// anything: the cap holds even for a show that does not exist.
func TestStreamCap(t *testing.T) {
	f, ts := capped(t, 2)
	for range 2 {
		if res, _ := startStream(t, ts, "GET", f.show); res.StatusCode != http.StatusOK {
			t.Fatalf("a stream under the cap: %s, want 200", res.Status)
		}
	}
	for _, tt := range []struct{ method, show string }{
		{"GET", f.show},
		{"GET", "no-such-show"},
		{"HEAD", f.show}, // HEAD answers the headers a GET gets
	} {
		res, _ := startStream(t, ts, tt.method, tt.show)
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "5" ||
			res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("%s of %s past the cap: %s, Retry-After %q, Content-Type %q; want 503 JSON with Retry-After 5",
				tt.method, tt.show, res.Status, res.Header.Get("Retry-After"), res.Header.Get("Content-Type"))
		}
		if tt.method == "HEAD" {
			continue
		}
		var e errorJSON
		dec := json.NewDecoder(res.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil || e.Code != "busy" || e.RetryAfterSeconds != 5 {
			t.Errorf("%s of %s past the cap: body %+v (%v), want code busy, retryAfterSeconds 5", tt.method, tt.show, e, err)
		}
	}
}

// TestStreamCapFreesSlot: a stream whose client goes gives its slot back,
// and the next stream is admitted. The server sees the client go on its
// own time (the connection's close reaches it), so the test asks again
// until a deadline.
func TestStreamCapFreesSlot(t *testing.T) {
	f, ts := capped(t, 1)
	res, leave := startStream(t, ts, "GET", f.show)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the first stream: %s, want 200", res.Status)
	}
	if res, _ := startStream(t, ts, "GET", f.show); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a second stream with the cap at 1: %s, want 503", res.Status)
	}
	leave()
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, cancel := startStream(t, ts, "GET", f.show)
		if res.StatusCode == http.StatusOK {
			return
		}
		cancel()
		if time.Now().After(deadline) {
			t.Fatalf("5 s after the first stream's client went: %s, want its slot free and 200", res.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestNewServerMaxStreams(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	for _, tt := range []struct{ max, want int }{{0, 1000}, {-1, 1000}, {1, 1}, {5000, 5000}} {
		if s := newServer(f.sys, options{MaxStreams: tt.max, Logger: quietLogger()}); cap(s.streams) != tt.want {
			t.Errorf("MaxStreams %d: %d slots, want %d", tt.max, cap(s.streams), tt.want)
		}
	}
}
