package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/internal/testwait"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// instance is one BookingSystem with its own pool, Store and clock, as one
// process of a service would have.
type instance struct {
	sys   *boxoffice.BookingSystem
	pool  *pgxpool.Pool
	clock *fakeclock.Clock
}

// newInstance starts a BookingSystem on schema with its clock at base+skew.
func newInstance(t *testing.T, schema string, base time.Time, skew time.Duration, gw boxoffice.PaymentGateway, tune func(*boxoffice.Config)) *instance {
	t.Helper()
	return newInstanceWith(t, pgstore.Options{Schema: schema}, base, skew, gw, tune)
}

// newInstanceWith is newInstance with a Store of opts.
func newInstanceWith(t *testing.T, opts pgstore.Options, base time.Time, skew time.Duration, gw boxoffice.PaymentGateway, tune func(*boxoffice.Config)) *instance {
	t.Helper()
	pool := ownPool(t, 6)
	store, err := pgstore.New(pool, opts)
	if err != nil {
		t.Fatal(err)
	}
	clock := fakeclock.New(base.Add(skew))
	if gw == nil {
		gw = boxoffice.NewInMemoryGateway() // this instance's own: it knows only the charges made through it
	}
	cfg := boxoffice.Config{
		Store: store, Clock: clock, Gateway: gw,
		Logger:         slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		PaymentBackoff: -1,
	}
	if tune != nil {
		tune(&cfg)
	}
	sys, err := boxoffice.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sys.Close(context.Background()) })
	return &instance{sys: sys, pool: pool, clock: clock}
}

