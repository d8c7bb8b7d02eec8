package boxoffice

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// drawTime draws a time for a seat's deadline or a transaction's now: the
// zero time, times around it and before year 1, before 1970, around now,
// far in the future, anywhere in time.Time's range (whose seconds wrap in
// Unix), with whole microseconds (as the BookingSystem stores them) or any
// nanoseconds, near base (to land on a deadline and beside it), in UTC or
// in another zone.
func drawTime(rt *rapid.T, label string, base time.Time) time.Time {
	nsec := rapid.OneOf(
		rapid.Just(int64(0)),
		rapid.Map(rapid.Int64Range(0, 999_999), func(us int64) int64 { return us * 1000 }),
		rapid.Int64Range(0, 999_999_999),
		rapid.SampledFrom([]int64{1, 999, 1000, 999_999_000, 999_999_999}),
	)
	// Seconds since year 1, time.Time's own: then Unix wraps them.
	internal := func(sec int64) time.Time {
		return time.Unix(sec-unixToInternal, nsec.Draw(rt, label+"-nsec")).UTC()
	}
	var t time.Time
	switch rapid.IntRange(0, 6).Draw(rt, label+"-kind") {
	case 0:
		t = time.Time{}
	case 1:
		t = internal(rapid.Int64Range(-3*86400, 3*86400).Draw(rt, label+"-near-zero"))
	case 2:
		t = time.Unix(rapid.Int64Range(-300*365*86400, 300*365*86400).Draw(rt, label+"-unix"), nsec.Draw(rt, label+"-nsec")).UTC()
	case 3:
		t = internal(rapid.OneOf(rapid.Int64(), rapid.SampledFrom([]int64{math.MinInt64, math.MinInt64 + 1, -1, math.MaxInt64 - 1, math.MaxInt64})).Draw(rt, label+"-sec"))
	case 4:
		t = time.Date(2026, 11, 29, 13, 0, 0, 0, time.UTC).Add(time.Duration(rapid.Int64Range(-1e15, 1e15).Draw(rt, label+"-around")))
	default:
		d := rapid.SampledFrom([]time.Duration{0, 1, -1, time.Microsecond, -time.Microsecond, time.Second, -time.Second, time.Hour}).Draw(rt, label+"-beside")
		t = base.Add(d)
	}
	if rapid.IntRange(0, 3).Draw(rt, label+"-zoned") == 0 {
		t = t.In(time.FixedZone("X", rapid.IntRange(-14*3600, 14*3600).Draw(rt, label+"-offset")))
	}
	return t
}

