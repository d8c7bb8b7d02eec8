package deadlines_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/boxoffice-go/boxoffice/internal/deadlines"
)

var base = time.Date(2030, 6, 1, 18, 0, 0, 0, time.UTC)

func at(minutes int) time.Time { return base.Add(time.Duration(minutes) * time.Minute) }

type push struct {
	minutes int
	key     string
}

// queue is what Queue and Sharded have in common, so that one test can run
// against both.
type queue interface {
	Push(at time.Time, key int)
	PopDue(now time.Time, max int, dst []int) []int
	Next() (time.Time, bool)
	Len() int
}

// queues makes each implementation for the tests that run against both.
var queues = []struct {
	name string
	new  func() queue
}{
	{"Queue", func() queue { return deadlines.New[int]() }},
	{"Sharded", func() queue { return deadlines.NewSharded[int](8, shardOfInt) }},
}

func TestPopDue(t *testing.T) {
	tests := []struct {
		name     string
		pushes   []push
		now      int // minutes after base
		max      int
		want     []string
		wantLeft int
	}{
		{"empty queue", nil, 100, 10, nil, 0},
		{"nothing due", []push{{10, "a"}, {20, "b"}}, 9, 10, nil, 2},
		{"due exactly at now", []push{{10, "a"}}, 10, 10, []string{"a"}, 0},
		{"earliest first whatever the push order", []push{{30, "c"}, {10, "a"}, {20, "b"}}, 100, 10, []string{"a", "b", "c"}, 0},
		{"only the due ones", []push{{30, "c"}, {10, "a"}, {20, "b"}, {40, "d"}}, 25, 10, []string{"a", "b"}, 2},
		{"at most max", []push{{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}}, 100, 2, []string{"a", "b"}, 2},
		{"max zero pops nothing", []push{{1, "a"}}, 100, 0, nil, 1},
		{"negative max pops nothing", []push{{1, "a"}}, 100, -1, nil, 1},
		{"equal deadlines pop in push order", []push{{5, "x"}, {5, "y"}, {1, "a"}, {5, "z"}}, 5, 10, []string{"a", "x", "y", "z"}, 0},
		{"a key pushed twice pops twice", []push{{5, "a"}, {1, "a"}}, 5, 10, []string{"a", "a"}, 0},
		{"deadlines before the zero-based now", []push{{-5, "old"}, {0, "now"}}, 0, 10, []string{"old", "now"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := deadlines.New[string]()
			for _, p := range tt.pushes {
				q.Push(at(p.minutes), p.key)
			}
			got := q.PopDue(at(tt.now), tt.max, nil)
			if !slices.Equal(got, tt.want) {
				t.Errorf("PopDue = %q, want %q", got, tt.want)
			}
			if n := q.Len(); n != tt.wantLeft {
				t.Errorf("Len() after PopDue = %d, want %d", n, tt.wantLeft)
			}
		})
	}
}

func TestPopDueAppendsToDst(t *testing.T) {
	var q deadlines.Queue[int] // the zero value is usable
	q.Push(at(1), 1)
	q.Push(at(2), 2)
	dst := make([]int, 1, 8)
	dst[0] = -1
	got := q.PopDue(at(5), 10, dst)
	if want := []int{-1, 1, 2}; !slices.Equal(got, want) {
		t.Fatalf("PopDue = %v, want %v", got, want)
	}
	if &got[0] != &dst[0] {
		t.Fatal("PopDue reallocated a dst with enough capacity")
	}
}

func TestNext(t *testing.T) {
	q := deadlines.New[int]()
	if _, ok := q.Next(); ok {
		t.Fatal("Next on an empty queue reported a deadline")
	}
	q.Push(at(20), 2)
	q.Push(at(10), 1)
	if got, ok := q.Next(); !ok || !got.Equal(at(10)) {
		t.Fatalf("Next() = %v, %v; want %v, true", got, ok, at(10))
	}
	q.PopDue(at(10), 1, nil)
	if got, ok := q.Next(); !ok || !got.Equal(at(20)) {
		t.Fatalf("after popping the earliest, Next() = %v, %v; want %v, true", got, ok, at(20))
	}
}

