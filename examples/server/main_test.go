package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/internal/testservices"
	"github.com/boxoffice-go/boxoffice/internal/testwait"
)

func TestParseFlags(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		wantErr string
		check   func(config) bool
	}{
		{nil, "", func(c config) bool {
			return c.addr == "127.0.0.1:8080" && c.holdsPerMinute == 10 && c.resync == 15*time.Second && c.demo && c.postgres == "" &&
				c.adminToken == "" && c.maxStreams == 1000 && c.maxSeatsPerShow == 0
		}},
		{[]string{"-max-streams", "5"}, "", func(c config) bool { return c.maxStreams == 5 }},
		{[]string{"-max-streams", "0"}, "-max-streams 0: want at least 1", nil},
		{[]string{"-postgres", "postgres://db/x"}, "", func(c config) bool { return c.resync == 15*time.Second && c.schema == "boxoffice" }},
		{[]string{"-postgres", "postgres://db/x", "-resync", "3s"}, "", func(c config) bool { return c.resync == 3*time.Second }},
		{[]string{"-addr", ":0", "-holds-per-minute", "3", "-demo=false"}, "", func(c config) bool {
			return c.addr == ":0" && c.holdsPerMinute == 3 && !c.demo
		}},
		{[]string{"-resync", "100ms"}, "", func(c config) bool { return c.resync == 100*time.Millisecond }},
		{[]string{"-shutdown-timeout", "1s"}, "", func(c config) bool { return c.shutdownTimeout == time.Second }},
		{[]string{"-admin-token", "0123456789abcdef"}, "", func(c config) bool { return c.adminToken == "0123456789abcdef" }},
		{[]string{"-admin-token", "s3cret"}, "-admin-token: want at least 16 characters", nil},
		{[]string{"-holds-per-minute", "0"}, "want at least 1", nil},
		{[]string{"-max-seats-per-show", "8"}, "", func(c config) bool { return c.maxSeatsPerShow == 8 }},
		{[]string{"-max-seats-per-show", "-1"}, "want 0 (no cap) or more", nil},
		// A negative or tiny -resync would have every live stream re-read
		// its seat map in a busy loop; no shutdown timeout gives requests
		// in flight no time at all.
		{[]string{"-resync", "-1s"}, "want at least 100ms", nil},
		{[]string{"-resync", "0"}, "want at least 100ms", nil},
		{[]string{"-resync", "99ms"}, "want at least 100ms", nil},
		{[]string{"-postgres", "postgres://db/x", "-resync", "-1s"}, "want at least 100ms", nil},
		{[]string{"-shutdown-timeout", "0s"}, "want more than 0", nil},
		{[]string{"-shutdown-timeout", "-1s"}, "want more than 0", nil},
		{[]string{"-no-such-flag"}, "not defined", nil},
		{[]string{"extra"}, "unexpected arguments", nil},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			c, err := parseFlags(tt.args, io.Discard)
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want one saying %q", err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case !tt.check(c):
				t.Errorf("config %+v", c)
			}
		})
	}
}

// server runs run on its own goroutine, as main does.
type runningServer struct {
	url  string
	stop context.CancelFunc
	done chan error
	out  *lines
}

func startServer(t *testing.T, args ...string) *runningServer {
	t.Helper()
	s, err := launch(args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.stop()
		testwait.Recv(t, s.done, "run to return once stopped")
	})
	return s
}

// launch starts run and waits for it to print its address.
func launch(args ...string) (*runningServer, error) {
	ctx, stop := context.WithCancel(context.Background())
	out := newLines()
	s := &runningServer{stop: stop, done: make(chan error, 1), out: out}
	go func() { s.done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), out, io.Discard) }()
	select {
	case line := <-out.c:
		m := regexp.MustCompile(`open (http://\S+)/`).FindStringSubmatch(line)
		if m == nil {
			stop()
			// Bounded as testwait's waits are; launch has no t (it runs
			// on goroutines of its own).
			select {
			case <-s.done:
			case <-time.After(testwait.Bound):
				return nil, fmt.Errorf("first line %q names no address, and run did not return within %v once stopped", line, testwait.Bound)
			}
			return nil, fmt.Errorf("first line %q names no address", line)
		}
		s.url = m[1]
		return s, nil
	case err := <-s.done:
		stop()
		return nil, fmt.Errorf("run: %v", err)
	case <-time.After(30 * time.Second):
		stop()
		return nil, errors.New("the server did not start within 30 s")
	}
}

