// Package deadlines is a concurrency-safe queue of deadlines, earliest first,
// for the hold sweeper: each hold pushes its expiry, and the sweeper pops the
// keys that are due.
//
// The queue is a hint, not a source of truth. It does not deduplicate or
// support removal: a key pushed twice pops twice, and a hold released early
// still pops at its old deadline. The consumer re-checks each popped key
// where the truth lives (inside the show's transaction).
//
// Deadlines mostly arrive in order, each hold's being now plus a fixed TTL,
// so a Queue keeps those in a FIFO, where a push and a pop are O(1), and
// only the rest (a key re-pushed with now, a clock moved back) in a heap.
//
// Sharded spreads keys over several Queues, so that goroutines pushing
// different keys do not all take one lock.
package deadlines

import (
	"sync"
	"time"
)

// Queue is a min-queue of (deadline, key) entries. Entries with equal
// deadlines pop in the order they were pushed. The zero value is an empty
// queue ready to use; a Queue must not be copied after first use. It is safe
// for concurrent use.
//
// An entry no earlier than the FIFO's tail is appended to the FIFO; an
// earlier one goes to a binary min-heap, and PopDue takes the earlier of the
// two heads.
//
// The heap is hand-rolled rather than built on container/heap:
// container/heap moves elements through `any`, which would allocate for
// every Push of an entry (a time.Time plus a key does not fit in an
// interface word), and calls Less and Swap through an interface.
//
// It is stored in chunks of chunkLen entries rather than one slice: a
// growing slice copies every entry each time it grows, under the lock, so a
// queue of a million holds would stop every Push for a millisecond now and
// then and allocate several times its size over its growth. A chunk is
// allocated once and never copied.
type Queue[K comparable] struct {
	mu     sync.Mutex
	chunks [][]entry[K] // binary min-heap of the entries not in fifo, ordered by before, chunkLen entries a chunk
	n      int          // entries in the heap
	pushes uint64       // heap push counter: the tie-break that keeps equal deadlines FIFO in the heap
	fifo   fifo[K]      // the entries pushed in deadline order; after the heap's fields, to share their cache line
}

// chunkLen is the entries of one chunk: 512 heap entries of 64 bytes for
// the sweeper's keys, 32 KiB; 512 FIFO items of 56 bytes, 28 KiB.
const (
	chunkBits = 9
	chunkLen  = 1 << chunkBits
)

type entry[K comparable] struct {
	at  time.Time
	seq uint64
	key K
}

// before reports whether a pops before b.
func (a *entry[K]) before(b *entry[K]) bool {
	if c := a.at.Compare(b.at); c != 0 {
		return c < 0
	}
	return a.seq < b.seq
}

// at returns entry i of the heap (i < q.n).
func (q *Queue[K]) at(i int) *entry[K] { return &q.chunks[i>>chunkBits][i&(chunkLen-1)] }

// New returns an empty queue. It is the same as a zero Queue.
func New[K comparable]() *Queue[K] { return &Queue[K]{} }

// Push adds key with deadline at: in O(1) if at is no earlier than the
// latest deadline in the FIFO, else in O(log n).
func (q *Queue[K]) Push(at time.Time, key K) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pushLocked(at, key)
}

// pushLocked adds key with deadline at and reports whether the entry may
// be the queue's earliest: false for one appended in order behind the
// FIFO's tail, which is never earlier than the earliest entry.
func (q *Queue[K]) pushLocked(at time.Time, key K) (mayLead bool) {
	// An empty FIFO can take any deadline: each heap entry is earlier than
	// the FIFO tail it was pushed behind, which stays until it has popped
	// (see popDueLocked), so the FIFO is only empty when the heap is too.
	if q.fifo.empty() {
		q.fifo.push(at, key)
		return true
	}
	if !at.Before(q.fifo.last()) {
		q.fifo.push(at, key)
		return false
	}
	q.pushes++
	if q.n == len(q.chunks)*chunkLen {
		q.chunks = append(q.chunks, make([]entry[K], chunkLen))
	}
	*q.at(q.n) = entry[K]{at: at, seq: q.pushes, key: key}
	q.n++
	q.up(q.n - 1)
	return true
}

// PopDue removes the entries whose deadline is at or before now, earliest
// first, at most max of them, and returns dst with their keys appended.
// Pass dst[:0] of a reused slice to pop without allocating. A max ≤ 0 pops
// nothing. When nothing is due it costs at most two comparisons, whatever
// the size of the queue; each entry popped costs O(1) from the FIFO,
// O(log n) from the heap.
func (q *Queue[K]) PopDue(now time.Time, max int, dst []K) []K {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.popDueLocked(now, max, dst)
}

// popDueLocked takes the heap's root only when it is strictly earlier than
// the FIFO's head: on equal deadlines the FIFO entry was pushed first. A
// heap entry went there for being earlier than the FIFO's tail; that tail
// cannot pop before it, so the FIFO is not emptied and every later FIFO
// entry is no earlier than that tail, strictly later than the heap entry.
func (q *Queue[K]) popDueLocked(now time.Time, max int, dst []K) []K {
	for popped := 0; popped < max; popped++ {
		if q.n > 0 && (q.fifo.empty() || q.at(0).at.Before(q.fifo.peek().at)) {
			if q.at(0).at.After(now) {
				break
			}
			dst = append(dst, q.popMin().key)
		} else {
			if q.fifo.empty() || q.fifo.peek().at.After(now) {
				break
			}
			dst = append(dst, q.fifo.pop().key)
		}
	}
	return dst
}

// Next returns the earliest deadline, or false if the queue is empty.
func (q *Queue[K]) Next() (time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.nextLocked()
}

func (q *Queue[K]) nextLocked() (time.Time, bool) {
	switch {
	case q.fifo.empty() && q.n == 0:
		return time.Time{}, false
	case q.fifo.empty():
		return q.at(0).at, true
	case q.n == 0:
		return q.fifo.peek().at, true
	}
	h, f := q.at(0).at, q.fifo.peek().at
	if h.Before(f) {
		return h, true
	}
	return f, true
}

// Len returns the number of entries.
func (q *Queue[K]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.fifo.len() + q.n
}

// popMin removes and returns the root. q.mu must be held; the heap must not
// be empty.
func (q *Queue[K]) popMin() entry[K] {
	last := q.n - 1
	root := *q.at(0)
	*q.at(0) = *q.at(last)
	*q.at(last) = entry[K]{} // drop the reference so a popped key can be collected
	q.n = last
	// Free chunks no longer needed, keeping one spare so that a queue
	// that hovers at a chunk boundary does not allocate on every push.
	if used := (q.n + chunkLen - 1) >> chunkBits; len(q.chunks) > used+1 {
		q.chunks[len(q.chunks)-1] = nil
		q.chunks = q.chunks[:len(q.chunks)-1]
	}
	if last > 0 {
		q.down(0)
	}
	return root
}

// up moves entry i towards the root until its parent pops before it.
func (q *Queue[K]) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		e, p := q.at(i), q.at(parent)
		if !e.before(p) {
			return
		}
		*e, *p = *p, *e
		i = parent
	}
}

// down moves entry i towards the leaves until both children pop after it.
func (q *Queue[K]) down(i int) {
	n := q.n
	for {
		smallest := i
		if left := 2*i + 1; left < n && q.at(left).before(q.at(smallest)) {
			smallest = left
		}
		if right := 2*i + 2; right < n && q.at(right).before(q.at(smallest)) {
			smallest = right
		}
		if smallest == i {
			return
		}
		a, b := q.at(i), q.at(smallest)
		*a, *b = *b, *a
		i = smallest
	}
}
