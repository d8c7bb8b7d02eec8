package boxoffice_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// TestNotifierDeadlineDefaultsToUTC: without WithNotifierLocation, a hold's
// deadline is written in UTC, as the BookingSystem gives every time it
// stores, even when its Clock reads in another zone. The option's doc said
// the default was the Clock's zone: an adopter whose servers run in IST
// would have left it unset and mailed customers deadlines in UTC.
func TestNotifierDeadlineDefaultsToUTC(t *testing.T) {
	ctx := context.Background()
	ist, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal("no zoneinfo:", err) // Go falls back on its own copy: never missing
	}
	clock := fakeclock.New(time.Date(2030, 3, 1, 9, 0, 0, 0, ist)) // 03:30 UTC
	var mail bytes.Buffer
	contacts := boxoffice.ContactMap{"alice": {Email: "alice@example.com"}}
	sys, err := boxoffice.New(boxoffice.Config{Clock: clock, Observers: []boxoffice.Observer{
		boxoffice.NewEmailNotifier(boxoffice.NewPrintSender(&mail), contacts, boxoffice.WithNotifierClock(clock)),
	}})
	if err != nil {
		t.Fatal(err)
	}
	mustT[boxoffice.Movie](t)(sys.AddMovie(ctx, boxoffice.Movie{ID: "M1", Title: "Inception", Duration: 148 * time.Minute}))
	mustT[boxoffice.Theater](t)(sys.AddTheater(ctx, boxoffice.Theater{ID: "T1", Name: "PVR Phoenix", City: "Mumbai"}))
	mustT[boxoffice.Hall](t)(sys.AddHall(ctx, boxoffice.Hall{ID: "H1", TheaterID: "T1", Name: "Audi 1", Layout: boxoffice.SeedLayout()}))
	mustT[boxoffice.Show](t)(sys.ScheduleShow(ctx, boxoffice.Show{ID: "S1", MovieID: "M1", HallID: "H1",
		Start: clock.Now().Add(48 * time.Hour), BasePrice: 1500}))
	mustT[boxoffice.Booking](t)(sys.HoldSeats(ctx, "alice", "S1", []string{"A1"}))
	if err := sys.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if want := "03:40 UTC"; !strings.Contains(mail.String(), want) {
		t.Errorf("the hold's mail:\n%s\nwant its deadline written %q (UTC, the default)", mail.String(), want)
	}
}
