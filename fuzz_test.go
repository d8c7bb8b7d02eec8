package boxoffice_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"math"
	"math/big"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// Fuzz targets for every input that crosses the API. Each bad input must
// get an error matching one of the package's sentinels, never a panic, and
// must change nothing: a fingerprint of the whole state (catalog, seat
// maps, the bookings of every user involved) is compared before and after
// a failed call. Run one for a minute with
//
//	go test -run '^$' -fuzz '^FuzzHoldSeats$' -fuzztime 60s .
//
// The default test run replays the seeds below and testdata/fuzz.

// fuzzEnv is a small BookingSystem with a catalog and two bookings: ann's
// hold on A1 and bob's paid B1 and B2 of show S1 (hall H1, the seed hall).
type fuzzEnv struct {
	t     *testing.T
	ctx   context.Context
	clock *fakeclock.Clock
	store *boxoffice.MemoryStore
	sys   *boxoffice.BookingSystem
	users []string
	held  boxoffice.Booking
	paid  boxoffice.Booking
}

func newFuzzEnv(t *testing.T, edit ...func(*boxoffice.Config)) *fuzzEnv {
	t.Helper()
	e := &fuzzEnv{t: t, ctx: context.Background(), clock: fakeclock.New(start), store: boxoffice.NewMemoryStore(),
		users: []string{"ann", "bob"}}
	cfg := boxoffice.Config{Store: e.store, Clock: e.clock, Logger: slog.New(slog.DiscardHandler),
		HoldsPerMinute: -1, MaxLiveHoldsPerUser: -1, PaymentBackoff: -1, SweepInterval: time.Hour}
	for _, f := range edit {
		f(&cfg)
	}
	sys, err := boxoffice.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.sys = sys
	t.Cleanup(func() {
		if err := sys.Close(e.ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	mustT[boxoffice.Movie](t)(sys.AddMovie(e.ctx, boxoffice.Movie{ID: "M1", Title: "Inception", Duration: 148 * time.Minute,
		Genres: []string{"Sci-Fi"}, Language: "English"}))
	mustT[boxoffice.Theater](t)(sys.AddTheater(e.ctx, boxoffice.Theater{ID: "T1", Name: "PVR", City: "Mumbai"}))
	mustT[boxoffice.Hall](t)(sys.AddHall(e.ctx, boxoffice.Hall{ID: "H1", TheaterID: "T1", Name: "Audi 1", Layout: boxoffice.SeedLayout()}))
	mustT[boxoffice.Show](t)(sys.ScheduleShow(e.ctx, boxoffice.Show{ID: "S1", MovieID: "M1", HallID: "H1",
		Start: start.Add(10 * time.Hour), BasePrice: 1500}))
	e.held = mustT[boxoffice.Booking](t)(sys.HoldSeats(e.ctx, "ann", "S1", []string{"A1"}))
	e.paid = mustT[boxoffice.Booking](t)(sys.HoldSeats(e.ctx, "bob", "S1", []string{"B1", "B2"}))
	e.paid = mustT[boxoffice.Booking](t)(sys.ConfirmBooking(e.ctx, e.paid.ID, "card"))
	return e
}

// fingerprint hashes the whole catalog, every show's seat map and the
// bookings of the env's users and of extra users.
func (e *fuzzEnv) fingerprint(extraUsers ...string) string {
	e.t.Helper()
	h := sha256.New()
	put := func(v ...any) { fmt.Fprintln(h, v...) }
	for m, err := range e.store.Movies(e.ctx) {
		e.must(err)
		put("movie", m)
		shows, err := storeShowsOfMovie(e.ctx, e.store, m.ID)
		e.must(err)
		for _, s := range shows {
			put("show", s)
			e.putSeatMap(h, s.ID)
		}
	}
	for th, err := range e.store.Theaters(e.ctx) {
		e.must(err)
		put("theater", th)
		halls, err := e.store.HallsOfTheater(e.ctx, th.ID)
		e.must(err)
		for _, hl := range halls {
			put("hall", hl.ID, hl.TheaterID, hl.Name, hl.Layout.String())
		}
	}
	for _, u := range append(slices.Clone(e.users), extraUsers...) {
		bs, err := storeBookingsOfUser(e.ctx, e.store, u)
		e.must(err)
		for _, b := range bs {
			put("booking", b)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// putSeatMap hashes the show's stored seats (not SeatMap, which also
// prices them with the current strategy, and fails with it).
func (e *fuzzEnv) putSeatMap(h hash.Hash, showID string) {
	err := e.store.ViewShow(e.ctx, showID, func(tx boxoffice.ShowTx) error {
		for i := range tx.NumSeats() {
			fmt.Fprint(h, tx.Seat(i), ";")
		}
		return nil
	})
	e.must(err)
	fmt.Fprintln(h)
}

func (e *fuzzEnv) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

// expectRefused fails unless err is one of want and the state is as
// before.
func (e *fuzzEnv) expectRefused(what string, err error, before string, extraUsers []string, want ...error) {
	e.t.Helper()
	if !slices.ContainsFunc(want, func(w error) bool { return errors.Is(err, w) }) {
		e.t.Fatalf("%s: error %v (%T) matches none of %v", what, err, err, want)
	}
	if after := e.fingerprint(extraUsers...); after != before {
		e.t.Fatalf("%s failed with %v but changed the state", what, err)
	}
}

// validUser mirrors the documented rules for user IDs.
func validUser(u string) bool { return u != "" && validTextRef(u, 256) }

// validTextRef mirrors the rules for text input: at most max bytes of
// UTF-8 without control characters.
func validTextRef(s string, max int) bool {
	return len(s) <= max && utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)
	})
}

// seatList turns a fuzzed string into a seat list: "" is no seats, else
// the parts between commas.
func seatList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func manySeats(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "Z" + strconv.Itoa(i+1)
	}
	return strings.Join(ids, ",")
}

// FuzzHoldSeats fuzzes the user, the show and the seat list of HoldSeats
// (and the user of BookingsOfUser), with the per-hold seat cap on or off.
func FuzzHoldSeats(f *testing.F) {
	for _, s := range []struct {
		user, show, seats string
		uncapped          bool
	}{
		{"cat", "S1", "C3,C4", false},
		{"cat", "S1", "", false},                // empty list
		{"cat", "S1", ",", false},               // empty seat IDs
		{"cat", "S1", "C3,C3", false},           // duplicate
		{"cat", "S1", "C3,C4,C3,C4", true},      // duplicates, uncapped
		{"cat", "S1", manySeats(10_000), false}, // 10,000 seats, refused by the cap
		{"cat", "S1", manySeats(10_000), true},  // 10,000 unknown seats, no cap
		{"cat", "S1", strings.Repeat("C3,", 9999) + "C3", true},
		{"cat", "S1", "A1", false},                    // held by ann
		{"ann", "S1", "A1", false},                    // ann's own hold, again
		{"ann", "S1", "A1,A2", false},                 // partly ann's own
		{"cat", "S1", "B1,C1", false},                 // sold
		{"cat", "S1", "Z9", false},                    // unknown
		{"cat", "S1", "c3", false},                    // lower case
		{"cat", "S1", "Ｃ3", false},                    // full-width C
		{"cat", "S1", "C3\x00", false},                // control character
		{"cat", "S1", "\xff\xfe", false},              // invalid UTF-8
		{"", "S1", "C3", false},                       // no user
		{"c\nat", "S1", "C3", false},                  // control character in the user
		{"\u202ecat", "S1", "C3", false},              // bidi override: printable, allowed
		{"ｃａｔ🎬", "S1", "C3", false},                   // unicode user
		{strings.Repeat("u", 257), "S1", "C3", false}, // too long a user
		{"cat\xff", "S1", "C3", false},
		{"cat", "", "C3", false},
		{"cat", "S2", "C3", false},
		{"cat", "S1\x00", "C3", false},
	} {
		f.Add(s.user, s.show, s.seats, s.uncapped)
	}
	f.Fuzz(func(t *testing.T, user, show, seatsText string, uncapped bool) {
		e := newFuzzEnv(t, func(c *boxoffice.Config) {
			if uncapped {
				c.MaxSeatsPerHold = -1
			}
		})
		seats := seatList(seatsText)
		extra := []string{}
		if validUser(user) {
			extra = append(extra, user)
		}
		before := e.fingerprint(extra...)

		bs, err := e.sys.BookingsOfUser(e.ctx, user, boxoffice.BookingPage{})
		switch {
		case !validUser(user):
			e.expectRefused("BookingsOfUser", err, before, extra, boxoffice.ErrInvalidArgument)
		case err != nil:
			t.Fatalf("BookingsOfUser(%q): %v", user, err)
		case user != "ann" && user != "bob" && len(bs) != 0:
			t.Fatalf("BookingsOfUser(%q) = %d bookings of nobody", user, len(bs))
		}

		b, err := e.sys.HoldSeats(e.ctx, user, show, seats)
		if err != nil {
			e.expectRefused("HoldSeats", err, before, extra, boxoffice.ErrInvalidArgument, boxoffice.ErrNotFound,
				boxoffice.ErrSeatUnavailable)
			var se *boxoffice.SeatError
			var ae *boxoffice.ArgumentError
			if !errors.As(err, &se) && !errors.As(err, &ae) && !errors.Is(err, boxoffice.ErrNotFound) {
				t.Fatalf("HoldSeats error %v is neither a *SeatError nor an *ArgumentError", err)
			}
			return
		}
		// A hold that went through: valid input, all seats free (or ann
		// repeating her hold).
		if !validUser(user) || show != "S1" || len(seats) == 0 {
			t.Fatalf("HoldSeats(%q, %q, %q) accepted", user, show, seats)
		}
		if !slices.Equal(b.SeatIDs(), seats) || b.UserID != user || b.ShowID != show || b.Status != boxoffice.StatusHeld {
			t.Fatalf("HoldSeats(%q, %q, %q) = %s of %v by %s", user, show, seats, b.Status, b.SeatIDs(), b.UserID)
		}
		if sorted := slices.Compact(slices.Sorted(slices.Values(seats))); len(sorted) != len(seats) {
			t.Fatalf("HoldSeats accepted duplicate seats %q", seats)
		}
		for _, s := range seats {
			if s == "A1" && user != "ann" || s == "B1" || s == "B2" {
				t.Fatalf("HoldSeats(%q, %v) sold seat %s again", user, seats, s)
			}
		}
	})
}

// FuzzBookingID fuzzes booking IDs: parsing, and every call that takes
// one.
func FuzzBookingID(f *testing.F) {
	for _, s := range []string{
		"", "0", "not-a-uuid", "00000000-0000-0000-0000-000000000000",
		"6ba7b810-9dad-11d1-80b4-00c04fd430c8", "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}",
		"urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8", "6ba7b8109dad11d180b400c04fd430c8",
		"6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "6ba7b810-9dad-11d1-80b4-00c04fd430c\x00",
		"６ba7b810-9dad-11d1-80b4-00c04fd430c8", strings.Repeat("f", 10_000), "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := boxoffice.ParseBookingID(s)
		var fromText boxoffice.BookingID
		textErr := fromText.UnmarshalText([]byte(s))
		if (err == nil) != (textErr == nil) || id != fromText {
			t.Fatalf("ParseBookingID and UnmarshalText disagree on %q: %v, %v", s, err, textErr)
		}
		if err != nil {
			var ae *boxoffice.ArgumentError
			if !errors.Is(err, boxoffice.ErrInvalidArgument) || !errors.As(err, &ae) {
				t.Fatalf("ParseBookingID(%q): %v", s, err)
			}
			if !id.IsZero() {
				t.Fatalf("ParseBookingID(%q) failed but returned %s", s, id)
			}
			return
		}
		again, err := boxoffice.ParseBookingID(id.String())
		if err != nil || again != id {
			t.Fatalf("%q → %s → %s, %v: no round trip", s, id, again, err)
		}
		e := newFuzzEnv(t)
		if id == e.held.ID || id == e.paid.ID {
			return
		}
		before := e.fingerprint()
		_, err = e.sys.Booking(e.ctx, id)
		e.expectRefused("Booking", err, before, nil, boxoffice.ErrNotFound)
		_, err = e.sys.ReleaseHold(e.ctx, id)
		e.expectRefused("ReleaseHold", err, before, nil, boxoffice.ErrNotFound)
		_, err = e.sys.ExtendHold(e.ctx, id)
		e.expectRefused("ExtendHold", err, before, nil, boxoffice.ErrNotFound)
		_, err = e.sys.ConfirmBooking(e.ctx, id, "card")
		e.expectRefused("ConfirmBooking", err, before, nil, boxoffice.ErrNotFound)
		_, err = e.sys.CancelBooking(e.ctx, id)
		e.expectRefused("CancelBooking", err, before, nil, boxoffice.ErrNotFound)
	})
}

// FuzzScheduleShow fuzzes a movie's text and duration and a show's start,
// price and IDs. The env's show S1 runs 19:00–21:28 in hall H1, so starts
// near it conflict.
func FuzzScheduleShow(f *testing.F) {
	type seed struct {
		title, movieID, showID, hallID string
		duration, startIn              time.Duration // startIn: from now
		zeroStart                      bool
		price                          int64
	}
	for _, s := range []seed{
		{"Heat", "M2", "S2", "H1", 170 * time.Minute, 48 * time.Hour, false, 1200},
		{"Heat", "M2", "S2", "H1", 170 * time.Minute, 10 * time.Hour, false, 1200},         // overlaps S1
		{"Heat", "M2", "S2", "H1", 170 * time.Minute, 13*time.Hour - 1, false, 1200},       // in S1's cleaning buffer
		{"Heat", "M2", "S2", "H1", 170 * time.Minute, -time.Nanosecond, false, 1200},       // a show in the past
		{"Heat", "M2", "S2", "H1", 170 * time.Minute, 0, true, 1200},                       // zero start
		{"Heat", "M2", "S2", "H1", 170 * time.Minute, 0, false, 1200},                      // starts now
		{"Heat", "M2", "S2", "H1", 170 * time.Minute, 48 * time.Hour, false, -1},           // negative price
		{"Heat", "M2", "S2", "H1", 170 * time.Minute, 48 * time.Hour, false, 0},            // free
		{"Heat", "M2", "S2", "H1", 170 * time.Minute, 48 * time.Hour, false, 1_000_000_01}, // above MaxPrice
		{"Heat", "M2", "S2", "H1", 170 * time.Minute, 48 * time.Hour, false, math.MaxInt64},
		{"Heat", "M2", "S2", "H1", 170 * time.Minute, 48 * time.Hour, false, math.MinInt64},
		{"Heat", "M2", "S2", "H1", 0, 48 * time.Hour, false, 1200},                      // zero duration
		{"Heat", "M2", "S2", "H1", -time.Minute, 48 * time.Hour, false, 1200},           // negative duration
		{"Heat", "M2", "S2", "H1", 13 * time.Hour, 48 * time.Hour, false, 1200},         // too long a film
		{"Heat", "M2", "S2", "H1", 170*time.Minute + 1500, 48 * time.Hour, false, 1200}, // kept to the µs
		{"Heat", "M2", "S2", "H1", 999, 48 * time.Hour, false, 1200},                    // under a µs
		{"Heat", "M2", "S2", "H1", math.MaxInt64, math.MaxInt64, false, 1200},           // overflowing times
		{"Heat", "M2", "S2", "H1", 170 * time.Minute, math.MinInt64, false, 1200},
		{"", "M2", "S2", "H1", 170 * time.Minute, 48 * time.Hour, false, 1200}, // no title
		{"H\x00eat", "M2", "S2", "H1", 170 * time.Minute, 48 * time.Hour, false, 1200},
		{"Amélie 🎬", "M2", "S2", "H1", 170 * time.Minute, 48 * time.Hour, false, 1200},
		{"Heat", "M1", "S2", "H1", 170 * time.Minute, 48 * time.Hour, false, 1200}, // movie ID taken
		{"Heat", "M2", "S1", "H1", 170 * time.Minute, 48 * time.Hour, false, 1200}, // show ID taken
		{"Heat", "M2", "S2", "H9", 170 * time.Minute, 48 * time.Hour, false, 1200}, // no such hall
		{"Heat", "", "", "H1", 170 * time.Minute, 48 * time.Hour, false, 1200},     // generated IDs
		{"Heat", "M\n2", "S\u00852", "H1", 170 * time.Minute, 48 * time.Hour, false, 1200},
		{"Heat", strings.Repeat("m", 129), "S2", "H1", 170 * time.Minute, 48 * time.Hour, false, 1200},
	} {
		f.Add(s.title, s.movieID, s.showID, s.hallID, int64(s.duration), int64(s.startIn), s.zeroStart, s.price)
	}
	f.Fuzz(func(t *testing.T, title, movieID, showID, hallID string, duration, startIn int64, zeroStart bool, price int64) {
		e := newFuzzEnv(t)
		before := e.fingerprint()
		m, err := e.sys.AddMovie(e.ctx, boxoffice.Movie{ID: movieID, Title: title, Duration: time.Duration(duration)})
		if err != nil {
			e.expectRefused("AddMovie", err, before, nil, boxoffice.ErrInvalidArgument, boxoffice.ErrAlreadyExists)
			if errors.Is(err, boxoffice.ErrAlreadyExists) {
				m, err = e.sys.Movie(e.ctx, movieID)
				e.must(err)
			} else {
				m = mustT[boxoffice.Movie](t)(e.sys.Movie(e.ctx, "M1"))
			}
		} else if m.Duration <= 0 || m.Duration > 12*time.Hour || m.Duration%time.Microsecond != 0 {
			t.Fatalf("AddMovie accepted a duration of %s", m.Duration)
		}
		before = e.fingerprint()
		startAt := e.clock.Now().Add(time.Duration(startIn))
		if zeroStart {
			startAt = time.Time{}
		}
		s, err := e.sys.ScheduleShow(e.ctx, boxoffice.Show{ID: showID, MovieID: m.ID, HallID: hallID, Start: startAt,
			BasePrice: boxoffice.Money(price)})
		if err != nil {
			e.expectRefused("ScheduleShow", err, before, nil, boxoffice.ErrInvalidArgument, boxoffice.ErrAlreadyExists,
				boxoffice.ErrNotFound, boxoffice.ErrScheduleConflict)
			return
		}
		switch {
		case s.Start.Before(e.clock.Now()):
			t.Fatalf("scheduled a show in the past: %s", s.Start)
		case s.BasePrice < 0 || s.BasePrice > boxoffice.MaxPrice:
			t.Fatalf("scheduled a show at %s", s.BasePrice)
		case !s.End.Equal(s.Start.Add(m.Duration)):
			t.Fatalf("show ends %s; starts %s and lasts %s", s.End, s.Start, m.Duration)
		case s.HallID == "H1" && s.Start.Before(start.Add(10*time.Hour+148*time.Minute+boxoffice.CleaningBuffer)) &&
			start.Add(10*time.Hour).Before(s.End.Add(boxoffice.CleaningBuffer)):
			t.Fatalf("show %s–%s overlaps S1 in hall H1", s.Start, s.End)
		}
		// Its seats are for sale, at the price it was scheduled at, until it
		// starts (a show may be scheduled to start now).
		b, err := e.sys.HoldSeats(e.ctx, "cat", s.ID, []string{"E1", "A1"})
		if !e.clock.Now().Before(s.Start) {
			if !errors.Is(err, boxoffice.ErrShowStarted) {
				t.Fatalf("hold on a show starting now: %v; want ErrShowStarted", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("hold on the new show: %v", err)
		}
		if want := s.BasePrice + s.BasePrice.Apply(boxoffice.RateVIP); b.Total != want {
			t.Fatalf("E1+A1 at base %s cost %s; want %s", s.BasePrice, b.Total, want)
		}
	})
}

// FuzzPricing fuzzes amounts and rates: Money.Apply, Adjust,
// MemberDiscount and NewCalendarPricing, and a hold priced by a fuzzed
// strategy.
func FuzzPricing(f *testing.F) {
	for _, s := range []struct {
		base, rate int64
		seatType   uint8
	}{
		{1500, 15000, 0}, {1500, 11000, 2}, {1, 5000, 0}, {3, 5000, 0}, {-3, 5000, 0},
		{0, 15000, 1}, {1500, 0, 0}, {1500, -10000, 0}, {1500, 1_000_000, 2}, {1500, 1_000_001, 0},
		{1_000_000_00, 1_000_000, 2}, {1_000_000_01, 10000, 0}, {-1, 10000, 0},
		{math.MaxInt64, 10000, 0}, {math.MinInt64, 10000, 0}, {math.MaxInt64, math.MaxInt64, 0},
		{1500, 10000, 3}, {1500, 10000, 255},
	} {
		f.Add(s.base, s.rate, s.seatType)
	}
	f.Fuzz(func(t *testing.T, base, rate int64, seatType uint8) {
		m, r := boxoffice.Money(base), boxoffice.Rate(rate)
		// Apply is exact wherever the product fits in an int64.
		if p, ok := exactApply(base, rate); ok {
			if got := m.Apply(r); int64(got) != p {
				t.Fatalf("%d.Apply(%d) = %d; want %d", base, rate, got, p)
			}
		}
		req := boxoffice.PriceRequest{Show: boxoffice.Show{BasePrice: m, Start: start.Add(24 * time.Hour)},
			Seat: boxoffice.Seat{ID: "A1", Type: boxoffice.SeatType(seatType)}, UserID: "ann"}
		validBase := base >= 0 && m <= boxoffice.MaxPrice && boxoffice.SeatType(seatType).Valid()
		validRate := rate > 0 && rate <= 100*int64(boxoffice.RateOne)
		ctx := context.Background()
		member := func(context.Context, string) (bool, error) { return true, nil }
		for name, p := range map[string]boxoffice.PricingStrategy{
			"Adjust":         boxoffice.Adjust(boxoffice.RegularPricing(), r),
			"MemberDiscount": boxoffice.MemberDiscount(boxoffice.RegularPricing(), r, member),
		} {
			price, err := p.Price(ctx, req)
			if !validBase || !validRate {
				if !errors.Is(err, boxoffice.ErrInvalidArgument) {
					t.Fatalf("%s(base %d, rate %d, type %d): %s, %v; want ErrInvalidArgument", name, base, rate, seatType, price, err)
				}
				continue
			}
			want := m.Apply(boxoffice.SeatType(seatType).Multiplier()).Apply(r)
			switch {
			case want > boxoffice.MaxSeatPrice:
				if !errors.Is(err, boxoffice.ErrInvalidArgument) {
					t.Fatalf("%s: %s above the maximum seat price, %v", name, price, err)
				}
			case err != nil || price != want:
				t.Fatalf("%s(base %d, rate %d, type %d) = %s, %v; want %s", name, base, rate, seatType, price, err, want)
			}
		}
		cal, err := boxoffice.NewCalendarPricing(boxoffice.Calendar{Weekend: r, Holiday: r})
		switch {
		case err != nil:
			if validRate || rate == 0 || !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Fatalf("NewCalendarPricing(rate %d): %v", rate, err)
			}
		case !validRate && rate != 0:
			t.Fatalf("NewCalendarPricing accepted rate %d", rate)
		case validBase:
			saturday := req
			saturday.Show.Start = time.Date(2026, 3, 7, 20, 0, 0, 0, time.UTC)
			if rate == 0 {
				r = boxoffice.RateWeekend
			}
			price, err := cal.Price(ctx, saturday)
			if want := m.Apply(boxoffice.SeatType(seatType).Multiplier()).Apply(r); err != nil || price != want {
				t.Fatalf("weekend price at rate %d: %s, %v; want %s", rate, price, err, want)
			}
			r = boxoffice.Rate(rate)
		}

		// A hold priced by the adjusted strategy: refused with
		// ErrInvalidArgument, and nothing changed, when the price is bad.
		e := newFuzzEnv(t)
		if err := e.sys.SetPricing(boxoffice.Adjust(boxoffice.RegularPricing(), r)); err != nil {
			if validRate || !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Fatalf("SetPricing at rate %d: %v", rate, err)
			}
			return // refused up front, as every hold would be
		}
		before := e.fingerprint("cat")
		b, err := e.sys.HoldSeats(e.ctx, "cat", "S1", []string{"E1", "A2"})
		if err != nil {
			e.expectRefused("HoldSeats", err, before, []string{"cat"}, boxoffice.ErrInvalidArgument)
			if validRate {
				t.Fatalf("hold at rate %d refused: %v", rate, err)
			}
			return
		}
		want := boxoffice.Money(1500).Apply(r) + boxoffice.Money(1500).Apply(boxoffice.RateVIP).Apply(r)
		if !validRate || b.Total != want {
			t.Fatalf("hold at rate %d went through at %s; want %s", rate, b.Total, want)
		}
	})
}

// exactApply computes m×r/10000 rounded half away from zero with big
// integers, and reports whether the library's int64 arithmetic can hold
// the product.
func exactApply(m, r int64) (int64, bool) {
	p := new(big.Int).Mul(big.NewInt(m), big.NewInt(r))
	limit := new(big.Int).SetInt64(math.MaxInt64 - 5000)
	if p.CmpAbs(limit) > 0 {
		return 0, false
	}
	q := p.Int64()
	if q < 0 {
		return (q - 5000) / 10000, true
	}
	return (q + 5000) / 10000, true
}

// FuzzConfig fuzzes every number of Config and a refund tier: New either
// refuses with an *ArgumentError or makes a system that works and closes.
func FuzzConfig(f *testing.F) {
	type seed struct {
		ttl, sweep, rescan, backoff, timeout                int64
		attempts, buffer, maxSeats, maxLive, perMin, extend int64
		tierAfter                                           int64
		tierPercent                                         int64
	}
	for _, s := range []seed{
		{},
		{ttl: int64(time.Second)},
		{ttl: int64(time.Second - 1)}, // too short
		{ttl: -1},                     // negative
		{ttl: 1},                      // a nanosecond
		{ttl: math.MaxInt64, sweep: math.MaxInt64, rescan: math.MaxInt64, backoff: math.MaxInt64, timeout: math.MaxInt64},
		{sweep: -1}, {rescan: -1}, {timeout: -1}, {backoff: -1},
		{attempts: -1}, {attempts: 1}, {attempts: math.MaxInt64},
		{buffer: -1}, {buffer: 1}, {buffer: 1 << 40},
		{maxSeats: -1}, {maxSeats: 1}, {maxLive: 1}, {perMin: 1}, {perMin: math.MaxInt64}, {perMin: 61_000_000_000},
		{extend: -1}, {extend: math.MaxInt64},
		{tierAfter: -1, tierPercent: 50}, {tierAfter: int64(time.Hour), tierPercent: 101},
		{tierAfter: int64(time.Hour), tierPercent: -1}, {tierAfter: math.MaxInt64, tierPercent: 100},
	} {
		f.Add(s.ttl, s.sweep, s.rescan, s.backoff, s.timeout, s.attempts, s.buffer, s.maxSeats, s.maxLive, s.perMin, s.extend,
			s.tierAfter, s.tierPercent)
	}
	f.Fuzz(func(t *testing.T, ttl, sweep, rescan, backoff, timeout, attempts, buffer, maxSeats, maxLive, perMin, extend,
		tierAfter, tierPercent int64) {
		if strconv.IntSize == 32 {
			t.Skip("int options are 32 bits here")
		}
		policy, err := boxoffice.NewTieredRefund(boxoffice.RefundTier{MoreThan: time.Duration(tierAfter), Percent: int(tierPercent)})
		if err != nil {
			if !errors.Is(err, boxoffice.ErrInvalidArgument) || tierAfter >= 0 && tierPercent >= 0 && tierPercent <= 100 {
				t.Fatalf("NewTieredRefund(%d, %d%%): %v", tierAfter, tierPercent, err)
			}
			policy = nil
		} else if tierAfter < 0 || tierPercent < 0 || tierPercent > 100 {
			t.Fatalf("NewTieredRefund accepted %d, %d%%", tierAfter, tierPercent)
		} else {
			for _, left := range []time.Duration{-1, 0, time.Duration(tierAfter), time.Duration(tierAfter) + 1, math.MaxInt64} {
				if p := policy.RefundPercent(left); p < 0 || p > 100 {
					t.Fatalf("refund policy gives %d%% with %s left", p, left)
				}
			}
		}
		cfg := boxoffice.Config{
			Store: boxoffice.NewMemoryStore(), Clock: fakeclock.New(start), Logger: slog.New(slog.DiscardHandler),
			HoldTTL: time.Duration(ttl), SweepInterval: time.Duration(sweep), RescanInterval: time.Duration(rescan),
			PaymentBackoff: time.Duration(backoff), PaymentTimeout: time.Duration(timeout), PaymentAttempts: int(attempts),
			EventBuffer: int(buffer), MaxSeatsPerHold: int(maxSeats), MaxLiveHoldsPerUser: int(maxLive),
			HoldsPerMinute: int(perMin), MaxHoldExtensions: int(extend),
		}
		if policy != nil {
			cfg.RefundPolicy = policy
		}
		sys, err := boxoffice.New(cfg)
		if err != nil {
			var ae *boxoffice.ArgumentError
			if !errors.Is(err, boxoffice.ErrInvalidArgument) || !errors.As(err, &ae) || !strings.HasPrefix(ae.Field, "Config.") {
				t.Fatalf("New: %v; want an *ArgumentError for a Config field", err)
			}
			if sys != nil {
				t.Fatal("New returned a system and an error")
			}
			return
		}
		defer func() {
			if err := sys.Close(context.Background()); err != nil {
				t.Fatalf("Close: %v", err)
			}
		}()
		if ttl != 0 && ttl < int64(time.Second) || sweep != 0 && sweep < int64(10*time.Millisecond) ||
			rescan != 0 && rescan < int64(time.Second) || timeout < 0 || buffer < 0 || attempts < 0 {
			t.Fatalf("New accepted %+v", cfg)
		}
		// The system works: a hold, a payment and a cancellation.
		ctx := context.Background()
		mustT[boxoffice.Movie](t)(sys.AddMovie(ctx, boxoffice.Movie{ID: "M", Title: "Heat", Duration: time.Hour}))
		mustT[boxoffice.Theater](t)(sys.AddTheater(ctx, boxoffice.Theater{ID: "T", Name: "Odeon", City: "Leeds"}))
		mustT[boxoffice.Hall](t)(sys.AddHall(ctx, boxoffice.Hall{ID: "H", TheaterID: "T", Name: "1", Layout: boxoffice.SeedLayout()}))
		show := mustT[boxoffice.Show](t)(sys.ScheduleShow(ctx, boxoffice.Show{MovieID: "M", HallID: "H", Start: start.Add(24 * time.Hour), BasePrice: 1000}))
		b, err := sys.HoldSeats(ctx, "ann", show.ID, []string{"A1"})
		if err != nil {
			t.Fatalf("hold: %v", err)
		}
		if !b.HeldUntil.After(start) {
			t.Fatalf("a hold made at %s ends at %s", start, b.HeldUntil)
		}
		if timeout != 0 && timeout < int64(time.Second) {
			// Each charge would time out in real time before the gateway
			// answers, and the retries wait their backoff on a clock
			// that stands still.
			return
		}
		if b, err = sys.ConfirmBooking(ctx, b.ID, "card"); err != nil {
			t.Fatalf("confirm: %v", err)
		}
		if b, err = sys.CancelBooking(ctx, b.ID); err != nil || b.Refund.Amount < 0 || b.Refund.Amount > b.Total {
			t.Fatalf("cancel: refund %s of %s, %v", b.Refund.Amount, b.Total, err)
		}
	})
}

// FuzzMovieQuery fuzzes SearchMovies: bad text is refused, nothing ever
// changes, and the answer is exactly the movies that match.
func FuzzMovieQuery(f *testing.F) {
	for _, q := range []boxoffice.MovieQuery{
		{}, {Title: "inc"}, {Title: "AMÉLIE"}, {Title: "straße"}, {Title: "STRASSE"}, {Title: "\u212a"}, // Kelvin sign
		{Genre: "sci-fi"}, {Language: "FRENCH"}, {City: "mumbai"}, {City: "Pune"},
		{Title: "a\x00"}, {Genre: "\xff"}, {City: strings.Repeat("x", 513)}, {Language: "e\u0085"},
		{Title: "🎬"}, {Title: "σίσυφος"},
	} {
		f.Add(q.Title, q.Genre, q.Language, q.City)
	}
	f.Fuzz(func(t *testing.T, title, genre, language, city string) {
		e := newFuzzEnv(t)
		for _, m := range []boxoffice.Movie{
			{ID: "M2", Title: "Amélie", Duration: time.Hour, Genres: []string{"Romance"}, Language: "French"},
			{ID: "M3", Title: "Straße 🎬", Duration: time.Hour, Language: "German"},
			{ID: "M4", Title: "ΣΊΣΥΦΟΣ", Duration: time.Hour, Genres: []string{"Drama", "Sci-Fi"}},
			{ID: "M5", Title: "Kelvin", Duration: time.Hour},
		} {
			mustT[boxoffice.Movie](t)(e.sys.AddMovie(e.ctx, m))
		}
		before := e.fingerprint()
		q := boxoffice.MovieQuery{Title: title, Genre: genre, Language: language, City: city}
		got, err := e.sys.SearchMovies(e.ctx, q)
		if after := e.fingerprint(); after != before {
			t.Fatalf("SearchMovies(%+v) changed the state", q)
		}
		if !validTextRef(title, 512) || !validTextRef(genre, 512) || !validTextRef(language, 512) || !validTextRef(city, 512) {
			if !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Fatalf("SearchMovies(%#v) = %d movies, %v; want ErrInvalidArgument", q, len(got), err)
			}
			return
		}
		if err != nil {
			t.Fatalf("SearchMovies(%#v): %v", q, err)
		}
		var want []string
		for m, err := range e.store.Movies(e.ctx) {
			e.must(err)
			showsIn := city == "" || strings.EqualFold(city, "Mumbai") && m.ID == "M1"
			if containsFoldRef(m.Title, title) && showsIn &&
				(language == "" || strings.EqualFold(m.Language, language)) &&
				(genre == "" || slices.ContainsFunc(m.Genres, func(g string) bool { return strings.EqualFold(g, genre) })) {
				want = append(want, m.ID)
			}
		}
		var ids []string
		for _, m := range got {
			ids = append(ids, m.ID)
		}
		if slices.Sort(want); !slices.Equal(slices.Sorted(slices.Values(ids)), want) {
			t.Fatalf("SearchMovies(%#v) = %v; want %v", q, ids, want)
		}
	})
}

