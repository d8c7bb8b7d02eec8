package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"go.uber.org/goleak"
)

// stallCharges makes every charge of the fixture's gateway block until
// release is called; entered receives once per charge that began.
func (f *fixture) stallCharges() (entered <-chan struct{}, release func()) {
	in, gate := make(chan struct{}, 16), make(chan struct{})
	f.gateway.mu.Lock()
	f.gateway.before = func() {
		in <- struct{}{}
		<-gate
	}
	f.gateway.mu.Unlock()
	return in, func() { close(gate) }
}

// confirmInFlight starts a ConfirmBooking of b and returns once its charge
// is at the gateway, stalled there until release is called; the call's
// answer comes on confirmed.
func (f *fixture) confirmInFlight(b boxoffice.Booking) (confirmed <-chan error, release func()) {
	entered, release := f.stallCharges()
	done := make(chan error, 1)
	go func() {
		_, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
		done <- err
	}()
	recv(f.t, entered, "ConfirmBooking to charge")
	return done, release
}

// waitUntilClosing returns once sys refuses calls: Close has begun. It
// probes with the release of a booking that does not exist, which changes
// nothing while the system is still open.
func waitUntilClosing(t *testing.T, sys *boxoffice.BookingSystem) {
	t.Helper()
	timeout := time.NewTimer(hangBound)
	defer timeout.Stop()
	for {
		_, err := sys.ReleaseHold(context.Background(), boxoffice.BookingID{})
		if errors.Is(err, boxoffice.ErrClosed) {
			return
		}
		if !errors.Is(err, boxoffice.ErrNotFound) {
			t.Fatalf("probe: %v; want ErrNotFound or ErrClosed", err)
		}
		select {
		case <-timeout.C:
			t.Fatalf("waited %v for Close to begin refusing calls", hangBound)
		default:
		}
		runtime.Gosched()
	}
}

func kinds(events []boxoffice.Event) []string {
	var ks []string
	for _, e := range events {
		ks = append(ks, boxoffice.EventKind(e))
	}
	return ks
}

