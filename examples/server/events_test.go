package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// openStream starts the fixture's server and opens the show's event
// stream. It returns the reader and the number of clock timers armed
// before the stream armed its own two (heartbeat and resync).
func openStream(t *testing.T, f *fixture, show string) (*sseReader, int) {
	t.Helper()
	ts := httptest.NewServer(f.handler)
	t.Cleanup(ts.Close)
	t.Cleanup(f.srv.closeStreams) // before ts.Close, which waits for the streams
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	before := f.clock.Timers()
	req, err := http.NewRequestWithContext(ctx, "GET", ts.URL+"/api/shows/"+show+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("event stream: %s, Content-Type %q, Cache-Control %q", res.Status, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"))
	}
	return newSSEReader(res.Body), before
}

// nextData returns the next event other than a heartbeat, and decodes its
// data into v.
func nextData(t *testing.T, r *sseReader, v any) string {
	t.Helper()
	for {
		ev := r.next(t)
		if ev.comment == "ping" && ev.name == "" {
			continue
		}
		if err := json.Unmarshal([]byte(ev.data), v); err != nil {
			t.Fatalf("event %q: %v", ev.name, err)
		}
		return ev.name
	}
}

func TestSeatEvents(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	r, timers := openStream(t, f, f.show)

	var m seatMapJSON
	if name := nextData(t, r, &m); name != "seatmap" || m.Show.ID != f.show || len(m.Seats) != 98 {
		t.Fatalf("first event %q with %d seats, want the seat map of %s", name, len(m.Seats), f.show)
	}
	seats := f.freeSeats(f.show, 0, 2)
	expect := func(status string) {
		t.Helper()
		var u seatUpdateJSON
		if name := nextData(t, r, &u); name != "update" || u.Status != status || !slices.Equal(u.Seats, seats) {
			t.Fatalf("event %q %+v, want an update of %v to %s", name, u, seats, status)
		}
	}

	b := f.hold("alice", seats...)
	expect("held")
	f.callJSON("POST", "/api/bookings/"+b.ID+"/release", `{"user":"alice"}`, http.StatusOK, nil)
	expect("available")
	b = f.hold("alice", seats...)
	expect("held")
	f.callJSON("POST", "/api/bookings/"+b.ID+"/confirm", `{"user":"alice","paymentMethod":"card:tok_visa"}`, http.StatusOK, nil)
	expect("booked")
	f.callJSON("POST", "/api/bookings/"+b.ID+"/cancel", `{"user":"alice"}`, http.StatusOK, nil)
	expect("available")

	// An idle stream sends a heartbeat.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.clock.WaitForTimers(ctx, timers+2); err != nil {
		t.Fatalf("the stream armed no heartbeat: %v", err)
	}
	f.clock.Advance(15 * time.Second)
	if ev := r.next(t); ev.comment != "ping" {
		t.Errorf("after 15 idle seconds: %+v, want a ping", ev)
	}

	// A hold that runs out frees its seats on every open page: the sweeper
	// expires it (each second), or the periodic re-read finds it free.
	f.hold("bob", seats...)
	expect("held")
	f.clock.Advance(10*time.Minute + time.Second)
	for {
		ev := r.next(t)
		if ev.name == "update" {
			var up seatUpdateJSON
			if err := json.Unmarshal([]byte(ev.data), &up); err != nil {
				t.Fatal(err)
			}
			if up.Status == "available" && slices.Equal(up.Seats, seats) {
				break
			}
		}
		if ev.name == "seatmap" {
			var m seatMapJSON
			if err := json.Unmarshal([]byte(ev.data), &m); err != nil {
				t.Fatal(err)
			}
			if statusOf(m, seats[0]) == "available" && statusOf(m, seats[1]) == "available" {
				break
			}
		}
	}
}

func statusOf(m seatMapJSON, id string) string {
	for _, s := range m.Seats {
		if s.ID == id {
			return s.Status
		}
	}
	return ""
}

