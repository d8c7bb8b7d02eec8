package boxoffice_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/boxoffice-go/boxoffice"
)

// seatsOf lists a layout's seats as "ID:Type@Line,Column" for compact
// comparisons.
func seatsOf(l *boxoffice.Layout) []string {
	out := make([]string, 0, l.Len())
	for _, s := range l.Seats() {
		out = append(out, fmt.Sprintf("%s:%v@%d,%d", s.ID, s.Type, s.Line, s.Column))
	}
	return out
}

// checkConsistent verifies the invariants every layout keeps: each seat's ID
// is its row and number, numbers count from 1 left to right within a line,
// columns increase, and Index/Lookup find every seat at its position.
func checkConsistent(t *testing.T, l *boxoffice.Layout) {
	t.Helper()
	if err := layoutInvariants(l); err != nil {
		t.Fatal(err)
	}
}

func layoutInvariants(l *boxoffice.Layout) error {
	rows := l.Rows()
	width := 0
	for i, s := range l.Seats() {
		if s.Line < 0 || s.Line >= len(rows) || rows[s.Line] != s.Row {
			return fmt.Errorf("seat %d (%+v): row %q is not line %d of %q", i, s, s.Row, s.Line, rows)
		}
		if want := fmt.Sprintf("%s%d", s.Row, s.Number); s.ID != want {
			return fmt.Errorf("seat %d: ID %q, want %q", i, s.ID, want)
		}
		if i == 0 || l.Seat(i-1).Line != s.Line {
			if s.Number != 1 {
				return fmt.Errorf("seat %s: first seat of its line has number %d", s.ID, s.Number)
			}
			if i > 0 && l.Seat(i-1).Line != s.Line-1 {
				return fmt.Errorf("seat %s: line %d follows line %d", s.ID, s.Line, l.Seat(i-1).Line)
			}
		} else {
			prev := l.Seat(i - 1)
			if s.Number != prev.Number+1 || s.Column <= prev.Column {
				return fmt.Errorf("seat %s follows %s out of order", s.ID, prev.ID)
			}
		}
		if !s.Type.Valid() {
			return fmt.Errorf("seat %s: invalid type %v", s.ID, s.Type)
		}
		if got, ok := l.Index(s.ID); !ok || got != i {
			return fmt.Errorf("Index(%q) = %d, %v; want %d, true", s.ID, got, ok, i)
		}
		if got, ok := l.Lookup(s.ID); !ok || got != s {
			return fmt.Errorf("Lookup(%q) = %+v, %v; want %+v", s.ID, got, ok, s)
		}
		width = max(width, s.Column+1)
	}
	if l.Width() != width {
		return fmt.Errorf("Width() = %d, want %d", l.Width(), width)
	}
	if l.Len() != len(l.Seats()) {
		return fmt.Errorf("Len() = %d, but %d seats", l.Len(), len(l.Seats()))
	}
	return nil
}

// roundTrip checks that the text form of l parses back to an equal layout,
// both directly and through MarshalText/UnmarshalText.
func roundTrip(l *boxoffice.Layout) error {
	text := l.String()
	back, err := boxoffice.ParseLayout(text)
	if err != nil {
		return fmt.Errorf("ParseLayout(String()) failed: %v\ntext:\n%s", err, text)
	}
	if !back.Equal(l) {
		return fmt.Errorf("round trip changed the layout\nbefore: %v\nafter:  %v", seatsOf(l), seatsOf(back))
	}
	if again := back.String(); again != text {
		return fmt.Errorf("String() not stable:\n%s\nthen:\n%s", text, again)
	}
	raw, err := l.MarshalText()
	if err != nil {
		return fmt.Errorf("MarshalText: %v", err)
	}
	var decoded boxoffice.Layout
	if err := decoded.UnmarshalText(raw); err != nil {
		return fmt.Errorf("UnmarshalText: %v", err)
	}
	if !decoded.Equal(l) {
		return fmt.Errorf("MarshalText/UnmarshalText changed the layout")
	}
	return nil
}

