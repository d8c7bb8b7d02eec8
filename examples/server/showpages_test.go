package main

import (
	"net/http"
	"slices"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

type showsPageJSON struct {
	Shows []showJSON `json:"shows"`
	Next  string     `json:"next"`
}

// TestShowsOfMoviePagesHTTP follows "next" through a film's shows: every
// show comes once, by start, and only a full page has a next.
func TestShowsOfMoviePagesHTTP(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	var whole showsPageJSON
	f.callJSON("GET", "/api/movies/neon-harbor/shows?limit=1000", "", http.StatusOK, &whole)
	var all []string
	for _, s := range whole.Shows {
		all = append(all, s.ID)
	}
	if len(all) < 3 || whole.Next != "" {
		t.Fatalf("limit=1000: %d shows, next %q; want at least 3 and no next", len(all), whole.Next)
	}
	for _, limit := range []string{"1", "2", "", "1000"} {
		shows, sizes := followPages(f, "/api/movies/neon-harbor/shows?limit="+limit, len(all)+1,
			func(p *showsPageJSON) ([]showJSON, string) { return p.Shows, p.Next },
			func(s showJSON) string { return s.ID })
		var got []string
		for _, s := range shows {
			got = append(got, s.ID)
		}
		if !slices.Equal(got, all) {
			t.Errorf("limit %q: pages of %v listing %v; want %v", limit, sizes, got, all)
		}
	}
}

func TestShowsOfMoviePageErrorsHTTP(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	for _, tt := range []struct {
		query  string
		status int
		code   string
	}{
		{"limit=ten", http.StatusBadRequest, "invalid_argument"},
		{"limit=0", http.StatusBadRequest, "invalid_argument"},
		{"limit=1001", http.StatusBadRequest, "invalid_argument"},
		{"limit=1&limit=2", http.StatusBadRequest, "invalid_argument"},
		{"after=%01", http.StatusBadRequest, "invalid_argument"},
		{"offset=2", http.StatusBadRequest, "invalid_argument"},
		{"after=no-such-show", http.StatusNotFound, "not_found"},
		{"after=" + f.show, http.StatusNotFound, "not_found"}, // a show of another film
	} {
		t.Run(tt.query, func(t *testing.T) {
			rec := f.call("GET", "/api/movies/neon-harbor/shows?"+tt.query, "")
			if e := decodeError(t, rec.Body.String()); rec.Code != tt.status || e.Code != tt.code {
				t.Errorf("status %d %+v; want %d %s", rec.Code, e, tt.status, tt.code)
			}
		})
	}
}
