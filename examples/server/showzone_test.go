package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestShowTimesInTheaterZone: a show's JSON, which the page renders, names
// its theater's zone (timeZone) and writes start and end in it, in the
// film's list of shows, the show and its seat map: a theater in Tokyo
// writes +09:00, the demo's Europe/Lisbon; a theater without a zone has
// no timeZone and its times in UTC.
func TestShowTimesInTheaterZone(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	ctx := context.Background()
	layout, err := demoHalls[0].layout()
	if err != nil {
		t.Fatal(err)
	}
	start := testStart.Add(3 * time.Hour) // 12:00 UTC, 21:00 in Tokyo
	for _, th := range []boxoffice.Theater{
		{ID: "ginza", Name: "Cinema Ginza", City: "Tokyo", TimeZone: "Asia/Tokyo"},
		{ID: "nowhere", Name: "Cinema Nowhere", City: "Nowhere"},
	} {
		if _, err := f.sys.AddTheater(ctx, th); err != nil {
			t.Fatal(err)
		}
		if _, err := f.sys.AddHall(ctx, boxoffice.Hall{ID: th.ID + "-1", TheaterID: th.ID, Name: "Sala 1", Layout: layout}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.sys.ScheduleShow(ctx, boxoffice.Show{ID: th.ID + "-show", MovieID: "neon-harbor", HallID: th.ID + "-1",
			Start: start, BasePrice: 900}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		show, zone, start string
	}{
		{"ginza-show", "Asia/Tokyo", "2025-03-14T21:00:00+09:00"},
		{"nowhere-show", "", "2025-03-14T12:00:00Z"},
		{f.show, demoZone, ""}, // Lisbon is on UTC in March: the zone's name tells
	}
	// raw reads the show's timeZone and start as sent.
	type raw struct {
		TimeZone *string `json:"timeZone"`
		Start    string  `json:"start"`
		ID       string  `json:"id"`
	}
	check := func(where string, got raw, show, zone, start string) {
		t.Helper()
		switch {
		case zone == "" && got.TimeZone != nil:
			t.Errorf("%s: show %s has timeZone %q; want none", where, show, *got.TimeZone)
		case zone != "" && (got.TimeZone == nil || *got.TimeZone != zone):
			t.Errorf("%s: show %s has timeZone %v; want %q", where, show, got.TimeZone, zone)
		}
		if start != "" && got.Start != start {
			t.Errorf("%s: show %s starts %q; want %q", where, show, got.Start, start)
		}
	}
	decode := func(path string, v any) {
		t.Helper()
		rec := f.call("GET", path, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	var list struct{ Shows []raw }
	decode("/api/movies/neon-harbor/shows?limit=1000", &list)
	listed := map[string]raw{}
	for _, s := range list.Shows {
		listed[s.ID] = s
	}
	for _, tt := range tests {
		if s, ok := listed[tt.show]; ok {
			check("the film's shows", s, tt.show, tt.zone, tt.start)
		} else if tt.show != f.show { // the demo's may be of another film
			t.Errorf("the film's shows do not list %s", tt.show)
		}
		var show raw
		decode("/api/shows/"+tt.show, &show)
		check("the show", show, tt.show, tt.zone, tt.start)
		var seats struct{ Show raw }
		decode("/api/shows/"+tt.show+"/seats", &seats)
		check("the seat map", seats.Show, tt.show, tt.zone, tt.start)
	}
}
