package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/boxoffice-go/boxoffice"
)

var (
	_ boxoffice.PricingStrategy = (*boxoffice.CalendarPricing)(nil)
	_ boxoffice.PricingStrategy = boxoffice.PricingFunc(nil)
)

// tokyo and newYork are fixed zones so that the tests need no tzdata.
var (
	tokyo   = time.FixedZone("JST", 9*60*60)
	newYork = time.FixedZone("EST", -5*60*60)
)

// Friday 13 June 2025, 23:30 UTC: Saturday 08:30 in Tokyo.
var fridayLateUTC = time.Date(2025, time.June, 13, 23, 30, 0, 0, time.UTC)

func pricingRequest(base boxoffice.Money, seat boxoffice.SeatType, start time.Time) boxoffice.PriceRequest {
	return boxoffice.PriceRequest{
		Show:   boxoffice.Show{ID: "show-1", Start: start, End: start.Add(2 * time.Hour), BasePrice: base},
		Seat:   boxoffice.Seat{ID: "A1", Row: "A", Number: 1, Type: seat},
		UserID: "alice",
	}
}

// fatalHelper is what the helpers need of a *testing.T or a *rapid.T.
type fatalHelper interface {
	Helper()
	Fatalf(format string, args ...any)
}

func mustCalendar(t fatalHelper, cfg boxoffice.Calendar) *boxoffice.CalendarPricing {
	t.Helper()
	p, err := boxoffice.NewCalendarPricing(cfg)
	if err != nil {
		t.Fatalf("NewCalendarPricing(%+v): %v", cfg, err)
	}
	return p
}

// membersOnly is a MembershipFunc that knows the listed users.
func membersOnly(ids ...string) boxoffice.MembershipFunc {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return func(_ context.Context, userID string) (bool, error) { return set[userID], nil }
}

func TestFixedPricingSeedFigures(t *testing.T) {
	tests := []struct {
		name     string
		strategy boxoffice.PricingStrategy
		base     boxoffice.Money
		seat     boxoffice.SeatType
		want     boxoffice.Money
	}{
		{"regular/Regular", boxoffice.RegularPricing(), 1500, boxoffice.Regular, 1500},
		{"regular/Premium", boxoffice.RegularPricing(), 1500, boxoffice.Premium, 1950},
		{"regular/VIP", boxoffice.RegularPricing(), 1500, boxoffice.VIP, 2250},
		{"regular/zero base", boxoffice.RegularPricing(), 0, boxoffice.VIP, 0},
		{"regular/max base", boxoffice.RegularPricing(), boxoffice.MaxPrice, boxoffice.VIP, boxoffice.MaxPrice * 3 / 2},
		{"regular/Premium rounds down", boxoffice.RegularPricing(), 1001, boxoffice.Premium, 1301},    // 1301.3
		{"regular/VIP rounds half up", boxoffice.RegularPricing(), 1333, boxoffice.VIP, 2000},         // 1999.5
		{"regular/VIP one cent", boxoffice.RegularPricing(), 1, boxoffice.VIP, 2},                     // 1.5
		{"regular/Premium one cent", boxoffice.RegularPricing(), 1, boxoffice.Premium, 1},             // 1.3
		{"weekend/Regular", boxoffice.WeekendPricing(), 1500, boxoffice.Regular, 2250},                // ×1.5
		{"weekend/Premium", boxoffice.WeekendPricing(), 1500, boxoffice.Premium, 2925},                // 1950 × 1.5
		{"weekend/VIP", boxoffice.WeekendPricing(), 1500, boxoffice.VIP, 3375},                        // 2250 × 1.5
		{"weekend/Regular rounds half up", boxoffice.WeekendPricing(), 1333, boxoffice.Regular, 2000}, // 1999.5
		// Rounding happens after each multiplier: 1333 × 1.5 = 2000 (from
		// 1999.5), × 1.5 = 3000; one combined ×2.25 would give 2999.
		{"weekend/VIP rounds per step", boxoffice.WeekendPricing(), 1333, boxoffice.VIP, 3000},
		{"holiday/Regular", boxoffice.HolidayPricing(), 1500, boxoffice.Regular, 3000},
		{"holiday/Premium", boxoffice.HolidayPricing(), 1500, boxoffice.Premium, 3900},
		{"holiday/VIP", boxoffice.HolidayPricing(), 1500, boxoffice.VIP, 4500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The date must not matter to these strategies: try a weekday
			// and a Saturday.
			for _, start := range []time.Time{
				time.Date(2025, time.June, 11, 20, 0, 0, 0, time.UTC), // Wednesday
				time.Date(2025, time.June, 14, 20, 0, 0, 0, time.UTC), // Saturday
			} {
				got, err := tt.strategy.Price(t.Context(), pricingRequest(tt.base, tt.seat, start))
				if err != nil {
					t.Fatalf("Price: %v", err)
				}
				if got != tt.want {
					t.Errorf("Price(base %s, %s, %s) = %s, want %s", tt.base, tt.seat, start.Weekday(), got, tt.want)
				}
			}
		})
	}
}

// TestRegularPricingSeedTotals checks the seed's booking totals: two VIP
// seats at a base of 15.00 are 45.00, two Premium seats 39.00.
func TestRegularPricingSeedTotals(t *testing.T) {
	tests := []struct {
		seat boxoffice.SeatType
		want string
	}{
		{boxoffice.VIP, "45.00"},
		{boxoffice.Premium, "39.00"},
		{boxoffice.Regular, "30.00"},
	}
	for _, tt := range tests {
		t.Run(tt.seat.String(), func(t *testing.T) {
			var total boxoffice.Money
			for range 2 {
				p, err := boxoffice.RegularPricing().Price(t.Context(), pricingRequest(1500, tt.seat, fridayLateUTC))
				if err != nil {
					t.Fatal(err)
				}
				total += p
			}
			if total.String() != tt.want {
				t.Errorf("two %s seats = %s, want %s", tt.seat, total, tt.want)
			}
		})
	}
}

