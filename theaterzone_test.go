package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// mustZone loads an IANA zone for a test, from the system's zoneinfo or
// the Go installation's copy.
func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

// zoneStrategies is a CalendarPricing on UTC as the BookingSystem meets it
// on each of its pricing paths: by seat type, called per seat, called
// once per hold.
func zoneStrategies(t *testing.T) []struct {
	name string
	p    boxoffice.PricingStrategy
} {
	t.Helper()
	cal, err := boxoffice.NewCalendarPricing(boxoffice.Calendar{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	return []struct {
		name string
		p    boxoffice.PricingStrategy
	}{
		{"calendar", cal},
		{"per seat", boxoffice.PricingFunc(cal.Price)},
		{"per hold", boxoffice.Adjust(cal, boxoffice.RateOne)},
	}
}

// CalendarPricing reads a show's start in the request's Location when it
// is set (the theater's zone), else in Calendar.Location.
func TestCalendarPricingRequestLocation(t *testing.T) {
	utcPlus9 := time.FixedZone("UTC+9", 9*60*60)
	newYork := mustZone(t, "America/New_York")
	tokyo := mustZone(t, "Asia/Tokyo")
	// VIP at 15.00 is 22.50; ×1.5 on weekends, ×2 on holidays.
	const regular, weekend, holiday = 2250, 3375, 4500
	holidays := []boxoffice.Date{{Year: 2026, Month: time.March, Day: 10}} // a Tuesday
	tests := []struct {
		name     string
		calendar *time.Location // Calendar.Location; nil is UTC
		request  *time.Location // PriceRequest.Location
		start    time.Time
		want     boxoffice.Money
	}{
		{"Friday 23:30 UTC is Saturday 08:30 at UTC+9", nil, utcPlus9, time.Date(2026, 3, 6, 23, 30, 0, 0, time.UTC), weekend},
		{"Friday 23:30 UTC in Tokyo", nil, tokyo, time.Date(2026, 3, 6, 23, 30, 0, 0, time.UTC), weekend},
		{"Friday 23:30 UTC without a request zone", nil, nil, time.Date(2026, 3, 6, 23, 30, 0, 0, time.UTC), regular},
		{"Friday 23:30 at UTC+9 is Friday there", nil, utcPlus9, time.Date(2026, 3, 6, 14, 30, 0, 0, time.UTC), regular},
		{"Saturday 01:00 UTC is Friday evening in New York", nil, newYork, time.Date(2026, 3, 7, 1, 0, 0, 0, time.UTC), regular},
		{"Saturday 01:00 UTC without a request zone", nil, nil, time.Date(2026, 3, 7, 1, 0, 0, 0, time.UTC), weekend},
		{"the request's zone before the Calendar's", newYork, tokyo, time.Date(2026, 3, 6, 23, 30, 0, 0, time.UTC), weekend},
		{"the Calendar's zone without one in the request", newYork, nil, time.Date(2026, 3, 7, 1, 0, 0, 0, time.UTC), regular},
		{"Monday evening UTC is the Tuesday holiday in Tokyo", nil, tokyo, time.Date(2026, 3, 9, 20, 0, 0, 0, time.UTC), holiday},
		{"Monday evening UTC, no request zone: no holiday", nil, nil, time.Date(2026, 3, 9, 20, 0, 0, 0, time.UTC), regular},
		{"Tuesday 02:00 UTC is the holiday's eve in New York", nil, newYork, time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC), regular},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := boxoffice.NewCalendarPricing(boxoffice.Calendar{Location: tt.calendar, Holidays: holidays})
			if err != nil {
				t.Fatal(err)
			}
			show := boxoffice.Show{ID: "s", Start: tt.start, BasePrice: 1500}
			seat := boxoffice.Seat{ID: "A1", Type: boxoffice.VIP}
			got, err := cal.Price(ctx, boxoffice.PriceRequest{Show: show, Seat: seat, Location: tt.request})
			if err != nil || got != tt.want {
				t.Errorf("Price = %s, %v; want %s", got, err, boxoffice.Money(tt.want))
			}
			// A wrapper passes the zone on, seat by seat and for a hold.
			wrapped := boxoffice.Adjust(cal, boxoffice.RateOne)
			if got, err := wrapped.Price(ctx, boxoffice.PriceRequest{Show: show, Seat: seat, Location: tt.request}); err != nil || got != tt.want {
				t.Errorf("Adjust(...).Price = %s, %v; want %s", got, err, boxoffice.Money(tt.want))
			}
			prices, err := wrapped.PriceHold(ctx, boxoffice.HoldPriceRequest{Show: show, Seats: []boxoffice.Seat{seat}, Location: tt.request})
			if err != nil || len(prices) != 1 || prices[0] != tt.want {
				t.Errorf("Adjust(...).PriceHold = %v, %v; want [%s]", prices, err, boxoffice.Money(tt.want))
			}
		})
	}
}

