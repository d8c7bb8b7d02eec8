package boxoffice_test

import (
	"errors"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// showStart is the fixture show's start.
var showStart = time.Date(2026, 3, 3, 19, 0, 0, 0, time.UTC)

// wantShowStarted fails t unless err is the fixture show's *ShowStartedError.
func wantShowStarted(t *testing.T, what string, err error) {
	t.Helper()
	var started *boxoffice.ShowStartedError
	if !errors.Is(err, boxoffice.ErrShowStarted) || !errors.As(err, &started) {
		t.Fatalf("%s: %v; want a *ShowStartedError", what, err)
	}
	if started.ShowID != "S1" || !started.Start.Equal(showStart) {
		t.Fatalf("%s: %+v; want show S1, started %s", what, started, showStart)
	}
}

func TestHoldSeatsAroundShowStart(t *testing.T) {
	tests := []struct {
		name  string
		at    func(show boxoffice.Show) time.Time
		until time.Duration // the hold's deadline, from at; 0: refused
	}{
		{"an hour before", func(s boxoffice.Show) time.Time { return s.Start.Add(-time.Hour) }, 10 * time.Minute},
		{"a TTL before", func(s boxoffice.Show) time.Time { return s.Start.Add(-10 * time.Minute) }, 10 * time.Minute},
		{"5 minutes before: held until the start", func(s boxoffice.Show) time.Time { return s.Start.Add(-5 * time.Minute) }, 5 * time.Minute},
		{"1ns before: held until the start", func(s boxoffice.Show) time.Time { return s.Start.Add(-time.Nanosecond) }, time.Nanosecond},
		{"at the start", func(s boxoffice.Show) time.Time { return s.Start }, 0},
		{"during the show", func(s boxoffice.Show) time.Time { return s.Start.Add(time.Minute) }, 0},
		{"at the end", func(s boxoffice.Show) time.Time { return s.End }, 0},
		{"the day after", func(s boxoffice.Show) time.Time { return s.End.Add(24 * time.Hour) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if !f.show.Start.Equal(showStart) || !f.show.End.After(f.show.Start) {
				t.Fatalf("fixture show runs %s–%s; the test expects it to start at %s", f.show.Start, f.show.End, showStart)
			}
			at := tt.at(f.show)
			f.clock.Set(at)
			b, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1", "E1"})
			if tt.until == 0 {
				wantShowStarted(t, "HoldSeats", err)
				if got := f.sys.Stats().Holds; got != 0 {
					t.Errorf("Stats().Holds after a refused hold: %d; want 0", got)
				}
				if got := f.seatStatus("A1"); got != boxoffice.SeatAvailable {
					t.Errorf("A1 after a refused hold: %s; want available", got)
				}
				if got, err := f.sys.BookingsOfUser(f.ctx, "alice", boxoffice.BookingPage{}); err != nil || len(got) != 0 {
					t.Errorf("alice's bookings after a refused hold: %v, %v; want none", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("HoldSeats at %s: %v", at, err)
			}
			if want := at.Add(tt.until); !b.HeldUntil.Equal(want) || b.HeldUntil.After(f.show.Start) {
				t.Errorf("held until %s; want %s", b.HeldUntil, want)
			}
			if got := f.booking(b.ID).HeldUntil; !got.Equal(b.HeldUntil) {
				t.Errorf("stored booking held until %s; HoldSeats said %s", got, b.HeldUntil)
			}
			if got := f.seatStatus("A1"); got != boxoffice.SeatHeld {
				t.Errorf("A1: %s; want held", got)
			}
		})
	}
}

// TestHoldCappedAtShowStartIsSwept checks that a hold cut short by the
// show's start, a deadline pushed out of order onto the sweeper's queue
// behind later ones, is expired by the sweeper at the start, not at its
// would-be deadline.
func TestHoldCappedAtShowStartIsSwept(t *testing.T) {
	// The background sweeper must not tick as the clock moves: the test
	// counts what its own Sweeps expire.
	f := newFixture(t, func(c *boxoffice.Config) { c.SweepInterval = 10000 * time.Hour })
	f.clock.Set(showStart.Add(-time.Hour))
	early := f.hold("bob", "B1") // deadline start-50m, in the queue's FIFO
	f.clock.Set(showStart.Add(-15 * time.Minute))
	later := f.hold("carol", "C1") // deadline start-5m
	f.clock.Set(showStart.Add(-3 * time.Minute))
	capped := f.hold("alice", "A1") // deadline the start, not start+7m
	if !capped.HeldUntil.Equal(showStart) {
		t.Fatalf("capped hold until %s; want the start %s", capped.HeldUntil, showStart)
	}
	steps := []struct {
		at      time.Time
		expired []boxoffice.BookingID
	}{
		{showStart.Add(-3 * time.Minute), []boxoffice.BookingID{early.ID, later.ID}},
		{showStart.Add(-time.Nanosecond), nil},
		{showStart, []boxoffice.BookingID{capped.ID}},
		{showStart.Add(10 * time.Minute), nil},
	}
	for _, s := range steps {
		f.clock.Set(s.at)
		n, err := f.sys.Sweep(f.ctx)
		if err != nil || n != len(s.expired) {
			t.Fatalf("Sweep at %s: %d, %v; want %d", s.at, n, err, len(s.expired))
		}
		for _, id := range s.expired {
			if got := f.booking(id).Status; got != boxoffice.StatusExpired {
				t.Errorf("booking %s after the sweep at %s: %s; want expired", id, s.at, got)
			}
		}
	}
	if got := f.seatStatus("A1"); got != boxoffice.SeatAvailable {
		t.Errorf("A1 after the start: %s; want available", got)
	}
}

// TestRefusedHoldAfterStartKeepsNoLiveHold checks that a hold refused
// because the show started does not keep the live-hold slot HoldSeats
// reserved for it before the transaction.
func TestRefusedHoldAfterStartKeepsNoLiveHold(t *testing.T) {
	f := newFixture(t, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = 1 })
	next := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H1",
		Start: showStart.Add(24 * time.Hour), BasePrice: 1500}))
	f.clock.Set(showStart)
	for range 3 {
		_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"})
		wantShowStarted(t, "HoldSeats", err)
	}
	if _, err := f.sys.HoldSeats(f.ctx, "alice", next.ID, []string{"A1"}); err != nil {
		t.Fatalf("a hold on the next show after refused ones on the started show: %v; want it granted", err)
	}
}

