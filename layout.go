package boxoffice

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on the size of a [Layout]. They keep a typo or hostile input from
// allocating gigabytes; the largest real cinema halls hold about 3,000 seats.
const (
	// MaxLayoutSeats is the most seats one hall may have.
	MaxLayoutSeats = 10_000
	// MaxLayoutRows is the most rows one hall may have: every label from A to
	// ZZ, which is what GridLayout can name.
	MaxLayoutRows = 702
	// MaxLayoutColumns is the most places (seats and gaps) in one row.
	MaxLayoutColumns = 200
)

// maxLayoutLineBytes bounds one line of a text map, comments included, so a
// huge line is refused before it is scanned.
const maxLayoutLineBytes = 512

// Cell characters of the text map.
const (
	cellRegular = 'R'
	cellPremium = 'P'
	cellVIP     = 'V'
	cellGap     = '.'
)

// Layout is the seat plan of a hall: which seats exist, their types, and
// where they are drawn. A Layout is immutable once built and safe to share
// between halls and goroutines. Build one with [GridLayout], [SeedLayout] or
// [ParseLayout] (or decode one into a new Layout, see [Layout.UnmarshalText]).
//
// A nil *Layout, like a zero Layout, reads as a layout with no seats, as a
// nil map reads as an empty one: [Layout.Len] and [Layout.Width] are 0,
// [Layout.Seats] and [Layout.Rows] are nil, [Layout.Seat] returns the zero
// [Seat], [Layout.Index] and [Layout.Lookup] find nothing, [Layout.String] is
// "" and [Layout.MarshalText] returns an error. No method panics.
type Layout struct {
	seats []Seat   // in reading order: line by line, left to right
	lines []string // row label of each drawn line
	width int      // columns of the widest line
	// Seats are found by ID arithmetically, see Index: lineOf[c] is 1 + the
	// line of the label whose ordinal is firstLabel+c (0: no such line),
	// and lineStart[l] the position of line l's first seat, with one more
	// entry, len(seats), at the end.
	firstLabel int
	lineOf     []uint16
	lineStart  []int32
	// oneLetter[r] is the row labelled 'A'+r, for Index's fast path: the
	// position of its first seat and its number of seats (0: no such row).
	oneLetter [26]rowSpan
}

// rowSpan is a row's seats in reading order: positions start to
// start+count-1.
type rowSpan struct{ start, count int32 }

// Len returns the number of seats.
func (l *Layout) Len() int {
	if l == nil {
		return 0
	}
	return len(l.seats)
}

// Seats returns the seats in reading order. The slice is a copy, so the
// [Layout] stays immutable: changing a seat's Type in it changes no price.
// [Layout.Len] and [Layout.Seat] read the seats without copying them.
func (l *Layout) Seats() []Seat {
	if l == nil {
		return nil
	}
	return slices.Clone(l.seats)
}

// Seat returns the seat at position i (0 ≤ i < [Layout.Len]) in reading
// order, or the zero Seat (its ID "") for an i out of that range, as a lookup
// in a map that lacks the key does.
func (l *Layout) Seat(i int) Seat {
	if l == nil || uint(i) >= uint(len(l.seats)) {
		return Seat{}
	}
	return l.seats[i]
}

// Index returns the position of the seat with the given ID, in O(1).
//
// It reads the ID instead of hashing it: a seat ID is its row label (1 to
// 3 capital letters, unique in the layout) and its number in the row,
// counted from 1 and written without leading zeros, so the label picks
// the line and the number the seat. That is a quarter of the cost of a
// map lookup, four times on every hold, and no map per layout.
func (l *Layout) Index(seatID string) (int, bool) {
	if l == nil {
		return 0, false
	}
	// The common ID, one letter and a number of one or two digits, read
	// without the loops: a third of the instructions of the general way.
	// (appendShort reads it the same way, for a hold's few seats.)
	if n := len(seatID); n >= 2 && n <= 3 {
		r, d := uint(seatID[0]-'A'), int(seatID[1]-'1')
		if r < 26 && uint(d) < 9 {
			number := d + 1
			if n == 3 {
				e := uint(seatID[2] - '0')
				if e > 9 {
					return 0, false
				}
				number = number*10 + int(e)
			}
			row := l.oneLetter[r]
			if number > int(row.count) {
				return 0, false
			}
			return int(row.start) + number - 1, true
		}
	}
	return l.indexGeneral(seatID)
}

