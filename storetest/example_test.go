package storetest_test

import (
	"testing"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/storetest"
)

// A Store's package runs the suite from one of its tests, here against the
// in-memory Store. newStore is called once per subtest, and the subtests run
// in parallel: return a fresh, empty Store each time (with a database, a new
// schema, dropped in t.Cleanup). Features names the optional interfaces the
// Store implements, which are then tested too.
func ExampleRun() {
	// In mystore_test.go, the body of func TestConformance(t *testing.T):
	var t *testing.T
	storetest.Run(t, func(t *testing.T) boxoffice.Store {
		return boxoffice.NewMemoryStore()
	}, storetest.Features{ExpiredHolds: true, SeatsOfUser: true})
}