// shutdown stops the server as SIGTERM does and returns run's error.
func (s *runningServer) shutdown(t *testing.T) error {
	t.Helper()
	s.stop()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		return err
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not shut down")
	}
	return nil
}

// TestTimeoutsOutlastPayment: a confirm runs its payment to its end even
// if its request is cancelled, and can take a charge of PaymentAttempts
// calls of up to PaymentTimeout (PaymentBackoff doubling between them)
// and then a void of as many calls. The server's WriteTimeout must not cut
// its answer off, nor the default -shutdown-timeout the request itself.
func TestTimeoutsOutlastPayment(t *testing.T) {
	for _, tt := range []struct {
		name    string
		cfg     boxoffice.Config
		payment time.Duration // the slowest payment, worked out by hand
	}{
		{"the library's defaults", defaultConfig(t), 2 * (3*15*time.Second + 200*time.Millisecond + 400*time.Millisecond)},
		{"one attempt", boxoffice.Config{PaymentAttempts: 1, PaymentTimeout: 10 * time.Second, PaymentBackoff: time.Second}, 2 * 10 * time.Second},
		{"no backoff", boxoffice.Config{PaymentAttempts: 2, PaymentTimeout: time.Second, PaymentBackoff: -1}, 2 * 2 * time.Second},
		{"four attempts", boxoffice.Config{PaymentAttempts: 4, PaymentTimeout: time.Minute, PaymentBackoff: time.Second}, 2 * (4*time.Minute + 7*time.Second)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := newHTTPServer(http.NotFoundHandler(), quietLogger(), tt.cfg).WriteTimeout; got <= tt.payment {
				t.Errorf("WriteTimeout %s; want more than the slowest payment, %s", got, tt.payment)
			}
			if got := longestRequest(tt.cfg); got <= tt.payment {
				t.Errorf("longestRequest %s; want more than the slowest payment, %s", got, tt.payment)
			}
		})
	}
	c, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got, slowest := c.shutdownTimeoutFor(defaultConfig(t)), 2*(3*15*time.Second+600*time.Millisecond); got <= slowest {
		t.Errorf("default -shutdown-timeout %s; want more than the slowest payment, %s", got, slowest)
	}
	c, err = parseFlags([]string{"-shutdown-timeout", "3s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.shutdownTimeoutFor(defaultConfig(t)); got != 3*time.Second {
		t.Errorf("-shutdown-timeout 3s gives %s", got)
	}
}

