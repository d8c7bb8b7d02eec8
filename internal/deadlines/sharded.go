package deadlines

import (
	"math"
	"sync/atomic"
	"time"
)

// Sharded is a set of Queues that keys are spread over, so that goroutines
// pushing deadlines of different keys rarely meet on one lock: one Queue
// would be a process-wide lock on every hold. It has the Queue's methods,
// with one difference: PopDue returns each shard's due keys earliest first,
// not all of them in one order (the sweeper does not need one). It is safe
// for concurrent use; make one with NewSharded.
type Sharded[K comparable] struct {
	shards  []shard[K]
	shardOf func(K) uint64
	start   atomic.Uint32 // the shard PopDue visits first, rotated by each call that finds something due
}

// shard is one Queue and the deadline of its earliest entry, readable
// without the lock so that PopDue skips shards with nothing due. It is
// padded so that neighbouring shards' locks do not share a cache line.
type shard[K comparable] struct {
	q    Queue[K]
	head atomic.Int64 // nanosOf the earliest deadline; emptyHead if none
	_    [64]byte
}

// emptyHead is the head of an empty shard: nothing is ever due.
const emptyHead = math.MaxInt64

// NewSharded returns an empty queue of n shards (at least 1); shardOf picks
// a key's shard (modulo n), and should spread keys evenly.
func NewSharded[K comparable](n int, shardOf func(K) uint64) *Sharded[K] {
	s := &Sharded[K]{shards: make([]shard[K], max(n, 1)), shardOf: shardOf}
	for i := range s.shards {
		s.shards[i].head.Store(emptyHead)
	}
	return s
}

// Push adds key with deadline at, on the key's shard, at the cost of a
// Queue's Push.
func (s *Sharded[K]) Push(at time.Time, key K) {
	sh := &s.shards[s.shardOf(key)%uint64(len(s.shards))]
	// No defer: nothing between Lock and Unlock can panic but running out
	// of memory, which no recover survives.
	sh.q.mu.Lock()
	// A push can only bring the head earlier, and an in-order one does
	// not: skip the store, a locked instruction that would also dirty the
	// line the sweeper's loads read, and for a push behind the FIFO's
	// tail (the common one: holds of one TTL come in deadline order) the
	// comparison too, whose nanosOf was most of a push. Only lock holders
	// store, so the load is current.
	if sh.q.pushLocked(at, key) {
		if t := nanosOf(at); t < sh.head.Load() {
			sh.head.Store(t)
		}
	}
	sh.q.mu.Unlock()
}

// PopDue removes up to max entries whose deadline is at or before now and
// returns dst with their keys appended: each shard's earliest first. The
// shards are visited from a rotating start, so that when more than max are
// due no shard waits longer than the others. When nothing is due it costs
// one atomic load per shard, whatever the number of entries.
func (s *Sharded[K]) PopDue(now time.Time, max int, dst []K) []K {
	n := len(s.shards)
	first := int(s.start.Load() % uint32(n))
	limit := nanosOf(now)
	rotated := false
	for k := 0; k < n && max > 0; k++ {
		i := first + k
		if i >= n {
			i -= n
		}
		sh := &s.shards[i]
		if sh.head.Load() > limit {
			continue
		}
		if !rotated { // something is due: the next call starts one shard further
			s.start.Add(1)
			rotated = true
		}
		sh.q.mu.Lock()
		before := len(dst)
		dst = sh.q.popDueLocked(now, max, dst)
		max -= len(dst) - before
		sh.storeHeadLocked()
		sh.q.mu.Unlock()
	}
	return dst
}

func (sh *shard[K]) storeHeadLocked() {
	if t, ok := sh.q.nextLocked(); ok {
		sh.head.Store(nanosOf(t))
	} else {
		sh.head.Store(emptyHead)
	}
}

// Next returns the earliest deadline of all shards, or false if the queue
// is empty.
func (s *Sharded[K]) Next() (time.Time, bool) {
	var next time.Time
	found := false
	for i := range s.shards {
		if t, ok := s.shards[i].q.Next(); ok && (!found || t.Before(next)) {
			next, found = t, true
		}
	}
	return next, found
}

// Len returns the number of entries of all shards.
func (s *Sharded[K]) Len() int {
	n := 0
	for i := range s.shards {
		n += s.shards[i].q.Len()
	}
	return n
}

// nanosOf maps t to Unix nanoseconds, saturating outside the years
// 1678–2262 that int64 nanoseconds can hold, so that the order of times is
// kept: a head is compared with now only to skip shards, and saturation can
// only make a shard look due (then its lock is taken and the real times
// compared), never hide a due entry.
func nanosOf(t time.Time) int64 {
	switch {
	case t.Before(minNanosTime):
		return math.MinInt64
	case t.After(maxNanosTime):
		return math.MaxInt64 - 1 // below emptyHead: a shard holding it is not empty
	}
	return t.UnixNano()
}

var (
	minNanosTime = time.Unix(0, math.MinInt64)
	maxNanosTime = time.Unix(0, math.MaxInt64-1)
)
