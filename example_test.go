package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// must stops the example on an error; a service would return it instead.
func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}

// newDemo returns a BookingSystem made from cfg, with one hall of the seed
// layout and one show of Inception two days after the clock's now, at base
// price 15.00.
func newDemo(cfg boxoffice.Config) (*boxoffice.BookingSystem, boxoffice.Show) {
	ctx := context.Background()
	sys := must(boxoffice.New(cfg))
	movie := must(sys.AddMovie(ctx, boxoffice.Movie{Title: "Inception", Duration: 148 * time.Minute, Genres: []string{"Sci-Fi"}, Language: "English"}))
	theater := must(sys.AddTheater(ctx, boxoffice.Theater{Name: "PVR Phoenix", City: "Mumbai"}))
	hall := must(sys.AddHall(ctx, boxoffice.Hall{TheaterID: theater.ID, Name: "Audi 1", Layout: boxoffice.SeedLayout()}))
	show := must(sys.ScheduleShow(ctx, boxoffice.Show{MovieID: movie.ID, HallID: hall.ID,
		Start: sys.Clock().Now().Add(48 * time.Hour).Truncate(time.Hour), BasePrice: 1500}))
	return sys, show
}

// closeDemo closes sys, which also delivers the events still queued for its
// observers.
func closeDemo(sys *boxoffice.BookingSystem) {
	if err := sys.Close(context.Background()); err != nil {
		log.Fatal(err)
	}
}

// A zero Config is a working system: in-memory Store, system clock, regular
// pricing, a gateway that approves everything, 10-minute holds. Set only
// what differs; an invalid field is an error with a hint, never a panic.
func ExampleNew() {
	ctx := context.Background()
	sys, err := boxoffice.New(boxoffice.Config{
		HoldTTL:        5 * time.Minute,
		HoldsPerMinute: 10,
		Pricing:        boxoffice.WeekendPricing(),
	})
	if err != nil {
		log.Fatal(err)
	}
	// Close stops the sweeper and delivers the events still queued.
	defer func() {
		if err := sys.Close(ctx); err != nil {
			log.Print(err)
		}
	}()
	// sys is ready: add movies, theaters, halls and shows, then sell seats.

	_, err = boxoffice.New(boxoffice.Config{HoldTTL: time.Millisecond})
	fmt.Println(errors.Is(err, boxoffice.ErrInvalidArgument))
	// Output: true
}

