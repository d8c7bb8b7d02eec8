package boxoffice_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// TestExtendHoldRepeatWindow: the edges of the window within which an
// ExtendHold is a repeat (a retry, a double click) and returns the hold
// unchanged, without using up an extension or emitting HoldExtended: it
// would move the deadline by less than a minute, or a quarter of HoldTTL
// when that is less. From the window's edge on it is an extension, which
// counts against the cap. Either way the hold lapses, and the sweeper
// expires it, at the deadline the answer gave.
func TestExtendHoldRepeatWindow(t *testing.T) {
	const us = time.Microsecond
	show := time.Date(2026, 3, 3, 19, 0, 0, 0, time.UTC) // the fixture's show's start
	tests := []struct {
		name   string
		ttl    time.Duration // Config.HoldTTL; 0: the default, 10 minutes
		max    int           // Config.MaxHoldExtensions; 0: the default, 2
		none   bool          // Config.NoHoldExtensions
		holdAt time.Time     // when the hold is made; zero: the fixture's start, 09:00
		first  time.Duration // after the hold, an extension that is granted; 0: none
		gap    time.Duration // then, how long until the extension asked

		extended bool // else returned unchanged
		capped   bool // refused at the cap
	}{
		{name: "at once after the hold", gap: 0},
		{name: "a second after the hold", gap: time.Second},
		{name: "just inside the minute", gap: time.Minute - us},
		{name: "a minute after the hold", gap: time.Minute, extended: true},
		{name: "retry of an extension at once", first: 5 * time.Minute, gap: 0},
		{name: "retry of an extension 59s on", first: 5 * time.Minute, gap: 59 * time.Second},
		{name: "retry of an extension just inside the minute", first: 5 * time.Minute, gap: time.Minute - us},
		{name: "a later extension", first: 5 * time.Minute, gap: time.Minute, extended: true},

		// A quarter of a short TTL, not a minute, which would leave no
		// extension of a 2-minute hold possible.
		{name: "2-minute TTL, just inside a quarter", ttl: 2 * time.Minute, gap: 30*time.Second - us},
		{name: "2-minute TTL, a quarter", ttl: 2 * time.Minute, gap: 30 * time.Second, extended: true},
		{name: "4-minute TTL, a quarter is a minute", ttl: 4 * time.Minute, gap: time.Minute - us},
		{name: "1-second TTL, a quarter", ttl: time.Second, gap: 250 * time.Millisecond, extended: true},
		{name: "1-second TTL, inside a quarter", ttl: time.Second, gap: 250*time.Millisecond - us},
		{name: "30-minute TTL, still a minute", ttl: 30 * time.Minute, gap: time.Minute, extended: true},

		// At the cap, a repeat is answered with the hold, not refused.
		{name: "retry of the last extension", max: 1, first: 5 * time.Minute, gap: time.Second},
		{name: "past the cap", max: 1, first: 5 * time.Minute, gap: time.Minute, capped: true},
		{name: "no extensions, at once", none: true, gap: 0},
		{name: "no extensions, a minute on", none: true, gap: time.Minute, capped: true},

		// Near the show's start the deadline is cut at the start: what
		// counts is how far it would really move.
		{name: "held until the start", holdAt: show.Add(-5 * time.Minute), gap: time.Minute},
		{name: "the start leaves less than a minute", holdAt: show.Add(-10*time.Minute - 30*time.Second), gap: 5 * time.Minute},
		{name: "the start leaves a minute", holdAt: show.Add(-11 * time.Minute), gap: 5 * time.Minute, extended: true},
		{name: "just inside, short of the start", holdAt: show.Add(-11 * time.Minute), gap: time.Minute - us},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			f := newFixture(t, func(c *boxoffice.Config) {
				c.HoldTTL, c.MaxHoldExtensions, c.NoHoldExtensions = tt.ttl, tt.max, tt.none
				c.Observers = []boxoffice.Observer{rec}
			})
			ttl := cmp.Or(tt.ttl, 10*time.Minute)
			if !tt.holdAt.IsZero() {
				f.clock.Set(tt.holdAt)
			}
			b := f.hold("ann", "A1")
			events := 1 // SeatsHeld
			if tt.first > 0 {
				f.clock.Advance(tt.first)
				if b = mustT[boxoffice.Booking](t)(f.sys.ExtendHold(f.ctx, b.ID)); b.Extensions != 1 {
					t.Fatalf("the first extension: %d extensions; want 1", b.Extensions)
				}
				events++
			}
			f.clock.Advance(tt.gap)
			got, err := f.sys.ExtendHold(f.ctx, b.ID)

			want := b
			switch {
			case tt.capped:
				var rl *boxoffice.RateLimitError
				if !errors.As(err, &rl) || rl.Limit != boxoffice.LimitHoldExtensions {
					t.Fatalf("ExtendHold %s on: %v; want a *RateLimitError of LimitHoldExtensions", tt.gap, err)
				}
				got = f.booking(b.ID)
			case err != nil:
				t.Fatalf("ExtendHold %s on: %v", tt.gap, err)
			case tt.extended:
				want.Extensions++
				want.HeldUntil = f.clock.Now().Add(ttl)
				if want.HeldUntil.After(f.show.Start) {
					want.HeldUntil = f.show.Start
				}
				events++
			}
			if got.Status != boxoffice.StatusHeld || got.Extensions != want.Extensions || !got.HeldUntil.Equal(want.HeldUntil) {
				t.Fatalf("ExtendHold %s on (held until %s, %d extensions): %s until %s, %d extensions; want until %s, %d extensions",
					tt.gap, b.HeldUntil, b.Extensions, got.Status, got.HeldUntil, got.Extensions, want.HeldUntil, want.Extensions)
			}
			if stored := f.booking(b.ID); stored.Extensions != got.Extensions || !stored.HeldUntil.Equal(got.HeldUntil) {
				t.Errorf("the answer says until %s, %d extensions; the booking reads until %s, %d", got.HeldUntil, got.Extensions, stored.HeldUntil, stored.Extensions)
			}

			// The hold lapses at the deadline answered, and the sweeper
			// expires it then, not before.
			f.clock.Set(got.HeldUntil.Add(-us))
			if n := mustT[int](t)(f.sys.Sweep(f.ctx)); n != 0 {
				t.Errorf("a sweep a microsecond before %s expired %d holds; want none", got.HeldUntil, n)
			}
			f.clock.Set(got.HeldUntil)
			if n := mustT[int](t)(f.sys.Sweep(f.ctx)); n != 1 {
				t.Errorf("a sweep at %s expired %d holds; want the one", got.HeldUntil, n)
			}
			// Events arrive in order: an extra HoldExtended would take
			// the place of the HoldExpired.
			seen := rec.waitFor(t, events+1)
			var kinds []string
			for _, e := range seen {
				kinds = append(kinds, fmt.Sprintf("%T", e))
			}
			if len(seen) != events+1 {
				t.Fatalf("events %v; want %d", kinds, events+1)
			}
			if _, ok := seen[events].(*boxoffice.HoldExpired); !ok {
				t.Errorf("events %v; want %d then HoldExpired", kinds, events)
			}
		})
	}
}