// A hold in a Tokyo theater is priced by the show's day in Tokyo, whatever
// the Calendar's Location (UTC here), on every pricing path: the prices by
// seat type of a built-in strategy, a strategy asked seat by seat, one
// asked once per hold, and the seat map's quotes. A theater without a
// zone keeps the Calendar's.
func TestHoldPricedInTheaterTimeZone(t *testing.T) {
	strategies := zoneStrategies(t)
	// Friday 23:30 UTC: Saturday 08:30 in Tokyo, Friday in a theater
	// without a zone.
	friday := time.Date(2026, 3, 6, 23, 30, 0, 0, time.UTC)
	for _, path := range storePaths {
		for _, s := range strategies {
			t.Run(path.name+"/"+s.name, func(t *testing.T) {
				f := newFixture(t, path.edit, func(c *boxoffice.Config) { c.Pricing = s.p })
				shows := map[string]boxoffice.Show{}
				for _, th := range []boxoffice.Theater{
					{ID: "tokyo", Name: "Shinjuku", City: "Tokyo", TimeZone: "Asia/Tokyo"},
					{ID: "nozone", Name: "Plain", City: "Tokyo"},
				} {
					mustT[boxoffice.Theater](t)(f.sys.AddTheater(f.ctx, th))
					mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{ID: th.ID + "-1", TheaterID: th.ID, Name: "1", Layout: boxoffice.SeedLayout()}))
					shows[th.ID] = mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: th.ID + "-late", MovieID: f.movie.ID,
						HallID: th.ID + "-1", Start: friday, BasePrice: 1500}))
				}
				for theater, want := range map[string]boxoffice.Money{"tokyo": 3375, "nozone": 2250} {
					show := shows[theater]
					m, err := f.sys.SeatMap(f.ctx, show.ID)
					if err != nil {
						t.Fatal(err)
					}
					if got := m.Seats[0].Price; m.Seats[0].Type != boxoffice.VIP || got != want {
						t.Errorf("%s: seat map quotes %s seat %s at %s; want a VIP seat at %s", theater, m.Seats[0].Type, m.Seats[0].ID, got, want)
					}
					b, err := f.sys.HoldSeats(f.ctx, "alice", show.ID, []string{"A1"})
					if err != nil {
						t.Fatal(err)
					}
					if b.Total != want {
						t.Errorf("%s: hold of VIP A1 priced %s; want %s", theater, b.Total, want)
					}
				}
			})
		}
	}
}

