package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

func TestHoldSeatsPricesSeedFigures(t *testing.T) {
	f := newFixture(t)
	vip := f.hold("alice", "A1", "A2")
	if vip.Total != 4500 || vip.Total.String() != "45.00" {
		t.Errorf("two VIP seats at base 15.00: total %s, want 45.00", vip.Total)
	}
	premium := f.hold("bob", "C5", "C6")
	if premium.Total != 3900 {
		t.Errorf("two Premium seats: total %s, want 39.00", premium.Total)
	}
	if vip.Status != boxoffice.StatusHeld || !vip.HeldUntil.Equal(start.Add(10*time.Minute)) {
		t.Errorf("hold: status %s until %s; want held until %s", vip.Status, vip.HeldUntil, start.Add(10*time.Minute))
	}
}

func TestHoldSeatsRefusals(t *testing.T) {
	f := newFixture(t)
	alice := f.hold("alice", "A1", "A2")
	sold := f.confirm(f.hold("carol", "F1"))
	_ = sold

	tests := []struct {
		name     string
		user     string
		seats    []string
		want     []error
		problems []boxoffice.SeatProblem
	}{
		{"held by another", "bob", []string{"A1", "B1"}, []error{boxoffice.ErrSeatUnavailable},
			[]boxoffice.SeatProblem{{SeatID: "A1", Kind: boxoffice.SeatHeldByOther}}},
		{"sold", "bob", []string{"F1"}, []error{boxoffice.ErrSeatUnavailable},
			[]boxoffice.SeatProblem{{SeatID: "F1", Kind: boxoffice.SeatSold}}},
		{"unknown", "bob", []string{"Z9", "B2", "A0"}, []error{boxoffice.ErrInvalidArgument},
			[]boxoffice.SeatProblem{{SeatID: "Z9", Kind: boxoffice.SeatUnknown}, {SeatID: "A0", Kind: boxoffice.SeatUnknown}}},
		{"listed twice", "bob", []string{"B3", "B3"}, []error{boxoffice.ErrInvalidArgument},
			[]boxoffice.SeatProblem{{SeatID: "B3", Kind: boxoffice.SeatDuplicate}}},
		{"partly your own other hold", "alice", []string{"A2", "A3"}, []error{boxoffice.ErrSeatUnavailable},
			[]boxoffice.SeatProblem{{SeatID: "A2", Kind: boxoffice.SeatHeldByYou, Booking: alice.ID}}},
		{"several taken at once", "bob", []string{"A1", "A2", "F1"}, []error{boxoffice.ErrSeatUnavailable},
			[]boxoffice.SeatProblem{{SeatID: "A1", Kind: boxoffice.SeatHeldByOther}, {SeatID: "A2", Kind: boxoffice.SeatHeldByOther}, {SeatID: "F1", Kind: boxoffice.SeatSold}}},
		{"no seats", "bob", nil, []error{boxoffice.ErrInvalidArgument}, nil},
		{"too many seats", "bob", []string{"E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10", "D1"}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"empty user", "", []string{"E1"}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"control characters in user", "bob\x00", []string{"E1"}, []error{boxoffice.ErrInvalidArgument}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.freeSeats()
			_, err := f.sys.HoldSeats(f.ctx, tt.user, f.show.ID, tt.seats)
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Fatalf("err = %v; want errors.Is %v", err, w)
				}
			}
			if tt.problems != nil {
				var se *boxoffice.SeatError
				if !errors.As(err, &se) {
					t.Fatalf("err = %T %v; want *SeatError", err, err)
				}
				if !slices.Equal(se.Problems, tt.problems) {
					t.Errorf("problems = %+v; want %+v", se.Problems, tt.problems)
				}
				for _, p := range tt.problems {
					if !strings.Contains(err.Error(), p.SeatID) {
						t.Errorf("message %q does not name seat %s", err, p.SeatID)
					}
				}
			}
			if after := f.freeSeats(); after != before {
				t.Errorf("a refused hold changed the free seats: %d → %d", before, after)
			}
		})
	}
}