// TestExtendHoldRepeatKeepsLiveHoldCounted: a repeated extension leaves
// the hold counted against MaxLiveHoldsPerUser until the deadline it
// has: until then the user is at the cap, and from then on is not.
func TestExtendHoldRepeatKeepsLiveHoldCounted(t *testing.T) {
	f := newFixture(t, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = 1 })
	b := f.hold("ann", "A1")
	f.clock.Advance(5 * time.Minute)
	b = mustT[boxoffice.Booking](t)(f.sys.ExtendHold(f.ctx, b.ID))
	f.clock.Advance(time.Second)
	if again := mustT[boxoffice.Booking](t)(f.sys.ExtendHold(f.ctx, b.ID)); !again.HeldUntil.Equal(b.HeldUntil) || again.Extensions != 1 {
		t.Fatalf("the extension again: until %s, %d extensions; want %s, 1", again.HeldUntil, again.Extensions, b.HeldUntil)
	}
	f.clock.Set(b.HeldUntil.Add(-time.Microsecond))
	_, err := f.sys.HoldSeats(f.ctx, "ann", f.show.ID, []string{"B1"})
	wantLimit(t, "a second hold just before the extended deadline", err, boxoffice.LimitLiveHolds)
	f.clock.Set(b.HeldUntil)
	mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "ann", f.show.ID, []string{"B1"}))
}

