package boxoffice_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// allEvents is an Observer that records every event, ShowScheduled too.
type allEvents struct {
	mu     sync.Mutex
	events []boxoffice.Event
}

func (r *allEvents) Notify(_ context.Context, e boxoffice.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *allEvents) all() []boxoffice.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// addZonedShow adds a theater of that zone ("" for none), a seed hall and a
// show of the fixture's movie at start, all named after id.
func (f *fixture) addZonedShow(id, zone string, start time.Time) boxoffice.Show {
	f.t.Helper()
	mustT[boxoffice.Theater](f.t)(f.sys.AddTheater(f.ctx, boxoffice.Theater{ID: id, Name: id, City: id, TimeZone: zone}))
	mustT[boxoffice.Hall](f.t)(f.sys.AddHall(f.ctx, boxoffice.Hall{ID: id + "-1", TheaterID: id, Name: "1", Layout: boxoffice.SeedLayout()}))
	return mustT[boxoffice.Show](f.t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: id + "-show", MovieID: f.movie.ID, HallID: id + "-1",
		Start: start, BasePrice: 1500}))
}

// Every event of a show carries the zone of its theater, of every kind
// and from every path that builds one (hold, extend, release, sweep,
// confirm, a declined payment, a payment voided, a hold found run out by
// ConfirmBooking, cancel, ScheduleShow, CancelShow and the holds it
// ends); events of a theater without a zone carry none.
func TestEventsCarryTheaterZone(t *testing.T) {
	showStart := time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		theater, zone string // zone "": none
	}{
		{"tokyo", "Asia/Tokyo"},
		{"lisbon", "Europe/Lisbon"},
		{"nowhere", ""},
	} {
		t.Run(tt.theater, func(t *testing.T) {
			obs := &allEvents{}
			f := newFixture(t, func(c *boxoffice.Config) { c.Observers = []boxoffice.Observer{obs} })
			show := f.addZonedShow(tt.theater, tt.zone, showStart)
			hold := func(seat string) boxoffice.Booking {
				t.Helper()
				return mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "alice", show.ID, []string{seat}))
			}
			released := hold("A1")
			f.clock.Advance(time.Minute)
			mustT[boxoffice.Booking](t)(f.sys.ExtendHold(f.ctx, released.ID))
			mustT[boxoffice.Booking](t)(f.sys.ReleaseHold(f.ctx, released.ID))
			hold("A2") // to expire
			sold := hold("A3")
			mustT[boxoffice.Booking](t)(f.sys.ConfirmBooking(f.ctx, sold.ID, "card"))
			mustT[boxoffice.Booking](t)(f.sys.CancelBooking(f.ctx, sold.ID))
			declined := hold("A4")
			f.gateway.script(chargeOutcome{err: boxoffice.ErrPaymentDeclined})
			if _, err := f.sys.ConfirmBooking(f.ctx, declined.ID, "card"); err == nil {
				t.Fatal("ConfirmBooking with a declined card went through")
			}
			lost := hold("A6") // charged, every reply lost: voided
			lostReply := chargeOutcome{err: errGatewayDown, applied: true}
			f.gateway.script(lostReply, lostReply, lostReply)
			if _, err := f.sys.ConfirmBooking(f.ctx, lost.ID, "card"); err == nil {
				t.Fatal("ConfirmBooking with every reply lost went through")
			}
			late := hold("A7")
			f.clock.Advance(time.Hour) // past A2's and A7's deadlines
			if _, err := f.sys.ConfirmBooking(f.ctx, late.ID, "card"); err == nil {
				t.Fatal("ConfirmBooking of a hold run out went through")
			}
			if _, err := f.sys.Sweep(f.ctx); err != nil {
				t.Fatal(err)
			}
			hold("A5") // for CancelShow to release
			if _, err := f.sys.CancelShow(f.ctx, show.ID); err != nil {
				t.Fatal(err)
			}
			if err := f.sys.Close(f.ctx); err != nil { // delivers every event
				t.Fatal(err)
			}
			kinds := map[string]bool{}
			for _, e := range obs.all() {
				m := e.Meta()
				if m.ShowID != show.ID {
					continue
				}
				kinds[boxoffice.EventKind(e)] = true
				got := ""
				if m.Location != nil {
					got = m.Location.String()
				}
				if got != tt.zone {
					t.Errorf("%s: Location %q; want %q", boxoffice.EventKind(e), got, tt.zone)
				}
			}
			if len(kinds) != 9 {
				t.Errorf("event kinds seen: %v; want all nine", kinds)
			}
		})
	}
}