// A booking confirmed while Close runs must still send its confirmation:
// Close waits for the ConfirmBooking already past the door.
func TestCloseWaitsForConfirmInFlight(t *testing.T) {
	rec := newRecorder()
	f := newFixture(t, func(c *boxoffice.Config) { c.Observers = []boxoffice.Observer{rec} })
	b := f.hold("alice", "A1")
	confirmed, release := f.confirmInFlight(b)

	closed := make(chan error, 1)
	go func() { closed <- f.sys.Close(f.ctx) }()
	waitUntilClosing(t, f.sys)
	select {
	case err := <-closed:
		closed <- err
		t.Errorf("Close returned (%v) while a ConfirmBooking was in flight", err)
	default:
	}
	release()
	if err := recv(t, confirmed, "ConfirmBooking to return"); err != nil {
		t.Fatalf("ConfirmBooking: %v", err)
	}
	if err := recv(t, closed, "Close to return"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	rec.mu.Lock()
	got := kinds(rec.events)
	rec.mu.Unlock()
	if want := []string{"seats_held", "booking_confirmed"}; !slices.Equal(got, want) {
		t.Errorf("after Close the observer had %v; want %v", got, want)
	}
	if n := f.sys.Stats().EventsDropped; n != 0 {
		t.Errorf("EventsDropped = %d; want 0", n)
	}
}

// Close is bounded by its ctx even when a call is stuck on the gateway; it
// shuts down anyway, and the event the call commits afterwards is counted
// as dropped rather than lost without a trace.
func TestCloseGivesUpOnStuckCall(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	rec := newRecorder()
	f := newFixture(t, func(c *boxoffice.Config) { c.Observers = []boxoffice.Observer{rec} })
	watchCtx, stopWatching := context.WithCancel(f.ctx)
	defer stopWatching()
	updates, err := f.sys.Watch(watchCtx, f.show.ID) // left open: Close must end it
	if err != nil {
		t.Fatal(err)
	}
	b := f.hold("alice", "A1")
	rec.waitFor(t, 1) // delivered before Close gives up, or it counts as dropped too
	confirmed, release := f.confirmInFlight(b)

	closeCtx, giveUp := context.WithCancel(f.ctx)
	closed := make(chan error, 1)
	go func() { closed <- f.sys.Close(closeCtx) }()
	waitUntilClosing(t, f.sys)
	giveUp()
	if err := recv(t, closed, "Close to give up"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Close with a call stuck: %v; want context.Canceled", err)
	}
	drain(t, updates, "Close to end the watch")

	release()
	if err := recv(t, confirmed, "ConfirmBooking to return"); err != nil {
		t.Fatalf("ConfirmBooking: %v", err)
	}
	if got := f.booking(b.ID).Status; got != boxoffice.StatusConfirmed {
		t.Errorf("booking %s; want confirmed", got)
	}
	if n := f.sys.Stats().EventsDropped; n != 1 {
		t.Errorf("EventsDropped = %d; want 1 (the BookingConfirmed committed after Close gave up)", n)
	}
	rec.mu.Lock()
	got := kinds(rec.events)
	rec.mu.Unlock()
	if want := []string{"seats_held"}; !slices.Equal(got, want) {
		t.Errorf("the observer had %v; want %v", got, want)
	}
	if err := f.sys.Close(f.ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestCallsAfterCloseAreRefused(t *testing.T) {
	f := newFixture(t)
	b := f.hold("alice", "A1")
	if err := f.sys.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
	ctx, show := f.ctx, f.show
	tests := []struct {
		name string
		call func(sys *boxoffice.BookingSystem) error
	}{
		{"HoldSeats", func(sys *boxoffice.BookingSystem) error {
			_, err := sys.HoldSeats(ctx, "bob", show.ID, []string{"B1"})
			return err
		}},
		{"ReleaseHold", func(sys *boxoffice.BookingSystem) error { _, err := sys.ReleaseHold(ctx, b.ID); return err }},
		{"ExtendHold", func(sys *boxoffice.BookingSystem) error { _, err := sys.ExtendHold(ctx, b.ID); return err }},
		{"ConfirmBooking", func(sys *boxoffice.BookingSystem) error {
			_, err := sys.ConfirmBooking(ctx, b.ID, "card")
			return err
		}},
		{"CancelBooking", func(sys *boxoffice.BookingSystem) error { _, err := sys.CancelBooking(ctx, b.ID); return err }},
		{"CompleteShow", func(sys *boxoffice.BookingSystem) error { _, err := sys.CompleteShow(ctx, show.ID); return err }},
		{"CancelShow", func(sys *boxoffice.BookingSystem) error { _, err := sys.CancelShow(ctx, show.ID); return err }},
		{"AddMovie", func(sys *boxoffice.BookingSystem) error {
			_, err := sys.AddMovie(ctx, boxoffice.Movie{Title: "Heat", Duration: time.Hour})
			return err
		}},
		{"AddTheater", func(sys *boxoffice.BookingSystem) error {
			_, err := sys.AddTheater(ctx, boxoffice.Theater{Name: "Odeon", City: "Leeds"})
			return err
		}},
		{"AddHall", func(sys *boxoffice.BookingSystem) error {
			_, err := sys.AddHall(ctx, boxoffice.Hall{TheaterID: "T1", Name: "2", Layout: boxoffice.SeedLayout()})
			return err
		}},
		{"ScheduleShow", func(sys *boxoffice.BookingSystem) error {
			_, err := sys.ScheduleShow(ctx, boxoffice.Show{MovieID: "M1", HallID: "H1", Start: start.Add(48 * time.Hour), BasePrice: 1000})
			return err
		}},
		{"Watch", func(sys *boxoffice.BookingSystem) error { _, err := sys.Watch(ctx, show.ID); return err }},
		{"Sweep", func(sys *boxoffice.BookingSystem) error { _, err := sys.Sweep(ctx); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(f.sys); !errors.Is(err, boxoffice.ErrClosed) {
				t.Errorf("%s after Close: %v; want ErrClosed", tt.name, err)
			}
		})
	}
	if got := f.booking(b.ID); got.Status != boxoffice.StatusHeld || got.Extensions != 0 {
		t.Errorf("the refused calls changed the booking: %s, %d extensions", got.Status, got.Extensions)
	}
}

// TestSecondCloseWaitsForTheFirst: a Close called while another is still
// waiting for a call in flight does not report the system closed at once
// (a process would exit under that call's feet); it waits, bounded by its
// own ctx, and returns nil once the first has finished.
func TestSecondCloseWaitsForTheFirst(t *testing.T) {
	f := newFixture(t)
	b := f.hold("alice", "A1")
	confirmed, release := f.confirmInFlight(b)
	first := make(chan error, 1)
	go func() { first <- f.sys.Close(f.ctx) }()
	waitUntilClosing(t, f.sys)

	impatient, cancel := context.WithCancel(f.ctx)
	cancel()
	if err := f.sys.Close(impatient); !errors.Is(err, context.Canceled) {
		t.Fatalf("second Close while the first waits: %v; want context.Canceled", err)
	}
	release()
	if err := recv(t, confirmed, "ConfirmBooking to return"); err != nil {
		t.Fatalf("ConfirmBooking: %v", err)
	}
	if err := recv(t, first, "the first Close to return"); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := f.sys.Close(f.ctx); err != nil {
		t.Fatalf("Close after Close: %v", err)
	}
}

// TestCloseCountsEventsAnObserverNeverGot: when Close gives up on a slow
// observer, the events still queued for it are lost, and Stats says so.
func TestCloseCountsEventsAnObserverNeverGot(t *testing.T) {
	const holds = 5
	entered, release := make(chan struct{}, holds), make(chan struct{})
	delivered := 0
	slow := boxoffice.ObserverFunc(func(ctx context.Context, e boxoffice.Event) {
		if _, ok := e.(*boxoffice.SeatsHeld); !ok {
			return
		}
		delivered++
		entered <- struct{}{}
		<-release // an SMTP call that hangs, say
	})
	f := newFixture(t, func(c *boxoffice.Config) { c.Observers = []boxoffice.Observer{slow} })
	for i := range holds {
		f.hold(fmt.Sprintf("user%d", i), fmt.Sprintf("A%d", 1+i))
	}
	recv(t, entered, "the observer to get the first event") // busy with it; the rest wait in its queue

	ctx, cancel := context.WithCancel(f.ctx)
	cancel() // give up at once
	if err := f.sys.Close(ctx); err == nil {
		t.Fatal("Close with a stuck observer returned nil")
	}
	close(release)
	observed := make(chan struct{})
	go func() { boxoffice.WaitObserversForTest(f.sys); close(observed) }()
	recv(t, observed, "the observer goroutines to return")
	if got := f.sys.Stats().EventsDropped; got != uint64(holds-delivered) {
		t.Errorf("%d holds, %d delivered to the observer, EventsDropped = %d; want %d",
			holds, delivered, got, holds-delivered)
	}
}

// When Close gives up on an observer stuck in a call that ignores its ctx
// (an SMTP client without a deadline, say), the events still queued for it,
// those its goroutine had taken from the queue but not yet begun to deliver
// included, are counted in Stats().EventsDropped as Close returns: not only
// once the observer returns, which it may never do; and not again then.
func TestCloseCountsAtOnceTheEventsOfAStuckObserver(t *testing.T) {
	const holds = 6
	entered, release := make(chan struct{}, holds), make(chan struct{}, holds)
	var got []string
	stuck := boxoffice.ObserverFunc(func(ctx context.Context, e boxoffice.Event) {
		h, ok := e.(*boxoffice.SeatsHeld)
		if !ok {
			return
		}
		got = append(got, h.Seats[0])
		entered <- struct{}{}
		<-release // ctx ignored
	})
	f := newFixture(t, func(c *boxoffice.Config) { c.Observers = []boxoffice.Observer{stuck} })
	f.hold("user0", "A1")
	recv(t, entered, "the observer to get the first event")
	for i := 1; i < holds; i++ {
		f.hold(fmt.Sprintf("user%d", i), fmt.Sprintf("A%d", 1+i))
	}
	// Let the first go: the observer's goroutine takes the other five from
	// the queue at once, and is stuck on the second for good.
	release <- struct{}{}
	recv(t, entered, "the observer to get the second event")

	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	if err := f.sys.Close(ctx); err == nil {
		t.Fatal("Close with a stuck observer returned nil")
	}
	if got := f.sys.Stats().EventsDropped; got != holds-2 {
		t.Errorf("as Close returns, EventsDropped = %d; want %d (%d holds, 2 handed to the observer)", got, holds-2, holds)
	}
	close(release)
	observed := make(chan struct{})
	go func() { boxoffice.WaitObserversForTest(f.sys); close(observed) }()
	recv(t, observed, "the observer goroutines to return")
	if n := f.sys.Stats().EventsDropped; n != holds-2 || len(got) != 2 {
		t.Errorf("once the observer returned: EventsDropped = %d, delivered %v; want %d and 2 delivered", n, got, holds-2)
	}
}