func TestExtendHoldAroundShowStart(t *testing.T) {
	tests := []struct {
		name       string
		heldAt     time.Duration // when the hold is made, from the start
		extendAt   time.Duration // when it is extended, from the start
		until      time.Duration // the new deadline, from the start; 0: refused
		extensions int
	}{
		{"well before", -65 * time.Minute, -time.Hour, -time.Hour + 10*time.Minute, 1},
		{"a TTL before: until the start", -15 * time.Minute, -10 * time.Minute, 0, 1},
		{"capped at the start", -15 * time.Minute, -8 * time.Minute, 0, 1},
		{"already held until the start: unchanged", -5 * time.Minute, -time.Minute, 0, 0},
		{"1ns before: unchanged", -5 * time.Minute, -time.Nanosecond, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.clock.Set(showStart.Add(tt.heldAt))
			b := f.hold("alice", "A1")
			f.clock.Set(showStart.Add(tt.extendAt))
			e, err := f.sys.ExtendHold(f.ctx, b.ID)
			if err != nil {
				t.Fatalf("ExtendHold: %v", err)
			}
			if want := showStart.Add(tt.until); !e.HeldUntil.Equal(want) || e.Extensions != tt.extensions {
				t.Errorf("extended: until %s, %d extensions; want %s, %d", e.HeldUntil, e.Extensions, want, tt.extensions)
			}
			if got := f.booking(b.ID); !got.HeldUntil.Equal(e.HeldUntil) || got.Extensions != e.Extensions {
				t.Errorf("stored: until %s, %d extensions; ExtendHold said %s, %d", got.HeldUntil, got.Extensions, e.HeldUntil, e.Extensions)
			}
		})
	}

	refused := []struct {
		name     string
		heldAt   time.Duration
		confirm  bool
		extendAt time.Duration
	}{
		{"at the start", -5 * time.Minute, false, 0},
		{"during the show", -5 * time.Minute, false, time.Minute},
		{"paid, after the start", -time.Hour, true, time.Hour},
		{"after the end", -5 * time.Minute, false, 24 * time.Hour},
	}
	for _, tt := range refused {
		t.Run("refused "+tt.name, func(t *testing.T) {
			// No sweep while the clock jumps a day: this checks that the
			// refused extension changed nothing, and the sweeper would
			// expire the hold meanwhile.
			f := newFixture(t, func(c *boxoffice.Config) { c.SweepInterval = 30 * 24 * time.Hour })
			f.clock.Set(showStart.Add(tt.heldAt))
			b := f.hold("alice", "A1")
			if tt.confirm {
				b = f.confirm(b)
			}
			f.clock.Set(showStart.Add(tt.extendAt))
			_, err := f.sys.ExtendHold(f.ctx, b.ID)
			wantShowStarted(t, "ExtendHold", err)
			if got := f.booking(b.ID); got.Extensions != 0 || !got.HeldUntil.Equal(b.HeldUntil) || got.Status != b.Status {
				t.Errorf("booking after a refused extension: %s until %s, %d extensions; want it unchanged", got.Status, got.HeldUntil, got.Extensions)
			}
		})
	}
}