func ExampleBookingSystem_HoldSeats() {
	ctx := context.Background()
	sys, show := newDemo(boxoffice.Config{})
	defer closeDemo(sys)

	alice, err := sys.HoldSeats(ctx, "alice", show.ID, []string{"A1", "A2"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(alice.Status, alice.Total, alice.HeldUntil.Sub(alice.CreatedAt))

	_, err = sys.HoldSeats(ctx, "bob", show.ID, []string{"A2", "A3"})
	var refused *boxoffice.SeatError
	if errors.As(err, &refused) {
		fmt.Println(errors.Is(err, boxoffice.ErrSeatUnavailable), refused.Seats())
	}
	// Output:
	// held 45.00 10m0s
	// true [A2]
}

func ExampleBookingSystem_ConfirmBooking() {
	ctx := context.Background()
	sys, show := newDemo(boxoffice.Config{})
	defer closeDemo(sys)

	b := must(sys.HoldSeats(ctx, "bob", show.ID, []string{"C5", "C6"}))
	b, err := sys.ConfirmBooking(ctx, b.ID, "card:tok_visa")
	if err != nil {
		// The seats were released; see ExamplePaymentError.
		log.Fatal(err)
	}
	fmt.Println(b.Status, b.Payment.Amount)

	m := must(sys.SeatMap(ctx, show.ID))
	fmt.Println(m.Free, "of", len(m.Seats), "seats free")
	// Output:
	// confirmed 39.00
	// 58 of 60 seats free
}

func ExampleBookingSystem_CancelBooking() {
	ctx := context.Background()
	sys, show := newDemo(boxoffice.Config{})
	defer closeDemo(sys)

	b := must(sys.HoldSeats(ctx, "carol", show.ID, []string{"E1"}))
	b = must(sys.ConfirmBooking(ctx, b.ID, "card:tok_visa"))

	// Two days before the show the default policy refunds everything.
	b, err := sys.CancelBooking(ctx, b.ID)
	switch {
	case errors.Is(err, boxoffice.ErrRefundOwed):
		// Only this error comes with the booking: cancelled all the
		// same, its refund owed (b.RefundOwed), which the system keeps
		// retrying. Answer the cancellation as done.
	case err != nil:
		// b is the zero Booking, and nothing was cancelled (unless the
		// error matches ErrCommitUnknown): the show has started, the
		// booking is not confirmed, the Store failed, ...
		log.Fatal(err)
	}
	fmt.Println(b.Status, b.Refund.Amount, b.Refund.Percent)
	// Output: cancelled 15.00 100
}

// A Watch stream begins with the whole seat map, one update per status,
// then brings each change as it is committed: a client that applies every
// update in order has the seat map, on any Store, with no SeatMap call.
func ExampleBookingSystem_Watch() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sys, show := newDemo(boxoffice.Config{})
	defer closeDemo(sys)
	sold := must(sys.HoldSeats(ctx, "carol", show.ID, []string{"A1", "A2"}))
	must(sys.ConfirmBooking(ctx, sold.ID, "card:tok_visa"))
	must(sys.HoldSeats(ctx, "bob", show.ID, []string{"C5"}))

	updates := must(sys.Watch(ctx, show.ID))
	b := must(sys.HoldSeats(ctx, "dave", show.ID, []string{"D4"}))
	must(sys.ReleaseHold(ctx, b.ID))

	seats := map[string]boxoffice.SeatStatus{} // the client's seat map
	apply := func(u boxoffice.SeatUpdate) {
		for _, id := range u.Seats {
			seats[id] = u.Status
		}
	}
	// The stream begins with the seat map, its updates marked Initial:
	// here three, as the seats have all three statuses. Then the
	// changes, in commit order.
	for range 5 {
		u := <-updates
		apply(u)
		if u.Initial {
			fmt.Println("map:", u.Status, len(u.Seats))
		} else {
			fmt.Println("change:", u.Seats, u.Status)
		}
	}
	fmt.Println(len(seats), "seats; C5", seats["C5"], "and D4", seats["D4"])
	// Output:
	// map: available 57
	// map: held 1
	// map: booked 2
	// change: [D4] held
	// change: [D4] available
	// 60 seats; C5 held and D4 available
}

// ReleaseHold gives held seats back at once, rather than when the hold runs
// out. Releasing again is harmless.
func ExampleBookingSystem_ReleaseHold() {
	ctx := context.Background()
	sys, show := newDemo(boxoffice.Config{})
	defer closeDemo(sys)

	b := must(sys.HoldSeats(ctx, "erin", show.ID, []string{"B1", "B2"}))
	fmt.Println(must(sys.SeatMap(ctx, show.ID)).Free, "seats free")

	b, err := sys.ReleaseHold(ctx, b.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(b.Status, must(sys.SeatMap(ctx, show.ID)).Free, "seats free")

	b, err = sys.ReleaseHold(ctx, b.ID) // a retried request: a no-op
	fmt.Println(b.Status, err)
	// Output:
	// 58 seats free
	// released 60 seats free
	// released <nil>
}

// ExtendHold moves a hold's deadline to HoldTTL from now, a limited number of
// times. A fake clock makes the times in this example fixed.
func ExampleBookingSystem_ExtendHold() {
	ctx := context.Background()
	clock := fakeclock.New(time.Date(2030, 1, 1, 20, 0, 0, 0, time.UTC))
	sys, show := newDemo(boxoffice.Config{Clock: clock, MaxHoldExtensions: 1})
	defer closeDemo(sys)

	b := must(sys.HoldSeats(ctx, "frank", show.ID, []string{"E3"}))
	fmt.Println("held until", b.HeldUntil.Format("15:04"))

	clock.Advance(8 * time.Minute) // the customer is still typing their card number
	b, err := sys.ExtendHold(ctx, b.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("extended until", b.HeldUntil.Format("15:04"))

	// The same request again (a double click, a retry after a timeout)
	// returns the hold as it is, without using up another extension.
	b = must(sys.ExtendHold(ctx, b.ID))
	fmt.Println("asked again: until", b.HeldUntil.Format("15:04"), "after", b.Extensions, "extension")

	clock.Advance(5 * time.Minute)
	_, err = sys.ExtendHold(ctx, b.ID)
	var limit *boxoffice.RateLimitError
	if errors.As(err, &limit) {
		fmt.Println(errors.Is(err, boxoffice.ErrLimitReached), limit.Limit)
	}
	// Output:
	// held until 20:10
	// extended until 20:18
	// asked again: until 20:18 after 1 extension
	// true hold extensions
}

// A hold is free the instant its deadline passes; Sweep makes the expiry
// visible to observers, watchers and queries at once. The background sweeper
// calls it every Config.SweepInterval; with a fake clock a test can call it
// by hand and see the same thing every run.
func ExampleBookingSystem_Sweep() {
	ctx := context.Background()
	clock := fakeclock.New(time.Date(2030, 1, 1, 20, 0, 0, 0, time.UTC))
	sys, show := newDemo(boxoffice.Config{
		Clock:         clock,
		SweepInterval: time.Hour, // keep the background sweeper out of the way
	})
	defer closeDemo(sys)

	b := must(sys.HoldSeats(ctx, "grace", show.ID, []string{"E1", "E2"}))

	clock.Advance(9 * time.Minute)
	fmt.Println("expired after 9m:", must(sys.Sweep(ctx)))
	clock.Advance(time.Minute)
	fmt.Println("expired after 10m:", must(sys.Sweep(ctx)))
	fmt.Println(must(sys.Booking(ctx, b.ID)).Status)

	// Paying for it now is too late; the seats may already be someone else's.
	_, err := sys.ConfirmBooking(ctx, b.ID, "card:tok_visa")
	fmt.Println(errors.Is(err, boxoffice.ErrHoldExpired))
	// Output:
	// expired after 9m: 0
	// expired after 10m: 1
	// expired
	// true
}

// An Observer gets every committed event on its own goroutine; switch on the
// event's type. Close delivers the events still queued before it returns.
func ExampleObserverFunc() {
	ctx := context.Background()
	clock := fakeclock.New(time.Date(2030, 1, 1, 20, 0, 0, 0, time.UTC))
	audit := boxoffice.ObserverFunc(func(ctx context.Context, e boxoffice.Event) {
		switch e := e.(type) {
		case *boxoffice.SeatsHeld:
			fmt.Println(e.UserID, "held", e.Seats, "until", e.HeldUntil.Format("15:04"))
		case *boxoffice.BookingConfirmed:
			fmt.Println(e.UserID, "paid", e.Total, "for", e.Seats)
		case *boxoffice.HoldReleased, *boxoffice.HoldExpired:
			fmt.Println(e.Meta().UserID, boxoffice.EventKind(e))
		default:
			fmt.Println("other:", boxoffice.EventKind(e))
		}
	})
	sys, show := newDemo(boxoffice.Config{Clock: clock, Observers: []boxoffice.Observer{audit}})

	b := must(sys.HoldSeats(ctx, "heidi", show.ID, []string{"F1"}))
	must(sys.ConfirmBooking(ctx, b.ID, "card:tok_visa"))
	b = must(sys.HoldSeats(ctx, "ivan", show.ID, []string{"F2"}))
	must(sys.ReleaseHold(ctx, b.ID))

	closeDemo(sys)
	// Output:
	// other: show_scheduled
	// heidi held [F1] until 20:10
	// heidi paid 15.00 for [F1]
	// ivan held [F2] until 20:10
	// ivan hold_released
}

// Config tells what a BookingSystem runs with, defaults included: here,
// to size an HTTP server's write timeout so that it outlasts the slowest
// payment (every attempt timing out, with the backoff between them).
func ExampleBookingSystem_Config() {
	sys := must(boxoffice.New(boxoffice.Config{PaymentAttempts: 2}))
	defer closeDemo(sys)
	cfg := sys.Config()
	slowest := time.Duration(cfg.PaymentAttempts) * cfg.PaymentTimeout
	for i, backoff := 1, cfg.PaymentBackoff; i < cfg.PaymentAttempts; i, backoff = i+1, 2*backoff {
		slowest += backoff
	}
	fmt.Println(cfg.PaymentAttempts, cfg.PaymentTimeout, cfg.HoldTTL, slowest)
	// Output: 2 15s 10m0s 30.2s
}

// SeatIDs lists a booking's seats by ID; it can be called on what a call
// returns.
func ExampleBooking_SeatIDs() {
	ctx := context.Background()
	sys, show := newDemo(boxoffice.Config{})
	defer closeDemo(sys)

	fmt.Println(must(sys.HoldSeats(ctx, "erin", show.ID, []string{"B2", "B3"})).SeatIDs())
	// Output: [B2 B3]
}
