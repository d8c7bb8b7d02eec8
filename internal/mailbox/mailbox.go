// Package mailbox is a bounded FIFO queue drained by one goroutine, used to
// deliver events to observers and watchers without ever blocking the
// sender: a full mailbox drops its oldest item and counts it, or, made by
// NewClosingWhenFull, refuses the item and closes, so that its consumer
// gets every item before the gap and then learns it missed something.
package mailbox

import (
	"context"
	"sync"
	"sync/atomic"
)

// Mailbox queues items for one consumer. Put never blocks.
type Mailbox[T any] struct {
	mu     sync.Mutex
	items  []T // ring buffer of capacity max
	head   int
	n      int
	max    int
	closed bool
	// closeWhenFull: a Put into a full mailbox closes it, refusing the
	// item, rather than drop the oldest.
	closeWhenFull bool
	dropped       uint64 // by Put, from a full mailbox
	// undelivered counts the items Run gave up on when its ctx ended,
	// and those Discard dropped.
	undelivered uint64
	// inHand counts the items Run has taken and not yet begun to deliver:
	// whoever swaps it to zero (Discard, abandon) counts them, so that
	// Discard need not wait for a deliver that may never return.
	inHand atomic.Int64
	wake   chan struct{} // capacity 1: "there may be items"
	done   chan struct{} // closed when Run returns
}

// New returns a mailbox holding at most max items (max ≥ 1).
func New[T any](max int) *Mailbox[T] {
	if max < 1 {
		max = 1
	}
	return &Mailbox[T]{max: max, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// NewClosingWhenFull returns a mailbox holding at most max items (max ≥ 1)
// that a Put into it when full closes: the item put is dropped (and
// counted), Run delivers the items queued before it and returns, and
// later Puts are refused, so that a consumer whose stream is not whole
// knows where it ends. A consumer that can start again from a fresh state
// (a Watch stream, which begins with the seat map) prefers that to a gap
// it cannot see.
func NewClosingWhenFull[T any](max int) *Mailbox[T] {
	m := New[T](max)
	m.closeWhenFull = true
	return m
}

// Put queues v. When the mailbox is full the oldest item is dropped, or,
// for a mailbox made by NewClosingWhenFull, v is, and the mailbox closes
// (see NewClosingWhenFull). After Close, Put does nothing and reports
// false.
func (m *Mailbox[T]) Put(v T) bool {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return false
	}
	if m.closeWhenFull && m.n == m.max {
		m.dropped++
		m.closed = true
		m.mu.Unlock()
		select {
		case m.wake <- struct{}{}:
		default:
		}
		return false
	}
	if m.items == nil {
		m.items = make([]T, min(m.max, 16))
	}
	if m.n == len(m.items) && len(m.items) < m.max {
		m.grow()
	}
	if m.n == len(m.items) {
		var zero T
		m.items[m.head] = zero
		m.head = (m.head + 1) % len(m.items)
		m.n--
		m.dropped++
	}
	m.items[(m.head+m.n)%len(m.items)] = v
	m.n++
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
	return true
}

func (m *Mailbox[T]) grow() {
	size := min(2*len(m.items), m.max)
	items := make([]T, size)
	for i := range m.n {
		items[i] = m.items[(m.head+i)%len(m.items)]
	}
	m.items, m.head = items, 0
}

// take removes up to len(buf) items into buf and reports how many, and
// whether the mailbox is closed.
func (m *Mailbox[T]) take(buf []T) (int, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := 0
	var zero T
	for k < len(buf) && m.n > 0 {
		buf[k] = m.items[m.head]
		m.items[m.head] = zero
		m.head = (m.head + 1) % len(m.items)
		m.n--
		k++
	}
	m.inHand.Store(int64(k))
	return k, m.closed
}

// Run delivers items to deliver, in order, until the mailbox is closed and
// empty or ctx is done. It is meant to run on its own goroutine; call it
// once. When ctx ends first, the items not delivered are counted
// (Undelivered) and discarded, and the mailbox is closed: Put refuses
// items from then on, as after Close. After Discard, Run returns once the
// deliver running then, if any, has. A deliver that ends its goroutine
// (runtime.Goexit) does not end the delivery: the items Run had taken are
// put back, and a new goroutine goes on with them; Done is closed when
// that one returns.
func (m *Mailbox[T]) Run(ctx context.Context, deliver func(T)) {
	var rest []T // taken, not yet handed to deliver
	returned := false
	defer func() {
		if !returned { // runtime.Goexit in deliver
			m.putBack(rest)
			go m.Run(ctx, deliver)
			return
		}
		close(m.done)
	}()
	m.run(ctx, deliver, &rest)
	returned = true
}

func (m *Mailbox[T]) run(ctx context.Context, deliver func(T), rest *[]T) {
	buf := make([]T, 64)
	for {
		k, closed := m.take(buf)
		for i := range k {
			if ctx.Err() != nil {
				m.abandon()
				return
			}
			if m.inHand.Add(-1) < 0 {
				return // Discard took the rest, and counted them
			}
			*rest = buf[i+1 : k]
			deliver(buf[i])
			var zero T
			buf[i] = zero
		}
		if k > 0 {
			continue
		}
		if closed {
			return
		}
		select {
		case <-m.wake:
		case <-ctx.Done():
			m.abandon()
			return
		}
	}
}

// putBack returns to the head of the queue, in order, the items that Run
// had taken and not handed to deliver when its goroutine ended, unless
// Discard or abandon counted them already. Those that no longer fit are
// the oldest: dropped, and counted, as Put drops them.
func (m *Mailbox[T]) putBack(rest []T) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := int(max(0, m.inHand.Swap(0)))
	rest = rest[len(rest)-n:]
	for len(rest) > 0 && m.n+len(rest) > m.max {
		rest = rest[1:]
		m.dropped++
	}
	if len(rest) == 0 {
		return
	}
	if m.items == nil {
		m.items = make([]T, min(m.max, 16))
	}
	for m.n+len(rest) > len(m.items) {
		m.grow()
	}
	for i := len(rest) - 1; i >= 0; i-- {
		m.head = (m.head - 1 + len(m.items)) % len(m.items)
		m.items[m.head] = rest[i]
		m.n++
	}
}

// abandon closes the mailbox and discards its items, counting them and
// the taken ones Run did not begin to deliver as undelivered.
func (m *Mailbox[T]) abandon() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.undelivered += uint64(m.n) + uint64(max(0, m.inHand.Swap(0)))
	m.closed = true
	m.items, m.head, m.n = nil, 0, 0
}

// Discard closes the mailbox and drops the items not yet handed to
// deliver, those Run has taken from the queue included, counting them as
// undelivered at once: for a consumer that gives up on a deliver that may
// never return. The item being delivered, if any, is not counted.
func (m *Mailbox[T]) Discard() {
	m.abandon()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Close stops accepting items; Run returns once the queued ones are
// delivered.
func (m *Mailbox[T]) Close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Done is closed when Run has returned.
func (m *Mailbox[T]) Done() <-chan struct{} { return m.done }

// Dropped returns how many items were dropped because the mailbox was full.
func (m *Mailbox[T]) Dropped() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dropped
}

// Undelivered returns how many items were discarded before they were
// delivered: by Run because its ctx ended, or by Discard.
func (m *Mailbox[T]) Undelivered() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.undelivered
}

// Len returns the number of queued items.
func (m *Mailbox[T]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n
}
