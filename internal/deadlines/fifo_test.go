package deadlines_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/boxoffice-go/boxoffice/internal/deadlines"
)

// orderedQueues are the queues that pop in one order (see queues): a
// Sharded of one shard covers its head deadline bookkeeping.
var orderedQueues = []struct {
	name string
	new  func() queue
}{
	{"Queue", func() queue { return deadlines.New[int]() }},
	{"Sharded", func() queue { return deadlines.NewSharded[int](1, func(int) uint64 { return 0 }) }},
}

// TestMixedPushes covers deadlines pushed out of order among in-order ones:
// they go to the heap, the others to the FIFO, and pops must interleave the
// two, equal deadlines in push order whichever part they are in.
func TestMixedPushes(t *testing.T) {
	sec := func(s int) time.Time { return base.Add(time.Duration(s) * time.Second) }
	type p struct{ sec, key int }
	tests := []struct {
		name   string
		pushes []p
		now    int
		max    int
		want   []int
	}{
		{"one early push between in-order ones", []p{{10, 1}, {20, 2}, {15, 3}, {30, 4}}, 100, 10, []int{1, 3, 2, 4}},
		{"early pushes earlier than the whole FIFO", []p{{10, 1}, {5, 2}, {3, 3}, {11, 4}}, 100, 10, []int{3, 2, 1, 4}},
		{"tie of an early push with an older FIFO entry", []p{{10, 1}, {20, 2}, {10, 3}}, 100, 10, []int{1, 3, 2}},
		{"tie of an early push with the FIFO tail's peers", []p{{10, 1}, {20, 2}, {15, 3}, {20, 4}, {15, 5}, {20, 6}}, 100, 10, []int{1, 3, 5, 2, 4, 6}},
		{"ties inside the heap keep push order", []p{{50, 1}, {10, 2}, {10, 3}, {5, 4}, {10, 5}}, 100, 10, []int{4, 2, 3, 5, 1}},
		{"equal to the tail stays in order", []p{{10, 1}, {10, 2}, {10, 3}}, 10, 10, []int{1, 2, 3}},
		{"only the due ones of both parts", []p{{10, 1}, {40, 2}, {20, 3}, {50, 4}, {45, 5}}, 40, 10, []int{1, 3, 2}},
		{"max stops across the parts", []p{{10, 1}, {40, 2}, {20, 3}, {30, 4}}, 100, 3, []int{1, 3, 4}},
		{"clock moved back by more than the queue", []p{{100, 1}, {101, 2}, {1, 3}, {2, 4}, {3, 5}}, 100, 10, []int{3, 4, 5, 1}},
	}
	for _, impl := range orderedQueues {
		for _, tt := range tests {
			t.Run(impl.name+"/"+tt.name, func(t *testing.T) {
				q := impl.new()
				for _, p := range tt.pushes {
					q.Push(sec(p.sec), p.key)
				}
				got := q.PopDue(sec(tt.now), tt.max, nil)
				if !slices.Equal(got, tt.want) {
					t.Errorf("PopDue = %v, want %v", got, tt.want)
				}
				if left := len(tt.pushes) - len(got); q.Len() != left {
					t.Errorf("Len() = %d after popping %d of %d", q.Len(), len(got), len(tt.pushes))
				}
			})
		}
	}
}

// TestMixedMatchesModel pushes runs of in-order deadlines, long enough to
// cross chunk boundaries, mixed with early ones and a clock that moves
// back, and compares PopDue, Next and Len with a sorted slice. Keys are
// push numbers, so every tie shows in the order popped.
func TestMixedMatchesModel(t *testing.T) {
	for _, shards := range []int{0, 1, 3} { // 0: a Queue
		t.Run(fmt.Sprintf("shards=%d", shards), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) { checkMixed(t, shards) })
		})
	}
}

