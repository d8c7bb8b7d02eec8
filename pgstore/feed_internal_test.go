package pgstore

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestShowsChannel(t *testing.T) {
	long := strings.Repeat("s", 63)
	tests := []struct {
		name, schema string
		hashed       bool
	}{
		{"default", DefaultSchema, false},
		{"49 bytes fit", strings.Repeat("a", 49), false},
		{"50 bytes do not", strings.Repeat("a", 50), true},
		{"63 bytes", long, true},
		{"multibyte, 25 runes of 2 bytes", strings.Repeat("é", 25), true},
		{"quote and space", `a "b" c`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := showsChannel(tc.schema)
			if len(got) > maxIdentifier {
				t.Errorf("channel %q is %d bytes, over %d", got, len(got), maxIdentifier)
			}
			if hashed := strings.HasPrefix(got, "pgstore_shows#"); hashed != tc.hashed {
				t.Errorf("channel %q: hashed %v, want %v", got, hashed, tc.hashed)
			}
			if !tc.hashed && got != "pgstore_shows:"+tc.schema {
				t.Errorf("channel %q, want the schema after pgstore_shows:", got)
			}
			if again := showsChannel(tc.schema); again != got {
				t.Errorf("channel of one schema differs: %q, %q", got, again)
			}
		})
	}
	if a, b := showsChannel(long), showsChannel(long[:62]+"t"); a == b {
		t.Errorf("two long schemas share channel %q", a)
	}
}

func TestPayloads(t *testing.T) {
	many := make([]string, 600)
	for i := range many {
		many[i] = strings.Repeat("x", 30) + string(rune('a'+i%26)) + strings.Repeat("y", i%7)
	}
	// IDs of every length up to 300, so that payloads end at every
	// distance from the limit.
	var lengths []string
	for n := 1; n <= 300; n++ {
		lengths = append(lengths, fmt.Sprintf("%03d", n)+strings.Repeat("-", n))
	}
	tests := []struct {
		name string
		ids  []string
		want []string // the IDs read back, sorted; "" for every show
	}{
		{"none", nil, nil},
		{"one", []string{"show-1"}, []string{"show-1"}},
		{"JSON's specials", []string{`a"b`, `c\d`, "e\nf", "g,h", "[]", "\x01", "<&>"}, nil},
		{"non-ASCII", []string{"Kinosaal 3 – Spät", "映画", "🎬 premiere"}, nil},
		{"many, over several payloads", many, nil},
		{"every length", lengths, nil},
		{"every length, escaped", func() []string {
			esc := make([]string, len(lengths))
			for i, id := range lengths {
				esc[i] = strings.ReplaceAll(id, "-", `\é`)
			}
			return esc
		}(), nil},
		{"exactly at the limit", []string{strings.Repeat("x", maxPayload-4), "y"}, nil},
		{"empty ID", []string{""}, []string{""}},
		{"too long for a payload", []string{"ok", strings.Repeat("z", maxPayload)}, []string{"", "ok"}},
		{"too long once escaped", []string{strings.Repeat("\"", maxPayload/2)}, []string{""}},
		{"invalid UTF-8", []string{"ok", "bad\xff"}, []string{"", "ok"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want == nil {
				want = slices.Sorted(slices.Values(tc.ids))
			}
			var got []string
			for _, p := range payloads(tc.ids) {
				if len(p) > maxPayload {
					t.Errorf("payload of %d bytes, over %d", len(p), maxPayload)
				}
				if p == "[]" {
					t.Errorf("an empty payload: a notification that wakes every listener for nothing")
				}
				for _, c := range []byte(p) {
					if c < 0x20 || c >= 0x7f {
						t.Fatalf("payload %q holds byte %#x, not printable ASCII", p, c)
					}
				}
				got = append(got, parsePayload(p)...)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("read back %q, want %q", got, want)
			}
		})
	}
}

func TestParsePayloadForeign(t *testing.T) {
	for _, p := range []string{"", "show-1", `{"a":1}`, `[1,2]`} {
		if got := parsePayload(p); !slices.Equal(got, []string{""}) {
			t.Errorf("parsePayload(%q) = %q, want every show", p, got)
		}
	}
}
