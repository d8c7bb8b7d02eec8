package boxoffice_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/internal/seatcapload"
)

// counterStore is the in-memory Store on the generic path, like
// genericStore, but with its transactions' UserSeatCounter showing: the
// BookingSystem then counts through the capability instead of through
// the seats.
type counterStore struct{ *boxoffice.MemoryStore }

type counterTx struct {
	boxoffice.ShowTx
	boxoffice.UserSeatCounter
}

func (s counterStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	return s.MemoryStore.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error {
		c, ok := tx.(boxoffice.UserSeatCounter)
		if !ok {
			return errors.New("the in-memory Store's ShowTx is no UserSeatCounter")
		}
		return fn(counterTx{ShowTx: tx, UserSeatCounter: c})
	})
}

// seatCapPaths are the ways the BookingSystem counts a user's seats: the
// in-memory fast path, a Store whose ShowTx counts (UserSeatCounter), and
// the fallback through the seats of a ShowTx that does not.
var seatCapPaths = []storePath{
	{"memory", func(*boxoffice.Config) {}},
	{"counter", func(c *boxoffice.Config) { c.Store = counterStore{c.Store.(*boxoffice.MemoryStore)} }},
	{"fallback", onGenericPath},
}

// TestMaxSeatsPerShow: which of a user's bookings count against the
// per-show seat cap, and that a hold at the cap is granted while one seat
// over is refused, with nothing changed.
func TestMaxSeatsPerShow(t *testing.T) {
	const limit = 6
	tests := []struct {
		name   string
		before func(f *fixture) // the user's (and others') bookings before the request
		seats  []string         // alice's request
		ok     bool
	}{
		{"a first hold at the cap", func(*fixture) {}, []string{"C1", "C2", "C3", "C4", "C5", "C6"}, true},
		{"a first hold over the cap", func(*fixture) {}, []string{"C1", "C2", "C3", "C4", "C5", "C6", "C7"}, false},
		{"held: at the cap", func(f *fixture) { f.hold("alice", "A1", "A2", "A3", "A4") }, []string{"C1", "C2"}, true},
		{"held: one over", func(f *fixture) { f.hold("alice", "A1", "A2", "A3", "A4") }, []string{"C1", "C2", "C3"}, false},
		{"two holds: one over", func(f *fixture) {
			f.hold("alice", "A1", "A2")
			f.hold("alice", "B1", "B2")
		}, []string{"C1", "C2", "C3"}, false},
		{"confirmed: one over", func(f *fixture) { f.confirm(f.hold("alice", "A1", "A2", "A3", "A4")) }, []string{"C1", "C2", "C3"}, false},
		{"confirmed: at the cap", func(f *fixture) { f.confirm(f.hold("alice", "A1", "A2", "A3", "A4")) }, []string{"C1", "C2"}, true},
		{"paying: one over", func(f *fixture) {
			leaveAbandonedPaying(f.t, f.store, f.hold("alice", "A1", "A2", "A3", "A4"))
		}, []string{"C1", "C2", "C3"}, false},
		{"paying past its deadline: one over", func(f *fixture) {
			leaveAbandonedPaying(f.t, f.store, f.hold("alice", "A1", "A2", "A3", "A4"))
			f.clock.Advance(11 * time.Minute)
		}, []string{"C1", "C2", "C3"}, false},
		{"released", func(f *fixture) {
			b := f.hold("alice", "A1", "A2", "A3", "A4")
			mustT[boxoffice.Booking](f.t)(f.sys.ReleaseHold(f.ctx, b.ID))
		}, []string{"C1", "C2", "C3", "C4", "C5", "C6"}, true},
		{"deadline passed, not swept", func(f *fixture) {
			f.hold("alice", "A1", "A2", "A3", "A4")
			f.clock.Advance(10 * time.Minute) // exactly at the deadline: over
		}, []string{"C1", "C2", "C3", "C4", "C5", "C6"}, true},
		{"a second before the deadline", func(f *fixture) {
			f.hold("alice", "A1", "A2", "A3", "A4")
			f.clock.Advance(10*time.Minute - time.Second)
		}, []string{"C1", "C2", "C3"}, false},
		{"expired by the sweeper", func(f *fixture) {
			f.hold("alice", "A1", "A2", "A3", "A4")
			f.clock.Advance(11 * time.Minute)
			mustT[int](f.t)(f.sys.Sweep(f.ctx))
		}, []string{"C1", "C2", "C3", "C4", "C5", "C6"}, true},
		{"cancelled", func(f *fixture) {
			b := f.confirm(f.hold("alice", "A1", "A2", "A3", "A4"))
			mustT[boxoffice.Booking](f.t)(f.sys.CancelBooking(f.ctx, b.ID))
		}, []string{"C1", "C2", "C3", "C4", "C5", "C6"}, true},
		{"failed", func(f *fixture) {
			b := f.hold("alice", "A1", "A2", "A3", "A4")
			f.gateway.script(chargeOutcome{err: boxoffice.ErrPaymentDeclined})
			if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, boxoffice.ErrPaymentFailed) {
				f.t.Fatalf("a declined payment: %v", err)
			}
		}, []string{"C1", "C2", "C3", "C4", "C5", "C6"}, true},
		{"another show", func(f *fixture) {
			other := mustT[boxoffice.Show](f.t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H1",
				Start: f.show.Start.Add(4 * time.Hour), BasePrice: 1500}))
			b, err := f.sys.HoldSeats(f.ctx, "alice", other.ID, []string{"A1", "A2", "A3", "A4", "A5", "A6"})
			if err != nil {
				f.t.Fatal(err)
			}
			f.confirm(b)
		}, []string{"C1", "C2", "C3", "C4", "C5", "C6"}, true},
		{"another user", func(f *fixture) {
			f.confirm(f.hold("bob", "A1", "A2", "A3", "A4"))
			f.hold("bob", "B1", "B2")
		}, []string{"C1", "C2", "C3", "C4", "C5", "C6"}, true},
	}
	for _, path := range seatCapPaths {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				f := newFixture(t, path.edit, func(c *boxoffice.Config) {
					c.MaxSeatsPerShow = limit
					c.MaxLiveHoldsPerUser = -1
				})
				tt.before(f)
				before := f.sys.Stats()
				b, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, tt.seats)
				if tt.ok {
					if err != nil {
						t.Fatalf("HoldSeats(%v): %v; want it granted", tt.seats, err)
					}
					if len(b.Seats) != len(tt.seats) || b.Status != boxoffice.StatusHeld {
						t.Fatalf("HoldSeats(%v) = %+v", tt.seats, b)
					}
					return
				}
				var rl *boxoffice.RateLimitError
				if !errors.As(err, &rl) || rl.Limit != boxoffice.LimitSeatsPerShow || rl.UserID != "alice" || rl.RetryAfter != 0 {
					t.Fatalf("HoldSeats(%v): %v; want a *RateLimitError of alice's %q", tt.seats, err, boxoffice.LimitSeatsPerShow)
				}
				if !errors.Is(err, boxoffice.ErrLimitReached) || errors.Is(err, boxoffice.ErrRateLimited) {
					t.Errorf("%v matches ErrLimitReached %v, ErrRateLimited %v; want true, false", err,
						errors.Is(err, boxoffice.ErrLimitReached), errors.Is(err, boxoffice.ErrRateLimited))
				}
				for _, s := range tt.seats {
					if st := f.seatStatus(s); st != boxoffice.SeatAvailable {
						t.Errorf("seat %s is %v after the refused hold", s, st)
					}
				}
				if after := f.sys.Stats(); after.RateLimited != before.RateLimited || after.Holds != before.Holds {
					t.Errorf("Stats moved from %+v to %+v; the seat cap is not counted in RateLimited", before, after)
				}
			})
		}
	}
}

