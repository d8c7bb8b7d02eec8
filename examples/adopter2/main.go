// Command adopter2 is two service instances of one cinema chain on one
// PostgreSQL schema, in one process: each with its own pool, pgstore.Store
// and BookingSystem (or, with -shared-store, both BookingSystems on one
// Store). Instance A sells; instance B is refused the same seats, cancels
// A's sale (the refund going through the gateway A charged), watches A's
// changes on its seat map stream, and shows that a Sweep expires only the
// holds its own instance knows of. Both send their own commits' email and
// SMS, and shut down in the order pgstore needs. They run on one fake
// clock, so that a hold's expiry is shown without waiting ten minutes; a
// service runs on the system clock (the Config default).
//
//	go run ./examples/adopter2 -postgres "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

func main() {
	url := flag.String("postgres", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL URL")
	schema := flag.String("schema", "boxoffice_adopter2", "PostgreSQL schema")
	shared := flag.Bool("shared-store", false, "both BookingSystems on one *pgstore.Store and pool, as two of one process")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, *url, *schema, *shared, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "adopter2:", err)
		os.Exit(1)
	}
}

// instance is what one service process would own: its pool, its Store,
// its BookingSystem.
type instance struct {
	name  string
	pool  *pgxpool.Pool
	store *pgstore.Store
	sys   *boxoffice.BookingSystem
	// closed: close ran (a deferred stop then does nothing).
	closed bool
}

func run(ctx context.Context, url, schema string, shared bool, out io.Writer) (err error) {
	opts := pgstore.Options{Schema: schema}
	clock := fakeclock.New(time.Now().UTC().Truncate(time.Second))
	gateway := boxoffice.NewInMemoryGateway() // one process: both instances see its charges
	var mail bytes.Buffer                     // what the notifiers would send; read once both are closed
	sender := boxoffice.NewPrintSender(&mail)
	contacts := boxoffice.ContactMap{"alice": {Email: "alice@example.com", Phone: "+91 98000 00001"}}

	var first *instance
	start := func(name string) (*instance, error) {
		var pool *pgxpool.Pool
		var store *pgstore.Store
		if shared && first != nil {
			pool, store = nil, first.store
		} else {
			var err error
			pool, err = pgxpool.New(ctx, url)
			if err != nil {
				return nil, err
			}
			// Every instance migrates at start: idempotent, and safe at once.
			if err := pgstore.Migrate(ctx, pool, opts); err != nil {
				pool.Close()
				return nil, fmt.Errorf("%s: migrate: %w", name, err)
			}
			store, err = pgstore.New(pool, opts)
			if err != nil {
				pool.Close()
				return nil, err
			}
		}
		sys, err := boxoffice.New(boxoffice.Config{
			Store:   store,
			Clock:   clock,
			Gateway: gateway,
			// The background sweeper would tick as the demo moves the
			// clock, and race its explicit Sweeps: keep it out of the way.
			SweepInterval: time.Hour,
			// Observers hear their own instance's commits only: every
			// instance runs the notifiers, and each event is told once.
			Observers: []boxoffice.Observer{
				boxoffice.NewEmailNotifier(sender, contacts),
				boxoffice.NewSMSNotifier(sender, contacts),
			},
		})
		if err != nil {
			if pool != nil {
				pool.Close()
			}
			return nil, err
		}
		return &instance{name: name, pool: pool, store: store, sys: sys}, nil
	}
	a, err := start("A")
	if err != nil {
		return err
	}
	first = a
	b, err := start("B")
	if err != nil {
		a.stop(&err)
		return err
	}
	// The shared Store's pool closes last, after both systems.
	defer a.stop(&err)
	defer b.stop(&err)

	// The catalog, through A; B reads it from the database.
	movie, err := a.sys.AddMovie(ctx, boxoffice.Movie{Title: "Inception", Duration: 148 * time.Minute, Genres: []string{"Sci-Fi"}, Language: "English"})
	if err != nil {
		return err
	}
	theater, err := a.sys.AddTheater(ctx, boxoffice.Theater{Name: "PVR Phoenix", City: "Mumbai", TimeZone: "Asia/Kolkata"})
	if err != nil {
		return err
	}
	hall, err := a.sys.AddHall(ctx, boxoffice.Hall{TheaterID: theater.ID, Name: "Audi 1", Layout: boxoffice.SeedLayout()})
	if err != nil {
		return err
	}
	show, err := a.sys.ScheduleShow(ctx, boxoffice.Show{MovieID: movie.ID, HallID: hall.ID, Start: clock.Now().Add(48 * time.Hour), BasePrice: 1500})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "scheduled %s at %s\n", show.ID, show.Start.Format(time.RFC3339))

	// B watches the seat map; its stream must carry A's commits.
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	updates, err := b.sys.Watch(watchCtx, show.ID)
	if err != nil {
		return err
	}
	seen := 0
	for seen < hall.Layout.Len() {
		u, err := next(ctx, updates)
		if err != nil {
			return fmt.Errorf("instance B's initial map: %w", err)
		}
		if !u.Initial {
			return fmt.Errorf("instance B's stream: a change before the map was whole: %+v", u)
		}
		seen += len(u.Seats)
	}
	fmt.Fprintf(out, "B watches: initial map of %d seats\n", seen)

	// A holds; B is refused the same seats.
	held, err := a.sys.HoldSeats(ctx, "alice", show.ID, []string{"A1", "A2"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "A: alice holds %v, total %s, until %s\n", held.SeatIDs(), held.Total, held.HeldUntil.Format(time.RFC3339))
	_, err = b.sys.HoldSeats(ctx, "bob", show.ID, []string{"A2", "A3"})
	var refused *boxoffice.SeatError
	if !errors.As(err, &refused) || !errors.Is(err, boxoffice.ErrSeatUnavailable) {
		return fmt.Errorf("instance B: bob's hold of A2, A3: want a *SeatError matching ErrSeatUnavailable, got %v", err)
	}
	fmt.Fprintf(out, "B: bob refused seats %v\n", refused.Seats())
	if err := await(ctx, updates, boxoffice.SeatHeld, "A1", "A2"); err != nil {
		return fmt.Errorf("instance B's stream after A's hold: %w", err)
	}
	fmt.Fprintln(out, "B watches: A1, A2 held")

	// A takes the payment.
	confirmed, err := a.sys.ConfirmBooking(ctx, held.ID, "card:tok_visa")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "A: confirmed %s, paid %s (ref %s)\n", confirmed.Status, confirmed.Payment.Amount, confirmed.Payment.Reference)
	if err := await(ctx, updates, boxoffice.SeatBooked, "A1", "A2"); err != nil {
		return fmt.Errorf("instance B's stream after A's confirmation: %w", err)
	}
	fmt.Fprintln(out, "B watches: A1, A2 booked")

	// B cancels A's sale: the booking is in the database, and the refund
	// goes through the gateway A charged.
	cancelled, err := b.sys.CancelBooking(ctx, confirmed.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "B: cancelled %s, refund %s (%d%%), owed %s\n", cancelled.Status, cancelled.Refund.Amount, cancelled.Refund.Percent, cancelled.RefundOwed())
	if err := await(ctx, updates, boxoffice.SeatAvailable, "A1", "A2"); err != nil {
		return fmt.Errorf("instance B's stream after B's cancellation: %w", err)
	}
	fmt.Fprintln(out, "B watches: A1, A2 available")

	// A hold that runs out, expired by the sweepers.
	lapsing, err := a.sys.HoldSeats(ctx, "alice", show.ID, []string{"C5"})
	if err != nil {
		return err
	}
	if err := await(ctx, updates, boxoffice.SeatHeld, "C5"); err != nil {
		return fmt.Errorf("instance B's stream after A's second hold: %w", err)
	}
	clock.Advance(a.sys.Config().HoldTTL + time.Second)
	// A Sweep expires the lapsed holds its own BookingSystem has queued:
	// B's finds nothing, as B learns of A's holds only when its background
	// sweeper rescans the Store (every RescanInterval). A's expires it.
	nb, errB := b.sys.Sweep(ctx)
	na, errA := a.sys.Sweep(ctx)
	if err := errors.Join(errA, errB); err != nil {
		return err
	}
	fmt.Fprintf(out, "sweep: B expired %d, A expired %d\n", nb, na)
	if err := await(ctx, updates, boxoffice.SeatAvailable, "C5"); err != nil {
		return fmt.Errorf("instance B's stream after the sweep: %w", err)
	}
	got, err := b.sys.Booking(ctx, lapsing.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "B reads alice's second hold: %s\n", got.Status)

	charged, refunded := gateway.Totals()
	fmt.Fprintf(out, "gateway: charged %s, refunded %s\n", charged, refunded)

	stopWatch()
	if err := b.close(ctx); err != nil {
		return err
	}
	if err := a.close(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "both instances closed\n--- notifications ---\n%s", &mail)
	return nil
}

