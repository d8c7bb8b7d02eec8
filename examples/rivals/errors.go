package rivals

import (
	"errors"
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
)

// DefaultHoldFor is how long a hold lasts unless a rival is told otherwise:
// boxoffice's default HoldTTL too.
const DefaultHoldFor = 10 * time.Minute
