package randid

import (
	"bytes"
	"testing"
)

// TestBlockWipesWhatItHandsOut checks what a memory dump of a pooled
// block would find: none of the bytes handed out, and the bytes still to
// hand out not zero (the wipe went no further than it should).
func TestBlockWipesWhatItHandsOut(t *testing.T) {
	var s Source
	checked := 0
	for n := range 300 { // more than a block, so that refills are crossed
		if n%3 == 0 {
			s.UUID()
		} else {
			s.Bytes10()
		}
		// The block just put back, the Source's only one; the pool may
		// have dropped it (the race detector drops a quarter of Puts) or
		// kept it on another P.
		b, _ := s.pool.Get().(*block)
		if b == nil {
			continue
		}
		checked++
		if b.next == 0 {
			t.Fatalf("draw %d: the block handed out nothing", n)
		}
		if i := bytes.IndexFunc(b.buf[:b.next], func(r rune) bool { return r != 0 }); i >= 0 {
			t.Fatalf("draw %d: byte %d of the %d handed out was not wiped", n, i, b.next)
		}
		if rest := b.buf[b.next:]; len(rest) >= 16 && bytes.Count(rest, []byte{0}) > len(rest)/2 {
			t.Fatalf("draw %d: %d of the %d bytes still to hand out are zero", n, bytes.Count(rest, []byte{0}), len(rest))
		}
		s.pool.Put(b)
	}
	if checked < 100 {
		t.Fatalf("the pool gave the block back %d times in 300; want at least 100", checked)
	}
}

// TestDrawRefillsAShortBlock checks that a draw refills a block with
// fewer bytes left than it takes, whatever is left: a UUID after ten-byte
// draws may find 10 to 15.
func TestDrawRefillsAShortBlock(t *testing.T) {
	var s Source
	for left := range 17 {
		for _, draw := range []func(){func() { s.UUID() }, func() { s.Bytes10() }} {
			// Until the draw takes the block set up: the pool may drop a
			// Put (the race detector drops a quarter of them), and a draw
			// from a new block would pass without testing anything.
			drawn := false
			for range 100 {
				b := s.get()
				b.refill()
				b.next = blockBytes - left
				s.pool.Put(b)
				draw() // panics past the block's end without a refill
				if drawn = b.next != blockBytes-left; drawn {
					break
				}
			}
			if !drawn {
				t.Fatalf("%d bytes left: the pool never handed the block to the draw in 100 tries", left)
			}
		}
	}
}

// BenchmarkRefill is the kernel's price of a block: by the byte, it
// tells what an ID's bytes cost.
func BenchmarkRefill(b *testing.B) {
	var blk block
	for b.Loop() {
		blk.refill()
	}
}
