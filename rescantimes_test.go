package boxoffice_test

import (
	"context"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/internal/oddclock"
)

// unsettledTimesSpy is the in-memory Store listing no unsettled booking,
// which reports the times each AbandonedPayments is given.
type unsettledTimesSpy struct {
	*boxoffice.MemoryStore
	asked chan [2]time.Time
}

func (s *unsettledTimesSpy) OwingBookings(context.Context, boxoffice.BookingCursor, int) ([]boxoffice.BookingRef, error) {
	return nil, nil
}

func (s *unsettledTimesSpy) AbandonedPayments(_ context.Context, now, payingBefore time.Time, _ int) ([]boxoffice.BookingRef, error) {
	select {
	case s.asked <- [2]time.Time{now, payingBefore}:
	default:
	}
	return nil, nil
}

// TestRescanAsksWithStoredTimes checks that the sweeper asks a shared
// Store for abandoned payments with times as it stores them (UTC, whole
// microseconds, no monotonic reading), as resumePayment judges them: the
// Store compares them with the recorded Payment.LiveUntil and UpdatedAt,
// and a Clock reading finer than the Store's precision would be judged
// one way by the query and another by the transaction.
func TestRescanAsksWithStoredTimes(t *testing.T) {
	spy := &unsettledTimesSpy{MemoryStore: boxoffice.NewMemoryStore(), asked: make(chan [2]time.Time, 1)}
	clock := fakeclock.New(start.Add(1234567 * time.Nanosecond))
	newFixture(t, func(c *boxoffice.Config) {
		c.Store, c.Clock = spy, oddclock.Zoned{Clock: clock, Loc: ist}
	})
	var asked [2]time.Time
	select {
	case asked = <-spy.asked: // the sweeper rescans as it starts
	case <-time.After(10 * time.Second): // a bound for a failure, not a wait
		t.Fatal("AbandonedPayments was not called")
	}
	for i, name := range []string{"now", "payingBefore"} {
		got := asked[i]
		if want := got.UTC().Truncate(time.Microsecond); got != want {
			t.Errorf("%s = %s, want a stored time: %s", name, got, want)
		}
	}
	if want := clock.Now().UTC().Truncate(time.Microsecond); !asked[0].Equal(want) {
		t.Errorf("now = %s, want the Clock's reading cut to the microsecond, %s", asked[0], want)
	}
}
