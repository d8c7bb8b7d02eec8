package boxoffice

import (
	"crypto/rand"
	"testing"
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
