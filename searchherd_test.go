package boxoffice_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestSearchAfterAddMovieBuildsTheIndexOnce: after one AddMovie, the
// searches that start before the title index is brought up to date wait
// for the one search that does it. Each once built its own full copy:
// 64 concurrent one-movie searches after each of 3 AddMovie calls built
// 35 to 85 copies of a 20,000-movie index, not 3. Counted in bytes
// allocated, not time.
func TestSearchAfterAddMovieBuildsTheIndexOnce(t *testing.T) {
	f := newFixture(t)
	const n = 20_000
	for i := range n {
		mustT[boxoffice.Movie](t)(f.sys.AddMovie(f.ctx, boxoffice.Movie{ID: fmt.Sprintf("m%05d", i),
			Title: fmt.Sprintf("The Film Number %05d", (i*7919)%n), Duration: time.Hour, Genres: []string{"Drama"}}))
	}
	mustT[[]boxoffice.Movie](t)(f.sys.SearchMovies(f.ctx, boxoffice.MovieQuery{Limit: 1})) // build the index
	index := float64(n * (96 + 16 + 21))                                                   // Movie, key header, key bytes

	measure := func(name string, run func()) float64 {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		run()
		runtime.ReadMemStats(&after)
		copies := float64(after.TotalAlloc-before.TotalAlloc) / index
		t.Logf("%s: %.1f MB allocated, %.1f index copies", name, float64(after.TotalAlloc-before.TotalAlloc)/1e6, copies)
		return copies
	}
	const searchers, rounds = 64, 3
	copies := measure("3 rounds of one AddMovie then 64 concurrent searches", func() {
		for r := range rounds {
			mustT[boxoffice.Movie](t)(f.sys.AddMovie(f.ctx, boxoffice.Movie{ID: fmt.Sprint("new", r), Title: "New", Duration: time.Hour}))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range searchers {
				wg.Go(func() {
					<-start
					if _, err := f.sys.SearchMovies(f.ctx, boxoffice.MovieQuery{Limit: 1}); err != nil {
						t.Error(err)
					}
				})
			}
			close(start)
			waitGroup(t, &wg, "the concurrent searches")
		}
	})
	if copies > 1.5*rounds {
		t.Errorf("%d rounds of (AddMovie; %d concurrent 1-movie searches) built %.0f copies of the %d-movie index; want %d", rounds, searchers, copies, n, rounds)
	}
}
