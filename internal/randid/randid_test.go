package randid_test

import (
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/boxoffice-go/boxoffice/internal/randid"
)

func TestUUIDIsVersion4AndUnique(t *testing.T) {
	var s randid.Source
	seen := make(map[[16]byte]bool)
	// Several blocks' worth, so that refills are crossed.
	for range 1000 {
		id := s.UUID()
		u := uuid.UUID(id)
		if u.Version() != 4 || u.Variant() != uuid.RFC4122 {
			t.Fatalf("%s: version %d, variant %s; want 4, RFC4122", u, u.Version(), u.Variant())
		}
		if seen[id] {
			t.Fatalf("%s handed out twice", u)
		}
		seen[id] = true
	}
}

func TestUUIDBitsVary(t *testing.T) {
	// Every bit that is not fixed by the version and variant must take
	// both values over a few hundred IDs; a stuck bit means a bug in the
	// copying, not bad luck (the chance is 2^-300 per bit).
	var s randid.Source
	var ones, zeros [16]byte
	for range 300 {
		id := s.UUID()
		for i := range id {
			ones[i] |= id[i]
			zeros[i] |= ^id[i]
		}
	}
	for i := range ones {
		fixed := byte(0)
		switch i {
		case 6:
			fixed = 0xf0
		case 8:
			fixed = 0xc0
		}
		if ones[i]|fixed != 0xff || zeros[i]|fixed != 0xff {
			t.Errorf("byte %d: some free bit never varied (ones %08b, zeros %08b)", i, ones[i], zeros[i])
		}
	}
}

func TestBytes10BitsVaryAndUnique(t *testing.T) {
	// All 80 bits are the caller's random bits: each must take both
	// values, and no ten bytes may come twice, across refills (1,000 is
	// five blocks of 204), with UUIDs drawn in between so that a block's
	// last bytes too short for a UUID are crossed as well.
	var s randid.Source
	var ones, zeros [10]byte
	seen := make(map[[10]byte]bool)
	for i := range 1000 {
		r := s.Bytes10()
		for j := range r {
			ones[j] |= r[j]
			zeros[j] |= ^r[j]
		}
		if seen[r] {
			t.Fatalf("%x handed out twice", r)
		}
		seen[r] = true
		if i%7 == 0 {
			id := s.UUID()
			if u := uuid.UUID(id); u.Version() != 4 || u.Variant() != uuid.RFC4122 {
				t.Fatalf("%s: version %d, variant %s; want 4, RFC4122", u, u.Version(), u.Variant())
			}
			if seen[[10]byte(id[6:])] {
				t.Fatalf("%s repeats ten bytes handed out", uuid.UUID(id))
			}
		}
	}
	for j := range ones {
		if ones[j] != 0xff || zeros[j] != 0xff {
			t.Errorf("byte %d: some bit never varied (ones %08b, zeros %08b)", j, ones[j], zeros[j])
		}
	}
}

func TestUUIDConcurrent(t *testing.T) {
	var s randid.Source
	const goroutines, each = 8, 500
	ids := make([][16]byte, goroutines*each)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				ids[g*each+i] = s.UUID()
			}
		})
	}
	wg.Wait()
	seen := make(map[[16]byte]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("%s handed out twice", uuid.UUID(id))
		}
		seen[id] = true
	}
}

func BenchmarkUUID(b *testing.B) {
	var s randid.Source
	b.ReportAllocs()
	for b.Loop() {
		_ = s.UUID()
	}
}

func BenchmarkBytes10(b *testing.B) {
	var s randid.Source
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Bytes10()
	}
}

func BenchmarkGoogleUUIDNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = uuid.New()
	}
}
