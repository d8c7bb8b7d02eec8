package boxoffice_test

import (
	"context"

	"github.com/boxoffice-go/boxoffice"
)

// genericStore is the in-memory Store as the BookingSystem sees any other
// Store: not a *MemoryStore, and its transactions not its own ShowTx. The
// BookingSystem takes shortcuts on the in-memory Store (it keeps a hold's
// record in place, finds a booking's show by its ID); through this
// wrapper it takes the path every other Store gets, which the tests below
// then check too, without a database.
type genericStore struct{ *boxoffice.MemoryStore }

// opaqueTx hides the ShowTx's concrete type.
type opaqueTx struct{ boxoffice.ShowTx }

func (s genericStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	return s.MemoryStore.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error { return fn(opaqueTx{tx}) })
}

func (s genericStore) ViewShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	return s.MemoryStore.ViewShow(ctx, showID, func(tx boxoffice.ShowTx) error { return fn(opaqueTx{tx}) })
}

// onGenericPath is a fixture option: the system uses the fixture's store
// through genericStore.
func onGenericPath(c *boxoffice.Config) {
	c.Store = genericStore{c.Store.(*boxoffice.MemoryStore)}
}

// storePath is a way the BookingSystem uses a Store: a fixture option.
type storePath struct {
	name string
	edit func(*boxoffice.Config)
}

// storePaths names the two ways the BookingSystem uses a Store, for tests
// that run on both.
var storePaths = []storePath{
	{"memory", func(*boxoffice.Config) {}},
	{"generic", onGenericPath},
}
