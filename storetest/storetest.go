// Package storetest is the conformance suite of [boxoffice.Store]: every Store
// implementation must pass it, so that backends cannot drift apart in what
// they promise the BookingSystem.
//
// Call [Run] from a test of the Store's package, with a constructor that
// returns a new, empty Store each time it is called:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) boxoffice.Store {
//			return mystore.New(...) // a fresh, empty store; clean up with t.Cleanup
//		}, storetest.Features{ExpiredHolds: true, UnsettledBookings: true})
//	}
//
// Every subtest calls newStore once and runs in parallel with the others
// (t.Parallel), so the stores returned must not share state. The suite uses
// only the public API of package boxoffice and fixed times (no clock), all
// in UTC, as the BookingSystem gives them. Most tests use whole seconds and
// compare times as instants; the Times tests give times with microseconds
// and check that every read returns each exactly as given (==): the same
// instant to the microsecond, in UTC (see boxoffice.Store).
//
// The concurrency checks force the interleaving they test from inside a
// transaction: a transaction starts another one on the same show (or hall)
// and waits for it, at most 100 ms, before going on. A correct Store makes
// the other wait, runs fn again, or (in a view) reads one snapshot, and
// passes however long the wait; the wait only gives a broken Store time to
// let the other through, so it never makes a correct Store fail. The
// tests that run many goroutines against the Store wait for them at most
// a minute, then fail naming what they waited for: a Store that deadlocks
// fails its subtest instead of hanging the package until its timeout.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// Features lists the optional capabilities of the Store under test; the
// suite tests a capability only when its field is true, and fails a Store
// that has a capability (which the BookingSystem then uses) whose field is
// false, so that none goes untested by mistake.
//
// A Store has a capability if it, or a Store along its Unwrap chain,
// implements it (see [boxoffice.StoreCapability]): the suite finds it as the
// BookingSystem does.
type Features struct {
	// ExpiredHolds: the Store implements boxoffice.ExpiredHoldLister.
	ExpiredHolds bool
	// UnsettledBookings: the Store implements
	// boxoffice.UnsettledBookingLister.
	UnsettledBookings bool
	// UserLimits: the Store implements boxoffice.UserLimitStore.
	UserLimits bool
	// MovieSearch: the Store implements boxoffice.MovieSearcher.
	MovieSearch bool
	// CityMovies: the Store implements boxoffice.CityMovieLister.
	CityMovies bool
	// CityShows: the Store implements boxoffice.CityShowLister.
	CityShows bool
	// SeatsOfUser: the ShowTx of the Store's UpdateShow implements
	// boxoffice.UserSeatCounter.
	SeatsOfUser bool
}

// Run runs the conformance suite against the Store made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) boxoffice.Store, f Features) {
	t.Helper()
	groups := []struct {
		name  string
		tests []subtest
	}{
		{"Catalog", catalogTests},
		{"Shows", showTests},
		{"Tx", txTests},
		{"Cancel", cancelTests},
		{"Concurrency", concurrencyTests},
		{"Bookings", bookingTests},
		{"Context", contextTests},
		{"Times", timeTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, st := range g.tests {
				t.Run(st.name, func(t *testing.T) {
					t.Parallel()
					st.run(t, newStore(t))
				})
			}
		})
	}
	runCapability[boxoffice.ExpiredHoldLister](t, "ExpiredHolds", f.ExpiredHolds, expiredHoldTests, newStore)
	runCapability[boxoffice.UnsettledBookingLister](t, "UnsettledBookings", f.UnsettledBookings, unsettledTests, newStore)
	runCapability[boxoffice.UserLimitStore](t, "UserLimits", f.UserLimits, userLimitTests, newStore)
	runCapability[boxoffice.MovieSearcher](t, "MovieSearch", f.MovieSearch, movieSearchTests, newStore)
	runCapability[boxoffice.CityMovieLister](t, "CityMovies", f.CityMovies, cityMovieTests, newStore)
	runCapability[boxoffice.CityShowLister](t, "CityShows", f.CityShows, cityShowTests, newStore)
	runSeatsOfUser(t, f.SeatsOfUser, newStore)
}

// capability is the Store's capability L, found as the BookingSystem
// finds it (through a wrapper's Unwrap too); runCapability checked that
// it is there.
func capability[L any](s boxoffice.Store) L {
	l, _ := boxoffice.StoreCapability[L](s)
	return l
}