// modelEntry is one entry of the reference model: a slice kept sorted by
// deadline, then push order.
type modelEntry struct {
	at  time.Time
	seq int
	key int
}

// TestQueueMatchesSortedSliceModel runs random sequences of operations on a
// Queue and on a sorted slice and requires the same answers.
func TestQueueMatchesSortedSliceModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		checkModel(t, deadlines.New[int](), func(t *rapid.T, model []modelEntry, now time.Time, limit int, got []int) []modelEntry {
			var want []int
			for len(model) > 0 && len(want) < limit && !model[0].at.After(now) {
				want = append(want, model[0].key)
				model = model[1:]
			}
			if !slices.Equal(got, want) {
				t.Fatalf("PopDue(%v, %d) = %v, want %v", now, limit, got, want)
			}
			return model
		})
	})
}

// checkModel runs random Push, PopDue, Next and Len on q and on model, a
// sorted slice. checkPop checks the keys got from q.PopDue(now, limit) and
// returns the model without the entries popped.
func checkModel(t *rapid.T, q queue, checkPop func(t *rapid.T, model []modelEntry, now time.Time, limit int, got []int) []modelEntry) {
	var model []modelEntry
	seq := 0
	// Few distinct deadlines, so that ties are common.
	minute := rapid.IntRange(-5, 30)
	t.Repeat(map[string]func(*rapid.T){
		"Push": func(t *rapid.T) {
			e := modelEntry{at: at(minute.Draw(t, "at")), seq: seq, key: rapid.IntRange(0, 9).Draw(t, "key")}
			seq++
			q.Push(e.at, e.key)
			i, _ := slices.BinarySearchFunc(model, e, func(a, b modelEntry) int {
				return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.seq, b.seq))
			})
			model = slices.Insert(model, i, e)
		},
		"PopDue": func(t *rapid.T) {
			now := at(minute.Draw(t, "now"))
			limit := rapid.IntRange(-1, 8).Draw(t, "max")
			model = checkPop(t, model, now, limit, q.PopDue(now, limit, nil))
		},
		"Next": func(t *rapid.T) {
			checkNext(t, q, len(model), func() time.Time { return model[0].at })
		},
		"": func(t *rapid.T) { checkLen(t, q, len(model)) },
	})
}

// TestConcurrentPushAndPop pushes from several goroutines while others pop,
// on each implementation; run it with -race. Every key must pop exactly once.
func TestConcurrentPushAndPop(t *testing.T) {
	for _, impl := range queues {
		t.Run(impl.name, func(t *testing.T) { testConcurrentPushAndPop(t, impl.new()) })
	}
}

func testConcurrentPushAndPop(t *testing.T, q queue) {
	const pushers, perPusher, poppers = 4, 500, 3
	now := at(1000)

	var pushed sync.WaitGroup
	for p := range pushers {
		pushed.Go(func() {
			for i := range perPusher {
				key := p*perPusher + i
				q.Push(at(key%997), key)
			}
		})
	}
	allPushed := make(chan struct{})
	go func() { pushed.Wait(); close(allPushed) }()

	popped := make([][]int, poppers)
	var popping sync.WaitGroup
	for p := range poppers {
		popping.Go(func() {
			for {
				// Read the signal before popping, so that the last pass
				// starts after every push and leaves nothing behind.
				done := false
				select {
				case <-allPushed:
					done = true
				default:
				}
				popped[p] = q.PopDue(now, 7, popped[p])
				if done && q.Len() == 0 {
					return
				}
			}
		})
	}
	popping.Wait()

	var all []int
	for _, keys := range popped {
		all = append(all, keys...)
	}
	slices.Sort(all)
	if len(all) != pushers*perPusher {
		t.Fatalf("popped %d keys, want %d", len(all), pushers*perPusher)
	}
	for i, key := range all {
		if key != i {
			t.Fatalf("popped keys sorted: position %d holds %d, want %d (a key lost or popped twice)", i, key, i)
		}
	}
}

