package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

func TestSearchMovies(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	tests := []struct {
		query string
		want  []string // titles, in order
	}{
		{"", []string{"A Noite Longa", "Neon Harbor", "Paper Moons", "The Last Projectionist", "Velvet Heist"}},
		{"?title=HARBOR", []string{"Neon Harbor"}},
		{"?genre=drama", []string{"A Noite Longa", "The Last Projectionist"}},
		{"?language=portuguese", []string{"A Noite Longa"}},
		{"?genre=drama&language=english", []string{"The Last Projectionist"}},
		{"?title=nothing+like+this", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var got struct{ Movies []movieJSON }
			f.callJSON("GET", "/api/movies"+tt.query, "", http.StatusOK, &got)
			titles := []string{}
			for _, m := range got.Movies {
				titles = append(titles, m.Title)
			}
			if !slices.Equal(titles, tt.want) {
				t.Errorf("titles %q, want %q", titles, tt.want)
			}
		})
	}

	t.Run("city", func(t *testing.T) {
		// Porto has one hall; the movies shown there are those of its schedule.
		want := map[string]bool{}
		for _, s := range demoSchedule(2, "ribeira-1", testStart) {
			want[s.MovieID] = true
		}
		var got struct{ Movies []movieJSON }
		f.callJSON("GET", "/api/movies?city=porto", "", http.StatusOK, &got)
		if len(got.Movies) != len(want) {
			t.Fatalf("%d movies in Porto, want %d", len(got.Movies), len(want))
		}
		for _, m := range got.Movies {
			if !want[m.ID] {
				t.Errorf("%s is not shown in Porto", m.ID)
			}
		}
		f.callJSON("GET", "/api/movies?city=Atlantis", "", http.StatusOK, &got)
		if len(got.Movies) != 0 {
			t.Errorf("movies in Atlantis: %v", got.Movies)
		}
	})

	t.Run("one movie", func(t *testing.T) {
		var m movieJSON
		f.callJSON("GET", "/api/movies/paper-moons", "", http.StatusOK, &m)
		want := movieJSON{ID: "paper-moons", Title: "Paper Moons", DurationMinutes: 94, Genres: []string{"Animation", "Family"}, Language: "English", Rating: "G"}
		if fmt.Sprint(m) != fmt.Sprint(want) {
			t.Errorf("got %+v, want %+v", m, want)
		}
	})

	for _, tt := range []struct {
		name, path string
		status     int
		code       string
	}{
		{"unknown parameter", "/api/movies?director=x", 400, "invalid_argument"},
		{"title too long", "/api/movies?title=" + strings.Repeat("x", 600), 400, "invalid_argument"},
		{"unknown movie", "/api/movies/no-such-movie", 404, "not_found"},
		{"shows of unknown movie", "/api/movies/no-such-movie/shows", 404, "not_found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var e errorJSON
			f.callJSON("GET", tt.path, "", tt.status, &e)
			if e.Code != tt.code || e.Error == "" {
				t.Errorf("error %+v, want code %q and a message", e, tt.code)
			}
		})
	}
}

func TestShows(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	var got struct{ Shows []showJSON }
	f.callJSON("GET", "/api/movies/neon-harbor/shows", "", http.StatusOK, &got)
	if len(got.Shows) == 0 {
		t.Fatal("neon-harbor has no shows")
	}
	for i, s := range got.Shows {
		if s.MovieID != "neon-harbor" || s.MovieTitle != "Neon Harbor" || s.HallName == "" || s.TheaterName == "" || s.City == "" {
			t.Errorf("show %d lacks names: %+v", i, s)
		}
		if !s.Start.After(testStart) || s.End.Sub(s.Start) != 132*time.Minute {
			t.Errorf("show %s: %s–%s, want a 132-minute show after %s", s.ID, s.Start, s.End, testStart)
		}
		if i > 0 && s.Start.Before(got.Shows[i-1].Start) {
			t.Errorf("shows out of order at %d", i)
		}
		if s.FreeSeats == nil || s.TotalSeats == nil || *s.FreeSeats <= 0 || *s.FreeSeats >= *s.TotalSeats {
			t.Errorf("show %s: free %v of %v; want some sold and some free", s.ID, s.FreeSeats, s.TotalSeats)
		}
	}

	var one showJSON
	f.callJSON("GET", "/api/shows/"+f.show, "", http.StatusOK, &one)
	if one.ID != f.show || one.HallID != "avenida-2" || one.HallName != "Sala Grande" || one.City != "Lisbon" || one.FreeSeats != nil {
		t.Errorf("show %s: %+v", f.show, one)
	}
	var e errorJSON
	f.callJSON("GET", "/api/shows/no-such-show", "", http.StatusNotFound, &e)
}

