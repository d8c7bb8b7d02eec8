package boxoffice_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/internal/testwait"
)

// start is the fake clock's first reading: a Tuesday morning.
var start = time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)

// fixture is a BookingSystem on a fake clock with the seed's catalog: one
// theater, one seed hall (A–B VIP, C–D Premium, E–F Regular), one movie and
// one show at 19:00 at base price 15.00.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	clock   *fakeclock.Clock
	store   *boxoffice.MemoryStore
	gateway *scriptedGateway
	sys     *boxoffice.BookingSystem
	show    boxoffice.Show
	movie   boxoffice.Movie
	hall    boxoffice.Hall
}

// newFixture builds a fixture; edit adjusts the Config first.
func newFixture(t *testing.T, edit ...func(*boxoffice.Config)) *fixture {
	t.Helper()
	f := &fixture{
		t:       t,
		ctx:     context.Background(),
		clock:   fakeclock.New(start),
		store:   boxoffice.NewMemoryStore(),
		gateway: newScriptedGateway(),
	}
	cfg := boxoffice.Config{
		Store:          f.store,
		Clock:          f.clock,
		Gateway:        f.gateway,
		HoldsPerMinute: -1,
		PaymentBackoff: -1,
		SweepInterval:  time.Hour, // tests call Sweep themselves
		Logger:         slog.New(slog.DiscardHandler),
	}
	for _, e := range edit {
		e(&cfg)
	}
	f.sys = f.newSystem(cfg)
	f.movie = f.must(f.sys.AddMovie(f.ctx, boxoffice.Movie{ID: "M1", Title: "Inception", Duration: 148 * time.Minute,
		Genres: []string{"Sci-Fi", "Thriller"}, Language: "English", Rating: "PG-13"}))
	mustT[boxoffice.Theater](t)(f.sys.AddTheater(f.ctx, boxoffice.Theater{ID: "T1", Name: "PVR Phoenix", Location: "Lower Parel", City: "Mumbai"}))
	f.hall = mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{ID: "H1", TheaterID: "T1", Name: "Audi 1", Layout: boxoffice.SeedLayout()}))
	f.show = mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S1", MovieID: "M1", HallID: "H1",
		Start: time.Date(2026, 3, 3, 19, 0, 0, 0, time.UTC), BasePrice: 1500}))
	return f
}

// newSystem is New(cfg), closed when the test ends: the fixture's own
// BookingSystem, or one more process of the same deployment.
func (f *fixture) newSystem(cfg boxoffice.Config) *boxoffice.BookingSystem {
	f.t.Helper()
	sys, err := boxoffice.New(cfg)
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	f.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sys.Close(ctx); err != nil {
			f.t.Errorf("Close: %v", err)
		}
	})
	return sys
}

