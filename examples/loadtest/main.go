// Command loadtest puts a BookingSystem under the load of many concurrent
// users and then audits what they did.
//
// Each simulated user loops until the time is up: it searches the catalog,
// lists a movie's shows, reads a show's seat map, holds 1 to -seats of the
// free seats it saw, and then pays (a share -fail of payments is declined
// by the gateway), releases the hold, or walks away and lets it expire
// (-ttl is short, so that holds do expire during the run); now and then it
// cancels one of its confirmed bookings, with a full refund. By default a
// user goes straight on to its next operation, so the process runs at
// saturation; -think makes each user pause after every operation, for an
// exponentially distributed time of that mean, like people reading a page.
//
// While it runs, a progress bar is drawn on stderr (a line every few
// seconds when stderr is not a terminal). At the end it prints the
// operations per second, the p50, p99 and p99.9 latency of each kind of
// operation, the conflicts and the expired holds, and an audit of the
// history and of the final state:
//
//   - seats sold while another confirmed booking owned them, which must be
//     0: an observer records every confirmation and cancellation as it is
//     committed, and the audit replays them per show and seat, since a
//     double sale that a cancellation later undid leaves no trace in the
//     final state. An event the observer missed (Stats().EventsDropped),
//     or a confirmation or cancellation of the final bookings that the
//     history lacks, makes the audit fail as inconclusive;
//   - seats with more than one owner now (live holds, payments in flight
//     and confirmed bookings of one seat), which must be 0, and booked
//     seats of the inventories that disagree with the confirmed bookings,
//     also 0;
//   - money charged minus money refunded, which must equal the total of the
//     confirmed bookings plus the refunds still owed (Booking.RefundOwed).
//
// The audit first closes the BookingSystem, which waits for the calls in
// flight and delivers every queued event, and then reads the final state
// from the Store, at rest.
//
// With -postgres, each process observes only its own commits: its history
// catches a double sale between two of its own bookings, not one between
// bookings of different processes sharing the schema. TestMultiProcess
// closes that gap: it records the shared history in PostgreSQL itself
// (multiprocess_test.go). A schema may be reused: each run's user IDs
// carry a random tag (after the -instance prefix), so that its audit
// reads only its own bookings; but the shows a run schedules start the
// next day, and a run a day later refuses them (they start too soon for a
// full refund): drop the schema, or pass another -schema.
//
// An interrupt (^C) stops the users at once; the summary and the audit
// still run, and the operations the interrupt cut off are counted apart,
// not as failures. A second ^C kills the process.
//
// It exits with status 1 if the audit fails or an operation failed in a way
// no user action explains, 2 on bad flags, and 0 otherwise, interrupted
// or not.
//
// Run it from the repository root:
//
//	go run ./examples/loadtest -users 1000 -shows 50 -duration 10s
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// config is the command line.
type config struct {
	users    int
	shows    int
	duration time.Duration
	seats    int     // most seats per hold
	fail     float64 // share of payments declined
	ttl      time.Duration
	think    time.Duration // mean pause after each operation; 0 for none
	seed     uint64
	postgres string // PostgreSQL URL: run on pgstore; "" for the in-memory Store
	schema   string // pgstore schema
	instance string // prefix of this process's user IDs (then, under -postgres, a tag of the run)
	// eventBuffer sizes the observers' event queues (tests); 0 for
	// defaultEventBuffer.
	eventBuffer int
	// progress is where the progress is drawn; nil for none.
	progress io.Writer
	// terminal says progress is a terminal: redraw one bar in place.
	terminal bool
	// clock is the load generator's clock: the deadline (-duration), the
	// pauses (-think), the run's span that operations per second are
	// computed over, and the progress read it; nil for the machine's.
	// Tests give a fake one and move it themselves. The BookingSystem
	// keeps the machine's clock (its holds expire in real time, under the
	// real load), and the latencies are always wall-clock (see user).
	clock boxoffice.Clock
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.IntVar(&cfg.users, "users", 1000, "concurrent users")
	fs.IntVar(&cfg.shows, "shows", 50, "shows, of 600 seats each")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long the users run")
	fs.IntVar(&cfg.seats, "seats", 6, "most seats per hold (each hold takes 1 to this many)")
	fs.Float64Var(&cfg.fail, "fail", 0.1, "share of payments the gateway declines, 0 to 1")
	fs.DurationVar(&cfg.ttl, "ttl", 2*time.Second, "hold TTL (at least 1s); short, so that abandoned holds expire during the run")
	fs.DurationVar(&cfg.think, "think", 0, "mean pause of a user after each operation (exponentially distributed); 0: none, the users saturate the process")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the users' choices")
	fs.StringVar(&cfg.postgres, "postgres", "", "PostgreSQL URL: run on pgstore, which several loadtest processes may share (default: in memory)")
	fs.StringVar(&cfg.schema, "schema", "boxoffice_loadtest", "with -postgres: the schema, created if missing")
	fs.StringVar(&cfg.instance, "instance", "", "prefix of this process's user IDs, to tell processes sharing a -postgres schema apart (where a random tag of the run follows it)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	switch {
	case fs.NArg() > 0:
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	case cfg.users < 1:
		return config{}, errors.New("-users must be at least 1")
	case cfg.shows < 1:
		return config{}, errors.New("-shows must be at least 1")
	case cfg.duration <= 0:
		return config{}, errors.New("-duration must be positive")
	case cfg.seats < 1 || cfg.seats > 10:
		return config{}, errors.New("-seats must be 1 to 10 (the BookingSystem's default cap per hold)")
	case !(cfg.fail >= 0 && cfg.fail <= 1): // NaN fails both comparisons
		return config{}, errors.New("-fail must be 0 to 1")
	case cfg.ttl < time.Second:
		return config{}, errors.New("-ttl must be at least 1s")
	case cfg.think < 0:
		return config{}, errors.New("-think must not be negative")
	}
	return cfg, nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(2)
	}
	cfg.progress = os.Stderr
	cfg.clock = boxoffice.SystemClock()
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		cfg.terminal = true
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// After the first ^C, which stops the users, a second one kills the
	// process rather than wait for the audit.
	context.AfterFunc(ctx, stop)
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// newStore returns the Store the load runs against and a function that
// releases it: pgstore with -postgres, else the in-memory Store.
func newStore(ctx context.Context, cfg config) (boxoffice.Store, func(), error) {
	if cfg.postgres != "" {
		return openPostgres(ctx, cfg)
	}
	return boxoffice.NewMemoryStore(), func() {}, nil
}