func TestSeatMap(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	m := f.seatMap(f.show)
	if m.Width != 16 || len(m.Rows) != 8 || m.Rows[0] != (rowJSON{"A", 0}) || m.Rows[7] != (rowJSON{"H", 7}) {
		t.Errorf("hall drawing: width %d, rows %v; want 16 columns, rows A–H", m.Width, m.Rows)
	}
	if len(m.Seats) != 98 || m.Show.TotalSeats == nil || *m.Show.TotalSeats != 98 {
		t.Fatalf("%d seats, want 98", len(m.Seats))
	}
	if m.Currency != "USD" || m.MaxSeatsPerHold != 10 || !m.At.Equal(testStart) {
		t.Errorf("currency %q, max seats %d, at %s", m.Currency, m.MaxSeatsPerHold, m.At)
	}
	byID := map[string]seatJSON{}
	free := 0
	for _, s := range m.Seats {
		byID[s.ID] = s
		if s.Status == "available" {
			free++
		}
	}
	if free != m.Free || m.Show.FreeSeats == nil || *m.Show.FreeSeats != free || free == len(m.Seats) {
		t.Errorf("free %d, map says %d: want them equal and some seats sold", free, m.Free)
	}
	base := m.Show.BasePriceCents
	for _, tt := range []struct {
		id, typ      string
		line, column int
		price        int64
	}{
		{"A1", "regular", 0, 4, base},             // the short front row starts at column 4
		{"C4", "regular", 2, 3, base},             // left of the first aisle (column 4)
		{"C5", "regular", 2, 5, base},             // right of it
		{"E14", "premium", 4, 15, base * 13 / 10}, // far right
		{"H1", "vip", 7, 4, base * 15 / 10},
	} {
		s, ok := byID[tt.id]
		if !ok || s.Type != tt.typ || s.Line != tt.line || s.Column != tt.column || s.PriceCents != tt.price {
			t.Errorf("seat %s: %+v; want %s at line %d column %d for %d cents", tt.id, s, tt.typ, tt.line, tt.column, tt.price)
		}
	}
	var e errorJSON
	f.callJSON("GET", "/api/shows/no-such-show/seats", "", http.StatusNotFound, &e)
}