func (f *fixture) must(m boxoffice.Movie, err error) boxoffice.Movie {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

// mustT returns a checker that fails t on error and passes the value on.
func mustT[V any](t *testing.T) func(V, error) V {
	return func(v V, err error) V {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func (f *fixture) hold(user string, seats ...string) boxoffice.Booking {
	f.t.Helper()
	b, err := f.sys.HoldSeats(f.ctx, user, f.show.ID, seats)
	if err != nil {
		f.t.Fatalf("HoldSeats(%s, %v): %v", user, seats, err)
	}
	return b
}

func (f *fixture) confirm(b boxoffice.Booking) boxoffice.Booking {
	f.t.Helper()
	c, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
	if err != nil {
		f.t.Fatalf("ConfirmBooking: %v", err)
	}
	return c
}

// seatStatus reads one seat's status from the seat map.
func (f *fixture) seatStatus(seatID string) boxoffice.SeatStatus {
	f.t.Helper()
	m, err := f.sys.SeatMap(f.ctx, f.show.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, s := range m.Seats {
		if s.ID == seatID {
			return s.Status
		}
	}
	f.t.Fatalf("seat %s not in map", seatID)
	return 0
}

func (f *fixture) booking(id boxoffice.BookingID) boxoffice.Booking {
	f.t.Helper()
	b, err := f.sys.Booking(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

// scriptedGateway is an InMemoryGateway whose answers a test can script:
// each charge call pops the next scripted outcome (nil: go through).
type scriptedGateway struct {
	*boxoffice.InMemoryGateway
	mu      sync.Mutex
	charges []chargeOutcome
	refunds []error
	calls   int
	before  func() // runs at the start of every Charge call
	// overrun has charges go through even once their context has ended:
	// a gateway that overruns Config.PaymentTimeout (which runs on the
	// fake clock), for tests that move the clock past it during a call.
	overrun bool
}

type chargeOutcome struct {
	err     error
	applied bool // the charge went through even though err is returned (a lost reply)
}

func newScriptedGateway() *scriptedGateway {
	return &scriptedGateway{InMemoryGateway: boxoffice.NewInMemoryGateway()}
}

func (g *scriptedGateway) script(outcomes ...chargeOutcome) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.charges = append(g.charges, outcomes...)
}

func (g *scriptedGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	g.calls++
	before, overrun := g.before, g.overrun
	var o chargeOutcome
	if len(g.charges) > 0 {
		o, g.charges = g.charges[0], g.charges[1:]
	}
	g.mu.Unlock()
	if before != nil {
		before()
	}
	if overrun {
		ctx = context.WithoutCancel(ctx)
	}
	if o.err == nil || o.applied {
		rc, err := g.InMemoryGateway.Charge(ctx, r)
		if o.err == nil {
			return rc, err
		}
	}
	return boxoffice.Receipt{}, o.err
}

func (g *scriptedGateway) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	var err error
	if len(g.refunds) > 0 {
		err, g.refunds = g.refunds[0], g.refunds[1:]
	}
	g.mu.Unlock()
	if err != nil {
		return boxoffice.Receipt{}, err
	}
	return g.InMemoryGateway.Refund(ctx, r)
}

func (g *scriptedGateway) chargeCalls() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

var errGatewayDown = errors.New("gateway: 503 service unavailable")

// recorder is an Observer that records seat events in order (it ignores
// the fixture's ShowScheduled).
type recorder struct {
	mu     sync.Mutex
	events []boxoffice.Event
	got    chan struct{}
}

func newRecorder() *recorder { return &recorder{got: make(chan struct{}, 1024)} }

func (r *recorder) Notify(_ context.Context, e boxoffice.Event) {
	if _, ok := e.(*boxoffice.ShowScheduled); ok {
		return
	}
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	r.got <- struct{}{}
}

// waitFor blocks until n events have arrived in total.
func (r *recorder) waitFor(t *testing.T, n int) []boxoffice.Event {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		r.mu.Lock()
		if len(r.events) >= n {
			ev := append([]boxoffice.Event(nil), r.events...)
			r.mu.Unlock()
			return ev
		}
		r.mu.Unlock()
		select {
		case <-r.got:
		case <-timeout.C:
			t.Fatalf("waited 10s for %d events", n)
		}
	}
}

// leaveAbandonedPaying writes held booking b into store as a process that
// died after starting its payment (at start, by "card") leaves it: paying.
func leaveAbandonedPaying(t *testing.T, store boxoffice.Store, b boxoffice.Booking) {
	t.Helper()
	err := store.UpdateShow(context.Background(), b.ShowID, func(tx boxoffice.ShowTx) error {
		p, err := tx.Booking(b.ID)
		if err != nil {
			return err
		}
		p.Status, p.UpdatedAt, p.Payment.Method = boxoffice.StatusPaying, start, "card"
		tx.PutBooking(p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// hangBound bounds a test's wait on something the library must do
// (testwait.Bound): a hang guard, never timing logic.
const hangBound = testwait.Bound

// recv, waitGroup and drain bound a test's wait (package testwait).
func recv[T any](t testing.TB, c <-chan T, what string) T {
	t.Helper()
	return testwait.Recv(t, c, what)
}

func waitGroup(t testing.TB, wg *sync.WaitGroup, what string) {
	t.Helper()
	testwait.WaitGroup(t, wg, what)
}

func drain[T any](t testing.TB, c <-chan T, what string) {
	t.Helper()
	testwait.Drain(t, c, what)
}
