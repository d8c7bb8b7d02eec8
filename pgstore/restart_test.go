package pgstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/storetest"
)

// TestRestartKeepsEverything books, pays, cancels and holds through one
// BookingSystem, closes it and its pool, and starts another on the same
// schema: every booking and seat is as it was, and the new system's sweeper
// expires the holds that lapsed, whether before it started (found by the
// rescan at start) or after (found by the periodic rescan).
func TestRestartKeepsEverything(t *testing.T) {
	t.Parallel()
	admin := testPool(t)
	schema := newSchema(t, admin)
	ctx := t.Context()
	base := time.Date(2030, time.June, 1, 9, 0, 0, 0, time.UTC)
	gateway := boxoffice.NewInMemoryGateway()
	limits := func(c *boxoffice.Config) { c.HoldsPerMinute = -1 } // 10-minute holds, the default

	// Before the restart.
	before := newInstance(t, schema, base, 0, gateway, limits)
	sys := before.sys
	show := scheduleRexShow(t, sys, boxoffice.Movie{Title: "Alien", Duration: 117 * time.Minute, Genres: []string{"horror", "sci-fi"}}, base.Add(72*time.Hour))

	hold := func(user string, seats ...string) boxoffice.Booking {
		t.Helper()
		b, err := sys.HoldSeats(ctx, user, show.ID, seats)
		must(t, err)
		return b
	}
	alice := hold("alice", "A1", "A2") // confirmed
	_, err := sys.ConfirmBooking(ctx, alice.ID, "card:tok_visa")
	must(t, err)
	carol := hold("carol", "C1", "C2") // confirmed, then cancelled with a refund
	_, err = sys.ConfirmBooking(ctx, carol.ID, "card:tok_visa")
	must(t, err)
	_, err = sys.CancelBooking(ctx, carol.ID)
	must(t, err)
	dave := hold("dave", "D1") // released
	_, err = sys.ReleaseHold(ctx, dave.ID)
	must(t, err)
	frank := hold("frank", "F1") // held until base+10m: lapses before the restart
	before.clock.Advance(5 * time.Minute)
	bob := hold("bob", "B1", "B2") // held until base+15m: lapses after the restart

	users := []string{"alice", "bob", "carol", "dave", "frank"}
	was := map[string][]boxoffice.Booking{}
	for _, u := range users {
		was[u], err = sys.BookingsOfUser(ctx, u, boxoffice.BookingPage{})
		must(t, err)
	}
	mapBefore, err := sys.SeatMap(ctx, show.ID)
	must(t, err)
	must(t, sys.Close(ctx))
	before.pool.Close()

	// The restart: a new pool, Store, clock and system, at base+12m.
	after := newInstance(t, schema, base.Add(12*time.Minute), 0, gateway, limits)
	sys = after.sys
	for _, u := range users {
		now, err := sys.BookingsOfUser(ctx, u, boxoffice.BookingPage{})
		must(t, err)
		if len(now) != len(was[u]) {
			t.Fatalf("%s had %d bookings before the restart and %d after", u, len(was[u]), len(now))
		}
		for i := range now {
			if d := storetest.DiffBooking(was[u][i], now[i]); d != "" {
				t.Errorf("%s's booking after the restart: %s", u, d)
			}
		}
	}
	mapAfter, err := sys.SeatMap(ctx, show.ID)
	must(t, err)
	for i, seat := range mapAfter.Seats {
		want := mapBefore.Seats[i].Status
		if seat.ID == "F1" {
			want = boxoffice.SeatAvailable // frank's hold lapsed at base+10m
		}
		if seat.Status != want {
			t.Errorf("seat %s after the restart: %v, want %v", seat.ID, seat.Status, want)
		}
	}
	if _, err := sys.HoldSeats(ctx, "erin", show.ID, []string{"B2"}); !errors.Is(err, boxoffice.ErrSeatUnavailable) {
		t.Errorf("holding bob's live hold's seat after the restart: %v, want ErrSeatUnavailable", err)
	}

	// The sweeper rescanned the Store when it started and found frank's
	// lapsed hold; its first sweep expires it.
	sweep := func(d time.Duration) {
		t.Helper()
		waitForTimers(t, after.clock, 1, "the sweeper to wait for its tick")
		after.clock.Advance(d)
		waitForTimers(t, after.clock, 1, "the sweeper to sweep and wait again")
	}
	sweep(time.Second)
	wantStatus(t, sys, frank.ID, boxoffice.StatusExpired)
	wantStatus(t, sys, bob.ID, boxoffice.StatusHeld)

	// Bob's hold lapses at base+15m: his seats are free at once, and the
	// sweeper's next rescan (every minute) and sweep expire the booking.
	sweep(4 * time.Minute)
	sweep(time.Second)
	wantStatus(t, sys, bob.ID, boxoffice.StatusExpired)
	if got := sys.Stats().Expired; got != 2 {
		t.Errorf("the new system expired %d holds, want 2 (frank's and bob's)", got)
	}
	erin, err := sys.HoldSeats(ctx, "erin", show.ID, []string{"B1", "B2", "F1"})
	must(t, err)
	erin, err = sys.ConfirmBooking(ctx, erin.ID, "card:tok_visa")
	must(t, err)
	if erin.Status != boxoffice.StatusConfirmed {
		t.Errorf("erin's booking: %v", erin.Status)
	}
	auditSchema(t, admin, schema, boxoffice.SeedLayout())
}

func wantStatus(t *testing.T, sys *boxoffice.BookingSystem, id boxoffice.BookingID, want boxoffice.BookingStatus) {
	t.Helper()
	b, err := sys.Booking(t.Context(), id)
	must(t, err)
	if b.Status != want {
		t.Errorf("booking %v of %s: %v, want %v", id, b.UserID, b.Status, want)
	}
}
