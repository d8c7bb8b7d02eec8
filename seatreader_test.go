package boxoffice_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// TestSeatMapOfShowStoredWithFewerSeats: a MemoryStore given a show with
// a layout of fewer seats than its hall's (AddShow takes any layout) makes
// SeatMap, which reads the hall's layout, an error matching
// ErrInvalidArgument (the ShowTx's misuse of a seat out of range), not a
// panic: seatReader reads the MemoryStore's seats in place, and read past
// them.
func TestSeatMapOfShowStoredWithFewerSeats(t *testing.T) {
	ctx := context.Background()
	s := boxoffice.NewMemoryStore()
	hallLayout, err := boxoffice.GridLayout(3, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	showLayout, err := boxoffice.GridLayout(1, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	sh := boxoffice.Show{ID: "s", MovieID: "m", HallID: "h", TheaterID: "t", Start: memDay, End: memDay.Add(2 * time.Hour), BasePrice: 10_00}
	for _, err := range []error{
		s.AddTheater(ctx, boxoffice.Theater{ID: "t"}),
		s.AddHall(ctx, boxoffice.Hall{ID: "h", TheaterID: "t", Layout: hallLayout}),
		s.AddMovie(ctx, boxoffice.Movie{ID: "m", Duration: 2 * time.Hour}),
		s.AddShow(ctx, sh, showLayout, boxoffice.Interval{Start: sh.Start, End: sh.End}, nil),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	bs, err := boxoffice.New(boxoffice.Config{Store: s, Clock: fakeclock.New(memDay.Add(-time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close(ctx)
	var m boxoffice.SeatMap
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("SeatMap panicked: %v", p)
			}
		}()
		m, err = bs.SeatMap(ctx, "s")
	}()
	if !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Fatalf("SeatMap = %d seats, %v; want an error matching ErrInvalidArgument", len(m.Seats), err)
	}
}
