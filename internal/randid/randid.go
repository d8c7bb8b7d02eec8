// Package randid hands out random IDs drawn from crypto/rand: version 4
// UUIDs, and the ten random bytes of an ID whose other six are not
// random.
//
// It reads the random bytes in blocks, so that most IDs cost a copy instead
// of a call into the kernel's generator (about 100 ns each on Linux, even
// through the vDSO). Blocks live in a sync.Pool, so concurrent callers do
// not share one and no lock is taken. The bytes are crypto/rand's: an ID is
// as unpredictable as one from uuid.New. Bytes are wiped from the block as
// they are handed out, so a block holds only IDs not yet issued.
//
// The kernel's work is by the byte (about 1.5 to 2.7 ns a byte on Linux
// 6.18, more than the pool and the copy), so a caller that keeps only ten
// random bytes of an ID asks for ten (Bytes10), not sixteen.
//
// Callers that share something already, the holds of one show, may draw
// from a Shared instead: a block of 24 IDs that two atomic adds draw from,
// without the pool's round trip (some 110 instructions), refilled by one
// of its callers outside any lock of theirs.
//
// Not a userspace generator: math/rand/v2's ChaCha8, keyed per block from
// crypto/rand and re-keyed with zeros once the block was full (so that it
// kept the wipe's promise against backtracking), filled a block in half
// the kernel's time, saving 7 ns a ten-byte ID; but it added 95
// instructions a hold and release, and gave up the kernel's ChaCha20
// (and, in FIPS 140 mode, its approved DRBG) for an 8-round cipher. A
// process does not fork without exec in Go, so forks were no reason
// either way; a virtual machine restored twice from one snapshot repeats
// the pooled bytes with either (about a block per P: sync.Pool keeps more
// when callers on one P overlap, and those of the last cycle over a
// garbage collection).
package randid

import (
	"crypto/rand"
	"sync"
)

// blockBytes is how many bytes one read of crypto/rand provides: 128
// UUIDs, or 204 IDs of ten bytes.
const blockBytes = 2048

type block struct {
	buf  [blockBytes]byte
	next int // bytes of buf already handed out, wiped
}

// Source hands out random IDs. The zero value is ready to use; a Source
// must not be copied after first use. It is safe for concurrent use.
type Source struct {
	pool sync.Pool // of *block
}

// get returns a pooled block, or a new one, empty.
func (s *Source) get() *block {
	b, _ := s.pool.Get().(*block)
	if b == nil {
		b = &block{next: blockBytes}
	}
	return b
}

// refill reads the whole block afresh; bytes left from the last read, too
// few for the ID asked for, are read over.
func (b *block) refill() {
	// crypto/rand.Read never returns an error (since Go 1.24 it crashes
	// the program rather than return weak bytes).
	_, _ = rand.Read(b.buf[:])
	b.next = 0
}

// UUID returns a random version 4 (RFC 9562) UUID: 122 random bits.
func (s *Source) UUID() [16]byte {
	b := s.get()
	if len(b.buf)-b.next < 16 {
		b.refill()
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

// Bytes10 returns ten random bytes, for an ID that keeps no more of its
// random bits: a UUID whose first six bytes carry other data, and whose
// version and variant bits the caller sets.
func (s *Source) Bytes10() [10]byte {
	b := s.get()
	if len(b.buf)-b.next < 10 {
		b.refill()
	}
	p := (*[10]byte)(b.buf[b.next:])
	r := *p
	*p = [10]byte{}
	b.next += 10
	s.pool.Put(b)
	return r
}
