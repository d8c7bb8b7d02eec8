package randid

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

// checkShared checks a Shared at rest, as a memory dump would find it:
// refilled (left not negative: the last party out of a spent fill
// refills it), its unclaimed slots alone counted as unwiped, every slot
// handed out zero and every other one not (the chance that ten random
// bytes are zero is 2^-80).
func checkShared(t *testing.T, s *Shared, after string) {
	t.Helper()
	left, unwiped := s.left.Load(), s.unwiped.Load()
	if left < 0 || left > sharedIDs || unwiped != left {
		t.Fatalf("%s: left %d, unwiped %d; want them equal, 0 to %d", after, left, unwiped, sharedIDs)
	}
	for i := range sharedIDs {
		slot := s.buf[i*10 : i*10+10]
		if zero := bytes.Count(slot, []byte{0}) == 10; zero != (int64(i) >= left) {
			t.Fatalf("%s: slot %d (%d left) is %x", after, i, left, slot)
		}
	}
}

// TestSharedWipesWhatItHandsOut draws from one goroutine across several
// fills: each draw takes the next slot down, none falls back (the draw
// that finds the block spent refills it and draws from the fresh fill),
// and the block keeps none of the bytes it handed out.
func TestSharedWipesWhatItHandsOut(t *testing.T) {
	var s Shared
	var fallback Source
	for n := range 3*sharedIDs + 5 {
		r := s.Bytes10(&fallback)
		if r == [10]byte{} {
			t.Fatalf("draw %d: ten zero bytes", n)
		}
		if want := int64(sharedIDs - 1 - n%sharedIDs); s.left.Load() != want {
			t.Fatalf("draw %d: %d slots left; want %d", n, s.left.Load(), want)
		}
		checkShared(t, &s, fmt.Sprintf("draw %d", n))
	}
}

// TestSharedUniqueUnderConcurrency draws from many goroutines at once:
// no ten bytes may be handed out twice, nor ten zero bytes (a wiped
// slot, or a fill published before it was read), every bit must vary, and at rest
// the block must be whole (checkShared). A slot claimed twice repeats its
// bytes; a refill while a slot is still being copied is a race that -race
// reports.
func TestSharedUniqueUnderConcurrency(t *testing.T) {
	// Rounds, because a round catches a broken claim or refill only when
	// draws happen to meet on it (about half the rounds on 2 cores).
	const rounds, goroutines, draws = 10, 8, 20000 // some 6,700 fills a round
	for round := range rounds {
		var s Shared
		var fallback Source
		got := make([][][10]byte, goroutines)
		var wg sync.WaitGroup
		start := make(chan struct{}) // so that the goroutines draw at once
		for g := range goroutines {
			wg.Go(func() {
				<-start
				for range draws {
					got[g] = append(got[g], s.Bytes10(&fallback))
				}
			})
		}
		close(start)
		wg.Wait()
		seen := make(map[[10]byte]bool, goroutines*draws)
		var ones, zeros [10]byte
		for _, rs := range got {
			for _, r := range rs {
				if r == [10]byte{} { // a wiped slot, or one not yet filled
					t.Fatalf("round %d: ten zero bytes handed out", round)
				}
				if seen[r] {
					t.Fatalf("round %d: %x handed out twice", round, r)
				}
				seen[r] = true
				for i := range r {
					ones[i] |= r[i]
					zeros[i] |= ^r[i]
				}
			}
		}
		for i := range ones {
			if ones[i] != 0xff || zeros[i] != 0xff {
				t.Errorf("round %d, byte %d: some bit never varied (ones %08b, zeros %08b)", round, i, ones[i], zeros[i])
			}
		}
		checkShared(t, &s, fmt.Sprintf("round %d", round))
	}
}
