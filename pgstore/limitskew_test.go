package pgstore_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// TestLiveHoldCapUnderClockSkew runs two BookingSystems on one schema
// whose clocks are 5 s apart, with a cap of one live hold and holds of a
// minute, with and without Options.MaxClockSkew. A hold counts, for a
// request, until a second past its deadline on the clock of the instance
// the request reaches:
//
//   - the instance ahead takes a hold of the one behind for ended 5 s - 1 s
//     early, while it is live there (and could be paid for), and admits
//     another: the user holds two. With MaxClockSkew 5 s it refuses, until
//     the hold has ended on the clock behind.
//   - the instance behind counts a hold of the one ahead 5 s + 1 s past its
//     deadline (plus MaxClockSkew), then lets the user hold again: the
//     limit lifts, late by that bound.
func TestLiveHoldCapUnderClockSkew(t *testing.T) {
	const skew, ttl = 5 * time.Second, time.Minute
	for _, allowance := range []time.Duration{0, skew} {
		t.Run(fmt.Sprintf("MaxClockSkew=%v/ahead", allowance), func(t *testing.T) {
			t.Parallel()
			behind, ahead, show := skewedPair(t, skew, allowance)
			ctx := t.Context()
			h1, err := behind.sys.HoldSeats(ctx, "ann", show, []string{"A1"})
			must(t, err)
			for _, in := range []*instance{behind, ahead} {
				in.clock.Advance(ttl - 3*time.Second)
			}
			// Behind: 3 s left of h1; ahead: 2 s past it, 1 s past its count.
			if b, err := behind.sys.Booking(ctx, h1.ID); err != nil || b.Status != boxoffice.StatusHeld || !behind.clock.Now().Before(b.HeldUntil) {
				t.Fatalf("the first hold, on the clock behind: %v, %v; want held, live", b.Status, err)
			}
			_, err = ahead.sys.HoldSeats(ctx, "ann", show, []string{"A2"})
			var rl *boxoffice.RateLimitError
			switch {
			case allowance == 0 && err != nil:
				t.Fatalf("a second hold through the clock ahead, the first live behind: %v; want it admitted (the error documented)", err)
			case allowance > 0 && (!errors.As(err, &rl) || rl.Limit != boxoffice.LimitLiveHolds):
				t.Fatalf("a second hold through the clock ahead, the first live behind: %v; want the live-hold cap's refusal", err)
			case allowance > 0 && rl.RetryAfter != skew-time.Second:
				// Counted until the first's deadline + 1 s + 5 s on
				// the clock ahead: 4 s from now.
				t.Errorf("RetryAfter %v; want %v", rl.RetryAfter, skew-time.Second)
			}
		})
		t.Run(fmt.Sprintf("MaxClockSkew=%v/behind", allowance), func(t *testing.T) {
			t.Parallel()
			behind, ahead, show := skewedPair(t, skew, allowance)
			ctx := t.Context()
			_, err := ahead.sys.HoldSeats(ctx, "ben", show, []string{"A1"})
			must(t, err)
			// The hold ends at base+65 s ahead, base+60 s behind; it
			// counts behind until base+66 s + allowance.
			// Only the clock behind moves: the sweeper ahead, whose
			// ForgetIdleUsers would delete the count at its own clock's
			// bound, sooner, stays still.
			lifts := ttl + skew + time.Second + allowance
			behind.clock.Advance(lifts - time.Second)
			_, err = behind.sys.HoldSeats(ctx, "ben", show, []string{"A2"})
			if rl := (*boxoffice.RateLimitError)(nil); !errors.As(err, &rl) || rl.Limit != boxoffice.LimitLiveHolds || rl.RetryAfter != time.Second {
				t.Fatalf("a hold behind, a second before the bound: %v; want the live-hold cap's refusal, RetryAfter 1s", err)
			}
			behind.clock.Advance(time.Second)
			if _, err := behind.sys.HoldSeats(ctx, "ben", show, []string{"A2"}); err != nil {
				t.Fatalf("a hold behind at the bound, %v after the other's deadline: %v; want it admitted", skew+time.Second+allowance, err)
			}
		})
	}
}

