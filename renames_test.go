package boxoffice_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// TestRenamedStaySame checks that each name renamed before v1 still means
// what its new name means, so that adopters' code using the old name keeps
// compiling and keeps its behaviour (README, "Upgrading").
func TestRenamedStaySame(t *testing.T) {
	// The deprecated name on purpose (staticcheck does not flag a package's
	// own tests for it; adopters' code it does, SA1019).
	old := reflect.TypeFor[boxoffice.BookedSeat]()
	if renamed := reflect.TypeFor[boxoffice.BookingSeat](); old != renamed {
		t.Errorf("BookedSeat is %v, a type of its own; it must be an alias of %v", old, renamed)
	}
	// A type's name never shows in its JSON, but a Booking's seats must
	// encode as they did.
	b := boxoffice.Booking{Seats: []boxoffice.BookingSeat{{ID: "A1", Type: boxoffice.VIP, Price: 2250}}}
	got, err := json.Marshal(b.Seats)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"ID":"A1","Type":"VIP","Price":2250}]`; string(got) != want {
		t.Errorf("a booking's seats encode as %s; before the rename, %s", got, want)
	}
}
