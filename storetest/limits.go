package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

var userLimitTests = []subtest{
	{"LiveHoldCap", testLiveHoldCap},
	{"Rate", testHoldRate},
	{"TokenOnly", testTokenOnly},
	{"SetLiveHold", testSetLiveHold},
	{"UsersApart", testUsersApart},
	{"ForgetIdleUsersKeepsBusyOnes", testForgetIdleUsers},
	{"Concurrent", testLimitsConcurrent},
}

// limiter is the Store under test as a UserLimitStore, with an admission
// helper: hold n of user at now, live until until (zero: a token only).
type limiter struct {
	boxoffice.UserLimitStore
	t       *testing.T
	perMin  int
	maxLive int
}

func newLimiter(t *testing.T, s boxoffice.Store, perMin, maxLive int) *limiter {
	return &limiter{UserLimitStore: s.(boxoffice.UserLimitStore), t: t, perMin: perMin, maxLive: maxLive}
}

// holdID is the booking ID of the n-th hold of a test.
func holdID(n int) boxoffice.BookingID {
	return boxoffice.BookingID{15: byte(n), 14: byte(n >> 8), 6: 0x40, 8: 0x80}
}

func (l *limiter) admit(user string, n int, now, until time.Time) error {
	l.t.Helper()
	return l.AdmitHold(l.t.Context(), boxoffice.HoldAdmission{UserID: user, Hold: holdID(n), Now: now,
		HoldsPerMinute: l.perMin, MaxLiveHolds: l.maxLive, LiveUntil: until})
}

// wantOf admits hold n of user at now, live for 10 minutes, under a cap
// of maxLive and no rate.
func (l *limiter) wantOf(user string, n int, now time.Time, maxLive int) error {
	l.t.Helper()
	return l.AdmitHold(l.t.Context(), boxoffice.HoldAdmission{UserID: user, Hold: holdID(n), Now: now,
		MaxLiveHolds: maxLive, LiveUntil: now.Add(10 * time.Minute)})
}

// wantAdmitted fails the test unless the admission was granted.
func (l *limiter) wantAdmitted(what string, err error) {
	l.t.Helper()
	if err != nil {
		l.t.Fatalf("%s: %v; want it admitted", what, err)
	}
}

// wantRefused fails the test unless err refuses by limit with retry after.
func (l *limiter) wantRefused(what string, err error, limit boxoffice.UserLimit, retry time.Duration) {
	l.t.Helper()
	var rl *boxoffice.RateLimitError
	if !errors.As(err, &rl) {
		l.t.Fatalf("%s: %v; want a *RateLimitError (%s)", what, err, limit)
	}
	if rl.Limit != limit || rl.RetryAfter != retry || !errors.Is(err, boxoffice.ErrRateLimited) {
		l.t.Fatalf("%s: %s, retry after %s (matches ErrRateLimited: %t); want %s, retry after %s",
			what, rl.Limit, rl.RetryAfter, errors.Is(err, boxoffice.ErrRateLimited), limit, retry)
	}
}

func testLiveHoldCap(t *testing.T, s boxoffice.Store) {
	l := newLimiter(t, s, 0, 2)
	t0 := at(10, 0)
	l.wantAdmitted("first hold", l.admit("ann", 1, t0, t0.Add(10*time.Minute)))
	l.wantAdmitted("second hold", l.admit("ann", 2, t0.Add(time.Minute), t0.Add(11*time.Minute)))
	l.wantRefused("third hold", l.admit("ann", 3, t0.Add(2*time.Minute), t0.Add(12*time.Minute)), boxoffice.LimitLiveHolds, 8*time.Minute)
	l.wantRefused("third hold, a second before the first ends", l.admit("ann", 3, t0.Add(10*time.Minute-time.Second), t0.Add(20*time.Minute)),
		boxoffice.LimitLiveHolds, time.Second)
	l.wantAdmitted("third hold, as the first ends", l.admit("ann", 3, t0.Add(10*time.Minute), t0.Add(20*time.Minute)))
	l.wantRefused("fourth hold", l.admit("ann", 4, t0.Add(10*time.Minute), t0.Add(20*time.Minute)), boxoffice.LimitLiveHolds, time.Minute)
}

