package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/internal/testwait"
)

var userLimitTests = []subtest{
	{"LiveHoldCap", testLiveHoldCap},
	{"Rate", testHoldRate},
	{"TokenOnly", testTokenOnly},
	{"SlotOnly", testSlotOnly},
	{"SetLiveHold", testSetLiveHold},
	{"RateRefusalCountsNothing", testRateRefusalCountsNothing},
	{"ConcurrentEnds", testLimitsConcurrentEnds},
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
	return &limiter{UserLimitStore: capability[boxoffice.UserLimitStore](s), t: t, perMin: perMin, maxLive: maxLive}
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

// testSlotOnly checks that an admission without a rate (HoldsPerMinute
// 0), as the BookingSystem makes for a request it admits again after its
// first admission lapsed, is judged by the cap alone: admitted though the
// user's bucket is empty, refused at the cap, and taking no token.
func testSlotOnly(t *testing.T, s boxoffice.Store) {
	l := newLimiter(t, s, 1, 2)
	t0 := at(10, 0)
	l.wantAdmitted("a hold, with the only token", l.admit("ann", 1, t0, t0.Add(10*time.Minute)))
	l.wantRefused("a second, at the rate", l.admit("ann", 2, t0, t0.Add(10*time.Minute)), boxoffice.LimitHoldsPerMinute, time.Minute)
	l.wantAdmitted("the second admitted again, without a rate", l.wantOf("ann", 2, t0.Add(10*time.Second), 2))
	l.wantRefused("a third, without a rate, at the cap", l.wantOf("ann", 3, t0.Add(10*time.Second), 2), boxoffice.LimitLiveHolds, 9*time.Minute+50*time.Second)
	// The bucket is as the first hold left it: its token is back a
	// minute later, not later still.
	l.wantRefused("a token before the minute", l.admit("ann", 4, t0.Add(59*time.Second), time.Time{}), boxoffice.LimitHoldsPerMinute, time.Second)
	l.wantAdmitted("a token a minute on", l.admit("ann", 4, t0.Add(time.Minute), time.Time{}))
}

func testSetLiveHold(t *testing.T, s boxoffice.Store) {
	l := newLimiter(t, s, 0, 1)
	ctx := t.Context()
	t0 := at(10, 0)
	live := func(user string, n int, until time.Time) { must(t, l.SetLiveHold(ctx, user, holdID(n), until)) }
	live("ann", 1, t0.Add(time.Hour)) // never admitted: nothing happens
	l.wantAdmitted("a hold", l.admit("ann", 1, t0, t0.Add(10*time.Minute)))
	live("ann", 1, t0.Add(20*time.Minute)) // extended
	l.wantRefused("a hold after an extension", l.admit("ann", 2, t0.Add(15*time.Minute), t0.Add(25*time.Minute)), boxoffice.LimitLiveHolds, 5*time.Minute)
	live("ann", 1, t0.Add(12*time.Minute)) // an earlier deadline, arriving late: changes nothing
	l.wantRefused("a hold after an earlier deadline came late", l.admit("ann", 2, t0.Add(15*time.Minute), t0.Add(25*time.Minute)), boxoffice.LimitLiveHolds, 5*time.Minute)
	live("ann", 9, time.Time{})       // another hold: nothing happens
	live("bob", 1, time.Time{})       // another user: nothing happens
	live("bob", 1, t0.Add(time.Hour)) // nor here
	l.wantRefused("a hold after ending others", l.admit("ann", 2, t0.Add(15*time.Minute), t0.Add(25*time.Minute)), boxoffice.LimitLiveHolds, 5*time.Minute)
	l.wantAdmitted("bob's hold", l.wantOf("bob", 8, t0, 1))
	live("ann", 1, time.Time{}) // ended
	l.wantAdmitted("a hold once the first ended", l.admit("ann", 2, t0.Add(15*time.Minute), t0.Add(25*time.Minute)))
	// Ended holds, and holds no longer counted, stay so: an extension
	// that comes after a hold's end must not count it again.
	live("ann", 2, time.Time{})
	live("ann", 1, t0.Add(time.Hour))
	l.wantAdmitted("a hold once all had ended", l.admit("ann", 3, t0.Add(15*time.Minute), t0.Add(25*time.Minute)))
	live("ann", 3, time.Time{})
	l.wantAdmitted("a hold after the last's deadline", l.admit("ann", 4, t0.Add(40*time.Minute), t0.Add(50*time.Minute)))
	live("ann", 4, time.Time{})
	live("ann", 3, t0.Add(time.Hour)) // ended: not counted again
	l.wantAdmitted("one more", l.admit("ann", 5, t0.Add(40*time.Minute), t0.Add(50*time.Minute)))
}

// testRateRefusalCountsNothing checks that a request the rate refuses,
// though it asked to count a live hold, counts none: the BookingSystem
// makes no hold and ends none for it.
func testRateRefusalCountsNothing(t *testing.T, s boxoffice.Store) {
	l := newLimiter(t, s, 1, 2)
	t0 := at(10, 0)
	l.wantAdmitted("a hold", l.admit("ann", 1, t0, t0.Add(10*time.Minute)))
	l.wantRefused("a second at once", l.admit("ann", 2, t0, t0.Add(10*time.Minute)), boxoffice.LimitHoldsPerMinute, time.Minute)
	l.wantAdmitted("a second a minute later", l.admit("ann", 3, t0.Add(time.Minute), t0.Add(11*time.Minute)))
}

// testLimitsConcurrentEnds races ends and moves of a user's holds with new
// admissions: none is lost, so the cap still counts exactly.
func testLimitsConcurrentEnds(t *testing.T, s boxoffice.Store) {
	ctx := t.Context()
	l := newLimiter(t, s, 0, 100)
	t0 := at(10, 0)
	admit := func(n int) error { return l.admit("ann", n, t0, t0.Add(time.Hour)) }
	for n := range 40 {
		l.wantAdmitted(fmt.Sprintf("hold %d", n), admit(n))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for n := range 20 {
		wg.Go(func() { errs <- l.SetLiveHold(ctx, "ann", holdID(n), time.Time{}) })
		wg.Go(func() { errs <- l.SetLiveHold(ctx, "ann", holdID(20+n), t0.Add(2*time.Hour)) })
		wg.Go(func() { errs <- admit(100 + n) })
	}
	testwait.WaitGroup(t, &wg, "the racing SetLiveHold and AdmitHold calls")
	close(errs)
	for err := range errs {
		must(t, err)
	}
	// 40 live now (20 moved, 20 new): 60 more fit under the cap.
	for n := range 60 {
		l.wantAdmitted(fmt.Sprintf("admission %d of 60 under the cap", n+1), admit(200+n))
	}
	l.wantRefused("an admission over the cap", admit(300), boxoffice.LimitLiveHolds, time.Hour)
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
			testwait.WaitGroup(t, &wg, "the concurrent AdmitHold calls")
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
