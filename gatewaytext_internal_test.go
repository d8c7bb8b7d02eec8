package boxoffice

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestGatewayText: text from a gateway is recorded valid UTF-8, without
// control characters and within its bound, cut on a rune boundary.
func TestGatewayText(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  string
	}{
		{"plain", "card declined (insufficient funds)", 512, "card declined (insufficient funds)"},
		{"empty", "", 512, ""},
		{"NUL dropped", "ch_\x001\x00", 256, "ch_1"},
		{"invalid UTF-8 replaced", "bad \xff\xfe byte", 512, "bad \uFFFD byte"},
		{"line breaks and tabs are spaces", "gateway:\n503\r\n\tretry", 512, "gateway: 503   retry"},
		{"other controls dropped", "a\x1b[31mb\x7fc\u0085d", 512, "a[31mbcd"},
		{"surrounding space trimmed", "  \n timeout \n", 512, "timeout"},
		{"valid non-ASCII kept", "paiement refusé — 拒否", 512, "paiement refusé — 拒否"},
		{"exactly the bound", strings.Repeat("a", 256), 256, strings.Repeat("a", 256)},
		{"cut, marked", strings.Repeat("a", 600), 512, strings.Repeat("a", 509) + "…"},
		{"cut on a rune boundary", strings.Repeat("é", 300), 256, strings.Repeat("é", 126) + "…"},
		{"no room for the mark", "abcdef", 2, "ab"},
		{"cut, then trimmed", strings.Repeat("a", 250) + "      " + strings.Repeat("b", 10), 256, strings.Repeat("a", 250) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := gatewayText(tt.in, tt.limit)
			if got != tt.want {
				t.Errorf("gatewayText(%q, %d) = %q; want %q", tt.in, tt.limit, got, tt.want)
			}
			if !utf8.ValidString(got) || strings.ContainsFunc(got, unicode.IsControl) || len(got) > tt.limit {
				t.Errorf("gatewayText(%q, %d) = %q: not clean, or over the bound", tt.in, tt.limit, got)
			}
			if again := gatewayText(got, tt.limit); again != got {
				t.Errorf("cleaning %q again gives %q", got, again)
			}
		})
	}
}
