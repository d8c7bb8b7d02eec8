package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// TestIdleUsersForgottenWhateverRescanInterval: the per-user limits forget
// a user with no live hold and a full token bucket within about a minute,
// however long Config.RescanInterval is (it paces the Store rescans, which
// a single process on the MemoryStore does not need): else the limits
// would keep the state of every user ever seen.
func TestIdleUsersForgottenWhateverRescanInterval(t *testing.T) {
	const sweep = 10 * time.Second
	for _, rescan := range []time.Duration{time.Minute, 30 * 24 * time.Hour} {
		t.Run(fmt.Sprint(rescan), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			clock := fakeclock.New(start)
			sys, err := boxoffice.New(boxoffice.Config{Clock: clock, SweepInterval: sweep, RescanInterval: rescan,
				Logger: slog.New(slog.DiscardHandler)}) // default limits: 3 holds a minute, 5 live
			if err != nil {
				t.Fatal(err)
			}
			defer sys.Close(ctx)
			mustT[boxoffice.Movie](t)(sys.AddMovie(ctx, boxoffice.Movie{ID: "m", Title: "M", Duration: time.Hour}))
			mustT[boxoffice.Theater](t)(sys.AddTheater(ctx, boxoffice.Theater{ID: "t", Name: "T", City: "C"}))
			mustT[boxoffice.Hall](t)(sys.AddHall(ctx, boxoffice.Hall{ID: "h", TheaterID: "t", Name: "H", Layout: boxoffice.SeedLayout()}))
			show := mustT[boxoffice.Show](t)(sys.ScheduleShow(ctx, boxoffice.Show{ID: "s", MovieID: "m", HallID: "h",
				Start: start.Add(48 * time.Hour), BasePrice: 100}))
			const users = 100
			for i := range users {
				b := mustT[boxoffice.Booking](t)(sys.HoldSeats(ctx, fmt.Sprintf("user%d", i), show.ID, []string{"A1"}))
				mustT[boxoffice.Booking](t)(sys.ReleaseHold(ctx, b.ID))
			}
			if n := boxoffice.LimitUsersForTest(sys); n != users {
				t.Fatalf("the limits keep %d users after %d made a hold; want %d", n, users, users)
			}
			// Two minutes, one sweeper tick at a time: each wait returns
			// once the sweeper has re-armed its timer, its tick done.
			for range 2 * time.Minute / sweep {
				if err := clock.WaitForTimers(ctx, 1); err != nil {
					t.Fatal(err)
				}
				clock.Advance(sweep)
			}
			if err := clock.WaitForTimers(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if n := boxoffice.LimitUsersForTest(sys); n > 0 {
				t.Errorf("RescanInterval %s: two minutes after %d users each made one hold, released at once, the limits still keep %d of them",
					rescan, users, n)
			}
		})
	}
}

// TestIdleEvictionKeepsARateLimitedUser: the sweeper forgets a user only
// once the token bucket is full again; forgetting one who has just used
// up HoldsPerMinute would hand out a fresh bucket, and with it as many
// holds again at once.
func TestIdleEvictionKeepsARateLimitedUser(t *testing.T) {
	const tick = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	clock := fakeclock.New(start)
	// RescanInterval tick: the limits are looked at on every tick.
	sys, err := boxoffice.New(boxoffice.Config{Clock: clock, SweepInterval: tick, RescanInterval: tick,
		HoldsPerMinute: 3, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close(ctx)
	mustT[boxoffice.Movie](t)(sys.AddMovie(ctx, boxoffice.Movie{ID: "m", Title: "M", Duration: time.Hour}))
	mustT[boxoffice.Theater](t)(sys.AddTheater(ctx, boxoffice.Theater{ID: "t", Name: "T", City: "C"}))
	mustT[boxoffice.Hall](t)(sys.AddHall(ctx, boxoffice.Hall{ID: "h", TheaterID: "t", Name: "H", Layout: boxoffice.SeedLayout()}))
	show := mustT[boxoffice.Show](t)(sys.ScheduleShow(ctx, boxoffice.Show{ID: "s", MovieID: "m", HallID: "h",
		Start: start.Add(48 * time.Hour), BasePrice: 100}))
	if err := clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for _, seat := range []string{"A1", "A2", "A3"} { // no live hold left: the bucket alone keeps the user
		b := mustT[boxoffice.Booking](t)(sys.HoldSeats(ctx, "alice", show.ID, []string{seat}))
		mustT[boxoffice.Booking](t)(sys.ReleaseHold(ctx, b.ID))
	}
	if _, err := sys.HoldSeats(ctx, "alice", show.ID, []string{"A4"}); !errors.Is(err, boxoffice.ErrRateLimited) {
		t.Fatalf("a fourth hold in the minute: %v; want ErrRateLimited", err)
	}
	// Half a token back; the wait returns once the tick is done.
	clock.Advance(tick)
	if err := clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := boxoffice.LimitUsersForTest(sys); n != 1 {
		t.Errorf("the limits keep %d users after a tick; want alice, her bucket not full", n)
	}
	if _, err := sys.HoldSeats(ctx, "alice", show.ID, []string{"A4"}); !errors.Is(err, boxoffice.ErrRateLimited) {
		t.Errorf("a hold %s after using up the minute's holds: %v; want ErrRateLimited", tick, err)
	}
}