func TestHoldSeats(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	seats := f.freeSeats(f.show, 0, 2)
	rec := f.call("POST", "/api/shows/"+f.show+"/holds", mustJSON(t, holdRequest{User: "alice", Seats: seats}))
	if rec.Code != http.StatusCreated {
		t.Fatalf("hold: %d %s", rec.Code, rec.Body)
	}
	var b bookingJSON
	f.callJSON("GET", rec.Header().Get("Location"), "", http.StatusOK, &b)
	if b.Status != "held" || b.User != "alice" || b.ShowID != f.show || len(b.Seats) != 2 || b.Seats[0].ID != seats[0] ||
		b.HeldUntil == nil || !b.HeldUntil.Equal(testStart.Add(10*time.Minute)) || b.TotalCents != b.Seats[0].PriceCents+b.Seats[1].PriceCents ||
		b.Payment != nil || !b.Now.Equal(testStart) {
		t.Errorf("held booking: %+v", b)
	}
	for _, s := range f.seatMap(f.show).Seats {
		if slices.Contains(seats, s.ID) && s.Status != "held" {
			t.Errorf("seat %s is %s after the hold", s.ID, s.Status)
		}
	}

	taken := seats[1]
	other := f.freeSeats(f.show, 0, 1)[0]
	big := `{"user":"bob","seats":["` + strings.Repeat("A", maxBodyBytes) + `"]}`
	for _, tt := range []struct {
		name, show, contentType, body string
		status                        int
		code                          string
		seats                         []string
	}{
		{"seat taken", f.show, "", mustJSON(t, holdRequest{User: "bob", Seats: []string{other, taken}}), 409, "seat_unavailable", []string{taken}},
		{"unknown seat", f.show, "", `{"user":"bob","seats":["Z99"]}`, 400, "invalid_argument", []string{"Z99"}},
		{"seat twice", f.show, "", mustJSON(t, holdRequest{User: "bob", Seats: []string{other, other}}), 400, "invalid_argument", []string{other}},
		{"unknown show", "no-such-show", "", `{"user":"bob","seats":["A1"]}`, 404, "not_found", nil},
		{"no user", f.show, "", `{"seats":["A1"]}`, 400, "invalid_argument", nil},
		{"no seats", f.show, "", `{"user":"bob","seats":[]}`, 400, "invalid_argument", nil},
		{"too many seats", f.show, "", mustJSON(t, holdRequest{User: "bob", Seats: f.freeSeats(f.show, 0, 11)}), 400, "invalid_argument", nil},
		{"unknown field", f.show, "", `{"user":"bob","seats":["A1"],"vip":true}`, 400, "invalid_argument", nil},
		{"two JSON values", f.show, "", `{"user":"bob","seats":["A1"]} {"user":"eve"}`, 400, "invalid_argument", nil},
		{"trailing garbage", f.show, "", `{"user":"bob","seats":["A1"]}]`, 400, "invalid_argument", nil},
		{"not JSON", f.show, "", `user=bob&seats=A1`, 400, "invalid_argument", nil},
		{"truncated JSON", f.show, "", `{"user":"bob",`, 400, "invalid_argument", nil},
		{"wrong type", f.show, "", `{"user":"bob","seats":"A1"}`, 400, "invalid_argument", nil},
		{"empty body", f.show, "", ``, 400, "invalid_argument", nil},
		{"body too large", f.show, "", big, 413, "body_too_large", nil},
		{"not JSON content type", f.show, "text/plain", `{"user":"bob","seats":["A1"]}`, 415, "unsupported_media_type", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			contentType := cmp.Or(tt.contentType, "application/json")
			rec := serve(f.handler, newRequest("POST", "/api/shows/"+tt.show+"/holds", tt.body, contentType))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			e := decodeError(t, rec.Body.String())
			if e.Code != tt.code || e.Error == "" || !slices.Equal(e.Seats, tt.seats) {
				t.Errorf("error %+v, want code %q naming seats %q", e, tt.code, tt.seats)
			}
		})
	}
	// None of the refused requests changed anything.
	bookings, err := f.sys.BookingsOfUser(context.Background(), "bob", boxoffice.BookingPage{})
	if err != nil || len(bookings) != 0 {
		t.Errorf("bob has bookings %v, %v; want none", bookings, err)
	}
}

func TestHoldRateLimited(t *testing.T) {
	f := newFixture(t, boxoffice.Config{HoldsPerMinute: 2})
	free := f.freeSeats(f.show, 0, 3)
	f.hold("carol", free[0])
	f.hold("carol", free[1])
	rec := f.call("POST", "/api/shows/"+f.show+"/holds", mustJSON(t, holdRequest{User: "carol", Seats: free[2:]}))
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("third hold in a minute: %d %s, want 429", rec.Code, rec.Body)
	}
	e := decodeError(t, rec.Body.String())
	retry, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if e.Code != "rate_limited" || err != nil || retry < 1 || retry > 30 || e.RetryAfterSeconds != retry {
		t.Errorf("429: Retry-After %q, body %+v; want a wait of up to 30 s in both", rec.Header().Get("Retry-After"), e)
	}
	// Once that wait is over, carol may hold again.
	f.clock.Advance(time.Duration(retry) * time.Second)
	f.hold("carol", free[2])
	// Another customer was never limited.
	f.hold("dave", f.freeSeats(f.show, 0, 1)...)
}

