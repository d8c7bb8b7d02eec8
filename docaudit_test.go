package boxoffice_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/doc"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// The doc audit: claims of the README and the godoc about defaults and
// errors, checked against what the code does, one row per claim.

// TestDocumentedDefaults checks the defaults that README.md, doc.go and
// Config's comments state against what New fills in.
func TestDocumentedDefaults(t *testing.T) {
	sys, err := boxoffice.New(boxoffice.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sys.Close(t.Context()) })
	c := sys.Config()
	tests := []struct {
		name      string
		got, want any
	}{
		{"HoldTTL", c.HoldTTL, 10 * time.Minute},
		{"MaxHoldExtensions", c.MaxHoldExtensions, 2},
		{"MaxSeatsPerHold", c.MaxSeatsPerHold, 10},
		{"MaxLiveHoldsPerUser", c.MaxLiveHoldsPerUser, 5},
		{"HoldsPerMinute", c.HoldsPerMinute, 3},
		{"SweepInterval", c.SweepInterval, time.Second},
		{"RescanInterval", c.RescanInterval, time.Minute},
		{"PaymentAttempts", c.PaymentAttempts, 3},
		{"PaymentBackoff", c.PaymentBackoff, 200 * time.Millisecond},
		{"PaymentTimeout", c.PaymentTimeout, 15 * time.Second},
		{"EventBuffer", c.EventBuffer, 4096},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("Config.%s defaults to %v; the docs say %v", tt.name, tt.got, tt.want)
		}
	}
	// README, "Running it": a payment (its charge calls and the backoffs
	// between) takes at most this long with the defaults; its void as long
	// again.
	payment := time.Duration(c.PaymentAttempts)*c.PaymentTimeout + c.PaymentBackoff + 2*c.PaymentBackoff
	if want := 45600 * time.Millisecond; payment != want {
		t.Errorf("the longest payment with the defaults is %s; README says %s", payment, want)
	}
	// README: a payment is resumed after 5 min 45.6 s by default.
	if want := 5*time.Minute + 45600*time.Millisecond; payment+5*time.Minute != want {
		t.Errorf("the abandon bound is %s; README says %s", payment+5*time.Minute, want)
	}
	for _, tier := range []struct {
		left time.Duration
		want int
	}{
		{6*time.Hour + time.Second, 100}, {6 * time.Hour, 50}, {2*time.Hour + time.Second, 50},
		{2 * time.Hour, 25}, {30*time.Minute + time.Second, 25}, {30 * time.Minute, 0},
	} {
		if got := c.RefundPolicy.RefundPercent(tier.left); got != tier.want {
			t.Errorf("default refund %s before the show: %d %%; the docs say %d %%", tier.left, got, tier.want)
		}
	}
}

