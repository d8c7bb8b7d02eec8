package deadlines

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

var t0 = time.Date(2030, 6, 1, 18, 0, 0, 0, time.UTC)

// checkQueue checks what the black-box tests cannot see: the split between
// FIFO and heap that the tie-break relies on, and that popped slots hold no
// references and emptied chunks are let go. Keys must not be zero, so that
// a zero slot is an empty one.
func checkQueue[K comparable](t fataler, q *Queue[K]) {
	t.Helper()
	f := &q.fifo
	if q.n > 0 && f.empty() {
		t.Fatalf("%d heap entries with an empty FIFO", q.n)
	}
	for i := range q.n {
		if !q.at(i).at.Before(f.last()) {
			t.Fatalf("heap entry %d at %v is not before the FIFO tail %v", i, q.at(i).at, f.last())
		}
	}
	if f.back == nil {
		if !f.empty() || f.count != 0 {
			t.Fatalf("no chunk but tail %d, %d chunks", f.tail, f.count)
		}
		return
	}
	end := 0 // after the tail entry, counted from the front chunk's start
	if f.empty() {
		if f.head != 0 || f.count != 1 || f.spare != nil {
			t.Fatalf("empty FIFO at %d, %d chunks, spare %v; want 0, 1, none", f.head, f.count, f.spare != nil)
		}
	} else {
		end = (f.count-1)*chunkLen + f.tail
		if f.head >= min(end, chunkLen) {
			t.Fatalf("head %d, tail %d in chunk %d of %d", f.head, f.tail, f.count, f.count)
		}
	}
	if f.spare != nil && *f.spare != ([chunkLen]item[K]{}) {
		t.Fatal("the spare chunk holds references")
	}
	var zero item[K]
	for i, c := range f.ring {
		if (i-f.first)&(len(f.ring)-1) >= f.count {
			if c != nil {
				t.Fatalf("ring slot %d holds a chunk not in use", i)
			}
			continue
		}
		for j := range c {
			pos := (i-f.first)&(len(f.ring)-1)*chunkLen + j
			switch live := pos >= f.head && pos < end; {
			case !live && c[j] != zero:
				t.Fatalf("chunk %d slot %d holds a popped or unused entry", i, j)
			case live && c[j].key == zero.key:
				t.Fatalf("chunk %d slot %d holds no entry", i, j)
			case live && pos > f.head && c[j].at.Before(f.at(pos-1)):
				t.Fatalf("FIFO out of order at %d", pos)
			}
		}
	}
	if f.front != f.ring[f.first] || f.back != f.ring[(f.first+f.count-1)&(len(f.ring)-1)] {
		t.Fatal("front or back is not the ring's first or last chunk in use")
	}
	if got, want := q.Len(), max(0, end-f.head)+q.n; got != want {
		t.Fatalf("Len() = %d, but %d entries are held", got, want)
	}
}

// fataler is what checkQueue needs of testing.T and rapid.T.
type fataler interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// at returns the deadline of the entry pos places from the start of the
// front chunk.
func (f *fifo[K]) at(pos int) time.Time {
	return f.ring[(f.first+pos/chunkLen)&(len(f.ring)-1)][pos%chunkLen].at
}

// TestQueueInvariants drives a Queue with in-order runs, early pushes, a
// clock moved back and pops, and checks its insides after each step.
func TestQueueInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		q := New[*int]() // pointer keys, so that a slot left behind shows
		clock, pushed := 0, 0
		sec := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
		t.Repeat(map[string]func(*rapid.T){
			"PushInOrder": func(t *rapid.T) {
				for range rapid.IntRange(1, 1200).Draw(t, "n") {
					clock += rapid.IntRange(0, 1).Draw(t, "step")
					q.Push(sec(clock), new(int))
					pushed++
				}
			},
			"PushEarly": func(t *rapid.T) {
				q.Push(sec(clock-rapid.IntRange(0, 20).Draw(t, "early")), new(int))
				pushed++
			},
			"MoveClockBack": func(t *rapid.T) {
				clock -= rapid.IntRange(1, 100).Draw(t, "back")
			},
			"PopDue": func(t *rapid.T) {
				popped := q.PopDue(sec(clock+rapid.IntRange(-300, 5).Draw(t, "now")), rapid.IntRange(0, 1500).Draw(t, "max"), nil)
				pushed -= len(popped)
			},
			"": func(t *rapid.T) {
				if q.Len() != pushed {
					t.Fatalf("Len() = %d, want %d", q.Len(), pushed)
				}
				checkQueue(t, q)
			},
		})
	})
}

// TestFIFOShrinks fills the FIFO over several chunks and drains it: the
// chunks behind the head are let go, but for one spare, and an emptied
// queue keeps one chunk to refill without allocating.
func TestFIFOShrinks(t *testing.T) {
	q := New[*int]()
	for i := range 5 * chunkLen {
		q.Push(t0.Add(time.Duration(i)), new(int))
	}
	if q.fifo.count != 5 || q.n != 0 {
		t.Fatalf("%d FIFO chunks and %d heap entries after %d in-order pushes, want 5 and 0", q.fifo.count, q.n, 5*chunkLen)
	}
	q.PopDue(t0.Add(time.Hour), 2*chunkLen+1, nil)
	checkQueue(t, q)
	if q.fifo.count != 3 || q.fifo.spare == nil {
		t.Fatalf("%d chunks in use, spare %v, after popping two chunks and one, want 3 and a spare", q.fifo.count, q.fifo.spare != nil)
	}
	q.PopDue(t0.Add(time.Hour), 5*chunkLen, nil)
	checkQueue(t, q)
	if q.Len() != 0 || q.fifo.count != 1 || q.fifo.spare != nil {
		t.Fatalf("drained: Len %d, %d chunks, spare %v; want 0, 1, none", q.Len(), q.fifo.count, q.fifo.spare != nil)
	}
	dst := make([]*int, 0, 1)
	allocs := testing.AllocsPerRun(10, func() {
		q.Push(t0, nil)
		dst = q.PopDue(t0, 1, dst[:0])
	})
	if allocs != 0 {
		t.Fatalf("a push and a pop on an emptied queue allocated %.1f times, want 0", allocs)
	}
}
