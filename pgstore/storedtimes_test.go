package pgstore_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/internal/oddclock"
)

// What a call returns is what a later read returns, in this instance (its
// cache) and in another (the database): == on a Show, reflect.DeepEqual on
// a Booking, whatever the zone and precision of the Clock's readings and of
// the Start given. ScheduleShow used to return the Start given (06:30 IST)
// while Show read 01:00 UTC, and a booking's times had the Clock's
// nanoseconds and monotonic reading, which PostgreSQL cuts to microseconds.
func TestReturnedTimesAreStoredTimes(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	clocks := []struct {
		name string
		wrap func(*fakeclock.Clock) boxoffice.Clock
	}{
		{"monotonic local clock", func(c *fakeclock.Clock) boxoffice.Clock { return oddclock.NewMono(c) }},
		{"IST clock", func(c *fakeclock.Clock) boxoffice.Clock { return oddclock.Zoned{Clock: c, Loc: ist} }},
	}
	base := time.Date(2026, 3, 3, 9, 0, 1, 234567891, time.UTC)
	// 06:30:00.123456789 IST is 01:00:00.123456 UTC, and 789 ns.
	showStart := time.Date(2026, 3, 4, 6, 30, 0, 123456789, ist)
	wantStart := time.Date(2026, 3, 4, 1, 0, 0, 123456000, time.UTC)
	for _, c := range clocks {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			schema := newSchema(t, testPool(t))
			gateway := boxoffice.NewInMemoryGateway()
			a := newInstance(t, schema, base, 0, gateway, func(cfg *boxoffice.Config) { cfg.Clock = c.wrap(cfg.Clock.(*fakeclock.Clock)) })
			b := newInstance(t, schema, base, 0, gateway, nil) // reads the database, not a's cache
			clock := a.sys.Clock()

			show := scheduleRexShow(t, a.sys, boxoffice.Movie{Title: "Rashomon", Duration: 88*time.Minute + 1}, showStart)
			if want := wantStart.Add(88 * time.Minute); show.Start != wantStart || show.End != want {
				t.Errorf("ScheduleShow returned %s–%s; want %s–%s", show.Start, show.End, wantStart, want)
			}
			for _, in := range []*instance{a, b} {
				got, err := in.sys.Show(ctx, show.ID)
				must(t, err)
				if got != show {
					t.Errorf("Show returns %+v; ScheduleShow returned %+v", got, show)
				}
				infos, err := in.sys.ShowsOfMovie(ctx, show.MovieID, boxoffice.ShowPage{})
				must(t, err)
				if len(infos) != 1 || infos[0].Show != show {
					t.Errorf("ShowsOfMovie lists %+v; want %+v", infos, show)
				}
			}

			var held boxoffice.Booking
			steps := []struct {
				name    string
				advance time.Duration
				call    func() (boxoffice.Booking, error)
			}{
				{"HoldSeats", 333 * time.Nanosecond, func() (boxoffice.Booking, error) {
					bk, err := a.sys.HoldSeats(ctx, "alice", show.ID, []string{"A1", "A2"})
					held = bk
					return bk, err
				}},
				{"ExtendHold", time.Minute + 2500*time.Nanosecond, func() (boxoffice.Booking, error) { return a.sys.ExtendHold(ctx, held.ID) }},
				{"ConfirmBooking", 1001 * time.Nanosecond, func() (boxoffice.Booking, error) {
					return a.sys.ConfirmBooking(ctx, held.ID, "card:tok_visa")
				}},
				{"CancelBooking", 7*time.Second + 999*time.Nanosecond, func() (boxoffice.Booking, error) {
					return a.sys.CancelBooking(ctx, held.ID)
				}},
				{"HoldSeats again", 17 * time.Nanosecond, func() (boxoffice.Booking, error) {
					bk, err := a.sys.HoldSeats(ctx, "alice", show.ID, []string{"B1"})
					held = bk
					return bk, err
				}},
				{"ReleaseHold", 3 * time.Nanosecond, func() (boxoffice.Booking, error) { return a.sys.ReleaseHold(ctx, held.ID) }},
			}
			for _, s := range steps {
				a.clock.Advance(s.advance)
				now := clock.Now()
				if c.name == "monotonic local clock" && !strings.Contains(now.String(), "m=") {
					t.Fatalf("the clock reads %s: no monotonic reading", now)
				}
				bk, err := s.call()
				if err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				if want := now.UTC().Truncate(time.Microsecond); bk.UpdatedAt != want {
					t.Errorf("%s returned UpdatedAt %s; want the clock's %s cut to %s", s.name, bk.UpdatedAt, now, want)
				}
				if s.name == "CancelBooking" && (bk.Payment.PaidAt.IsZero() || bk.Refund.RefundedAt.IsZero()) {
					t.Errorf("CancelBooking returned PaidAt %s, RefundedAt %s; want both set", bk.Payment.PaidAt, bk.Refund.RefundedAt)
				}
				for _, in := range []*instance{a, b} {
					got, err := in.sys.Booking(ctx, bk.ID)
					must(t, err)
					if !reflect.DeepEqual(got, bk) || got.CreatedAt != bk.CreatedAt || got.HeldUntil != bk.HeldUntil ||
						got.UpdatedAt != bk.UpdatedAt || got.Payment.PaidAt != bk.Payment.PaidAt || got.Refund.RefundedAt != bk.Refund.RefundedAt {
						t.Errorf("%s returned\n\t%+v\nBooking reads\n\t%+v", s.name, bk, got)
					}
					page, err := in.sys.BookingsOfUser(ctx, "alice", boxoffice.BookingPage{Order: boxoffice.NewestFirst, Limit: 1})
					must(t, err)
					if len(page) != 1 || !reflect.DeepEqual(page[0], bk) {
						t.Errorf("%s returned\n\t%+v\nBookingsOfUser reads\n\t%+v", s.name, bk, page)
					}
				}
			}
		})
	}
}