// close shuts an instance down in the order the pgstore docs give: the
// BookingSystem (payments in flight, observers), then the Store's last
// notifications, then the pool.
func (in *instance) close(ctx context.Context) error {
	if in.closed {
		return nil
	}
	in.closed = true
	err := in.sys.Close(ctx)
	if ferr := in.store.Flush(ctx); ferr != nil && err == nil {
		err = ferr
	}
	if in.pool != nil { // nil: the Store is another instance's
		in.pool.Close()
	}
	if err != nil {
		return fmt.Errorf("%s: close: %w", in.name, err)
	}
	return nil
}

// stop closes an instance that run left open on an error.
func (in *instance) stop(errp *error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := in.close(ctx); err != nil && *errp == nil {
		*errp = err
	}
}

// next receives one update; a stream that ends or stays silent is an error.
func next(ctx context.Context, updates <-chan boxoffice.SeatUpdate) (boxoffice.SeatUpdate, error) {
	timeout := time.NewTimer(10 * time.Second) // a bound for a failure, not a wait
	defer timeout.Stop()
	select {
	case u, ok := <-updates:
		if !ok {
			return u, errors.New("stream ended")
		}
		return u, nil
	case <-timeout.C:
		return boxoffice.SeatUpdate{}, errors.New("no update within 10 s")
	case <-ctx.Done():
		return boxoffice.SeatUpdate{}, ctx.Err()
	}
}

// await reads the stream until the seats have the status.
func await(ctx context.Context, updates <-chan boxoffice.SeatUpdate, status boxoffice.SeatStatus, seats ...string) error {
	want := map[string]bool{}
	for _, s := range seats {
		want[s] = true
	}
	for len(want) > 0 {
		u, err := next(ctx, updates)
		if err != nil {
			left := make([]string, 0, len(want))
			for s := range want {
				left = append(left, s)
			}
			slices.Sort(left)
			return fmt.Errorf("waiting for %v %s: %w", left, status, err)
		}
		for _, s := range u.Seats {
			if u.Status == status {
				delete(want, s)
			} else if slices.Contains(seats, s) {
				want[s] = true
			}
		}
	}
	return nil
}