// containsFoldRef is a slow, obvious case-insensitive substring test.
func containsFoldRef(s, sub string) bool {
	if sub == "" {
		return true
	}
	rs := []rune(s)
	n := len([]rune(sub))
	for i := 0; i+n <= len(rs); i++ {
		if strings.EqualFold(string(rs[i:i+n]), sub) {
			return true
		}
	}
	return false
}

// FuzzAddHall fuzzes a hall's text map, name, ID and theater: a layout
// ParseLayout accepts is a hall, anything else is refused and changes
// nothing. (ParseLayout alone is FuzzParseLayout's.)
func FuzzAddHall(f *testing.F) {
	for _, s := range [][4]string{
		{"H2", "Audi 2", "T1", "A RRRR\nB PP.PP"},
		{"H1", "Audi 2", "T1", "A RRRR"}, // ID taken
		{"H2", "Audi 2", "T9", "A RRRR"}, // no such theater
		{"H2", "", "T1", "A RRRR"},
		{"H2", "Audi\x002", "T1", "A RRRR"},
		{"", "Audi 2", "T1", "A RRRR"},
		{"H2", "Audi 2", "T1", ""},
		{"H2", "Saal — 🎬", "T1", "É ŘŘ"},
		{"H2", "Audi 2", "T1", "A " + strings.Repeat("R", 200)},
		{"H2", "Audi 2", "T1", strings.Repeat("A R\n", 800)},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, id, name, theater, text string) {
		layout, err := boxoffice.ParseLayout(text)
		if err != nil {
			return // FuzzParseLayout's business
		}
		e := newFuzzEnv(t)
		before := e.fingerprint()
		h, err := e.sys.AddHall(e.ctx, boxoffice.Hall{ID: id, Name: name, TheaterID: theater, Layout: layout})
		if err != nil {
			e.expectRefused("AddHall", err, before, nil, boxoffice.ErrInvalidArgument, boxoffice.ErrNotFound, boxoffice.ErrAlreadyExists)
			return
		}
		if theater != "T1" || name == "" || !h.Layout.Equal(layout) {
			t.Fatalf("AddHall(%q, %q, %q) accepted", id, name, theater)
		}
		// Its seats can be scheduled and sold.
		mustT[boxoffice.Show](t)(e.sys.ScheduleShow(e.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: h.ID,
			Start: start.Add(48 * time.Hour), BasePrice: 1000}))
		seat := layout.Seat(layout.Len() - 1).ID
		if _, err := e.sys.HoldSeats(e.ctx, "cat", "S2", []string{seat}); err != nil {
			t.Fatalf("hold of %s in the new hall: %v", seat, err)
		}
	})
}