// appendShort appends the positions of seatIDs to idx if every ID is in
// Index's common form, one letter and a number of one or two digits,
// reading it as Index does, and names a seat of l whose position is not
// in idx already (nor found before it); it reports whether it did. Any
// other ID, known or not, is for Index. A hold's few seats are resolved
// here in one loop without a call (resolveSeats): a call of Index per
// seat had its caller's loop save and reload its values around it.
func (l *Layout) appendShort(idx []int, seatIDs []string) ([]int, bool) {
	if l == nil {
		return idx, false
	}
	for _, id := range seatIDs {
		if n := len(id); n < 2 || n > 3 || uint(id[0]-'A') >= 26 || uint(id[1]-'1') >= 9 {
			return idx, false
		}
		number := int(id[1] - '0')
		if len(id) == 3 {
			d := uint(id[2] - '0')
			if d > 9 {
				return idx, false
			}
			number = number*10 + int(d)
		}
		row := l.oneLetter[id[0]-'A']
		if number > int(row.count) {
			return idx, false
		}
		i := int(row.start) + number - 1
		if slices.Contains(idx, i) {
			return idx, false
		}
		idx = append(idx, i)
	}
	return idx, true
}

// indexGeneral is Index for any ID.
func (l *Layout) indexGeneral(seatID string) (int, bool) {
	// One pass over the ID, the label's ordinal (labelOrdinal) taken as
	// its letters are read, and unsigned comparisons for the ranges: a
	// fifth of a hold and release went to its four seat lookups.
	n, letters, ord := len(seatID), 0, 0
	for letters < n && letters < 3 {
		c := seatID[letters] - 'A'
		if c > 'Z'-'A' {
			break
		}
		ord = ord*26 + int(c) + 1
		letters++
	}
	if letters == 0 || n == letters || n-letters > 3 || seatID[letters] == '0' {
		return 0, false
	}
	number := 0
	for i := letters; i < n; i++ {
		d := seatID[i] - '0'
		if d > 9 {
			return 0, false
		}
		number = number*10 + int(d)
	}
	c := ord - 1 - l.firstLabel
	if uint(c) >= uint(len(l.lineOf)) || l.lineOf[c] == 0 {
		return 0, false
	}
	line := int(l.lineOf[c]) - 1
	start, end := int(l.lineStart[line]), int(l.lineStart[line+1])
	if number > end-start {
		return 0, false
	}
	return start + number - 1, true
}

// Lookup returns the seat with the given ID, in O(1).
func (l *Layout) Lookup(seatID string) (Seat, bool) {
	i, ok := l.Index(seatID)
	if !ok {
		return Seat{}, false
	}
	return l.seats[i], true
}

// Rows returns the row labels, one per drawn line, front to back. The slice
// is a copy.
func (l *Layout) Rows() []string {
	if l == nil {
		return nil
	}
	return slices.Clone(l.lines)
}

// Width returns the number of columns of the widest drawn line, aisles
// included.
func (l *Layout) Width() int {
	if l == nil {
		return 0
	}
	return l.width
}

// Equal reports whether l and other describe the same seats, rows and
// drawing. Two nil layouts are equal.
func (l *Layout) Equal(other *Layout) bool {
	if l == nil || other == nil {
		return l == other
	}
	return l.width == other.width &&
		slices.Equal(l.lines, other.lines) &&
		slices.Equal(l.seats, other.seats)
}