func (f *fixture) freeSeats() int {
	f.t.Helper()
	m, err := f.sys.SeatMap(f.ctx, f.show.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return m.Free
}

func TestHoldSeatsUnknownShow(t *testing.T) {
	f := newFixture(t)
	if _, err := f.sys.HoldSeats(f.ctx, "bob", "nope", []string{"A1"}); !errors.Is(err, boxoffice.ErrNotFound) {
		t.Fatalf("err = %v; want ErrNotFound", err)
	}
}

func TestHoldSameSeatsAgainReturnsTheHold(t *testing.T) {
	f := newFixture(t)
	first := f.hold("alice", "A1", "A2")
	again := f.hold("alice", "A2", "A1")
	if again.ID != first.ID {
		t.Fatalf("holding the same seats again made booking %s; want the existing %s", again.ID, first.ID)
	}
	if n := len(mustT[[]boxoffice.Booking](t)(f.sys.BookingsOfUser(f.ctx, "alice", boxoffice.BookingPage{}))); n != 1 {
		t.Errorf("alice has %d bookings; want 1", n)
	}
}

func TestHoldExpiresExactlyAtDeadline(t *testing.T) {
	f := newFixture(t)
	b := f.hold("alice", "A1")
	f.clock.Advance(10*time.Minute - time.Nanosecond)
	if got := f.seatStatus("A1"); got != boxoffice.SeatHeld {
		t.Fatalf("at deadline − 1ns A1 is %s; want held", got)
	}
	if _, err := f.sys.HoldSeats(f.ctx, "bob", f.show.ID, []string{"A1"}); !errors.Is(err, boxoffice.ErrSeatUnavailable) {
		t.Fatalf("bob holding A1 at deadline − 1ns: %v; want ErrSeatUnavailable", err)
	}
	f.clock.Advance(time.Nanosecond)
	if got := f.seatStatus("A1"); got != boxoffice.SeatAvailable {
		t.Fatalf("at the deadline A1 is %s; want available", got)
	}
	bob := f.hold("bob", "A1") // lazy expiry: free before any sweep
	if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, boxoffice.ErrHoldExpired) {
		t.Fatalf("confirming alice's lapsed hold: %v; want ErrHoldExpired", err)
	}
	f.confirm(bob)
	if got := f.booking(b.ID).Status; got != boxoffice.StatusExpired {
		t.Errorf("alice's booking is %s; want expired", got)
	}
}

func TestSweepExpiresLapsedHolds(t *testing.T) {
	rec := newRecorder()
	f := newFixture(t, func(c *boxoffice.Config) { c.Observers = []boxoffice.Observer{rec} })
	a := f.hold("alice", "A1", "A2")
	b := f.hold("bob", "B1")
	f.clock.Advance(5 * time.Minute)
	c := f.hold("carol", "C1")
	f.clock.Advance(5 * time.Minute)
	n, err := f.sys.Sweep(f.ctx)
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2 expired", n, err)
	}
	for _, id := range []boxoffice.BookingID{a.ID, b.ID} {
		if got := f.booking(id).Status; got != boxoffice.StatusExpired {
			t.Errorf("booking %s is %s; want expired", id, got)
		}
	}
	if got := f.booking(c.ID).Status; got != boxoffice.StatusHeld {
		t.Errorf("carol's younger hold is %s; want held", got)
	}
	if n, _ := f.sys.Sweep(f.ctx); n != 0 {
		t.Errorf("second Sweep expired %d; want 0", n)
	}
	events := rec.waitFor(t, 5) // 3 held + 2 expired
	var expired []string
	for _, e := range events {
		if e, ok := e.(*boxoffice.HoldExpired); ok {
			expired = append(expired, e.Seats...)
		}
	}
	slices.Sort(expired)
	if !slices.Equal(expired, []string{"A1", "A2", "B1"}) {
		t.Errorf("HoldExpired seats %v; want A1 A2 B1", expired)
	}
	if s := f.sys.Stats(); s.Expired != 2 {
		t.Errorf("Stats.Expired = %d; want 2", s.Expired)
	}
}