// AddTheater refuses a zone this program cannot load, and "Local", naming
// it, and stores nothing.
func TestAddTheaterUnknownTimeZone(t *testing.T) {
	f := newFixture(t)
	for _, zone := range []string{"Mars/Olympus_Mons", "Local", "../../etc/passwd", "Asia/Tokyo\x00", " Asia/Tokyo", strings.Repeat("A", 200)} {
		_, err := f.sys.AddTheater(f.ctx, boxoffice.Theater{ID: "bad", Name: "Bad", City: "Nowhere", TimeZone: zone})
		var arg *boxoffice.ArgumentError
		if !errors.Is(err, boxoffice.ErrInvalidArgument) || !errors.As(err, &arg) || arg.Field != "Theater.TimeZone" {
			t.Errorf("AddTheater with TimeZone %q: %v; want an *ArgumentError of Theater.TimeZone", zone, err)
			continue
		}
		if len(zone) < 100 && !strings.ContainsRune(zone, 0) && !strings.Contains(err.Error(), fmt.Sprintf("%q", zone)) {
			t.Errorf("AddTheater with TimeZone %q: %v; want the zone named", zone, err)
		}
		if _, err := f.sys.Theater(f.ctx, "bad"); !errors.Is(err, boxoffice.ErrNotFound) {
			t.Errorf("after the refused AddTheater with TimeZone %q: Theater = %v; want ErrNotFound", zone, err)
		}
	}
	for _, zone := range []string{"", "UTC", "Asia/Tokyo", "America/Argentina/Buenos_Aires"} {
		th := boxoffice.Theater{ID: "ok-" + zone, Name: "OK", City: "Anywhere", TimeZone: zone}
		got, err := f.sys.AddTheater(f.ctx, th)
		if err != nil || got != th {
			t.Errorf("AddTheater with TimeZone %q = %+v, %v; want it stored", zone, got, err)
		}
		if got, err := f.sys.Theater(f.ctx, th.ID); err != nil || got != th {
			t.Errorf("Theater after AddTheater with TimeZone %q = %+v, %v; want %+v", zone, got, err, th)
		}
	}
}

// A zone this process cannot load, put in the Store by some other means
// (another process with a newer zoneinfo, a hand-written row), fails the
// pricing of the theater's shows, naming it, rather than price them in
// another zone; the rest of the show works.
func TestUnloadableTheaterZoneFailsPricingOnly(t *testing.T) {
	f := newFixture(t)
	if err := f.store.AddTheater(f.ctx, boxoffice.Theater{ID: "far", Name: "Far", City: "Mars", TimeZone: "Mars/Olympus_Mons"}); err != nil {
		t.Fatal(err)
	}
	mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{ID: "far-1", TheaterID: "far", Name: "1", Layout: boxoffice.SeedLayout()}))
	show := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "far-show", MovieID: f.movie.ID, HallID: "far-1",
		Start: time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC), BasePrice: 1500}))
	_, err := f.sys.HoldSeats(f.ctx, "alice", show.ID, []string{"A1"})
	if !errors.Is(err, boxoffice.ErrInvalidArgument) || !strings.Contains(err.Error(), `"Mars/Olympus_Mons"`) {
		t.Errorf("HoldSeats in a theater of an unloadable zone: %v; want ErrInvalidArgument naming the zone", err)
	}
	if _, err := f.sys.SeatMap(f.ctx, show.ID); !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Errorf("SeatMap in a theater of an unloadable zone: %v; want ErrInvalidArgument", err)
	}
	if got, err := f.sys.Show(f.ctx, show.ID); err != nil || got != show {
		t.Errorf("Show = %+v, %v; want %+v", got, err, show)
	}
	// The fixture's show, in a theater without a zone, is not affected.
	f.hold("alice", "A1")
}

