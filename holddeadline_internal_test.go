package boxoffice

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestHoldDeadlineAtIsBefore holds holdDeadlineAt, which compares the
// deadline with the show's start as instants, to the Time.Before form it
// replaced, for any now a transaction reads (storedTime's: UTC, on the
// microsecond, no monotonic reading), any TTL (negative, finer than a
// microsecond, carrying a second into the deadline) and starts of any
// kind (with a monotonic reading, in a zone), most of them within a few
// microseconds of the deadline, where the comparison decides.
func TestHoldDeadlineAtIsBefore(t *testing.T) {
	before := func(now time.Time, ttl time.Duration, start time.Time) time.Time {
		sec := now.Unix() + int64(ttl/time.Second)
		ns := int64(now.Nanosecond()) + int64(ttl%time.Second)
		if ns < 0 {
			sec, ns = sec-1, ns+1e9
		}
		if until := time.Unix(sec, ns/1000*1000).UTC(); until.Before(start) {
			return until
		}
		return start
	}
	zones := []*time.Location{time.UTC, time.FixedZone("x", -5*3600-1)}
	rapid.Check(t, func(rt *rapid.T) {
		// Nanoseconds near the end of a second as often as not: the TTL
		// then carries a second into the deadline.
		ns := rapid.OneOf(rapid.Int64Range(0, 999_999_999), rapid.Int64Range(999_000_000, 999_999_999)).Draw(rt, "ns")
		now := storedTime(time.Unix(rapid.Int64Range(-1<<40, 1<<40).Draw(rt, "sec"), ns))
		ttl := time.Duration(rapid.OneOf(
			rapid.Int64Range(-3e9, 3e9),
			rapid.Int64Range(-1<<50, 1<<50),
		).Draw(rt, "ttl"))
		var start time.Time
		switch rapid.IntRange(0, 4).Draw(rt, "kind") {
		case 0, 1, 2: // near the deadline, to the nanosecond
			start = before(now, ttl, time.Unix(1<<60, 0)).Add(time.Duration(rapid.Int64Range(-3000, 3000).Draw(rt, "delta")))
		case 3: // anywhere
			start = time.Unix(rapid.Int64Range(-1<<40, 1<<40).Draw(rt, "startSec"), rapid.Int64Range(0, 999_999_999).Draw(rt, "startNs"))
		default: // a reading of the machine's clock, with its monotonic reading
			start = time.Now().Add(time.Duration(rapid.Int64Range(-1<<50, 1<<50).Draw(rt, "fromNow")))
		}
		start = start.In(zones[rapid.IntRange(0, len(zones)-1).Draw(rt, "zone")])
		got, want := holdDeadlineAt(now, ttl, start, instantOf(start)), before(now, ttl, start)
		if got != want {
			rt.Fatalf("holdDeadlineAt(%v, %v, %v) = %v (%#v); Time.Before gives %v (%#v)", now, ttl, start, got, got, want, want)
		}
		if got := holdDeadline(now, ttl, start); got != want {
			rt.Fatalf("holdDeadline(%v, %v, %v) = %v; Time.Before gives %v", now, ttl, start, got, want)
		}
	})
}
