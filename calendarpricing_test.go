package boxoffice_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// A CalendarPricing not built by NewCalendarPricing is an invalid
// argument, as the zero values of the other strategies are: it used to
// panic on its nil location, inside HoldSeats and SeatMap, and New then
// took it, to fail every request.
func TestCalendarPricingZeroValue(t *testing.T) {
	for name, p := range map[string]*boxoffice.CalendarPricing{
		"nil":  nil,
		"zero": {},
	} {
		t.Run(name, func(t *testing.T) {
			req := boxoffice.PriceRequest{Show: boxoffice.Show{BasePrice: 1500, Start: time.Date(2026, 3, 7, 20, 0, 0, 0, time.UTC)},
				Seat: boxoffice.Seat{ID: "A1", Type: boxoffice.VIP}}
			var price boxoffice.Money
			err := callNoPanic(t, func() (err error) {
				price, err = p.Price(context.Background(), req)
				return err
			})
			if !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Errorf("Price = %s, %v; want ErrInvalidArgument", price, err)
			}
			var rate boxoffice.Rate
			callNoPanic(t, func() error { rate = p.DayRate(req.Show.Start); return nil })
			if rate != boxoffice.RateOne {
				t.Errorf("DayRate of a Saturday = %s; want %s", rate, boxoffice.RateOne)
			}
			var days []boxoffice.Date
			callNoPanic(t, func() error { days = p.Holidays(); return nil })
			if len(days) != 0 {
				t.Errorf("Holidays = %v; want none", days)
			}

			// New and SetPricing refuse it; a strategy that hides it
			// (a PricingFunc of its Price) fails each request instead.
			if _, err := boxoffice.New(boxoffice.Config{Pricing: p}); !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Errorf("New: %v; want ErrInvalidArgument", err)
			}
			for _, path := range storePaths {
				t.Run(path.name, func(t *testing.T) {
					f := newFixture(t, path.edit)
					if err := f.sys.SetPricing(p); !errors.Is(err, boxoffice.ErrInvalidArgument) {
						t.Errorf("SetPricing: %v; want ErrInvalidArgument", err)
					}
					if err := f.sys.SetPricing(boxoffice.PricingFunc(p.Price)); err != nil {
						t.Fatal(err)
					}
					err := callNoPanic(t, func() error {
						_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"})
						return err
					})
					if !errors.Is(err, boxoffice.ErrInvalidArgument) {
						t.Errorf("HoldSeats: %v; want ErrInvalidArgument", err)
					}
					err = callNoPanic(t, func() error { _, err := f.sys.SeatMap(f.ctx, f.show.ID); return err })
					if !errors.Is(err, boxoffice.ErrInvalidArgument) {
						t.Errorf("SeatMap: %v; want ErrInvalidArgument", err)
					}
					if got, err := f.sys.BookingsOfUser(f.ctx, "alice", boxoffice.BookingPage{}); err != nil || len(got) != 0 {
						t.Errorf("alice's bookings after the refused hold: %v, %v; want none", got, err)
					}
				})
			}
		})
	}
}

// Calendar.WeekendDays set to an empty, non-nil slice asks for no weekend
// days (a cinema with holiday pricing only); nil takes Saturday and
// Sunday. An empty slice used to be read as nil: weekends at ×1.5.
func TestCalendarEmptyWeekendDaysMeansNoWeekend(t *testing.T) {
	saturday := time.Date(2026, 3, 7, 19, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		days []time.Weekday
		want boxoffice.Rate
	}{
		{"nil takes the default", nil, boxoffice.RateWeekend},
		{"empty means none", []time.Weekday{}, boxoffice.RateOne},
		{"Friday only", []time.Weekday{time.Friday}, boxoffice.RateOne},
		{"Saturday", []time.Weekday{time.Saturday}, boxoffice.RateWeekend},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustCalendar(t, boxoffice.Calendar{WeekendDays: tt.days})
			if r := p.DayRate(saturday); r != tt.want {
				t.Errorf("DayRate(Saturday) with WeekendDays %#v = %s; want %s", tt.days, r, tt.want)
			}
		})
	}
}
