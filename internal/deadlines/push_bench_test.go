package deadlines_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice/internal/deadlines"
)

// BenchmarkPush measures Push alone, into a queue that grows to the given
// number of entries and is then replaced by an empty one: popping the
// entries back out, even off the clock, would take far longer than pushing
// them. The sizes are large enough that the first chunks a new queue
// allocates, which a long-lived one does not, weigh little per push.
// order=in is every hold pushing now+TTL; order=out is deadlines up to a
// full queue earlier than the latest one pushed (re-pushes, a clock moved
// back). Sharded has the sweeper's 16 shards.
func BenchmarkPush(b *testing.B) {
	type pusher interface{ Push(time.Time, uint64) }
	impls := []struct {
		name  string
		new   func() pusher
		sizes []int
	}{
		{"Queue", func() pusher { return deadlines.New[uint64]() }, []int{10_000, 1_000_000}},
		{"Sharded", func() pusher { return deadlines.NewSharded(16, func(k uint64) uint64 { return k }) }, []int{1_000_000}},
	}
	for _, impl := range impls {
		for _, order := range []string{"in", "out"} {
			for _, n := range impl.sizes {
				b.Run(fmt.Sprintf("%s/order=%s/entries=%d", impl.name, order, n), func(b *testing.B) {
					rng := rand.New(rand.NewPCG(1, 2))
					q := impl.new()
					i := 0
					b.ReportAllocs()
					for b.Loop() {
						if i == n {
							q, i = impl.new(), 0
						}
						ms := i
						if order == "out" {
							ms -= rng.IntN(n)
						}
						q.Push(base.Add(time.Duration(ms)*time.Millisecond), uint64(i))
						i++
					}
				})
			}
		}
	}
}
