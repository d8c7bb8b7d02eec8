package rivals

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

var (
	// ErrSeatTaken is a hold refused because one of its seats is held by
	// another booking whose hold has not passed (or, for SQLRows, has no
	// row: the rivals do not tell an unknown seat from a taken one).
	ErrSeatTaken = errors.New("rivals: seat taken")
	// ErrNotHeld is a release of a booking that is not held: unknown,
	// released already, or (RedisLocks) expired out of Redis.
	ErrNotHeld = errors.New("rivals: booking not held")
	// ErrRepeatedSeat is a hold that lists a seat more than once: refused
	// before any storage is touched, as boxoffice's HoldSeats refuses one
	// (a *SeatError of kind SeatDuplicate). Left to storage, SQLRows would
	// update the seat's row once and call the hold refused for a taken
	// seat, and RedisLocks would set the key twice and take it.
	ErrRepeatedSeat = errors.New("rivals: seat listed twice")
)

// checkSeats returns an error matching ErrRepeatedSeat, naming the seat,
// if seats lists one more than once. Holds list a few seats: pairwise
// comparison, no allocation.
func checkSeats(seats []string) error {
	for i, s := range seats {
		if slices.Contains(seats[:i], s) {
			return fmt.Errorf("%w: %q", ErrRepeatedSeat, s)
		}
	}
	return nil
}

// DefaultHoldFor is how long a hold lasts unless a rival is told otherwise:
// boxoffice's default HoldTTL too.
const DefaultHoldFor = 10 * time.Minute
