package boxoffice

import (
	"fmt"
	"path"
	"strings"
	"sync"
	"time"
)

// zoneCache holds the time zones of theaters (Theater.TimeZone) loaded so
// far, by name: time.LoadLocation reads the zone's file on every call and
// returns a Location of its own, some kilobytes of transitions, which
// every cached show of a theater would otherwise keep a copy of. Only
// zones that loaded are kept, so it holds at most the zones of the
// catalog's theaters.
type zoneCache struct {
	m sync.Map // zone name → *time.Location

	// loadLocation is time.LoadLocation, or a test's stand-in (nil: the
	// real one).
	loadLocation func(name string) (*time.Location, error)
}

// load returns the zone of that IANA name, or an *ArgumentError naming it
// if this program cannot load it. "Local", the process's own zone, is
// refused: processes sharing a Store may each have another. So are the
// names that only a zoneinfo directory resolves, so that a name one
// process takes loads the same zone in every process, the ones reading
// the time/tzdata copy too: "localtime" (on Debian and others a link to
// /etc/localtime, the machine's own zone), any spelling of a name that
// is not its clean form ("Asia//Tokyo", "./Asia/Tokyo"), which a
// directory finds and the copy does not, and the directory's own extras
// ("posixrules", the "posix/" and "right/" trees), which the copy lacks.
func (c *zoneCache) load(name string) (*time.Location, error) {
	if loc, ok := c.m.Load(name); ok {
		return loc.(*time.Location), nil
	}
	switch {
	case name == "Local", name == "localtime":
		return nil, invalid("Theater.TimeZone", "%q is the zone of each process or machine, which may differ from one to the next; name the theater's zone, such as \"Asia/Tokyo\"", name)
	case name == "posixrules", strings.HasPrefix(name, "posix/"), strings.HasPrefix(name, "right/"):
		return nil, invalid("Theater.TimeZone", "%q is a file of some zoneinfo directories, not an IANA zone every program can load (time/tzdata has none such); name the zone, such as \"Asia/Tokyo\"", name)
	case path.Clean(name) != name:
		return nil, invalid("Theater.TimeZone", "%q is not an IANA zone name as written (a zoneinfo directory may read it, time/tzdata does not); write it as %q", name, path.Clean(name))
	}
	loadLocation := c.loadLocation
	if loadLocation == nil {
		loadLocation = time.LoadLocation
	}
	loc, err := loadLocation(name)
	if err != nil {
		return nil, invalid("Theater.TimeZone", "%q is not a time zone this program can load (%v): want an IANA name such as \"Asia/Tokyo\", and the system's zoneinfo or a program that imports time/tzdata", name, err)
	}
	actual, _ := c.m.LoadOrStore(name, loc)
	return actual.(*time.Location), nil
}

// loaded returns the zone of that name if this process has loaded it,
// else nil; it loads nothing.
func (c *zoneCache) loaded(name string) *time.Location {
	if loc, ok := c.m.Load(name); ok {
		return loc.(*time.Location)
	}
	return nil
}

// showZone is the time zone of a show's theater as its show entry knows
// it: loaded (loc), or not in this process (err, and the theater to load
// it for again, and the cache where another show's load may have put it
// since: eventZone).
type showZone struct {
	loc     *time.Location
	err     error
	theater Theater
	zones   *zoneCache
}

// showZone loads the zone of theater t for a show entry.
func (c *zoneCache) showZone(t Theater) *showZone {
	loc, err := c.load(t.TimeZone)
	if err != nil {
		return &showZone{err: fmt.Errorf("boxoffice: theater %q: %w", t.ID, err), theater: t, zones: c}
	}
	return &showZone{loc: loc}
}

// location returns the time zone of the show's theater, nil if it has
// none. A zone this process could not load fails the show's pricing
// (HoldSeats, SeatMap) rather than price it in another zone, and nothing
// else; each such call tries to load it again, so that a passing failure
// (a process out of file descriptors) does not leave the show unsellable
// here until its entry is dropped.
func (e *showEntry) location(zones *zoneCache) (*time.Location, error) {
	z := e.zone.Load()
	switch {
	case z == nil:
		return nil, nil
	case z.err == nil:
		return z.loc, nil
	}
	again := zones.showZone(z.theater)
	if again.err != nil {
		return nil, again.err
	}
	e.zone.CompareAndSwap(z, again)
	return again.loc, nil
}