// FuzzTheaterTimeZone fuzzes a theater's time zone: a zone this program
// loads (other than "Local" and "localtime", by its clean name) is stored
// as given and prices the theater's shows by their day there; anything
// else is refused and changes nothing.
func FuzzTheaterTimeZone(f *testing.F) {
	for _, z := range []string{"", "UTC", "Asia/Tokyo", "America/New_York", "Local", "Mars/Olympus_Mons",
		"../etc/passwd", "/etc/localtime", "Asia", "Asia//Tokyo", "asia/tokyo", "Asia/Tokyo\x00", "Etc/GMT+12", "\xff", "localtime", "./Asia/Tokyo", "posix/Asia/Tokyo"} {
		f.Add(z)
	}
	f.Fuzz(func(t *testing.T, zone string) {
		cal, err := boxoffice.NewCalendarPricing(boxoffice.Calendar{})
		if err != nil {
			t.Fatal(err)
		}
		e := newFuzzEnv(t, func(c *boxoffice.Config) { c.Pricing = cal })
		before := e.fingerprint()
		th := boxoffice.Theater{ID: "T2", Name: "Zoned", City: "Anywhere", TimeZone: zone}
		got, err := e.sys.AddTheater(e.ctx, th)
		if err != nil {
			e.expectRefused("AddTheater", err, before, nil, boxoffice.ErrInvalidArgument)
			return
		}
		loc, lerr := time.LoadLocation(zone)
		if got != th || zone == "Local" || zone == "localtime" || zone == "posixrules" || strings.HasPrefix(zone, "posix/") || strings.HasPrefix(zone, "right/") ||
			zone != "" && path.Clean(zone) != zone || lerr != nil || !validTextRef(zone, 128) {
			t.Fatalf("AddTheater with TimeZone %q accepted as %+v (LoadLocation: %v)", zone, got, lerr)
		}
		mustT[boxoffice.Hall](t)(e.sys.AddHall(e.ctx, boxoffice.Hall{ID: "H2", TheaterID: "T2", Name: "1", Layout: boxoffice.SeedLayout()}))
		show := mustT[boxoffice.Show](t)(e.sys.ScheduleShow(e.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H2",
			Start: time.Date(2026, 3, 6, 23, 30, 0, 0, time.UTC), BasePrice: 1000}))
		b, err := e.sys.HoldSeats(e.ctx, "cat", show.ID, []string{"E1"}) // Regular
		if err != nil {
			t.Fatalf("hold in a theater of zone %q: %v", zone, err)
		}
		want := boxoffice.Money(1000)
		if wd := show.Start.In(loc).Weekday(); wd == time.Saturday || wd == time.Sunday {
			want = 1500
		}
		if b.Total != want {
			t.Fatalf("hold in a theater of zone %q priced %s; want %s", zone, b.Total, want)
		}
	})
}
