package boxoffice_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// TestDecodeIntoReturnedLayoutIsRefused: the *Layout of a Hall or SeatMap
// the BookingSystem returns is the one its shows use, and encoding/json
// decodes into a non-nil pointer in place. So decoding an edit into such a
// value ("h, _ := sys.Hall(id); json.Unmarshal(patch, &h)") must fail,
// rather than rewrite the live layout: seat IDs would move and a sold seat
// be sold again.
func TestDecodeIntoReturnedLayoutIsRefused(t *testing.T) {
	// Rows A and B swapped.
	patch := `{"Layout":"B VVVVVVVVVV\nA VVVVVVVVVV\nC PPPPPPPPPP\nD PPPPPPPPPP\nE RRRRRRRRRR\nF RRRRRRRRRR\n"}`
	targets := []struct {
		name   string
		target func(f *fixture) any
	}{
		{"Hall", func(f *fixture) any { return ptr(mustT[boxoffice.Hall](f.t)(f.sys.Hall(f.ctx, f.hall.ID))) }},
		{"SeatMap", func(f *fixture) any { return ptr(mustT[boxoffice.SeatMap](f.t)(f.sys.SeatMap(f.ctx, f.show.ID))) }},
	}
	for _, p := range storePaths {
		for _, tg := range targets {
			t.Run(tg.name+", "+p.name, func(t *testing.T) {
				f := newFixture(t, p.edit)
				f.confirm(f.hold("alice", "A1"))
				err := json.Unmarshal([]byte(patch), tg.target(f))
				if !errors.Is(err, boxoffice.ErrInvalidArgument) {
					t.Errorf("json.Unmarshal into a %s the system returned: %v; want ErrInvalidArgument", tg.name, err)
				}
				if h := mustT[boxoffice.Hall](t)(f.sys.Hall(f.ctx, f.hall.ID)); !h.Layout.Equal(boxoffice.SeedLayout()) {
					t.Errorf("the hall's layout changed:\n%s", h.Layout)
				}
				b, err := f.sys.HoldSeats(f.ctx, "bob", f.show.ID, []string{"A1"})
				if err == nil {
					t.Fatalf("A1 sold to alice, then held by bob as %s", b.ID)
				}
				if !errors.Is(err, boxoffice.ErrSeatUnavailable) {
					t.Fatalf("HoldSeats(A1) after the sale of A1: %v; want ErrSeatUnavailable", err)
				}
			})
		}
	}
}

func ptr[V any](v V) *V { return &v }
