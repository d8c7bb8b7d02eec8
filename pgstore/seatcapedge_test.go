package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// TestSeatClaimAtDeadline: the optimistic count (from the cache, in Go)
// and the commit statement's (in SQL, of a now that pgx cuts to the
// microsecond) agree on a hold whose deadline is at or within a
// microsecond of now, to the nanosecond: each count is the documented one
// (held counts only before its deadline) and the claim is accepted, so the
// hold's transaction stays one round trip. A disagreement would show as a
// wrong count from the cache or as a second trip (the locked path).
func TestSeatClaimAtDeadline(t *testing.T) {
	t.Parallel()
	_, schema, show := schemaWithShow(t)
	s, trips := tripCountedStore(t, schema)
	ctx := counted(t.Context())
	deadline := show.Start.Add(-time.Hour) // on the microsecond grid
	hold := func(user string, until time.Time, seats ...string) boxoffice.Booking {
		b := boxoffice.Booking{ID: boxoffice.NewBookingID(), UserID: user, ShowID: show.ID, Status: boxoffice.StatusHeld,
			CreatedAt: until.Add(-10 * time.Minute), HeldUntil: until, UpdatedAt: until.Add(-10 * time.Minute)}
		for _, id := range seats {
			b.Seats = append(b.Seats, boxoffice.BookingSeat{ID: id, Type: boxoffice.Regular, Price: 10_00})
			b.Total += 10_00
		}
		return b
	}
	must(t, s.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error {
		tx.PutBooking(hold("alice", deadline, "A1", "A2"))
		return nil
	}))
	// Once under the lock, so that the cache has alice's list.
	must(t, s.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error {
		_, err := tx.(boxoffice.UserSeatCounter).SeatsOfUser("alice", deadline)
		tx.PutBooking(hold("bob", deadline.Add(time.Hour), "Z1"))
		return err
	}))
	tests := []struct {
		now  time.Duration // from the deadline
		want int
	}{
		{-time.Microsecond, 2},
		{-400 * time.Nanosecond, 2}, // rounded rather than cut, it would be the deadline
		{-time.Nanosecond, 2},
		{0, 0},
		{time.Nanosecond, 0},
		{999 * time.Nanosecond, 0},
		{time.Microsecond, 0},
	}
	for k, tt := range tests {
		now := deadline.Add(tt.now)
		before := trips.n.Load()
		var counts []int
		must(t, s.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error {
			n, err := tx.(boxoffice.UserSeatCounter).SeatsOfUser("alice", now)
			counts = append(counts, n)
			// Another user's hold: a write, so that the claim is checked
			// by a commit, which leaves alice's count as it is.
			tx.PutBooking(hold("bob", deadline.Add(time.Hour), fmt.Sprint("B", k+1)))
			return err
		}))
		for _, n := range counts {
			if n != tt.want {
				t.Errorf("now = deadline%+v: alice's seats counted %v (every run), want %d", tt.now, counts, tt.want)
				break
			}
		}
		if n := trips.n.Load() - before; n != 1 {
			t.Errorf("now = deadline%+v: %d round trips to the show's rows, want 1 (the statement refused the cache's count)", tt.now, n)
		}
	}
}