// TestMaxSeatsPerShowLeavesOtherCallsAlone: at the cap, extending a hold
// and repeating the request of a live hold (a client's retry) still work,
// and once a hold is released its seats may be held again.
func TestMaxSeatsPerShowLeavesOtherCallsAlone(t *testing.T) {
	for _, path := range seatCapPaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit, func(c *boxoffice.Config) { c.MaxSeatsPerShow = 4 })
			a := f.hold("alice", "A1", "A2")
			b := f.hold("alice", "B1", "B2")
			f.clock.Advance(time.Minute)
			if _, err := f.sys.ExtendHold(f.ctx, a.ID); err != nil {
				t.Fatalf("ExtendHold at the cap: %v", err)
			}
			again, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"B2", "B1"})
			if err != nil || again.ID != b.ID {
				t.Fatalf("the request of a live hold again, at the cap: %v, %v; want hold %s", again.ID, err, b.ID)
			}
			if _, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"C1"}); !errors.Is(err, boxoffice.ErrLimitReached) {
				t.Fatalf("a fifth seat: %v; want ErrLimitReached", err)
			}
			mustT[boxoffice.Booking](t)(f.sys.ReleaseHold(f.ctx, a.ID))
			f.hold("alice", "C1", "C2")
		})
	}
}

// TestMaxSeatsPerShowConfig: zero takes the default, no cap, as does a
// negative value.
func TestMaxSeatsPerShowConfig(t *testing.T) {
	for _, limit := range []int{0, -1} {
		f := newFixture(t, func(c *boxoffice.Config) { c.MaxSeatsPerShow = limit })
		if got := f.sys.Config().MaxSeatsPerShow; got != limit {
			t.Errorf("Config().MaxSeatsPerShow = %d, want %d as given", got, limit)
		}
		for _, row := range []string{"A", "B", "C"} {
			seats := make([]string, 10)
			for i := range seats {
				seats[i] = row + strconv.Itoa(i+1)
			}
			f.hold("alice", seats...)
		}
	}
}

// TestMaxSeatsPerShowConcurrent: many goroutines of one user, in two
// BookingSystems sharing one Store, hold, confirm, release and cancel at
// once; a watcher reading consistent snapshots of the show never sees the
// user with more seats than the cap. Run with -race.
func TestMaxSeatsPerShowConcurrent(t *testing.T) {
	const (
		limit   = 5
		workers = 6 // per system
		ops     = 40
	)
	for _, path := range seatCapPaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit, func(c *boxoffice.Config) {
				c.MaxSeatsPerShow = limit
				c.MaxLiveHoldsPerUser = -1
			})
			cfg := f.sys.Config()
			second, err := boxoffice.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = second.Close(context.Background()) })
			var ids []string
			for _, s := range f.hall.Layout.Seats() {
				ids = append(ids, s.ID)
			}
			seatcapload.Run{Systems: []*boxoffice.BookingSystem{f.sys, second}, Watcher: f.store,
				ShowID: f.show.ID, UserID: "alice", SeatIDs: ids, Now: start, // the fixture's clock is not moved
				Limit: limit, Workers: workers, Ops: ops, Seed: 42}.Check(t)
		})
	}
}
