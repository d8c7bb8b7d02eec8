package boxoffice_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// lapsingPricing is a pricing strategy whose first call takes longer on
// the fake clock than a hold lasts, and meanwhile has the user ask for
// another hold: the first request's live-hold count lapses before its
// transaction, and the second is admitted in its place.
type lapsingPricing struct {
	clock *fakeclock.Clock
	slow  time.Duration
	then  func()
	first atomic.Bool
}

func (p *lapsingPricing) Price(ctx context.Context, r boxoffice.PriceRequest) (boxoffice.Money, error) {
	if p.first.CompareAndSwap(false, true) {
		p.clock.Advance(p.slow)
		p.then()
	}
	return 1000, nil
}

// TestHoldStoredAfterItsAdmissionLapsed: a hold request whose transaction
// comes a HoldTTL after its admission (a slow MembershipFunc, a long wait
// for the show's lock) is no longer counted against MaxLiveHoldsPerUser,
// and a request of the user in between was admitted; stored all the same,
// it would give the user two live holds under a cap of one. It is admitted
// again instead, and refused by the cap. The seat map, the Store's view,
// is the judge.
func TestHoldStoredAfterItsAdmissionLapsed(t *testing.T) {
	shared := func(c *boxoffice.Config) {
		c.Store = newLimitStore(genericStore{c.Store.(*boxoffice.MemoryStore)})
	}
	paths := append(slices.Clone(storePaths), storePath{"shared limits", shared})
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			pricing := &lapsingPricing{}
			f := newFixture(t, path.edit, func(c *boxoffice.Config) {
				pricing.clock, pricing.slow = c.Clock.(*fakeclock.Clock), 10*time.Minute+2*time.Second
				c.Pricing = pricing
				c.MaxLiveHoldsPerUser, c.HoldsPerMinute = 1, -1
			})
			pricing.then = func() { f.hold("alice", "B1") }
			_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"})
			a1, b1 := f.seatStatus("A1"), f.seatStatus("B1")
			if a1 == boxoffice.SeatHeld && b1 == boxoffice.SeatHeld {
				t.Fatalf("alice holds A1 and B1 in two holds under a cap of one (the first hold's error: %v)", err)
			}
			wantLimit(t, "a hold whose admission lapsed, the user at the cap since", err, boxoffice.LimitLiveHolds)
		})
	}
}

// committedThenStore is a Store on the generic path that calls then once,
// after the first of its transactions that commits, before UpdateShow
// returns: between a hold's commit and its HoldSeats' return.
type committedThenStore struct {
	genericStore
	then  func()
	fired atomic.Bool
}

func (s *committedThenStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	err := s.genericStore.UpdateShow(ctx, showID, fn)
	if err == nil && s.then != nil && s.fired.CompareAndSwap(false, true) {
		s.then()
	}
	return err
}

// lateHoldFixture is the fixture of the tests of a hold whose transaction
// comes a second before its admission lapses: the Store that wrap makes
// of the in-memory one (on the generic path), a pricing that takes
// HoldTTL less a second on its first call, a cap of one live hold and no
// rate limit, and a second show for the user's other request.
func lateHoldFixture(t *testing.T, wrap func(genericStore) boxoffice.Store) (*fixture, boxoffice.Show) {
	t.Helper()
	pricing := &lapsingPricing{}
	f := newFixture(t, func(c *boxoffice.Config) {
		c.Store = wrap(genericStore{c.Store.(*boxoffice.MemoryStore)})
		pricing.clock, pricing.slow, pricing.then = c.Clock.(*fakeclock.Clock), 10*time.Minute-time.Second, func() {}
		c.Pricing = pricing
		c.MaxLiveHoldsPerUser, c.HoldsPerMinute = 1, -1
	})
	other := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H1",
		Start: f.show.Start.Add(24 * time.Hour), BasePrice: 1500}))
	return f, other
}

// TestHoldCountedFromItsTransaction: on a Store other than the in-memory
// one, with the limits counted in the process, a hold that reaches its
// transaction a moment before its admission lapses is counted by its own
// deadline from that transaction on. Counted only once HoldSeats had it
// back from the Store, the count lapsed at the admission's deadline in
// between, a request of the user on another show then was admitted, and
// the hold went uncounted: two live holds under a cap of one.
func TestHoldCountedFromItsTransaction(t *testing.T) {
	store := &committedThenStore{}
	f, other := lateHoldFixture(t, func(g genericStore) boxoffice.Store { store.genericStore = g; return store })
	var otherErr error
	store.then = func() {
		f.clock.Advance(2 * time.Second) // past the admission's deadline
		_, otherErr = f.sys.HoldSeats(f.ctx, "alice", other.ID, []string{"A1"})
	}
	first := f.hold("alice", "A1")
	if otherErr == nil {
		t.Fatalf("alice holds A1 of %s (%s, until %s) and A1 of %s in two holds under a cap of one",
			f.show.ID, first.ID, first.HeldUntil, other.ID)
	}
	wantLimit(t, "a request while the user's hold, admitted a HoldTTL ago, commits", otherErr, boxoffice.LimitLiveHolds)
}

