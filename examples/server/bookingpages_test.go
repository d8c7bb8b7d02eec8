package main

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

type bookingsPageJSON struct {
	Bookings []bookingJSON `json:"bookings"`
	Next     string        `json:"next"`
}

// TestBookingsOfUserPages follows "next" through a user's bookings: every
// booking comes once, oldest first or, asked, newest first, and only a
// full page has a next.
func TestBookingsOfUserPages(t *testing.T) {
	f := newFixture(t, boxoffice.Config{HoldsPerMinute: -1, MaxLiveHoldsPerUser: -1})
	for i, seat := range f.freeSeats(f.show, 0, 5) {
		f.hold("alice", seat)
		if i%2 == 1 {
			f.clock.Advance(time.Second) // and some created at the same instant
		}
	}
	f.hold("bob", f.freeSeats(f.show, 0, 1)...)
	all, err := f.sys.BookingsOfUser(context.Background(), "alice", boxoffice.BookingPage{})
	if err != nil || len(all) != 5 {
		t.Fatalf("alice's bookings: %d, %v; want 5", len(all), err)
	}
	var oldest []string
	for _, b := range all {
		oldest = append(oldest, b.ID.String())
	}
	newest := slices.Clone(oldest)
	slices.Reverse(newest)

	for _, tt := range []struct {
		order string
		limit string
		sizes []int
	}{
		{"", "2", []int{2, 2, 1}},
		{"", "5", []int{5, 0}},
		{"", "", []int{5}}, // the default, 100
		{"oldest", "3", []int{3, 2}},
		{"newest", "2", []int{2, 2, 1}},
		{"newest", "", []int{5}},
	} {
		want := oldest
		if tt.order == "newest" {
			want = newest
		}
		path := "/api/users/alice/bookings?order=" + tt.order + "&limit=" + tt.limit
		bookings, sizes := followPages(f, path, len(want)+1,
			func(p *bookingsPageJSON) ([]bookingJSON, string) { return p.Bookings, p.Next },
			func(b bookingJSON) string { return b.ID })
		var got []string
		for _, b := range bookings {
			got = append(got, b.ID)
		}
		if !slices.Equal(got, want) || !slices.Equal(sizes, tt.sizes) {
			t.Errorf("order %q, limit %q: pages of %v listing %v; want pages of %v listing %v", tt.order, tt.limit, sizes, got, tt.sizes, want)
		}
	}
}

func TestBookingsOfUserPageErrors(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	f.hold("alice", f.freeSeats(f.show, 0, 1)...)
	bob := f.hold("bob", f.freeSeats(f.show, 0, 1)...)
	for _, tt := range []struct {
		query  string
		status int
		code   string
	}{
		{"limit=ten", http.StatusBadRequest, "invalid_argument"},
		{"limit=-1", http.StatusBadRequest, "invalid_argument"},
		{"limit=1001", http.StatusBadRequest, "invalid_argument"},
		{"limit=1&limit=2", http.StatusBadRequest, "invalid_argument"},
		{"after=A1", http.StatusBadRequest, "invalid_argument"},
		{"offset=2", http.StatusBadRequest, "invalid_argument"},
		{"order=desc", http.StatusBadRequest, "invalid_argument"},
		{"order=newest&order=oldest", http.StatusBadRequest, "invalid_argument"},
		{"after=" + bob.ID, http.StatusNotFound, "not_found"},
		{"after=" + boxoffice.NewBookingID().String(), http.StatusNotFound, "not_found"},
	} {
		t.Run(tt.query, func(t *testing.T) {
			rec := f.call("GET", "/api/users/alice/bookings?"+tt.query, "")
			if e := decodeError(t, rec.Body.String()); rec.Code != tt.status || e.Code != tt.code {
				t.Errorf("status %d %+v; want %d %s", rec.Code, e, tt.status, tt.code)
			}
		})
	}
	// limit=1000 is the most, and fine.
	var page bookingsPageJSON
	f.callJSON("GET", "/api/users/alice/bookings?limit=1000", "", http.StatusOK, &page)
	if len(page.Bookings) != 1 || page.Next != "" {
		t.Errorf("limit=1000: %d bookings, next %q; want 1 and no next", len(page.Bookings), page.Next)
	}
}
