package boxoffice_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// gatedStore is a MemoryStore (not seen as one by New, so the generic
// UpdateShow path runs, as with pgstore) whose next UpdateShow of armed
// waits: it signals entered, then waits for release before the transaction.
type gatedStore struct {
	*boxoffice.MemoryStore
	mu      sync.Mutex
	armed   bool
	entered chan struct{}
	release chan struct{}
}

func (s *gatedStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	s.mu.Lock()
	armed := s.armed
	s.armed = false
	s.mu.Unlock()
	if armed {
		close(s.entered)
		<-s.release
	}
	return s.MemoryStore.UpdateShow(ctx, showID, fn)
}

// A transaction running as a stream opens, on a Store other than the
// in-memory one (whose Watch waits for the show's lock anyway), reaches
// the stream once: in the seat map the stream begins with, or as the
// update after it. Such a transaction decided before the stream existed
// that nobody listened, and sends no update: so it must commit before
// Watch reads the map. A SeatMap read after Watch returns shows it too.
func TestWatchSeesATransactionRunningAsItOpens(t *testing.T) {
	ctx := context.Background()
	gs := &gatedStore{MemoryStore: boxoffice.NewMemoryStore(), entered: make(chan struct{}), release: make(chan struct{})}
	sys, err := boxoffice.New(boxoffice.Config{
		Store: gs, Clock: fakeclock.New(start), Gateway: boxoffice.NewInMemoryGateway(),
		HoldsPerMinute: -1, PaymentBackoff: -1, SweepInterval: time.Hour,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close(ctx)
	if _, err := sys.AddMovie(ctx, boxoffice.Movie{ID: "M1", Title: "X", Duration: 100 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := sys.AddTheater(ctx, boxoffice.Theater{ID: "T1", Name: "T", City: "C"}); err != nil {
		t.Fatal(err)
	}
	if _, err := sys.AddHall(ctx, boxoffice.Hall{ID: "H1", TheaterID: "T1", Name: "H", Layout: boxoffice.SeedLayout()}); err != nil {
		t.Fatal(err)
	}
	if _, err := sys.ScheduleShow(ctx, boxoffice.Show{ID: "S1", MovieID: "M1", HallID: "H1",
		Start: time.Date(2026, 3, 3, 19, 0, 0, 0, time.UTC), BasePrice: 1500}); err != nil {
		t.Fatal(err)
	}

	gs.mu.Lock()
	gs.armed = true
	gs.mu.Unlock()
	held := make(chan boxoffice.Booking, 1)
	go func() {
		b, err := sys.HoldSeats(ctx, "alice", "S1", []string{"A1"})
		if err != nil {
			t.Error(err)
		}
		held <- b
	}()
	recv(t, gs.entered, "alice's hold to reach the Store") // inside update, its transaction not yet run

	// The client subscribes while the hold is in flight. Whether Watch
	// waits for it decides which of the two a correct system must do; the
	// wait below picks the case, never the verdict.
	type opened struct {
		updates <-chan boxoffice.SeatUpdate
		err     error
	}
	watching := make(chan opened, 1)
	go func() {
		u, err := sys.Watch(ctx, "S1")
		watching <- opened{u, err}
	}()
	var w opened
	streamed := false // the hold must come as an update, not in the map
	select {
	case w = <-watching:
		streamed = true
		close(gs.release)
	case <-time.After(100 * time.Millisecond):
		close(gs.release)
		w = recv(t, watching, "Watch to return")
	}
	if w.err != nil {
		t.Fatal(w.err)
	}
	m, err := sys.SeatMap(ctx, "S1")
	if err != nil {
		t.Fatal(err)
	}
	b := recv(t, held, "alice's hold to return")
	if !streamed && m.Seats[0].Status != boxoffice.SeatHeld {
		t.Fatalf("A1 in the map read after Watch returned, the hold committed: %s; want held", m.Seats[0].Status)
	}
	want := boxoffice.SeatHeld // in the map the stream begins with
	if streamed {
		want = boxoffice.SeatAvailable // and held in the update after it
	}
	if first, _ := firstMap(t, w.updates, m.Layout); first["A1"] != want {
		t.Fatalf("A1 in the map the stream began with: %s; want %s", first["A1"], want)
	}
	// A later change, surely streamed; updates come in commit order.
	if _, err := sys.ReleaseHold(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	u := recv(t, w.updates, "the update after the map")
	if streamed && u.Status != boxoffice.SeatHeld {
		t.Fatalf("first update after the map = %+v; want A1 held: the map was read before the hold committed", u)
	}
	if !streamed && u.Status != boxoffice.SeatAvailable {
		t.Fatalf("first update after the map = %+v; want the release", u)
	}
}