func TestBookingLifecycle(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	b := f.hold("alice", f.freeSeats(f.show, 0, 2)...)
	path := "/api/bookings/" + b.ID

	t.Run("extend", func(t *testing.T) {
		f.clock.Advance(time.Minute)
		var got bookingJSON
		f.callJSON("POST", path+"/extend", `{"user":"alice"}`, http.StatusOK, &got)
		if got.Extensions != 1 || !got.HeldUntil.Equal(testStart.Add(11*time.Minute)) {
			t.Errorf("extended: %d extensions, held until %s", got.Extensions, got.HeldUntil)
		}
		// Sent again at once (a double click), it answers the same hold.
		var again bookingJSON
		f.callJSON("POST", path+"/extend", `{"user":"alice"}`, http.StatusOK, &again)
		if again.Extensions != 1 || !again.HeldUntil.Equal(*got.HeldUntil) {
			t.Errorf("extended again at once: %d extensions, held until %s; want the first's 1, until %s", again.Extensions, again.HeldUntil, got.HeldUntil)
		}
		f.clock.Advance(time.Minute)
		f.callJSON("POST", path+"/extend", `{"user":"alice"}`, http.StatusOK, &got)
		f.clock.Advance(time.Minute)
		rec := f.call("POST", path+"/extend", `{"user":"alice"}`)
		// The cap is for good: not 429, which says to try again later.
		if e := decodeError(t, rec.Body.String()); rec.Code != http.StatusConflict || e.Code != "limit_reached" || rec.Header().Get("Retry-After") != "" {
			t.Errorf("third extension: %d %+v, Retry-After %q; want 409 limit_reached without a wait", rec.Code, e, rec.Header().Get("Retry-After"))
		}
	})

	t.Run("someone else's booking", func(t *testing.T) {
		for _, action := range []string{"confirm", "extend", "release", "cancel"} {
			var e errorJSON
			f.callJSON("POST", path+"/"+action, bookingBody(action, "mallory"), http.StatusNotFound, &e)
			if e.Code != "not_found" {
				t.Errorf("%s by mallory: %+v", action, e)
			}
		}
	})

	t.Run("cancel a hold", func(t *testing.T) {
		var e errorJSON
		f.callJSON("POST", path+"/cancel", `{"user":"alice"}`, http.StatusConflict, &e)
		if e.Code != "invalid_transition" {
			t.Errorf("cancel of a held booking: %+v", e)
		}
	})

	t.Run("confirm", func(t *testing.T) {
		chargedBefore, _ := f.gateway.Totals()
		var got bookingJSON
		f.callJSON("POST", path+"/confirm", `{"user":"alice","paymentMethod":"card:tok_visa"}`, http.StatusOK, &got)
		if got.Status != "confirmed" || got.Payment == nil || got.Payment.AmountCents != b.TotalCents || got.Payment.Method != "card:tok_visa" ||
			got.Payment.Reference == "" || got.HeldUntil != nil {
			t.Errorf("confirmed: %+v", got)
		}
		// Confirming again answers the same.
		f.callJSON("POST", path+"/confirm", `{"user":"alice","paymentMethod":"card:tok_visa"}`, http.StatusOK, &got)
		if charged, _ := f.gateway.Totals(); charged-chargedBefore != boxoffice.Money(b.TotalCents) {
			t.Errorf("charged %s, want %d cents once", charged-chargedBefore, b.TotalCents)
		}
	})

	t.Run("release a paid booking", func(t *testing.T) {
		var e errorJSON
		f.callJSON("POST", path+"/release", `{"user":"alice"}`, http.StatusConflict, &e)
		if e.Code != "invalid_transition" {
			t.Errorf("release of a confirmed booking: %+v", e)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		show, err := f.sys.Show(context.Background(), f.show)
		if err != nil {
			t.Fatal(err)
		}
		percent := boxoffice.DefaultRefundPolicy().RefundPercent(show.Start.Sub(f.clock.Now()))
		var got bookingJSON
		f.callJSON("POST", path+"/cancel", `{"user":"alice"}`, http.StatusOK, &got)
		if got.Status != "cancelled" || got.Refund == nil || got.Refund.Percent != percent ||
			got.Refund.AmountCents != int64(boxoffice.Money(b.TotalCents).Apply(boxoffice.RatePercent(percent))) {
			t.Errorf("cancelled: %+v, refund %+v; want %d %%", got, got.Refund, percent)
		}
		for _, s := range f.seatMap(f.show).Seats {
			if s.ID == b.Seats[0].ID && s.Status != "available" {
				t.Errorf("seat %s is %s after the cancellation", s.ID, s.Status)
			}
		}
	})

	t.Run("bookings of the user", func(t *testing.T) {
		var got struct{ Bookings []bookingJSON }
		f.callJSON("GET", "/api/users/alice/bookings", "", http.StatusOK, &got)
		if len(got.Bookings) != 1 || got.Bookings[0].ID != b.ID || got.Bookings[0].Status != "cancelled" {
			t.Errorf("alice's bookings: %+v", got.Bookings)
		}
		f.callJSON("GET", "/api/users/nobody/bookings", "", http.StatusOK, &got)
		if got.Bookings == nil || len(got.Bookings) != 0 {
			t.Errorf("nobody's bookings: %#v, want an empty list", got.Bookings)
		}
	})
}

func TestConfirmErrors(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	f.gateway.declineMethod("card:tok_stolen", "card reported stolen")

	t.Run("payment declined", func(t *testing.T) {
		b := f.hold("erin", f.freeSeats(f.show, 0, 2)...)
		var e errorJSON
		f.callJSON("POST", "/api/bookings/"+b.ID+"/confirm", `{"user":"erin","paymentMethod":"card:tok_stolen"}`, http.StatusPaymentRequired, &e)
		if e.Code != "payment_failed" || !strings.Contains(e.Error, "card reported stolen") {
			t.Errorf("declined: %+v", e)
		}
		var got bookingJSON
		f.callJSON("GET", "/api/bookings/"+b.ID, "", http.StatusOK, &got)
		if got.Status != "failed" || got.Payment == nil || got.Payment.Failure == "" {
			t.Errorf("after the decline: %+v", got)
		}
		// The seats are for sale again.
		f.hold("frank", b.Seats[0].ID, b.Seats[1].ID)
	})

	t.Run("hold expired", func(t *testing.T) {
		b := f.hold("gina", f.freeSeats(f.show, 0, 1)...)
		f.clock.Advance(10*time.Minute + time.Second)
		for _, action := range []string{"confirm", "release"} {
			var e errorJSON
			f.callJSON("POST", "/api/bookings/"+b.ID+"/"+action, bookingBody(action, "gina"), http.StatusGone, &e)
			if e.Code != "hold_expired" {
				t.Errorf("%s after expiry: %+v", action, e)
			}
		}
	})

	t.Run("released", func(t *testing.T) {
		b := f.hold("hal", f.freeSeats(f.show, 0, 1)...)
		var got bookingJSON
		f.callJSON("POST", "/api/bookings/"+b.ID+"/release", `{"user":"hal"}`, http.StatusOK, &got)
		if got.Status != "released" {
			t.Errorf("released: %+v", got)
		}
		f.callJSON("POST", "/api/bookings/"+b.ID+"/release", `{"user":"hal"}`, http.StatusOK, &got) // again: a no-op
		var e errorJSON
		f.callJSON("POST", "/api/bookings/"+b.ID+"/confirm", `{"user":"hal","paymentMethod":"card:tok_visa"}`, http.StatusConflict, &e)
		if e.Code != "invalid_transition" {
			t.Errorf("confirm of a released booking: %+v", e)
		}
	})

	unknown := boxoffice.NewBookingID().String()
	for _, tt := range []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"unknown booking", "/api/bookings/" + unknown + "/confirm", `{"user":"x","paymentMethod":"card:tok_visa"}`, 404, "not_found"},
		{"malformed booking ID", "/api/bookings/not-a-uuid/confirm", `{"user":"x","paymentMethod":"card:tok_visa"}`, 400, "invalid_argument"},
		{"no payment method", "/api/bookings/" + unknown + "/confirm", `{"user":"x"}`, 400, "invalid_argument"},
		{"no user", "/api/bookings/" + unknown + "/confirm", `{"paymentMethod":"card:tok_visa"}`, 400, "invalid_argument"},
		{"unknown field", "/api/bookings/" + unknown + "/confirm", `{"user":"x","paymentMethod":"card:tok_visa","tip":5}`, 400, "invalid_argument"},
		{"body too large", "/api/bookings/" + unknown + "/cancel", `{"user":"` + strings.Repeat("x", maxBodyBytes) + `"}`, 413, "body_too_large"},
		{"unknown booking to read", "/api/bookings/" + unknown, "", 404, "not_found"},
		{"malformed booking ID to read", "/api/bookings/42", "", 400, "invalid_argument"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			method := "POST"
			if tt.body == "" {
				method = "GET"
			}
			var e errorJSON
			f.callJSON(method, tt.path, tt.body, tt.status, &e)
			if e.Code != tt.code {
				t.Errorf("error %+v, want code %q", e, tt.code)
			}
		})
	}
}

