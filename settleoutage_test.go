package boxoffice_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// errStoreOutage is what the Stores of the outage tests answer while they
// are down: they could not reach their data, and committed nothing.
var errStoreOutage = fmt.Errorf("store: connection refused: %w", boxoffice.ErrStoreUnavailable)

// outageStore is a failingStore whose reads of bookings and transactions
// fail with errStoreOutage while down is set: the database is unreachable.
type outageStore struct {
	*failingStore
	down atomic.Bool
}

func (s *outageStore) Booking(ctx context.Context, id boxoffice.BookingID) (boxoffice.Booking, error) {
	if s.down.Load() {
		return boxoffice.Booking{}, errStoreOutage
	}
	return s.failingStore.Booking(ctx, id)
}

func (s *outageStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	if s.down.Load() {
		return errStoreOutage
	}
	return s.failingStore.UpdateShow(ctx, showID, fn)
}

// TestSettleOutageLogsInProportion: while the Store is down, the sweeper's
// retries of three abandoned payments fail on every tick that has one due.
// The run of failures logs one warning at its start and one reminder every
// 10 minutes, not one a failure; when the Store is back and the payments
// are resumed, one line at Info says how many failed in a row. Every
// failure still counts in Stats().RefundRetryFails.
func TestSettleOutageLogsInProportion(t *testing.T) {
	var log syncBuffer
	store := &outageStore{failingStore: &failingStore{MemoryStore: boxoffice.NewMemoryStore()}}
	f, _, bs := unsettledPayments(t, store, &log, 3, "A1", "A2", "A3")
	f.tick(abandonBound) // the retries queued by the failed settles wait for the bound
	store.down.Store(true)
	warnings := func() int {
		return strings.Count(log.String(), "level=WARN msg=\"boxoffice: could not settle a booking")
	}
	for range 30 {
		f.tick(time.Second)
	}
	fails := f.sys.Stats().RefundRetryFails
	if fails < 5 {
		t.Fatalf("%d failed retries in 30 s of outage; want one on every tick with a booking due (at least 5)", fails)
	}
	if n := warnings(); n != 1 {
		t.Errorf("%d failed retries in 30 s of outage logged %d warnings; want 1, at the start:\n%s", fails, n, log.String())
	}
	for range 10 {
		f.tick(time.Minute)
	}
	if n := warnings(); n != 2 {
		t.Errorf("after 10 more minutes of outage, %d warnings; want 2: the start and one reminder:\n%s", n, log.String())
	}
	store.down.Store(false)
	for range 70 { // the backoffs have grown to at most an hour; one resume a tick
		f.tick(time.Minute)
	}
	for _, b := range bs {
		if got := f.booking(b.ID); got.Status != boxoffice.StatusConfirmed {
			t.Fatalf("once the Store is back: %s is %s; want confirmed", b.ID, got.Status)
		}
	}
	total := f.sys.Stats().RefundRetryFails
	want := fmt.Sprintf(`level=INFO msg="boxoffice: settling bookings again after failures in a row" failed_in_a_row=%d`, total)
	if !strings.Contains(log.String(), want) {
		t.Errorf("the end of the outage: want %q in the log:\n%s", want, log.String())
	}
}