func checkMixed(t *rapid.T, shards int) {
	var q queue = deadlines.New[int]()
	if shards > 0 {
		q = deadlines.NewSharded[int](shards, func(k int) uint64 { return uint64(k) })
	}
	shardOf := func(k int) int { return k % max(shards, 1) }
	type entry struct {
		at  time.Time
		key int // push number: the tie-break
	}
	var model []entry // sorted by at, then key
	pushes := 0
	clock := 0 // seconds after base; in-order pushes are at clock
	sec := func(s int) time.Time { return base.Add(time.Duration(s) * time.Second) }
	push := func(s int) {
		e := entry{sec(s), pushes}
		pushes++
		q.Push(e.at, e.key)
		i, _ := slices.BinarySearchFunc(model, e, func(a, b entry) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return a.key - b.key
		})
		model = slices.Insert(model, i, e)
	}
	t.Repeat(map[string]func(*rapid.T){
		"PushInOrder": func(t *rapid.T) {
			// Up to a few chunks' worth, often several per second.
			n := rapid.IntRange(1, 1200).Draw(t, "n")
			perSecond := rapid.IntRange(1, 8).Draw(t, "perSecond")
			for i := range n {
				if i%perSecond == 0 {
					clock++
				}
				push(clock)
			}
		},
		"PushEarly": func(t *rapid.T) {
			push(clock - rapid.IntRange(0, 20).Draw(t, "early"))
		},
		"MoveClockBack": func(t *rapid.T) {
			clock -= rapid.IntRange(1, 100).Draw(t, "back")
		},
		"PopDue": func(t *rapid.T) {
			now := sec(clock + rapid.IntRange(-300, 5).Draw(t, "now"))
			limit := rapid.IntRange(-1, 1500).Draw(t, "max")
			got := q.PopDue(now, limit, nil)
			due := 0
			for _, e := range model {
				if !e.at.After(now) {
					due++
				}
			}
			if want := max(0, min(due, limit)); len(got) != want {
				t.Fatalf("PopDue(%v, %d) popped %d keys; %d were due", now, limit, len(got), due)
			}
			// Each key popped is the earliest due entry of its shard
			// left: with one shard, exactly the model's order.
			for _, key := range got {
				i := slices.IndexFunc(model, func(e entry) bool {
					return !e.at.After(now) && shardOf(e.key) == shardOf(key)
				})
				if i < 0 || model[i].key != key {
					t.Fatalf("PopDue(%v, %d) popped %d out of order", now, limit, key)
				}
				model = slices.Delete(model, i, i+1)
			}
		},
		"Next": func(t *rapid.T) {
			checkNext(t, q, len(model), func() time.Time { return model[0].at })
		},
		"": func(t *rapid.T) { checkLen(t, q, len(model)) },
	})
}

// TestSteadyStateDoesNotAllocate is the sweeper's steady state, one hold
// pushed and one popped, over many FIFO chunks: the chunk the head leaves
// must serve the tail, not the allocator.
func TestSteadyStateDoesNotAllocate(t *testing.T) {
	for _, impl := range orderedQueues {
		t.Run(impl.name, func(t *testing.T) {
			q := impl.new()
			const size = 700 // not a multiple of a chunk
			next := 0
			for ; next < size; next++ {
				q.Push(base.Add(time.Duration(next)*time.Millisecond), next)
			}
			dst := make([]int, 0, 1)
			allocs := testing.AllocsPerRun(10, func() {
				for range 2000 {
					q.Push(base.Add(time.Duration(next)*time.Millisecond), next)
					next++
					dst = q.PopDue(base.Add(time.Duration(next-size)*time.Millisecond), 1, dst[:0])
					if len(dst) != 1 || dst[0] != next-size-1 {
						t.Fatalf("popped %v, want [%d]", dst, next-size-1)
					}
				}
			})
			if allocs != 0 {
				t.Fatalf("%.1f allocations a run of 2000 pushes and pops, want 0", allocs)
			}
		})
	}
}
