package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// The core when a Store transaction commits but reports an error (a Store
// that lost the commit's answer and could not learn the outcome).

// errCommittedAnyway is what a Store like pgstore returns when a commit's
// answer is lost: the transaction may have committed (here it always has).
var errCommittedAnyway = fmt.Errorf("test store: connection lost during the commit: %w", boxoffice.ErrCommitUnknown)

// committedErrStore is the in-memory Store on the generic path whose next
// UpdateShow (when armed) commits through the inner store and then
// reports errCommittedAnyway anyway, as pgstore may.
type committedErrStore struct {
	*boxoffice.MemoryStore
	armed atomic.Bool
}

func (s *committedErrStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	err := s.MemoryStore.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error { return fn(opaqueTx{tx}) })
	if err == nil && s.armed.CompareAndSwap(true, false) {
		return errCommittedAnyway
	}
	return err
}

func (s *committedErrStore) ViewShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	return s.MemoryStore.ViewShow(ctx, showID, func(tx boxoffice.ShowTx) error { return fn(opaqueTx{tx}) })
}

func newCommittedErr(t *testing.T, edit ...func(*boxoffice.Config)) (*fixture, *committedErrStore) {
	var ls *committedErrStore
	f := newFixture(t, append([]func(*boxoffice.Config){func(c *boxoffice.Config) {
		ls = &committedErrStore{MemoryStore: c.Store.(*boxoffice.MemoryStore)}
		c.Store = ls
	}}, edit...)...)
	return f, ls
}

func liveHoldsOf(t *testing.T, f *fixture, user string) int {
	t.Helper()
	bs, err := f.sys.BookingsOfUser(f.ctx, user, boxoffice.BookingPage{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, b := range bs {
		if b.Status == boxoffice.StatusHeld && f.clock.Now().Before(b.HeldUntil) {
			n++
		}
	}
	return n
}

// A hold whose transaction committed but reported ErrCommitUnknown still
// counts against MaxLiveHoldsPerUser: a new hold is refused, and a retry
// of the same seats gets the hold back. The user was once not counted, so
// each such error let them past the cap by one hold.
func TestHoldCommittedWithErrorStaysCounted(t *testing.T) {
	f, ls := newCommittedErr(t, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = 1 })
	ls.armed.Store(true)
	if _, err := f.sys.HoldSeats(f.ctx, "u1", f.show.ID, []string{"A1"}); !errors.Is(err, boxoffice.ErrCommitUnknown) {
		t.Fatalf("hold: err = %v; want ErrCommitUnknown", err)
	}
	if n := liveHoldsOf(t, f, "u1"); n != 1 {
		t.Fatalf("setup: %d live holds; want the one that committed", n)
	}
	_, err := f.sys.HoldSeats(f.ctx, "u1", f.show.ID, []string{"B1"})
	var rl *boxoffice.RateLimitError
	if !errors.As(err, &rl) || rl.Limit != boxoffice.LimitLiveHolds {
		t.Errorf("a second hold past MaxLiveHoldsPerUser = 1, the first reported as unknown: %v; want LimitLiveHolds", err)
	}
	if b, err := f.sys.HoldSeats(f.ctx, "u1", f.show.ID, []string{"A1"}); err != nil || b.Status != boxoffice.StatusHeld {
		t.Errorf("the retry of the hold: %v, %v; want the hold back", b.Status, err)
	}
}

// A release that committed but reported an error must not leave the user
// counted for a hold that no longer exists: the retry finds the booking
// released and forgets it. It once forgot only a hold it ended itself, so
// the user, with no live hold, was refused by the live-hold cap for up to
// HoldTTL.
func TestReleaseCommittedWithErrorForgetsTheHold(t *testing.T) {
	f, ls := newCommittedErr(t, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = 1 })
	b := f.hold("u1", "A1")
	ls.armed.Store(true)
	if _, err := f.sys.ReleaseHold(f.ctx, b.ID); !errors.Is(err, errCommittedAnyway) {
		t.Fatalf("release: err = %v; want the commit-unknown error", err)
	}
	// The customer retries, as for any error: the booking is released.
	if r, err := f.sys.ReleaseHold(f.ctx, b.ID); err != nil || r.Status != boxoffice.StatusReleased {
		t.Fatalf("retried release = %v, %v; want released", r.Status, err)
	}
	if n := liveHoldsOf(t, f, "u1"); n != 0 {
		t.Fatalf("setup: %d live holds; want 0", n)
	}
	f.clock.Advance(time.Minute)
	if _, err := f.sys.HoldSeats(f.ctx, "u1", f.show.ID, []string{"A2"}); err != nil {
		t.Errorf("user with no live hold (the only one released, its release retried) is refused a hold: %v", err)
	}
}

