package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/storetest"
)

// limitStore is a Store that keeps the per-user limits itself
// (boxoffice.UserLimitStore), in memory, for the BookingSystems that share
// it: what a database does for many processes. It counts the calls, and
// fails them with fail while it is set.
type limitStore struct {
	boxoffice.Store

	mu    sync.Mutex
	users map[string]*limitUser
	calls map[string]int // by method
	fail  error
	mode  string // a way to be wrong, for TestBrokenLimitStores; "" is right
}

type limitUser struct {
	next time.Time                         // when the bucket is full again, plus one interval (GCRA)
	rate int                               // the last rate asked for (mode "no-rate-keeps-rate")
	live map[boxoffice.BookingID]time.Time // live holds and their deadlines
}

func newLimitStore(s boxoffice.Store) *limitStore {
	return &limitStore{Store: s, users: make(map[string]*limitUser), calls: make(map[string]int)}
}

func (s *limitStore) AdmitHold(ctx context.Context, a boxoffice.HoldAdmission) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["AdmitHold"]++
	if s.fail != nil {
		return s.fail
	}
	u := s.users[a.UserID]
	if u == nil {
		u = &limitUser{live: make(map[boxoffice.BookingID]time.Time)}
		s.users[a.UserID] = u
	}
	maps.DeleteFunc(u.live, func(_ boxoffice.BookingID, until time.Time) bool { return !a.Now.Before(until) })
	liveCap := a.MaxLiveHolds
	if s.mode == "cap-inclusive" {
		liveCap++
	}
	if !a.LiveUntil.IsZero() && a.MaxLiveHolds > 0 && len(u.live) >= liveCap {
		first := slices.MinFunc(slices.Collect(maps.Values(u.live)), time.Time.Compare)
		return &boxoffice.RateLimitError{UserID: a.UserID, Limit: boxoffice.LimitLiveHolds, RetryAfter: first.Sub(a.Now)}
	}
	if s.mode == "racy" {
		// Decided; now let the others decide on the same state.
		s.mu.Unlock()
		time.Sleep(time.Millisecond)
		s.mu.Lock()
	}
	perMin := a.HoldsPerMinute
	if s.mode == "no-rate-keeps-rate" {
		// A Store that keeps each user's rate and reads HoldsPerMinute
		// ≤ 0 as "the rate is unchanged".
		if perMin > 0 {
			u.rate = perMin
		} else {
			perMin = u.rate
		}
	}
	if perMin > 0 {
		interval := time.Minute / time.Duration(perMin)
		next := a.Now
		if u.next.After(next) {
			next = u.next
		}
		next = next.Add(interval)
		if over := next.Sub(a.Now) - time.Duration(perMin)*interval; over > 0 {
			if s.mode == "refusal-takes-token" {
				u.next = next
			}
			if s.mode == "refusal-counts-live" && !a.LiveUntil.IsZero() {
				u.live[a.Hold] = a.LiveUntil
			}
			return &boxoffice.RateLimitError{UserID: a.UserID, Limit: boxoffice.LimitHoldsPerMinute, RetryAfter: over}
		}
		u.next = next
	}
	if !a.LiveUntil.IsZero() {
		u.live[a.Hold] = a.LiveUntil
	}
	return nil
}

func (s *limitStore) SetLiveHold(ctx context.Context, userID string, hold boxoffice.BookingID, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["SetLiveHold"]++
	if s.fail != nil {
		return s.fail
	}
	u := s.users[userID]
	if u == nil {
		if until.IsZero() || s.mode != "set-adds" {
			return nil
		}
		u = &limitUser{live: make(map[boxoffice.BookingID]time.Time)}
		s.users[userID] = u
	}
	_, counted := u.live[hold]
	switch {
	case until.IsZero():
		delete(u.live, hold)
	case counted:
		if until.After(u.live[hold]) || s.mode == "set-moves-back" { // a deadline only moves forward
			u.live[hold] = until
		}
	case s.mode == "set-adds":
		u.live[hold] = until
	}
	return nil
}

