package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// quietLogger drops the service's logs in tests.
func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// testStart is a Friday morning, before the demo's first show.
var testStart = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// fixture is a server on the demo data, on a fake clock, with a payment
// gateway the test scripts.
type fixture struct {
	t       *testing.T
	clock   *fakeclock.Clock
	store   *boxoffice.MemoryStore
	sys     *boxoffice.BookingSystem
	gateway *scriptedGateway
	srv     *server
	handler http.Handler
	show    string // the first show in the grand hall (avenida-2)
}

func newFixture(t *testing.T, cfg boxoffice.Config) *fixture {
	t.Helper()
	return newFixtureOn(t, cfg, nil)
}

// newFixtureOn is newFixture with the BookingSystem on wrap(the in-memory
// Store) (nil: on the in-memory Store itself), for a test that injects
// faults; f.store stays the in-memory Store.
func newFixtureOn(t *testing.T, cfg boxoffice.Config, wrap func(*boxoffice.MemoryStore) boxoffice.Store) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: fakeclock.New(testStart), store: boxoffice.NewMemoryStore(), gateway: &scriptedGateway{InMemoryGateway: boxoffice.NewInMemoryGateway()}}
	cfg.Clock, cfg.Store, cfg.Gateway, cfg.Logger = f.clock, f.store, f.gateway, quietLogger()
	if wrap != nil {
		cfg.Store = wrap(f.store)
	}
	var err error
	if f.sys, err = boxoffice.New(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.sys.Close(context.Background()) })
	if _, err := seedDemo(context.Background(), f.sys, time.UTC); err != nil {
		t.Fatal(err)
	}
	f.show = demoSchedule(1, "avenida-2", testStart)[0].ID
	f.srv = newServer(f.sys, options{Logger: quietLogger(), Heartbeat: 15 * time.Second, Resync: 20 * time.Second})
	f.handler = f.srv.routes()
	return f
}

// call sends one request to the handler and returns the answer.
func (f *fixture) call(method, path, body string) *httptest.ResponseRecorder {
	f.t.Helper()
	contentType := ""
	if body != "" {
		contentType = "application/json"
	}
	return serve(f.handler, newRequest(method, path, body, contentType))
}