func TestRoutesAndPage(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	for _, tt := range []struct {
		method, path string
		status       int
		contentType  string
		contains     string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", `<script src="app.js" defer></script>`},
		{"GET", "/app.js", 200, "text/javascript; charset=utf-8", "new EventSource("},
		{"GET", "/style.css", 200, "text/css; charset=utf-8", "--vip:"},
		{"GET", "/favicon.svg", 200, "image/svg+xml", "<svg"},
		{"HEAD", "/", 200, "text/html; charset=utf-8", ""},
		{"GET", "/no-such-file.txt", 404, "text/plain; charset=utf-8", ""},
		{"POST", "/", 405, "text/plain; charset=utf-8", ""},
		{"GET", "/api/nothing-here", 404, "application/json; charset=utf-8", `"code":"not_found"`},
		{"DELETE", "/api/movies", 405, "application/json; charset=utf-8", `"code":"method_not_allowed"`},
		{"GET", "/api/shows/x/holds", 405, "application/json; charset=utf-8", `"code":"method_not_allowed"`},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := f.call(tt.method, tt.path, "")
			if rec.Code != tt.status || rec.Header().Get("Content-Type") != tt.contentType || !strings.Contains(rec.Body.String(), tt.contains) {
				t.Errorf("%d %q, body %.80q; want %d %q containing %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body, tt.status, tt.contentType, tt.contains)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no X-Content-Type-Options: nosniff")
			}
		})
	}
}

