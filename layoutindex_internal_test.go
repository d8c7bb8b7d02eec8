package boxoffice

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestLayoutIndexFastPath: on random layouts with labels of one to three
// letters and rows of up to 120 seats, Index (whose fast path reads a
// one-letter label and a number of one or two digits) agrees with
// indexGeneral and with the layout's own seat list, for the layout's IDs
// and for near misses (leading zeros, lower case, other labels, numbers
// past a row's end, stray characters); and appendShort, which reads a
// hold's seats the same way, with Index.
func TestLayoutIndexFastPath(t *testing.T) {
	shortID := regexp.MustCompile(`^[A-Z][1-9][0-9]?$`)
	rapid.Check(t, func(rt *rapid.T) {
		label := rapid.OneOf(rapid.StringMatching(`[A-Z]`), rapid.StringMatching(`[A-Z]{1,3}`))
		labels := rapid.SliceOfNDistinct(label, 1, 8, rapid.ID[string]).Draw(rt, "labels")
		var text strings.Builder
		for _, label := range labels {
			cells := []byte(strings.Repeat("R", rapid.IntRange(1, 120).Draw(rt, "seats")))
			for range rapid.IntRange(0, 3).Draw(rt, "gaps") {
				at := rapid.IntRange(0, len(cells)-1).Draw(rt, "gap")
				cells = append(cells[:at], append([]byte{'.'}, cells[at:]...)...)
			}
			text.WriteString(label + " " + string(cells) + "\n")
		}
		l, err := ParseLayout(text.String())
		if err != nil {
			rt.Fatalf("ParseLayout: %v\n%s", err, text.String())
		}
		where := make(map[string]int, l.Len())
		for i, s := range l.seats {
			where[s.ID] = i
		}
		near := rapid.OneOf(
			rapid.Map(rapid.SampledFrom(l.seats), func(s Seat) string { return s.ID }),
			rapid.Custom(func(rt *rapid.T) string {
				label := rapid.OneOf(rapid.SampledFrom(labels), rapid.StringMatching(`[A-Za-z]{0,3}`)).Draw(rt, "label")
				number := rapid.OneOf(rapid.Map(rapid.IntRange(0, 130), strconv.Itoa), rapid.StringMatching(`[0-9]{0,4}`)).Draw(rt, "number")
				return label + number
			}),
			rapid.StringMatching(`[A-Za-z0-9 /:@\[]{0,4}`),
			// A seat ID with one byte changed, inserted or cut: the bytes
			// next to 'A', 'Z', '0' and '9' test the fast path's ranges.
			rapid.Custom(func(rt *rapid.T) string {
				id := []byte(rapid.SampledFrom(l.seats).Draw(rt, "seat").ID)
				at := rapid.IntRange(0, len(id)).Draw(rt, "at")
				c := rapid.SampledFrom([]byte("@AZ[/09:1aB")).Draw(rt, "byte")
				switch edit := rapid.IntRange(0, 2).Draw(rt, "edit"); {
				case edit == 0 && at < len(id):
					id[at] = c
				case edit == 1:
					id = append(id[:at], append([]byte{c}, id[at:]...)...)
				case at < len(id):
					id = append(id[:at], id[at+1:]...)
				}
				return string(id)
			}),
		)
		// appendShort, for a hold's seats: the positions Index gives,
		// after those already in idx, if every ID is in the short form
		// (one letter, a number of one or two digits), known, and not a
		// repeat; else false.
		for range 10 {
			prefix := rapid.SliceOfN(rapid.IntRange(0, l.Len()), 0, 2).Draw(rt, "prefix")
			ids := rapid.SliceOfN(near, 0, 5).Draw(rt, "ids")
			want, wantOK := slices.Clone(prefix), true
			for _, id := range ids {
				i, ok := l.Index(id)
				if !ok || !shortID.MatchString(id) || slices.Contains(want, i) {
					wantOK = false
					break
				}
				want = append(want, i)
			}
			got, ok := l.appendShort(slices.Clone(prefix), ids)
			if ok != wantOK || ok && !slices.Equal(got, want) {
				rt.Fatalf("appendShort(%v, %q) = %v, %v; want %v, %v\n%s", prefix, ids, got, ok, want, wantOK, text.String())
			}
		}
		for range 50 {
			id := near.Draw(rt, "id")
			want, wantOK := where[id]
			got, ok := l.Index(id)
			general, generalOK := l.indexGeneral(id)
			if ok != wantOK || (ok && got != want) || ok != generalOK || (ok && got != general) {
				rt.Fatalf("Index(%q) = %d, %v; indexGeneral %d, %v; the seats say %d, %v\n%s", id, got, ok, general, generalOK, want, wantOK, text.String())
			}
		}
	})
}
