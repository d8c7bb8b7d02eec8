package boxoffice

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestStoredTimeIsTruncate holds storedTime, which cuts the nanoseconds
// itself, to what it was written as: t.Round(0).UTC().Truncate(time.Microsecond),
// for times of any year (before year 1 included), with a monotonic
// reading or not, in any location.
func TestStoredTimeIsTruncate(t *testing.T) {
	want := func(t time.Time) time.Time { return t.Round(0).UTC().Truncate(time.Microsecond) }
	locs := []*time.Location{time.UTC, time.Local, time.FixedZone("x", -5*3600-1), time.FixedZone("y", 13*3600+7)}
	check := func(t *testing.T, tm time.Time) {
		t.Helper()
		if got, w := storedTime(tm), want(tm); got != w {
			t.Fatalf("storedTime(%v) = %v (%#v); Truncate gives %v (%#v)", tm, got, got, w, w)
		}
	}
	for _, tm := range []time.Time{
		{}, time.Now(), time.Now().Add(time.Nanosecond),
		time.Date(1, 1, 1, 0, 0, 0, 999, time.UTC), time.Date(0, 12, 31, 23, 59, 59, 1, time.UTC),
		time.Date(-400, 3, 1, 0, 0, 0, 999_999_999, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Unix(-1, 1), time.Unix(0, -1), time.Unix(1<<40, 123_456_789),
	} {
		for _, loc := range locs {
			check(t, tm.In(loc))
		}
	}
	rapid.Check(t, func(rt *rapid.T) {
		tm := time.Unix(rapid.Int64Range(-1<<50, 1<<50).Draw(rt, "sec"), rapid.Int64Range(0, 999_999_999).Draw(rt, "nsec"))
		tm = tm.In(rapid.SampledFrom(locs).Draw(rt, "loc"))
		if rapid.Bool().Draw(rt, "monotonic") {
			tm = time.Now().Add(time.Until(tm)) // carries a monotonic reading (when in range)
		}
		check(t, tm)
	})
}

// TestHoldDeadlineIsStoredAdd holds holdDeadline, which builds the
// deadline from now's seconds and nanoseconds, to what it was written
// as: storedTime(now.Add(ttl)), or start if that is not before it; for
// nows of any year, with a monotonic reading or not, in any location,
// and ttls of either sign, whole seconds or not.
func TestHoldDeadlineIsStoredAdd(t *testing.T) {
	want := func(now time.Time, ttl time.Duration, start time.Time) time.Time {
		if until := storedTime(now.Add(ttl)); until.Before(start) {
			return until
		}
		return start
	}
	locs := []*time.Location{time.UTC, time.Local, time.FixedZone("x", -5*3600-1)}
	rapid.Check(t, func(rt *rapid.T) {
		now := time.Unix(rapid.Int64Range(-1<<50, 1<<50).Draw(rt, "sec"), rapid.Int64Range(0, 999_999_999).Draw(rt, "nsec"))
		now = now.In(rapid.SampledFrom(locs).Draw(rt, "loc"))
		if rapid.Bool().Draw(rt, "stored") {
			now = storedTime(now)
		} else if rapid.Bool().Draw(rt, "monotonic") {
			now = time.Now().Add(time.Until(now)) // carries a monotonic reading (when in range)
		}
		ttl := rapid.OneOf(
			rapid.Map(rapid.Int64Range(-100_000, 100_000), func(s int64) time.Duration { return time.Duration(s) * time.Second }),
			rapid.Map(rapid.Int64Range(-1<<62, 1<<62), func(d int64) time.Duration { return time.Duration(d) }),
			rapid.Map(rapid.Int64Range(-3_000_000_000, 3_000_000_000), func(d int64) time.Duration { return time.Duration(d) }),
		).Draw(rt, "ttl")
		start := storedTime(now.Add(time.Duration(rapid.Int64Range(-1<<62, 1<<62).Draw(rt, "start"))))
		if rapid.Bool().Draw(rt, "startNear") {
			start = want(now, ttl, time.Unix(1<<60, 0)).Add(time.Duration(rapid.IntRange(-2, 2).Draw(rt, "us")) * time.Microsecond)
		}
		if got, w := holdDeadline(now, ttl, start), want(now, ttl, start); got != w {
			rt.Fatalf("holdDeadline(%v, %v, %v) = %v (%#v); storedTime(now.Add(ttl)) gives %v (%#v)", now, ttl, start, got, got, w, w)
		}
	})
}
