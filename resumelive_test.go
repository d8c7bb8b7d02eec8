package boxoffice_test

import (
	"errors"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestRetryOfLivePaymentWithSeatsLostChargesByTheKey: process A's call is
// live, its charge in flight at the gateway, when alice's hold lapses and
// bob takes her seat. Alice retries on process B (not abandoned: 12 s
// after A began paying). B now voids without charging by the same key:
// the void finds nothing, and the booking is failed with nothing owed.
// A's charge then lands; A cannot record its outcome (a Store error, or
// its process dies): nothing is owed on record, so nobody ever gives the
// money back. Before the change, B charged by the same key (the gateway
// charges once) and voided what that took: the money came back.
func TestRetryOfLivePaymentWithSeatsLostChargesByTheKey(t *testing.T) {
	f := newFixture(t)
	b := f.hold("alice", "A1")
	a := newResumeOnceProcess(f, b.ID, false)
	bp := newResumeOnceProcess(f, b.ID, false)

	started, release := make(chan struct{}), make(chan struct{})
	defer releaseRest(release)
	a.gw.setBefore(func() {
		close(started)
		<-release
		a.store.failUpdates(1) // A's settle cannot be recorded
	})
	a.clock.Advance(9*time.Minute + 50*time.Second) // alice pays 10 s before her hold ends
	aDone := make(chan error, 1)
	go func() {
		_, err := a.sys.ConfirmBooking(f.ctx, b.ID, "card")
		aDone <- err
	}()
	recv(t, started, "A's charge")

	f.clock.Advance(10*time.Minute + time.Second) // the hold has lapsed
	f.hold("bob", "A1")

	bp.clock.Advance(10*time.Minute + 2*time.Second)
	_, err := bp.sys.ConfirmBooking(f.ctx, b.ID, "card")
	if !errors.Is(err, boxoffice.ErrHoldExpired) {
		t.Fatalf("retry on B: %v; want hold lost", err)
	}

	close(release) // A's charge lands at the gateway now
	if err := recv(t, aDone, "A's confirm to return"); !errors.Is(err, errStoreDown) {
		t.Logf("A: %v", err)
	}

	got := f.booking(b.ID)
	charged, refunded := f.gateway.Totals()
	t.Logf("booking %s, owes %s; gateway charged %s, refunded %s", got.Status, got.RefundOwed(), charged, refunded)
	if charged != refunded && got.RefundOwed() == 0 {
		t.Errorf("money kept without a ticket: charged %s, refunded %s, booking %s owing %s on record (nobody will give it back)",
			charged, refunded, got.Status, got.RefundOwed())
	}
}
