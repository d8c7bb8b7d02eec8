package boxoffice_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"go.uber.org/goleak"
)

// TestMain fails the run if any goroutine is left once every test has
// finished: every BookingSystem a test makes must be closed, and Close
// must stop everything the system started (the sweeper, one goroutine
// per observer, one per Watch stream).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestCloseLeavesNoGoroutines: after Close, even one that gave up waiting
// for an observer that never returns, no goroutine of the system is left.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := context.Background()
	stuck := &blocksUntil{release: make(chan struct{})} // never released: blocks until Close cancels it
	sys, err := boxoffice.New(boxoffice.Config{Clock: fakeclock.New(start), Logger: slog.New(slog.DiscardHandler),
		Observers: []boxoffice.Observer{stuck, &everySeventhPanics{}, &crawls{}}, HoldsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	mustT[boxoffice.Movie](t)(sys.AddMovie(ctx, boxoffice.Movie{ID: "M", Title: "Heat", Duration: time.Hour}))
	mustT[boxoffice.Theater](t)(sys.AddTheater(ctx, boxoffice.Theater{ID: "T", Name: "Odeon", City: "Leeds"}))
	mustT[boxoffice.Hall](t)(sys.AddHall(ctx, boxoffice.Hall{ID: "H", TheaterID: "T", Name: "1", Layout: boxoffice.SeedLayout()}))
	show := mustT[boxoffice.Show](t)(sys.ScheduleShow(ctx, boxoffice.Show{MovieID: "M", HallID: "H", Start: start.Add(24 * time.Hour), BasePrice: 1000}))
	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	updates, err := sys.Watch(watchCtx, show.ID) // left open: Close must end it
	if err != nil {
		t.Fatal(err)
	}
	for _, seat := range []string{"A1", "A2", "A3"} {
		b := mustT[boxoffice.Booking](t)(sys.HoldSeats(ctx, "ann", show.ID, []string{seat}))
		mustT[boxoffice.Booking](t)(sys.ReleaseHold(ctx, b.ID))
	}

	closeCtx, cancel := context.WithCancel(ctx)
	cancel() // do not wait for the stuck observer at all
	if err := sys.Close(closeCtx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Close with the observer stuck: %v; want context.Canceled", err)
	}
	drain(t, updates, "Close to end the stream")
	if err := sys.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := sys.HoldSeats(ctx, "ann", show.ID, []string{"B1"}); !errors.Is(err, boxoffice.ErrClosed) {
		t.Fatalf("hold after Close: %v; want ErrClosed", err)
	}
}
