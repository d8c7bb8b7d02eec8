package boxoffice_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// stuckStore is the in-memory Store on the generic path whose next
// UpdateShow, once armed, waits until released: a commit whose database
// connection stalled.
type stuckStore struct {
	genericStore
	armed   chan struct{} // a value: the next UpdateShow sticks
	entered chan struct{}
	release chan struct{}
}

func (s *stuckStore) UpdateShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	select {
	case <-s.armed:
		close(s.entered)
		<-s.release
	default:
	}
	return s.genericStore.UpdateShow(ctx, showID, fn)
}

// TestCallsBehindAStuckTransactionKeepTheirDeadlines: while a transaction
// of this process on a show waits on its Store (a stalled commit), the
// calls on that show that queue behind it return when their ctx ends, with
// its error and nothing done, instead of waiting as long as the Store
// does (pgstore: half a minute). They used to wait for the lock whatever
// their ctx.
func TestCallsBehindAStuckTransactionKeepTheirDeadlines(t *testing.T) {
	var store *stuckStore
	f := newFixture(t, func(c *boxoffice.Config) {
		store = &stuckStore{genericStore: genericStore{c.Store.(*boxoffice.MemoryStore)},
			armed: make(chan struct{}, 1), entered: make(chan struct{}), release: make(chan struct{})}
		c.Store = store
	})
	held := f.hold("bob", "B1")
	store.armed <- struct{}{}
	stuck := make(chan error, 1)
	go func() { _, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"}); stuck <- err }()
	recv(t, store.entered, "the hold to reach the Store")

	gone, cancel := context.WithCancel(f.ctx)
	cancel() // the caller's deadline has passed while it queues
	calls := []struct {
		name string
		call func(context.Context) error
	}{
		{"HoldSeats", func(ctx context.Context) error {
			_, err := f.sys.HoldSeats(ctx, "carol", f.show.ID, []string{"C1"})
			return err
		}},
		{"Watch", func(ctx context.Context) error { _, err := f.sys.Watch(ctx, f.show.ID); return err }},
		{"CancelShow", func(ctx context.Context) error { _, err := f.sys.CancelShow(ctx, f.show.ID); return err }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- c.call(gone) }()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("%s behind a stuck transaction, its ctx done: %v; want context.Canceled", c.name, err)
				}
			case <-time.After(10 * time.Second): // a bound for a failure, not a wait
				t.Fatalf("%s waits for the stuck transaction past its ctx", c.name)
			}
		})
	}
	close(store.release)
	if err := recv(t, stuck, "the stuck hold, released, to return"); err != nil {
		t.Fatalf("the stuck hold, released: %v", err)
	}
	if b := f.booking(held.ID); b.Status != boxoffice.StatusHeld {
		t.Errorf("bob's hold after the refused calls: %s; want held: the refused CancelShow did nothing", b.Status)
	}
	if st := f.seatStatus("C1"); st != boxoffice.SeatAvailable {
		t.Errorf("C1 is %s; want available: the refused hold did nothing", st)
	}
}
