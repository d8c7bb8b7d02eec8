package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// timeTests check that a Store returns every time exactly as it was given
// it, as boxoffice.Store requires: the BookingSystem gives times in UTC,
// cut to the microsecond, and returns what it stores as what a later read
// returns, compared with == (and reflect.DeepEqual) by its users.
var timeTests = []subtest{
	{"ShowTimesExact", testShowTimesExact},
	{"BookingTimesExact", testBookingTimesExact},
}

// micros returns the suite's day at h:00 and us microseconds: a time as
// the BookingSystem gives it, in UTC, whole microseconds.
func micros(h int, us int64) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(us)*time.Microsecond)
}

// diffTime says how got differs from want, a time the Store was given, or
// "" if it is the same value (==).
func diffTime(what string, want, got time.Time) string {
	switch {
	case got == want:
		return ""
	case !got.Equal(want):
		return fmt.Sprintf("%s is %s, want %s: another instant (a Store must keep times to the microsecond)", what, got, want)
	default:
		return fmt.Sprintf("%s is %s, want %s (==): the same instant, but not in UTC as given (a Store returns times in UTC, with no monotonic reading)", what, got, want)
	}
}

// testShowTimesExact stores a show whose Start and End have microseconds
// and reads it back every way a Store reads shows.
func testShowTimesExact(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	sh := show("s1", hallA, movieX, micros(18, 123456))
	sh.End = micros(20, 3*60_000_000+999_999) // 20:03:00.999999
	f.addShow(t, sh)
	check := func(how string, got boxoffice.Show) {
		t.Helper()
		for _, d := range []string{diffTime(how+": Start", sh.Start, got.Start), diffTime(how+": End", sh.End, got.End)} {
			if d != "" {
				t.Error(d)
			}
		}
	}
	got, err := s.Show(f.ctx, sh.ID)
	must(t, err)
	check("Show", got)
	byMovie, err := s.ShowsOfMovie(f.ctx, movieX, boxoffice.ShowCursor{}, 10)
	must(t, err)
	byHall, err := s.ShowsOfHall(f.ctx, hallA, boxoffice.Interval{Start: at(0, 0), End: at(23, 0)})
	must(t, err)
	for _, l := range []struct {
		how   string
		shows []boxoffice.Show
	}{{"ShowsOfMovie", byMovie}, {"ShowsOfHall", byHall}} {
		if len(l.shows) != 1 {
			t.Fatalf("%s = %v, want [s1]", l.how, showIDs(l.shows))
		}
		check(l.how, l.shows[0])
	}
	must(t, s.ViewShow(f.ctx, sh.ID, func(tx boxoffice.ShowTx) error {
		check("ViewShow: ShowTx.Show", tx.Show())
		return nil
	}))
	must(t, s.UpdateShow(f.ctx, sh.ID, func(tx boxoffice.ShowTx) error {
		check("UpdateShow: ShowTx.Show", tx.Show())
		return nil
	}))
}

// testBookingTimesExact stores a booking with every time set, each with
// microseconds (one of them .000001, another .999999, so that a Store
// keeping milliseconds, rounding or cutting, fails), and a seat held until
// such a time, then reads them back every way a Store reads bookings and
// seats.
func testBookingTimesExact(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	b := booking("ann", "s1", micros(9, 1), "A1", "A2")
	b.HeldUntil = micros(9, 10*60_000_000+999_999)
	b.Status = boxoffice.StatusCancelled
	b.Payment = boxoffice.Payment{Method: "card", Amount: b.Total, Reference: "ch_1", Attempts: 1, PaidAt: micros(9, 123_457),
		LiveUntil: micros(9, 5*60_000_000+45_600_001)}
	b.Refund = boxoffice.Refund{Amount: b.Total, Percent: 100, Reference: "re_1", RefundedAt: micros(10, 500_001), Reason: "cancelled"}
	b.UpdatedAt = micros(10, 500_001)
	held := booking("bob", "s1", micros(9, 654_321), "B1")
	held.HeldUntil = micros(9, 10*60_000_000+654_321)
	pos, ok := f.layout.Index("B1")
	if !ok {
		t.Fatal("the seed layout has no seat B1")
	}
	must(t, s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		tx.PutBooking(b)
		return nil
	}))
	f.hold(t, held, pos)

	check := func(how string, want, got boxoffice.Booking) {
		t.Helper()
		if want.ID != got.ID {
			t.Fatalf("%s: got booking %v, want %v", how, got.ID, want.ID)
		}
		for _, d := range []string{
			diffTime(how+": CreatedAt", want.CreatedAt, got.CreatedAt),
			diffTime(how+": HeldUntil", want.HeldUntil, got.HeldUntil),
			diffTime(how+": UpdatedAt", want.UpdatedAt, got.UpdatedAt),
			diffTime(how+": Payment.PaidAt", want.Payment.PaidAt, got.Payment.PaidAt),
			diffTime(how+": Payment.LiveUntil", want.Payment.LiveUntil, got.Payment.LiveUntil),
			diffTime(how+": Refund.RefundedAt", want.Refund.RefundedAt, got.Refund.RefundedAt),
		} {
			if d != "" {
				t.Error(d)
			}
		}
	}
	for _, want := range []boxoffice.Booking{b, held} {
		got, err := s.Booking(f.ctx, want.ID)
		must(t, err)
		check("Booking", want, got)
		mine, err := allOfUser(f.ctx, s, want.UserID)
		must(t, err)
		if len(mine) != 1 {
			t.Fatalf("BookingsOfUser(%s) = %v, want one booking", want.UserID, bookingIDs(mine))
		}
		check("BookingsOfUser", want, mine[0])
	}
	read := func(how string, tx boxoffice.ShowTx) {
		t.Helper()
		for _, want := range []boxoffice.Booking{b, held} {
			got, err := tx.Booking(want.ID)
			must(t, err)
			check(how+": ShowTx.Booking", want, got)
		}
		if d := diffTime(how+": ShowTx.Seat(B1).HeldUntil", held.HeldUntil, tx.Seat(pos).HeldUntil); d != "" {
			t.Error(d)
		}
	}
	must(t, s.ViewShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		read("ViewShow", tx)
		return nil
	}))
	must(t, s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		read("UpdateShow", tx)
		return nil
	}))
}
