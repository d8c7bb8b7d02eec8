package main

import (
	"net/http"
	"slices"
	"strings"
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

// TestShowsOfMovieCityHTTP: ?city= passes through to ShowPage.City: the
// pages, followed by "next", list the film's shows in that city (any
// case), each once, by start; only a full page has a next.
func TestShowsOfMovieCityHTTP(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	var whole showsPageJSON
	f.callJSON("GET", "/api/movies/neon-harbor/shows?limit=1000", "", http.StatusOK, &whole)
	byCity := map[string][]string{}
	for _, s := range whole.Shows {
		byCity[s.City] = append(byCity[s.City], s.ID)
	}
	if len(byCity["Lisbon"]) < 2 || len(byCity["Porto"]) == 0 {
		t.Fatalf("demo: neon-harbor's shows by city %v; want 2 or more in Lisbon and some in Porto", byCity)
	}
	for _, city := range []string{"Lisbon", "LISBON", "Porto", "Faro"} {
		want := byCity[strings.ToUpper(city[:1])+strings.ToLower(city[1:])]
		for _, limit := range []string{"1", "2", "1000"} {
			shows, sizes := followPages(f, "/api/movies/neon-harbor/shows?city="+city+"&limit="+limit, len(whole.Shows)+1,
				func(p *showsPageJSON) ([]showJSON, string) { return p.Shows, p.Next },
				func(s showJSON) string { return s.ID })
			var got []string
			for _, s := range shows {
				got = append(got, s.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("city %s, limit %s: pages of %v listing %v; want %v", city, limit, sizes, got, want)
			}
		}
	}
	for _, tt := range []struct {
		query  string
		status int
		code   string
	}{
		{"city=%01", http.StatusBadRequest, "invalid_argument"},
		{"city=Lisbon&city=Porto", http.StatusBadRequest, "invalid_argument"},
		{"city=Porto&after=" + byCity["Lisbon"][0], http.StatusOK, ""}, // a cursor in another city
	} {
		rec := f.call("GET", "/api/movies/neon-harbor/shows?"+tt.query, "")
		if rec.Code != tt.status {
			t.Errorf("%s: status %d; want %d; body %.200s", tt.query, rec.Code, tt.status, rec.Body)
		} else if tt.code != "" {
			if e := decodeError(t, rec.Body.String()); e.Code != tt.code {
				t.Errorf("%s: %+v; want %s", tt.query, e, tt.code)
			}
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