func TestMethodNotAllowedSaysWhich(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	for path, want := range map[string]string{
		"/api/movies":               "GET",
		"/api/shows/x/holds":        "POST",
		"/api/bookings/x":           "GET",
		"/api/bookings/x/confirm":   "POST",
		"/api/users/alice/bookings": "GET",
	} {
		rec := f.call("PUT", path, "")
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != want {
			t.Errorf("PUT %s: %d, Allow %q; want 405, Allow %q", path, rec.Code, rec.Header().Get("Allow"), want)
		}
	}
}

func TestProblem(t *testing.T) {
	for _, tt := range []struct {
		err    error
		status int
		code   string
	}{
		{&boxoffice.ArgumentError{Field: "x", Reason: "bad"}, 400, "invalid_argument"},
		{fmt.Errorf("wrapped: %w", boxoffice.ErrNotFound), 404, "not_found"},
		{&boxoffice.SeatError{Problems: []boxoffice.SeatProblem{{SeatID: "A1", Kind: boxoffice.SeatSold}}}, 409, "seat_unavailable"},
		{&boxoffice.SeatError{Problems: []boxoffice.SeatProblem{{SeatID: "A1", Kind: boxoffice.SeatSold}, {SeatID: "Q9", Kind: boxoffice.SeatUnknown}}}, 400, "invalid_argument"},
		{&boxoffice.TransitionError{From: boxoffice.StatusHeld, To: boxoffice.StatusPaying, Expired: true}, 410, "hold_expired"},
		{&boxoffice.TransitionError{From: boxoffice.StatusReleased, To: boxoffice.StatusPaying}, 409, "invalid_transition"},
		{&boxoffice.PaymentError{Err: boxoffice.ErrHoldExpired}, 410, "hold_expired"},
		{&boxoffice.PaymentError{Err: boxoffice.ErrPaymentDeclined}, 402, "payment_failed"},
		{&boxoffice.RateLimitError{Limit: "live holds", RetryAfter: 1500 * time.Millisecond}, 429, "rate_limited"},
		{&boxoffice.RateLimitError{Limit: boxoffice.LimitHoldsPerMinute, RetryAfter: time.Second}, 429, "rate_limited"},
		{&boxoffice.RateLimitError{Limit: boxoffice.LimitHoldExtensions}, 409, "limit_reached"},
		{&boxoffice.RateLimitError{Limit: boxoffice.LimitSeatsPerShow}, 409, "limit_reached"},
		{&boxoffice.ScheduleConflictError{}, 409, "schedule_conflict"},
		// README and Example_httpStatus map it to 409; a service that adds
		// catalog entries gets it for an ID already taken.
		{fmt.Errorf("movie %q: %w", "m1", boxoffice.ErrAlreadyExists), 409, "already_exists"},
		{&boxoffice.ShowStartedError{ShowID: "S1", Start: time.Date(2026, 3, 3, 19, 0, 0, 0, time.UTC)}, 409, "show_started"},
		{fmt.Errorf("wrapped: %w", boxoffice.ErrShowStarted), 409, "show_started"},
		{&boxoffice.PaymentError{Err: &boxoffice.ShowStartedError{ShowID: "S1"}}, 409, "show_started"},
		{errors.Join(&boxoffice.TransitionError{Expired: true}, boxoffice.ErrShowStarted), 409, "show_started"},
		{&boxoffice.ShowCancelledError{ShowID: "S1"}, 409, "show_cancelled"},
		// A payment stopped by CancelShow: hold lost, but it says why.
		{&boxoffice.PaymentError{Err: errors.Join(boxoffice.ErrHoldExpired, boxoffice.ErrShowCancelled)}, 409, "show_cancelled"},
		{boxoffice.ErrConflict, 503, "busy"},
		// The commit's connection lost and its outcome not learned (the
		// caller's ctx ending first, so not marked unavailable): the same
		// request again tells (a hold of the same seats returns the hold).
		{fmt.Errorf("pgstore: connection lost during the commit: %w (unexpected EOF)", boxoffice.ErrCommitUnknown), 503, "outcome_unknown"},
		// Charged, perhaps, but not recorded (here because of a conflict).
		{fmt.Errorf("%w: %w", boxoffice.ErrPaymentUnsettled, boxoffice.ErrConflict), 503, "payment_pending"},
		{fmt.Errorf("%w: %w", boxoffice.ErrPaymentUnsettled, errors.New("closed pool")), 503, "payment_pending"},
		{boxoffice.ErrClosed, 503, "shutting_down"},
		// A hold whose pricing or Store took longer than HoldTTL, twice.
		{fmt.Errorf("boxoffice: hold not stored within HoldTTL, 2 times: %w", boxoffice.ErrAdmissionLapsed), 503, "too_slow"},
		// The database down; the error's text names its address.
		{fmt.Errorf("pgstore: database unavailable: dial tcp 10.0.0.7:5432: connection refused: %w", boxoffice.ErrStoreUnavailable), 503, "unavailable"},
		{context.DeadlineExceeded, 503, "timeout"},
		{errors.New("pq: password authentication failed for user admin"), 500, "internal"},
	} {
		status, body := problem(tt.err)
		if status != tt.status || body.Code != tt.code {
			t.Errorf("problem(%v) = %d %q, want %d %q", tt.err, status, body.Code, tt.status, tt.code)
		}
		if status >= 500 && (strings.Contains(body.Error, "password") || strings.Contains(body.Error, "10.0.0.7")) {
			t.Errorf("problem(%v) tells the client %q", tt.err, body.Error)
		}
	}
	_, body := problem(&boxoffice.RateLimitError{Limit: "live holds", RetryAfter: 1500 * time.Millisecond})
	if body.RetryAfterSeconds != 2 {
		t.Errorf("a wait of 1.5 s is Retry-After %d, want 2 (rounded up)", body.RetryAfterSeconds)
	}
}