// GridLayout builds a rectangular hall of rows × seatsPerRow seats with no
// aisles. Rows are labelled A, B, …, Z, AA, AB, …, ZZ front to back and
// seats are numbered from 1, so the seat IDs are "A1", "A2", …. typeOf gets
// the row index (from 0) and the seat number (from 1) and returns the seat's
// type; nil makes every seat [Regular].
//
// rows must be in 1..MaxLayoutRows, seatsPerRow in 1..MaxLayoutColumns, and
// rows × seatsPerRow at most [MaxLayoutSeats]; otherwise the error is an
// [*ArgumentError] ([ErrInvalidArgument]).
func GridLayout(rows, seatsPerRow int, typeOf func(row, seat int) SeatType) (*Layout, error) {
	if rows < 1 || rows > MaxLayoutRows {
		return nil, invalid("rows", "%d rows; a hall has 1 to %d rows", rows, MaxLayoutRows)
	}
	if seatsPerRow < 1 || seatsPerRow > MaxLayoutColumns {
		return nil, invalid("seatsPerRow", "%d seats per row; a row has 1 to %d seats", seatsPerRow, MaxLayoutColumns)
	}
	// Both factors are bounded above, so the product cannot overflow.
	if rows*seatsPerRow > MaxLayoutSeats {
		return nil, invalid("rows, seatsPerRow", "%d rows × %d seats = %d seats; a hall has at most %d seats",
			rows, seatsPerRow, rows*seatsPerRow, MaxLayoutSeats)
	}
	b := newLayoutBuilder(rows, rows*seatsPerRow)
	for r := range rows {
		label := rowLabel(r)
		b.startRow(label)
		for n := 1; n <= seatsPerRow; n++ {
			t := Regular
			if typeOf != nil {
				t = typeOf(r, n)
			}
			if !t.Valid() {
				return nil, invalid("typeOf", "returned %v for row %s seat %d; use Regular, Premium or VIP", t, label, n)
			}
			b.addSeat(n-1, t)
		}
	}
	return b.layout(), nil
}

// SeedLayout returns the seed hall: rows A–F of seats 1–10 (seat IDs "A1"
// to "F10"), rows A–B [VIP], C–D [Premium] and E–F [Regular].
func SeedLayout() *Layout {
	l, err := GridLayout(6, 10, func(row, _ int) SeatType {
		switch {
		case row < 2:
			return VIP
		case row < 4:
			return Premium
		}
		return Regular
	})
	if err != nil {
		// Unreachable: the arguments are constants within the limits.
		panic("boxoffice: seed layout: " + err.Error())
	}
	return l
}

// ParseLayout reads a hall from a text map, so halls with aisles, gaps and
// rows of different lengths can be described.
//
// The map has one line per row, front (the screen) first. Blank lines and
// lines whose first non-space character is '#' are ignored. A row line is a
// label, one or more spaces, then the row's cells:
//
//	R  a Regular seat
//	P  a Premium seat
//	V  a VIP seat
//	.  an empty place: an aisle or a gap
//
// A label is 1 to 3 capital letters A–Z and is unique within the map. Seats
// are numbered from 1, left to right within their row, skipping gaps, and
// their ID is the label followed by the number ("B12"). [Seat.Line] is the
// row's index among the row lines (from 0) and [Seat.Column] is the index of
// the seat's cell, gaps counted. Leading and trailing spaces, trailing gaps
// and a carriage return before the newline are ignored; a tab or any other
// control character is an error.
//
// For example, a hall with a centre aisle and a short front row:
//
//	# screen
//	A  ..RRRR..
//	B  PPP.PPP
//	C  VVV.VVV
//
// has seats A1–A4 in columns 2–5, and B1–B3 then B4–B6 either side of the
// aisle in column 3.
//
// A map with no rows, a row with no seats, more than [MaxLayoutRows] rows,
// [MaxLayoutColumns] cells in a row or [MaxLayoutSeats] seats, or a line longer
// than 512 bytes is refused. Every error is an [*ArgumentError]
// ([ErrInvalidArgument]) that names the line and the problem.
func ParseLayout(text string) (*Layout, error) {
	b := newLayoutBuilder(0, 0)
	labels := make(map[string]int) // label → line number, to report duplicates
	lineNo := 0
	for raw := range strings.Lines(text) {
		lineNo++
		line, err := checkLayoutLine(lineNo, raw)
		if err != nil {
			return nil, err
		}
		line = strings.Trim(line, " ")
		if line == "" || line[0] == '#' {
			continue
		}
		label, cells, err := splitRowLine(lineNo, line)
		if err != nil {
			return nil, err
		}
		if first, dup := labels[label]; dup {
			return nil, layoutError(lineNo, "row %s is already defined on line %d; labels must be unique", label, first)
		}
		labels[label] = lineNo
		if len(labels) > MaxLayoutRows {
			return nil, layoutError(lineNo, "more than %d rows", MaxLayoutRows)
		}
		if err := parseCells(b, lineNo, label, cells); err != nil {
			return nil, err
		}
	}
	if len(b.lines) == 0 {
		return nil, invalid("layout", "no rows; write one line per row, e.g. \"A RRR.RRR\"")
	}
	return b.layout(), nil
}

