package boxoffice

// QueuedHoldsForTest returns how many deadlines the sweeper's queue of
// holds has.
func QueuedHoldsForTest(bs *BookingSystem) int { return bs.holds.Len() }
