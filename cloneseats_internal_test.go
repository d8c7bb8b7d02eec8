package boxoffice

import (
	"fmt"
	"slices"
	"testing"
)

// TestCloneSeats checks cloneSeats at every length it treats apart (an
// array of one to four seats) and around them: the copy has the seats in
// order, as long and with no room past them, shares nothing with the
// original, and keeps nil and empty apart.
func TestCloneSeats(t *testing.T) {
	if got := cloneSeats(nil); got != nil {
		t.Errorf("cloneSeats(nil) = %v; want nil", got)
	}
	if got := cloneSeats([]BookingSeat{}); got == nil || len(got) != 0 {
		t.Errorf("cloneSeats(empty) = %#v; want empty, not nil", got)
	}
	for n := 1; n <= 6; n++ {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			seats := make([]BookingSeat, n, n+2)
			for k := range seats {
				seats[k] = BookingSeat{ID: fmt.Sprintf("A%d", k+1), Type: SeatType(k % 3), Price: Money(100 * (k + 1))}
			}
			want := slices.Clone(seats)
			got := cloneSeats(seats)
			if !slices.Equal(got, want) || cap(got) != n {
				t.Fatalf("cloneSeats = %v (cap %d); want %v (cap %d)", got, cap(got), want, n)
			}
			got[0].Price, got[n-1].ID = -1, "changed"
			if !slices.Equal(seats, want) {
				t.Fatalf("writing the copy changed the original: %v", seats)
			}
		})
	}
}