func TestCalendarPricingDays(t *testing.T) {
	if wd := time.Date(2027, time.December, 25, 0, 0, 0, 0, time.UTC).Weekday(); wd != time.Saturday {
		t.Fatalf("25 December 2027 is a %s; the holiday-beats-weekend case needs a Saturday", wd)
	}
	tokyoHoliday := mustCalendar(t, boxoffice.Calendar{
		Location: tokyo,
		Holidays: []boxoffice.Date{{Year: 2025, Month: time.June, Day: 14}}, // a Saturday
	})
	tests := []struct {
		name     string
		cfg      boxoffice.Calendar
		start    time.Time
		seat     boxoffice.SeatType
		base     boxoffice.Money // 0 means 15.00
		wantRate boxoffice.Rate
		want     boxoffice.Money
	}{
		{"weekday", boxoffice.Calendar{}, time.Date(2025, time.June, 11, 20, 0, 0, 0, time.UTC), boxoffice.Regular, 0, boxoffice.RateOne, 1500},
		{"saturday", boxoffice.Calendar{}, time.Date(2025, time.June, 14, 20, 0, 0, 0, time.UTC), boxoffice.Regular, 0, boxoffice.RateWeekend, 2250},
		{"sunday VIP", boxoffice.Calendar{}, time.Date(2025, time.June, 15, 20, 0, 0, 0, time.UTC), boxoffice.VIP, 0, boxoffice.RateWeekend, 3375},
		{"monday just after midnight", boxoffice.Calendar{}, time.Date(2025, time.June, 16, 0, 0, 0, 0, time.UTC), boxoffice.Regular, 0, boxoffice.RateOne, 1500},
		{"sunday last nanosecond", boxoffice.Calendar{}, time.Date(2025, time.June, 15, 23, 59, 59, 999_999_999, time.UTC), boxoffice.Regular, 0, boxoffice.RateWeekend, 2250},
		// Friday 23:30 UTC is Saturday 08:30 in Tokyo.
		{"friday in UTC (nil location)", boxoffice.Calendar{}, fridayLateUTC, boxoffice.Regular, 0, boxoffice.RateOne, 1500},
		{"friday in UTC (explicit)", boxoffice.Calendar{Location: time.UTC}, fridayLateUTC, boxoffice.Regular, 0, boxoffice.RateOne, 1500},
		{"saturday in Tokyo", boxoffice.Calendar{Location: tokyo}, fridayLateUTC, boxoffice.Regular, 0, boxoffice.RateWeekend, 2250},
		{"start given in Tokyo, priced in UTC", boxoffice.Calendar{}, fridayLateUTC.In(tokyo), boxoffice.Regular, 0, boxoffice.RateOne, 1500},
		// Saturday 02:00 UTC is Friday 21:00 in New York.
		{"friday in New York", boxoffice.Calendar{Location: newYork}, time.Date(2025, time.June, 14, 2, 0, 0, 0, time.UTC), boxoffice.Regular, 0, boxoffice.RateOne, 1500},
		{"holiday on a weekday", boxoffice.Calendar{Holidays: []boxoffice.Date{{Year: 2025, Month: time.December, Day: 25}}}, time.Date(2025, time.December, 25, 18, 0, 0, 0, time.UTC), boxoffice.Regular, 0, boxoffice.RateHoliday, 3000},
		{"holiday beats weekend", boxoffice.Calendar{Holidays: []boxoffice.Date{{Year: 2027, Month: time.December, Day: 25}}}, time.Date(2027, time.December, 25, 18, 0, 0, 0, time.UTC), boxoffice.Regular, 0, boxoffice.RateHoliday, 3000},
		{"holiday VIP", boxoffice.Calendar{Holidays: []boxoffice.Date{{Year: 2025, Month: time.December, Day: 25}}}, time.Date(2025, time.December, 25, 18, 0, 0, 0, time.UTC), boxoffice.VIP, 0, boxoffice.RateHoliday, 4500},
		{"holiday is per year", boxoffice.Calendar{Holidays: []boxoffice.Date{{Year: 2025, Month: time.December, Day: 25}}}, time.Date(2026, time.December, 25, 18, 0, 0, 0, time.UTC), boxoffice.Regular, 0, boxoffice.RateOne, 1500},
		{"holiday across zones", boxoffice.Calendar{Location: tokyo, Holidays: []boxoffice.Date{{Year: 2025, Month: time.June, Day: 14}}}, fridayLateUTC, boxoffice.Premium, 0, boxoffice.RateHoliday, 3900},
		{"holiday not in UTC", boxoffice.Calendar{Holidays: []boxoffice.Date{{Year: 2025, Month: time.June, Day: 14}}}, fridayLateUTC, boxoffice.Premium, 0, boxoffice.RateOne, 1950},
		{"custom rates weekend", boxoffice.Calendar{Weekend: boxoffice.RatePercent(120), Holiday: boxoffice.RatePercent(300)}, time.Date(2025, time.June, 14, 20, 0, 0, 0, time.UTC), boxoffice.Premium, 0, boxoffice.RatePercent(120), 2340},
		{"custom rates holiday", boxoffice.Calendar{Weekend: boxoffice.RatePercent(120), Holiday: boxoffice.RatePercent(300), Holidays: []boxoffice.Date{{Year: 2025, Month: time.June, Day: 11}}}, time.Date(2025, time.June, 11, 20, 0, 0, 0, time.UTC), boxoffice.Premium, 0, boxoffice.RatePercent(300), 5850},
		{"custom weekend days: friday", boxoffice.Calendar{WeekendDays: []time.Weekday{time.Friday, time.Saturday}}, time.Date(2025, time.June, 13, 20, 0, 0, 0, time.UTC), boxoffice.Regular, 0, boxoffice.RateWeekend, 2250},
		{"custom weekend days: sunday", boxoffice.Calendar{WeekendDays: []time.Weekday{time.Friday, time.Saturday}}, time.Date(2025, time.June, 15, 20, 0, 0, 0, time.UTC), boxoffice.Regular, 0, boxoffice.RateOne, 1500},
		{"rounding per step", boxoffice.Calendar{}, time.Date(2025, time.June, 14, 20, 0, 0, 0, time.UTC), boxoffice.VIP, 1333, boxoffice.RateWeekend, 3000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustCalendar(t, tt.cfg)
			if got := p.DayRate(tt.start); got != tt.wantRate {
				t.Errorf("DayRate(%s) = %s, want %s", tt.start, got, tt.wantRate)
			}
			base := tt.base
			if base == 0 {
				base = 1500
			}
			got, err := p.Price(t.Context(), pricingRequest(base, tt.seat, tt.start))
			if err != nil {
				t.Fatalf("Price: %v", err)
			}
			if got != tt.want {
				t.Errorf("Price(base %s, %s, %s) = %s, want %s", base, tt.seat, tt.start, got, tt.want)
			}
		})
	}
	// The next day (Sunday 08:30 in Tokyo) is an ordinary weekend day.
	if got := tokyoHoliday.DayRate(fridayLateUTC.Add(24 * time.Hour)); got != boxoffice.RateWeekend {
		t.Errorf("Sunday in Tokyo after a Saturday holiday: DayRate = %s, want weekend %s", got, boxoffice.RateWeekend)
	}
}

