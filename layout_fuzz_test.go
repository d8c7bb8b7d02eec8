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