// lostCommitLimits is a limitStore whose next UpdateShow, once armed,
// commits and then reports ErrCommitUnknown, as pgstore does when the
// connection drops once the commit is sent.
type lostCommitLimits struct {
	*limitStore
	armed atomic.Bool
}

func (s *lostCommitLimits) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	err := s.limitStore.UpdateShow(ctx, showID, fn)
	if err == nil && s.armed.CompareAndSwap(true, false) {
		return fmt.Errorf("lostCommitLimits: connection lost during the commit: %w", boxoffice.ErrCommitUnknown)
	}
	return err
}

// TestExtendHoldRetryAfterLostCommit: an extension whose commit went
// through but was reported lost (ErrCommitUnknown) told the shared
// per-user limits nothing, so they count the hold only until a second
// past its old deadline. The retry, a repeat that extends nothing, tells
// them the deadline the hold has, as the extension would have: the user
// stays at MaxLiveHoldsPerUser while the hold lives, in either process.
func TestExtendHoldRetryAfterLostCommit(t *testing.T) {
	var lc *lostCommitLimits
	s := newSharedLimitsVia(t, limitStorePaths[0].store, -1, 1, func(l *limitStore) boxoffice.Store {
		lc = &lostCommitLimits{limitStore: l}
		return lc
	})
	h := mustT[boxoffice.Booking](t)(s.a.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A1"}))
	s.clock.Advance(5 * time.Minute)
	lc.armed.Store(true)
	if _, err := s.a.ExtendHold(s.ctx, h.ID); !errors.Is(err, boxoffice.ErrCommitUnknown) {
		t.Fatalf("ExtendHold with its commit lost: %v; want ErrCommitUnknown", err)
	}
	s.clock.Advance(time.Second)
	again := mustT[boxoffice.Booking](t)(s.a.ExtendHold(s.ctx, h.ID))
	if want := start.Add(5 * time.Minute).Add(10 * time.Minute); !again.HeldUntil.Equal(want) || again.Extensions != 1 {
		t.Fatalf("the retry: until %s, %d extensions; want %s, 1 (the lost commit's)", again.HeldUntil, again.Extensions, want)
	}
	s.clock.Set(h.HeldUntil.Add(2 * time.Second)) // past the old deadline and its margin
	_, err := s.b.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A2"})
	wantLimit(t, "a second hold after the old deadline, the hold extended", err, boxoffice.LimitLiveHolds)
}

// TestExtendHoldRepeatInAnotherProcess: two processes share a Store but
// count the per-user limits each for itself. The hold is made in b,
// extended in a, and the extension sent again reaches b, where it is a
// repeat: b's count learns the deadline the hold has, as it would have
// from the extension, and keeps the user at b's cap past the old one.
func TestExtendHoldRepeatInAnotherProcess(t *testing.T) {
	f := newFixture(t, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = 1 })
	b := f.newSystem(boxoffice.Config{Store: f.store, Clock: f.clock, Gateway: f.gateway, HoldsPerMinute: -1,
		MaxLiveHoldsPerUser: 1, PaymentBackoff: -1, SweepInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	h := mustT[boxoffice.Booking](t)(b.HoldSeats(f.ctx, "ann", f.show.ID, []string{"A1"}))
	f.clock.Advance(5 * time.Minute)
	ext := mustT[boxoffice.Booking](t)(f.sys.ExtendHold(f.ctx, h.ID))
	f.clock.Advance(time.Second)
	if again := mustT[boxoffice.Booking](t)(b.ExtendHold(f.ctx, h.ID)); !again.HeldUntil.Equal(ext.HeldUntil) || again.Extensions != 1 {
		t.Fatalf("the extension again, in b: until %s, %d extensions; want %s, 1", again.HeldUntil, again.Extensions, ext.HeldUntil)
	}
	f.clock.Set(h.HeldUntil)
	_, err := b.HoldSeats(f.ctx, "ann", f.show.ID, []string{"B1"})
	wantLimit(t, "a second hold in b at the old deadline, the hold extended", err, boxoffice.LimitLiveHolds)
}

// TestExtendHoldRepeatOnAClockBehind: an extension sent again to a
// process whose clock is 30 s behind the one that extended would move
// the deadline back. It is a repeat too: the hold keeps the deadline it
// was given, and its one extension is not spent again.
func TestExtendHoldRepeatOnAClockBehind(t *testing.T) {
	f := newFixture(t, func(c *boxoffice.Config) { c.MaxHoldExtensions = 1 })
	behind := fakeclock.New(start.Add(-30 * time.Second))
	b := f.newSystem(boxoffice.Config{Store: f.store, Clock: behind, Gateway: f.gateway, HoldsPerMinute: -1,
		MaxHoldExtensions: 1, PaymentBackoff: -1, SweepInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	h := f.hold("ann", "A1")
	f.clock.Advance(5 * time.Minute)
	behind.Advance(5*time.Minute + time.Second)
	ext := mustT[boxoffice.Booking](t)(f.sys.ExtendHold(f.ctx, h.ID))
	again, err := b.ExtendHold(f.ctx, h.ID)
	if err != nil || again.Extensions != 1 || !again.HeldUntil.Equal(ext.HeldUntil) {
		t.Fatalf("the extension again, 29 s behind: %d extensions until %s, %v; want the first's: 1 until %s", again.Extensions, again.HeldUntil, err, ext.HeldUntil)
	}
	if stored := f.booking(h.ID); stored.Extensions != 1 || !stored.HeldUntil.Equal(ext.HeldUntil) {
		t.Errorf("the booking: %d extensions until %s; want 1 until %s", stored.Extensions, stored.HeldUntil, ext.HeldUntil)
	}
}

// TestExtendHoldRepeatQueuesNothing: a repeated extension does not queue
// the hold's deadline for the sweeper again. The queue keeps every push,
// so a client sending the call again and again would grow it without
// bound.
func TestExtendHoldRepeatQueuesNothing(t *testing.T) {
	f := newFixture(t)
	b := f.hold("ann", "A1")
	f.clock.Advance(5 * time.Minute)
	b = mustT[boxoffice.Booking](t)(f.sys.ExtendHold(f.ctx, b.ID))
	queued := boxoffice.QueuedHoldsForTest(f.sys)
	for range 100 {
		mustT[boxoffice.Booking](t)(f.sys.ExtendHold(f.ctx, b.ID))
	}
	if n := boxoffice.QueuedHoldsForTest(f.sys); n != queued {
		t.Fatalf("the sweeper's queue after 100 repeats: %d deadlines; want %d, as after the extension", n, queued)
	}
}

// TestExtendHoldRepeatStaleSharedDeadline: a repeat tells a
// UserLimitStore the deadline it read, after its commit, as an extension
// tells the one it set. Here that call reaches the Store late, after an
// extension made a second later in another process told it the new
// deadline, a minute further on. The hold must still count against
// MaxLiveHoldsPerUser until that new deadline: the repeat's stale
// deadline must not cut its count short.
func TestExtendHoldRepeatStaleSharedDeadline(t *testing.T) {
	s, hl := newHookedLimits(t)
	h := mustT[boxoffice.Booking](t)(s.a.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A1"}))
	s.clock.Advance(5 * time.Minute)
	mustT[boxoffice.Booking](t)(s.a.ExtendHold(s.ctx, h.ID))
	s.clock.Advance(59 * time.Second)
	var ext boxoffice.Booking
	hl.beforeSet = func() { // the repeat's call to the Store, held up
		s.clock.Advance(time.Second)
		ext = mustT[boxoffice.Booking](t)(s.b.ExtendHold(s.ctx, h.ID))
	}
	again := mustT[boxoffice.Booking](t)(s.a.ExtendHold(s.ctx, h.ID))
	if again.Extensions != 1 || ext.Extensions != 2 {
		t.Fatalf("the repeat: %d extensions, the extension after it: %d; want 1, 2", again.Extensions, ext.Extensions)
	}
	s.clock.Set(again.HeldUntil.Add(2 * time.Second)) // past the deadline the repeat read, and the margin
	_, err := s.b.HoldSeats(s.ctx, "alice", s.show.ID, []string{"A2"})
	wantLimit(t, fmt.Sprintf("a second hold at %s, the first held until %s", s.clock.Now().Format("15:04:05"), ext.HeldUntil.Format("15:04:05")), err, boxoffice.LimitLiveHolds)
}