func TestNewCalendarPricingInvalid(t *testing.T) {
	tests := []struct {
		name  string
		cfg   boxoffice.Calendar
		field string
	}{
		{"negative weekend rate", boxoffice.Calendar{Weekend: -1}, "Calendar.Weekend"},
		{"weekend rate above x100", boxoffice.Calendar{Weekend: 100*boxoffice.RateOne + 1}, "Calendar.Weekend"},
		{"negative holiday rate", boxoffice.Calendar{Holiday: -boxoffice.RateHoliday}, "Calendar.Holiday"},
		{"holiday rate above x100", boxoffice.Calendar{Holiday: 1 << 40}, "Calendar.Holiday"},
		{"february 30", boxoffice.Calendar{Holidays: []boxoffice.Date{{Year: 2025, Month: time.February, Day: 30}}}, "Calendar.Holidays"},
		{"february 29 of a common year", boxoffice.Calendar{Holidays: []boxoffice.Date{{Year: 2025, Month: time.February, Day: 29}}}, "Calendar.Holidays"},
		{"month 13", boxoffice.Calendar{Holidays: []boxoffice.Date{{Year: 2025, Month: 13, Day: 1}}}, "Calendar.Holidays"},
		{"day 0", boxoffice.Calendar{Holidays: []boxoffice.Date{{Year: 2025, Month: time.May, Day: 0}}}, "Calendar.Holidays"},
		{"zero date", boxoffice.Calendar{Holidays: []boxoffice.Date{{}}}, "Calendar.Holidays"},
		{"weekday 7", boxoffice.Calendar{WeekendDays: []time.Weekday{7}}, "Calendar.WeekendDays"},
		{"weekday -1", boxoffice.Calendar{WeekendDays: []time.Weekday{-1}}, "Calendar.WeekendDays"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := boxoffice.NewCalendarPricing(tt.cfg)
			if !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Fatalf("NewCalendarPricing = %v, %v; want ErrInvalidArgument", p, err)
			}
			var argErr *boxoffice.ArgumentError
			if !errors.As(err, &argErr) || argErr.Field != tt.field {
				t.Errorf("error %v: want an *ArgumentError for field %s", err, tt.field)
			}
			if p != nil {
				t.Errorf("NewCalendarPricing returned a strategy with its error")
			}
		})
	}
}

func TestNewCalendarPricingValidEdges(t *testing.T) {
	for _, cfg := range []boxoffice.Calendar{
		{Weekend: 1, Holiday: 100 * boxoffice.RateOne},
		{Holidays: []boxoffice.Date{{Year: 2024, Month: time.February, Day: 29}}},
		{WeekendDays: []time.Weekday{time.Sunday}},
	} {
		if _, err := boxoffice.NewCalendarPricing(cfg); err != nil {
			t.Errorf("NewCalendarPricing(%+v): %v", cfg, err)
		}
	}
}

func TestCalendarPricingCopiesConfig(t *testing.T) {
	holidays := []boxoffice.Date{
		{Year: 2025, Month: time.December, Day: 25},
		{Year: 2025, Month: time.January, Day: 1},
		{Year: 2025, Month: time.December, Day: 25}, // duplicates are harmless
	}
	weekend := []time.Weekday{time.Saturday}
	p := mustCalendar(t, boxoffice.Calendar{Holidays: holidays, WeekendDays: weekend})
	holidays[0] = boxoffice.Date{Year: 2025, Month: time.June, Day: 11}
	weekend[0] = time.Wednesday

	christmas := time.Date(2025, time.December, 25, 18, 0, 0, 0, time.UTC)
	if got := p.DayRate(christmas); got != boxoffice.RateHoliday {
		t.Errorf("Christmas after the caller changed its slice: DayRate = %s, want %s", got, boxoffice.RateHoliday)
	}
	wednesday := time.Date(2025, time.June, 11, 18, 0, 0, 0, time.UTC)
	if got := p.DayRate(wednesday); got != boxoffice.RateOne {
		t.Errorf("Wednesday after the caller changed its slices: DayRate = %s, want %s", got, boxoffice.RateOne)
	}
	want := []boxoffice.Date{{Year: 2025, Month: time.January, Day: 1}, {Year: 2025, Month: time.December, Day: 25}}
	if got := p.Holidays(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Holidays() = %v, want %v", got, want)
	}
}

func TestDate(t *testing.T) {
	if got := boxoffice.DateOf(fridayLateUTC); got != (boxoffice.Date{Year: 2025, Month: time.June, Day: 13}) {
		t.Errorf("DateOf(%s) = %s", fridayLateUTC, got)
	}
	if got := boxoffice.DateOf(fridayLateUTC.In(tokyo)); got != (boxoffice.Date{Year: 2025, Month: time.June, Day: 14}) {
		t.Errorf("DateOf(%s) = %s", fridayLateUTC.In(tokyo), got)
	}
	if got := (boxoffice.Date{Year: 2025, Month: time.March, Day: 7}).String(); got != "2025-03-07" {
		t.Errorf("String() = %q", got)
	}
}

