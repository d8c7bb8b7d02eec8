package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// TestCancelledShowHTTP: a show the cinema cancelled is listed and mapped
// with "cancelled": true and nothing free, other shows with false; a hold
// on it is 409 show_cancelled; the show alone, which does not read its
// state, says nothing of it.
func TestCancelledShowHTTP(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	show, err := f.sys.Show(t.Context(), f.show)
	if err != nil {
		t.Fatal(err)
	}
	paid := f.hold("alice", f.freeSeats(f.show, 0, 2)...)
	f.callJSON("POST", "/api/bookings/"+paid.ID+"/confirm", bookingBody("confirm", "alice"), http.StatusOK, nil)
	if _, err := f.sys.CancelShow(t.Context(), f.show); err != nil {
		t.Fatal(err)
	}

	var list struct {
		Shows []showJSON
		Next  string
	}
	f.callJSON("GET", "/api/movies/"+show.MovieID+"/shows", "", http.StatusOK, &list)
	seen := false
	for _, s := range list.Shows {
		if s.Cancelled == nil || s.FreeSeats == nil {
			t.Fatalf("show %s listed without cancelled or freeSeats: %+v", s.ID, s)
		}
		if s.ID == f.show {
			seen = true
			if !*s.Cancelled || *s.FreeSeats != 0 {
				t.Errorf("the cancelled show listed: cancelled %v, %d free; want true, 0", *s.Cancelled, *s.FreeSeats)
			}
		} else if *s.Cancelled {
			t.Errorf("show %s listed as cancelled", s.ID)
		}
	}
	if !seen {
		t.Errorf("the cancelled show is not listed: %+v", list.Shows)
	}

	m := f.seatMap(f.show)
	if m.Show.Cancelled == nil || !*m.Show.Cancelled || m.Free != 0 || *m.Show.FreeSeats != 0 {
		t.Errorf("seat map: cancelled %v, free %d; want true, 0", m.Show.Cancelled, m.Free)
	}
	var one showJSON
	f.callJSON("GET", "/api/shows/"+f.show, "", http.StatusOK, &one)
	if one.Cancelled != nil {
		t.Errorf("GET the show: cancelled %v; want it left out", *one.Cancelled)
	}

	var e errorJSON
	f.callJSON("POST", "/api/shows/"+f.show+"/holds", mustJSON(t, holdRequest{User: "bob", Seats: []string{m.Seats[0].ID}}),
		http.StatusConflict, &e)
	if e.Code != "show_cancelled" {
		t.Errorf("hold on the cancelled show: %+v; want show_cancelled", e)
	}
	var got bookingJSON
	f.callJSON("GET", "/api/bookings/"+paid.ID, "", http.StatusOK, &got)
	if got.Status != "cancelled" || got.Refund == nil || got.Refund.AmountCents != paid.TotalCents || got.Refund.Percent != 100 {
		t.Errorf("the paid booking: %s, refund %+v; want cancelled, refunded in full", got.Status, got.Refund)
	}
}

// TestConfirmStoppedByCancelShow: the show is cancelled while the payment
// is in flight. The answer is 409 show_cancelled saying so, and the
// booking failed with the charge given back.
func TestConfirmStoppedByCancelShow(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	b := f.hold("carol", f.freeSeats(f.show, 0, 2)...)
	f.gateway.mu.Lock()
	f.gateway.beforeCharge = func() {
		if _, err := f.sys.CancelShow(t.Context(), f.show); err != nil {
			t.Error(err)
		}
	}
	f.gateway.mu.Unlock()
	var e errorJSON
	f.callJSON("POST", "/api/bookings/"+b.ID+"/confirm", bookingBody("confirm", "carol"), http.StatusConflict, &e)
	if e.Code != "show_cancelled" || !strings.Contains(e.Error, "the show was cancelled") {
		t.Errorf("confirm: %+v; want show_cancelled saying the show was cancelled", e)
	}
	var got bookingJSON
	f.callJSON("GET", "/api/bookings/"+b.ID, "", http.StatusOK, &got)
	if got.Status != "failed" || got.Payment == nil || got.Payment.Failure != "the show was cancelled" ||
		got.Refund == nil || got.Refund.AmountCents != b.TotalCents {
		t.Errorf("booking: %s, payment %+v, refund %+v; want failed, the show was cancelled, %d given back",
			got.Status, got.Payment, got.Refund, b.TotalCents)
	}
	// Asked again: the same answer, from the record.
	f.callJSON("POST", "/api/bookings/"+b.ID+"/confirm", bookingBody("confirm", "carol"), http.StatusConflict, &e)
	if e.Code != "show_cancelled" {
		t.Errorf("confirm again: %+v; want show_cancelled", e)
	}
}
