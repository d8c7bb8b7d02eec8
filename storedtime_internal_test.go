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