func TestAdjustAndMemberDiscount(t *testing.T) {
	isMember := membersOnly("alice")
	tests := []struct {
		name     string
		strategy boxoffice.PricingStrategy
		base     boxoffice.Money
		seat     boxoffice.SeatType
		user     string
		want     boxoffice.Money
	}{
		{"member 10% off Premium", boxoffice.MemberDiscount(boxoffice.RegularPricing(), boxoffice.RatePercent(90), isMember), 1500, boxoffice.Premium, "alice", 1755}, // 1950 × 0.9
		{"non-member pays full", boxoffice.MemberDiscount(boxoffice.RegularPricing(), boxoffice.RatePercent(90), isMember), 1500, boxoffice.Premium, "bob", 1950},
		{"anonymous pays full", boxoffice.MemberDiscount(boxoffice.RegularPricing(), boxoffice.RatePercent(90), isMember), 1500, boxoffice.Premium, "", 1950},
		{"member discount on weekend VIP", boxoffice.MemberDiscount(boxoffice.WeekendPricing(), boxoffice.RatePercent(90), isMember), 1500, boxoffice.VIP, "alice", 3038}, // 3375 × 0.9 = 3037.5
		{"surcharge", boxoffice.Adjust(boxoffice.RegularPricing(), boxoffice.RatePercent(110)), 1500, boxoffice.Premium, "bob", 2145},
		{"adjust rounds half up", boxoffice.Adjust(boxoffice.RegularPricing(), boxoffice.RateVIP), 1333, boxoffice.Regular, "bob", 2000}, // 1999.5
		{"adjust x1 is identity", boxoffice.Adjust(boxoffice.HolidayPricing(), boxoffice.RateOne), 1333, boxoffice.VIP, "bob", 4000},
		// Order matters because each step rounds: 1333 × 1.1 = 1466.3 →
		// 1466, × 0.9 = 1319.4 → 1319; the other way 1333 × 0.9 = 1199.7
		// → 1200, × 1.1 = 1320.
		{"discount after surcharge", boxoffice.MemberDiscount(boxoffice.Adjust(boxoffice.RegularPricing(), boxoffice.RatePercent(110)), boxoffice.RatePercent(90), isMember), 1333, boxoffice.Regular, "alice", 1319},
		{"surcharge after discount", boxoffice.Adjust(boxoffice.MemberDiscount(boxoffice.RegularPricing(), boxoffice.RatePercent(90), isMember), boxoffice.RatePercent(110)), 1333, boxoffice.Regular, "alice", 1320},
		{"surcharge after discount, non-member", boxoffice.Adjust(boxoffice.MemberDiscount(boxoffice.RegularPricing(), boxoffice.RatePercent(90), isMember), boxoffice.RatePercent(110)), 1333, boxoffice.Regular, "bob", 1466},
		{"calendar inside", boxoffice.MemberDiscount(mustCalendar(t, boxoffice.Calendar{Location: tokyo}), boxoffice.RatePercent(80), isMember), 1500, boxoffice.VIP, "alice", 2700}, // 3375 × 0.8
		{"custom inner", boxoffice.Adjust(boxoffice.PricingFunc(func(context.Context, boxoffice.PriceRequest) (boxoffice.Money, error) {
			return 999, nil
		}), boxoffice.RatePercent(50)), 1500, boxoffice.Regular, "bob", 500}, // 499.5
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := pricingRequest(tt.base, tt.seat, fridayLateUTC)
			r.UserID = tt.user
			got, err := tt.strategy.Price(t.Context(), r)
			if err != nil {
				t.Fatalf("Price: %v", err)
			}
			if got != tt.want {
				t.Errorf("Price = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestMemberDiscountPassesContextAndUser(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(t.Context(), key{}, "marker")
	var gotUser string
	var gotMarker any
	s := boxoffice.MemberDiscount(boxoffice.RegularPricing(), boxoffice.RatePercent(50), func(ctx context.Context, userID string) (bool, error) {
		gotUser, gotMarker = userID, ctx.Value(key{})
		return true, nil
	})
	r := pricingRequest(1000, boxoffice.Regular, fridayLateUTC)
	r.UserID = "carol"
	if got, err := s.Price(ctx, r); err != nil || got != 500 {
		t.Fatalf("Price = %s, %v; want 5.00", got, err)
	}
	if gotUser != "carol" || gotMarker != "marker" {
		t.Errorf("isMember saw user %q and ctx value %v; want carol and marker", gotUser, gotMarker)
	}
}

func TestPricingErrorsPropagate(t *testing.T) {
	errLookup := errors.New("member database down")
	errInner := errors.New("inner failed")
	failing := boxoffice.PricingFunc(func(context.Context, boxoffice.PriceRequest) (boxoffice.Money, error) {
		return 0, errInner
	})
	downMembers := func(context.Context, string) (bool, error) { return false, errLookup }
	tests := []struct {
		name     string
		strategy boxoffice.PricingStrategy
		want     error
	}{
		{"membership lookup fails", boxoffice.MemberDiscount(boxoffice.RegularPricing(), boxoffice.RatePercent(90), downMembers), errLookup},
		{"inner of discount fails", boxoffice.MemberDiscount(failing, boxoffice.RatePercent(90), membersOnly("alice")), errInner},
		{"inner of adjust fails", boxoffice.Adjust(failing, boxoffice.RatePercent(90)), errInner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.strategy.Price(t.Context(), pricingRequest(1500, boxoffice.Regular, fridayLateUTC))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Price = %s, %v; want %v", got, err, tt.want)
			}
			if errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Errorf("error %v should not claim the argument was invalid", err)
			}
		})
	}
}

// pricingStrategies is every strategy of the package, with rates that keep
// any valid request below MaxSeatPrice.
func pricingStrategies(t fatalHelper) map[string]boxoffice.PricingStrategy {
	isMember := membersOnly("alice")
	return map[string]boxoffice.PricingStrategy{
		"regular":  boxoffice.RegularPricing(),
		"weekend":  boxoffice.WeekendPricing(),
		"holiday":  boxoffice.HolidayPricing(),
		"calendar": mustCalendar(t, boxoffice.Calendar{Location: tokyo, Holidays: []boxoffice.Date{{Year: 2025, Month: time.June, Day: 14}}}),
		"adjust":   boxoffice.Adjust(boxoffice.RegularPricing(), boxoffice.RatePercent(110)),
		"member":   boxoffice.MemberDiscount(boxoffice.WeekendPricing(), boxoffice.RatePercent(90), isMember),
		"adjust of a func that ignores the request": boxoffice.Adjust(boxoffice.PricingFunc(func(context.Context, boxoffice.PriceRequest) (boxoffice.Money, error) {
			return 100, nil
		}), boxoffice.RateOne),
		"member of a func that ignores the request": boxoffice.MemberDiscount(boxoffice.PricingFunc(func(context.Context, boxoffice.PriceRequest) (boxoffice.Money, error) {
			return 100, nil
		}), boxoffice.RatePercent(90), isMember),
	}
}

