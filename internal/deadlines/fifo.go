package deadlines

import "time"

// fifo is the fast path of a Queue: the entries pushed in deadline order,
// which is nearly all of them, since a hold's deadline is now plus a fixed
// TTL. Appending and popping them is O(1) with no comparisons, where the
// heap would compare and move entries on every pop.
//
// It is a deque of chunks of chunkLen items, for the reason the heap is
// chunked: growing never copies entries under the lock, and chunks are
// released as the head passes them.
//
// The fields a push touches come first, so that with the Queue's lock and
// heap fields they share one cache line.
type fifo[K comparable] struct {
	back *[chunkLen]item[K] // chunk of the tail entry; nil before the first push
	tail int                // index after the tail entry in back; 0 if and only if the fifo is empty

	front *[chunkLen]item[K] // chunk of the head entry
	head  int                // index of the head entry in front

	// ring holds the chunks in use, front first, from ring[first]: a ring
	// so that dropping the front chunk costs no copying. Its length is a
	// power of two. It is never shrunk: one pointer a chunk is not worth
	// reallocating for.
	ring         []*[chunkLen]item[K]
	first, count int

	// spare is a cleared chunk kept for the next push that fills back, so
	// that a queue in a steady state of pushes and pops does not allocate
	// every chunkLen pushes.
	spare *[chunkLen]item[K]
}

// item is an entry of the fifo. Unlike a heap entry it needs no push
// sequence number: its place in the fifo is its push order, and
// Queue.popDueLocked never needs one to order it against the heap.
type item[K comparable] struct {
	at  time.Time
	key K
}

// empty reports whether the fifo has no entries. A tail of 0 is enough:
// pop rewinds an emptied fifo to the start of its chunk, and a push always
// fills the chunk it adds.
func (f *fifo[K]) empty() bool { return f.tail == 0 }

func (f *fifo[K]) len() int {
	if f.tail == 0 {
		return 0
	}
	return (f.count-1)*chunkLen + f.tail - f.head
}

// last returns the deadline of the tail entry; f must not be empty.
func (f *fifo[K]) last() time.Time { return f.back[f.tail-1].at }

// peek returns the head entry; f must not be empty.
func (f *fifo[K]) peek() *item[K] { return &f.front[f.head] }

func (f *fifo[K]) push(at time.Time, key K) {
	if f.back == nil || f.tail == chunkLen {
		f.addChunk()
	}
	f.back[f.tail] = item[K]{at: at, key: key}
	f.tail++
}

// addChunk appends a chunk to the back, from the spare if there is one.
func (f *fifo[K]) addChunk() {
	c := f.spare
	if c != nil {
		f.spare = nil
	} else {
		c = new([chunkLen]item[K])
	}
	if f.count == len(f.ring) {
		ring := make([]*[chunkLen]item[K], max(4, 2*len(f.ring)))
		for i := range f.count {
			ring[i] = f.ring[(f.first+i)&(len(f.ring)-1)]
		}
		f.ring, f.first = ring, 0
	}
	f.ring[(f.first+f.count)&(len(f.ring)-1)] = c
	f.count++
	if f.count == 1 {
		f.front, f.head = c, 0
	}
	f.back, f.tail = c, 0
}

// pop removes and returns the head entry; f must not be empty.
func (f *fifo[K]) pop() item[K] {
	p := &f.front[f.head]
	it := *p
	*p = item[K]{} // drop the reference so a popped key can be collected
	f.head++
	switch {
	case f.head == f.tail && f.front == f.back:
		// Emptied: keep this one chunk for the next push, but not a
		// spare as well, so that an empty queue holds one chunk.
		f.head, f.tail = 0, 0
		f.spare = nil
	case f.head == chunkLen:
		f.ring[f.first] = nil
		f.first = (f.first + 1) & (len(f.ring) - 1)
		f.count--
		if f.spare == nil {
			f.spare = f.front // every item already cleared by pop
		}
		f.front, f.head = f.ring[f.first], 0
	}
	return it
}
