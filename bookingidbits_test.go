package boxoffice_test

import (
	"strconv"
	"sync"
	"testing"
)

// TestBookingIDRandomBitsVary checks that a numbered booking ID (the
// in-memory Store's, version 8) keeps every one of its 74 random bits
// random: bytes 6 to 15 but the version and variant bits must each take
// both values over a few hundred holds, and no ID may come twice. A stuck
// bit would be a bit less to guess (the chance by bad luck is 2^-300 a
// bit).
func TestBookingIDRandomBitsVary(t *testing.T) {
	f := newFixture(t)
	var ones, zeros [16]byte
	seen := make(map[[16]byte]bool)
	for range 300 {
		b := f.hold("alice", "A1")
		if _, err := f.sys.ReleaseHold(f.ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		id := [16]byte(b.ID)
		if id[6]>>4 != 8 || id[8]>>6 != 2 {
			t.Fatalf("%s: not a numbered ID (version 8, variant 10)", b.ID)
		}
		if seen[id] {
			t.Fatalf("%s handed out twice", b.ID)
		}
		seen[id] = true
		for i := 6; i < len(id); i++ {
			ones[i] |= id[i]
			zeros[i] |= ^id[i]
		}
	}
	for i := 6; i < len(ones); i++ {
		fixed := byte(0)
		switch i {
		case 6:
			fixed = 0xf0
		case 8:
			fixed = 0xc0
		}
		if ones[i]|fixed != 0xff || zeros[i]|fixed != 0xff {
			t.Errorf("byte %d: some random bit never varied (ones %08b, zeros %08b)", i, ones[i], zeros[i])
		}
	}
}

// TestBookingIDsUniqueUnderConcurrentHolds checks that holds on one show
// made at once never get the same random bytes: they draw them from the
// show's own block (showEntry.ids) without a lock, and a slot claimed
// twice, or read while it is refilled, would repeat an ID's bytes (or,
// under -race, be reported).
func TestBookingIDsUniqueUnderConcurrentHolds(t *testing.T) {
	f := newFixture(t)
	const goroutines, holds = 8, 1000 // 8,000 IDs: some 330 fills of the show's block
	got := make([][][10]byte, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		seat := "A" + strconv.Itoa(g+1) // a seat of its own: no conflicts
		wg.Go(func() {
			for range holds {
				b, err := f.sys.HoldSeats(f.ctx, "user"+seat, f.show.ID, []string{seat})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := f.sys.ReleaseHold(f.ctx, b.ID); err != nil {
					t.Error(err)
					return
				}
				got[g] = append(got[g], [10]byte(b.ID[6:]))
			}
		})
	}
	wg.Wait()
	seen := make(map[[10]byte]bool)
	for _, ids := range got {
		for _, r := range ids {
			if seen[r] {
				t.Fatalf("random bytes %x handed out twice", r)
			}
			seen[r] = true
		}
	}
	if len(seen) != goroutines*holds {
		t.Fatalf("%d IDs; want %d", len(seen), goroutines*holds)
	}
}