func TestPricingInvalidRequests(t *testing.T) {
	requests := []struct {
		name  string
		r     boxoffice.PriceRequest
		field string
	}{
		{"negative base", pricingRequest(-1, boxoffice.Regular, fridayLateUTC), "Show.BasePrice"},
		{"very negative base", pricingRequest(-boxoffice.MaxPrice, boxoffice.VIP, fridayLateUTC), "Show.BasePrice"},
		{"base above MaxPrice", pricingRequest(boxoffice.MaxPrice+1, boxoffice.Regular, fridayLateUTC), "Show.BasePrice"},
		{"base that would overflow", pricingRequest(1<<62, boxoffice.VIP, fridayLateUTC), "Show.BasePrice"},
		{"undefined seat type", pricingRequest(1500, boxoffice.VIP+1, fridayLateUTC), "Seat.Type"},
	}
	for name, s := range pricingStrategies(t) {
		for _, rr := range requests {
			t.Run(name+"/"+rr.name, func(t *testing.T) {
				got, err := s.Price(t.Context(), rr.r)
				if !errors.Is(err, boxoffice.ErrInvalidArgument) {
					t.Fatalf("Price = %s, %v; want ErrInvalidArgument", got, err)
				}
				var argErr *boxoffice.ArgumentError
				if !errors.As(err, &argErr) || argErr.Field != rr.field {
					t.Errorf("error %v: want an *ArgumentError for %s", err, rr.field)
				}
				if got != 0 {
					t.Errorf("Price returned %s with its error", got)
				}
			})
		}
	}
}

func TestPricingInvalidComposition(t *testing.T) {
	constant := func(m boxoffice.Money) boxoffice.PricingStrategy {
		return boxoffice.PricingFunc(func(context.Context, boxoffice.PriceRequest) (boxoffice.Money, error) { return m, nil })
	}
	maxHoliday := mustCalendar(t, boxoffice.Calendar{Holiday: 100 * boxoffice.RateOne, Weekend: 100 * boxoffice.RateOne})
	tests := []struct {
		name     string
		strategy boxoffice.PricingStrategy
		base     boxoffice.Money
	}{
		{"adjust: nil inner", boxoffice.Adjust(nil, boxoffice.RateOne), 1500},
		{"adjust: zero rate", boxoffice.Adjust(boxoffice.RegularPricing(), 0), 1500},
		{"adjust: negative rate", boxoffice.Adjust(boxoffice.RegularPricing(), -boxoffice.RatePercent(10)), 1500},
		{"adjust: rate above x100", boxoffice.Adjust(boxoffice.RegularPricing(), 100*boxoffice.RateOne+1), 1500},
		{"adjust: inner returns a negative price", boxoffice.Adjust(constant(-1), boxoffice.RateOne), 1500},
		{"adjust: inner returns a huge price", boxoffice.Adjust(constant(boxoffice.MaxSeatPrice+1), boxoffice.RateOne), 1500},
		{"adjust: inner returns a price that would overflow", boxoffice.Adjust(constant(1<<62), boxoffice.RateVIP), 1500},
		{"adjust: result just past MaxSeatPrice", boxoffice.Adjust(constant(boxoffice.MaxSeatPrice), boxoffice.RatePercent(101)), 1500},
		{"adjust: MaxSeatPrice x100 would overflow int64", boxoffice.Adjust(constant(boxoffice.MaxSeatPrice), 100*boxoffice.RateOne), 1500},
		// MaxPrice × 1.5 × 100 × 100 = 1.5e15 > MaxSeatPrice.
		{"adjust: stacked rates pass MaxSeatPrice", boxoffice.Adjust(boxoffice.Adjust(maxHoliday, 100*boxoffice.RateOne), 100*boxoffice.RateOne), boxoffice.MaxPrice},
		{"member: nil inner", boxoffice.MemberDiscount(nil, boxoffice.RatePercent(90), membersOnly("alice")), 1500},
		{"member: nil isMember", boxoffice.MemberDiscount(boxoffice.RegularPricing(), boxoffice.RatePercent(90), nil), 1500},
		{"member: zero rate", boxoffice.MemberDiscount(boxoffice.RegularPricing(), 0, membersOnly("alice")), 1500},
		{"member: rate above x100", boxoffice.MemberDiscount(boxoffice.RegularPricing(), 1<<50, membersOnly("alice")), 1500},
		{"member: inner returns a negative price", boxoffice.MemberDiscount(constant(-5), boxoffice.RatePercent(90), membersOnly("alice")), 1500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.strategy.Price(t.Context(), pricingRequest(tt.base, boxoffice.VIP, time.Date(2025, time.June, 14, 20, 0, 0, 0, time.UTC)))
			if !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Fatalf("Price = %s, %v; want ErrInvalidArgument", got, err)
			}
		})
	}
	if got, err := boxoffice.Adjust(constant(boxoffice.MaxSeatPrice), boxoffice.RateOne).Price(t.Context(), pricingRequest(1500, boxoffice.VIP, fridayLateUTC)); err != nil || got != boxoffice.MaxSeatPrice {
		t.Errorf("inner price MaxSeatPrice x1 = %s, %v; want %s", got, err, boxoffice.MaxSeatPrice)
	}
	// The same stack one level lower stays in range: 1.5e13 cents would
	// not, 1.5e11 does.
	got, err := boxoffice.Adjust(maxHoliday, boxoffice.RateOne).Price(t.Context(), pricingRequest(boxoffice.MaxPrice, boxoffice.VIP, time.Date(2025, time.June, 14, 20, 0, 0, 0, time.UTC)))
	if err != nil || got != boxoffice.MaxPrice*150 {
		t.Errorf("MaxPrice VIP at x100 = %s, %v; want %s", got, err, boxoffice.MaxPrice*150)
	}
}

func TestPricingConcurrentUse(t *testing.T) {
	strategies := pricingStrategies(t)
	done := make(chan error)
	for name, s := range strategies {
		go func() {
			var err error
			for i := range 200 {
				r := pricingRequest(boxoffice.Money(i*7), boxoffice.SeatType(i%3), fridayLateUTC.Add(time.Duration(i)*time.Hour))
				if _, e := s.Price(t.Context(), r); e != nil && err == nil {
					err = fmt.Errorf("%s: %w", name, e)
				}
			}
			done <- err
		}()
	}
	for range strategies {
		if err := recv(t, done, "a strategy's prices"); err != nil {
			t.Error(err)
		}
	}
}