// defaultConfig is the configuration of a BookingSystem made with the
// library's defaults, as the server makes its own.
func defaultConfig(t *testing.T) boxoffice.Config {
	t.Helper()
	sys, err := boxoffice.New(boxoffice.Config{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close(context.Background())
	return sys.Config()
}

func TestRunServesAndShutsDown(t *testing.T) {
	s := startServer(t)
	var movies struct{ Movies []movieJSON }
	getJSON(t, s.url+"/api/movies", &movies)
	if len(movies.Movies) != len(demoMovies) {
		t.Fatalf("%d movies, want the %d of the demo", len(movies.Movies), len(demoMovies))
	}
	// The demo schedules its shows at the hours of its theaters' zone,
	// whatever the machine's: a show's ID names its start there.
	lisbon := demoLocation(t)
	for _, m := range demoMovies {
		var shows struct{ Shows []showJSON }
		getJSON(t, s.url+"/api/movies/"+m.ID+"/shows", &shows)
		for _, sh := range shows.Shows {
			if want := sh.HallID + "-" + sh.Start.In(lisbon).Format("20060102-1504"); sh.ID != want {
				t.Errorf("show %s starts at %s; want an ID naming its start in %s, %s", sh.ID, sh.Start, demoZone, want)
			}
		}
	}
	_, showID := grandHallShow(t, s.url)

	// A live stream is open when the signal comes: shutdown must end it,
	// not wait for it.
	res, err := http.Get(s.url + "/api/shows/" + showID + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	stream := newSSEReader(res.Body)
	if ev := stream.next(t); ev.name != "seatmap" {
		t.Fatalf("first event %q", ev.name)
	}
	if err := s.shutdown(t); err != nil {
		t.Fatalf("run returned %v after a graceful shutdown", err)
	}
	select {
	case <-stream.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the event stream outlived the server")
	}
	if !strings.Contains(s.out.all(), "shutting down") {
		t.Errorf("output %q does not say it is shutting down", s.out.all())
	}
	if _, err := http.Get(s.url + "/api/movies"); err == nil {
		t.Error("the server still answers after shutting down")
	}
}

func TestRunRefusesBadAddress(t *testing.T) {
	err := run(context.Background(), []string{"-addr", "256.0.0.1:80"}, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("run listened on 256.0.0.1")
	}
}

// TestRunPostgresTwoServers runs two server processes on one PostgreSQL
// database, as a load balancer would: both seed at once without
// stepping on each other, and they agree about every seat.
func TestRunPostgresTwoServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url, _, schema := postgresSchema(ctx, t)

	// Both start at once, as after a deploy: both migrate and seed.
	// No periodic re-read before the test ends: B's stream must learn of
	// A's changes from Watch.
	args := []string{"-postgres", url, "-schema", schema, "-resync", "1h", "-holds-per-minute", "2"}
	var servers [2]*runningServer
	var errs [2]error
	var wg sync.WaitGroup
	for i := range servers {
		wg.Go(func() { servers[i], errs[i] = launch(args...) })
	}
	testwait.WaitGroup(t, &wg, "two servers to start")
	for i, s := range servers {
		if s != nil {
			t.Cleanup(func() {
				s.stop()
				testwait.Recv(t, s.done, "run to return once stopped")
			})
		}
		if errs[i] != nil {
			t.Fatalf("server %d: %v", i, errs[i])
		}
	}
	a, b := servers[0], servers[1]

	// One catalog, seeded once.
	var showsA, showsB struct{ Shows []showJSON }
	getJSON(t, a.url+"/api/movies/neon-harbor/shows", &showsA)
	getJSON(t, b.url+"/api/movies/neon-harbor/shows", &showsB)
	if len(showsA.Shows) == 0 || len(showsA.Shows) != len(showsB.Shows) {
		t.Fatalf("server A sees %d shows, server B %d", len(showsA.Shows), len(showsB.Shows))
	}
	_, showID := grandHallShow(t, a.url)
	seats := adjacentSeatsVia(t, a.url, showID)

	// B's page is open; a customer holds seats through A.
	res, err := http.Get(b.url + "/api/shows/" + showID + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	stream := newSSEReader(res.Body)
	if ev := stream.next(t); ev.name != "seatmap" {
		t.Fatalf("first event %q", ev.name)
	}
	status, body := postJSON(t, a.url+"/api/shows/"+showID+"/holds", holdRequest{User: "ana", Seats: seats})
	if status != http.StatusCreated {
		t.Fatalf("hold through A: %d %s", status, body)
	}
	// B refuses the same seats, naming them.
	status, body = postJSON(t, b.url+"/api/shows/"+showID+"/holds", holdRequest{User: "ben", Seats: seats})
	if e := decodeError(t, body); status != http.StatusConflict || len(e.Seats) != 2 {
		t.Fatalf("hold of the same seats through B: %d %s, want 409 naming both", status, body)
	}
	// B's open page learns of A's hold from its stream's updates.
	seen := map[string]string{}
	for seen[seats[0]] != "held" || seen[seats[1]] != "held" {
		ev := stream.next(t)
		if ev.name != "update" {
			continue
		}
		var u seatUpdateJSON
		if err := json.Unmarshal([]byte(ev.data), &u); err != nil {
			t.Fatal(err)
		}
		for _, s := range u.Seats {
			seen[s] = u.Status
		}
	}

	// The per-user limits count on both servers together: ana's second
	// hold request of the minute, through B, is granted, and her third,
	// through A, refused.
	more := adjacentSeatsVia(t, a.url, showID)
	if status, body := postJSON(t, b.url+"/api/shows/"+showID+"/holds", holdRequest{User: "ana", Seats: more[:1]}); status != http.StatusCreated {
		t.Fatalf("ana's second hold, through B: %d %s", status, body)
	}
	if status, body := postJSON(t, a.url+"/api/shows/"+showID+"/holds", holdRequest{User: "ana", Seats: more[1:]}); status != http.StatusTooManyRequests {
		t.Fatalf("ana's third hold in a minute, through A: %d %s; want 429, as two holds a minute are allowed across both servers", status, body)
	}
}

func adjacentSeatsVia(t *testing.T, base, showID string) []string {
	t.Helper()
	a, b := adjacentFreeSeats(t, base, showID, "F")
	return []string{a, b}
}

func postJSON(t *testing.T, url string, v any) (int, string) {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(mustJSON(t, v)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

// lines is an io.Writer that hands each line written to it to a channel,
// and keeps them all.
type lines struct {
	c   chan string
	mu  sync.Mutex
	buf bytes.Buffer
	got strings.Builder
}

func newLines() *lines { return &lines{c: make(chan string, 16)} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	l.got.Write(p)
	for {
		line, err := l.buf.ReadString('\n')
		if err != nil {
			l.buf.WriteString(line) // an unfinished line: keep it for later
			return len(p), nil
		}
		select {
		case l.c <- strings.TrimSuffix(line, "\n"):
		default:
		}
	}
}

func (l *lines) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.got.String()
}

// TestShutdownKeepsOneBudget: a graceful shutdown whose requests outlast
// -shutdown-timeout still ends within about that long: the requests, the
// BookingSystem's Close and the Store's pool share one budget. A hold
// stuck on a row another connection locks kept run for 29.5 s with a
// budget of 2 s: Close got a budget of its own, and the pool's Close
// waited for the stuck connection.
func TestShutdownKeepsOneBudget(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url, conn, schema := postgresSchema(ctx, t)
	s := startServer(t, "-postgres", url, "-schema", schema, "-shutdown-timeout", "2s")
	_, showID := grandHallShow(t, s.url)
	seats := adjacentSeatsVia(t, s.url, showID)

	// Another connection locks the show's row: the hold's write waits.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if _, err := tx.Exec(ctx, "SELECT 1 FROM "+pgx.Identifier{schema, "show_seats"}.Sanitize()+" WHERE show_id = $1 FOR UPDATE", showID); err != nil {
		t.Fatal(err)
	}
	body := mustJSON(t, holdRequest{User: "ana", Seats: seats})
	go func() { // answered, if at all, once the shutdown gives up on it
		if res, err := http.Post(s.url+"/api/shows/"+showID+"/holds", "application/json", strings.NewReader(body)); err == nil {
			_ = res.Body.Close()
		}
	}()
	// Until the hold's write waits on our lock: on ours, not any lock of the
	// database, which other packages' tests share; one of theirs would end
	// the wait before the hold is stuck, and the test could not fail.
	for waiting := 0; waiting == 0; {
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))").Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}

	began := time.Now()
	s.stop()
	select {
	case <-s.done:
		if took := time.Since(began); took > 8*time.Second {
			t.Errorf("run returned %s after the signal, with -shutdown-timeout 2s", took.Round(time.Millisecond))
		}
	case <-time.After(25 * time.Second): // a bound for a failure, not a wait
		t.Fatal("run did not return within 25 s of the signal, with -shutdown-timeout 2s")
	}
	s.done <- nil // for the cleanup
}

// postgresSchema returns the test database's URL, a connection to it, and
// the name of a schema of the test's own, dropped when it ends. Without
// PostgreSQL the test is skipped, or fails if BOXOFFICE_REQUIRE_SERVICES=1
// or CI=true.
func postgresSchema(ctx context.Context, t *testing.T) (url string, conn *pgx.Conn, schema string) {
	t.Helper()
	url = os.Getenv("BOXOFFICE_TEST_DATABASE_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		testservices.Missing(t, "PostgreSQL at %s is not reachable: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	schema = fmt.Sprintf("server_test_%d", time.Now().UnixNano())
	t.Cleanup(func() {
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return url, conn, schema
}