// seatReadThenStore is a Store on the generic path that calls then once,
// the first time a transaction reads a seat: inside a hold's transaction,
// after its clock reading and before it is stored, where a Store may wait
// on its database (pgstore's SeatsOfUser, a Booking).
type seatReadThenStore struct {
	genericStore
	then  func()
	fired atomic.Bool
}

type seatReadThenTx struct {
	boxoffice.ShowTx
	s *seatReadThenStore
}

func (tx seatReadThenTx) Seat(i int) boxoffice.SeatSlot {
	if tx.s.then != nil && tx.s.fired.CompareAndSwap(false, true) {
		tx.s.then()
	}
	return tx.ShowTx.Seat(i)
}

func (s *seatReadThenStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	return s.genericStore.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error { return fn(seatReadThenTx{tx, s}) })
}

// TestHoldAdmissionLapsedInItsTransaction: a hold whose transaction reads
// the clock a moment before its admission lapses, and lapses while the
// transaction waits on the Store, has lost its count by the time it would
// be stored; a request of the user on another show meanwhile was admitted
// in its place. Stored all the same, the user had two live holds under a
// cap of one; the hold is admitted again instead, and refused by the cap.
func TestHoldAdmissionLapsedInItsTransaction(t *testing.T) {
	store := &seatReadThenStore{}
	f, other := lateHoldFixture(t, func(g genericStore) boxoffice.Store { store.genericStore = g; return store })
	var otherErr error
	store.then = func() {
		f.clock.Advance(2 * time.Second) // past the admission's deadline
		_, otherErr = f.sys.HoldSeats(f.ctx, "alice", other.ID, []string{"A1"})
	}
	first, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"})
	wantLapsedInTransaction(t, f, other, first, err, otherErr)
}

// readThenClock is a Clock that, once armed, calls then at its next
// reading after taking the time it returns: the caller works with that
// time while then runs, as a transaction does between its clock reading
// and its end.
type readThenClock struct {
	*fakeclock.Clock
	armed atomic.Bool
	then  func()
}

func (c *readThenClock) Now() time.Time {
	now := c.Clock.Now()
	if c.armed.CompareAndSwap(true, false) {
		c.then()
	}
	return now
}

// TestMemHoldAdmissionLapsedInItsTransaction is
// TestHoldAdmissionLapsedInItsTransaction on the in-memory Store, whose
// transaction has no Store call to wait on: the admission lapses between
// its clock reading and the limits' confirmation of the hold.
func TestMemHoldAdmissionLapsedInItsTransaction(t *testing.T) {
	clock := &readThenClock{}
	pricing := &lapsingPricing{}
	f := newFixture(t, func(c *boxoffice.Config) {
		clock.Clock = c.Clock.(*fakeclock.Clock)
		c.Clock = clock
		// The transaction reads the clock a second before the admission
		// lapses: the first reading after the pricing.
		pricing.clock, pricing.slow, pricing.then = clock.Clock, 10*time.Minute-time.Second, func() { clock.armed.Store(true) }
		c.Pricing = pricing
		c.MaxLiveHoldsPerUser, c.HoldsPerMinute = 1, -1
	})
	other := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H1",
		Start: f.show.Start.Add(24 * time.Hour), BasePrice: 1500}))
	var otherErr error
	clock.then = func() {
		clock.Advance(2 * time.Second) // past the admission's deadline
		_, otherErr = f.sys.HoldSeats(f.ctx, "alice", other.ID, []string{"A1"})
	}
	first, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"})
	if clock.armed.Load() {
		t.Fatal("the clock was not read after the pricing")
	}
	wantLapsedInTransaction(t, f, other, first, err, otherErr)
}

// wantLapsedInTransaction checks the end of a test whose first hold of
// A1 (first, err) lapsed in its transaction while a request of the same
// user for A1 of other (otherErr) came in: the other admitted, the first
// refused by the cap, and A1 of f.show left free.
func wantLapsedInTransaction(t *testing.T, f *fixture, other boxoffice.Show, first boxoffice.Booking, err, otherErr error) {
	t.Helper()
	if err == nil && otherErr == nil {
		t.Fatalf("alice holds A1 of %s (%s, until %s) and A1 of %s in two holds under a cap of one",
			f.show.ID, first.ID, first.HeldUntil, other.ID)
	}
	if otherErr != nil {
		t.Fatalf("the request on %s: %v; want it admitted (the first hold's count had lapsed)", other.ID, otherErr)
	}
	wantLimit(t, "a hold whose admission lapsed in its transaction, the user at the cap since", err, boxoffice.LimitLiveHolds)
	if got := f.seatStatus("A1"); got != boxoffice.SeatAvailable {
		t.Errorf("A1 of %s: %v; want available", f.show.ID, got)
	}
}
