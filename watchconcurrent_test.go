package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/boxoffice-go/boxoffice"
	"go.uber.org/goleak"
	"pgregory.net/rapid"
)

// followAgain is follow for a reader that falls behind: it reads nothing
// until gate is closed, and whenever its stream ends while its ctx is
// live it opens a new one, as Watch tells such a reader to, and applies
// the map that begins it.
func followAgain(t *testing.T, sys *boxoffice.BookingSystem, showID string, layout *boxoffice.Layout, gate <-chan struct{}) *follower {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	stream, err := sys.Watch(ctx, showID)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	fl := &follower{seats: make(map[string]boxoffice.SeatStatus), moved: make(chan struct{}, 1)}
	t.Cleanup(func() {
		if wrong := fl.flagError(); wrong != "" {
			t.Errorf("a Watch stream opened again: %s", wrong)
		}
	})
	go func() {
		select {
		case <-gate:
		case <-ctx.Done():
			return
		}
		for {
			flags := newInitialFlags(layout)
			for u := range stream {
				fl.mu.Lock()
				for _, s := range u.Seats {
					fl.seats[s] = u.Status
				}
				if wrong := flags.next(u); wrong != "" && fl.wrongFlag == "" {
					fl.wrongFlag = wrong
				}
				fl.mu.Unlock()
				select {
				case fl.moved <- struct{}{}:
				default:
				}
			}
			if ctx.Err() != nil {
				return
			}
			if stream, err = sys.Watch(ctx, showID); err != nil {
				if !errors.Is(err, boxoffice.ErrClosed) && ctx.Err() == nil {
					fl.mu.Lock()
					fl.wrongFlag = fmt.Sprintf("Watch again: %v", err)
					fl.mu.Unlock()
				}
				return
			}
		}
	}()
	return fl
}

// watchOp is one call of a user's script in
// TestWatchConvergesUnderConcurrentChanges.
type watchOp struct {
	kind  int      // 0 hold, 1 release, 2 confirm, 3 cancel, 4 extend
	seats []string // for a hold
	which int      // which of the user's bookings, for the others
}