// TestPricingPropertyMonotone checks, for every strategy, that a price is
// never negative and never falls when the base price rises.
func TestPricingPropertyMonotone(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		memberRate := boxoffice.Rate(rapid.Int64Range(1, int64(boxoffice.RateOne)).Draw(rt, "memberRate"))
		adjustRate := boxoffice.Rate(rapid.Int64Range(1, 100*int64(boxoffice.RateOne)).Draw(rt, "adjustRate"))
		weekendRate := boxoffice.Rate(rapid.Int64Range(1, 100*int64(boxoffice.RateOne)).Draw(rt, "weekendRate"))
		holidayRate := boxoffice.Rate(rapid.Int64Range(1, 100*int64(boxoffice.RateOne)).Draw(rt, "holidayRate"))
		offset := rapid.IntRange(-12*60*60, 14*60*60).Draw(rt, "zoneOffset")
		start := time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC).Add(
			time.Duration(rapid.Int64Range(0, 2*365*24*60).Draw(rt, "startMinute")) * time.Minute)
		calendar, err := boxoffice.NewCalendarPricing(boxoffice.Calendar{
			Location: time.FixedZone("X", offset),
			Holidays: []boxoffice.Date{boxoffice.DateOf(start.AddDate(0, 0, rapid.IntRange(-1, 1).Draw(rt, "holidayShift")))},
			Weekend:  weekendRate,
			Holiday:  holidayRate,
		})
		if err != nil {
			rt.Fatalf("NewCalendarPricing: %v", err)
		}
		strategies := pricingStrategies(rt)
		strategies["calendar drawn"] = calendar
		strategies["adjust drawn"] = boxoffice.Adjust(boxoffice.HolidayPricing(), adjustRate)
		strategies["member drawn"] = boxoffice.MemberDiscount(calendar, memberRate, membersOnly("alice"))
		strategies["member of adjust"] = boxoffice.MemberDiscount(boxoffice.Adjust(boxoffice.WeekendPricing(), adjustRate), memberRate, membersOnly("alice"))

		lo := boxoffice.Money(rapid.Int64Range(0, int64(boxoffice.MaxPrice)).Draw(rt, "lo"))
		hi := boxoffice.Money(rapid.Int64Range(int64(lo), int64(boxoffice.MaxPrice)).Draw(rt, "hi"))
		seat := boxoffice.SeatType(rapid.IntRange(0, 2).Draw(rt, "seat"))
		user := rapid.SampledFrom([]string{"alice", "bob", ""}).Draw(rt, "user")
		for name, s := range strategies {
			rLo, rHi := pricingRequest(lo, seat, start), pricingRequest(hi, seat, start)
			rLo.UserID, rHi.UserID = user, user
			pLo, err := s.Price(context.Background(), rLo)
			if err != nil {
				rt.Fatalf("%s: Price(%s): %v", name, lo, err)
			}
			pHi, err := s.Price(context.Background(), rHi)
			if err != nil {
				rt.Fatalf("%s: Price(%s): %v", name, hi, err)
			}
			if pLo < 0 || pLo > boxoffice.MaxSeatPrice {
				rt.Fatalf("%s: Price(%s) = %s, outside [0, MaxSeatPrice]", name, lo, pLo)
			}
			if pLo > pHi {
				rt.Fatalf("%s: Price(%s) = %s > Price(%s) = %s", name, lo, pLo, hi, pHi)
			}
		}
	})
}

// TestCalendarPricingPropertyMatchesFixed checks that a calendar prices each
// show exactly like the fixed strategy of its day.
func TestCalendarPricingPropertyMatchesFixed(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		offset := rapid.IntRange(-12*60*60, 14*60*60).Draw(rt, "zoneOffset")
		loc := time.FixedZone("X", offset)
		start := time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC).Add(
			time.Duration(rapid.Int64Range(0, 365*24*60).Draw(rt, "startMinute")) * time.Minute)
		holiday := rapid.Bool().Draw(rt, "holiday")
		cfg := boxoffice.Calendar{Location: loc}
		if holiday {
			cfg.Holidays = []boxoffice.Date{boxoffice.DateOf(start.In(loc))}
		}
		calendar, err := boxoffice.NewCalendarPricing(cfg)
		if err != nil {
			rt.Fatalf("NewCalendarPricing: %v", err)
		}
		fixed := boxoffice.RegularPricing()
		switch wd := start.In(loc).Weekday(); {
		case holiday:
			fixed = boxoffice.HolidayPricing()
		case wd == time.Saturday || wd == time.Sunday:
			fixed = boxoffice.WeekendPricing()
		}
		r := pricingRequest(
			boxoffice.Money(rapid.Int64Range(0, int64(boxoffice.MaxPrice)).Draw(rt, "base")),
			boxoffice.SeatType(rapid.IntRange(0, 2).Draw(rt, "seat")), start)
		got, err := calendar.Price(context.Background(), r)
		if err != nil {
			rt.Fatalf("calendar: %v", err)
		}
		want, err := fixed.Price(context.Background(), r)
		if err != nil {
			rt.Fatalf("fixed: %v", err)
		}
		if got != want {
			rt.Fatalf("calendar price %s, want %s", got, want)
		}
	})
}

func ExampleRegularPricing() {
	ctx := context.Background()
	show := boxoffice.Show{ID: "s1", BasePrice: 1500}
	pricing := boxoffice.RegularPricing()
	var total boxoffice.Money
	for _, seat := range []boxoffice.Seat{{ID: "A1", Type: boxoffice.VIP}, {ID: "A2", Type: boxoffice.VIP}} {
		price, err := pricing.Price(ctx, boxoffice.PriceRequest{Show: show, Seat: seat, UserID: "alice"})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s %s: %s\n", seat.ID, seat.Type, price)
		total += price
	}
	fmt.Println("total:", total)
	// Output:
	// A1 VIP: 22.50
	// A2 VIP: 22.50
	// total: 45.00
}

