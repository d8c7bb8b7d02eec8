package boxoffice_test

import (
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// A show's day is read in its theater's zone with the offset in force at
// its start, not the zone's offset at another time of year: each show
// below, around New York's changes of 8 March and 1 November 2026, falls on
// another day at the other offset. HoldSeats prices it by that day, and its
// listing gives the zone its Start reads in on that day.
func TestTheaterZoneAcrossDST(t *testing.T) {
	cal, err := boxoffice.NewCalendarPricing(boxoffice.Calendar{
		Holidays: []boxoffice.Date{{Year: 2026, Month: time.November, Day: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	// E1 is a Regular seat: the base price, ×1.5 on weekends, ×2 on the holiday.
	const base, weekend, holiday = 1000, 1500, 2000
	tests := []struct {
		id    string
		start time.Time
		day   boxoffice.Date // in New York
		want  boxoffice.Money
	}{
		// 04:30 UTC is 00:30 at -4 (summer time), 23:30 the day before at -5.
		{"sat-edt", time.Date(2026, 10, 31, 4, 30, 0, 0, time.UTC), boxoffice.Date{Year: 2026, Month: time.October, Day: 31}, weekend},
		{"sun-est", time.Date(2026, 11, 2, 4, 30, 0, 0, time.UTC), boxoffice.Date{Year: 2026, Month: time.November, Day: 1}, holiday},
		{"mon-edt", time.Date(2026, 3, 9, 4, 30, 0, 0, time.UTC), boxoffice.Date{Year: 2026, Month: time.March, Day: 9}, base},
		{"fri-est", time.Date(2026, 3, 7, 4, 30, 0, 0, time.UTC), boxoffice.Date{Year: 2026, Month: time.March, Day: 6}, base},
		// 06:30 UTC on 8 March is 01:30 EST, half an hour before the change.
		{"sun-change", time.Date(2026, 3, 8, 6, 30, 0, 0, time.UTC), boxoffice.Date{Year: 2026, Month: time.March, Day: 8}, weekend},
	}
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit, func(c *boxoffice.Config) { c.Pricing = cal })
			mustT[boxoffice.Theater](t)(f.sys.AddTheater(f.ctx, boxoffice.Theater{ID: "nyc", Name: "Angelika", City: "New York", TimeZone: "America/New_York"}))
			mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{ID: "HN", TheaterID: "nyc", Name: "1", Layout: boxoffice.SeedLayout()}))
			for _, tt := range tests {
				mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: tt.id, MovieID: "M1", HallID: "HN", Start: tt.start, BasePrice: base}))
			}
			listed := map[string]boxoffice.ShowInfo{}
			for _, s := range mustT[[]boxoffice.ShowInfo](t)(f.sys.ShowsOfMovie(f.ctx, "M1", boxoffice.ShowPage{City: "New York"})) {
				listed[s.ID] = s
			}
			for _, tt := range tests {
				b, err := f.sys.HoldSeats(f.ctx, "u-"+tt.id, tt.id, []string{"E1"})
				if err != nil {
					t.Fatalf("%s: HoldSeats: %v", tt.id, err)
				}
				if b.Total != tt.want {
					t.Errorf("%s (%s): E1 costs %s; want %s", tt.id, tt.start, b.Total, tt.want)
				}
				s, ok := listed[tt.id]
				if !ok || s.Location == nil || s.Location.String() != "America/New_York" {
					t.Errorf("%s: listed %v with zone %v; want America/New_York", tt.id, ok, s.Location)
					continue
				}
				if got := boxoffice.DateOf(s.Start.In(s.Location)); got != tt.day {
					t.Errorf("%s (%s): listed on %s in New York; want %s", tt.id, tt.start, got, tt.day)
				}
			}
		})
	}
}