// A chain's theaters in several zones, one CalendarPricing for all: each
// show is priced by its day where it plays. The Calendar's Location is
// for theaters without a TimeZone.
func ExampleTheater_timeZone() {
	ctx := context.Background()
	pricing, err := boxoffice.NewCalendarPricing(boxoffice.Calendar{Location: time.UTC})
	if err != nil {
		log.Fatal(err)
	}
	clock := fakeclock.New(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
	sys, err := boxoffice.New(boxoffice.Config{Clock: clock, Pricing: pricing})
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Close(ctx)

	movie, err := sys.AddMovie(ctx, boxoffice.Movie{ID: "inception", Title: "Inception", Duration: 148 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	// Friday 4 January 2030, 23:30 UTC: Saturday morning in Tokyo, Friday
	// evening in New York.
	start := time.Date(2030, 1, 4, 23, 30, 0, 0, time.UTC)
	for _, th := range []boxoffice.Theater{
		{ID: "shinjuku", Name: "Shinjuku Wald 9", City: "Tokyo", TimeZone: "Asia/Tokyo"},
		{ID: "lincoln", Name: "Lincoln Square", City: "New York", TimeZone: "America/New_York"},
	} {
		if _, err := sys.AddTheater(ctx, th); err != nil {
			log.Fatal(err)
		}
		hall, err := sys.AddHall(ctx, boxoffice.Hall{TheaterID: th.ID, Name: "1", Layout: boxoffice.SeedLayout()})
		if err != nil {
			log.Fatal(err)
		}
		show, err := sys.ScheduleShow(ctx, boxoffice.Show{MovieID: movie.ID, HallID: hall.ID, Start: start, BasePrice: 1000})
		if err != nil {
			log.Fatal(err)
		}
		hold, err := sys.HoldSeats(ctx, "alice", show.ID, []string{"E1"}) // a Regular seat
		if err != nil {
			log.Fatal(err)
		}
		zone, _ := time.LoadLocation(th.TimeZone)
		fmt.Printf("%s, %s: %s\n", th.City, show.Start.In(zone).Format("Mon 15:04"), hold.Total)
	}

	_, err = sys.AddTheater(ctx, boxoffice.Theater{Name: "Olympus", City: "Mars", TimeZone: "Mars/Olympus_Mons"})
	fmt.Println(errors.Is(err, boxoffice.ErrInvalidArgument))
	// Output:
	// Tokyo, Sat 08:30: 15.00
	// New York, Fri 18:30: 10.00
	// true
}

// A zone name that loads here only because this machine has a zoneinfo
// directory is refused like "Local": "localtime" (on Debian and others
// a link to /etc/localtime, the machine's own zone, whatever the name)
// and spellings that are not the zone's name ("Asia//Tokyo",
// "./Asia/Tokyo"), which load from a directory but not from the
// time/tzdata copy the docs tell a program without zoneinfo to import,
// nor do the directory's extras ("posixrules", "posix/...", "right/...").
// AddTheater refuses them, naming the zone, and one put in the Store by
// other means fails the pricing of its shows rather than price them in
// some machine's zone.
func TestTimeZoneNamesOfOneMachineRefused(t *testing.T) {
	for _, zone := range []string{"localtime", "Asia//Tokyo", "./Asia/Tokyo", "Asia/./Tokyo", "Asia/Tokyo/", "posixrules", "posix/Asia/Tokyo", "right/Asia/Tokyo"} {
		t.Run(zone, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.sys.AddTheater(f.ctx, boxoffice.Theater{ID: "odd", Name: "Odd", City: "Tokyo", TimeZone: zone})
			var arg *boxoffice.ArgumentError
			if !errors.As(err, &arg) || arg.Field != "Theater.TimeZone" || !strings.Contains(err.Error(), fmt.Sprintf("%q", zone)) {
				t.Errorf("AddTheater with TimeZone %q: %v; want an *ArgumentError of Theater.TimeZone naming it", zone, err)
			}
			if err := f.store.AddTheater(f.ctx, boxoffice.Theater{ID: "stored", Name: "Stored", City: "Tokyo", TimeZone: zone}); err != nil {
				t.Fatal(err)
			}
			mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{ID: "stored-1", TheaterID: "stored", Name: "1", Layout: boxoffice.SeedLayout()}))
			show := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "stored-show", MovieID: f.movie.ID, HallID: "stored-1",
				Start: time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC), BasePrice: 1500}))
			if b, err := f.sys.HoldSeats(f.ctx, "alice", show.ID, []string{"A1"}); !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Errorf("HoldSeats in a theater stored with TimeZone %q: %+v, %v; want ErrInvalidArgument", zone, b.Total, err)
			}
		})
	}
}