// TestDocumentedErrors checks, per method, an error its doc (or the
// README) promises.
func TestDocumentedErrors(t *testing.T) {
	type check struct {
		name string
		err  func(f *fixture) error
		is   []error
		not  []error
	}
	checks := []check{
		{"ParseBookingStatus of another text is invalid", func(*fixture) error {
			_, err := boxoffice.ParseBookingStatus("unknown")
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"ParsePaymentFailureKind of another text is invalid", func(*fixture) error {
			_, err := boxoffice.ParsePaymentFailureKind("lost")
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"ReleaseHold of a released hold is a no-op", func(f *fixture) error {
			b := f.hold("alice", "A1")
			if _, err := f.sys.ReleaseHold(f.ctx, b.ID); err != nil {
				return err
			}
			_, err := f.sys.ReleaseHold(f.ctx, b.ID)
			return err
		}, nil, nil},
		{"ReleaseHold after the start: the hold has run out, not ShowStarted", func(f *fixture) error {
			b := f.hold("alice", "A1")
			f.clock.Set(f.show.Start)
			_, err := f.sys.ReleaseHold(f.ctx, b.ID)
			return err
		}, []error{boxoffice.ErrHoldExpired, boxoffice.ErrInvalidTransition}, []error{boxoffice.ErrShowStarted}},
		{"ExtendHold past the cap: ErrLimitReached, not ErrRateLimited", func(f *fixture) error {
			b := f.hold("alice", "A1")
			for range 2 {
				f.clock.Advance(time.Minute) // less would be a repeat, not an extension
				if _, err := f.sys.ExtendHold(f.ctx, b.ID); err != nil {
					return err
				}
			}
			f.clock.Advance(time.Minute)
			_, err := f.sys.ExtendHold(f.ctx, b.ID)
			if n := f.sys.Stats().RateLimited; n != 0 {
				f.t.Errorf("Stats.RateLimited = %d after a refusal at the extension cap; the docs say it is not counted", n)
			}
			return err
		}, []error{boxoffice.ErrLimitReached}, []error{boxoffice.ErrRateLimited}},
		{"ExtendHold from the start on: ShowStarted", func(f *fixture) error {
			b := f.hold("alice", "A1")
			f.clock.Set(f.show.Start)
			_, err := f.sys.ExtendHold(f.ctx, b.ID)
			return err
		}, []error{boxoffice.ErrShowStarted}, nil},
		{"HoldSeats over MaxSeatsPerHold is invalid", func(f *fixture) error {
			_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID,
				[]string{"E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10", "F1"})
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"HoldSeats of a cancelled show", func(f *fixture) error {
			if _, err := f.sys.CancelShow(f.ctx, f.show.ID); err != nil {
				return err
			}
			_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"})
			return err
		}, []error{boxoffice.ErrShowCancelled}, nil},
		{"CancelShow twice: no error, zero counts", func(f *fixture) error {
			f.confirm(f.hold("alice", "A1"))
			if _, err := f.sys.CancelShow(f.ctx, f.show.ID); err != nil {
				return err
			}
			c, err := f.sys.CancelShow(f.ctx, f.show.ID)
			if c != (boxoffice.ShowCancellation{}) {
				f.t.Errorf("CancelShow again: %+v; the docs say zero counts", c)
			}
			return err
		}, nil, nil},
		{"ParseBookingID of text that is no booking ID: invalid, not not found", func(f *fixture) error {
			_, err := boxoffice.ParseBookingID("no-such-booking")
			var id boxoffice.BookingID
			if uerr := id.UnmarshalText([]byte("no-such-booking")); !errors.Is(uerr, boxoffice.ErrInvalidArgument) {
				f.t.Errorf("UnmarshalText: %v; the docs say it is ParseBookingID's error", uerr)
			}
			return err
		}, []error{boxoffice.ErrInvalidArgument}, []error{boxoffice.ErrNotFound}},
		{"ConfirmBooking again after a decline, with another method: the recorded failure, no charge", func(f *fixture) error {
			b := f.hold("alice", "A1")
			f.gateway.script(chargeOutcome{err: boxoffice.ErrPaymentDeclined})
			if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card:declined"); !errors.Is(err, boxoffice.ErrPaymentDeclined) {
				f.t.Fatalf("first ConfirmBooking: %v; want a decline", err)
			}
			calls := f.gateway.chargeCalls()
			_, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card:another")
			if n := f.gateway.chargeCalls(); n != calls {
				f.t.Errorf("ConfirmBooking again charged (%d calls, then %d); the docs say it charges nothing", calls, n)
			}
			if got := f.booking(b.ID).Status; got != boxoffice.StatusFailed {
				f.t.Errorf("booking %v after a second ConfirmBooking; the docs say it stays failed", got)
			}
			if got := f.seatStatus("A1"); got != boxoffice.SeatAvailable {
				f.t.Errorf("seat A1 %v after the decline; the docs say it is for sale", got)
			}
			return err
		}, []error{boxoffice.ErrPaymentFailed, boxoffice.ErrPaymentDeclined}, nil},
		{"CancelBooking whose refund fails: ErrRefundOwed and the gateway's error, with the cancelled booking", func(f *fixture) error {
			b := f.confirm(f.hold("alice", "A1"))
			// Every attempt of the call fails (Config.PaymentAttempts, 3).
			f.failRefunds(errGatewayDown, errGatewayDown, errGatewayDown)
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			if got.ID != b.ID || got.Status != boxoffice.StatusCancelled || got.RefundOwed() == 0 {
				f.t.Errorf("CancelBooking returned %v (%v, owed %v) with %v; the docs say the cancelled booking, its refund owed", got.ID, got.Status, got.RefundOwed(), err)
			}
			return err
		}, []error{boxoffice.ErrRefundOwed, errGatewayDown}, []error{boxoffice.ErrPaymentFailed}},
		{"CancelShow whose refunds fail: no error, RefundsOwed counts them", func(f *fixture) error {
			f.confirm(f.hold("alice", "A1"))
			f.failRefunds(errGatewayDown, errGatewayDown, errGatewayDown)
			c, err := f.sys.CancelShow(f.ctx, f.show.ID)
			if c.BookingsCancelled != 1 || c.RefundsOwed != 1 {
				f.t.Errorf("CancelShow: %+v; the docs say 1 booking cancelled, its refund owed", c)
			}
			return err
		}, nil, nil},
		{"ConfirmBooking whose void fails: a payment failure, not ErrRefundOwed", func(f *fixture) error {
			f.gateway.script(chargeOutcome{err: errGatewayDown, applied: true}, chargeOutcome{err: errGatewayDown},
				chargeOutcome{err: errGatewayDown}) // charged, every reply lost
			f.failRefunds(errGatewayDown, errGatewayDown, errGatewayDown)
			got, err := f.sys.ConfirmBooking(f.ctx, f.hold("alice", "A1").ID, "card")
			if got.Status != boxoffice.StatusFailed || got.RefundOwed() == 0 {
				f.t.Errorf("ConfirmBooking returned %v owing %v; want failed, its void owed", got.Status, got.RefundOwed())
			}
			return err
		}, []error{boxoffice.ErrPaymentFailed}, []error{boxoffice.ErrRefundOwed}},
		{"CancelBooking of a hold: a transition error, the hold not released", func(f *fixture) error {
			b := f.hold("alice", "A1")
			_, err := f.sys.CancelBooking(f.ctx, b.ID)
			if got := f.booking(b.ID).Status; got != boxoffice.StatusHeld {
				f.t.Errorf("booking %v after CancelBooking of a hold; the docs say it is refused", got)
			}
			return err
		}, []error{boxoffice.ErrInvalidTransition}, []error{boxoffice.ErrHoldExpired, boxoffice.ErrShowStarted}},
		{"SeatMap of an unknown show", func(f *fixture) error {
			_, err := f.sys.SeatMap(f.ctx, "no-such-show")
			return err
		}, []error{boxoffice.ErrNotFound}, nil},
		{"Watch of an unknown show", func(f *fixture) error {
			_, err := f.sys.Watch(f.ctx, "no-such-show")
			return err
		}, []error{boxoffice.ErrNotFound}, nil},
		{"CompleteShow of an unknown show", func(f *fixture) error {
			_, err := f.sys.CompleteShow(f.ctx, "no-such-show")
			return err
		}, []error{boxoffice.ErrNotFound}, nil},
		{"CancelShow from the start on: ShowStarted", func(f *fixture) error {
			f.clock.Set(f.show.Start)
			_, err := f.sys.CancelShow(f.ctx, f.show.ID)
			return err
		}, []error{boxoffice.ErrShowStarted}, nil},
		{"CancelShow of an unknown show: NotFound", func(f *fixture) error {
			_, err := f.sys.CancelShow(f.ctx, "nope")
			return err
		}, []error{boxoffice.ErrNotFound}, nil},
		{"CompleteShow before the start: InvalidArgument", func(f *fixture) error {
			_, err := f.sys.CompleteShow(f.ctx, f.show.ID)
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"CancelBooking after the start: ShowStarted and InvalidTransition", func(f *fixture) error {
			b := f.confirm(f.hold("alice", "A1"))
			f.clock.Set(f.show.Start)
			_, err := f.sys.CancelBooking(f.ctx, b.ID)
			return err
		}, []error{boxoffice.ErrShowStarted, boxoffice.ErrInvalidTransition}, nil},
		{"CancelBooking of a hold: InvalidTransition", func(f *fixture) error {
			_, err := f.sys.CancelBooking(f.ctx, f.hold("alice", "A1").ID)
			return err
		}, []error{boxoffice.ErrInvalidTransition}, nil},
		{"ConfirmBooking of a held booking after the start: ShowStarted", func(f *fixture) error {
			b := f.hold("alice", "A1")
			f.clock.Set(f.show.Start)
			_, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card:ok")
			return err
		}, []error{boxoffice.ErrShowStarted}, []error{boxoffice.ErrPaymentFailed}},
		{"ConfirmBooking with a method of 257 bytes: InvalidArgument", func(f *fixture) error {
			_, err := f.sys.ConfirmBooking(f.ctx, f.hold("alice", "A1").ID, boxoffice.PaymentMethod(strings.Repeat("x", 257)))
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"ConfirmBooking with a method of 256 bytes is accepted", func(f *fixture) error {
			_, err := f.sys.ConfirmBooking(f.ctx, f.hold("alice", "A1").ID, boxoffice.PaymentMethod(strings.Repeat("x", 256)))
			return err
		}, nil, nil},
		{"BookingsOfUser after another user's booking: NotFound", func(f *fixture) error {
			b := f.hold("bob", "A1")
			_, err := f.sys.BookingsOfUser(f.ctx, "alice", boxoffice.BookingPage{After: b.ID})
			return err
		}, []error{boxoffice.ErrNotFound}, nil},
		{"BookingsOfUser with a Limit above MaxPageLimit: InvalidArgument", func(f *fixture) error {
			_, err := f.sys.BookingsOfUser(f.ctx, "alice", boxoffice.BookingPage{Limit: boxoffice.MaxPageLimit + 1})
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"SetPricing(nil): InvalidArgument", func(f *fixture) error {
			return f.sys.SetPricing(nil)
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"ScheduleShow more than MaxScheduleAhead ahead: InvalidArgument", func(f *fixture) error {
			_, err := f.sys.ScheduleShow(f.ctx, boxoffice.Show{MovieID: f.movie.ID, HallID: f.hall.ID,
				Start: start.Add(boxoffice.MaxScheduleAhead + time.Hour), BasePrice: 1500})
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"ScheduleShow inside the cleaning buffer: ScheduleConflict", func(f *fixture) error {
			_, err := f.sys.ScheduleShow(f.ctx, boxoffice.Show{MovieID: f.movie.ID, HallID: f.hall.ID,
				Start: f.show.End.Add(boxoffice.CleaningBuffer - time.Minute), BasePrice: 1500})
			return err
		}, []error{boxoffice.ErrScheduleConflict}, nil},
		{"ScheduleShow right after the cleaning buffer is fine", func(f *fixture) error {
			_, err := f.sys.ScheduleShow(f.ctx, boxoffice.Show{MovieID: f.movie.ID, HallID: f.hall.ID,
				Start: f.show.End.Add(boxoffice.CleaningBuffer), BasePrice: 1500})
			return err
		}, nil, nil},
		{"AddMovie with a taken ID: AlreadyExists", func(f *fixture) error {
			_, err := f.sys.AddMovie(f.ctx, boxoffice.Movie{ID: f.movie.ID, Title: "X", Duration: time.Hour})
			return err
		}, []error{boxoffice.ErrAlreadyExists}, nil},
		{"AddMovie of 12 hours is fine", func(f *fixture) error {
			_, err := f.sys.AddMovie(f.ctx, boxoffice.Movie{Title: "Long", Duration: 12 * time.Hour})
			return err
		}, nil, nil},
		{"AddMovie longer than 12 hours: InvalidArgument", func(f *fixture) error {
			_, err := f.sys.AddMovie(f.ctx, boxoffice.Movie{Title: "X", Duration: 12*time.Hour + time.Second})
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"AddMovie with 17 genres: InvalidArgument", func(f *fixture) error {
			genres := make([]string, 17)
			for i := range genres {
				genres[i] = fmt.Sprint("g", i)
			}
			_, err := f.sys.AddMovie(f.ctx, boxoffice.Movie{Title: "X", Duration: time.Hour, Genres: genres})
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"AddMovie with an empty genre: InvalidArgument", func(f *fixture) error {
			_, err := f.sys.AddMovie(f.ctx, boxoffice.Movie{Title: "X", Duration: time.Hour, Genres: []string{""}})
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"AddMovie with an ID of 129 bytes: InvalidArgument", func(f *fixture) error {
			_, err := f.sys.AddMovie(f.ctx, boxoffice.Movie{ID: strings.Repeat("m", 129), Title: "X", Duration: time.Hour})
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"AddMovie with a title of 513 bytes: InvalidArgument", func(f *fixture) error {
			_, err := f.sys.AddMovie(f.ctx, boxoffice.Movie{Title: strings.Repeat("t", 513), Duration: time.Hour})
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"AddTheater without a City: InvalidArgument", func(f *fixture) error {
			_, err := f.sys.AddTheater(f.ctx, boxoffice.Theater{Name: "X"})
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"AddTheater with a taken ID: AlreadyExists", func(f *fixture) error {
			_, err := f.sys.AddTheater(f.ctx, boxoffice.Theater{ID: f.hall.TheaterID, Name: "X", City: "Y"})
			return err
		}, []error{boxoffice.ErrAlreadyExists}, nil},
		{"AddHall of an unknown theater: NotFound", func(f *fixture) error {
			_, err := f.sys.AddHall(f.ctx, boxoffice.Hall{TheaterID: "nope", Name: "X", Layout: boxoffice.SeedLayout()})
			return err
		}, []error{boxoffice.ErrNotFound}, nil},
		{"AddHall without a layout: InvalidArgument", func(f *fixture) error {
			_, err := f.sys.AddHall(f.ctx, boxoffice.Hall{TheaterID: f.hall.TheaterID, Name: "X"})
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"AddHall with a taken ID: AlreadyExists", func(f *fixture) error {
			_, err := f.sys.AddHall(f.ctx, boxoffice.Hall{ID: f.hall.ID, TheaterID: f.hall.TheaterID, Name: "X", Layout: boxoffice.SeedLayout()})
			return err
		}, []error{boxoffice.ErrAlreadyExists}, nil},
		{"ScheduleShow of an unknown movie: NotFound", func(f *fixture) error {
			_, err := f.sys.ScheduleShow(f.ctx, boxoffice.Show{MovieID: "nope", HallID: f.hall.ID, Start: start.Add(48 * time.Hour)})
			return err
		}, []error{boxoffice.ErrNotFound}, nil},
		{"ScheduleShow in an unknown hall: NotFound", func(f *fixture) error {
			_, err := f.sys.ScheduleShow(f.ctx, boxoffice.Show{MovieID: f.movie.ID, HallID: "nope", Start: start.Add(48 * time.Hour)})
			return err
		}, []error{boxoffice.ErrNotFound}, nil},
		{"ScheduleShow with a BasePrice above MaxPrice: InvalidArgument", func(f *fixture) error {
			_, err := f.sys.ScheduleShow(f.ctx, boxoffice.Show{MovieID: f.movie.ID, HallID: f.hall.ID, Start: start.Add(48 * time.Hour),
				BasePrice: boxoffice.MaxPrice + 1})
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"ScheduleShow with a taken ID: AlreadyExists", func(f *fixture) error {
			_, err := f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: f.show.ID, MovieID: f.movie.ID, HallID: f.hall.ID, Start: start.Add(48 * time.Hour)})
			return err
		}, []error{boxoffice.ErrAlreadyExists}, nil},
		{"Movie, Theater, Hall and Show of unknown or overlong IDs: NotFound", func(f *fixture) error {
			var errs []error
			for _, id := range []string{"nope", strings.Repeat("x", 129)} {
				_, e1 := f.sys.Movie(f.ctx, id)
				_, e2 := f.sys.Theater(f.ctx, id)
				_, e3 := f.sys.Hall(f.ctx, id)
				_, e4 := f.sys.Show(f.ctx, id)
				for _, e := range []error{e1, e2, e3, e4} {
					if !errors.Is(e, boxoffice.ErrNotFound) {
						errs = append(errs, fmt.Errorf("id of %d bytes: %v", len(id), e))
					}
				}
			}
			if len(errs) > 0 {
				return errors.Join(errs...)
			}
			return boxoffice.ErrNotFound
		}, []error{boxoffice.ErrNotFound}, nil},
		{"HoldSeats with an empty user: InvalidArgument", func(f *fixture) error {
			_, err := f.sys.HoldSeats(f.ctx, "", f.show.ID, []string{"A1"})
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"HoldSeats with a user of 257 bytes: InvalidArgument", func(f *fixture) error {
			_, err := f.sys.HoldSeats(f.ctx, strings.Repeat("u", 257), f.show.ID, []string{"A1"})
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"HoldSeats with a user of 256 bytes is fine", func(f *fixture) error {
			_, err := f.sys.HoldSeats(f.ctx, strings.Repeat("u", 256), f.show.ID, []string{"A1"})
			return err
		}, nil, nil},
		{"HoldSeats of no seats: InvalidArgument", func(f *fixture) error {
			_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, nil)
			return err
		}, []error{boxoffice.ErrInvalidArgument}, nil},
		{"HoldSeats of an unknown show: NotFound", func(f *fixture) error {
			_, err := f.sys.HoldSeats(f.ctx, "alice", "nope", []string{"A1"})
			return err
		}, []error{boxoffice.ErrNotFound}, nil},
		{"HoldSeats past HoldsPerMinute: a *RateLimitError with a RetryAfter", func(f *fixture) error {
			sys := newFixture(f.t, func(c *boxoffice.Config) { c.HoldsPerMinute = 1 })
			sys.hold("alice", "A1")
			_, err := sys.sys.HoldSeats(sys.ctx, "alice", sys.show.ID, []string{"B1"})
			if rl, ok := errors.AsType[*boxoffice.RateLimitError](err); !ok || rl.RetryAfter <= 0 {
				f.t.Errorf("%v; the docs promise a *RateLimitError with a RetryAfter", err)
			}
			return err
		}, []error{boxoffice.ErrRateLimited}, []error{boxoffice.ErrLimitReached}},
		{"the calls on an unknown booking: NotFound", func(f *fixture) error {
			id := boxoffice.NewBookingID()
			_, e1 := f.sys.Booking(f.ctx, id)
			_, e2 := f.sys.ExtendHold(f.ctx, id)
			_, e3 := f.sys.ReleaseHold(f.ctx, id)
			_, e4 := f.sys.ConfirmBooking(f.ctx, id, "card")
			_, e5 := f.sys.CancelBooking(f.ctx, id)
			var errs []error
			for i, e := range []error{e1, e2, e3, e4, e5} {
				if !errors.Is(e, boxoffice.ErrNotFound) {
					errs = append(errs, fmt.Errorf("call %d: %v", i+1, e))
				}
			}
			if len(errs) > 0 {
				return errors.Join(errs...)
			}
			return boxoffice.ErrNotFound
		}, []error{boxoffice.ErrNotFound}, nil},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			// The background sweeper never ticks, even when a check moves
			// the clock to the show's start: it would expire a hold the
			// check then confirms, and the answer would depend on which
			// ran first (ErrHoldExpired or ErrShowStarted).
			f := newFixture(t, func(c *boxoffice.Config) { c.SweepInterval = 1000 * time.Hour })
			err := c.err(f)
			if len(c.is) == 0 && err != nil {
				t.Fatalf("error %v; the docs promise none", err)
			}
			for _, want := range c.is {
				if !errors.Is(err, want) {
					t.Errorf("error %v; the docs say it matches %v", err, want)
				}
			}
			for _, not := range c.not {
				if errors.Is(err, not) {
					t.Errorf("error %v matches %v; the docs say it does not", err, not)
				}
			}
		})
	}
}

// TestDocumentedCallsAfterClose: Close's doc lists the calls that return
// ErrClosed once it has run.
func TestDocumentedCallsAfterClose(t *testing.T) {
	f := newFixture(t)
	b := f.hold("alice", "A1")
	if err := f.sys.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
	ctx, sys := f.ctx, f.sys
	calls := map[string]func() error{
		"HoldSeats":    func() error { _, err := sys.HoldSeats(ctx, "bob", f.show.ID, []string{"B1"}); return err },
		"ExtendHold":   func() error { _, err := sys.ExtendHold(ctx, b.ID); return err },
		"ReleaseHold":  func() error { _, err := sys.ReleaseHold(ctx, b.ID); return err },
		"Confirm":      func() error { _, err := sys.ConfirmBooking(ctx, b.ID, "card:ok"); return err },
		"CancelBook":   func() error { _, err := sys.CancelBooking(ctx, b.ID); return err },
		"CancelShow":   func() error { _, err := sys.CancelShow(ctx, f.show.ID); return err },
		"CompleteShow": func() error { _, err := sys.CompleteShow(ctx, f.show.ID); return err },
		"AddMovie": func() error {
			_, err := sys.AddMovie(ctx, boxoffice.Movie{Title: "X", Duration: time.Hour})
			return err
		},
		"AddTheater": func() error { _, err := sys.AddTheater(ctx, boxoffice.Theater{Name: "X", City: "Y"}); return err },
		"AddHall": func() error {
			_, err := sys.AddHall(ctx, boxoffice.Hall{TheaterID: f.hall.TheaterID, Name: "X", Layout: boxoffice.SeedLayout()})
			return err
		},
		"ScheduleShow": func() error {
			_, err := sys.ScheduleShow(ctx, boxoffice.Show{MovieID: f.movie.ID, HallID: f.hall.ID, Start: start.Add(48 * time.Hour), BasePrice: 1})
			return err
		},
		"Sweep": func() error { _, err := sys.Sweep(ctx); return err },
		"Watch": func() error { _, err := sys.Watch(ctx, f.show.ID); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, boxoffice.ErrClosed) {
			t.Errorf("%s after Close: %v; Close's doc says ErrClosed", name, err)
		}
	}
}

// TestDocumentedLayoutLimits: ParseLayout's doc (a label of 1 to 3
// capital letters, a line of at most 512 bytes) and README's seat IDs
// (exact: case-sensitive, never trimmed).
func TestDocumentedLayoutLimits(t *testing.T) {
	if _, err := boxoffice.ParseLayout("ABC R\n"); err != nil {
		t.Errorf("a 3-letter label: %v; the docs allow 1 to 3 letters", err)
	}
	if _, err := boxoffice.ParseLayout("ABCD R\n"); !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Errorf("a 4-letter label: %v; the docs allow 1 to 3 letters", err)
	}
	long := "A " + strings.Repeat("R", 198) + strings.Repeat(" ", 600) + "\n"
	if _, err := boxoffice.ParseLayout(long); !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Errorf("a line of %d bytes: %v; the docs refuse lines longer than 512 bytes", len(long)-1, err)
	}
	l := boxoffice.SeedLayout()
	for _, id := range []string{"a1", " A1", "A1 ", "A01"} {
		if _, ok := l.Lookup(id); ok {
			t.Errorf("Lookup(%q) found a seat; the README says seat IDs are exact", id)
		}
	}
	if l.Len() != 60 {
		t.Errorf("SeedLayout has %d seats; the docs say 6 × 10", l.Len())
	}
}

// TestDocLinks: every [Name] in a doc comment of the packages (pgstore's
// too, when its directory is here) is a doc link that resolves. One that
// does not, [Nmae] or [Booking.Nmae], renders as plain text in brackets,
// and go/doc only checks this package's names: [pkg.Name] is checked here
// against pkg's own declarations.
func TestDocLinks(t *testing.T) {
	bracketed := regexp.MustCompile(`\[\*?[A-Za-z_][\w./]*\]`)
	imported := map[string]map[string]bool{}
	for _, dir := range []string{".", "fakeclock", "storetest", "pgstore"} {
		if _, err := os.Stat(dir); err != nil {
			t.Logf("%s: %v; not checked", dir, err)
			continue
		}
		pkg, _ := docPackage(t, dir)
		var walk func([]comment.Text, string)
		walk = func(texts []comment.Text, where string) {
			for _, text := range texts {
				switch text := text.(type) {
				case comment.Plain:
					for _, m := range bracketed.FindAllString(string(text), -1) {
						t.Errorf("%s: %s: %s is no doc link", dir, where, m)
					}
				case *comment.Link:
					walk(text.Text, where)
				case *comment.DocLink:
					if text.ImportPath == "" {
						continue // go/doc resolved it against pkg
					}
					syms, ok := imported[text.ImportPath]
					if !ok {
						bp, err := build.Import(text.ImportPath, dir, build.FindOnly)
						if err != nil {
							t.Fatalf("%s: %s: %v", dir, where, err)
						}
						_, syms = docPackage(t, bp.Dir)
						imported[text.ImportPath] = syms
					}
					if name := strings.TrimPrefix(text.Recv+"."+text.Name, "."); name != "" && !syms[name] {
						t.Errorf("%s: %s: [%s.%s] names nothing", dir, where, text.ImportPath, name)
					}
				}
			}
		}
		for where, text := range docComments(pkg) {
			var blocks func([]comment.Block)
			blocks = func(bs []comment.Block) {
				for _, b := range bs {
					switch b := b.(type) {
					case *comment.Paragraph:
						walk(b.Text, where)
					case *comment.Heading:
						walk(b.Text, where)
					case *comment.List:
						for _, item := range b.Items {
							blocks(item.Content)
						}
					}
				}
			}
			blocks(pkg.Parser().Parse(text).Content)
		}
	}
}

// docPackage reads the exported API of the package in dir, as go doc
// does, and the names a doc link may give it: Name and Type.Member.
func docPackage(t *testing.T, dir string) (*doc.Package, map[string]bool) {
	t.Helper()
	bp, err := build.ImportDir(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	pkg, err := doc.NewFromFiles(fset, files, bp.ImportPath)
	if err != nil {
		t.Fatal(err)
	}
	syms := map[string]bool{}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			for _, name := range v.Names {
				syms[name] = true
			}
		}
	}
	values(pkg.Consts)
	values(pkg.Vars)
	for _, f := range pkg.Funcs {
		syms[f.Name] = true
	}
	for _, typ := range pkg.Types {
		syms[typ.Name] = true
		values(typ.Consts)
		values(typ.Vars)
		for _, f := range typ.Funcs {
			syms[f.Name] = true
		}
		for _, m := range typ.Methods {
			syms[typ.Name+"."+m.Name] = true
		}
		ast.Inspect(typ.Decl, func(n ast.Node) bool {
			var fields *ast.FieldList
			switch n := n.(type) {
			case *ast.StructType:
				fields = n.Fields
			case *ast.InterfaceType:
				fields = n.Methods
			default:
				return true
			}
			for _, field := range fields.List {
				for _, name := range field.Names {
					syms[typ.Name+"."+name.Name] = true
				}
			}
			return false
		})
	}
	return pkg, syms
}

// docComments are the doc comments go doc shows of pkg, by the name they
// document.
func docComments(pkg *doc.Package) map[string]string {
	docs := map[string]string{"package " + pkg.Name: pkg.Doc}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			docs[strings.Join(v.Names, ", ")] = v.Doc
		}
	}
	funcs := func(fs []*doc.Func) {
		for _, f := range fs {
			docs[strings.TrimPrefix(strings.TrimPrefix(f.Recv, "*")+"."+f.Name, ".")] = f.Doc
		}
	}
	values(pkg.Consts)
	values(pkg.Vars)
	funcs(pkg.Funcs)
	for _, typ := range pkg.Types {
		docs[typ.Name] = typ.Doc
		values(typ.Consts)
		values(typ.Vars)
		funcs(typ.Funcs)
		funcs(typ.Methods)
	}
	return docs
}