// runCapability runs the tests of an optional capability L, named as its
// Features field, if that field is set; a Store that then does not
// implement L fails them. A Store that implements L with the field unset
// fails too: the BookingSystem uses L wherever a Store has it, so its
// contract is not optional then.
func runCapability[L any](t *testing.T, name string, enabled bool, tests []subtest, newStore func(t *testing.T) boxoffice.Store) {
	t.Run(name, func(t *testing.T) {
		if !enabled {
			if s := newStore(t); hasCapability[L](s) {
				t.Fatalf("%T implements %s, which the BookingSystem uses, but Features.%s is false: set it, so that the suite tests it", s, capabilityName[L](), name)
			}
			t.Skipf("Features.%s is false", name)
		}
		for _, st := range tests {
			t.Run(st.name, func(t *testing.T) {
				t.Parallel()
				s := newStore(t)
				if !hasCapability[L](s) {
					t.Fatalf("Features.%s is set but %T does not implement %s", name, s, capabilityName[L]())
				}
				st.run(t, s)
			})
		}
	})
}

// hasCapability reports whether s has the capability L, as the
// BookingSystem finds it.
func hasCapability[L any](s boxoffice.Store) bool {
	_, ok := boxoffice.StoreCapability[L](s)
	return ok
}

// capabilityName is the name of the interface L, such as
// "boxoffice.CityShowLister".
func capabilityName[L any]() string {
	return strings.TrimPrefix(fmt.Sprintf("%T", (*L)(nil)), "*")
}

// subtest is one named test of the suite.
type subtest struct {
	name string
	run  func(t *testing.T, s boxoffice.Store)
}

// day is the fixed date the suite schedules shows on.
var day = time.Date(2030, time.March, 8, 0, 0, 0, 0, time.UTC)

// at returns the time h:m on the suite's day.
func at(h, m int) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// movieDuration is the length of every show of the fixture.
const movieDuration = 2 * time.Hour

// Names of the fixture's catalog.
const (
	theaterID = "theater-1"
	hallA     = "hall-a"
	hallB     = "hall-b"
	movieX    = "movie-x"
	movieY    = "movie-y"
)

// fixture is a Store with one theater, two halls with the seed layout and
// two movies.
type fixture struct {
	s      boxoffice.Store
	ctx    context.Context
	layout *boxoffice.Layout
}

func newFixture(t *testing.T, s boxoffice.Store) *fixture {
	t.Helper()
	f := &fixture{s: s, ctx: t.Context(), layout: seedLayout(t)}
	must(t, s.AddTheater(f.ctx, boxoffice.Theater{ID: theaterID, Name: "Odeon", Location: "1 Main St", City: "Springfield"}))
	for _, h := range []string{hallA, hallB} {
		must(t, s.AddHall(f.ctx, boxoffice.Hall{ID: h, TheaterID: theaterID, Name: "Hall " + h, Layout: f.layout}))
	}
	for _, m := range []string{movieX, movieY} {
		must(t, s.AddMovie(f.ctx, boxoffice.Movie{ID: m, Title: "Title of " + m, Duration: movieDuration, Language: "en", Rating: "PG"}))
	}
	return f
}

func seedLayout(t *testing.T) *boxoffice.Layout {
	t.Helper()
	l := boxoffice.SeedLayout()
	if l == nil || l.Len() == 0 {
		t.Fatal("boxoffice.SeedLayout() returned no seats")
	}
	return l
}

// show returns a show of movie in hall starting at start, lasting
// movieDuration.
func show(id, hall, movie string, start time.Time) boxoffice.Show {
	return boxoffice.Show{
		ID: id, MovieID: movie, HallID: hall, TheaterID: theaterID,
		Start: start, End: start.Add(movieDuration), BasePrice: 12_00,
	}
}

// addShow stores a show with no schedule check.
func (f *fixture) addShow(t *testing.T, sh boxoffice.Show) boxoffice.Show {
	t.Helper()
	window := boxoffice.Interval{Start: sh.Start, End: sh.End}
	must(t, f.s.AddShow(f.ctx, sh, f.layout, window, func([]boxoffice.Show) error { return nil }))
	return sh
}

// seatTypes are given in turn to the seats of a fixture booking, Regular
// last: a Store that drops the type (stores every seat as the zero value,
// Regular) fails even on one-seat bookings.
var seatTypes = []struct {
	typ   boxoffice.SeatType
	price boxoffice.Money
}{
	{boxoffice.Premium, 15_60},
	{boxoffice.VIP, 18_00},
	{boxoffice.Regular, 12_00},
}

// booking returns a held booking of user in show, created at created, its
// seats of mixed types.
func booking(user, showID string, created time.Time, seatIDs ...string) boxoffice.Booking {
	b := boxoffice.Booking{
		ID:        boxoffice.NewBookingID(),
		UserID:    user,
		ShowID:    showID,
		Status:    boxoffice.StatusHeld,
		CreatedAt: created,
		HeldUntil: created.Add(10 * time.Minute),
		UpdatedAt: created,
	}
	for i, id := range seatIDs {
		st := seatTypes[i%len(seatTypes)]
		b.Seats = append(b.Seats, boxoffice.BookingSeat{ID: id, Type: st.typ, Price: st.price})
		b.Total += st.price
	}
	return b
}

