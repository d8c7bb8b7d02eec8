package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// TestRefusedHoldsTakeNoSlot checks that a hold that is refused, or fails,
// leaves nothing in the in-memory Store's show: the next hold that is
// made gets the next slot, and the show's slots stay as many as its
// bookings. A slot taken by every request grew them by 8 bytes a refused
// request, for good.
func TestRefusedHoldsTakeNoSlot(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*boxoffice.Config)
		refuse func(f *fixture) error // one refused request, after alice holds A1
	}{
		{"rate limited", func(c *boxoffice.Config) { c.HoldsPerMinute = 1 }, func(f *fixture) error {
			_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A2"})
			return wantErr(err, boxoffice.ErrRateLimited)
		}},
		{"at the live-hold cap", func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = 1 }, func(f *fixture) error {
			_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A2"})
			return wantErr(err, boxoffice.ErrRateLimited)
		}},
		{"seat taken", nil, func(f *fixture) error {
			_, err := f.sys.HoldSeats(f.ctx, "bob", f.show.ID, []string{"A1", "A2"})
			return wantErr(err, boxoffice.ErrSeatUnavailable)
		}},
		{"retried", nil, func(f *fixture) error {
			_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"})
			return err
		}},
		{"context cancelled", nil, func(f *fixture) error {
			ctx, cancel := context.WithCancel(f.ctx)
			cancel()
			_, err := f.sys.HoldSeats(ctx, "bob", f.show.ID, []string{"A2"})
			return wantErr(err, context.Canceled)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edits := []func(*boxoffice.Config){}
			if tt.edit != nil {
				edits = append(edits, tt.edit)
			}
			f := newFixture(t, edits...)
			first := f.hold("alice", "A1")
			for range 1000 {
				if err := tt.refuse(f); err != nil {
					t.Fatal(err)
				}
			}
			next := f.hold("human", "B1")
			for k, b := range []boxoffice.Booking{first, next} {
				if _, slot, ok := boxoffice.IDNumbersForTest(f.store, b.ID); !ok || slot != uint32(k) {
					t.Errorf("booking %d has slot %d (%v); want %d", k, slot, ok, k)
				}
			}
			if n := boxoffice.ShowSlotsForTest(f.store, f.show.ID); n != 2 {
				t.Errorf("the show's slots after 2 holds and 1000 refused requests: %d; want 2", n)
			}
			if got := f.booking(next.ID); got.ID != next.ID || got.Status != boxoffice.StatusHeld {
				t.Errorf("the hold made after them: %v %s; want it found, held", got.ID, got.Status)
			}
		})
	}
}

func wantErr(err, want error) error {
	if !errors.Is(err, want) {
		return fmt.Errorf("got %v; want %v", err, want)
	}
	return nil
}

// TestConcurrentHoldsTakeSlotsInOrder races holds on one show, many of
// them refused for a taken seat, and checks that the holds made took the
// slots 0 to n-1, each once, and that the next hold takes slot n.
func TestConcurrentHoldsTakeSlotsInOrder(t *testing.T) {
	f := newFixture(t, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = -1 })
	seats := f.hall.Layout.Seats()
	var mu sync.Mutex
	var made []boxoffice.BookingID
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			user := fmt.Sprintf("user-%d", g)
			for k := range seats {
				// Every goroutine asks for every seat: one of them gets it.
				seat := seats[(k+g*len(seats)/4)%len(seats)].ID
				b, err := f.sys.HoldSeats(f.ctx, user, f.show.ID, []string{seat})
				switch {
				case err == nil:
					mu.Lock()
					made = append(made, b.ID)
					mu.Unlock()
				case !errors.Is(err, boxoffice.ErrSeatUnavailable):
					t.Error(err)
					return
				}
			}
		})
	}
	waitGroup(t, &wg, "the concurrent holds")
	if len(made) != len(seats) {
		t.Fatalf("%d holds made; want one per seat, %d", len(made), len(seats))
	}
	seen := make(map[uint32]bool)
	for _, id := range made {
		_, slot, ok := boxoffice.IDNumbersForTest(f.store, id)
		if !ok || slot >= uint32(len(made)) || seen[slot] {
			t.Fatalf("booking %v has slot %d (%v): want each of 0 to %d once", id, slot, ok, len(made)-1)
		}
		seen[slot] = true
	}
	// One more hold, after all the refused requests, takes the next slot.
	again := f.booking(made[0])
	if _, err := f.sys.ReleaseHold(f.ctx, again.ID); err != nil {
		t.Fatal(err)
	}
	last := f.hold("late", again.Seats[0].ID)
	if _, slot, _ := boxoffice.IDNumbersForTest(f.store, last.ID); slot != uint32(len(made)) {
		t.Errorf("a hold after %d made and the refused: slot %d; want %d", len(made), slot, len(made))
	}
	if n := boxoffice.ShowSlotsForTest(f.store, f.show.ID); n != len(made)+1 {
		t.Fatalf("the show's slots: %d; want %d, one per hold made", n, len(made)+1)
	}
}
