package main

import (
	"net/http"
	"slices"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

type moviesPageJSON struct {
	Movies []movieJSON `json:"movies"`
	Next   string      `json:"next"`
}

// TestSearchMoviesPagesHTTP follows "next" through searches: every film
// comes once, by title, and only a full page has a next.
func TestSearchMoviesPagesHTTP(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	all := []string{"A Noite Longa", "Neon Harbor", "Paper Moons", "The Last Projectionist", "Velvet Heist"}
	for _, tt := range []struct {
		query string
		want  []string
		sizes []int
	}{
		{"limit=2", all, []int{2, 2, 1}},
		{"limit=5", all, []int{5, 0}},
		{"limit=", all, []int{5}}, // the default, 100
		{"limit=1000", all, []int{5}},
		{"limit=1&genre=drama", []string{"A Noite Longa", "The Last Projectionist"}, []int{1, 1, 0}},
		{"limit=1&title=nothing", nil, []int{0}},
	} {
		movies, sizes := followPages(f, "/api/movies?"+tt.query, len(all)+1,
			func(p *moviesPageJSON) ([]movieJSON, string) { return p.Movies, p.Next },
			func(m movieJSON) string { return m.ID })
		var got []string
		for _, m := range movies {
			got = append(got, m.Title)
		}
		if !slices.Equal(got, tt.want) || !slices.Equal(sizes, tt.sizes) {
			t.Errorf("%s: pages of %v listing %q; want pages of %v listing %q", tt.query, sizes, got, tt.sizes, tt.want)
		}
	}
}

func TestSearchMoviesPageErrorsHTTP(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	for _, tt := range []struct {
		query  string
		status int
		code   string
	}{
		{"limit=ten", http.StatusBadRequest, "invalid_argument"},
		{"limit=0", http.StatusBadRequest, "invalid_argument"},
		{"limit=-1", http.StatusBadRequest, "invalid_argument"},
		{"limit=1001", http.StatusBadRequest, "invalid_argument"},
		{"limit=1&limit=2", http.StatusBadRequest, "invalid_argument"},
		{"after=a&after=b", http.StatusBadRequest, "invalid_argument"},
		{"after=%01", http.StatusBadRequest, "invalid_argument"},
		{"offset=2", http.StatusBadRequest, "invalid_argument"},
		{"after=no-such-film", http.StatusNotFound, "not_found"},
		{"title=x&after=no-such-film", http.StatusNotFound, "not_found"},
	} {
		t.Run(tt.query, func(t *testing.T) {
			rec := f.call("GET", "/api/movies?"+tt.query, "")
			if e := decodeError(t, rec.Body.String()); rec.Code != tt.status || e.Code != tt.code {
				t.Errorf("status %d %+v; want %d %s", rec.Code, e, tt.status, tt.code)
			}
		})
	}
}
