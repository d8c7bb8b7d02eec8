package boxoffice

import (
	"strings"
	"testing"
)

// TestPrintableASCII compares printableASCII, which tests eight bytes at
// a time, with a byte at a time: every byte value at every position of
// printable strings of 0 to 20 bytes (byte by byte below 4, two halves
// from 4 to 7, whole words and an overlapping last one from 8), amid the
// printable extremes 0x20 and 0x7e, and pairs of bytes around the limits,
// whose borrow or carry could hide one another.
func TestPrintableASCII(t *testing.T) {
	byByte := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] >= 0x7f {
				return false
			}
		}
		return s != ""
	}
	check := func(s string) {
		t.Helper()
		if got, want := printableASCII(s), byByte(s); got != want {
			t.Fatalf("printableASCII(%q) = %v, want %v", s, got, want)
		}
	}
	edges := []byte{0x00, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff}
	for n := range 21 {
		for _, fill := range []byte{' ', 'a', '~'} {
			base := []byte(strings.Repeat(string(fill), n))
			check(string(base))
			for i := range n {
				for c := range 256 {
					b := append([]byte(nil), base...)
					b[i] = byte(c)
					check(string(b))
				}
				for _, c := range edges {
					for _, d := range edges {
						for j := range n {
							b := append([]byte(nil), base...)
							b[i], b[j] = c, d
							check(string(b))
						}
					}
				}
			}
		}
	}
}

// FuzzPrintableASCII compares printableASCII with a byte at a time on any
// string: a false "true" would let a control character or invalid UTF-8
// past validUserID's fast path.
func FuzzPrintableASCII(f *testing.F) {
	for _, s := range []string{"", "a", "user-1", "auth0|0123456789abcdef01234567", "\x7f", "~~~~~~~\x7f", " \x1f       ", "\xff\xfe\x20\x7e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := s != ""
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] > 0x7e {
				want = false
			}
		}
		if got := printableASCII(s); got != want {
			t.Fatalf("printableASCII(%q) = %v, want %v", s, got, want)
		}
	})
}