func testHoldRate(t *testing.T, s boxoffice.Store) {
	l := newLimiter(t, s, 3, 0) // a token every 20 s, up to 3
	t0 := at(10, 0)
	for n := range 3 {
		l.wantAdmitted(fmt.Sprintf("request %d of the burst", n+1), l.admit("ann", n, t0, time.Time{}))
	}
	l.wantRefused("a fourth request at once", l.admit("ann", 3, t0, time.Time{}), boxoffice.LimitHoldsPerMinute, 20*time.Second)
	l.wantRefused("a fourth request 5 s later", l.admit("ann", 3, t0.Add(5*time.Second), time.Time{}), boxoffice.LimitHoldsPerMinute, 15*time.Second)
	l.wantAdmitted("a fourth request 20 s later", l.admit("ann", 3, t0.Add(20*time.Second), time.Time{}))
	l.wantRefused("a fifth request then", l.admit("ann", 4, t0.Add(20*time.Second), time.Time{}), boxoffice.LimitHoldsPerMinute, 20*time.Second)
	// A minute of nothing fills the bucket, no more.
	t1 := t0.Add(5 * time.Minute)
	for n := range 3 {
		l.wantAdmitted(fmt.Sprintf("request %d of a burst after a pause", n+1), l.admit("ann", 10+n, t1, time.Time{}))
	}
	l.wantRefused("a fourth request after a pause", l.admit("ann", 13, t1, time.Time{}), boxoffice.LimitHoldsPerMinute, 20*time.Second)

	// 7 a minute: an interval of 8.571428571 s, which a Store may keep to
	// the microsecond. A request made when RetryAfter says is admitted.
	l = newLimiter(t, s, 7, 0)
	for n := range 7 {
		l.wantAdmitted(fmt.Sprintf("request %d of a burst of 7", n+1), l.admit("bob", n, t0, time.Time{}))
	}
	var rl *boxoffice.RateLimitError
	if err := l.admit("bob", 7, t0, time.Time{}); !errors.As(err, &rl) || rl.Limit != boxoffice.LimitHoldsPerMinute ||
		rl.RetryAfter <= 8571*time.Millisecond || rl.RetryAfter > 8572*time.Millisecond {
		t.Fatalf("an eighth request at 7 a minute: %v; want a RateLimitError of %q, retry after about 8.571 s", err, boxoffice.LimitHoldsPerMinute)
	}
	l.wantAdmitted("a request RetryAfter later", l.admit("bob", 7, t0.Add(rl.RetryAfter), time.Time{}))
}

func testTokenOnly(t *testing.T, s boxoffice.Store) {
	l := newLimiter(t, s, 3, 1)
	t0 := at(10, 0)
	l.wantAdmitted("a live hold", l.admit("ann", 1, t0, t0.Add(10*time.Minute)))
	// A request that only takes a token is not refused by the cap, and
	// counts no live hold. Such requests (retries of a live hold) all
	// name that hold.
	l.wantAdmitted("a token at the cap", l.admit("ann", 1, t0, time.Time{}))
	l.wantRefused("a live hold at the cap", l.admit("ann", 3, t0, t0.Add(10*time.Minute)), boxoffice.LimitLiveHolds, 10*time.Minute)
	// The refusal by the cap took no token: one is left.
	l.wantAdmitted("the last token", l.admit("ann", 1, t0, time.Time{}))
	l.wantRefused("a token too many", l.admit("ann", 1, t0, time.Time{}), boxoffice.LimitHoldsPerMinute, 20*time.Second)
	l.wantRefused("a token too many, again", l.admit("ann", 1, t0.Add(10*time.Second), time.Time{}), boxoffice.LimitHoldsPerMinute, 10*time.Second)
}

func testSetLiveHold(t *testing.T, s boxoffice.Store) {
	l := newLimiter(t, s, 0, 2)
	ctx := t.Context()
	t0 := at(10, 0)
	live := func(n int, until time.Time) { must(t, l.SetLiveHold(ctx, "ann", holdID(n), until)) }
	l.wantAdmitted("a hold", l.admit("ann", 1, t0, t0.Add(10*time.Minute)))
	live(1, t0.Add(20*time.Minute)) // extended
	// A hold not counted, of a user known or not, is counted from then
	// on: an extension that comes after a request dropped the hold.
	live(2, t0.Add(30*time.Minute))
	must(t, l.SetLiveHold(ctx, "bob", holdID(7), t0.Add(time.Hour)))
	l.wantRefused("a third hold", l.admit("ann", 3, t0.Add(15*time.Minute), t0.Add(25*time.Minute)), boxoffice.LimitLiveHolds, 5*time.Minute)
	l.wantRefused("bob's second hold", l.wantOf("bob", 8, t0, 1), boxoffice.LimitLiveHolds, time.Hour)
	// Counted past the cap: the hold exists.
	live(3, t0.Add(40*time.Minute))
	must(t, l.SetLiveHold(ctx, "ann", holdID(9), time.Time{})) // not counted: nothing happens
	live(1, time.Time{})
	live(2, time.Time{})
	l.wantRefused("a hold with one live at a cap of one", l.wantOf("ann", 4, t0.Add(15*time.Minute), 1), boxoffice.LimitLiveHolds, 25*time.Minute)
	l.wantAdmitted("a hold with one live at a cap of two", l.admit("ann", 4, t0.Add(15*time.Minute), t0.Add(25*time.Minute)))
	// An ended hold stays ended until it is counted again.
	live(3, time.Time{})
	live(4, time.Time{})
	l.wantAdmitted("a hold once all had ended", l.admit("ann", 5, t0.Add(15*time.Minute), t0.Add(25*time.Minute)))
	l.wantAdmitted("and another", l.admit("ann", 6, t0.Add(15*time.Minute), t0.Add(25*time.Minute)))
}