func ExampleNewCalendarPricing() {
	tokyo := time.FixedZone("JST", 9*60*60)
	pricing, err := boxoffice.NewCalendarPricing(boxoffice.Calendar{
		Location: tokyo,
		Holidays: []boxoffice.Date{{Year: 2025, Month: time.November, Day: 3}}, // Culture Day
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	seat := boxoffice.Seat{ID: "C7", Type: boxoffice.Premium}
	for _, start := range []time.Time{
		time.Date(2025, time.June, 12, 23, 30, 0, 0, time.UTC),   // Friday 08:30 in Tokyo
		time.Date(2025, time.June, 13, 23, 30, 0, 0, time.UTC),   // Saturday 08:30 in Tokyo
		time.Date(2025, time.November, 3, 10, 0, 0, 0, time.UTC), // Monday, a holiday
	} {
		show := boxoffice.Show{ID: "s1", Start: start, BasePrice: 1500}
		price, err := pricing.Price(context.Background(), boxoffice.PriceRequest{Show: show, Seat: seat})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s %s: %s\n", start.In(tokyo).Weekday(), pricing.DayRate(start), price)
	}
	// Output:
	// Friday x1: 19.50
	// Saturday x1.5: 29.25
	// Monday x2: 39.00
}

func ExampleMemberDiscount() {
	members := map[string]bool{"alice": true}
	pricing := boxoffice.MemberDiscount(
		boxoffice.Adjust(boxoffice.WeekendPricing(), boxoffice.RatePercent(110)), // +10 % premiere surcharge
		boxoffice.RatePercent(90), // members pay 90 %
		func(_ context.Context, userID string) (bool, error) { return members[userID], nil },
	)
	show := boxoffice.Show{ID: "premiere", BasePrice: 1500}
	seat := boxoffice.Seat{ID: "A1", Type: boxoffice.Premium}
	for _, user := range []string{"alice", "bob"} {
		// Premium 19.50, weekend ×1.5 = 29.25, surcharge ×1.1 = 32.175 →
		// 32.18, member ×0.9 = 28.962 → 28.96.
		price, err := pricing.Price(context.Background(), boxoffice.PriceRequest{Show: show, Seat: seat, UserID: user})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s\n", user, price)
	}
	// Output:
	// alice: 28.96
	// bob: 32.18
}

// TestSeatMapQuotesEachStrategy checks that a seat map quotes every seat
// what the strategy asks for an anonymous customer, whether the system
// prices the built-in strategies by seat type or calls the strategy for
// every seat, and that a member discount asks nobody's membership for it.
func TestSeatMapQuotesEachStrategy(t *testing.T) {
	var asked int
	counting := func(_ context.Context, userID string) (bool, error) { asked++; return true, nil }
	tests := []struct {
		name     string
		strategy boxoffice.PricingStrategy
	}{
		{"regular", boxoffice.RegularPricing()},
		{"weekend", boxoffice.WeekendPricing()},
		{"holiday", boxoffice.HolidayPricing()},
		{"calendar", mustCalendar(t, boxoffice.Calendar{Location: time.UTC, Holidays: []boxoffice.Date{boxoffice.DateOf(start)}})},
		{"member discount", boxoffice.MemberDiscount(boxoffice.RegularPricing(), boxoffice.RatePercent(90), counting)},
		{"user code", boxoffice.PricingFunc(func(_ context.Context, r boxoffice.PriceRequest) (boxoffice.Money, error) {
			return r.Show.BasePrice + boxoffice.Money(r.Seat.Number), nil
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *boxoffice.Config) { c.Pricing = tt.strategy })
			asked = 0
			m, err := f.sys.SeatMap(f.ctx, f.show.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range m.Seats {
				want, err := tt.strategy.Price(f.ctx, boxoffice.PriceRequest{Show: f.show, Seat: v.Seat})
				if err != nil || v.Price != want {
					t.Fatalf("seat %s quoted %s; the strategy says %s, %v", v.ID, v.Price, want, err)
				}
			}
			if asked != 0 {
				t.Errorf("the seat map asked about membership %d times; want 0 (no user)", asked)
			}
		})
	}
}

// TestDayRatePricingRates checks DayRatePricing's own Rate: the built-in
// constructors' rates, any other valid one, and the invalid ones (the zero
// value included), which fail every price and so every hold.
func TestDayRatePricingRates(t *testing.T) {
	tests := []struct {
		name     string
		strategy boxoffice.DayRatePricing
		want     boxoffice.Money // price of a Premium seat at base 15.00; 0: an error
	}{
		{"regular", boxoffice.RegularPricing(), 1950},
		{"weekend", boxoffice.WeekendPricing(), 2925},
		{"holiday", boxoffice.HolidayPricing(), 3900},
		{"×1.2", boxoffice.DayRatePricing{Rate: boxoffice.RatePercent(120)}, 2340},
		{"zero value", boxoffice.DayRatePricing{}, 0},
		{"negative", boxoffice.DayRatePricing{Rate: -boxoffice.RateOne}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys, err := boxoffice.New(boxoffice.Config{Pricing: tt.strategy})
			if (err != nil) != (tt.want == 0) {
				t.Fatalf("New: %v; want an error only for an invalid rate", err)
			}
			if sys != nil {
				_ = sys.Close(t.Context())
			}
			// A PricingFunc hides the rate from New, not from Price.
			f := newFixture(t, func(c *boxoffice.Config) { c.Pricing = boxoffice.PricingFunc(tt.strategy.Price) })
			b, err := f.sys.HoldSeats(f.ctx, "ann", f.show.ID, []string{"C1"})
			if tt.want == 0 {
				if !errors.Is(err, boxoffice.ErrInvalidArgument) {
					t.Fatalf("hold priced by %+v: %v; want ErrInvalidArgument", tt.strategy, err)
				}
				return
			}
			if err != nil || b.Total != tt.want {
				t.Fatalf("hold priced by %+v: %s, %v; want %s", tt.strategy, b.Total, err, tt.want)
			}
		})
	}
}

// A hold asks a MemberDiscount's membership once, not once per seat, also
// under an Adjust: the lookup may be a database call, and a membership that
// changed between two lookups (here it lapses after the first) used to
// price one hold's seats at member and non-member prices alike.
func TestMemberDiscountAsksOncePerHold(t *testing.T) {
	ten := boxoffice.RatePercent(90)
	tests := []struct {
		name     string
		strategy func(boxoffice.MembershipFunc) boxoffice.PricingStrategy
		want     boxoffice.Money // each VIP seat, at base 15.00
	}{
		{"MemberDiscount", func(m boxoffice.MembershipFunc) boxoffice.PricingStrategy {
			return boxoffice.MemberDiscount(boxoffice.RegularPricing(), ten, m)
		}, 2025},
		{"Adjust of MemberDiscount", func(m boxoffice.MembershipFunc) boxoffice.PricingStrategy {
			return boxoffice.Adjust(boxoffice.MemberDiscount(boxoffice.RegularPricing(), ten, m), boxoffice.RatePercent(200))
		}, 4050},
		{"MemberDiscount of MemberDiscount", func(m boxoffice.MembershipFunc) boxoffice.PricingStrategy {
			return boxoffice.MemberDiscount(boxoffice.MemberDiscount(boxoffice.RegularPricing(), ten, membersOnly("alice")), ten, m)
		}, 1823}, // 22.50 × 0.9 = 20.25, × 0.9 = 18.225 → 18.23
	}
	for _, path := range storePaths {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				var mu sync.Mutex
				calls := 0
				isMember := func(context.Context, string) (bool, error) {
					mu.Lock()
					defer mu.Unlock()
					calls++
					return calls == 1, nil
				}
				f := newFixture(t, path.edit, func(c *boxoffice.Config) { c.Pricing = tt.strategy(isMember) })
				b := f.hold("alice", "A1", "A2", "A3", "A4") // all VIP
				mu.Lock()
				defer mu.Unlock()
				if calls != 1 {
					t.Errorf("a 4-seat hold asked the membership %d times; want 1", calls)
				}
				for _, s := range b.Seats {
					if s.Price != tt.want {
						t.Errorf("seat %s priced %s; want %s for every seat", s.ID, s.Price, tt.want)
					}
				}
				if b.Total != 4*tt.want {
					t.Errorf("total %s; want %s", b.Total, 4*tt.want)
				}
			})
		}
	}
}