// Users holding, releasing, paying for, cancelling and extending seats of
// one show at once, in one process or two sharing a Store that reports
// changes, while streams open: every stream, and one whose reader was
// held up all along, so that its stream ended and it opened a new one,
// ends with the seat map once the show is quiet. A seat sold is never
// left shown free, nor a free one sold or held.
func TestWatchConvergesUnderConcurrentChanges(t *testing.T) {
	seats := []string{"A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"}
	rapid.Check(t, func(rt *rapid.T) {
		var f *fixture
		var procs []*boxoffice.BookingSystem
		small := func(c *boxoffice.Config) { c.EventBuffer = 2 } // the held-up reader's stream ends
		if rapid.Bool().Draw(rt, "the Store reports changes") {
			var rs *reportingStore
			f = newFixture(t, onReportingStore(&rs), small)
			procs = []*boxoffice.BookingSystem{f.sys, f.otherProcess(rs)}
		} else {
			path := rapid.SampledFrom(storePaths).Draw(rt, "store path")
			f = newFixture(t, path.edit, small)
			procs = []*boxoffice.BookingSystem{f.sys}
		}
		type script struct {
			sys *boxoffice.BookingSystem
			ops []watchOp
		}
		var scripts []script
		for range rapid.IntRange(2, 3).Draw(rt, "users") {
			s := script{sys: procs[rapid.IntRange(0, len(procs)-1).Draw(rt, "process")]}
			for range rapid.IntRange(1, 12).Draw(rt, "calls") {
				op := watchOp{kind: rapid.IntRange(0, 4).Draw(rt, "call")}
				if op.kind == 0 {
					op.seats = rapid.SliceOfNDistinct(rapid.SampledFrom(seats), 1, 2, rapid.ID).Draw(rt, "seats")
				} else {
					op.which = rapid.IntRange(0, 3).Draw(rt, "booking")
				}
				s.ops = append(s.ops, op)
			}
			scripts = append(scripts, s)
		}
		// Every reader opens its stream again when it ends: with a buffer
		// of two updates, any may fall behind.
		open := make(chan struct{})
		close(open)
		gate := make(chan struct{})
		followers := []*follower{followAgain(t, f.sys, f.show.ID, f.hall.Layout, gate)}
		for range rapid.IntRange(0, 2).Draw(rt, "streams opened before") {
			sys := procs[rapid.IntRange(0, len(procs)-1).Draw(rt, "stream's process")]
			followers = append(followers, followAgain(t, sys, f.show.ID, f.hall.Layout, open))
		}
		during := rapid.IntRange(0, 2).Draw(rt, "streams opened during")
		duringProcs := make([]*boxoffice.BookingSystem, during)
		for i := range duringProcs {
			duringProcs[i] = procs[rapid.IntRange(0, len(procs)-1).Draw(rt, "stream's process")]
		}

		var wg sync.WaitGroup
		for u, s := range scripts {
			wg.Go(func() {
				user := fmt.Sprint("user", u)
				var mine []boxoffice.BookingID
				for _, op := range s.ops {
					if op.kind == 0 {
						if b, err := s.sys.HoldSeats(f.ctx, user, f.show.ID, op.seats); err == nil {
							mine = append(mine, b.ID)
						}
						continue
					}
					if len(mine) == 0 {
						continue
					}
					id := mine[op.which%len(mine)]
					switch op.kind {
					case 1:
						_, _ = s.sys.ReleaseHold(f.ctx, id)
					case 2:
						_, _ = s.sys.ConfirmBooking(f.ctx, id, "card")
					case 3:
						_, _ = s.sys.CancelBooking(f.ctx, id)
					case 4:
						_, _ = s.sys.ExtendHold(f.ctx, id)
					}
				}
			})
		}
		for _, sys := range duringProcs {
			followers = append(followers, followAgain(t, sys, f.show.ID, f.hall.Layout, open))
		}
		wg.Wait()
		close(gate)
		followers = append(followers, followAgain(t, procs[len(procs)-1], f.show.ID, f.hall.Layout, open))
		for i, fl := range followers {
			if ok, diff := settle(f, fl); !ok {
				rt.Fatalf("stream %d differs from the seat map: %s", i, diff)
			}
			if wrong := fl.flagError(); wrong != "" {
				rt.Fatalf("stream %d: %s", i, wrong)
			}
		}
	})
}

// TestWatchCancelledUnreadLeavesNothing: streams whose readers stopped
// reading (one mid-way, some before the map) hold up no hold, and once
// their ctx is cancelled, without Close, nothing of them is left: no
// goroutine (the feed's own, started by the first Watch, stays until
// Close) and no open stream.
func TestWatchCancelledUnreadLeavesNothing(t *testing.T) {
	var rs *reportingStore
	f := newFixture(t, onReportingStore(&rs))
	other := f.otherProcess(rs)
	warm, stopWarm := context.WithCancel(f.ctx)
	first := mustT[<-chan boxoffice.SeatUpdate](t)(f.sys.Watch(warm, f.show.ID))
	stopWarm()
	drain(t, first, "the first stream to end")
	running := goleak.IgnoreCurrent()

	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	var streams []<-chan boxoffice.SeatUpdate
	for range 3 {
		streams = append(streams, mustT[<-chan boxoffice.SeatUpdate](t)(f.sys.Watch(ctx, f.show.ID)))
	}
	<-streams[0] // one read a little, then stopped
	for i := range 20 {
		seat := fmt.Sprintf("A%d", i%5+1)
		sys := []*boxoffice.BookingSystem{f.sys, other}[i%2]
		b := mustT[boxoffice.Booking](t)(sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{seat}))
		mustT[boxoffice.Booking](t)(sys.ReleaseHold(f.ctx, b.ID))
	}
	cancel() // and nobody reads the streams any more
	goleak.VerifyNone(t, running)
	if n := f.sys.Stats().WatchStreams; n != 0 {
		t.Errorf("Stats().WatchStreams = %d once every stream's ctx was cancelled; want 0", n)
	}
}