func (s *limitStore) ForgetIdleUsers(ctx context.Context, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["ForgetIdleUsers"]++
	if s.fail != nil {
		return s.fail
	}
	maps.DeleteFunc(s.users, func(_ string, u *limitUser) bool {
		return s.mode == "forget-all" || !u.next.After(now) && !slices.ContainsFunc(slices.Collect(maps.Values(u.live)), now.Before)
	})
	return nil
}

func (s *limitStore) count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func (s *limitStore) setFail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

// TestBrokenLimitStores checks storetest's UserLimits tests as
// TestBrokenStores does the rest: every mode of limitStore but "ok" must
// FAIL them (see brokenCheck). Run:
//
//	BOXOFFICE_BROKEN_STORES=1 go test -timeout 600s -run TestBrokenLimitStores -v .
func TestBrokenLimitStores(t *testing.T) {
	modes := []string{"ok", "racy", "cap-inclusive", "refusal-takes-token", "refusal-counts-live", "set-adds", "set-moves-back", "forget-all", "no-rate-keeps-rate"}
	brokenCheck(t, "TestBrokenLimitStores", modes, []string{"ok"}, func(t *testing.T, mode string) {
		storetest.Run(t, func(*testing.T) boxoffice.Store {
			s := newLimitStore(boxoffice.NewMemoryStore())
			if mode != "ok" {
				s.mode = mode
			}
			return s
		}, storetest.Features{UserLimits: true, SeatsOfUser: true})
	})
}

// TestLimitStoreConformance holds the test's limitStore to the suite every
// UserLimitStore passes, so that the tests below rely on a correct one.
func TestLimitStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) boxoffice.Store { return newLimitStore(boxoffice.NewMemoryStore()) },
		storetest.Features{UserLimits: true, SeatsOfUser: true})
}

// sharedLimits is two BookingSystems, a and b, on one limitStore and one
// fake clock, with the fixture's catalog: two processes of one service.
type sharedLimits struct {
	*fixture
	limits *limitStore
	a, b   *boxoffice.BookingSystem
}

func newSharedLimits(t *testing.T, store func(*boxoffice.MemoryStore) boxoffice.Store, perMin, maxLive int) *sharedLimits {
	t.Helper()
	return newSharedLimitsVia(t, store, perMin, maxLive, func(l *limitStore) boxoffice.Store { return l })
}

// newHookedLimits is newSharedLimits on a generic Store, with a cap of one
// live hold and no rate, whose first system a reaches the limits through
// the hookLimits it returns (b does not).
func newHookedLimits(t *testing.T) (*sharedLimits, *hookLimits) {
	t.Helper()
	var hl *hookLimits
	s := newSharedLimitsVia(t, limitStorePaths[0].store, -1, 1, func(l *limitStore) boxoffice.Store {
		hl = &hookLimits{limitStore: l}
		return hl
	})
	return s, hl
}

