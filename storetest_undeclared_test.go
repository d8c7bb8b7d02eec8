package boxoffice_test

import (
	"testing"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/storetest"
)

// TestStoretestUndeclaredCapability holds storetest.Features' rule: Run
// fails a Store that has an optional capability with its field false, so
// that its contract is not skipped by mistake. The in-memory Store has
// two: ExpiredHoldLister, and UserSeatCounter on its UpdateShow's ShowTx
// (which the BookingSystem uses for Config.MaxSeatsPerShow). Each left
// undeclared must fail the suite; both declared, the control, passes.
func TestStoretestUndeclaredCapability(t *testing.T) {
	modes := []string{"declared", "expired-undeclared", "seats-undeclared"}
	brokenCheck(t, "TestStoretestUndeclaredCapability", modes, []string{"declared"}, func(t *testing.T, mode string) {
		f := storetest.Features{ExpiredHolds: true, SeatsOfUser: true}
		switch mode {
		case "expired-undeclared":
			f.ExpiredHolds = false
		case "seats-undeclared":
			f.SeatsOfUser = false
		}
		storetest.Run(t, func(*testing.T) boxoffice.Store { return boxoffice.NewMemoryStore() }, f)
	})
}
