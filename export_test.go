package boxoffice

import "time"

// BreakHoldsForTest makes every later hold of bs skip the seat availability
// check, so that a taken seat can be held again: a deliberate double sale
// that the linearizability and invariant checkers must catch. Call it
// before bs is shared with other goroutines. Tests only; the switch is
// unreachable from the API.
func BreakHoldsForTest(bs *BookingSystem) { bs.skipSeatCheck = true }

// ConfirmWaitersForTest returns how many ConfirmBooking calls are waiting
// for another call of the same booking in bs to finish (joined it), so a
// test can make sure a join happened instead of hoping it did.
func ConfirmWaitersForTest(bs *BookingSystem, id BookingID) int {
	bs.confirms.mu.Lock()
	defer bs.confirms.mu.Unlock()
	if c := bs.confirms.calls[id]; c != nil {
		return c.waiters
	}
	return 0
}

// WaitObserversForTest blocks until every observer goroutine of bs has
// returned: after a Close that gave up waiting for them, once they notice.
func WaitObserversForTest(bs *BookingSystem) {
	for _, r := range bs.events.observers {
		<-r.box.Done()
	}
}

// SetZoneLoaderForTest makes bs load theaters' time zones with load
// instead of time.LoadLocation, so that a test can make a load fail and
// then succeed. Call it before bs is shared with other goroutines.
func SetZoneLoaderForTest(bs *BookingSystem, load func(name string) (*time.Location, error)) {
	bs.zones.loadLocation = load
}

// StoreForTest returns the Store bs uses, as configured (a wrapper, say).
// A function, not a method: TestZeroAndNilBookingSystem calls every
// method of a zero BookingSystem.
func StoreForTest(bs *BookingSystem) Store { return bs.store }
