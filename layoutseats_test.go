package boxoffice_test

import (
	"math"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// Layout.Seats used to return the layout's own slice: a caller changing a
// seat's Type in it, through a Hall or a SeatMap, changed the prices of
// live shows.
func TestLayoutSeatsIsACopy(t *testing.T) {
	f := newFixture(t)
	price := func() boxoffice.Money {
		t.Helper()
		m := mustT[boxoffice.SeatMap](t)(f.sys.SeatMap(f.ctx, f.show.ID))
		for _, s := range m.Seats {
			if s.ID == "E1" {
				return s.Price
			}
		}
		t.Fatal("no seat E1")
		return 0
	}
	before := price()
	hall := mustT[boxoffice.Hall](t)(f.sys.Hall(f.ctx, "H1"))
	sm := mustT[boxoffice.SeatMap](t)(f.sys.SeatMap(f.ctx, f.show.ID))
	for _, l := range []*boxoffice.Layout{hall.Layout, sm.Layout} {
		seats := l.Seats()
		for i := range seats {
			seats[i].Type = boxoffice.VIP
		}
		if i, _ := l.Index("E1"); l.Seat(i).Type != boxoffice.Regular {
			t.Errorf("layout seat E1 is now %+v", l.Seat(i))
		}
		if !l.Equal(boxoffice.SeedLayout()) {
			t.Errorf("layout changed through Seats")
		}
	}
	if after := price(); after != before {
		t.Errorf("E1 costs %s after changing Seats; want %s", after, before)
	}
	if b := f.hold("alice", "E1"); b.Total != before {
		t.Errorf("E1 held at %s; want %s", b.Total, before)
	}
}

// Layout.Seat out of range returns the zero Seat, as a map lookup of a
// missing key does, rather than panicking across the API.
func TestLayoutSeatOutOfRange(t *testing.T) {
	l := boxoffice.SeedLayout()
	for _, tc := range []struct {
		i      int
		wantID string
	}{
		{0, "A1"},
		{l.Len() - 1, "F10"},
		{-1, ""},
		{l.Len(), ""},
		{math.MinInt, ""},
		{math.MaxInt, ""},
	} {
		if got := l.Seat(tc.i); got.ID != tc.wantID || tc.wantID == "" && got != (boxoffice.Seat{}) {
			t.Errorf("Seat(%d) = %+v, want ID %q", tc.i, got, tc.wantID)
		}
	}
}