// holdPricer is a HoldPricer of user code: PriceHold answers with prices
// (or panics with panicking), Price with 15.00.
type holdPricer struct {
	prices   []boxoffice.Money
	panicked string
}

func (p holdPricer) Price(context.Context, boxoffice.PriceRequest) (boxoffice.Money, error) {
	return 1500, nil
}

func (p holdPricer) PriceHold(context.Context, boxoffice.HoldPriceRequest) ([]boxoffice.Money, error) {
	if p.panicked != "" {
		panic(p.panicked)
	}
	return p.prices, nil
}

// A HoldPricer is user code, checked as a per-seat strategy is: its
// panic is an error, its prices must be one a seat and within bounds, and
// a wrapper checks them too.
func TestHoldPricerIsChecked(t *testing.T) {
	tests := []struct {
		name     string
		strategy boxoffice.PricingStrategy
		want     []boxoffice.Money // nil: the hold fails
		wantErr  string
	}{
		{"prices", holdPricer{prices: []boxoffice.Money{100, 200}}, []boxoffice.Money{100, 200}, ""},
		{"panic", holdPricer{panicked: "coupon table missing"}, nil, "panicked"},
		{"too few prices", holdPricer{prices: []boxoffice.Money{100}}, nil, "1 prices for a hold of 2 seats"},
		{"negative price", holdPricer{prices: []boxoffice.Money{100, -1}}, nil, "for seat A2"},
		{"above MaxSeatPrice", holdPricer{prices: []boxoffice.Money{boxoffice.MaxSeatPrice + 1, 100}}, nil, "for seat A1"},
		{"Adjust of", boxoffice.Adjust(holdPricer{prices: []boxoffice.Money{100, 200}}, boxoffice.RatePercent(150)),
			[]boxoffice.Money{150, 300}, ""},
		{"Adjust of too few", boxoffice.Adjust(holdPricer{prices: []boxoffice.Money{100}}, boxoffice.RatePercent(150)),
			nil, "1 prices for 2 seats"},
		{"Adjust of negative", boxoffice.Adjust(holdPricer{prices: []boxoffice.Money{-1, 100}}, boxoffice.RatePercent(150)),
			nil, "for seat A1"},
	}
	for _, path := range storePaths {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				f := newFixture(t, path.edit, func(c *boxoffice.Config) { c.Pricing = tt.strategy })
				var b boxoffice.Booking
				err := callNoPanic(t, func() (err error) {
					b, err = f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1", "A2"})
					return err
				})
				if tt.want == nil {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("HoldSeats: %v; want an error containing %q", err, tt.wantErr)
					}
					if st := f.seatStatus("A1"); st != boxoffice.SeatAvailable {
						t.Errorf("A1 is %s after the refused hold; want available", st)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				for k, s := range b.Seats {
					if s.Price != tt.want[k] {
						t.Errorf("seat %s priced %s; want %s", s.ID, s.Price, tt.want[k])
					}
				}
			})
		}
	}
}

// A seat map quotes no price a hold would refuse: a strategy's price
// outside [0, MaxSeatPrice] fails SeatMap as it fails HoldSeats, with an
// *ArgumentError naming the seat, instead of being shown (a coupon that
// takes cheap seats below zero showed "-2.00").
func TestSeatMapRefusesPricesAHoldRefuses(t *testing.T) {
	tests := []struct {
		name string
		off  boxoffice.Money // taken off the regular price
	}{
		{"negative", 1700}, // F1, Regular 15.00, becomes -2.00
		{"above MaxSeatPrice", -boxoffice.MaxSeatPrice}, // everything above the maximum
	}
	for _, path := range storePaths {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				coupon := boxoffice.PricingFunc(func(ctx context.Context, r boxoffice.PriceRequest) (boxoffice.Money, error) {
					p, err := boxoffice.RegularPricing().Price(ctx, r)
					return p - tt.off, err
				})
				f := newFixture(t, path.edit, func(c *boxoffice.Config) { c.Pricing = coupon })
				_, holdErr := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"F1"})
				m, mapErr := f.sys.SeatMap(f.ctx, f.show.ID)
				for call, err := range map[string]error{"HoldSeats": holdErr, "SeatMap": mapErr} {
					var ae *boxoffice.ArgumentError
					if !errors.As(err, &ae) || !strings.Contains(ae.Reason, "seat ") {
						t.Errorf("%s: %v; want an *ArgumentError naming the seat", call, err)
					}
				}
				if mapErr == nil {
					for _, s := range m.Seats {
						if s.Price < 0 || s.Price > boxoffice.MaxSeatPrice {
							t.Fatalf("seat map quotes %s at %s", s.ID, s.Price)
						}
					}
				}
			})
		}
	}
}

// SetPricing changes the prices of holds made from then on; a hold keeps
// the price it was given, and so does its payment.
func ExampleBookingSystem_SetPricing() {
	ctx := context.Background()
	sys, show := newDemo(boxoffice.Config{})
	defer closeDemo(sys)
	before := must(sys.HoldSeats(ctx, "alice", show.ID, []string{"E1"}))

	if err := sys.SetPricing(boxoffice.Adjust(boxoffice.RegularPricing(), boxoffice.RatePercent(120))); err != nil {
		fmt.Println(err)
		return
	}
	after := must(sys.HoldSeats(ctx, "bob", show.ID, []string{"E2"}))
	paid := must(sys.ConfirmBooking(ctx, before.ID, "card:tok_visa"))
	fmt.Println(before.Total, after.Total, paid.Payment.Amount)
	// Output: 15.00 18.00 15.00
}