// TestMultiInstanceNeverDoubleSells runs four BookingSystems on one schema,
// each with its own pool, process-local state and a clock up to two
// minutes off the others, 32 goroutines each holding, paying, releasing and
// cancelling seats of three shows. Holds last one minute, so the instance
// whose clock runs ahead sees the others' holds as lapsed and takes their
// seats while they pay. Afterwards a SQL audit checks that no seat has two
// owners and that the money adds up.
func TestMultiInstanceNeverDoubleSells(t *testing.T) {
	t.Parallel()
	admin := testPool(t)
	schema := newSchema(t, admin)
	ctx := t.Context()
	base := time.Date(2030, time.May, 1, 12, 0, 0, 0, time.UTC)
	gateway := boxoffice.NewInMemoryGateway() // one payment provider for all instances
	skews := []time.Duration{-2 * time.Minute, -45 * time.Second, 30 * time.Second, 2 * time.Minute}
	instances := make([]*instance, len(skews))
	for i, skew := range skews {
		instances[i] = newInstance(t, schema, base, skew, gateway, func(c *boxoffice.Config) {
			c.HoldTTL = time.Minute
			c.HoldsPerMinute = -1
			c.MaxLiveHoldsPerUser = -1
		})
	}

	// The catalog, through the first instance: three shows of the seed hall.
	first := instances[0].sys
	movie, err := first.AddMovie(ctx, boxoffice.Movie{Title: "Heat", Duration: 170 * time.Minute})
	must(t, err)
	theater, err := first.AddTheater(ctx, boxoffice.Theater{Name: "Odeon", City: "Springfield"})
	must(t, err)
	layout := boxoffice.SeedLayout()
	var shows []string
	for k := range 3 {
		hall, err := first.AddHall(ctx, boxoffice.Hall{TheaterID: theater.ID, Name: fmt.Sprint("Screen ", k), Layout: layout})
		must(t, err)
		sh, err := first.ScheduleShow(ctx, boxoffice.Show{MovieID: movie.ID, HallID: hall.ID, Start: base.Add(48 * time.Hour), BasePrice: 10_00})
		must(t, err)
		shows = append(shows, sh.ID)
	}
	// The fight is over the first 24 seats of each show.
	hot := layout.Seats()[:24]

	const workersPerInstance, opsPerWorker = 32, 6
	var (
		mu        sync.Mutex
		owned     = map[string]boxoffice.BookingID{} // "show/seat" → the confirmed booking its client believes owns it
		confirmed = map[boxoffice.BookingID]bool{}   // confirmed and not cancelled, as the clients saw it
		// A cancellation frees its seats when its transaction commits,
		// before CancelBooking has paid the refund and returned: another
		// client may meanwhile buy a seat its client still believes it
		// owns. Such a sale waits on the cancellation: a double sale if
		// the cancellation fails.
		cancelling = map[boxoffice.BookingID][]string{} // booking being cancelled → seats sold meanwhile
		counts     struct{ holds, conflicts, confirms, lost, releases, cancels atomic.Int64 }
		wg         sync.WaitGroup
	)
	claim := func(b boxoffice.Booking) {
		mu.Lock()
		defer mu.Unlock()
		confirmed[b.ID] = true
		for _, s := range b.Seats {
			key := b.ShowID + "/" + s.ID
			if other, ok := owned[key]; ok {
				if sold, ok := cancelling[other]; ok {
					cancelling[other] = append(sold, key)
				} else {
					t.Errorf("seat %s sold twice: to booking %v and booking %v", key, other, b.ID)
				}
			}
			owned[key] = b.ID
		}
	}
	startCancel := func(b boxoffice.Booking) {
		mu.Lock()
		defer mu.Unlock()
		cancelling[b.ID] = nil
	}
	// endCancel ends the cancellation of b, which succeeded or not.
	endCancel := func(b boxoffice.Booking, ok bool) {
		mu.Lock()
		defer mu.Unlock()
		sold := cancelling[b.ID]
		delete(cancelling, b.ID)
		if !ok {
			for _, key := range sold {
				t.Errorf("seat %s sold twice: to booking %v, whose cancellation failed, and to another", key, b.ID)
			}
			return
		}
		delete(confirmed, b.ID)
		for _, s := range b.Seats {
			if key := b.ShowID + "/" + s.ID; owned[key] == b.ID {
				delete(owned, key)
			}
		}
	}
	// expected reports the errors a fair fight may produce.
	expected := func(err error) bool {
		return errors.Is(err, boxoffice.ErrSeatUnavailable) || errors.Is(err, boxoffice.ErrHoldExpired) ||
			errors.Is(err, boxoffice.ErrPaymentFailed) || errors.Is(err, boxoffice.ErrInvalidTransition)
	}
	for i, in := range instances {
		for w := range workersPerInstance {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(i), uint64(w)))
				user := fmt.Sprintf("user-%d-%d", i, w)
				for range opsPerWorker {
					if rng.IntN(3) == 0 {
						in.clock.Advance(20 * time.Second) // time passes: holds lapse, the sweeper runs
					}
					show := shows[rng.IntN(len(shows))]
					var seats []string
					for _, k := range rng.Perm(len(hot))[:1+rng.IntN(4)] {
						seats = append(seats, hot[k].ID)
					}
					b, err := in.sys.HoldSeats(ctx, user, show, seats)
					if err != nil {
						if !errors.Is(err, boxoffice.ErrSeatUnavailable) {
							t.Errorf("instance %d: hold: %v", i, err)
							return
						}
						counts.conflicts.Add(1)
						continue
					}
					counts.holds.Add(1)
					switch r := rng.IntN(4); {
					case r < 2:
						b, err = in.sys.ConfirmBooking(ctx, b.ID, "card:tok_visa")
						switch {
						case err == nil:
							counts.confirms.Add(1)
							claim(b)
							if rng.IntN(3) == 0 {
								startCancel(b)
								c, err := in.sys.CancelBooking(ctx, b.ID)
								endCancel(b, err == nil)
								if err != nil {
									t.Errorf("instance %d: cancel: %v", i, err)
									return
								}
								b = c
								counts.cancels.Add(1)
							}
						case expected(err):
							counts.lost.Add(1)
						default:
							t.Errorf("instance %d: confirm: %v", i, err)
							return
						}
					case r == 2:
						if _, err := in.sys.ReleaseHold(ctx, b.ID); err != nil && !expected(err) {
							t.Errorf("instance %d: release: %v", i, err)
							return
						}
						counts.releases.Add(1)
					default: // walk away: the hold lapses
					}
				}
			})
		}
	}
	waitGroup(t, &wg, "the instances' workers to finish their operations")
	for i, in := range instances {
		// Once the sweeper has re-armed its timer, it is between sweeps.
		waitForTimers(t, in.clock, 1, fmt.Sprintf("instance %d's sweeper to wait between sweeps", i))
		if st := in.sys.Stats(); st.StoreConflictErr != 0 || st.SweeperErrors != 0 {
			t.Errorf("instance %d: %d store conflicts, %d sweeper errors", i, st.StoreConflictErr, st.SweeperErrors)
		}
		closeCtx, cancel := context.WithTimeout(ctx, testwait.Bound)
		if err := in.sys.Close(closeCtx); err != nil {
			t.Errorf("instance %d: Close (bounded by %v): %v", i, testwait.Bound, err)
		}
		cancel()
	}
	t.Logf("holds %d, refused %d, confirmed %d, lost or refused at payment %d, released %d, cancelled %d",
		counts.holds.Load(), counts.conflicts.Load(), counts.confirms.Load(), counts.lost.Load(), counts.releases.Load(), counts.cancels.Load())
	if counts.confirms.Load() == 0 || counts.conflicts.Load() == 0 {
		t.Fatal("the instances did not contend: the test proves nothing")
	}

	a := auditSchema(t, admin, schema, layout)
	for id := range confirmed {
		if b, ok := a.bookings[id]; !ok || b.Status != boxoffice.StatusConfirmed {
			t.Errorf("booking %v was confirmed to its client but is %v in the database", id, b.Status)
		}
	}
	charged, refunded := gateway.Totals()
	if kept := charged - refunded; kept != a.moneyKept {
		t.Errorf("the gateway kept %s, the bookings account for %s", kept, a.moneyKept)
	}
}

