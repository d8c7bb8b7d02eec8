package pgstore_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// A theater's time zone, stored by one process, prices its shows in
// another: a BookingSystem on a second Store of the schema, with nothing
// cached, quotes and holds a Tokyo show that starts on Friday in UTC at
// the weekend rate (it is Saturday in Tokyo), and a New York show that
// starts on Saturday in UTC at the regular rate (Friday evening there),
// while its calendar is UTC's.
func TestTheaterTimeZonePricesAcrossProcesses(t *testing.T) {
	ctx := t.Context()
	pool := testPool(t)
	schema := newSchema(t, pool)
	clock := fakeclock.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) // a Monday
	calendar, err := boxoffice.NewCalendarPricing(boxoffice.Calendar{})
	must(t, err)
	open := func() *boxoffice.BookingSystem {
		s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
		must(t, err)
		sys, err := boxoffice.New(boxoffice.Config{Store: s, Clock: clock, Pricing: calendar,
			Gateway: boxoffice.NewInMemoryGateway(), Logger: slog.New(slog.DiscardHandler)})
		must(t, err)
		t.Cleanup(func() { _ = sys.Close(context.Background()) })
		return sys
	}

	admin := open()
	_, err = admin.AddMovie(ctx, boxoffice.Movie{ID: "m", Title: "M", Duration: time.Hour})
	must(t, err)
	shows := []struct {
		theater, zone string
		start         time.Time
		want          boxoffice.Money // seat F1, Regular, of a base price of 10.00
	}{
		{"tokyo", "Asia/Tokyo", time.Date(2026, 3, 6, 15, 30, 0, 0, time.UTC), 1500},         // Saturday 00:30 in Tokyo
		{"ny", "America/New_York", time.Date(2026, 3, 7, 1, 0, 0, 0, time.UTC), 1000},        // Friday 20:00 in New York
		{"utc", "", time.Date(2026, 3, 7, 1, 0, 0, 0, time.UTC), 1500},                       // no zone: the calendar's, UTC
		{"tokyo-weekday", "Asia/Tokyo", time.Date(2026, 3, 4, 15, 30, 0, 0, time.UTC), 1000}, // Thursday 00:30 in Tokyo
	}
	for _, s := range shows {
		_, err := admin.AddTheater(ctx, boxoffice.Theater{ID: s.theater, Name: s.theater, City: "C", TimeZone: s.zone})
		must(t, err)
		_, err = admin.AddHall(ctx, boxoffice.Hall{ID: s.theater + "-h", TheaterID: s.theater, Name: "H", Layout: boxoffice.SeedLayout()})
		must(t, err)
		_, err = admin.ScheduleShow(ctx, boxoffice.Show{ID: s.theater + "-s", MovieID: "m", HallID: s.theater + "-h", Start: s.start, BasePrice: 1000})
		must(t, err)
	}

	other := open()
	for _, s := range shows {
		th, err := other.Theater(ctx, s.theater)
		if err != nil || th.TimeZone != s.zone {
			t.Errorf("Theater(%q) = %+v, %v; want TimeZone %q", s.theater, th, err, s.zone)
		}
		m, err := other.SeatMap(ctx, s.theater+"-s")
		must(t, err)
		for _, v := range m.Seats {
			if v.ID == "F1" && v.Price != s.want {
				t.Errorf("%s: seat map prices F1 at %s, want %s", s.theater, v.Price, s.want)
			}
		}
		b, err := other.HoldSeats(ctx, "u-"+s.theater, s.theater+"-s", []string{"F1"})
		must(t, err)
		if b.Total != s.want {
			t.Errorf("%s: hold of F1 totals %s, want %s", s.theater, b.Total, s.want)
		}
	}
}