// newRequest makes a request with a body of the content type.
func newRequest(method, path, body, contentType string) *http.Request {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// decodeError decodes an error body, failing on anything else.
func decodeError(t *testing.T, body string) errorJSON {
	t.Helper()
	var e errorJSON
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return e
}

// bookingBody is the body of a call on a booking by user.
func bookingBody(action, user string) string {
	if action == "confirm" {
		return `{"user":"` + user + `","paymentMethod":"card:tok_visa"}`
	}
	return `{"user":"` + user + `"}`
}

// callJSON is call, checking the status and decoding the answer into v.
func (f *fixture) callJSON(method, path, body string, want int, v any) {
	f.t.Helper()
	rec := f.call(method, path, body)
	if rec.Code != want {
		f.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, rec.Code, want, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		f.t.Fatalf("%s %s: Content-Type %q, want JSON", method, path, ct)
	}
	if v != nil {
		dec := json.NewDecoder(rec.Body)
		dec.DisallowUnknownFields() // the test's types must know every field the API sends
		if err := dec.Decode(v); err != nil {
			f.t.Fatalf("%s %s: decoding %T: %v", method, path, v, err)
		}
	}
}

// seatMap reads the show's seat map through the API.
func (f *fixture) seatMap(show string) seatMapJSON {
	f.t.Helper()
	var m seatMapJSON
	f.callJSON("GET", "/api/shows/"+show+"/seats", "", http.StatusOK, &m)
	return m
}

// freeSeats returns n available seats of the show, in layout order,
// skipping the first skip of them.
func (f *fixture) freeSeats(show string, skip, n int) []string {
	f.t.Helper()
	var ids []string
	for _, s := range f.seatMap(show).Seats {
		if s.Status == "available" {
			if skip > 0 {
				skip--
				continue
			}
			if ids = append(ids, s.ID); len(ids) == n {
				return ids
			}
		}
	}
	f.t.Fatalf("show %s has fewer than %d free seats", show, n)
	return nil
}

// hold holds seats for user through the API and returns the booking.
func (f *fixture) hold(user string, seats ...string) bookingJSON {
	f.t.Helper()
	var b bookingJSON
	f.callJSON("POST", "/api/shows/"+f.show+"/holds", mustJSON(f.t, holdRequest{User: user, Seats: seats}), http.StatusCreated, &b)
	return b
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// scriptedGateway approves charges like the in-memory gateway, except that
// the charges of the methods in decline are declined, and refunds fail
// while refundErr is set.
type scriptedGateway struct {
	*boxoffice.InMemoryGateway
	mu        sync.Mutex
	decline   map[boxoffice.PaymentMethod]string // method → reason
	fail      map[boxoffice.PaymentMethod]error  // method → a gateway failure, not a decline
	refundErr error
	// beforeCharge, if set, runs at the start of every charge: something
	// that happens while a payment is in flight.
	beforeCharge func()
}

// failRefunds makes refunds fail with err (a provider outage), or work
// again if err is nil.
func (g *scriptedGateway) failRefunds(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refundErr = err
}

func (g *scriptedGateway) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	err := g.refundErr
	g.mu.Unlock()
	if err != nil {
		return boxoffice.Receipt{}, err
	}
	return g.InMemoryGateway.Refund(ctx, r)
}

func (g *scriptedGateway) declineMethod(m boxoffice.PaymentMethod, reason string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.decline == nil {
		g.decline = map[boxoffice.PaymentMethod]string{}
	}
	g.decline[m] = reason
}

// failMethod makes the charges of m fail with err, as a provider that
// cannot be reached or answers garbage: the charge may have gone through.
func (g *scriptedGateway) failMethod(m boxoffice.PaymentMethod, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fail == nil {
		g.fail = map[boxoffice.PaymentMethod]error{}
	}
	g.fail[m] = err
}

func (g *scriptedGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	reason, declined := g.decline[r.Method]
	failure := g.fail[r.Method]
	before := g.beforeCharge
	g.mu.Unlock()
	if before != nil {
		before()
	}
	if declined {
		return boxoffice.Receipt{}, &declineError{reason}
	}
	if failure != nil {
		return boxoffice.Receipt{}, failure
	}
	return g.InMemoryGateway.Charge(ctx, r)
}

type declineError struct{ reason string }

func (e *declineError) Error() string { return "declined: " + e.reason }
func (e *declineError) Unwrap() error { return boxoffice.ErrPaymentDeclined }

// sseEvent is one Server-Sent Event, or a comment line.
type sseEvent struct {
	name, data, comment string
}

// sseReader reads events from a stream, on its own goroutine so that a
// test can wait for one with a timeout.
type sseReader struct {
	events chan sseEvent
	done   chan error
}

func newSSEReader(r io.Reader) *sseReader {
	s := &sseReader{events: make(chan sseEvent, 64), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev != (sseEvent{}) {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				ev.comment = strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "event: "):
				ev.name = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				ev.data += line[len("data: "):]
			}
		}
		s.done <- sc.Err()
		close(s.events)
	}()
	return s
}

// next returns the next event, failing the test after a few seconds (the
// events under test are sent at once; the wait only bounds a failure).
func (s *sseReader) next(t *testing.T) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatal("the event stream ended")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	return sseEvent{}
}

// followPages reads a paged list (path, which has a query string already)
// from its first page, passing each page's "next" as after, until a page
// has none, and returns every item and each page's size. list gives a
// page's items and its next; id an item's ID. A null list, a next that is
// not the ID of the page's last item, or more than maxPages pages fails
// the test.
func followPages[P, T any](f *fixture, path string, maxPages int, list func(*P) ([]T, string), id func(T) string) (items []T, sizes []int) {
	f.t.Helper()
	for next := ""; ; {
		var page P
		f.callJSON("GET", path+"&after="+next, "", http.StatusOK, &page)
		got, n := list(&page)
		if got == nil {
			f.t.Fatalf("%s&after=%s: the list is null, want a list", path, next)
		}
		sizes = append(sizes, len(got))
		items = append(items, got...)
		if next = n; next == "" || len(sizes) > maxPages {
			return items, sizes
		}
		if last := id(got[len(got)-1]); next != last {
			f.t.Errorf("%s: next %s, want the page's last item %s", path, next, last)
		}
	}
}
