package boxoffice_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// FuzzParseLayout feeds arbitrary text to ParseLayout: it must never panic,
// and must either refuse the text with ErrInvalidArgument or return a
// consistent layout whose text form parses back to an equal layout.
func FuzzParseLayout(f *testing.F) {
	for _, seed := range []string{
		"",
		"\n\n",
		"# only a comment",
		"A R",
		"# hall 1\nA  ..RRRR..\nB  PPP.PPP\r\nC  VVV.VVV\n",
		"ZZZ R\nB .V\nQQ P.P",
		"A RR\nA RRR",            // duplicate labels
		"A ....",                 // no seats
		"A",                      // no cells
		"a rr",                   // lower case
		"A\tRRR",                 // tab
		"A R\x00R\x7f\u0085",     // control characters
		"# \xff\xfe\nA R",        // invalid UTF-8
		"É ŘŘ\n# Saal — 🎬\n",     // unicode
		"A R\rB R",               // bare carriage return
		strings.Repeat("R", 600), // huge line
		"A " + strings.Repeat("R", 201),
		boxoffice.SeedLayout().String(),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		l, err := boxoffice.ParseLayout(text)
		if err != nil {
			if l != nil {
				t.Fatalf("layout and error %v returned together", err)
			}
			if !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Fatalf("error %v does not match ErrInvalidArgument", err)
			}
			var ae *boxoffice.ArgumentError
			if !errors.As(err, &ae) || ae.Field != "layout" {
				t.Fatalf("error %v is not an *ArgumentError for layout", err)
			}
			return
		}
		if l.Len() == 0 || l.Len() > boxoffice.MaxLayoutSeats {
			t.Fatalf("accepted a layout of %d seats", l.Len())
		}
		if rows := len(l.Rows()); rows == 0 || rows > boxoffice.MaxLayoutRows {
			t.Fatalf("accepted a layout of %d rows", rows)
		}
		if l.Width() > boxoffice.MaxLayoutColumns {
			t.Fatalf("accepted a layout %d columns wide", l.Width())
		}
		if err := layoutInvariants(l); err != nil {
			t.Fatal(err)
		}
		if err := roundTrip(l); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzLayoutIndex checks that Layout.Index, which reads a seat ID instead
// of hashing it, finds exactly the layout's seat IDs: every string that is
// not one (a leading zero, lower case, a fourth letter, a number past the
// row's end, a label of another layout) is refused.
func FuzzLayoutIndex(f *testing.F) {
	const layout = "A RRR\nC .PP.P\nZ V\nAB RR\nZZZ R"
	for _, id := range []string{
		"A1", "A3", "A4", "A0", "A01", "A001", "B1", "C3", "Z1", "Z2", "AB2", "ZZZ1", "ZZZ10",
		"", "A", "1", "a1", "A1 ", " A1", "A-1", "A+1", "A1a", "AAAA1", "A\u0661", "A1000", "A999",
		// 2^64+1 and 2^64+3: a number read without a bound on its digits
		// wraps to seat 1 or 3.
		"A18446744073709551617", "C18446744073709551619", "AB18446744073709551617",
	} {
		f.Add(layout, id)
	}
	f.Add(boxoffice.SeedLayout().String(), "F10")
	f.Fuzz(func(t *testing.T, text, id string) {
		l, err := boxoffice.ParseLayout(text)
		if err != nil {
			return
		}
		want, wantOK := -1, false
		for i, s := range l.Seats() {
			if s.ID == id {
				want, wantOK = i, true
			}
		}
		got, ok := l.Index(id)
		if ok != wantOK || (ok && got != want) {
			t.Fatalf("Index(%q) = %d, %v; the layout's seats say %d, %v", id, got, ok, want, wantOK)
		}
	})
}
