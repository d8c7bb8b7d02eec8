package randid

import (
	"crypto/rand"
	"sync/atomic"
)

// sharedIDs is how many ten-byte draws one fill of a Shared serves: one
// read of the kernel per 24 IDs, 240 bytes, and with the two counters a
// Shared of 256. crypto/rand.Read's own work is some 550 instructions a
// read, 23 a draw at this size (2.7 for a Source's 2 KiB blocks); a larger
// Shared would cost every show more memory (32 IDs took a boxoffice show's
// entry from 1,280 bytes to the next size class but one, 1,792) and saved
// no instructions that callgrind could tell from its noise.
const sharedIDs = 24

// Shared is a small block of random bytes, ten at a time, for callers that
// share something else already (the holds of one show): it takes no lock,
// only two atomic adds a draw, where a Source's pool round trip was some
// hundred instructions.
//
// A draw claims a slot with a fetch-add on left (slots are handed out from
// the last down), copies and wipes it, and then counts itself out of
// unwiped. A fill's slots have one drawer each, and the first draw to find
// the block spent (left going from 0 to -1) is one more party: the last of
// these to count itself out, the one that takes unwiped to -1, knows that
// every slot has been copied and wiped and that no draw will claim one
// until the block is refilled, and refills it: no lock, and no draw ever
// waits. The draws that meanwhile find it spent take their bytes from the
// fallback Source. The zero value is a block spent and wiped, whose first
// draw fills it.
//
// The bytes are crypto/rand's and wiped as they are handed out, as with a
// Source (and, as with a Source's pooled blocks, a virtual machine
// restored twice from one snapshot repeats the bytes not yet handed out).
// A Shared must not be copied after first use; it is safe for concurrent
// use.
type Shared struct {
	left    atomic.Int64 // slots not yet claimed; negative once spent
	unwiped atomic.Int64 // slots not yet wiped, +1 for the draw that finds the block spent
	buf     [sharedIDs * 10]byte
}

// Bytes10 returns ten random bytes (see Source.Bytes10), from s, or from
// fallback while s is being refilled.
func (s *Shared) Bytes10(fallback *Source) [10]byte {
	i := s.left.Add(-1)
	if uint64(i) >= sharedIDs { // i < 0: spent
		return s.spent(i, fallback)
	}
	p := (*[10]byte)(s.buf[i*10:])
	r := *p
	*p = [10]byte{}
	if s.unwiped.Add(-1) == -1 {
		s.refill()
	}
	return r
}

// spent is Bytes10 for a draw that found s spent (left at i, negative): the
// first such draw of a fill counts itself out, and refills s if it is the
// last to, then draws from the fresh fill.
func (s *Shared) spent(i int64, fallback *Source) [10]byte {
	if i == -1 && s.unwiped.Add(-1) == -1 {
		s.refill()
		return s.Bytes10(fallback)
	}
	return fallback.Bytes10()
}

// refill fills s afresh; its caller is the last party out of the last
// fill (see Shared), so no other goroutine reads or writes buf meanwhile.
func (s *Shared) refill() {
	_, _ = rand.Read(s.buf[:]) // never an error: see block.refill
	s.unwiped.Store(sharedIDs)
	s.left.Store(sharedIDs) // publishes the fill: after unwiped is reset
}
