package deadlines_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/boxoffice-go/boxoffice/internal/deadlines"
)

// shardOfInt spreads int keys over the shards by value.
func shardOfInt(k int) uint64 { return uint64(k) }

// TestShardedMatchesModel runs random operations on a Sharded queue and on a
// sorted slice. PopDue must pop exactly the due entries, earliest first
// within each shard, at most max, and never leave a due entry behind while
// it pops fewer than max.
func TestShardedMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		shards := rapid.IntRange(1, 5).Draw(t, "shards")
		q := deadlines.NewSharded[int](shards, shardOfInt)
		checkModel(t, q, func(t *rapid.T, model []modelEntry, now time.Time, limit int, got []int) []modelEntry {
			due := 0
			for _, e := range model {
				if !e.at.After(now) {
					due++
				}
			}
			if want := max(0, min(due, limit)); len(got) != want {
				t.Fatalf("PopDue(%v, %d) popped %d keys (%v); %d were due", now, limit, len(got), got, due)
			}
			// Each popped key is the earliest due entry of its shard left
			// in the model: take it out of the model in that order.
			for _, key := range got {
				i := slices.IndexFunc(model, func(e modelEntry) bool {
					return !e.at.After(now) && uint64(e.key)%uint64(shards) == uint64(key)%uint64(shards)
				})
				if i < 0 || model[i].key != key {
					t.Fatalf("PopDue(%v, %d) = %v: %d is not the earliest due entry of its shard (model %v)", now, limit, got, key, model)
				}
				model = slices.Delete(model, i, i+1)
			}
			return model
		})
	})
}

// TestShardedFarDeadlines covers deadlines outside the years int64
// nanoseconds can hold: they must still pop when due and not before.
func TestShardedFarDeadlines(t *testing.T) {
	q := deadlines.NewSharded[int](4, shardOfInt)
	ancient := time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)
	distant := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	q.Push(ancient, 1)
	q.Push(distant, 2)
	if got := q.PopDue(at(0), 10, nil); !slices.Equal(got, []int{1}) {
		t.Fatalf("PopDue(now) = %v, want [1]", got)
	}
	if got := q.PopDue(distant.Add(-time.Second), 10, nil); len(got) != 0 {
		t.Fatalf("PopDue(before 3000) = %v, want nothing", got)
	}
	if got := q.PopDue(distant, 10, nil); !slices.Equal(got, []int{2}) {
		t.Fatalf("PopDue(3000) = %v, want [2]", got)
	}
}

// BenchmarkShardedPopDueNothingDue is the sweeper's tick when nothing is
// due: it must not depend on how many deadlines are queued.
func BenchmarkShardedPopDueNothingDue(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			q := deadlines.NewSharded[int](16, shardOfInt)
			for i := range n {
				q.Push(at(60+i%1000), i)
			}
			var dst []int
			for b.Loop() {
				dst = q.PopDue(at(0), 4096, dst[:0])
			}
			if len(dst) != 0 {
				b.Fatal("popped entries that were not due")
			}
		})
	}
}
