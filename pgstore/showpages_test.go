package pgstore_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// TestShowsOfMovieReadsOnePage gives a movie 20,000 shows, all but the last
// 100 in the past, and checks that a page of 10 from the clock's now is
// one range of the index of migration 0006, read for the page's rows only:
// no sort, no scan of the shows before the cursor.
func TestShowsOfMovieReadsOnePage(t *testing.T) {
	t.Parallel()
	pool := testPool(t)
	schema := newSchema(t, pool)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	ctx := t.Context()
	must(t, s.AddTheater(ctx, boxoffice.Theater{ID: "t"}))
	must(t, s.AddHall(ctx, boxoffice.Hall{ID: "h", TheaterID: "t", Layout: boxoffice.SeedLayout()}))
	for _, m := range []string{"m", "other"} {
		must(t, s.AddMovie(ctx, boxoffice.Movie{ID: m, Title: m, Duration: time.Hour}))
	}
	first := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	// Show i of each movie starts i hours after first.
	_, err = pool.Exec(ctx, `INSERT INTO `+quote(schema)+`.shows
		SELECT movie || '-' || i, movie, 'h', 't', $1::timestamptz + i * interval '1 hour', $1::timestamptz + (i + 1) * interval '1 hour', 1000
		FROM generate_series(0, 19999) AS i, unnest(ARRAY['m', 'other']) AS movie`, first)
	must(t, err)
	_, err = pool.Exec(ctx, `ANALYZE `+quote(schema)+`.shows`)
	must(t, err)

	now := boxoffice.ShowCursor{Start: first.Add(19900 * time.Hour)}
	page, err := s.ShowsOfMovie(ctx, "m", now, 10)
	must(t, err)
	if len(page) != 10 || page[0].ID != "m-19900" || page[9].ID != "m-19909" {
		t.Fatalf("page from show 19,900: %d shows from %v", len(page), page[:min(1, len(page))])
	}

	var plan string
	must(t, pool.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+pgstore.ShowsOfMovieSQL(s),
		"m", now.Start, now.ID, 10).Scan(&plan))
	scans := planScans(t, plan)
	if len(scans) != 1 || scans[0].IndexName != "shows_of_movie_by_start" || scans[0].ActualRows > 10 {
		t.Errorf("want one scan of shows_of_movie_by_start reading 10 rows; plan: %s", plan)
	}
}

// planNode is a node of EXPLAIN (FORMAT JSON)'s plan.
type planNode struct {
	NodeType   string  `json:"Node Type"`
	IndexName  string  `json:"Index Name"`
	ActualRows float64 `json:"Actual Rows"`
	// RowsRemoved is how many rows the node read and its filter dropped.
	RowsRemoved float64    `json:"Rows Removed by Filter"`
	Plans       []planNode `json:"Plans"`
}

// planScans returns the scans of an EXPLAIN (FORMAT JSON) plan, and fails
// the test if the plan sorts: a page is to come off an index in order.
func planScans(t *testing.T, plan string) []planNode {
	t.Helper()
	var nodes []struct{ Plan planNode }
	must(t, json.Unmarshal([]byte(plan), &nodes))
	var scans []planNode
	var walk func(n planNode)
	walk = func(n planNode) {
		if strings.Contains(n.NodeType, "Sort") {
			t.Errorf("the page is sorted, not read in the index's order: %s", plan)
		}
		if strings.Contains(n.NodeType, "Scan") {
			scans = append(scans, n)
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(nodes[0].Plan)
	return scans
}