func TestReleaseHold(t *testing.T) {
	f := newFixture(t)
	b := f.hold("alice", "A1", "A2")
	r, err := f.sys.ReleaseHold(f.ctx, b.ID)
	if err != nil || r.Status != boxoffice.StatusReleased {
		t.Fatalf("ReleaseHold = %s, %v; want released", r.Status, err)
	}
	if got := f.seatStatus("A1"); got != boxoffice.SeatAvailable {
		t.Errorf("A1 after release is %s", got)
	}
	if again, err := f.sys.ReleaseHold(f.ctx, b.ID); err != nil || again.ID != b.ID || again.Status != boxoffice.StatusReleased {
		t.Errorf("releasing twice = %s %s, %v; want the released booking", again.ID, again.Status, err)
	}
	if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, boxoffice.ErrInvalidTransition) {
		t.Errorf("confirming a released booking: %v; want ErrInvalidTransition", err)
	}
	if _, err := f.sys.ReleaseHold(f.ctx, boxoffice.NewBookingID()); !errors.Is(err, boxoffice.ErrNotFound) {
		t.Errorf("releasing an unknown booking: %v; want ErrNotFound", err)
	}
	late := f.hold("bob", "B1")
	f.clock.Advance(10 * time.Minute)
	if _, err := f.sys.ReleaseHold(f.ctx, late.ID); !errors.Is(err, boxoffice.ErrHoldExpired) {
		t.Errorf("releasing a lapsed hold: %v; want ErrHoldExpired", err)
	}
	paid := f.confirm(f.hold("carol", "C1"))
	if _, err := f.sys.ReleaseHold(f.ctx, paid.ID); !errors.Is(err, boxoffice.ErrInvalidTransition) {
		t.Errorf("releasing a confirmed booking: %v; want ErrInvalidTransition", err)
	}
}

// TestEndingAHoldStampsUpdatedAt: a hold that is released or expires has
// UpdatedAt at the moment it ended, in the booking returned and stored,
// for holds whose seat positions the in-memory Store keeps (up to 8
// seats: freeOwnedSeats) and for larger ones (endHold's general loop).
func TestEndingAHoldStampsUpdatedAt(t *testing.T) {
	for _, n := range []int{1, 2, 8, 9} {
		for _, end := range []string{"release", "expire"} {
			t.Run(fmt.Sprintf("%s/%d_seats", end, n), func(t *testing.T) {
				f := newFixture(t)
				seats := make([]string, n)
				for k := range seats {
					seats[k] = fmt.Sprintf("E%d", k+1)
				}
				b := f.hold("alice", seats...)
				want := boxoffice.StatusReleased
				if end == "release" {
					f.clock.Advance(time.Minute)
					r, err := f.sys.ReleaseHold(f.ctx, b.ID)
					if err != nil || !r.UpdatedAt.Equal(f.clock.Now()) {
						t.Fatalf("ReleaseHold: UpdatedAt %v, %v; want %v", r.UpdatedAt, err, f.clock.Now())
					}
				} else {
					want = boxoffice.StatusExpired
					f.clock.Advance(11 * time.Minute)
					if got, err := f.sys.Sweep(f.ctx); got != 1 || err != nil {
						t.Fatalf("Sweep = %d, %v; want 1 expired", got, err)
					}
				}
				got := f.booking(b.ID)
				if got.Status != want || !got.UpdatedAt.Equal(f.clock.Now()) || !got.CreatedAt.Equal(b.CreatedAt) {
					t.Errorf("stored booking: %s, created %v, updated %v; want %s, created %v, updated %v",
						got.Status, got.CreatedAt, got.UpdatedAt, want, b.CreatedAt, f.clock.Now())
				}
			})
		}
	}
}

func TestExtendHoldIsCapped(t *testing.T) {
	f := newFixture(t, func(c *boxoffice.Config) { c.MaxHoldExtensions = 2 })
	b := f.hold("alice", "A1")
	for i := 1; i <= 2; i++ {
		f.clock.Advance(9 * time.Minute)
		e, err := f.sys.ExtendHold(f.ctx, b.ID)
		if err != nil {
			t.Fatalf("extension %d: %v", i, err)
		}
		if want := f.clock.Now().Add(10 * time.Minute); !e.HeldUntil.Equal(want) || e.Extensions != i {
			t.Fatalf("extension %d: until %s (%d); want %s", i, e.HeldUntil, e.Extensions, want)
		}
	}
	f.clock.Advance(9 * time.Minute)
	if _, err := f.sys.ExtendHold(f.ctx, b.ID); !errors.Is(err, boxoffice.ErrLimitReached) {
		t.Fatalf("third extension: %v; want ErrLimitReached", err)
	}
	if got := f.seatStatus("A1"); got != boxoffice.SeatHeld {
		t.Fatalf("A1 after 27 minutes with extensions: %s; want held", got)
	}
	f.clock.Advance(time.Minute)
	if got := f.seatStatus("A1"); got != boxoffice.SeatAvailable {
		t.Fatalf("A1 after the capped hold ran out: %s; want available", got)
	}
	if _, err := f.sys.ExtendHold(f.ctx, b.ID); !errors.Is(err, boxoffice.ErrHoldExpired) {
		t.Fatalf("extending a lapsed hold: %v; want ErrHoldExpired", err)
	}
}

