package boxoffice

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/time/rate"
	"pgregory.net/rapid"
)

// TestTakeTokenAsReservation: takeToken (AllowN, and a Reservation only
// on a refusal) decides as the Reservation it replaced did for every
// request (ReserveN, then DelayFrom, and CancelAt on a refusal): on
// random rates, bursts and request times, clocks going back included,
// the same requests pass, refusals say the same RetryAfter, and the two
// buckets hold the same tokens after each request.
func TestTakeTokenAsReservation(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		perMin := rapid.IntRange(1, 120).Draw(rt, "perMin")
		newLimiter := func() *rate.Limiter {
			return rate.NewLimiter(rate.Every(time.Minute/time.Duration(perMin)), perMin)
		}
		st := &userState{limiter: newLimiter()}
		ref := newLimiter()
		now := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
		for i := range rapid.IntRange(1, 60).Draw(rt, "requests") {
			now = now.Add(time.Duration(rapid.Int64Range(-int64(time.Second), int64(2*time.Minute)).Draw(rt, "step")))
			err := st.takeToken("u", now)
			var want time.Duration // the reference's RetryAfter; 0: passed
			r := ref.ReserveN(now, 1)
			if d := r.DelayFrom(now); d > 0 {
				r.CancelAt(now)
				want = d
			}
			var rl *RateLimitError
			switch {
			case want == 0 && err != nil:
				rt.Fatalf("request %d at %s: %v; the reservation passed it", i, now, err)
			case want > 0 && !errors.As(err, &rl):
				rt.Fatalf("request %d at %s: %v; the reservation refused it for %s", i, now, err, want)
			case want > 0 && (rl.RetryAfter != want || rl.Limit != LimitHoldsPerMinute):
				rt.Fatalf("request %d at %s: %+v; the reservation said retry after %s", i, now, rl, want)
			}
			if got, want := st.limiter.TokensAt(now), ref.TokensAt(now); got != want {
				rt.Fatalf("request %d at %s: %v tokens left; the reservation left %v", i, now, got, want)
			}
		}
	})
}
