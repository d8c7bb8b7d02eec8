package boxoffice_test

import (
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