func TestHoldLimits(t *testing.T) {
	t.Run("holds per minute", func(t *testing.T) {
		f := newFixture(t, func(c *boxoffice.Config) { c.HoldsPerMinute = 3 })
		for _, s := range []string{"A1", "A2", "A3"} {
			f.hold("bot", s)
		}
		_, err := f.sys.HoldSeats(f.ctx, "bot", f.show.ID, []string{"A4"})
		var rl *boxoffice.RateLimitError
		if !errors.Is(err, boxoffice.ErrRateLimited) || !errors.As(err, &rl) || rl.RetryAfter <= 0 {
			t.Fatalf("fourth hold in a minute: %v; want ErrRateLimited with RetryAfter", err)
		}
		f.hold("human", "A4") // other users are not affected
		f.clock.Advance(20 * time.Second)
		f.hold("bot", "A5") // one token back after 20 s
		if s := f.sys.Stats(); s.RateLimited != 1 {
			t.Errorf("Stats.RateLimited = %d; want 1", s.RateLimited)
		}
	})
	t.Run("live holds", func(t *testing.T) {
		f := newFixture(t, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = 2 })
		a := f.hold("bot", "A1")
		f.hold("bot", "A2")
		if _, err := f.sys.HoldSeats(f.ctx, "bot", f.show.ID, []string{"A3"}); !errors.Is(err, boxoffice.ErrRateLimited) {
			t.Fatalf("third live hold: %v; want ErrRateLimited", err)
		}
		if _, err := f.sys.ReleaseHold(f.ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		c := f.hold("bot", "A3") // a released hold frees a slot
		f.confirm(c)             // a paid hold is no longer a hold
		f.hold("bot", "A4")
		f.clock.Advance(10 * time.Minute) // lapsed holds free their slots without a sweep
		f.hold("bot", "A5")
		f.hold("bot", "A6")
	})
	t.Run("failed holds free their slot", func(t *testing.T) {
		f := newFixture(t, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = 1 })
		f.hold("alice", "A1")
		for range 3 {
			if _, err := f.sys.HoldSeats(f.ctx, "bob", f.show.ID, []string{"A1"}); !errors.Is(err, boxoffice.ErrSeatUnavailable) {
				t.Fatalf("bob: %v; want ErrSeatUnavailable", err)
			}
		}
		f.hold("bob", "A2")
	})
}

func TestSweepCountsOnlyWhatItExpired(t *testing.T) {
	f := newFixture(t)
	a := f.hold("alice", "A1")
	f.hold("bob", "B1")
	f.clock.Advance(10 * time.Minute)
	// Confirming the lapsed hold expires it before the sweeper gets there.
	if _, err := f.sys.ConfirmBooking(f.ctx, a.ID, "card"); !errors.Is(err, boxoffice.ErrHoldExpired) {
		t.Fatalf("confirm of a lapsed hold: %v", err)
	}
	if n, err := f.sys.Sweep(f.ctx); err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1 (bob's; alice's was already expired)", n, err)
	}
	if got := f.sys.Stats().Expired; got != 2 {
		t.Errorf("Stats.Expired = %d; want 2", got)
	}
}