func TestMaxHoldExtensions(t *testing.T) {
	tests := []struct {
		name    string
		limit   int
		allowed int // extensions granted before ErrLimitReached; -1: no limit seen
	}{
		{"negative: no limit", -1, -1},
		{"very negative: no limit", -100, -1},
		{"zero: the default, 2", 0, 2},
		{"one", 1, 1},
		{"three", 3, 3},
	}
	const tries = 6
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *boxoffice.Config) { c.MaxHoldExtensions = tt.limit })
			b := f.hold("alice", "A1")
			for i := 1; i <= tries; i++ {
				f.clock.Advance(time.Minute)
				e, err := f.sys.ExtendHold(f.ctx, b.ID)
				if tt.allowed >= 0 && i > tt.allowed {
					if !errors.Is(err, boxoffice.ErrLimitReached) {
						t.Fatalf("extension %d with MaxHoldExtensions %d: %v; want ErrLimitReached", i, tt.limit, err)
					}
					if got := f.booking(b.ID).Extensions; got != tt.allowed {
						t.Fatalf("after a refused extension: %d extensions; want %d", got, tt.allowed)
					}
					return
				}
				if err != nil {
					t.Fatalf("extension %d with MaxHoldExtensions %d: %v", i, tt.limit, err)
				}
				if want := f.clock.Now().Add(10 * time.Minute); e.Extensions != i || !e.HeldUntil.Equal(want) {
					t.Fatalf("extension %d: %d extensions, until %s; want %d, %s", i, e.Extensions, e.HeldUntil, i, want)
				}
			}
			if tt.allowed >= 0 {
				t.Fatalf("%d extensions granted; want %d", tries, tt.allowed)
			}
		})
	}
}

// A hold that ends because the show started says so (HoldExpired's
// ShowStarted), so its holder is not invited to book again; one that ran
// out its TTL earlier does not, even if it is swept after the start.
func TestHoldExpiredSaysWhetherTheShowStarted(t *testing.T) {
	tests := []struct {
		name        string
		before      time.Duration // how long before the start the hold is made
		sweepAfter  time.Duration // how long after it the sweeper comes
		wantStarted bool
	}{
		{"its TTL ran out an hour before the start", 70 * time.Minute, 10 * time.Minute, false},
		{"its TTL ran out an hour before the start, swept after it", 70 * time.Minute, 75 * time.Minute, false},
		{"cut short by the start", 5 * time.Minute, 10 * time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			f := newFixture(t, func(c *boxoffice.Config) { c.Observers = []boxoffice.Observer{rec} })
			f.clock.Set(f.show.Start.Add(-tt.before))
			f.hold("alice", "A1")
			f.clock.Advance(tt.sweepAfter)
			// The background sweeper may come first, as the clock moved
			// past its interval: either way the hold expires once.
			if _, err := f.sys.Sweep(f.ctx); err != nil {
				t.Fatal(err)
			}
			ev := rec.waitFor(t, 2)
			expired, ok := ev[1].(*boxoffice.HoldExpired)
			if !ok {
				t.Fatalf("events %v; want SeatsHeld then HoldExpired", ev)
			}
			if expired.ShowStarted != tt.wantStarted {
				t.Errorf("HoldExpired.ShowStarted = %t; want %t", expired.ShowStarted, tt.wantStarted)
			}
		})
	}
}
