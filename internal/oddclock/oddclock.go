// Package oddclock wraps a fake clock so that its readings look like those
// of real clocks that a Store must cope with: a monotonic reading in the
// Local zone (Mono), or another zone than UTC (Zoned). Tests of both
// modules use it to check that every stored time comes back as it went in.
package oddclock

import (
	"time"

	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// Mono is a fake clock whose readings look like the machine's: in the
// Local zone, with a monotonic clock reading, at the fake's wall time.
// Only time.Now makes a monotonic reading, so NewMono takes one and Now
// moves it with the fake.
type Mono struct {
	*fakeclock.Clock
	mono time.Time
}

// NewMono returns c with readings like the machine's.
func NewMono(c *fakeclock.Clock) Mono { return Mono{c, time.Now()} }

// Now returns the fake's time with a monotonic reading, in the Local zone.
func (c Mono) Now() time.Time {
	return c.mono.Add(c.Clock.Now().Sub(c.mono)) // Sub: the fake has no monotonic reading
}

// Zoned is a fake clock whose readings are in another zone than UTC.
type Zoned struct {
	*fakeclock.Clock
	Loc *time.Location
}

// Now returns the fake's time in c.Loc.
func (c Zoned) Now() time.Time { return c.Clock.Now().In(c.Loc) }