// TestSeatCapExactAcrossInstances: two BookingSystems on one schema, as
// two processes, each with 6 goroutines holding one seat at a time for
// alice (each its own seats, so that only the cap refuses) and, between
// them, holding and releasing seats for bob, which moves the show on and
// leaves each instance's cache without alice's list. Alice first held the
// cap's worth through both, until exactly the moment the clocks are then
// set to: those holds no longer count. Exactly limit holds must then be
// granted, no more (the cap) and no fewer (no wrong refusal), and the
// stored count, read under the lock by a third Store, is limit.
func TestSeatCapExactAcrossInstances(t *testing.T) {
	t.Parallel()
	const (
		limit   = 4
		workers = 6 // per instance
		tries   = 3 // alice's holds per goroutine
	)
	_, schema, show := schemaWithShow(t)
	base := show.Start.Add(-8 * time.Hour)
	gateway := boxoffice.NewInMemoryGateway()
	var instances []*instance
	for range 2 {
		instances = append(instances, newInstance(t, schema, base, 0, gateway, func(c *boxoffice.Config) {
			c.MaxSeatsPerShow = limit
			c.HoldsPerMinute = -1
			c.MaxLiveHoldsPerUser = -1
		}))
	}
	ctx := t.Context()
	seats := boxoffice.SeedLayout().Seats()
	next := 0
	seat := func() string { next++; return seats[next-1].ID }
	// At the cap, through both instances.
	for k := range limit {
		_, err := instances[k%2].sys.HoldSeats(ctx, "alice", show.ID, []string{seat()})
		must(t, err)
	}
	if _, err := instances[0].sys.HoldSeats(ctx, "alice", show.ID, []string{seat()}); !errors.Is(err, boxoffice.ErrLimitReached) {
		t.Fatalf("a hold past the cap: %v, want ErrLimitReached", err)
	}
	// The holds' deadline, exactly: they no longer count.
	deadline := base.Add(10 * time.Minute)
	for _, in := range instances {
		in.clock.Set(deadline)
	}

	type job struct {
		alice []string
		bob   string // held and released again and again
	}
	var jobs []job
	for range 2 * workers {
		j := job{bob: seat()}
		for range tries {
			j.alice = append(j.alice, seat())
		}
		jobs = append(jobs, j)
	}
	var granted, refused atomic.Int64
	var wg sync.WaitGroup
	for w, j := range jobs {
		sys := instances[w%2].sys
		wg.Go(func() {
			for k := range tries {
				b, err := sys.HoldSeats(ctx, "bob", show.ID, []string{j.bob})
				if err != nil && !errors.Is(err, boxoffice.ErrLimitReached) { // bob has a cap too
					t.Errorf("bob's hold: %v", err)
				} else if err == nil {
					if _, err := sys.ReleaseHold(ctx, b.ID); err != nil {
						t.Errorf("bob's release: %v", err)
					}
				}
				_, err = sys.HoldSeats(ctx, "alice", show.ID, []string{j.alice[k]})
				switch {
				case err == nil:
					granted.Add(1)
				case errors.Is(err, boxoffice.ErrLimitReached):
					refused.Add(1)
				default:
					t.Errorf("alice's hold: %v", err)
				}
			}
		})
	}
	waitGroup(t, &wg, "the concurrent holds and releases")
	if g, r := granted.Load(), refused.Load(); g != limit || r != 2*workers*tries-limit {
		t.Errorf("alice's holds at the deadline of her first %d: %d granted, %d refused at the cap; want %d and %d",
			limit, g, r, limit, 2*workers*tries-limit)
	}
	audit, err := pgstore.New(instances[0].pool, pgstore.Options{Schema: schema}) // no cache: the locked path
	must(t, err)
	must(t, audit.UpdateShow(context.Background(), show.ID, func(tx boxoffice.ShowTx) error {
		n, err := tx.(boxoffice.UserSeatCounter).SeatsOfUser("alice", deadline)
		if err == nil && n != limit {
			t.Errorf("alice's seats stored: %d, want %d", n, limit)
		}
		return err
	}))
}

// TestSeatClaimPutAfterCount: a transaction that counts alice's seats and
// then replaces one of her stored bookings (an extension: same ID, later
// deadline) and adds a hold is checked on the rows as they were when it
// counted: the replaced booking counted once, the claim accepted (one
// round trip), and the stored count afterwards has both.
func TestSeatClaimPutAfterCount(t *testing.T) {
	t.Parallel()
	_, schema, show := schemaWithShow(t)
	s, trips := tripCountedStore(t, schema)
	ctx := counted(t.Context())
	now := show.Start.Add(-2 * time.Hour)
	hold := func(seats ...string) boxoffice.Booking {
		b := boxoffice.Booking{ID: boxoffice.NewBookingID(), UserID: "alice", ShowID: show.ID, Status: boxoffice.StatusHeld,
			CreatedAt: now, HeldUntil: now.Add(10 * time.Minute), UpdatedAt: now}
		for _, id := range seats {
			b.Seats = append(b.Seats, boxoffice.BookingSeat{ID: id, Type: boxoffice.Regular, Price: 10_00})
			b.Total += 10_00
		}
		return b
	}
	first := hold("A1", "A2")
	must(t, s.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error { tx.PutBooking(first); return nil }))
	before := trips.n.Load()
	var counts []int
	must(t, s.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error {
		n, err := tx.(boxoffice.UserSeatCounter).SeatsOfUser("alice", now)
		counts = append(counts, n)
		extended := first
		extended.HeldUntil, extended.Extensions = now.Add(20*time.Minute), 1
		tx.PutBooking(extended)
		tx.PutBooking(hold("A3"))
		return err
	}))
	if len(counts) != 1 || counts[0] != 2 {
		t.Errorf("alice's seats counted %v, want [2]", counts)
	}
	if n := trips.n.Load() - before; n != 1 {
		t.Errorf("%d round trips to the show's rows, want 1 (the statement refused the count)", n)
	}
	must(t, s.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error {
		n, err := tx.(boxoffice.UserSeatCounter).SeatsOfUser("alice", now.Add(15*time.Minute))
		if err == nil && n != 2 {
			t.Errorf("alice's seats stored, past the first deadline: %d, want 2 (the extended hold)", n)
		}
		return err
	}))
}