func TestRecoverPanics(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	h := f.srv.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := serve(h, newRequest("GET", "/api/movies", "", ""))
	if e := decodeError(t, rec.Body.String()); rec.Code != 500 || e.Code != "internal" {
		t.Errorf("a panicking handler answered %d %+v, want 500 internal", rec.Code, e)
	}
}

// TestCancelWithRefundOwed: a cancellation whose refund the gateway fails
// to pay has still happened. CancelBooking returns the cancelled booking
// with the gateway's error and the BookingSystem pays the refund later;
// the answer is 200 with the booking, its refund owed (no refundedAt), not
// a 500 that would tell the customer the ticket is still theirs.
func TestCancelWithRefundOwed(t *testing.T) {
	f := newFixture(t, boxoffice.Config{PaymentBackoff: -1}) // no backoff to wait for on the fake clock
	b := f.hold("ana", f.freeSeats(f.show, 0, 2)...)
	path := "/api/bookings/" + b.ID
	f.callJSON("POST", path+"/confirm", bookingBody("confirm", "ana"), http.StatusOK, nil)

	f.gateway.failRefunds(errors.New("provider: 502 bad gateway"))
	var got bookingJSON
	f.callJSON("POST", path+"/cancel", bookingBody("cancel", "ana"), http.StatusOK, &got)
	if got.Status != "cancelled" || got.Refund == nil || got.Refund.AmountCents == 0 || !got.Refund.RefundedAt.IsZero() {
		t.Errorf("cancel with the refund failing: %+v, refund %+v; want cancelled with the refund owed", got, got.Refund)
	}
	id, err := boxoffice.ParseBookingID(b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored, err := f.sys.Booking(context.Background(), id); err != nil || stored.Status != boxoffice.StatusCancelled ||
		int64(stored.RefundOwed()) != got.Refund.AmountCents {
		t.Errorf("stored booking %+v, %v; want cancelled owing %d cents", stored, err, got.Refund.AmountCents)
	}
	for _, s := range f.seatMap(f.show).Seats {
		if slices.ContainsFunc(b.Seats, func(bs bookedSeatJSON) bool { return bs.ID == s.ID }) && s.Status != "available" {
			t.Errorf("seat %s is %s after the cancellation", s.ID, s.Status)
		}
	}

	// Once the gateway is back, cancelling again pays the refund at once.
	f.gateway.failRefunds(nil)
	f.callJSON("POST", path+"/cancel", bookingBody("cancel", "ana"), http.StatusOK, &got)
	if got.Status != "cancelled" || got.Refund == nil || got.Refund.RefundedAt.IsZero() {
		t.Errorf("cancel again after the outage: %+v, refund %+v; want the refund paid", got, got.Refund)
	}
}

// TestBodyNeedsJSONContentType: every call with a body refuses one that is
// not declared application/json, including one with no Content-Type at
// all (which a cross-site page can send without a CORS preflight), before
// acting on it.
func TestBodyNeedsJSONContentType(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	booking := "/api/bookings/" + boxoffice.NewBookingID().String()
	calls := []struct{ path, body string }{
		{"/api/shows/" + f.show + "/holds", mustJSON(t, holdRequest{User: "bob", Seats: f.freeSeats(f.show, 0, 1)})},
		{booking + "/confirm", bookingBody("confirm", "bob")},
		{booking + "/extend", bookingBody("extend", "bob")},
		{booking + "/release", bookingBody("release", "bob")},
		{booking + "/cancel", bookingBody("cancel", "bob")},
	}
	for _, contentType := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/json-seq", "nonsense/"} {
		for _, c := range calls {
			t.Run(fmt.Sprintf("%s %q", c.path[strings.LastIndex(c.path, "/")+1:], contentType), func(t *testing.T) {
				rec := serve(f.handler, newRequest("POST", c.path, c.body, contentType))
				if e := decodeError(t, rec.Body.String()); rec.Code != http.StatusUnsupportedMediaType || e.Code != "unsupported_media_type" {
					t.Errorf("status %d %+v; want 415 unsupported_media_type", rec.Code, e)
				}
			})
		}
	}
	if bookings, err := f.sys.BookingsOfUser(context.Background(), "bob", boxoffice.BookingPage{}); err != nil || len(bookings) != 0 {
		t.Errorf("bob has bookings %v, %v; want none", bookings, err)
	}
	// The parameters JSON may carry are fine.
	rec := serve(f.handler, newRequest("POST", calls[0].path, calls[0].body, "application/json; charset=utf-8"))
	if rec.Code != http.StatusCreated {
		t.Errorf("hold as application/json; charset=utf-8: %d %s", rec.Code, rec.Body)
	}
}
