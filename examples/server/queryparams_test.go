package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// TestQueryParameters: every GET endpoint refuses a query parameter it
// does not document (as the README says), rather than ignoring it, and
// still takes those it documents (the page sends title, genre, language,
// city, limit and after; a film's shows take city, limit and after); a limit below 1 is out of range, an empty one
// the default.
func TestQueryParameters(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	t.Cleanup(f.srv.closeStreams)
	b := f.hold("alice", f.freeSeats(f.show, 0, 1)...)
	show := "/api/shows/" + f.show
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/movies?title=harbor&genre=&language=english&city=lisbon", http.StatusOK},
		{"GET", "/api/movies?offset=2", http.StatusBadRequest},
		{"GET", "/api/movies?city=lisbon&sort=title", http.StatusBadRequest},
		{"GET", "/api/movies?%zz", http.StatusBadRequest}, // malformed, not silently dropped
		{"GET", "/api/movies/neon-harbor", http.StatusOK},
		{"GET", "/api/movies/neon-harbor?lang=pt", http.StatusBadRequest},
		{"GET", "/api/movies/neon-harbor/shows", http.StatusOK},
		{"GET", "/api/movies/neon-harbor/shows?city=lisbon", http.StatusOK},
		{"GET", "/api/movies/neon-harbor/shows?city=lisbon&title=x", http.StatusBadRequest},
		{"GET", show, http.StatusOK},
		{"GET", show + "?x=1", http.StatusBadRequest},
		{"GET", show + "/seats", http.StatusOK},
		{"GET", show + "/seats?offset=2", http.StatusBadRequest},
		{"GET", show + "/events?since=5", http.StatusBadRequest},
		{"HEAD", show + "/events", http.StatusOK},
		{"HEAD", show + "/events?since=5", http.StatusBadRequest},
		{"GET", "/api/bookings/" + b.ID, http.StatusOK},
		{"GET", "/api/bookings/" + b.ID + "?user=bob", http.StatusBadRequest},
		{"GET", "/api/users/alice/bookings", http.StatusOK},
		{"GET", "/api/users/alice/bookings?limit=1000", http.StatusOK},
		{"GET", "/api/users/alice/bookings?limit=1000&after=" + b.ID, http.StatusOK},
		{"GET", "/api/users/alice/bookings?limit=&after=", http.StatusOK}, // empty: the default, the first page
		{"GET", "/api/users/alice/bookings?limit=1", http.StatusOK},
		{"GET", "/api/users/alice/bookings?limit=0", http.StatusBadRequest},
		{"GET", "/api/users/alice/bookings?limit=-1", http.StatusBadRequest},
		{"GET", "/api/users/alice/bookings?offset=2", http.StatusBadRequest},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			// A stream that wrongly takes the request ends at its first
			// write instead of running on.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			rec := &cancelOnWrite{ResponseRecorder: httptest.NewRecorder(), cancel: cancel}
			f.handler.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, tt.method, tt.path, nil))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body %.200s", rec.Code, tt.status, rec.Body)
			}
			if tt.status == http.StatusBadRequest {
				if e := decodeError(t, rec.Body.String()); e.Code != "invalid_argument" {
					t.Errorf("code %q, want invalid_argument", e.Code)
				}
			}
		})
	}
}
