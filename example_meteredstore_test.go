package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// meteredStore counts and times the show transactions of the Store it
// wraps: the calls every hold, confirm and cancel makes, so their latency
// is the Store's share of a booking's. Every other method passes through
// the embedded Store.
type meteredStore struct {
	boxoffice.Store
	transactions atomic.Int64
	unavailable  atomic.Int64 // failed because the database could not be reached
	failed       atomic.Int64 // failed otherwise, fn's own errors included
	busy         atomic.Int64 // nanoseconds spent in them; a service feeds a histogram instead
}

// Unwrap gives the BookingSystem the wrapped Store's optional capabilities
// (ExpiredHoldLister, pgstore's UserLimitStore...), which the wrapper
// would otherwise hide.
func (m *meteredStore) Unwrap() boxoffice.Store { return m.Store }

func (m *meteredStore) UpdateShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	start := time.Now() // the machine's time, not the BookingSystem's Clock: this measures the database
	err := m.Store.UpdateShow(ctx, showID, fn)
	m.busy.Add(int64(time.Since(start)))
	m.transactions.Add(1)
	switch {
	case errors.Is(err, boxoffice.ErrStoreUnavailable):
		m.unavailable.Add(1)
	case err != nil:
		m.failed.Add(1)
	}
	return err
}

// A Store wrapped to meter or trace its calls stays a Store: the
// BookingSystem calls the wrapper, and finds the capabilities the wrapper
// lacks along its Unwrap chain, as StoreCapability does. Here the wrapper
// counts the show transactions of two holds, one of which fails inside
// its transaction (the seat is taken), and counts the failures that
// matter to an operator apart: ErrStoreUnavailable, the database out of
// reach, is the one to alert on.
func ExampleStoreCapability() {
	ctx := context.Background()
	metered := &meteredStore{Store: boxoffice.NewMemoryStore()}
	sys, show := newDemo(boxoffice.Config{Store: metered})
	defer closeDemo(sys)

	_, sweepsOtherProcesses := boxoffice.StoreCapability[boxoffice.ExpiredHoldLister](metered)
	fmt.Println("capability found through the wrapper:", sweepsOtherProcesses)

	if _, err := sys.HoldSeats(ctx, "alice", show.ID, []string{"A1", "A2"}); err != nil {
		fmt.Println(err)
	}
	_, err := sys.HoldSeats(ctx, "bob", show.ID, []string{"A2"})
	fmt.Println("bob:", errors.Is(err, boxoffice.ErrSeatUnavailable))
	fmt.Println("transactions:", metered.transactions.Load(),
		"failed:", metered.failed.Load(), "unavailable:", metered.unavailable.Load())
	// Output:
	// capability found through the wrapper: true
	// bob: true
	// transactions: 2 failed: 1 unavailable: 0
}
