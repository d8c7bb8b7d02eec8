package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// This file turns the library's values into text for the demo.

func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

func (d *demo) printCatalog(ctx context.Context, movies []boxoffice.Movie, shows []boxoffice.Show) error {
	fmt.Fprintln(d.w, "\nMovies:")
	tw := newTable(d.w)
	for _, m := range movies {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", m.Title, shortDuration(m.Duration),
			strings.Join(m.Genres, ", "), m.Language, m.Rating)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(d.w, "\nShows (base price %s for a Regular seat; Premium ×1.3, VIP ×1.5):\n", basePrice)
	tw = newTable(d.w)
	for _, s := range shows {
		fmt.Fprintf(tw, "  %s–%s\t%s\t%s\t%s\n", d.day(s.Start), d.clock(s.End),
			d.movies[s.MovieID].Title, d.venue(ctx, s), s.ID)
	}
	return tw.Flush()
}

// printSeatMap draws a show's seats as text, one row per line, front row
// first, with aisles left blank.
func (d *demo) printSeatMap(ctx context.Context, showID string) error {
	m, err := d.sys.SeatMap(ctx, showID)
	if err != nil {
		return err
	}
	rows := m.Layout.Rows()
	grid := make([][]byte, len(rows))
	for i := range grid {
		grid[i] = []byte(strings.Repeat(" ", m.Layout.Width()))
	}
	for _, s := range m.Seats {
		grid[s.Line][s.Column] = seatLetter(s)
	}

	const indent = "      "
	width := 2*m.Layout.Width() - 1 // a letter and a space per place
	fmt.Fprintf(d.w, "%s%s\n", indent, centre("SCREEN", width, '_'))
	for i, label := range rows {
		fmt.Fprintf(d.w, "  %-3s %s\n", label, strings.TrimRight(spaced(grid[i]), " "))
	}
	// The map quotes every seat's price under the current pricing strategy.
	prices := make(map[boxoffice.SeatType]boxoffice.Money)
	for _, s := range m.Seats {
		prices[s.Type] = s.Price
	}
	var legend []string
	for _, t := range []boxoffice.SeatType{boxoffice.VIP, boxoffice.Premium, boxoffice.Regular} {
		if price, ok := prices[t]; ok {
			legend = append(legend, fmt.Sprintf("%c %s %s", typeLetter(t), t, price))
		}
	}
	fmt.Fprintf(d.w, "\n  free seats by type: %s;  h held, X sold; blanks are aisles\n", strings.Join(legend, ", "))
	fmt.Fprintf(d.w, "  seats are numbered from 1, left to right, aisles skipped; %d of %d free\n", m.Free, len(m.Seats))
	return nil
}

func seatLetter(s boxoffice.SeatView) byte {
	switch s.Status {
	case boxoffice.SeatHeld:
		return 'h'
	case boxoffice.SeatBooked:
		return 'X'
	}
	return typeLetter(s.Type)
}

func typeLetter(t boxoffice.SeatType) byte {
	switch t {
	case boxoffice.VIP:
		return 'V'
	case boxoffice.Premium:
		return 'P'
	}
	return 'R'
}

// spaced puts a space between the cells of a row so the map is not cramped.
func spaced(cells []byte) string {
	var b strings.Builder
	for i, c := range cells {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(c)
	}
	return b.String()
}

func centre(text string, width int, fill byte) string {
	pad := max(width-len(text)-2, 0)
	left := strings.Repeat(string(fill), pad/2)
	right := strings.Repeat(string(fill), pad-pad/2)
	return left + " " + text + " " + right
}

// bookingLine is one line about a booking: its state and money.
func (d *demo) bookingLine(b boxoffice.Booking) string {
	line := fmt.Sprintf("%-10s seats %s, total %s", b.Status, strings.Join(b.SeatIDs(), ", "), b.Total)
	switch b.Status {
	case boxoffice.StatusHeld:
		line += fmt.Sprintf(", pay before %s", b.HeldUntil.In(d.zone).Format(time.TimeOnly))
	case boxoffice.StatusConfirmed:
		line += fmt.Sprintf(", paid %s by %s, payment ref %s", b.Payment.Amount, b.Payment.Method, b.Payment.Reference)
	case boxoffice.StatusCancelled:
		line += fmt.Sprintf(", refund %s (%d%%), refund ref %s", b.Refund.Amount, b.Refund.Percent, b.Refund.Reference)
	}
	return line
}

// showName names a show for people: movie, place and time.
func (d *demo) showName(ctx context.Context, s boxoffice.Show) string {
	return fmt.Sprintf("%s at %s, %s", d.movies[s.MovieID].Title, d.venue(ctx, s), d.day(s.Start))
}

// venue is "theater, city / hall"; it falls back to the IDs if a lookup
// fails, which it cannot for the catalog the demo built.
func (d *demo) venue(ctx context.Context, s boxoffice.Show) string {
	t, err := d.sys.Theater(ctx, s.TheaterID)
	if err != nil {
		return s.TheaterID + " / " + s.HallID
	}
	h, err := d.sys.Hall(ctx, s.HallID)
	if err != nil {
		return t.Name + " / " + s.HallID
	}
	return fmt.Sprintf("%s, %s / %s", t.Name, t.City, h.Name)
}

// The demo shows times in the theaters' zone, in which it scheduled the
// shows: the system gives them in UTC, as it stores them.
func (d *demo) day(t time.Time) string   { return t.In(d.zone).Format("Mon 2 Jan 15:04") }
func (d *demo) clock(t time.Time) string { return t.In(d.zone).Format("15:04") }

// shortDuration writes 2h28m rather than time.Duration's 2h28m0s.
func shortDuration(d time.Duration) string {
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}