// TestEndingABookingFreesExactlyItsSeats ends bookings of every size in
// every way and checks that their seats, and only theirs, are free again:
// the in-memory Store frees the seats of small holds by the positions it
// kept at hold time (up to 8) and of larger ones by seat ID, and keeps the
// positions across extensions and payment.
func TestEndingABookingFreesExactlyItsSeats(t *testing.T) {
	ends := []struct {
		name string
		end  func(f *fixture, b boxoffice.Booking) error
	}{
		{"release", func(f *fixture, b boxoffice.Booking) error {
			_, err := f.sys.ReleaseHold(f.ctx, b.ID)
			return err
		}},
		{"extend then release", func(f *fixture, b boxoffice.Booking) error {
			if _, err := f.sys.ExtendHold(f.ctx, b.ID); err != nil {
				return err
			}
			_, err := f.sys.ReleaseHold(f.ctx, b.ID)
			return err
		}},
		{"sweep", func(f *fixture, b boxoffice.Booking) error {
			f.clock.Advance(10 * time.Minute)
			_, err := f.sys.Sweep(f.ctx)
			return err
		}},
		{"confirm then cancel", func(f *fixture, b boxoffice.Booking) error {
			f.confirm(b)
			_, err := f.sys.CancelBooking(f.ctx, b.ID)
			return err
		}},
	}
	seatsOf := func(n int) []string { // n seats of rows E and F, from E1
		var ids []string
		for i := range n {
			ids = append(ids, fmt.Sprintf("%c%d", 'E'+i/10, i%10+1))
		}
		return ids
	}
	for _, end := range ends {
		for _, n := range []int{1, 4, 8, 9, 12} {
			t.Run(fmt.Sprintf("%s/%d seats", end.name, n), func(t *testing.T) {
				f := newFixture(t, func(c *boxoffice.Config) { c.MaxSeatsPerHold = 12; c.MaxHoldExtensions = 1 })
				neighbour := f.hold("bob", "D1") // must stay held throughout
				seats := seatsOf(n)
				b := f.hold("alice", seats...)
				if err := end.end(f, b); err != nil {
					t.Fatalf("ending the booking: %v", err)
				}
				for _, id := range seats {
					if got := f.seatStatus(id); got != boxoffice.SeatAvailable {
						t.Errorf("%s after %s: %s; want available", id, end.name, got)
					}
				}
				if got := f.booking(neighbour.ID).Status; got != boxoffice.StatusHeld && end.name != "sweep" {
					t.Errorf("neighbour's booking is %s; want held", got)
				}
				if end.name != "sweep" {
					if got := f.seatStatus("D1"); got != boxoffice.SeatHeld {
						t.Errorf("neighbour's seat D1 is %s; want held", got)
					}
				}
				again := f.hold("carol", seats...)
				if len(again.Seats) != n {
					t.Fatalf("holding the freed seats again: %d seats; want %d", len(again.Seats), n)
				}
			})
		}
	}
}

// TestSweepBacksOffAFailingStore: with the Store down, a Sweep stops after
// three holds in a row (of three shows) fail to expire and leaves the rest
// of its batch for the next try, its error joining the first three and
// counting the rest; once the Store is back, the next Sweep expires them
// all. It tried every due hold every tick (4,200 failed transactions for
// 600 holds in a 10 s outage) and logged every error in one record
// (107 KB).
func TestSweepBacksOffAFailingStore(t *testing.T) {
	store := &failingStore{MemoryStore: boxoffice.NewMemoryStore()}
	f := newFixture(t, func(c *boxoffice.Config) { c.Store, c.MaxLiveHoldsPerUser = store, -1 })
	shows := []string{f.show.ID}
	for i := range 4 {
		hall := mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{TheaterID: "T1", Name: fmt.Sprint("Audi ", i+2), Layout: boxoffice.SeedLayout()}))
		shows = append(shows, mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{MovieID: "M1", HallID: hall.ID,
			Start: f.show.Start, BasePrice: 1500})).ID)
	}
	const holds = 10
	for i := range holds {
		mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "alice", shows[i%len(shows)], []string{fmt.Sprintf("A%d", 1+i)}))
	}
	f.clock.Advance(11 * time.Minute)
	store.failUpdates(1000)
	before := store.updateCalls()
	n, err := f.sys.Sweep(f.ctx)
	if tries := store.updateCalls() - before; n != 0 || tries != 3 {
		t.Errorf("Sweep with the Store down: %d expired in %d transactions; want 0 in 3", n, tries)
	}
	if err == nil || strings.Count(err.Error(), errStoreDown.Error()) != 3 || !strings.Contains(err.Error(), "left for the next try") {
		t.Errorf("Sweep's error with the Store down: %v; want the first three errors and the holds left", err)
	}
	store.failUpdates(0)
	if n, err := f.sys.Sweep(f.ctx); n != holds || err != nil {
		t.Errorf("Sweep with the Store back: %d expired, %v; want all %d", n, err, holds)
	}
}