// A zone that failed to load for a passing reason (here a stand-in
// loader's "too many open files") is loaded again by the next call that
// prices the show, so the show does not stay unsellable in this process
// until its entry is dropped; while it fails, the show's pricing fails,
// for every strategy.
func TestTheaterZoneLoadedAgainAfterAFailure(t *testing.T) {
	for _, s := range zoneStrategies(t) {
		t.Run(s.name, func(t *testing.T) {
			f := newFixture(t, func(c *boxoffice.Config) { c.Pricing = s.p })
			var failing atomic.Bool
			failing.Store(true)
			boxoffice.SetZoneLoaderForTest(f.sys, func(name string) (*time.Location, error) {
				if failing.Load() {
					return nil, errors.New("open /usr/share/zoneinfo/" + name + ": too many open files")
				}
				return time.LoadLocation(name)
			})
			// Through the Store: the system has not loaded the zone yet.
			if err := f.store.AddTheater(f.ctx, boxoffice.Theater{ID: "tokyo", Name: "Shinjuku", City: "Tokyo", TimeZone: "Asia/Tokyo"}); err != nil {
				t.Fatal(err)
			}
			mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{ID: "tokyo-1", TheaterID: "tokyo", Name: "1", Layout: boxoffice.SeedLayout()}))
			// Friday 23:30 UTC: Saturday in Tokyo, VIP A1 at 22.50 × 1.5.
			show := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "tokyo-late", MovieID: f.movie.ID, HallID: "tokyo-1",
				Start: time.Date(2026, 3, 6, 23, 30, 0, 0, time.UTC), BasePrice: 1500}))
			for range 2 {
				if _, err := f.sys.HoldSeats(f.ctx, "alice", show.ID, []string{"A1"}); !errors.Is(err, boxoffice.ErrInvalidArgument) || !strings.Contains(err.Error(), "too many open files") {
					t.Errorf("HoldSeats while the zone does not load: %v; want ErrInvalidArgument with the load's error", err)
				}
				if _, err := f.sys.SeatMap(f.ctx, show.ID); !errors.Is(err, boxoffice.ErrInvalidArgument) {
					t.Errorf("SeatMap while the zone does not load: %v; want ErrInvalidArgument", err)
				}
			}
			failing.Store(false)
			m, err := f.sys.SeatMap(f.ctx, show.ID)
			if err != nil {
				t.Fatalf("SeatMap once the zone loads: %v", err)
			}
			if got := m.Seats[0].Price; got != 3375 {
				t.Errorf("seat map quotes A1 at %s once the zone loads; want 33.75", got)
			}
			b, err := f.sys.HoldSeats(f.ctx, "alice", show.ID, []string{"A1"})
			if err != nil {
				t.Fatalf("HoldSeats once the zone loads: %v", err)
			}
			if b.Total != 3375 {
				t.Errorf("hold of A1 priced %s once the zone loads; want 33.75", b.Total)
			}
		})
	}
}

// DayRateIn reads the start in the zone given, else in Calendar.Location,
// and is the rate Price applies to a request of that Location: what a
// page showing "weekend rate" for a theater's show must agree with.
func TestCalendarPricingDayRateIn(t *testing.T) {
	tokyo := mustZone(t, "Asia/Tokyo")
	newYork := mustZone(t, "America/New_York")
	holidays := []boxoffice.Date{{Year: 2026, Month: time.March, Day: 10}} // a Tuesday
	fridayLate := time.Date(2026, 3, 6, 23, 30, 0, 0, time.UTC)            // Saturday 08:30 in Tokyo
	saturdayEarly := time.Date(2026, 3, 7, 1, 0, 0, 0, time.UTC)           // Friday 20:00 in New York
	tests := []struct {
		name     string
		calendar *time.Location // Calendar.Location; nil is UTC
		loc      *time.Location // DayRateIn's
		start    time.Time
		want     boxoffice.Rate
	}{
		{"Friday 23:30 UTC in Tokyo", nil, tokyo, fridayLate, boxoffice.RateWeekend},
		{"Friday 23:30 UTC, nil: the Calendar's UTC", nil, nil, fridayLate, boxoffice.RateOne},
		{"Friday 23:30 UTC, nil: the Calendar's Tokyo", tokyo, nil, fridayLate, boxoffice.RateWeekend},
		{"the zone given before the Calendar's", tokyo, newYork, saturdayEarly, boxoffice.RateOne},
		{"Saturday 01:00 UTC in New York", nil, newYork, saturdayEarly, boxoffice.RateOne},
		{"Saturday 01:00 UTC, nil: UTC", nil, nil, saturdayEarly, boxoffice.RateWeekend},
		{"Monday evening UTC is the Tuesday holiday in Tokyo", nil, tokyo, time.Date(2026, 3, 9, 20, 0, 0, 0, time.UTC), boxoffice.RateHoliday},
		{"Tuesday 02:00 UTC is Monday in New York", nil, newYork, time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC), boxoffice.RateOne},
		{"a start given in another zone is the same instant", nil, tokyo, fridayLate.In(newYork), boxoffice.RateWeekend},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := boxoffice.NewCalendarPricing(boxoffice.Calendar{Location: tt.calendar, Holidays: holidays})
			if err != nil {
				t.Fatal(err)
			}
			if got := cal.DayRateIn(tt.start, tt.loc); got != tt.want {
				t.Errorf("DayRateIn(%s, %v) = %s; want %s", tt.start, tt.loc, got, tt.want)
			}
			if tt.loc == nil {
				if got := cal.DayRate(tt.start); got != tt.want {
					t.Errorf("DayRate(%s) = %s; want DayRateIn(start, nil) = %s", tt.start, got, tt.want)
				}
			}
			// Price applies the same rate to a request of that Location:
			// a Regular seat at 10.00.
			show := boxoffice.Show{ID: "s", Start: tt.start, BasePrice: 1000}
			got, err := cal.Price(t.Context(), boxoffice.PriceRequest{Show: show, Seat: boxoffice.Seat{ID: "E1", Type: boxoffice.Regular}, Location: tt.loc})
			if want := boxoffice.Money(1000).Apply(tt.want); err != nil || got != want {
				t.Errorf("Price with Location %v = %s, %v; want %s", tt.loc, got, err, want)
			}
		})
	}
	var zero *boxoffice.CalendarPricing
	if got := zero.DayRateIn(fridayLate, tokyo); got != boxoffice.RateOne {
		t.Errorf("DayRateIn of a nil CalendarPricing = %s; want %s", got, boxoffice.RateOne)
	}
}