// audit is what auditSchema read.
type audit struct {
	bookings  map[boxoffice.BookingID]boxoffice.Booking
	moneyKept boxoffice.Money // payments minus refunds over all bookings
}

// auditSchema reads every seat inventory and every booking of a schema
// with plain SQL and checks that they agree: every taken seat belongs to
// one live booking that lists it (a booked seat to a confirmed booking),
// every confirmed booking's seats are booked to it, no seat is in two
// confirmed bookings, and no failed booking kept money.
func auditSchema(t *testing.T, pool *pgxpool.Pool, schema string, layout *boxoffice.Layout) audit {
	t.Helper()
	ctx := context.Background()
	s := pgx.Identifier{schema}.Sanitize()

	// The inventories, decoded in SQL: 25 bytes a seat, status byte then
	// booking ID.
	rows, err := pool.Query(ctx, `
		SELECT v.show_id, i, get_byte(v.seats, i * 25),
		       encode(substring(v.seats FROM i * 25 + 2 FOR 16), 'hex')::uuid
		FROM `+s+`.show_seats v, generate_series(0, length(v.seats) / 25 - 1) AS i
		ORDER BY 1, 2`)
	must(t, err)
	type slot struct {
		show    string
		seat    int
		status  boxoffice.SeatStatus
		booking boxoffice.BookingID
	}
	slots, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (slot, error) {
		var sl slot
		var id [16]byte
		var status int32
		err := r.Scan(&sl.show, &sl.seat, &status, &id)
		sl.status, sl.booking = boxoffice.SeatStatus(status), boxoffice.BookingID(id)
		return sl, err
	})
	must(t, err)

	// The bookings, read back through a Store.
	st, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	var users []string
	must(t, pool.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT user_id), '{}') FROM `+s+`.bookings`).Scan(&users))
	a := audit{bookings: map[boxoffice.BookingID]boxoffice.Booking{}}
	for _, u := range users {
		var bs []boxoffice.Booking
		for after := (boxoffice.BookingCursor{}); ; {
			page, err := st.BookingsOfUser(ctx, u, after, boxoffice.MaxPageLimit, boxoffice.OldestFirst)
			must(t, err)
			bs = append(bs, page...)
			if len(page) < boxoffice.MaxPageLimit {
				break
			}
			after = boxoffice.BookingCursor{At: page[len(page)-1].CreatedAt, ID: page[len(page)-1].ID}
		}
		for _, b := range bs {
			a.bookings[b.ID] = b
			a.moneyKept += b.Payment.Amount - b.Refund.Amount
			if b.Status == boxoffice.StatusFailed && b.Payment.Amount > b.Refund.Amount {
				t.Errorf("failed booking %v kept %s", b.ID, b.Payment.Amount-b.Refund.Amount)
			}
		}
	}

	// Every taken seat belongs to a live booking of its show that lists it.
	bookedTo := map[string]boxoffice.BookingID{}
	for _, sl := range slots {
		seatID := layout.Seat(sl.seat).ID
		key := sl.show + "/" + seatID
		switch sl.status {
		case boxoffice.SeatAvailable:
			continue
		case boxoffice.SeatBooked:
			bookedTo[key] = sl.booking
		}
		b, ok := a.bookings[sl.booking]
		switch {
		case !ok:
			t.Errorf("seat %s is %v by booking %v, which does not exist", key, sl.status, sl.booking)
		case b.ShowID != sl.show || !slices.ContainsFunc(b.Seats, func(s boxoffice.BookingSeat) bool { return s.ID == seatID }):
			t.Errorf("seat %s is %v by booking %v, which does not list it", key, sl.status, b.ID)
		case sl.status == boxoffice.SeatBooked && b.Status != boxoffice.StatusConfirmed:
			t.Errorf("seat %s is booked by booking %v in state %v", key, b.ID, b.Status)
		case sl.status == boxoffice.SeatHeld && b.Status != boxoffice.StatusHeld && b.Status != boxoffice.StatusPaying:
			t.Errorf("seat %s is held by booking %v in state %v", key, b.ID, b.Status)
		}
	}
	// Every confirmed booking's seats are booked to it.
	for _, b := range a.bookings {
		if b.Status != boxoffice.StatusConfirmed {
			continue
		}
		for _, seat := range b.Seats {
			if key := b.ShowID + "/" + seat.ID; bookedTo[key] != b.ID {
				t.Errorf("confirmed booking %v lists seat %s, which is booked to %v", b.ID, key, bookedTo[key])
			}
		}
	}
	// And, in SQL alone: no seat is in two confirmed bookings.
	var doubles int
	must(t, pool.QueryRow(ctx, `SELECT count(*) FROM (
		SELECT b.show_id, seat->>'id' FROM `+s+`.bookings b, jsonb_array_elements(b.seats) AS seat
		WHERE b.status = 'confirmed' GROUP BY 1, 2 HAVING count(*) > 1) AS d`).Scan(&doubles))
	if doubles != 0 {
		t.Errorf("%d seats are in more than one confirmed booking", doubles)
	}
	return a
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }
