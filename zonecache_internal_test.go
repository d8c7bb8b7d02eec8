package boxoffice

import (
	"errors"
	"testing"
	"time"
)

// TestZoneCacheLoadsEachZoneOnce: the cache loads a zone the first time it
// is asked for and hands out that one Location afterwards, so the shows
// of a theater share its transitions instead of a copy each; a zone that
// failed to load is not kept, and is tried again.
func TestZoneCacheLoadsEachZoneOnce(t *testing.T) {
	loads := map[string]int{}
	fail := true
	c := zoneCache{loadLocation: func(name string) (*time.Location, error) {
		loads[name]++
		if name == "Europe/Lisbon" && fail {
			return nil, errors.New("open /usr/share/zoneinfo/" + name + ": too many open files")
		}
		return time.FixedZone(name, 3600), nil
	}}
	first, err := c.load("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		again, err := c.load("Asia/Tokyo")
		if err != nil || again != first {
			t.Fatalf("load again: %p, %v; want the first Location %p", again, err, first)
		}
	}
	if _, err := c.load("Europe/Lisbon"); err == nil {
		t.Fatal("load of a zone whose loader fails: no error")
	}
	fail = false
	if _, err := c.load("Europe/Lisbon"); err != nil {
		t.Fatalf("load after the loader recovered: %v", err)
	}
	if loads["Asia/Tokyo"] != 1 || loads["Europe/Lisbon"] != 2 {
		t.Errorf("loader calls %v; want Asia/Tokyo once, Europe/Lisbon twice (failed, then loaded)", loads)
	}
}
