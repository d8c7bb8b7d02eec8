package boxoffice

import (
	"crypto/rand"
	"testing"

	"pgregory.net/rapid"
)

// TestIDMaskUsesEveryRandomBit checks that each random bit of a numbered
// booking ID (bytes 6 to 15 but the version and variant bits) changes its
// mask: a bit left out would let two IDs that differ only there share a
// mask, and their XOR show how far apart their slots are. A changed bit
// leaves the 48-bit mask as it was by chance 1 in 2^48.
func TestIDMaskUsesEveryRandomBit(t *testing.T) {
	m := newIDMask()
	for range 20 {
		var id BookingID
		_, _ = rand.Read(id[:])
		m.numberShow(&id, 7)
		base := m.of(&id)
		for i := 6; i < len(id); i++ {
			for bit := range 8 {
				if i == 6 && bit >= 4 || i == 8 && bit >= 6 {
					continue // version and variant
				}
				flipped := id
				flipped[i] ^= 1 << bit
				if m.of(&flipped) == base {
					t.Fatalf("ID %s: flipping bit %d of byte %d leaves its mask %x", id, bit, i, base)
				}
			}
		}
	}
}

// TestNumberedIDRoundTrip: whatever its ten random bytes, show number and
// slot (the last of each included, which mark "none"), a numbered ID
// gives back its show and slot, is of version 8 and variant 10, and keeps
// its random bits as drawn.
func TestNumberedIDRoundTrip(t *testing.T) {
	m := newIDMask()
	rapid.Check(t, func(rt *rapid.T) {
		random := [10]byte(rapid.SliceOfN(rapid.Byte(), 10, 10).Draw(rt, "random"))
		show := rapid.Uint32Range(0, noShowNumber-1).Draw(rt, "show")
		slot := rapid.Uint32Range(0, noSlot).Draw(rt, "slot")
		r := &showRecord{number: show, mask: m}
		id, key := r.numberedID(random)
		key.setSlot(&id, slot)
		gotShow, gotSlot, ok := m.numbered(id)
		if !ok || gotShow != show || gotSlot != slot {
			rt.Fatalf("%s: show %d, slot %d, %v; want %d, %d", id, gotShow, gotSlot, ok, show, slot)
		}
		if id[6]>>4 != 8 || id[8]>>6 != 2 {
			rt.Fatalf("%s: not version 8, variant 10", id)
		}
		kept := random
		kept[0] = kept[0]&0x0f | 0x80
		kept[2] = kept[2]&0x3f | 0x80
		if [10]byte(id[6:]) != kept {
			rt.Fatalf("%s: random bytes %x; want %x", id, id[6:], kept)
		}
	})
}