// newSharedLimitsVia is newSharedLimits with a's Store made of the shared
// limitStore by front.
func newSharedLimitsVia(t *testing.T, store func(*boxoffice.MemoryStore) boxoffice.Store, perMin, maxLive int, front func(*limitStore) boxoffice.Store) *sharedLimits {
	t.Helper()
	var s sharedLimits
	s.fixture = newFixture(t, func(c *boxoffice.Config) {
		s.limits = newLimitStore(store(c.Store.(*boxoffice.MemoryStore)))
		c.Store, c.HoldsPerMinute, c.MaxLiveHoldsPerUser = front(s.limits), perMin, maxLive
	})
	s.a = s.sys
	b, err := boxoffice.New(boxoffice.Config{Store: s.limits, Clock: s.clock, Gateway: s.gateway, PaymentBackoff: -1,
		HoldsPerMinute: perMin, MaxLiveHoldsPerUser: maxLive, SweepInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	s.b = b
	return &s
}

// limitStorePaths are the two ways a Store that keeps the limits may hand
// out its transactions: as its own type, or as the in-memory Store's (a
// Store wrapping it), which the BookingSystem updates in place.
var limitStorePaths = []struct {
	name  string
	store func(*boxoffice.MemoryStore) boxoffice.Store
}{
	{"generic", func(m *boxoffice.MemoryStore) boxoffice.Store { return genericStore{m} }},
	{"memory transactions", func(m *boxoffice.MemoryStore) boxoffice.Store { return m }},
}

func wantLimit(t *testing.T, what string, err error, limit boxoffice.UserLimit) {
	t.Helper()
	var rl *boxoffice.RateLimitError
	if !errors.As(err, &rl) || rl.Limit != limit {
		t.Fatalf("%s: %v; want a RateLimitError of %q", what, err, limit)
	}
}

// TestSharedLiveHoldCap checks that MaxLiveHoldsPerUser counts a user's
// holds in two BookingSystems together when their Store keeps the
// limits, and that whichever system ends a hold frees its slot for both.
func TestSharedLiveHoldCap(t *testing.T) {
	for _, path := range limitStorePaths {
		t.Run(path.name, func(t *testing.T) {
			s := newSharedLimits(t, path.store, -1, 2)
			h1 := mustT[boxoffice.Booking](t)(s.a.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A1"}))
			h2 := mustT[boxoffice.Booking](t)(s.b.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A2"}))
			_, err := s.a.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A3"})
			wantLimit(t, "a third hold, on the first system", err, boxoffice.LimitLiveHolds)
			_, err = s.b.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A3"})
			wantLimit(t, "a third hold, on the second system", err, boxoffice.LimitLiveHolds)
			mustT[boxoffice.Booking](t)(s.b.HoldSeats(s.ctx, "bob", s.show.ID, []string{"A3"})) // another user

			// b releases a's hold: a may hold again.
			mustT[boxoffice.Booking](t)(s.b.ReleaseHold(s.ctx, h1.ID))
			h3 := mustT[boxoffice.Booking](t)(s.a.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A4"}))
			_, err = s.b.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A5"})
			wantLimit(t, "a hold after one was released and another made", err, boxoffice.LimitLiveHolds)

			// A hold being paid for stops counting.
			if _, err := s.a.ConfirmBooking(s.ctx, h2.ID, "tok_visa"); err != nil {
				t.Fatal(err)
			}
			h4 := mustT[boxoffice.Booking](t)(s.b.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A5"}))

			// A retried request at the cap gets its hold, on either system.
			for _, sys := range []*boxoffice.BookingSystem{s.a, s.b} {
				if got, err := sys.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A4"}); err != nil || got.ID != h3.ID {
					t.Fatalf("a retried hold at the cap: %v, %v; want %v", got.ID, err, h3.ID)
				}
			}

			// Holds stop counting a second after their deadline (the
			// margin for their transaction), without a call.
			before := s.limits.count("SetLiveHold")
			s.clock.Advance(h4.HeldUntil.Add(time.Second).Sub(s.clock.Now()))
			for _, sys := range []*boxoffice.BookingSystem{s.a, s.b} {
				if _, err := sys.Sweep(s.ctx); err != nil {
					t.Fatal(err)
				}
			}
			if got := s.limits.count("SetLiveHold"); got != before {
				t.Errorf("expiring holds called SetLiveHold %d times; want none", got-before)
			}
			mustT[boxoffice.Booking](t)(s.a.HoldSeats(s.ctx, "alice", s.show.ID, []string{"B1"}))
			mustT[boxoffice.Booking](t)(s.b.HoldSeats(s.ctx, "alice", s.show.ID, []string{"B2"}))
		})
	}
}

// TestSharedHoldRate checks that HoldsPerMinute counts a user's requests
// in two BookingSystems together, refused ones included, with one call
// to the Store per granted hold.
func TestSharedHoldRate(t *testing.T) {
	s := newSharedLimits(t, limitStorePaths[0].store, 3, -1)
	mustT[boxoffice.Booking](t)(s.a.HoldSeats(s.ctx, "bob", s.show.ID, []string{"F1"}))
	mustT[boxoffice.Booking](t)(s.a.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A1"}))
	if _, err := s.b.HoldSeats(s.ctx, "alice", s.show.ID, []string{"F1"}); !errors.Is(err, boxoffice.ErrSeatUnavailable) {
		t.Fatalf("a taken seat: %v; want ErrSeatUnavailable", err)
	}
	mustT[boxoffice.Booking](t)(s.b.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A2"}))
	_, err := s.a.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A3"})
	wantLimit(t, "a fourth request in a minute", err, boxoffice.LimitHoldsPerMinute)
	var rl *boxoffice.RateLimitError
	if errors.As(err, &rl); rl.RetryAfter != 20*time.Second {
		t.Errorf("RetryAfter = %s; want 20s", rl.RetryAfter)
	}
	if got := s.a.Stats().RateLimited; got != 1 {
		t.Errorf("Stats.RateLimited = %d; want 1", got)
	}
	s.clock.Advance(20 * time.Second)
	mustT[boxoffice.Booking](t)(s.a.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A3"}))
	if got := s.limits.count("AdmitHold"); got != 6 {
		t.Errorf("AdmitHold called %d times for 6 requests", got)
	}
	if got := s.limits.count("SetLiveHold"); got != 0 {
		t.Errorf("SetLiveHold called %d times with no live-hold cap; want none", got)
	}
}

// TestSharedLimitsStoreFails checks what a failing UserLimitStore does: a
// hold it cannot admit is not made, and the Store's error comes back; a
// hold it cannot be told of the end of still ends, and counts until its
// deadline.
func TestSharedLimitsStoreFails(t *testing.T) {
	s := newSharedLimits(t, limitStorePaths[0].store, -1, 1)
	s.limits.setFail(errStoreDown)
	if _, err := s.a.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A1"}); !errors.Is(err, errStoreDown) {
		t.Fatalf("a hold the limits could not admit: %v; want %v", err, errStoreDown)
	}
	if got := s.seatStatus("A1"); got != boxoffice.SeatAvailable {
		t.Fatalf("A1 is %s after a hold that was not admitted", got)
	}
	s.limits.setFail(nil)
	h := mustT[boxoffice.Booking](t)(s.a.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A1"}))
	s.limits.setFail(errStoreDown)
	if _, err := s.b.ReleaseHold(s.ctx, h.ID); err != nil {
		t.Fatalf("a release the limits could not hear of: %v", err)
	}
	s.limits.setFail(nil)
	_, err := s.a.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A2"})
	wantLimit(t, "a hold while the released one still counts", err, boxoffice.LimitLiveHolds)
	s.clock.Advance(h.HeldUntil.Add(time.Second).Sub(s.clock.Now()))
	mustT[boxoffice.Booking](t)(s.a.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A2"}))
}

// TestSharedLimitsHoldUntilStart checks that a hold cut short by the
// show's start counts until the start (and the second of margin for its
// transaction), not for a whole HoldTTL.
func TestSharedLimitsHoldUntilStart(t *testing.T) {
	s := newSharedLimits(t, limitStorePaths[0].store, -1, 2)
	s.clock.Advance(s.show.Start.Add(-5 * time.Minute).Sub(s.clock.Now()))
	h := mustT[boxoffice.Booking](t)(s.a.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A1"}))
	if !h.HeldUntil.Equal(s.show.Start) {
		t.Fatalf("a hold 5 minutes before the start is held until %s; want the start, %s", h.HeldUntil, s.show.Start)
	}
	s.limits.mu.Lock()
	until := s.limits.users["alice"].live[h.ID]
	s.limits.mu.Unlock()
	if want := s.show.Start.Add(time.Second); !until.Equal(want) {
		t.Errorf("the limits count the hold until %s; want a second after the start, %s", until, want)
	}
}

// slowPricing is a pricing strategy whose first call takes slow on the
// fake clock (a MembershipFunc's database lookup, say): the hold's
// transaction, and with it its deadline, comes that much after its
// admission.
type slowPricing struct {
	clock *fakeclock.Clock
	slow  time.Duration
	once  sync.Once
}

func (p *slowPricing) Price(ctx context.Context, r boxoffice.PriceRequest) (boxoffice.Money, error) {
	p.once.Do(func() { p.clock.Advance(p.slow) })
	return 1000, nil
}

// TestSharedCapWhileHoldIsStored checks that a hold counts against the
// cap until its own deadline, fixed in its transaction, however long after
// its admission that came: just before the deadline a second hold is
// refused, and after an extension too. The local limits are the
// reference.
func TestSharedCapWhileHoldIsStored(t *testing.T) {
	for _, shared := range []bool{false, true} {
		for _, slow := range []time.Duration{900 * time.Millisecond, 3 * time.Second} {
			t.Run(fmt.Sprintf("shared=%t/pricing takes %s", shared, slow), func(t *testing.T) {
				var limits *limitStore
				f := newFixture(t, func(c *boxoffice.Config) {
					if shared {
						limits = newLimitStore(genericStore{c.Store.(*boxoffice.MemoryStore)})
						c.Store = limits
					}
					c.Pricing = &slowPricing{clock: c.Clock.(*fakeclock.Clock), slow: slow}
					c.MaxLiveHoldsPerUser, c.HoldsPerMinute = 1, -1
				})
				h := f.hold("alice", "A1")
				if shared {
					// Within the margin the Store's count covers the
					// hold's deadline: no second call.
					want := 0
					if slow > time.Second {
						want = 1
					}
					if got := limits.count("SetLiveHold"); got != want {
						t.Errorf("a hold stored %s after its admission called SetLiveHold %d times; want %d", slow, got, want)
					}
				}
				f.clock.Advance(h.HeldUntil.Add(-400 * time.Millisecond).Sub(f.clock.Now()))
				_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A2"})
				wantLimit(t, "a second hold just before the first's deadline", err, boxoffice.LimitLiveHolds)
				h = mustT[boxoffice.Booking](t)(f.sys.ExtendHold(f.ctx, h.ID))
				f.clock.Advance(h.HeldUntil.Add(-400 * time.Millisecond).Sub(f.clock.Now()))
				_, err = f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A2"})
				wantLimit(t, "a second hold just before the extended deadline", err, boxoffice.LimitLiveHolds)
			})
		}
	}
}

// lostReplyLimits is a limitStore whose AdmitHold counts the request but
// then fails, once: a reply lost with its connection.
type lostReplyLimits struct {
	*limitStore
	lost atomic.Bool
}

func (s *lostReplyLimits) AdmitHold(ctx context.Context, a boxoffice.HoldAdmission) error {
	err := s.limitStore.AdmitHold(ctx, a)
	if s.lost.CompareAndSwap(false, true) {
		return errStoreDown
	}
	return err
}

// TestSharedAdmitFailureFreesSlot checks that a request whose admission
// failed (and may have been counted) does not keep the user's slot.
func TestSharedAdmitFailureFreesSlot(t *testing.T) {
	f := newFixture(t, func(c *boxoffice.Config) {
		c.Store = &lostReplyLimits{limitStore: newLimitStore(genericStore{c.Store.(*boxoffice.MemoryStore)})}
		c.MaxLiveHoldsPerUser, c.HoldsPerMinute = 1, -1
	})
	if _, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"}); !errors.Is(err, errStoreDown) {
		t.Fatalf("a hold whose admission failed: %v; want %v", err, errStoreDown)
	}
	f.hold("alice", "A1")
}

// TestLocalUserLimits checks that Config.LocalUserLimits keeps the limits
// in the BookingSystem, though its Store could count them.
func TestLocalUserLimits(t *testing.T) {
	var limits *limitStore
	f := newFixture(t, func(c *boxoffice.Config) {
		limits = newLimitStore(genericStore{c.Store.(*boxoffice.MemoryStore)})
		c.Store, c.LocalUserLimits, c.MaxLiveHoldsPerUser, c.HoldsPerMinute = limits, true, 1, 3
	})
	h := f.hold("alice", "A1")
	_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A2"})
	wantLimit(t, "a second hold", err, boxoffice.LimitLiveHolds)
	mustT[boxoffice.Booking](t)(f.sys.ReleaseHold(f.ctx, h.ID))
	f.hold("alice", "A2")
	for _, m := range []string{"AdmitHold", "SetLiveHold"} {
		if got := limits.count(m); got != 0 {
			t.Errorf("%s called %d times with LocalUserLimits", m, got)
		}
	}
}

// hookLimits is a limitStore that calls beforeSet, if set, at the start of
// each SetLiveHold that counts a hold (not one that ends it).
type hookLimits struct {
	*limitStore
	beforeSet func()
}

func (s *hookLimits) SetLiveHold(ctx context.Context, userID string, hold boxoffice.BookingID, until time.Time) error {
	if f := s.beforeSet; f != nil && !until.IsZero() {
		s.beforeSet = nil
		f()
	}
	return s.limitStore.SetLiveHold(ctx, userID, hold, until)
}

// TestSharedExtensionNearTheDeadline extends a hold (a second time) just
// before its deadline while another process takes the user's next request
// after it, before the extension reaches the Store: within a second the
// hold still counts, and the extension moves it on.
func TestSharedExtensionNearTheDeadline(t *testing.T) {
	for _, tc := range []struct {
		late       time.Duration // how long after the old deadline the request comes
		wantSecond bool          // whether it is admitted
	}{
		{2 * time.Millisecond, false},
		{900 * time.Millisecond, false},
	} {
		t.Run(fmt.Sprint("request ", tc.late, " after the deadline"), func(t *testing.T) {
			s, hl := newHookedLimits(t)
			h := mustT[boxoffice.Booking](t)(s.a.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A1"}))
			s.clock.Advance(time.Minute)
			h = mustT[boxoffice.Booking](t)(s.a.ExtendHold(s.ctx, h.ID)) // the first extension
			s.clock.Advance(h.HeldUntil.Add(-time.Millisecond).Sub(s.clock.Now()))
			var second boxoffice.Booking
			var secondErr error
			hl.beforeSet = func() { // the second, near the deadline
				s.clock.Advance(time.Millisecond + tc.late)
				second, secondErr = s.b.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A2"})
			}
			mustT[boxoffice.Booking](t)(s.a.ExtendHold(s.ctx, h.ID))
			if (secondErr == nil) != tc.wantSecond {
				t.Fatalf("a second hold %s after the first's old deadline, while it was being extended: %v; want admitted: %t", tc.late, secondErr, tc.wantSecond)
			}
			if secondErr == nil {
				mustT[boxoffice.Booking](t)(s.b.ReleaseHold(s.ctx, second.ID))
			}
			s.clock.Advance(time.Minute)
			_, err := s.b.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A3"})
			wantLimit(t, "a hold a minute after the extension", err, boxoffice.LimitLiveHolds)
		})
	}
}

// TestSharedReleaseOvertakingExtension releases a hold in another process
// while its extension, committed, has yet to reach the Store: the
// extension does not count the released hold again.
func TestSharedReleaseOvertakingExtension(t *testing.T) {
	s, hl := newHookedLimits(t)
	h := s.hold("alice", "A1")
	s.clock.Advance(time.Minute)
	hl.beforeSet = func() { mustT[boxoffice.Booking](t)(s.b.ReleaseHold(s.ctx, h.ID)) }
	mustT[boxoffice.Booking](t)(s.a.ExtendHold(s.ctx, h.ID))
	s.clock.Advance(time.Minute)
	mustT[boxoffice.Booking](t)(s.b.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A2"}))
}

// concurrentEnds is a limitStore whose SetLiveHold calls that end a count
// wait, each, until atOnce of them are in flight, or a bound passes; it
// notes the most that ran at once.
type concurrentEnds struct {
	*limitStore
	atOnce int

	mu       sync.Mutex
	inFlight int
	most     int
	arrived  chan struct{} // closed once atOnce are in flight
	once     sync.Once
	giveUp   context.Context
}

func (s *concurrentEnds) SetLiveHold(ctx context.Context, userID string, hold boxoffice.BookingID, until time.Time) error {
	if until.IsZero() {
		s.mu.Lock()
		s.inFlight++
		s.most = max(s.most, s.inFlight)
		if s.inFlight == s.atOnce {
			s.once.Do(func() { close(s.arrived) })
		}
		s.mu.Unlock()
		select {
		case <-s.arrived:
		case <-s.giveUp.Done(): // a bound for a failure, not a wait
		}
		defer func() {
			s.mu.Lock()
			s.inFlight--
			s.mu.Unlock()
		}()
	}
	return s.limitStore.SetLiveHold(ctx, userID, hold, until)
}

// TestCancelShowEndsCountsAtOnce: a cancelled show ends its holds' shared
// counts several at a time, not one statement after another before its
// refunds, and never more than eight at once; every count ends.
func TestCancelShowEndsCountsAtOnce(t *testing.T) {
	var ce *concurrentEnds
	s := newSharedLimitsVia(t, limitStorePaths[0].store, -1, 1, func(l *limitStore) boxoffice.Store {
		giveUp, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		t.Cleanup(cancel)
		ce = &concurrentEnds{limitStore: l, atOnce: 4, arrived: make(chan struct{}), giveUp: giveUp}
		return ce
	})
	const holds = 20
	for i := range holds {
		mustT[boxoffice.Booking](t)(s.a.HoldSeats(s.ctx, fmt.Sprintf("user%d", i), s.show.ID, []string{fmt.Sprintf("%c%d", 'A'+i/10, 1+i%10)}))
	}
	c := mustT[boxoffice.ShowCancellation](t)(s.a.CancelShow(s.ctx, s.show.ID))
	if c.HoldsReleased != holds {
		t.Fatalf("CancelShow released %d holds; want %d", c.HoldsReleased, holds)
	}
	if ce.most < ce.atOnce || ce.most > 8 {
		t.Errorf("at most %d counts ended at once; want %d to 8", ce.most, ce.atOnce)
	}
	for i := range holds { // each user's one slot is free: on another show
		user := fmt.Sprintf("user%d", i)
		s.limits.mu.Lock()
		live := len(s.limits.users[user].live)
		s.limits.mu.Unlock()
		if live != 0 {
			t.Errorf("%s still counts %d live holds after the show's cancellation", user, live)
		}
	}
}

// panickingEnds is a limitStore whose SetLiveHold panics when it ends a
// count.
type panickingEnds struct{ *limitStore }

func (s panickingEnds) SetLiveHold(ctx context.Context, userID string, hold boxoffice.BookingID, until time.Time) error {
	if until.IsZero() {
		panic("the limits' table is gone")
	}
	return s.limitStore.SetLiveHold(ctx, userID, hold, until)
}

// TestCancelShowSurvivesAPanickingEnd: the Store's panic while a cancelled
// show's counts end, on the goroutines that end them, does not take the
// process down; CancelShow answers, and the counts lapse at their
// deadlines.
func TestCancelShowSurvivesAPanickingEnd(t *testing.T) {
	for _, holds := range []int{1, 3} { // one hold took a path without recover
		t.Run(fmt.Sprint(holds, " holds"), func(t *testing.T) {
			s := newSharedLimitsVia(t, limitStorePaths[0].store, -1, 1, func(l *limitStore) boxoffice.Store { return panickingEnds{l} })
			for i := range holds {
				mustT[boxoffice.Booking](t)(s.a.HoldSeats(s.ctx, fmt.Sprintf("user%d", i), s.show.ID, []string{fmt.Sprintf("A%d", 1+i)}))
			}
			defer func() {
				if v := recover(); v != nil {
					t.Fatalf("CancelShow panicked out of the API: %v", v)
				}
			}()
			if c := mustT[boxoffice.ShowCancellation](t)(s.a.CancelShow(s.ctx, s.show.ID)); c.HoldsReleased != holds {
				t.Fatalf("CancelShow released %d holds; want %d", c.HoldsReleased, holds)
			}
		})
	}
}