// defaultEventBuffer is the history's event queue: far more events than
// the observer, which only updates a map, ever falls behind by, so that a
// normal run drops none (a dropped event makes the audit inconclusive).
// The queue grows only as far as it is used.
const defaultEventBuffer = 1 << 20

// loadSystem is the BookingSystem under load, with what the audit reads
// besides it: its Store, its gateway and the history its observer records.
type loadSystem struct {
	*boxoffice.BookingSystem
	store   boxoffice.Store
	gateway *decliningGateway
	history *seatHistory
}

// newLoadSystem builds the BookingSystem for cfg on store, with the
// history's observer and then the others given.
func newLoadSystem(cfg config, store boxoffice.Store, others ...boxoffice.Observer) (*loadSystem, error) {
	ls := &loadSystem{store: store, gateway: newDecliningGateway(cfg.fail, cfg.seed), history: newSeatHistory()}
	buffer := cfg.eventBuffer
	if buffer == 0 {
		buffer = defaultEventBuffer
	}
	sys, err := boxoffice.New(boxoffice.Config{
		Store:   store,
		Gateway: ls.gateway,
		HoldTTL: cfg.ttl,
		// Expire abandoned holds promptly, so the run sees them expire.
		SweepInterval: min(time.Second, cfg.ttl/4),
		// The users act far faster than people: the per-user limits
		// against hoarding would refuse most of their holds.
		HoldsPerMinute:      -1,
		MaxLiveHoldsPerUser: -1,
		PaymentBackoff:      -1, // declines are final; nothing to wait for
		Observers:           append([]boxoffice.Observer{ls.history}, others...),
		EventBuffer:         buffer,
	})
	if err != nil {
		return nil, err
	}
	ls.BookingSystem = sys
	return ls, nil
}

// run sets up the catalog, runs the users for cfg.duration (or until ctx
// is done), prints the summary and the audit to w, and returns an error if
// the audit failed or an operation failed unexpectedly.
func run(ctx context.Context, cfg config, w io.Writer) error {
	store, closeStore, err := newStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	ls, err := newLoadSystem(cfg, store)
	if err != nil {
		return err
	}
	// The audit closes it; this is for the early returns.
	defer ls.Close(context.WithoutCancel(ctx))

	s, err := newSim(ctx, cfg, ls.BookingSystem)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	fmt.Fprintf(w, "boxoffice load test: %d users, %d shows of %d seats, %s, holds of 1-%d seats, %.0f%% of payments declined, hold TTL %s, seed %d\n",
		cfg.users, len(s.shows), s.seatsPerShow, cfg.duration, cfg.seats, 100*cfg.fail, cfg.ttl, cfg.seed)
	if cfg.shared() {
		fmt.Fprintf(w, "PostgreSQL schema %s; this run's users are %suser-00000 to -%05d\n", cfg.schema, s.userPrefix, cfg.users-1)
	}

	res := s.run(ctx)
	printSummary(w, cfg, res, ls.Stats())

	a, err := audit(context.WithoutCancel(ctx), ls, s)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	a.print(w)
	var problems []error
	if !a.ok() {
		problems = append(problems, errors.New("audit failed"))
	}
	if n := res.unexpected(); n > 0 {
		problems = append(problems, fmt.Errorf("%d operations failed unexpectedly (first: %v)", n, res.firstUnexpected))
	}
	return errors.Join(problems...)
}
