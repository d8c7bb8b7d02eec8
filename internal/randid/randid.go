// Package randid hands out random version 4 UUIDs drawn from crypto/rand.
//
// It reads the random bytes in blocks, so that most IDs cost a copy instead
// of a call into the kernel's generator (about 100 ns each on Linux, even
// through the vDSO). Blocks live in a sync.Pool, so concurrent callers do
// not share one and no lock is taken. The bytes are crypto/rand's: an ID is
// as unpredictable as one from uuid.New. Bytes are wiped from the block as
// they are handed out, so a block holds only IDs not yet issued.
package randid

import (
	"crypto/rand"
	"sync"
)

// blockIDs is how many IDs one read of crypto/rand provides.
const blockIDs = 128

type block struct {
	buf  [blockIDs * 16]byte
	next int // bytes of buf already handed out
}

// Source hands out random UUIDs. The zero value is ready to use; a Source
// must not be copied after first use. It is safe for concurrent use.
type Source struct {
	pool sync.Pool // of *block
}

// UUID returns a random version 4 (RFC 9562) UUID.
func (s *Source) UUID() [16]byte {
	b, _ := s.pool.Get().(*block)
	if b == nil {
		b = &block{next: len(block{}.buf)}
	}
	if b.next == len(b.buf) {
		// crypto/rand.Read never returns an error (since Go 1.24 it
		// crashes the program rather than return weak bytes).
		_, _ = rand.Read(b.buf[:])
		b.next = 0
	}
	// One 16-byte move each for the copy and the wipe, where copy and
	// clear of a slice were some 15 instructions more.
	p := (*[16]byte)(b.buf[b.next:])
	id := *p
	*p = [16]byte{}
	b.next += 16
	s.pool.Put(b)
	id[6] = id[6]&0x0f | 0x40 // version 4
	id[8] = id[8]&0x3f | 0x80 // variant 10 (RFC 9562)
	return id
}