// TestSeatEventsResync: a change made by another process sharing the Store
// is not seen by Watch, but the stream's periodic re-read sends the new map.
func TestSeatEventsResync(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	other, err := boxoffice.New(boxoffice.Config{Store: f.store, Clock: f.clock, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(context.Background())

	r, timers := openStream(t, f, f.show)
	var m seatMapJSON
	if name := nextData(t, r, &m); name != "seatmap" {
		t.Fatalf("first event %q", name)
	}
	seats := f.freeSeats(f.show, 0, 2)
	if _, err := other.HoldSeats(context.Background(), "zoe", f.show, seats); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.clock.WaitForTimers(ctx, timers+2); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(20 * time.Second) // the fixture's Resync
	if name := nextData(t, r, &m); name != "seatmap" || statusOf(m, seats[0]) != "held" || statusOf(m, seats[1]) != "held" {
		t.Fatalf("after the re-read: %q, %s is %q; want a seat map with the other process's hold", name, seats[0], statusOf(m, seats[0]))
	}
}

// afterViewStore is a Store that runs after once, after the first
// ViewShow of show returns: a change made between the stream's reading
// of the seat map and its Watch.
type afterViewStore struct {
	*boxoffice.MemoryStore
	show  string
	mu    sync.Mutex
	after func()
}

func (s *afterViewStore) ViewShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	err := s.MemoryStore.ViewShow(ctx, showID, fn)
	s.mu.Lock()
	after := s.after
	if showID == s.show {
		s.after = nil
	}
	s.mu.Unlock()
	if after != nil && showID == s.show {
		after()
	}
	return err
}

// TestSeatEventsSendOnlyWhatChanged: the stream sends the seat map, then
// the seats that changed since it read it, taken from the map Watch's
// stream begins with, not that whole map again: here a hold another
// process made between the read and the Watch (which this process's
// stream would otherwise never hear of before a re-read), and then each
// change.
func TestSeatEventsSendOnlyWhatChanged(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	seats := f.freeSeats(f.show, 0, 2)
	store := &afterViewStore{MemoryStore: f.store, show: f.show, after: func() {
		if _, err := f.sys.HoldSeats(context.Background(), "zoe", f.show, seats); err != nil {
			t.Error(err)
		}
	}}
	sys, err := boxoffice.New(boxoffice.Config{Store: store, Clock: f.clock, Gateway: f.gateway, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sys.Close(context.Background()) })
	mine := *f // the same catalog, served by a process of its own
	mine.sys = sys
	mine.srv = newServer(sys, options{Logger: quietLogger(), Heartbeat: 15 * time.Second, Resync: 20 * time.Second})
	mine.handler = mine.srv.routes()
	r, _ := openStream(t, &mine, f.show)

	var m seatMapJSON
	if name := nextData(t, r, &m); name != "seatmap" || statusOf(m, seats[0]) != "available" {
		t.Fatalf("first event %q, %s %q; want the seat map read before the other process's hold", name, seats[0], statusOf(m, seats[0]))
	}
	expect := func(seats []string, status string) {
		t.Helper()
		var u seatUpdateJSON
		if name := nextData(t, r, &u); name != "update" || u.Status != status || !slices.Equal(u.Seats, seats) {
			t.Fatalf("event %q %+v, want an update of %v to %s", name, u, seats, status)
		}
	}
	expect(seats, "held")
	next := f.freeSeats(f.show, 0, 1)
	mine.hold("alice", next...)
	expect(next, "held")
}

func TestSeatEventsEnd(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	var e errorJSON
	f.callJSON("GET", "/api/shows/no-such-show/events", "", http.StatusNotFound, &e)

	r, _ := openStream(t, f, f.show)
	var m seatMapJSON
	nextData(t, r, &m)
	f.srv.closeStreams() // as the server does when it shuts down
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("stream ended with %v, want a clean end", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end when the server closed its streams")
	}
}

// cancelOnWrite records an answer and, as soon as the handler writes a
// body, cancels the request, so that a stream written to it ends. Like a
// ResponseWriter wrapped by middleware, it cannot set write deadlines.
type cancelOnWrite struct {
	*httptest.ResponseRecorder
	cancel    context.CancelFunc
	wroteBody bool
}

func (h *cancelOnWrite) Write(p []byte) (int, error) {
	h.wroteBody = true
	h.cancel()
	return h.ResponseRecorder.Write(p)
}

func (h *cancelOnWrite) WriteString(s string) (int, error) { return h.Write([]byte(s)) }

// TestSeatEventsHead: HEAD is routed to the event stream's GET. net/http
// drops a HEAD answer's body, so a stream would "succeed" at every write
// and never end, holding the connection (the client's next request on it
// waits behind it) and a Watch subscription. HEAD gets the headers a GET
// gets, and the handler returns without streaming.
func TestSeatEventsHead(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	t.Cleanup(f.srv.closeStreams)
	for _, tt := range []struct {
		show        string
		status      int
		contentType string
	}{
		{f.show, http.StatusOK, "text/event-stream"},
		{"no-such-show", http.StatusNotFound, "application/json; charset=utf-8"},
	} {
		t.Run(tt.show, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			rec := &cancelOnWrite{ResponseRecorder: httptest.NewRecorder(), cancel: cancel}
			req := httptest.NewRequestWithContext(ctx, "HEAD", "/api/shows/"+tt.show+"/events", nil)
			f.handler.ServeHTTP(rec, req) // returns at once, or once it writes a body
			if tt.status == http.StatusOK && rec.wroteBody {
				t.Fatalf("HEAD of the event stream streamed: %.80q", rec.Body)
			}
			if rec.Code != tt.status || rec.Header().Get("Content-Type") != tt.contentType {
				t.Errorf("HEAD: %d, Content-Type %q; want %d %q", rec.Code, rec.Header().Get("Content-Type"), tt.status, tt.contentType)
			}
			if tt.status == http.StatusOK && rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("HEAD: Cache-Control %q, want no-store as for GET", rec.Header().Get("Cache-Control"))
			}
		})
	}
}

// TestSeatEventsWithoutWriteDeadline: a ResponseWriter that cannot lift
// the server's write deadline (ResponseController then answers an error
// wrapping http.ErrNotSupported) still gets the stream, not a 500.
func TestSeatEventsWithoutWriteDeadline(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &cancelOnWrite{ResponseRecorder: httptest.NewRecorder(), cancel: cancel}
	f.handler.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, "GET", "/api/shows/"+f.show+"/events", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "event: seatmap\n") {
		t.Errorf("GET of the event stream: %d %.80q; want 200 and the seat map", rec.Code, rec.Body)
	}
}

// TestNewServerRefusesSpinningTimers: a stream re-arms its heartbeat and
// resync timers with the options' durations; zero or less would fire at
// once, over and over, so they take the defaults.
func TestNewServerRefusesSpinningTimers(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	for _, d := range []time.Duration{0, -time.Second} {
		s := newServer(f.sys, options{Heartbeat: d, Resync: d, Logger: quietLogger()})
		if s.opts.Heartbeat != 15*time.Second || s.opts.Resync != 15*time.Second {
			t.Errorf("options of %s: heartbeat %s, resync %s; want the defaults", d, s.opts.Heartbeat, s.opts.Resync)
		}
	}
}