// A page listing a theater's shows labels each with its day rate: the
// rate in the theater's zone, which is the one its seats are sold at.
func ExampleCalendarPricing_DayRateIn() {
	ctx := context.Background()
	pricing, err := boxoffice.NewCalendarPricing(boxoffice.Calendar{Location: time.UTC})
	if err != nil {
		log.Fatal(err)
	}
	sys, err := boxoffice.New(boxoffice.Config{Clock: fakeclock.New(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)), Pricing: pricing})
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Close(ctx)
	movie, err := sys.AddMovie(ctx, boxoffice.Movie{ID: "inception", Title: "Inception", Duration: 148 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	theater, err := sys.AddTheater(ctx, boxoffice.Theater{ID: "shinjuku", Name: "Shinjuku Wald 9", City: "Tokyo", TimeZone: "Asia/Tokyo"})
	if err != nil {
		log.Fatal(err)
	}
	hall, err := sys.AddHall(ctx, boxoffice.Hall{TheaterID: theater.ID, Name: "1", Layout: boxoffice.SeedLayout()})
	if err != nil {
		log.Fatal(err)
	}
	// AddTheater loaded the zone, so this load does too.
	zone, err := time.LoadLocation(theater.TimeZone)
	if err != nil {
		log.Fatal(err)
	}
	for _, start := range []time.Time{
		time.Date(2030, 1, 4, 10, 0, 0, 0, time.UTC),  // Friday 19:00 in Tokyo
		time.Date(2030, 1, 4, 23, 30, 0, 0, time.UTC), // Saturday 08:30 in Tokyo, Friday in UTC
	} {
		show, err := sys.ScheduleShow(ctx, boxoffice.Show{MovieID: movie.ID, HallID: hall.ID, Start: start, BasePrice: 1000})
		if err != nil {
			log.Fatal(err)
		}
		m, err := sys.SeatMap(ctx, show.ID)
		if err != nil {
			log.Fatal(err)
		}
		rate := pricing.DayRateIn(show.Start, zone) // the theater's day
		label := "regular"
		if rate != boxoffice.RateOne {
			label = "weekend " + rate.String()
		}
		seat := m.Seats[len(m.Seats)-1]
		fmt.Printf("%s, %s rate: %s seat %s (DayRate, in UTC: %s)\n", show.Start.In(zone).Format("Mon 15:04"), label,
			seat.Type, seat.Price, pricing.DayRate(show.Start))
	}
	// Output:
	// Fri 19:00, regular rate: Regular seat 10.00 (DayRate, in UTC: x1)
	// Sat 08:30, weekend x1.5 rate: Regular seat 15.00 (DayRate, in UTC: x1)
}