// checkLayoutLine returns raw without its line ending, or an error if it is
// too long, not UTF-8 or holds a control character.
func checkLayoutLine(lineNo int, raw string) (string, error) {
	line := strings.TrimSuffix(raw, "\n")
	line = strings.TrimSuffix(line, "\r")
	if len(line) > maxLayoutLineBytes {
		return "", layoutError(lineNo, "line is %d bytes long; the limit is %d", len(line), maxLayoutLineBytes)
	}
	if !utf8.ValidString(line) {
		return "", layoutError(lineNo, "not valid UTF-8")
	}
	for col, r := range line {
		if unicode.IsControl(r) {
			return "", layoutError(lineNo, "control character %q at byte %d; use spaces, not tabs", r, col+1)
		}
	}
	return line, nil
}

// splitRowLine splits a trimmed, non-comment line into its label and cells.
func splitRowLine(lineNo int, line string) (label, cells string, err error) {
	label, cells, found := strings.Cut(line, " ")
	if !validRowLabel(label) {
		return "", "", layoutError(lineNo, "row label %q: use 1 to 3 capital letters A–Z", label)
	}
	cells = strings.TrimLeft(cells, " ")
	if !found || cells == "" {
		return "", "", layoutError(lineNo, "row %s has no cells; write the label, a space, then R, P, V or . per place", label)
	}
	return label, cells, nil
}

// parseCells adds one row line to b.
func parseCells(b *layoutBuilder, lineNo int, label, cells string) error {
	if n := utf8.RuneCountInString(strings.TrimRight(cells, string(cellGap))); n > MaxLayoutColumns { // trailing gaps are ignored
		return layoutError(lineNo, "row %s has %d places; the limit is %d", label, n, MaxLayoutColumns)
	}
	b.startRow(label)
	seats := 0
	col := 0
	for _, c := range cells {
		switch c {
		case cellGap:
		case cellRegular, cellPremium, cellVIP:
			if len(b.seats) == MaxLayoutSeats {
				return layoutError(lineNo, "more than %d seats", MaxLayoutSeats)
			}
			b.addSeat(col, seatTypeOfCell(c))
			seats++
		default:
			return layoutError(lineNo, "unknown cell %q in row %s at place %d; use R, P, V or .", c, label, col+1)
		}
		col++
	}
	if seats == 0 {
		return layoutError(lineNo, "row %s has no seats", label)
	}
	return nil
}

func seatTypeOfCell(c rune) SeatType {
	switch c {
	case cellPremium:
		return Premium
	case cellVIP:
		return VIP
	}
	return Regular
}

func cellOfSeatType(t SeatType) byte {
	switch t {
	case Premium:
		return cellPremium
	case VIP:
		return cellVIP
	}
	return cellRegular
}

func layoutError(lineNo int, format string, args ...any) error {
	return invalid("layout", "line "+strconv.Itoa(lineNo)+": "+format, args...)
}

