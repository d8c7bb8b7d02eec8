package pgstore_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestScheduleShowAcrossInstances runs two BookingSystems, each with its own
// pool, scheduling shows into one hall of one schema at once, at starts
// packed on the cleaning buffer's edge (a start exactly at the previous
// show's end plus the buffer, a microsecond before it, one after), while
// one goroutine cancels some of the shows scheduled. Afterwards no two shows
// that are not cancelled block the hall at the same instant (start to end
// plus CleaningBuffer), and each refusal names a stored show that does
// overlap the refused one.
func TestScheduleShowAcrossInstances(t *testing.T) {
	pool := testPool(t)
	schema := newSchema(t, pool)
	base := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	a := newInstance(t, schema, base, 0, nil, nil)
	b := newInstance(t, schema, base, 0, nil, nil)
	ctx := t.Context()
	movie, err := a.sys.AddMovie(ctx, boxoffice.Movie{Title: "Edge", Duration: 100 * time.Minute})
	must(t, err)
	theater, err := a.sys.AddTheater(ctx, boxoffice.Theater{Name: "Rex", City: "Bern"})
	must(t, err)
	hall, err := a.sys.AddHall(ctx, boxoffice.Hall{TheaterID: theater.ID, Name: "1", Layout: boxoffice.SeedLayout()})
	must(t, err)

	// Starts k×65 minutes after the first: shows k and k+2 are 130
	// minutes apart, the movie plus the buffer, so they fit exactly; a
	// microsecond earlier they overlap.
	const slots, workers = 40, 8
	first := base.Add(24 * time.Hour)
	blocked := movie.Duration + boxoffice.CleaningBuffer
	type refusal struct {
		start    time.Time
		conflict boxoffice.Show
	}
	var (
		mu        sync.Mutex
		scheduled []string
		refused   []refusal
	)
	cancelIDs := make(chan string, slots*workers)
	var wg sync.WaitGroup
	for w := range workers {
		sys := a.sys
		if w%2 == 1 {
			sys = b.sys
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for range slots {
				start := first.Add(time.Duration(rng.IntN(slots)) * 65 * time.Minute)
				start = start.Add(time.Duration(rng.IntN(3)-1) * time.Microsecond)
				s, err := sys.ScheduleShow(ctx, boxoffice.Show{MovieID: movie.ID, HallID: hall.ID, Start: start, BasePrice: 1000})
				var ce *boxoffice.ScheduleConflictError
				mu.Lock()
				switch {
				case err == nil:
					scheduled = append(scheduled, s.ID)
					if rng.IntN(8) == 0 {
						cancelIDs <- s.ID
					}
				case errors.As(err, &ce):
					refused = append(refused, refusal{start, ce.Conflict})
				default:
					t.Errorf("ScheduleShow at %s: %v", start, err)
				}
				mu.Unlock()
			}
		}()
	}
	cancelled := make(map[string]bool)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for id := range cancelIDs {
			if _, err := b.sys.CancelShow(ctx, id); err != nil {
				t.Errorf("CancelShow(%s): %v", id, err)
				continue
			}
			cancelled[id] = true
		}
	}()
	waitGroup(t, &wg, "the schedulers")
	close(cancelIDs)
	recv(t, done, "the canceller")

	var live []boxoffice.Show
	exact := 0
	for _, id := range scheduled {
		s, err := a.sys.Show(ctx, id)
		must(t, err)
		if !cancelled[id] {
			live = append(live, s)
		}
	}
	slices.SortFunc(live, func(x, y boxoffice.Show) int { return x.Start.Compare(y.Start) })
	for i := 1; i < len(live); i++ {
		prev, next := live[i-1], live[i]
		free := prev.End.Add(boxoffice.CleaningBuffer)
		if next.Start.Before(free) {
			t.Errorf("shows %s (%s–%s) and %s (%s–%s) overlap in the hall, cleaning buffer included",
				prev.ID, prev.Start.Format(time.RFC3339Nano), prev.End.Format(time.RFC3339Nano),
				next.ID, next.Start.Format(time.RFC3339Nano), next.End.Format(time.RFC3339Nano))
		}
		if next.Start.Equal(free) {
			exact++
		}
	}
	for _, r := range refused {
		c, err := a.sys.Show(ctx, r.conflict.ID)
		if err != nil || c != r.conflict {
			t.Errorf("refusal at %s names show %+v, stored as %+v (%v)", r.start, r.conflict, c, err)
			continue
		}
		if !r.start.Before(c.End.Add(boxoffice.CleaningBuffer)) || !c.Start.Before(r.start.Add(blocked)) {
			t.Errorf("show at %s refused for show %s (%s–%s), which it does not overlap", r.start, c.ID, c.Start, c.End)
		}
	}
	t.Logf("%s", fmt.Sprintf("%d shows scheduled (%d cancelled), %d refused; %d start exactly at the end of the previous one's cleaning",
		len(scheduled), len(cancelled), len(refused), exact))
	if len(scheduled) == 0 || len(refused) == 0 {
		t.Fatalf("%d scheduled, %d refused: the test exercised nothing", len(scheduled), len(refused))
	}
}
