// Command server is a small but real HTTP service on boxoffice: a JSON API
// to search movies, see shows and seat maps, hold seats, pay and cancel; a
// live seat stream (Server-Sent Events); and a page to book seats in a
// browser, all served by one binary.
//
//	go run ./examples/server                  # in-memory Store, demo data
//	go run ./examples/server -addr :9000
//	go run ./examples/server -postgres postgres://user@host/db
//
// It prints the address to open. SIGINT or SIGTERM stops it gracefully: it
// stops taking requests, ends the live streams, lets requests in flight
// finish for up to -shutdown-timeout (by default as long as the slowest
// payment can take, so that one in progress runs to its end), then closes
// the BookingSystem.
//
// The demo has no sign-in: the page makes up a customer name and sends it
// with each request. A real service takes the user from its session.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	// The demo's theaters have a TimeZone, which AddTheater refuses if
	// this program cannot load it: the server carries its own copy of the
	// zone database (some 450 KB), so that -demo works on a machine or in
	// a container without one. The library leaves that choice to the
	// program.
	_ "time/tzdata"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "server:", err)
		}
		os.Exit(2)
	}
}

// config is what the flags say.
type config struct {
	addr            string
	postgres        string
	schema          string
	holdsPerMinute  int
	maxSeatsPerShow int
	resync          time.Duration
	maxStreams      int
	shutdownTimeout time.Duration
	demo            bool
	verbose         bool
	adminToken      string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free one)")
	fs.StringVar(&c.postgres, "postgres", "", "PostgreSQL URL: keep everything there through pgstore instead of in memory,\nso that several server processes can share one database")
	fs.StringVar(&c.schema, "schema", "boxoffice", "PostgreSQL schema pgstore uses (with -postgres)")
	// The library's default is 3 holds a minute per user (the seed's rule).
	// Someone trying the page picks, drops and re-picks seats more often
	// than a buyer does, so the demo allows more; every other limit (10
	// minute holds, 10 seats a hold, 5 live holds, 2 extensions) is the
	// library's default.
	fs.IntVar(&c.holdsPerMinute, "holds-per-minute", 10, "holds each user may make per minute")
	fs.IntVar(&c.maxSeatsPerShow, "max-seats-per-show", 0, "most seats each user may have at one show, held, being paid for and sold together\n(0: no cap, the library's default)")
	fs.DurationVar(&c.resync, "resync", 0, "how often live streams re-read seat maps, in case a change was missed (with -postgres,\nWatch brings other processes' changes), at least "+minResync.String()+" (default 15s)")
	fs.IntVar(&c.maxStreams, "max-streams", 1000, "most live seat streams held at once (each a connection, a goroutine and a Watch);\none more is answered 503 with Retry-After, and the browser retries")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 0,
		"how long a graceful shutdown waits for requests in flight\n(default: the longest a payment can take, from the library's payment settings)")
	fs.BoolVar(&c.demo, "demo", true, "add the demo catalog and shows when they are missing")
	fs.BoolVar(&c.verbose, "v", false, "log every request")
	fs.StringVar(&c.adminToken, "admin-token", "", "token that opens POST /api/shows/{show}/cancel to requests with\n\"Authorization: Bearer TOKEN\" (default: no such endpoint)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.holdsPerMinute < 1 {
		return config{}, fmt.Errorf("-holds-per-minute %d: want at least 1", c.holdsPerMinute)
	}
	if c.maxSeatsPerShow < 0 {
		return config{}, fmt.Errorf("-max-seats-per-show %d: want 0 (no cap) or more", c.maxSeatsPerShow)
	}
	if c.adminToken != "" && len(c.adminToken) < minAdminToken {
		// The token opens an endpoint that cancels shows and refunds
		// every booking; a short one can be guessed by trying.
		return config{}, fmt.Errorf("-admin-token: want at least %d characters (e.g. openssl rand -hex 16)", minAdminToken)
	}
	if c.maxStreams < 1 {
		return config{}, fmt.Errorf("-max-streams %d: want at least 1", c.maxStreams)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	resyncSet := set["resync"]
	switch {
	case resyncSet && c.resync < minResync:
		// Each live stream re-reads its seat map every -resync: less
		// than this is a busy loop against the Store.
		return config{}, fmt.Errorf("-resync %s: want at least %s", c.resync, minResync)
	case set["shutdown-timeout"] && c.shutdownTimeout <= 0:
		return config{}, fmt.Errorf("-shutdown-timeout %s: want more than 0 (or leave it out: the longest a payment can take)",
			c.shutdownTimeout)
	}
	if !resyncSet {
		c.resync = 15 * time.Second
	}
	return c, nil
}

// minAdminToken is the shortest -admin-token.
const minAdminToken = 16

// minResync is the shortest -resync.
const minResync = 100 * time.Millisecond

// storeSlack is what longestRequest allows for the Store's transactions
// around the gateway calls, which a busy database retries.
const storeSlack = 15 * time.Second

// longestRequest bounds how long an API request can take with cfg's
// payment settings, rounded up to the second. The slowest is a confirm
// whose charge fails after it may have gone through: it charges
// (PaymentAttempts calls of up to PaymentTimeout, PaymentBackoff doubling
// between them) and then voids the charge the same way; storeSlack covers
// the rest. (A cancel pays its refund in one such run.) The server's
// WriteTimeout and the default -shutdown-timeout are this long, so that
// neither cuts off a payment in progress: ConfirmBooking finishes a
// payment even when its request is cancelled, and its customer should
// hear how it ended.
func longestRequest(cfg boxoffice.Config) time.Duration {
	run := time.Duration(max(cfg.PaymentAttempts, 1)) * cfg.PaymentTimeout
	for i, b := 1, cfg.PaymentBackoff; i < cfg.PaymentAttempts && b > 0; i, b = i+1, 2*b {
		run += b
	}
	d := 2*run + storeSlack
	return (d + time.Second - 1).Truncate(time.Second)
}