func mustGrid(t *testing.T, rows, perRow int, typeOf func(row, seat int) boxoffice.SeatType) *boxoffice.Layout {
	t.Helper()
	l, err := boxoffice.GridLayout(rows, perRow, typeOf)
	if err != nil {
		t.Fatalf("GridLayout(%d, %d): %v", rows, perRow, err)
	}
	return l
}

func mustParse(t *testing.T, text string) *boxoffice.Layout {
	t.Helper()
	l, err := boxoffice.ParseLayout(text)
	if err != nil {
		t.Fatalf("ParseLayout(%q): %v", text, err)
	}
	return l
}

// wantArgumentError asserts err is an *ArgumentError for field that matches
// ErrInvalidArgument and mentions every fragment.
func wantArgumentError(t *testing.T, err error, field string, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Fatalf("error %v does not match ErrInvalidArgument", err)
	}
	var ae *boxoffice.ArgumentError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is %T, not *ArgumentError", err, err)
	}
	if ae.Field != field {
		t.Errorf("Field = %q, want %q (error %v)", ae.Field, field, err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
}

func TestGridLayout(t *testing.T) {
	byRow := func(row, _ int) boxoffice.SeatType { return boxoffice.SeatType(row % 3) }
	tests := []struct {
		name         string
		rows, perRow int
		typeOf       func(row, seat int) boxoffice.SeatType
		wantSeats    []string // all seats, when short enough to list
		wantLen      int
		wantRows     map[int]string // line index → label
		wantWidth    int
	}{
		{
			name: "one seat", rows: 1, perRow: 1,
			wantSeats: []string{"A1:Regular@0,0"}, wantLen: 1, wantWidth: 1,
			wantRows: map[int]string{0: "A"},
		},
		{
			name: "nil typeOf is Regular", rows: 2, perRow: 2,
			wantSeats: []string{"A1:Regular@0,0", "A2:Regular@0,1", "B1:Regular@1,0", "B2:Regular@1,1"},
			wantLen:   4, wantWidth: 2,
		},
		{
			name: "typeOf gets row index and seat number", rows: 2, perRow: 3,
			typeOf: func(row, seat int) boxoffice.SeatType {
				if row == 1 && seat == 3 {
					return boxoffice.VIP
				}
				if seat == 1 {
					return boxoffice.Premium
				}
				return boxoffice.Regular
			},
			wantSeats: []string{
				"A1:Premium@0,0", "A2:Regular@0,1", "A3:Regular@0,2",
				"B1:Premium@1,0", "B2:Regular@1,1", "B3:VIP@1,2",
			},
			wantLen: 6, wantWidth: 3,
		},
		{
			name: "labels past Z", rows: 28, perRow: 1, typeOf: byRow,
			wantLen: 28, wantWidth: 1,
			wantRows: map[int]string{0: "A", 25: "Z", 26: "AA", 27: "AB"},
		},
		{
			name: "most rows", rows: boxoffice.MaxLayoutRows, perRow: 14,
			wantLen: boxoffice.MaxLayoutRows * 14, wantWidth: 14,
			wantRows: map[int]string{51: "AZ", 52: "BA", 675: "YZ", 676: "ZA", 701: "ZZ"},
		},
		{
			name: "most seats per row", rows: 50, perRow: boxoffice.MaxLayoutColumns,
			wantLen: boxoffice.MaxLayoutSeats, wantWidth: boxoffice.MaxLayoutColumns,
			wantRows: map[int]string{49: "AX"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := mustGrid(t, tt.rows, tt.perRow, tt.typeOf)
			checkConsistent(t, l)
			if l.Len() != tt.wantLen {
				t.Errorf("Len() = %d, want %d", l.Len(), tt.wantLen)
			}
			if l.Width() != tt.wantWidth {
				t.Errorf("Width() = %d, want %d", l.Width(), tt.wantWidth)
			}
			if got := len(l.Rows()); got != tt.rows {
				t.Errorf("%d rows, want %d", got, tt.rows)
			}
			for i, want := range tt.wantRows {
				if got := l.Rows()[i]; got != want {
					t.Errorf("Rows()[%d] = %q, want %q", i, got, want)
				}
			}
			if tt.wantSeats != nil {
				if got := seatsOf(l); !equalStrings(got, tt.wantSeats) {
					t.Errorf("seats = %v, want %v", got, tt.wantSeats)
				}
			}
			seen := make(map[string]bool)
			for _, r := range l.Rows() {
				if seen[r] {
					t.Fatalf("row label %q used twice", r)
				}
				seen[r] = true
			}
			if err := roundTrip(l); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestGridLayoutInvalid(t *testing.T) {
	tests := []struct {
		name         string
		rows, perRow int
		typeOf       func(row, seat int) boxoffice.SeatType
		field        string
		fragment     string
	}{
		{"no rows", 0, 10, nil, "rows", "0 rows"},
		{"negative rows", -1, 10, nil, "rows", "-1 rows"},
		{"too many rows", boxoffice.MaxLayoutRows + 1, 1, nil, "rows", "703 rows"},
		{"no seats per row", 5, 0, nil, "seatsPerRow", "0 seats"},
		{"negative seats per row", 5, -3, nil, "seatsPerRow", "-3 seats"},
		{"too many seats per row", 1, boxoffice.MaxLayoutColumns + 1, nil, "seatsPerRow", "201 seats"},
		{"too many seats", 51, 200, nil, "rows, seatsPerRow", "10200 seats"},
		{"huge sizes", 1 << 40, 1 << 40, nil, "rows", "rows"},
		{
			"invalid seat type", 2, 3,
			func(row, seat int) boxoffice.SeatType {
				if row == 1 && seat == 2 {
					return boxoffice.SeatType(9)
				}
				return boxoffice.Regular
			},
			"typeOf", "row B seat 2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := boxoffice.GridLayout(tt.rows, tt.perRow, tt.typeOf)
			if l != nil {
				t.Errorf("got a layout of %d seats with the error", l.Len())
			}
			wantArgumentError(t, err, tt.field, tt.fragment)
		})
	}
}

func TestSeedLayout(t *testing.T) {
	l := boxoffice.SeedLayout()
	checkConsistent(t, l)
	if l.Len() != 60 {
		t.Fatalf("Len() = %d, want 60", l.Len())
	}
	if got := strings.Join(l.Rows(), ""); got != "ABCDEF" {
		t.Errorf("rows %q, want ABCDEF", got)
	}
	if l.Width() != 10 {
		t.Errorf("Width() = %d, want 10", l.Width())
	}
	wantType := map[string]boxoffice.SeatType{
		"A": boxoffice.VIP, "B": boxoffice.VIP,
		"C": boxoffice.Premium, "D": boxoffice.Premium,
		"E": boxoffice.Regular, "F": boxoffice.Regular,
	}
	checked := 0
	for line, row := range []string{"A", "B", "C", "D", "E", "F"} {
		for n := 1; n <= 10; n++ {
			id := fmt.Sprintf("%s%d", row, n)
			s, ok := l.Lookup(id)
			if !ok {
				t.Errorf("seat %s missing", id)
				continue
			}
			want := boxoffice.Seat{ID: id, Row: row, Number: n, Type: wantType[row], Line: line, Column: n - 1}
			if s != want {
				t.Errorf("Lookup(%s) = %+v, want %+v", id, s, want)
			}
			if i, _ := l.Index(id); i != line*10+n-1 {
				t.Errorf("Index(%s) = %d, want %d", id, i, line*10+n-1)
			}
			checked++
		}
	}
	if checked != 60 {
		t.Errorf("checked %d seats, want 60", checked)
	}
	for _, id := range []string{"A0", "A11", "G1", "a1", "", "F10 "} {
		if _, ok := l.Lookup(id); ok {
			t.Errorf("Lookup(%q) found a seat", id)
		}
	}
	const wantText = "A VVVVVVVVVV\nB VVVVVVVVVV\nC PPPPPPPPPP\nD PPPPPPPPPP\nE RRRRRRRRRR\nF RRRRRRRRRR\n"
	if got := l.String(); got != wantText {
		t.Errorf("String() = %q, want %q", got, wantText)
	}
	if !l.Equal(boxoffice.SeedLayout()) {
		t.Error("two seed layouts differ")
	}
}

func TestParseLayoutHallWithAisles(t *testing.T) {
	const text = `
# Screen is up here.
A   ..RRRR..
B   PPP.PPP
C   VV...VV
`
	l := mustParse(t, text)
	checkConsistent(t, l)
	want := []string{
		"A1:Regular@0,2", "A2:Regular@0,3", "A3:Regular@0,4", "A4:Regular@0,5",
		"B1:Premium@1,0", "B2:Premium@1,1", "B3:Premium@1,2",
		"B4:Premium@1,4", "B5:Premium@1,5", "B6:Premium@1,6",
		"C1:VIP@2,0", "C2:VIP@2,1", "C3:VIP@2,5", "C4:VIP@2,6",
	}
	if got := seatsOf(l); !equalStrings(got, want) {
		t.Errorf("seats\n got %v\nwant %v", got, want)
	}
	if l.Width() != 7 {
		t.Errorf("Width() = %d, want 7 (trailing gaps of row A place nothing)", l.Width())
	}
	if _, ok := l.Lookup("B7"); ok {
		t.Error("B7 exists, but row B has six seats")
	}
	const wantText = "A ..RRRR\nB PPP.PPP\nC VV...VV\n"
	if got := l.String(); got != wantText {
		t.Errorf("String() = %q, want %q", got, wantText)
	}
	if err := roundTrip(l); err != nil {
		t.Fatal(err)
	}
}

func TestParseLayout(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		wantSeats []string
		wantRows  []string
		wantWidth int
	}{
		{
			name: "one seat", text: "A R",
			wantSeats: []string{"A1:Regular@0,0"}, wantRows: []string{"A"}, wantWidth: 1,
		},
		{
			name: "all cell kinds", text: "A RPV.R\n",
			wantSeats: []string{"A1:Regular@0,0", "A2:Premium@0,1", "A3:VIP@0,2", "A4:Regular@0,4"},
			wantRows:  []string{"A"}, wantWidth: 5,
		},
		{
			name:      "comments, blank lines and spaces are ignored",
			text:      "# hall 1\n\n   \n  # indented comment\n  A  RR  \n\n# back\nB R\n",
			wantSeats: []string{"A1:Regular@0,0", "A2:Regular@0,1", "B1:Regular@1,0"},
			wantRows:  []string{"A", "B"}, wantWidth: 2,
		},
		{
			name: "CRLF line endings", text: "A RR\r\nB .V\r\n",
			wantSeats: []string{"A1:Regular@0,0", "A2:Regular@0,1", "B1:VIP@1,1"},
			wantRows:  []string{"A", "B"}, wantWidth: 2,
		},
		{
			name: "unicode in a comment", text: "# Saal 1 — Leinwand ↑ 🎬\nA R",
			wantSeats: []string{"A1:Regular@0,0"}, wantRows: []string{"A"}, wantWidth: 1,
		},
		{
			name:      "labels need not be in order, up to three letters",
			text:      "ZZZ R\nB  R\nAA R.R",
			wantSeats: []string{"ZZZ1:Regular@0,0", "B1:Regular@1,0", "AA1:Regular@2,0", "AA2:Regular@2,2"},
			wantRows:  []string{"ZZZ", "B", "AA"}, wantWidth: 3,
		},
		{
			name:      "leading gaps count as columns, trailing gaps do not",
			text:      "A ...R...\nB R.....",
			wantSeats: []string{"A1:Regular@0,3", "B1:Regular@1,0"},
			wantRows:  []string{"A", "B"}, wantWidth: 4,
		},
		{
			name: "double-digit seat numbers",
			text: "A RRRRRRRRRRRR",
			wantSeats: []string{
				"A1:Regular@0,0", "A2:Regular@0,1", "A3:Regular@0,2", "A4:Regular@0,3",
				"A5:Regular@0,4", "A6:Regular@0,5", "A7:Regular@0,6", "A8:Regular@0,7",
				"A9:Regular@0,8", "A10:Regular@0,9", "A11:Regular@0,10", "A12:Regular@0,11",
			},
			wantRows: []string{"A"}, wantWidth: 12,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := mustParse(t, tt.text)
			checkConsistent(t, l)
			if got := seatsOf(l); !equalStrings(got, tt.wantSeats) {
				t.Errorf("seats\n got %v\nwant %v", got, tt.wantSeats)
			}
			if got := l.Rows(); !equalStrings(got, tt.wantRows) {
				t.Errorf("Rows() = %q, want %q", got, tt.wantRows)
			}
			if l.Width() != tt.wantWidth {
				t.Errorf("Width() = %d, want %d", l.Width(), tt.wantWidth)
			}
			if err := roundTrip(l); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestParseLayoutLimits(t *testing.T) {
	t.Run("most rows", func(t *testing.T) {
		l := mustParse(t, gridText(boxoffice.MaxLayoutRows, 1))
		if len(l.Rows()) != boxoffice.MaxLayoutRows {
			t.Errorf("%d rows, want %d", len(l.Rows()), boxoffice.MaxLayoutRows)
		}
	})
	t.Run("most seats and columns", func(t *testing.T) {
		l := mustParse(t, gridText(50, boxoffice.MaxLayoutColumns))
		if l.Len() != boxoffice.MaxLayoutSeats {
			t.Errorf("Len() = %d, want %d", l.Len(), boxoffice.MaxLayoutSeats)
		}
		checkConsistent(t, l)
	})
	t.Run("trailing gaps beyond the widest row", func(t *testing.T) {
		// Trailing gaps are ignored, as documented: they count for no
		// limit. They used to count for MaxLayoutColumns.
		l := mustParse(t, "A "+strings.Repeat("R", boxoffice.MaxLayoutColumns)+"....\n")
		if l.Len() != boxoffice.MaxLayoutColumns || l.Width() != boxoffice.MaxLayoutColumns {
			t.Errorf("Len() = %d, Width() = %d; want %d each", l.Len(), l.Width(), boxoffice.MaxLayoutColumns)
		}
	})
	t.Run("longest line", func(t *testing.T) {
		line := "A " + strings.Repeat(" ", 512-3) + "R"
		l := mustParse(t, "#"+strings.Repeat("x", 511)+"\n"+line)
		if l.Len() != 1 {
			t.Errorf("Len() = %d, want 1", l.Len())
		}
	})
}

// gridText is the text map of a rows × perRow grid of Regular seats,
// written by hand (not by String) so that limits of ParseLayout are tested
// on their own; rows is at most MaxLayoutRows.
func gridText(rows, perRow int) string {
	var b strings.Builder
	for i := range rows {
		label := string(rune('A' + i%26))
		if i >= 26 {
			label = string(rune('A'+i/26-1)) + label
		}
		fmt.Fprintf(&b, "%s %s\n", label, strings.Repeat("R", perRow))
	}
	return b.String()
}

func TestParseLayoutInvalid(t *testing.T) {
	// 703 distinct labels: A..ZZ, then AAA.
	tooManyRows := gridText(boxoffice.MaxLayoutRows, 1) + "AAA R\n"
	tests := []struct {
		name      string
		text      string
		fragments []string
	}{
		{"empty", "", []string{"no rows"}},
		{"only blank lines", "\n\n  \n", []string{"no rows"}},
		{"only comments", "# a\n# b\n", []string{"no rows"}},
		{"unknown cell", "A RRX", []string{"line 1", `'X'`, "place 3"}},
		{"lower-case cell", "A rr", []string{"line 1", `'r'`, "place 1"}},
		{"lower-case cell after a good row", "A R\nB rr", []string{"line 2", `'r'`, "place 1"}},
		{"space inside the cells", "A RR RR", []string{"line 1", `' '`, "place 3"}},
		{"unicode cell", "A RR·RR", []string{"line 1", `'·'`}},
		{"emoji cell", "A 🎬", []string{"line 1", `'🎬'`}},
		{"tab separator", "A\tRRR", []string{"line 1", "control character", `'\t'`}},
		{"NUL byte", "A R\x00R", []string{"line 1", "control character", `'\x00'`}},
		{"DEL", "A R\x7f", []string{"control character"}},
		{"C1 control", "A R\u0085", []string{"control character"}},
		{"control character in a comment", "# bell \a\nA R", []string{"line 1", "control character"}},
		{"bare carriage return", "A R\rB R", []string{"line 1", "control character"}},
		{"invalid UTF-8", "# \xff\xfe\nA R", []string{"line 1", "UTF-8"}},
		{"label in lower case", "a RR", []string{"line 1", `row label "a"`}},
		{"label too long", "ABCD RR", []string{"line 1", `"ABCD"`, "1 to 3 capital letters"}},
		{"label with a digit", "A1 RR", []string{`"A1"`}},
		{"label with an accent", "É RR", []string{`"É"`}},
		{"cells glued to the label", "ARR", []string{"line 1", "row ARR has no cells"}},
		{"label without cells", "A R\nB", []string{"line 2", "row B has no cells"}},
		{"label with spaces only", "A    ", []string{"line 1", "row A has no cells"}},
		{"row of gaps only", "A R\n\nB ....", []string{"line 3", "row B has no seats"}},
		{"duplicate label", "A R\nB R\n# again\nA RR", []string{"line 4", "row A is already defined on line 1"}},
		{"too many rows", tooManyRows, []string{"line 703", "more than 702 rows"}},
		{"too many columns", "A " + strings.Repeat(".", 200) + "R", []string{"line 1", "201 places"}},
		{"too many seats", gridText(51, 200), []string{"line 51", "more than 10000 seats"}},
		{"one seat too many", gridText(50, 200) + "BY ...R", []string{"line 51", "more than 10000 seats"}},
		{"line too long", "A R\n" + strings.Repeat("#", 513), []string{"line 2", "513 bytes"}},
		{"huge line", strings.Repeat("R", 1<<20), []string{"line 1", "1048576 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := boxoffice.ParseLayout(tt.text)
			if l != nil {
				t.Errorf("got a layout of %d seats with the error", l.Len())
			}
			wantArgumentError(t, err, "layout", tt.fragments...)
		})
	}
}

func TestLayoutStringRoundTrip(t *testing.T) {
	layouts := map[string]*boxoffice.Layout{
		"seed":          boxoffice.SeedLayout(),
		"one seat":      mustGrid(t, 1, 1, nil),
		"labels A..ZZ":  mustGrid(t, boxoffice.MaxLayoutRows, 3, func(row, seat int) boxoffice.SeatType { return boxoffice.SeatType((row + seat) % 3) }),
		"widest rows":   mustGrid(t, 50, boxoffice.MaxLayoutColumns, nil),
		"aisles":        mustParse(t, "A ..RRRR..\nB PPP.PPP\nC VV...VV"),
		"ragged labels": mustParse(t, "ZZZ R\nB ..V\nQQ P.P.P.P"),
	}
	for name, l := range layouts {
		t.Run(name, func(t *testing.T) {
			if err := roundTrip(l); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("labels are padded to line up", func(t *testing.T) {
		got := mustParse(t, "A R.R\nAB RR\nABC .R").String()
		const want = "A   R.R\nAB  RR\nABC .R\n"
		if got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	})
}

func TestLayoutMarshalText(t *testing.T) {
	t.Run("text is the map", func(t *testing.T) {
		raw, err := mustParse(t, "A .RR").MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		if string(raw) != "A .RR\n" {
			t.Errorf("MarshalText() = %q", raw)
		}
	})
	t.Run("empty layout has no text form", func(t *testing.T) {
		var nilLayout *boxoffice.Layout
		for _, l := range []*boxoffice.Layout{nilLayout, {}} {
			raw, err := l.MarshalText()
			if raw != nil {
				t.Errorf("MarshalText() = %q", raw)
			}
			wantArgumentError(t, err, "layout", "empty layout")
		}
		if s := nilLayout.String(); s != "" {
			t.Errorf("nil String() = %q", s)
		}
	})
	t.Run("unmarshal fills a new layout", func(t *testing.T) {
		l := new(boxoffice.Layout)
		if err := l.UnmarshalText([]byte("B VV")); err != nil {
			t.Fatal(err)
		}
		if got, want := seatsOf(l), []string{"B1:VIP@0,0", "B2:VIP@0,1"}; !equalStrings(got, want) {
			t.Errorf("seats = %v, want %v", got, want)
		}
		checkConsistent(t, l)
	})
	t.Run("unmarshal refuses a built layout", func(t *testing.T) {
		// A built Layout is immutable and may be in use by shows: decoding
		// into it would move seat IDs under sold seats.
		l := mustGrid(t, 3, 3, nil)
		wantArgumentError(t, l.UnmarshalText([]byte("B VV")), "layout", "immutable")
		if !l.Equal(mustGrid(t, 3, 3, nil)) {
			t.Error("built layout changed by a refused UnmarshalText")
		}
		checkConsistent(t, l)
	})
	t.Run("unmarshal error leaves the layout unchanged", func(t *testing.T) {
		l := new(boxoffice.Layout)
		err := l.UnmarshalText([]byte("A RRX"))
		wantArgumentError(t, err, "layout", "line 1")
		if !l.Equal(new(boxoffice.Layout)) {
			t.Errorf("layout changed by a failed UnmarshalText: %d seats", l.Len())
		}
	})
	t.Run("unmarshal into nil", func(t *testing.T) {
		var l *boxoffice.Layout
		wantArgumentError(t, l.UnmarshalText([]byte("A R")), "layout", "nil")
	})
}

func TestLayoutEqual(t *testing.T) {
	base := mustParse(t, "A R.R\nB VV")
	var nilLayout *boxoffice.Layout
	tests := []struct {
		name  string
		a, b  *boxoffice.Layout
		equal bool
	}{
		{"same text", base, mustParse(t, "# c\nA  R.R\nB VV.."), true},
		{"both nil", nilLayout, nilLayout, true},
		{"nil and not", base, nilLayout, false},
		{"not and nil", nilLayout, base, false},
		{"other type", base, mustParse(t, "A R.R\nB VP"), false},
		{"other column", base, mustParse(t, "A RR\nB VV"), false},
		{"other label", base, mustParse(t, "A R.R\nC VV"), false},
		{"other row order", base, mustParse(t, "B VV\nA R.R"), false},
		{"extra seat", base, mustParse(t, "A R.R\nB VVV"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Equal(tt.b); got != tt.equal {
				t.Errorf("Equal = %v, want %v", got, tt.equal)
			}
		})
	}
}

func TestLayoutRowsIsACopy(t *testing.T) {
	l := boxoffice.SeedLayout()
	rows := l.Rows()
	rows[0] = "Z"
	if l.Rows()[0] != "A" {
		t.Error("changing the slice returned by Rows changed the layout")
	}
	if l.String() != boxoffice.SeedLayout().String() {
		t.Error("String changed after Rows was modified")
	}
}

// TestLayoutRoundTripProperty checks, on random halls, that a text map parses
// to the seats a simple model predicts, that every seat ID looks up to
// itself and that String parses back to an equal layout.
func TestLayoutRoundTripProperty(t *testing.T) {
	t.Run("grids", func(t *testing.T) {
		rapid.Check(t, func(rt *rapid.T) {
			rows := rapid.IntRange(1, 60).Draw(rt, "rows")
			perRow := rapid.IntRange(1, boxoffice.MaxLayoutSeats/rows).Draw(rt, "perRow")
			perRow = min(perRow, boxoffice.MaxLayoutColumns)
			types := rapid.SliceOfN(rapid.IntRange(0, 2), rows*perRow, rows*perRow).Draw(rt, "types")
			l, err := boxoffice.GridLayout(rows, perRow, func(row, seat int) boxoffice.SeatType {
				return boxoffice.SeatType(types[row*perRow+seat-1])
			})
			if err != nil {
				rt.Fatal(err)
			}
			if l.Len() != rows*perRow {
				rt.Fatalf("Len() = %d, want %d", l.Len(), rows*perRow)
			}
			for i, s := range l.Seats() {
				if want := boxoffice.SeatType(types[i]); s.Type != want {
					rt.Fatalf("seat %s is %v, want %v", s.ID, s.Type, want)
				}
			}
			if err := layoutInvariants(l); err != nil {
				rt.Fatal(err)
			}
			if err := roundTrip(l); err != nil {
				rt.Fatal(err)
			}
		})
	})
	t.Run("maps", func(t *testing.T) {
		label := rapid.StringMatching(`[A-Z]{1,3}`)
		cells := rapid.StringMatching(`[RPV.]{0,12}[RPV][RPV.]{0,12}`)
		rapid.Check(t, func(rt *rapid.T) {
			labels := rapid.SliceOfNDistinct(label, 1, 40, rapid.ID[string]).Draw(rt, "labels")
			var text strings.Builder
			var want []string
			for line, lab := range labels {
				if rapid.Bool().Draw(rt, "comment") {
					text.WriteString("# comment\n\n")
				}
				row := cells.Draw(rt, "cells")
				pad := strings.Repeat(" ", rapid.IntRange(1, 3).Draw(rt, "pad"))
				text.WriteString(lab + pad + row + "\n")
				number := 0
				for col, c := range row {
					if c == '.' {
						continue
					}
					number++
					typ := map[rune]boxoffice.SeatType{'R': boxoffice.Regular, 'P': boxoffice.Premium, 'V': boxoffice.VIP}[c]
					want = append(want, fmt.Sprintf("%s%d:%v@%d,%d", lab, number, typ, line, col))
				}
			}
			l, err := boxoffice.ParseLayout(text.String())
			if err != nil {
				rt.Fatalf("ParseLayout(%q): %v", text.String(), err)
			}
			if got := seatsOf(l); !equalStrings(got, want) {
				rt.Fatalf("seats\n got %v\nwant %v", got, want)
			}
			if err := layoutInvariants(l); err != nil {
				rt.Fatal(err)
			}
			if err := roundTrip(l); err != nil {
				rt.Fatal(err)
			}
		})
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func ExampleParseLayout() {
	hall, err := boxoffice.ParseLayout(`
# screen
A  ..RRRR..
B  PPP.PPP
C  VVV.VVV
`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(hall.Len(), "seats,", hall.Width(), "columns")
	b4, _ := hall.Lookup("B4")
	fmt.Printf("B4: %v seat in column %d\n", b4.Type, b4.Column)
	fmt.Print(hall)

	_, err = boxoffice.ParseLayout("A RR\nA RRR")
	fmt.Println(err)
	// Output:
	// 16 seats, 7 columns
	// B4: Premium seat in column 4
	// A ..RRRR
	// B PPP.PPP
	// C VVV.VVV
	// boxoffice: invalid layout: line 2: row A is already defined on line 1; labels must be unique
}

// GridLayout builds a rectangular hall; typeOf picks each seat's type from
// its row (from 0) and number (from 1).
func ExampleGridLayout() {
	layout, err := boxoffice.GridLayout(3, 4, func(row, seat int) boxoffice.SeatType {
		if row == 2 {
			return boxoffice.VIP // the back row
		}
		return boxoffice.Regular
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(layout)
	seat, _ := layout.Lookup("C4")
	fmt.Println(layout.Len(), "seats;", seat.ID, seat.Type)
	// Output:
	// A RRRR
	// B RRRR
	// C VVVV
	// 12 seats; C4 VIP
}