// A cancellation that committed (booking cancelled, refund owed) but whose
// UpdateShow reported an error is queued for the sweeper, which pays the
// refund. It once was not: on a Store without UnsettledBookingLister the
// refund was never paid unless the customer called again.
func TestCancelCommittedWithErrorPaysTheRefund(t *testing.T) {
	f, ls := newCommittedErr(t, func(c *boxoffice.Config) { c.SweepInterval = 10 * time.Millisecond })
	b := f.confirm(f.hold("u1", "A1"))
	ls.armed.Store(true)
	if _, err := f.sys.CancelBooking(f.ctx, b.ID); !errors.Is(err, errCommittedAnyway) {
		t.Fatalf("cancel: err = %v; want the commit-unknown error", err)
	}
	got := f.booking(b.ID)
	if got.Status != boxoffice.StatusCancelled || got.RefundOwed() == 0 {
		t.Fatalf("setup: booking %v owing %v; want cancelled with a refund owed", got.Status, got.RefundOwed())
	}
	// Give the background sweeper hours of ticks (its retry backoff is at
	// most an hour).
	for range 3 * 60 {
		f.clock.Advance(time.Minute)
		time.Sleep(time.Millisecond)
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) && f.booking(b.ID).RefundOwed() > 0 {
		f.clock.Advance(time.Minute)
		time.Sleep(5 * time.Millisecond)
	}
	if got := f.booking(b.ID); got.RefundOwed() > 0 {
		t.Errorf("3 hours after a cancellation that committed with its refund owed (the call got an error), "+
			"the refund of %s is still owed and was never retried", got.RefundOwed())
	}
}

// A hold that committed without its deadline queued (its call got an
// error) is still expired, by the rescan: MemoryStore implements
// ExpiredHoldLister, and its wrapper inherits it.
func TestHoldCommittedWithErrorStillExpires(t *testing.T) {
	f, ls := newCommittedErr(t, func(c *boxoffice.Config) {
		c.SweepInterval = 10 * time.Millisecond
		c.RescanInterval = time.Second
	})
	ls.armed.Store(true)
	if _, err := f.sys.HoldSeats(f.ctx, "u1", f.show.ID, []string{"A1"}); !errors.Is(err, errCommittedAnyway) {
		t.Fatalf("hold: err = %v", err)
	}
	bs, _ := f.sys.BookingsOfUser(f.ctx, "u1", boxoffice.BookingPage{})
	if len(bs) != 1 {
		t.Fatalf("setup: %d bookings", len(bs))
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && f.booking(bs[0].ID).Status == boxoffice.StatusHeld {
		f.clock.Advance(time.Minute)
		time.Sleep(5 * time.Millisecond)
	}
	if st := f.booking(bs[0].ID).Status; st != boxoffice.StatusExpired {
		t.Errorf("hold committed without its deadline queued: status %v long after its deadline; want expired", st)
	}
}

// As for the release: a confirm whose first transaction (held → paying)
// committed but reported an error is retried by the customer and
// confirms; the retry forgets the hold, though it did not start the
// payment. It once did not, and the user, whose only booking was
// confirmed, was refused by the live-hold cap until the old hold's
// deadline.
func TestConfirmCommittedWithErrorForgetsTheHold(t *testing.T) {
	f, ls := newCommittedErr(t, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = 1 })
	b := f.hold("u1", "A1")
	ls.armed.Store(true)
	if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, errCommittedAnyway) {
		t.Fatalf("confirm: err = %v; want the commit-unknown error", err)
	}
	if c, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); err != nil || c.Status != boxoffice.StatusConfirmed {
		t.Fatalf("retried confirm = %v, %v; want confirmed", c.Status, err)
	}
	if _, err := f.sys.HoldSeats(f.ctx, "u1", f.show.ID, []string{"A2"}); err != nil {
		t.Errorf("user whose only booking is confirmed is refused a hold: %v", err)
	}
}

// The control of TestCancelCommittedWithErrorPaysTheRefund: a refund
// whose gateway call failed is queued and paid by the sweeper within the
// same loop.
func TestQueuedRefundIsPaid(t *testing.T) {
	f, _ := newCommittedErr(t, func(c *boxoffice.Config) { c.SweepInterval = 10 * time.Millisecond })
	b := f.confirm(f.hold("u1", "A1"))
	f.gateway.mu.Lock()
	f.gateway.refunds = []error{errGatewayDown, errGatewayDown, errGatewayDown}
	f.gateway.mu.Unlock()
	if _, err := f.sys.CancelBooking(f.ctx, b.ID); err == nil {
		t.Fatal("setup: cancel with the gateway down succeeded")
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && f.booking(b.ID).RefundOwed() > 0 {
		f.clock.Advance(time.Minute)
		time.Sleep(5 * time.Millisecond)
	}
	if got := f.booking(b.ID); got.RefundOwed() > 0 {
		t.Errorf("queued refund still owed: %s", got.RefundOwed())
	}
}