// shutdownTimeoutFor is how long a graceful shutdown waits: -shutdown-timeout,
// or else the longest request of a BookingSystem running with cfg.
func (c config) shutdownTimeoutFor(cfg boxoffice.Config) time.Duration {
	if c.shutdownTimeout > 0 {
		return c.shutdownTimeout
	}
	return longestRequest(cfg)
}

// newHTTPServer returns the http.Server for handler, with timeouts that
// suit a BookingSystem of cfg's payment settings.
func newHTTPServer(handler http.Handler, logger *slog.Logger, cfg boxoffice.Config) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		// Long enough for the slowest confirm (see longestRequest); the
		// event stream lifts it for itself.
		WriteTimeout: longestRequest(cfg),
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// run serves until ctx is done, then shuts down gracefully. It prints the
// address to open to stdout as soon as it listens.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if c.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	store, gateway, closeStore, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	// A graceful shutdown has one budget, -shutdown-timeout, for the
	// requests in flight, then the BookingSystem's Close, then the
	// Store's: an orchestrator's grace period must cover it once. Any
	// other way out closes them here, each within the same length.
	shuttingDown := false
	defer func() {
		if !shuttingDown {
			// Before New set the budget, a failed start: time to flush.
			ctx, cancel := context.WithTimeout(context.Background(), max(c.shutdownTimeout, 10*time.Second))
			defer cancel()
			closeStore(ctx)
		}
	}()
	sys, err := boxoffice.New(boxoffice.Config{
		Store:           store,
		Gateway:         gateway,
		Logger:          logger,
		HoldsPerMinute:  c.holdsPerMinute,
		MaxSeatsPerShow: c.maxSeatsPerShow,
	})
	if err != nil {
		return err
	}
	// The timeouts outlast the slowest payment the system can make.
	sysCfg := sys.Config()
	c.shutdownTimeout = c.shutdownTimeoutFor(sysCfg)
	// Close the BookingSystem after the server, whatever happens: it stops
	// the sweeper and drains the event streams.
	defer func() {
		if shuttingDown {
			return
		}
		closeCtx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
		defer cancel()
		if err := sys.Close(closeCtx); err != nil {
			logger.Warn("closing the booking system", "err", err)
		}
	}()
	if c.demo {
		zone, err := time.LoadLocation(demoZone)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		n, err := seedDemo(ctx, sys, zone)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		if n > 0 {
			logger.Info("demo data", "shows_scheduled", n)
		}
	}

	srv := newServer(sys, options{Resync: c.resync, MaxStreams: c.maxStreams, Logger: logger, AdminToken: c.adminToken})
	handler := srv.routes()
	if c.verbose {
		handler = logRequests(logger, handler)
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	hs := newHTTPServer(handler, logger, sysCfg)
	hs.RegisterOnShutdown(srv.closeStreams)
	fmt.Fprintf(stdout, "boxoffice demo: open http://%s/\n", ln.Addr())

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return err // the listener failed
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "shutting down")
	shuttingDown = true
	shutdownCtx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
	defer cancel()
	err = hs.Shutdown(shutdownCtx)
	if err != nil {
		err = fmt.Errorf("shutdown: %w", err)
	} else if served := <-served; !errors.Is(served, http.ErrServerClosed) {
		err = served
	}
	// With what is left of the budget, whether the requests ended or not.
	if err := sys.Close(shutdownCtx); err != nil {
		logger.Warn("closing the booking system", "err", err)
	}
	closeStore(shutdownCtx)
	return err
}

// openStore returns the Store the flags ask for, the demo's payment
// gateway with its ledger beside the Store (with -postgres, in the
// database: one ledger for every process sharing it, as they would share
// a real payment provider), and a function that releases them after the
// BookingSystem is closed.
func openStore(ctx context.Context, c config) (boxoffice.Store, boxoffice.PaymentGateway, func(context.Context), error) {
	if c.postgres == "" {
		return boxoffice.NewMemoryStore(), newDemoGateway(), func(context.Context) {}, nil
	}
	pool, err := pgxpool.New(ctx, c.postgres)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("-postgres: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, nil, nil, fmt.Errorf("-postgres: cannot reach the database: %w", err)
	}
	// Every server process may migrate at start: pgstore takes turns on an
	// advisory lock and applies only what is missing.
	opts := pgstore.Options{Schema: c.schema}
	if err := pgstore.Migrate(ctx, pool, opts); err != nil {
		pool.Close()
		return nil, nil, nil, fmt.Errorf("-postgres: migrating schema %q: %w", c.schema, err)
	}
	store, err := pgstore.New(pool, opts)
	if err != nil {
		pool.Close()
		return nil, nil, nil, fmt.Errorf("-postgres: %w", err)
	}
	ledger, err := newPGLedger(ctx, pool, c.schema)
	if err != nil {
		pool.Close()
		return nil, nil, nil, fmt.Errorf("-postgres: %w", err)
	}
	return store, demoGateway{ledger}, func(ctx context.Context) {
		// The last commits' notifications go out before the pool closes;
		// at worst, other processes hear of them at their periodic check.
		flushCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = store.Flush(flushCtx)
		// pool.Close waits for every connection in use (a write of the
		// Store's may run 30 s past its caller): wait for it only as long
		// as ctx lets the shutdown last; the process ends anyway.
		closed := make(chan struct{})
		go func() {
			defer close(closed)
			pool.Close()
		}()
		select {
		case <-closed:
		case <-ctx.Done():
		}
	}, nil
}

// logRequests logs each request at debug level once it is answered.
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r)
		logger.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach Flush and SetWriteDeadline.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