func TestPopDueDoesNotAllocateWithReusedDst(t *testing.T) {
	q := deadlines.New[int]()
	dst := make([]int, 0, 16)
	allocs := testing.AllocsPerRun(100, func() {
		for i := range 16 {
			q.Push(at(i), i)
		}
		dst = q.PopDue(at(100), 16, dst[:0])
	})
	if allocs != 0 {
		t.Fatalf("Push and PopDue allocated %.1f times per run once the heap had grown, want 0", allocs)
	}
	if len(dst) != 16 {
		t.Fatalf("popped %d keys, want 16", len(dst))
	}
}

// BenchmarkPopDueNothingDue shows that a sweep that finds nothing due costs
// the same whatever the number of holds queued.
func BenchmarkPopDueNothingDue(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			q := deadlines.New[uint64]()
			for i := range n {
				q.Push(base.Add(time.Hour+time.Duration(i)*time.Millisecond), uint64(i))
			}
			dst := make([]uint64, 0, 64)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				dst = q.PopDue(base, 64, dst[:0])
			}
			if len(dst) != 0 || q.Len() != n {
				b.Fatalf("popped %d, %d left; want 0 popped and %d left", len(dst), q.Len(), n)
			}
		})
	}
}

// BenchmarkPushPop measures the steady state of the sweeper: one hold pushed
// and one popped per operation, at a given queue size.
func BenchmarkPushPop(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			q := deadlines.New[uint64]()
			for i := range n {
				q.Push(base.Add(time.Duration(i)*time.Millisecond), uint64(i))
			}
			dst := make([]uint64, 0, 1)
			next := n
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				q.Push(base.Add(time.Duration(next)*time.Millisecond), uint64(next))
				next++
				dst = q.PopDue(base.Add(time.Duration(next)*time.Millisecond), 1, dst[:0])
			}
		})
	}
}

// TestQueueAcrossChunks fills a queue over several storage chunks, in
// random order, and drains it in two steps: every key pops once, in
// deadline order, and the queue can be refilled after it shrank.
func TestQueueAcrossChunks(t *testing.T) {
	q := deadlines.New[int]()
	const n = 3000 // several chunks
	for round := range 2 {
		perm := rand.New(rand.NewPCG(uint64(round), 1)).Perm(n)
		for _, k := range perm {
			q.Push(at(k), k)
		}
		if q.Len() != n {
			t.Fatalf("round %d: Len() = %d after %d pushes", round, q.Len(), n)
		}
		first := q.PopDue(at(n/2-1), n, nil) // the first half
		rest := q.PopDue(at(n), n, nil)
		got := append(first, rest...)
		if len(first) != n/2 || len(got) != n || q.Len() != 0 {
			t.Fatalf("round %d: popped %d then %d of %d, %d left", round, len(first), len(rest), n, q.Len())
		}
		for i, k := range got {
			if k != i {
				t.Fatalf("round %d: pop %d is key %d, want %d", round, i, k, i)
			}
		}
	}
}

// checkNext checks Next against a model of n entries whose earliest
// deadline head returns.
func checkNext(t *rapid.T, q queue, n int, head func() time.Time) {
	got, ok := q.Next()
	if n == 0 {
		if ok {
			t.Fatalf("Next() = %v, true on an empty queue", got)
		}
		return
	}
	if want := head(); !ok || !got.Equal(want) {
		t.Fatalf("Next() = %v, %v; want %v, true", got, ok, want)
	}
}

// checkLen checks Len against a model of n entries.
func checkLen(t *rapid.T, q queue, n int) {
	if got := q.Len(); got != n {
		t.Fatalf("Len() = %d, want %d", got, n)
	}
}