// TestMemorySeatSlotsAsSeatSlots: whatever slots are written through a
// MemoryStore transaction (SetSeat, any status, any booking, any
// deadline), the Store gives them back as SeatSlot semantics require: a
// deadline in UTC == as written, one in another zone as the same instant
// in UTC, through UpdateShow's and ViewShow's Seat alike; a rolled-back
// write leaves nothing behind; and at any now the Store's own judgement
// of a seat (the slot's statusAt, seatsFree, seatReader, freeSeats' count
// and the time it stays true) is the written SeatSlot's StatusAt (for
// seatReader, as a seat map shows it: shownStatus).
func TestMemorySeatSlotsAsSeatSlots(t *testing.T) {
	ctx := context.Background()
	failed := errors.New("failed")
	rapid.Check(t, func(rt *rapid.T) {
		// A store of its own each time, so that a failure replays.
		s, r, show, _ := storeWithOneShow(t)
		n := len(r.seats)
		want := make([]SeatSlot, n)
		must := func(err error) {
			if err != nil {
				rt.Fatal(err)
			}
		}
		must(s.UpdateShow(ctx, show.ID, func(tx ShowTx) error {
			for i := range n {
				want[i] = tx.Seat(i)
			}
			return nil
		}))
		var last time.Time
		for range rapid.IntRange(1, 4).Draw(rt, "transactions") {
			fail := rapid.Bool().Draw(rt, "fail")
			next := append([]SeatSlot(nil), want...)
			err := s.UpdateShow(ctx, show.ID, func(tx ShowTx) error {
				for range rapid.IntRange(0, 6).Draw(rt, "writes") {
					i := rapid.IntRange(0, n-1).Draw(rt, "seat")
					slot := SeatSlot{
						Status:    SeatStatus(rapid.SampledFrom([]uint8{0, 1, 1, 1, 2, 3, 255}).Draw(rt, "status")),
						HeldUntil: drawTime(rt, "until", last),
					}
					if rapid.Bool().Draw(rt, "booked") {
						slot.Booking = BookingID(rapid.SampledFrom([][16]byte{{1}, {2}, {15: 0xff}}).Draw(rt, "booking"))
					}
					last = slot.HeldUntil
					tx.SetSeat(i, slot)
					next[i] = slot
				}
				if fail {
					return failed
				}
				return nil
			})
			if fail {
				if !errors.Is(err, failed) {
					rt.Fatalf("UpdateShow = %v, want %v", err, failed)
				}
				continue
			}
			must(err)
			want = next
		}
		read := func(how string, tx ShowTx) {
			for i, w := range want {
				got := tx.Seat(i)
				expect := w
				expect.HeldUntil = w.HeldUntil.UTC()
				if got != expect {
					rt.Fatalf("%s: Seat(%d) = %+v (%s), written %+v (%s)", how, i, got, got.HeldUntil.Format(time.RFC3339Nano), w, w.HeldUntil.Format(time.RFC3339Nano))
				}
				if w.HeldUntil.Location() == time.UTC && got.HeldUntil != w.HeldUntil {
					rt.Fatalf("%s: Seat(%d).HeldUntil = %v, not == to the UTC time written, %v", how, i, got.HeldUntil, w.HeldUntil)
				}
			}
		}
		must(s.ViewShow(ctx, show.ID, func(tx ShowTx) error { read("ViewShow", tx); return nil }))
		must(s.UpdateShow(ctx, show.ID, func(tx ShowTx) error { read("UpdateShow", tx); return nil }))

		// Counted with no commit between (a commit drops freeSeats' last
		// count), so that a count is also reused while it stays true.
		nows := make([]time.Time, rapid.IntRange(1, 6).Draw(rt, "nows"))
		for k := range nows {
			nows[k] = drawTime(rt, "now", want[rapid.IntRange(0, n-1).Draw(rt, "near")].HeldUntil)
		}
		for _, now := range nows {
			at := instantOf(now)
			free := 0
			r.mu.RLock()
			for i, w := range want {
				st := w.StatusAt(now)
				if st == SeatAvailable {
					free++
				}
				if got := r.seats[i].statusAt(at); got != st {
					r.mu.RUnlock()
					rt.Fatalf("seat %d (%+v) at %s: statusAt = %v, SeatSlot.StatusAt = %v", i, w, now.Format(time.RFC3339Nano), got, st)
				}
			}
			r.mu.RUnlock()
			if got, _, _ := r.freeSeats(now); got != free {
				rt.Fatalf("freeSeats(%s) = %d, want %d", now.Format(time.RFC3339Nano), got, free)
			}
		}
		readAt := func(how string, tx ShowTx, now time.Time) {
			seats := newSeatReader(tx, now)
			for i, w := range want {
				// As a seat map shows it: an unknown status as booked.
				if got, want := seats.statusAt(i), shownStatus(w.StatusAt(now)); got != want {
					rt.Fatalf("%s: seatReader.statusAt(%d) at %s = %v for %+v, want %v", how, i, now.Format(time.RFC3339Nano), got, w, want)
				}
			}
		}
		must(s.ViewShow(ctx, show.ID, func(tx ShowTx) error {
			for _, now := range nows {
				readAt("ViewShow", tx, now)
			}
			return nil
		}))
		must(s.UpdateShow(ctx, show.ID, func(tx ShowTx) error {
			for _, now := range nows {
				readAt("UpdateShow", tx, now)
				for i, w := range want {
					if got, want := tx.(*memTx).seatsFree([]int{i}, instantOf(now)), w.StatusAt(now) == SeatAvailable; got != want {
						rt.Fatalf("seatsFree([%d]) at %s = %v for %+v, want %v", i, now.Format(time.RFC3339Nano), got, w, want)
					}
				}
			}
			return nil
		}))
	})
}