func testUsersApart(t *testing.T, s boxoffice.Store) {
	l := newLimiter(t, s, 1, 1)
	t0 := at(10, 0)
	l.wantAdmitted("ann's hold", l.admit("ann", 1, t0, t0.Add(10*time.Minute)))
	l.wantAdmitted("bob's hold", l.admit("bob", 2, t0, t0.Add(10*time.Minute)))
	l.wantRefused("ann's second hold", l.admit("ann", 3, t0, t0.Add(10*time.Minute)), boxoffice.LimitLiveHolds, 10*time.Minute)
	l.wantAdmitted("a hold of a user whose ID extends ann's", l.admit("ann ", 4, t0, t0.Add(10*time.Minute)))
}

func testForgetIdleUsers(t *testing.T, s boxoffice.Store) {
	ctx := t.Context()
	l := newLimiter(t, s, 1, 1) // a token a minute
	t0 := at(10, 0)
	l.wantAdmitted("ann's hold", l.admit("ann", 1, t0, t0.Add(10*time.Minute)))
	l.wantAdmitted("bob's token", l.admit("bob", 2, t0, time.Time{}))
	l.wantAdmitted("cid's token", l.admit("cid", 3, t0, time.Time{}))
	must(t, l.ForgetIdleUsers(ctx, t0.Add(30*time.Second)))
	// Ann has a live hold, Bob no token yet: neither may start afresh.
	l.wantRefused("ann's second hold", l.admit("ann", 4, t0.Add(2*time.Minute), t0.Add(12*time.Minute)), boxoffice.LimitLiveHolds, 8*time.Minute)
	l.wantRefused("bob's second token", l.admit("bob", 5, t0.Add(30*time.Second), time.Time{}), boxoffice.LimitHoldsPerMinute, 30*time.Second)
	// Cid is idle by a minute later, and starts afresh, as he would have.
	must(t, l.ForgetIdleUsers(ctx, t0.Add(time.Minute)))
	l.wantAdmitted("cid's second token", l.admit("cid", 6, t0.Add(time.Minute), time.Time{}))
}

// testLimitsConcurrent sends many requests of one user at once: exactly as
// many as the limit lets through get through.
func testLimitsConcurrent(t *testing.T, s boxoffice.Store) {
	const requests = 24
	for _, tc := range []struct {
		name            string
		perMin, maxLive int
		want            int
	}{
		{"cap", 0, 5, 5},
		{"rate", 7, 0, 7},
		{"both", 9, 4, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLimiter(t, s, tc.perMin, tc.maxLive)
			t0 := at(10, 0)
			var wg sync.WaitGroup
			errs := make([]error, requests)
			for n := range requests {
				wg.Go(func() {
					errs[n] = l.AdmitHold(t.Context(), boxoffice.HoldAdmission{UserID: "user-" + tc.name, Hold: holdID(n), Now: t0,
						HoldsPerMinute: tc.perMin, MaxLiveHolds: tc.maxLive, LiveUntil: t0.Add(10 * time.Minute)})
				})
			}
			wg.Wait()
			admitted := 0
			for n, err := range errs {
				switch {
				case err == nil:
					admitted++
				case !errors.Is(err, boxoffice.ErrRateLimited):
					t.Errorf("request %d: %v", n, err)
				}
			}
			if admitted != tc.want {
				t.Errorf("%d of %d concurrent requests admitted; want %d", admitted, requests, tc.want)
			}
		})
	}
}