// skewedPair starts two BookingSystems on a new schema with a show, the
// second's clock skew ahead of the first's, their Stores with
// MaxClockSkew allowance, a cap of one live hold and no rate limit.
func skewedPair(t *testing.T, skew, allowance time.Duration) (behind, ahead *instance, show string) {
	t.Helper()
	_, schema, sh := schemaWithShow(t)
	base := sh.Start.Add(-3 * time.Hour)
	opts := pgstore.Options{Schema: schema, MaxClockSkew: allowance}
	tune := func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser, c.HoldsPerMinute, c.HoldTTL = 1, -1, time.Minute }
	return newInstanceWith(t, opts, base, 0, nil, tune), newInstanceWith(t, opts, base, skew, nil, tune), sh.ID
}

// TestForgetIdleUsersKeepsSkewedCounts: with Options.MaxClockSkew, the
// ForgetIdleUsers of an instance whose clock runs ahead does not delete
// the count of a hold that an instance behind still counts: deleted, the
// user's row would let a second hold past the cap, as an early prune
// would.
func TestForgetIdleUsersKeepsSkewedCounts(t *testing.T) {
	pool, schema, _ := schemaWithShow(t)
	const allowance = 5 * time.Second
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema, MaxClockSkew: allowance})
	must(t, err)
	ctx := t.Context()
	at := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	admit := func(now time.Time) error {
		return s.AdmitHold(ctx, boxoffice.HoldAdmission{UserID: "cat", Hold: boxoffice.NewBookingID(), Now: now,
			MaxLiveHolds: 1, LiveUntil: now.Add(time.Minute)})
	}
	must(t, admit(at))
	// Ahead: the hold's count ran out 4 s ago on its clock, less than
	// the allowance.
	must(t, s.ForgetIdleUsers(ctx, at.Add(time.Minute+4*time.Second)))
	var rl *boxoffice.RateLimitError
	if err := admit(at.Add(time.Minute - time.Second)); !errors.As(err, &rl) || rl.Limit != boxoffice.LimitLiveHolds {
		t.Fatalf("a second hold after a ForgetIdleUsers ahead, the first live behind: %v; want the live-hold cap's refusal", err)
	}
	// Past the allowance, the row goes.
	must(t, s.ForgetIdleUsers(ctx, at.Add(time.Minute+allowance)))
	if err := admit(at.Add(time.Minute - time.Second)); err != nil {
		t.Fatalf("a hold after the row was forgotten: %v; want it admitted", err)
	}
}

// TestNegativeMaxClockSkewIsZero: a negative Options.MaxClockSkew counts
// a hold until its LiveUntil, as 0 does (the documented default), not
// that much less, which would let a user past the cap while the hold is
// live.
func TestNegativeMaxClockSkewIsZero(t *testing.T) {
	pool, schema, _ := schemaWithShow(t)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema, MaxClockSkew: -time.Minute})
	must(t, err)
	ctx := t.Context()
	at := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	admit := func(now time.Time) error {
		return s.AdmitHold(ctx, boxoffice.HoldAdmission{UserID: "dan", Hold: boxoffice.NewBookingID(), Now: now,
			MaxLiveHolds: 1, LiveUntil: now.Add(time.Minute)})
	}
	must(t, admit(at))
	var rl *boxoffice.RateLimitError
	if err := admit(at.Add(time.Second)); !errors.As(err, &rl) || rl.Limit != boxoffice.LimitLiveHolds || rl.RetryAfter != time.Minute-time.Second {
		t.Fatalf("a second hold while the first is live: %v; want the live-hold cap's refusal, RetryAfter 59s", err)
	}
}