// The notifiers write a hold's deadline in the zone of the show's
// theater, else in WithNotifierLocation's, else in UTC: customers of a
// Tokyo theater and of a Lisbon one each read their own time, whatever
// the notifier's zone.
func TestNotifierDeadlineInTheaterZone(t *testing.T) {
	newYork := mustZone(t, "America/New_York")
	// July: Lisbon is on summer time (WEST, UTC+1), so that its deadline
	// differs from UTC's by the hour and not only by the name.
	now := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC) // holds until 09:10 UTC
	showStart := time.Date(2026, 7, 3, 20, 0, 0, 0, time.UTC)
	tests := []struct {
		name, zone string // the theater's zone; "": none
		option     *time.Location
		want       string
	}{
		{"tokyo", "Asia/Tokyo", nil, "18:10 JST on Wed 1 Jul 2026"},
		{"lisbon", "Europe/Lisbon", nil, "10:10 WEST on Wed 1 Jul 2026"},
		{"no zone", "", nil, "09:10 UTC on Wed 1 Jul 2026"},
		{"tokyo, notifier in New York", "Asia/Tokyo", newYork, "18:10 JST on Wed 1 Jul 2026"},
		{"lisbon, notifier in New York", "Europe/Lisbon", newYork, "10:10 WEST on Wed 1 Jul 2026"},
		{"no zone, notifier in New York", "", newYork, "05:10 EDT on Wed 1 Jul 2026"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			sender := boxoffice.NewPrintSender(&out)
			contacts := boxoffice.ContactMap{"alice": {Email: "alice@example.com", Phone: "+351 900 000 000"}}
			var opts []boxoffice.NotifierOption
			if tt.option != nil {
				opts = append(opts, boxoffice.WithNotifierLocation(tt.option))
			}
			f := newFixture(t, func(c *boxoffice.Config) {
				c.Observers = []boxoffice.Observer{
					boxoffice.NewEmailNotifier(sender, contacts, append(opts, boxoffice.WithNotifierClock(c.Clock))...),
					boxoffice.NewSMSNotifier(sender, contacts, append(opts, boxoffice.WithNotifierClock(c.Clock))...),
				}
			})
			f.clock.Advance(now.Sub(f.clock.Now()))
			show := f.addZonedShow("theater", tt.zone, showStart)
			mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "alice", show.ID, []string{"A1"}))
			if err := f.sys.Close(f.ctx); err != nil { // delivers every message
				t.Fatal(err)
			}
			text := out.String()
			if n := strings.Count(text, "before "+tt.want); n != 2 {
				t.Errorf("deadline %q written %d times, want 2 (email and SMS), in:\n%s", tt.want, n, text)
			}
		})
	}
}

// A chain's theaters in two zones and one without: each event carries
// its theater's zone, for an observer to write its times as the
// theater's customers read them. The built-in notifiers write a hold's
// deadline the same way, with WithNotifierLocation's zone for the
// theater without one.
func ExampleEventMeta_location() {
	ctx := context.Background()
	clock := fakeclock.New(time.Date(2030, 7, 1, 9, 0, 0, 0, time.UTC))
	deadlines := boxoffice.ObserverFunc(func(_ context.Context, e boxoffice.Event) {
		if held, ok := e.(*boxoffice.SeatsHeld); ok {
			until := held.HeldUntil // in UTC, as every time an event carries
			if held.Location != nil {
				until = until.In(held.Location)
			}
			fmt.Printf("%s: pay before %s\n", held.ShowID, until.Format("15:04 MST"))
		}
	})
	sys, err := boxoffice.New(boxoffice.Config{Clock: clock, Observers: []boxoffice.Observer{deadlines}})
	if err != nil {
		log.Fatal(err)
	}
	movie, err := sys.AddMovie(ctx, boxoffice.Movie{ID: "inception", Title: "Inception", Duration: 148 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	for _, th := range []boxoffice.Theater{
		{ID: "shinjuku", Name: "Shinjuku Wald 9", City: "Tokyo", TimeZone: "Asia/Tokyo"},
		{ID: "alvalade", Name: "Cinema City Alvalade", City: "Lisbon", TimeZone: "Europe/Lisbon"},
		{ID: "anywhere", Name: "Anywhere", City: "Nowhere"}, // no zone: UTC
	} {
		if _, err := sys.AddTheater(ctx, th); err != nil {
			log.Fatal(err)
		}
		hall, err := sys.AddHall(ctx, boxoffice.Hall{TheaterID: th.ID, Name: "1", Layout: boxoffice.SeedLayout()})
		if err != nil {
			log.Fatal(err)
		}
		show, err := sys.ScheduleShow(ctx, boxoffice.Show{ID: th.City, MovieID: movie.ID, HallID: hall.ID,
			Start: time.Date(2030, 7, 5, 19, 0, 0, 0, time.UTC), BasePrice: 1000})
		if err != nil {
			log.Fatal(err)
		}
		if _, err := sys.HoldSeats(ctx, "alice", show.ID, []string{"E1"}); err != nil {
			log.Fatal(err)
		}
	}
	if err := sys.Close(ctx); err != nil { // delivers the events
		log.Fatal(err)
	}
	// Output:
	// Tokyo: pay before 18:10 JST
	// Lisbon: pay before 10:10 WEST
	// Nowhere: pay before 09:10 UTC
}
