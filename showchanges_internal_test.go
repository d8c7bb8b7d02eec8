package boxoffice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"testing"
	"time"
)

// testFeed returns a feed of nothing but its bookkeeping, with streams
// open on the shows watched: no goroutine runs and no Store is read, so
// that a test sets its state and calls due or resynced itself.
func testFeed(clock Clock, watched ...string) *changeFeed {
	d := &dispatcher{watchers: make(map[string]*showStreams)}
	for _, id := range watched {
		d.watchers[id] = &showStreams{}
	}
	bs := &BookingSystem{clock: clock, log: slog.New(slog.DiscardHandler), events: d}
	return &changeFeed{bs: bs, ctx: context.Background(), dirty: make(map[string]struct{}), failing: make(map[string]*feedRetry),
		reading: make(map[string]struct{}), wake: make(chan struct{}, 1)}
}

// setOf returns the sorted keys of a set.
func setOf[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// fromNow describes a retry time, from now, in TestFeedDueLeavesShowsBeingRead.
func fromNow(d time.Duration) string {
	if d == noRetry {
		return "none"
	}
	return d.String() + " from now"
}

// noRetry stands for no retry to wait for.
const noRetry = time.Duration(-1 << 63)

// due takes no show being read, leaving it in dirty when it was reported
// again, and the retry waited for is never that of a show being read.
func TestFeedDueLeavesShowsBeingRead(t *testing.T) {
	tests := []struct {
		name    string
		all     bool
		dirty   []string
		failing map[string]time.Duration // when each retry is due, from now
		reading []string
		take    []string      // what due returns, sorted
		left    []string      // dirty after it
		retry   time.Duration // nextRetry after it, from now
	}{
		{name: "reported", dirty: []string{"S1", "S2"},
			take: []string{"S1", "S2"}, retry: noRetry},
		{name: "reported again while being read", dirty: []string{"S1", "S2"}, reading: []string{"S1"},
			take: []string{"S2"}, left: []string{"S1"}, retry: noRetry},
		{name: "every show, while one is being read", all: true, reading: []string{"S1"},
			take: []string{"S2", "S3"}, left: []string{"S1"}, retry: noRetry},
		{name: "reported while its retry is not due", dirty: []string{"S1"}, failing: map[string]time.Duration{"S1": time.Second},
			left: []string{"S1"}, retry: time.Second},
		{name: "retry due, and reported", dirty: []string{"S1"}, failing: map[string]time.Duration{"S1": -time.Second},
			take: []string{"S1"}, retry: noRetry},
		{name: "retry due while being read", dirty: []string{"S1"}, failing: map[string]time.Duration{"S1": -time.Second},
			reading: []string{"S1"}, left: []string{"S1"}, retry: noRetry},
		{name: "another show's retry, while one's is being read",
			failing: map[string]time.Duration{"S1": -time.Second, "S2": 2 * time.Second},
			reading: []string{"S1"}, retry: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &handClock{now: time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)}
			f := testFeed(clock, "S1", "S2", "S3")
			f.all = tt.all
			for _, id := range tt.dirty {
				f.dirty[id] = struct{}{}
			}
			for id, d := range tt.failing {
				f.failing[id] = &feedRetry{at: clock.now.Add(d), next: 2 * time.Second}
			}
			for _, id := range tt.reading {
				f.reading[id] = struct{}{}
			}
			take := f.due()
			slices.Sort(take)
			if !slices.Equal(take, tt.take) {
				t.Errorf("due took %v; want %v", take, tt.take)
			}
			if left := setOf(f.dirty); !slices.Equal(left, tt.left) {
				t.Errorf("dirty after due: %v; want %v", left, tt.left)
			}
			for _, id := range take {
				if _, ok := f.reading[id]; !ok {
					t.Errorf("%s was taken but is not marked as being read", id)
				}
			}
			var retry time.Duration = noRetry
			if next := f.nextRetry(); !next.IsZero() {
				retry = next.Sub(clock.now)
			}
			if retry != tt.retry {
				t.Errorf("nextRetry: %s; want %s", fromNow(retry), fromNow(tt.retry))
			}
		})
	}
}

// When a read ends, the show is no longer being read, and run is woken
// if the show is to be read again: at once, or at a retry time it waits
// for with no show in view.
func TestFeedResyncedWakesForWhatComesNext(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		reported  bool // the show was reported again during the read
		unwatched bool // its last stream ended during the read
		dirty     bool // it is to be read at once
		failing   bool // it waits for a retry
		wake      bool
	}{
		{name: "read"},
		{name: "read, reported meanwhile", reported: true, dirty: true, wake: true},
		{name: "failed", err: errors.New("down"), failing: true, wake: true},
		{name: "failed, reported meanwhile", err: errors.New("down"), reported: true, dirty: true, failing: true, wake: true},
		{name: "cut off", err: fmt.Errorf("%w: %w", errReadCutOff, errors.New("slow")), dirty: true, wake: true},
		{name: "failed, unwatched meanwhile", err: errors.New("down"), unwatched: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &handClock{now: time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)}
			watched := []string{"S1"}
			if tt.unwatched {
				watched = nil
			}
			f := testFeed(clock, watched...)
			f.reading["S1"] = struct{}{}
			if tt.reported {
				f.dirty["S1"] = struct{}{}
			}
			f.resynced("S1", tt.err)
			if _, ok := f.reading["S1"]; ok {
				t.Error("S1 is still being read once resynced")
			}
			if _, dirty := f.dirty["S1"]; dirty != tt.dirty {
				t.Errorf("dirty: %v; want %v", dirty, tt.dirty)
			}
			if failing := f.failing["S1"] != nil; failing != tt.failing {
				t.Errorf("failing: %v; want %v", failing, tt.failing)
			}
			if wake := len(f.wake) == 1; wake != tt.wake {
				t.Errorf("woken: %v; want %v", wake, tt.wake)
			}
		})
	}
}
