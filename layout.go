package boxoffice

// Layout is the seat plan of a hall: which seats exist, their types, and
// where they are drawn. A Layout is immutable once built and safe to share
// between halls and goroutines. Build one with GridLayout, SeedLayout or
// ParseLayout.
type Layout struct {
	seats []Seat         // in reading order: line by line, left to right
	index map[string]int // seat ID → position in seats
	lines []string       // row label of each drawn line
	width int            // columns of the widest line
}

// Len returns the number of seats.
func (l *Layout) Len() int { return len(l.seats) }

// Seats returns the seats in reading order. The slice is shared: do not
// modify it.
func (l *Layout) Seats() []Seat { return l.seats }

// Seat returns the seat at position i (0 ≤ i < Len) in reading order.
func (l *Layout) Seat(i int) Seat { return l.seats[i] }

// Index returns the position of the seat with the given ID, in O(1).
func (l *Layout) Index(seatID string) (int, bool) {
	i, ok := l.index[seatID]
	return i, ok
}

// Lookup returns the seat with the given ID, in O(1).
func (l *Layout) Lookup(seatID string) (Seat, bool) {
	i, ok := l.index[seatID]
	if !ok {
		return Seat{}, false
	}
	return l.seats[i], true
}

// Rows returns the row labels, one per drawn line, front to back.
func (l *Layout) Rows() []string { return l.lines }

// Width returns the number of columns of the widest drawn line, aisles
// included.
func (l *Layout) Width() int { return l.width }
