package boxoffice

// BreakHoldsForTest makes every later hold of bs skip the seat availability
// check, so that a taken seat can be held again: a deliberate double sale
// that the linearizability and invariant checkers must catch. Call it
// before bs is shared with other goroutines. Tests only; the switch is
// unreachable from the API.
func BreakHoldsForTest(bs *BookingSystem) { bs.skipSeatCheck = true }