// hold stores b and marks the seats at positions held by it, in one
// transaction.
func (f *fixture) hold(t *testing.T, b boxoffice.Booking, positions ...int) {
	t.Helper()
	must(t, f.s.UpdateShow(f.ctx, b.ShowID, func(tx boxoffice.ShowTx) error {
		for _, i := range positions {
			tx.SetSeat(i, boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: b.ID, HeldUntil: b.HeldUntil})
		}
		tx.PutBooking(b)
		return nil
	}))
}

// seats returns every seat slot of a show, read in one ViewShow.
func (f *fixture) seats(t *testing.T, showID string) []boxoffice.SeatSlot {
	t.Helper()
	var slots []boxoffice.SeatSlot
	must(t, f.s.ViewShow(f.ctx, showID, func(tx boxoffice.ShowTx) error {
		slots = make([]boxoffice.SeatSlot, tx.NumSeats())
		for i := range slots {
			slots[i] = tx.Seat(i)
		}
		return nil
	}))
	return slots
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr fails the test unless err matches target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want one matching %v", what, err, target)
	}
}

// Comparisons that treat times as instants (the Times tests check that
// they are also returned in UTC, as given) and nil slices as empty.

func diffMovie(want, got boxoffice.Movie) string {
	if want.ID != got.ID || want.Title != got.Title || want.Duration != got.Duration ||
		!slices.Equal(want.Genres, got.Genres) || want.Language != got.Language || want.Rating != got.Rating {
		return fmt.Sprintf("got movie %+v, want %+v", got, want)
	}
	return ""
}

func diffShow(want, got boxoffice.Show) string {
	if want.ID != got.ID || want.MovieID != got.MovieID || want.HallID != got.HallID ||
		want.TheaterID != got.TheaterID || !want.Start.Equal(got.Start) || !want.End.Equal(got.End) ||
		want.BasePrice != got.BasePrice {
		return fmt.Sprintf("got show %+v, want %+v", got, want)
	}
	return ""
}

func showIDs(shows []boxoffice.Show) []string {
	ids := make([]string, len(shows))
	for i, s := range shows {
		ids[i] = s.ID
	}
	return ids
}

func diffSlot(want, got boxoffice.SeatSlot) string {
	if want.Status != got.Status || want.Booking != got.Booking || !want.HeldUntil.Equal(got.HeldUntil) {
		return fmt.Sprintf("got slot {%v %v %v}, want {%v %v %v}",
			got.Status, got.Booking, got.HeldUntil, want.Status, want.Booking, want.HeldUntil)
	}
	return ""
}

// DiffBooking compares two bookings field by field, times as instants and
// nil slices as empty, and returns "" when they are the same or else a
// message that shows both. Tests of a Store's own package can use it to
// check bookings read back from the Store.
func DiffBooking(want, got boxoffice.Booking) string {
	same := want.ID == got.ID && want.UserID == got.UserID && want.ShowID == got.ShowID &&
		slices.Equal(want.Seats, got.Seats) && want.Total == got.Total && want.Status == got.Status &&
		want.CreatedAt.Equal(got.CreatedAt) && want.HeldUntil.Equal(got.HeldUntil) &&
		want.Extensions == got.Extensions && want.UpdatedAt.Equal(got.UpdatedAt) &&
		want.Payment.Method == got.Payment.Method && want.Payment.Amount == got.Payment.Amount &&
		want.Payment.Reference == got.Payment.Reference && want.Payment.Attempts == got.Payment.Attempts &&
		want.Payment.PaidAt.Equal(got.Payment.PaidAt) && want.Payment.Failure == got.Payment.Failure &&
		want.Payment.FailureKind == got.Payment.FailureKind && want.Payment.LiveUntil.Equal(got.Payment.LiveUntil) &&
		want.Refund.Amount == got.Refund.Amount && want.Refund.Percent == got.Refund.Percent &&
		want.Refund.Reference == got.Refund.Reference && want.Refund.RefundedAt.Equal(got.Refund.RefundedAt) &&
		want.Refund.Reason == got.Refund.Reason
	if !same {
		return fmt.Sprintf("got booking %+v, want %+v", got, want)
	}
	return ""
}

func bookingIDs(bs []boxoffice.Booking) []boxoffice.BookingID {
	ids := make([]boxoffice.BookingID, len(bs))
	for i, b := range bs {
		ids[i] = b.ID
	}
	return ids
}
