package boxoffice_test

import (
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestSharedHoldAdmissionLapsedInItsTransaction is
// TestHoldAdmissionLapsedInItsTransaction with a UserLimitStore, which
// counts a hold sharedLiveMargin (a second) past its admission's deadline
// and is told the hold's own deadline only once HoldSeats has the commit
// back: the transaction reads the clock a second before the deadline and
// then waits on the Store three seconds, during which a request of the
// user on another show is admitted in the hold's place.
//
// It fails (two live holds under a cap of one): the lapse check of the
// transaction (liveSlot.made) covers only the limits counted in the
// process; for a UserLimitStore the margin is all there is, and a
// transaction that waits on its database longer than that (pgstore's
// commit may wait half a minute) loses its count. Closing it needs the
// hold counted under its own deadline before it commits, which
// UserLimitStore cannot do today (SetLiveHold does not say whether it
// still counted the hold). Skipped until the design decides; remove the
// Skip to see it fail.
func TestSharedHoldAdmissionLapsedInItsTransaction(t *testing.T) {
	t.Skip("known gap, see the comment: a UserLimitStore loses a hold's count when its transaction waits past sharedLiveMargin")
	store := &seatReadThenStore{}
	f, other := lateHoldFixture(t, func(g genericStore) boxoffice.Store {
		store.genericStore = g
		return newLimitStore(store)
	})
	var otherErr error
	store.then = func() {
		f.clock.Advance(3 * time.Second) // past the admission's deadline and the margin
		_, otherErr = f.sys.HoldSeats(f.ctx, "alice", other.ID, []string{"A1"})
	}
	first, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"})
	if err == nil && otherErr == nil {
		t.Fatalf("alice holds A1 of %s (%s, until %s) and A1 of %s in two holds under a cap of one",
			f.show.ID, first.ID, first.HeldUntil, other.ID)
	}
}