// showFailingStore fails every UpdateShow of one show, as a Store does
// whose row of that show is locked by a stuck transaction, or is too hot
// for a transaction to get through: the Store is up for every other show.
type showFailingStore struct {
	*boxoffice.MemoryStore
	bad atomic.Value // string: the show whose transactions fail
}

func (s *showFailingStore) UpdateShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	if bad, _ := s.bad.Load().(string); bad == showID {
		return errStoreDown
	}
	return s.MemoryStore.UpdateShow(ctx, showID, fn)
}

// TestSweepNotStarvedByOneFailingShow: the Store fails every transaction of
// one show, which has many lapsed holds, and of no other show. The lapsed
// hold of another show must still be expired by the sweeps. A Sweep gave up
// after three holds in a row failed, whatever their show, and pushed them
// back ahead of the hold it never tried: the failing show's holds came
// first every time, and the other show's hold was never expired.
func TestSweepNotStarvedByOneFailingShow(t *testing.T) {
	store := &showFailingStore{MemoryStore: boxoffice.NewMemoryStore()}
	f := newFixture(t, func(c *boxoffice.Config) { c.Store, c.MaxLiveHoldsPerUser = store, -1 })
	big, err := boxoffice.GridLayout(20, 20, func(int, int) boxoffice.SeatType { return boxoffice.Regular })
	if err != nil {
		t.Fatal(err)
	}
	mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{ID: "H2", TheaterID: "T1", Name: "Audi 2", Layout: big}))
	hot := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H2",
		Start: f.show.Start, BasePrice: 1500}))
	// Enough holds of the failing show that every shard of the sweeper's
	// queue has several of them before the other show's hold.
	for _, s := range big.Seats() {
		mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "alice", hot.ID, []string{s.ID}))
	}
	f.clock.Advance(time.Second)
	other := f.hold("bob", "A1")
	f.clock.Advance(11 * time.Minute)
	store.bad.Store(hot.ID)
	for range 40 {
		_, _ = f.sys.Sweep(f.ctx)
		if f.booking(other.ID).Status == boxoffice.StatusExpired {
			return
		}
	}
	t.Errorf("after 40 sweeps, the lapsed hold of a show whose Store works is %s; want expired", f.booking(other.ID).Status)
}

// badBookingStore is the in-memory Store on the generic path, one of whose
// bookings cannot be read in a transaction (a row it cannot decode).
type badBookingStore struct {
	*boxoffice.MemoryStore
	bad atomic.Value // boxoffice.BookingID
}

type badBookingTx struct {
	boxoffice.ShowTx
	bad boxoffice.BookingID
}

var errBadRow = errors.New("store: cannot decode the booking's row")

func (tx badBookingTx) Booking(id boxoffice.BookingID) (boxoffice.Booking, error) {
	if id == tx.bad {
		return boxoffice.Booking{}, errBadRow
	}
	return tx.ShowTx.Booking(id)
}

func (s *badBookingStore) UpdateShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	bad, _ := s.bad.Load().(boxoffice.BookingID)
	return s.MemoryStore.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error { return fn(badBookingTx{tx, bad}) })
}

// TestSweepNotStarvedByOneFailingHold: one lapsed hold cannot be expired
// (its booking cannot be read); the show's other lapsed holds, made after
// it, must be expired all the same, by the next Sweep at the latest. (A
// fix of TestSweepNotStarvedByOneFailingShow that left a show alone after
// one failure kept them held.)
func TestSweepNotStarvedByOneFailingHold(t *testing.T) {
	store := &badBookingStore{MemoryStore: boxoffice.NewMemoryStore()}
	f := newFixture(t, func(c *boxoffice.Config) { c.Store, c.MaxLiveHoldsPerUser = store, -1 })
	bad := f.hold("alice", "A1")
	store.bad.Store(bad.ID)
	f.clock.Advance(time.Second)
	var others []boxoffice.Booking
	for i := range 10 {
		others = append(others, f.hold("bob", fmt.Sprintf("B%d", 1+i), fmt.Sprintf("C%d", 1+i)))
	}
	f.clock.Advance(11 * time.Minute)
	for range 2 {
		_, _ = f.sys.Sweep(f.ctx)
	}
	for _, b := range others {
		if got := f.booking(b.ID).Status; got != boxoffice.StatusExpired {
			t.Errorf("a lapsed hold of the show is %s after two Sweeps; want expired", got)
		}
	}
}