// validRowLabel reports whether s is 1 to 3 capital letters A–Z.
func validRowLabel(s string) bool {
	if len(s) < 1 || len(s) > 3 {
		return false
	}
	for i := range len(s) {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// labelOrdinal is the inverse of rowLabel for a valid row label: A is 0,
// Z 25, AA 26, ZZZ 18,277.
func labelOrdinal(label string) int {
	n := 0
	for i := range len(label) {
		n = n*26 + int(label[i]-'A') + 1
	}
	return n - 1
}

// rowLabel names row i (from 0) the way spreadsheets name columns:
// A…Z, AA…AZ, BA…ZZ, AAA….
func rowLabel(i int) string {
	var buf [8]byte
	pos := len(buf)
	for n := i + 1; n > 0; n = (n - 1) / 26 {
		pos--
		buf[pos] = byte('A' + (n-1)%26)
	}
	return string(buf[pos:])
}

// String returns the layout as a text map in the form [ParseLayout] reads:
// one line per row, labels padded to a common width, gaps as '.', each line
// ending in a newline. ParseLayout(l.String()) returns a layout equal to l.
func (l *Layout) String() string {
	if l == nil {
		return ""
	}
	labelWidth := 0
	for _, label := range l.lines {
		labelWidth = max(labelWidth, len(label))
	}
	var b strings.Builder
	b.Grow(len(l.lines) * (labelWidth + 2 + l.width))
	next := 0 // first seat not yet written
	for line, label := range l.lines {
		b.WriteString(label)
		b.WriteString(strings.Repeat(" ", labelWidth-len(label)+1))
		col := 0
		for ; next < len(l.seats) && l.seats[next].Line == line; next++ {
			s := l.seats[next]
			for ; col < s.Column; col++ {
				b.WriteByte(cellGap)
			}
			b.WriteByte(cellOfSeatType(s.Type))
			col++
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// MarshalText returns the layout's text map (see [Layout.String]), so a
// [Store] can persist a layout as text. A nil or empty [Layout] has no text
// form.
func (l *Layout) MarshalText() ([]byte, error) {
	if l == nil || len(l.seats) == 0 {
		return nil, invalid("layout", "an empty layout has no text form")
	}
	return []byte(l.String()), nil
}

// UnmarshalText parses a text map (see [ParseLayout]) into l, which must be
// a new, empty [Layout] (new(Layout)): it exists for decoders filling a
// fresh value. A Layout that already has seats is refused with an
// [*ArgumentError] ([ErrInvalidArgument]) and left unchanged, since it may be
// shared: the *Layout of a [Hall] or [SeatMap] the [BookingSystem] returns is
// the one its shows sell seats of, and encoding/json decodes into a
// non-nil pointer in place, so "h, _ := sys.Hall(ctx, id);
// json.Unmarshal(edit, &h)" would otherwise move seat IDs under sold
// seats. Decode into a new Hall instead. On any error l is unchanged.
func (l *Layout) UnmarshalText(text []byte) error {
	switch {
	case l == nil:
		return invalid("layout", "UnmarshalText on a nil *Layout")
	case len(l.seats) > 0:
		return invalid("layout", "UnmarshalText on a built Layout, which is immutable (and may be in use); decode into a new Layout")
	}
	parsed, err := ParseLayout(string(text))
	if err != nil {
		return err
	}
	*l = *parsed
	return nil
}

// layoutBuilder accumulates seats row by row; only the constructors in this
// file use it, so a Layout is complete before anyone sees it.
type layoutBuilder struct {
	seats []Seat
	lines []string
	width int
}

func newLayoutBuilder(rows, seats int) *layoutBuilder {
	return &layoutBuilder{
		seats: make([]Seat, 0, seats),
		lines: make([]string, 0, rows),
	}
}

// startRow begins a new drawn line with the given label.
func (b *layoutBuilder) startRow(label string) {
	b.lines = append(b.lines, label)
}

// addSeat appends the next seat of the current row at the given column.
func (b *layoutBuilder) addSeat(column int, t SeatType) {
	line := len(b.lines) - 1
	label := b.lines[line]
	number := 1
	if n := len(b.seats); n > 0 && b.seats[n-1].Line == line {
		number = b.seats[n-1].Number + 1
	}
	b.seats = append(b.seats, Seat{
		ID:     label + strconv.Itoa(number),
		Row:    label,
		Number: number,
		Type:   t,
		Line:   line,
		Column: column,
	})
	b.width = max(b.width, column+1)
}

// layout returns the finished Layout with its seat index. Every line has
// a seat and a valid label of its own: the constructors check both.
func (b *layoutBuilder) layout() *Layout {
	l := &Layout{
		seats:     slices.Clip(b.seats),
		lines:     slices.Clip(b.lines),
		width:     b.width,
		lineStart: make([]int32, len(b.lines)+1),
	}
	if len(b.lines) == 0 {
		return l
	}
	first, last := labelOrdinal(b.lines[0]), labelOrdinal(b.lines[0])
	for _, label := range b.lines {
		first, last = min(first, labelOrdinal(label)), max(last, labelOrdinal(label))
	}
	l.firstLabel = first
	l.lineOf = make([]uint16, last-first+1) // at most 18,278 entries
	for line, label := range b.lines {
		l.lineOf[labelOrdinal(label)-first] = uint16(line + 1)
	}
	line := 0
	for i, s := range b.seats {
		for line < s.Line {
			line++
			l.lineStart[line] = int32(i)
		}
	}
	l.lineStart[len(b.lines)] = int32(len(b.seats))
	for line, label := range b.lines {
		if len(label) == 1 {
			l.oneLetter[label[0]-'A'] = rowSpan{l.lineStart[line], l.lineStart[line+1] - l.lineStart[line]}
		}
	}
	return l
}
