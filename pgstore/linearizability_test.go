package pgstore_test

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// The linearizability check on PostgreSQL: two BookingSystems, each on a
// Store of its own (its own pool and cache, as two processes have), share
// one schema; clients call either at random, holding, releasing and
// reading seat maps of a few six-seat shows. porcupine then looks for an
// order of the calls, each placed between its call and its return, that a
// sequential model of one show explains. The clock stands still, so no
// hold lapses: what is checked is that the two Stores' caches,
// compare-and-swap commits and locked retries never let a seat go to two
// holds, nor a seat map show a state that was never committed. (The root
// package's check, on the in-memory Store, adds lapses and payments.)

// pgLinLayout is the shows' layout: six seats, fought over.
const pgLinLayout = "A RRR\nB RRR"

type pgLinKind uint8

const (
	pgLinHold pgLinKind = iota
	pgLinRelease
	pgLinSeatMap
)

type pgLinInput struct {
	kind    pgLinKind
	show    string
	user    int
	seats   uint8 // hold: the seats asked for, a bit per layout position
	booking boxoffice.BookingID
}

type pgLinOutput struct {
	ok       bool                // hold: granted (or the same hold returned); release: done
	conflict bool                // the Store gave up (ErrConflict): nothing happened
	booking  boxoffice.BookingID // hold: the booking granted
	held     uint8               // seat map: the seats not available
}

// pgLinState is one show: the booking and user owning each seat.
type pgLinState [6]struct {
	booking boxoffice.BookingID
	user    int
}

func (s pgLinState) owned() (mask uint8) {
	for i, o := range s {
		if !o.booking.IsZero() {
			mask |= 1 << i
		}
	}
	return mask
}

func pgLinStep(s pgLinState, in pgLinInput, out pgLinOutput) (bool, pgLinState) {
	if out.conflict {
		return in.kind != pgLinSeatMap, s
	}
	switch in.kind {
	case pgLinSeatMap:
		return out.held == s.owned(), s
	case pgLinRelease:
		for i := range s {
			if s[i].booking == in.booking {
				s[i].booking, s[i].user = boxoffice.BookingID{}, 0
			}
		}
		return out.ok, s
	}
	// A hold: granted if every seat is free; the same hold returned if the
	// seats are exactly a live hold of the same user; refused otherwise.
	if in.seats&s.owned() == 0 {
		if !out.ok {
			return false, s
		}
		for i := range s {
			if s[i].booking == out.booking {
				return false, s // a new hold must have a new ID
			}
		}
		for i := range s {
			if in.seats&(1<<i) != 0 {
				s[i].booking, s[i].user = out.booking, in.user
			}
		}
		return true, s
	}
	if !out.ok {
		return true, s
	}
	var same uint8
	for i := range s {
		if s[i].booking == out.booking && s[i].user == in.user {
			same |= 1 << i
		}
	}
	return same == in.seats, s
}

func pgLinModel() porcupine.Model {
	return porcupine.Model{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			byShow := map[string][]porcupine.Operation{}
			for _, op := range history {
				show := op.Input.(pgLinInput).show
				byShow[show] = append(byShow[show], op)
			}
			parts := make([][]porcupine.Operation, 0, len(byShow))
			for _, ops := range byShow {
				parts = append(parts, ops)
			}
			return parts
		},
		Init: func() any { return pgLinState{} },
		Step: func(state, input, output any) (bool, any) {
			return pgLinStep(state.(pgLinState), input.(pgLinInput), output.(pgLinOutput))
		},
		Equal: func(a, b any) bool { return a.(pgLinState) == b.(pgLinState) },
		DescribeOperation: func(input, output any) string {
			in, out := input.(pgLinInput), output.(pgLinOutput)
			switch in.kind {
			case pgLinHold:
				return fmt.Sprintf("u%d hold %06b → ok %v %s conflict %v", in.user, in.seats, out.ok, out.booking, out.conflict)
			case pgLinRelease:
				return fmt.Sprintf("release %s → ok %v conflict %v", in.booking, out.ok, out.conflict)
			}
			return fmt.Sprintf("seat map → held %06b", out.held)
		},
	}
}

// TestLinearizableOnPostgres checks a few concurrent histories of two
// BookingSystems on one schema. It also checks that the model refuses a
// history where a seat went to two holds, so that it can fail at all; and
// with the version check taken out of the optimistic commit, every history
// was called illegal (tried by hand).
func TestLinearizableOnPostgres(t *testing.T) {
	t.Parallel()
	const histories, clients, shows, opsEach = 5, 16, 3, 40
	for h := range histories {
		t.Run("history"+strconv.Itoa(h), func(t *testing.T) {
			ops, unexpected := recordPgHistory(t, clients, shows, opsEach, uint64(h))
			for _, u := range unexpected {
				t.Error(u)
			}
			res := porcupine.CheckOperationsTimeout(pgLinModel(), ops, time.Minute)
			if res != porcupine.Ok {
				t.Fatalf("history of %d operations: %v; want linearizable", len(ops), res)
			}
			var granted, refused, conflicts, releases, maps int
			for _, op := range ops {
				in, out := op.Input.(pgLinInput), op.Output.(pgLinOutput)
				switch {
				case out.conflict:
					conflicts++
				case in.kind == pgLinHold && out.ok:
					granted++
				case in.kind == pgLinHold:
					refused++
				case in.kind == pgLinRelease:
					releases++
				default:
					maps++
				}
			}
			t.Logf("%d operations linearizable: %d holds granted, %d refused, %d releases, %d seat maps, %d conflicts",
				len(ops), granted, refused, releases, maps, conflicts)
			if granted == 0 || refused == 0 || releases == 0 || maps == 0 {
				t.Errorf("the history did not exercise every kind of answer")
			}
		})
	}
	t.Run("the model refuses a seat held twice", func(t *testing.T) {
		a, b := boxoffice.NewBookingID(), boxoffice.NewBookingID()
		ops := []porcupine.Operation{
			{ClientId: 0, Call: 1, Return: 2, Input: pgLinInput{kind: pgLinHold, show: "s", user: 1, seats: 0b11}, Output: pgLinOutput{ok: true, booking: a}},
			{ClientId: 1, Call: 3, Return: 4, Input: pgLinInput{kind: pgLinHold, show: "s", user: 2, seats: 0b10}, Output: pgLinOutput{ok: true, booking: b}},
		}
		if res := porcupine.CheckOperations(pgLinModel(), ops); res {
			t.Fatal("a history with seat 1 held by two bookings was called linearizable")
		}
	})
}

// recordPgHistory runs clients against two BookingSystems on one new schema
// and returns what they saw.
func recordPgHistory(t *testing.T, clients, nShows, opsEach int, seed uint64) ([]porcupine.Operation, []string) {
	t.Helper()
	ctx := t.Context()
	pool := testPool(t)
	schema := newSchema(t, pool)
	start := time.Date(2031, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := fakeclock.New(start)
	var systems [2]*boxoffice.BookingSystem
	for i := range systems {
		p := pool
		if i == 1 {
			p = ownPool(t, 8)
		}
		store, err := pgstore.New(p, pgstore.Options{Schema: schema})
		must(t, err)
		sys, err := boxoffice.New(boxoffice.Config{Store: store, Clock: clock, HoldsPerMinute: -1,
			MaxLiveHoldsPerUser: -1, Logger: slog.New(slog.DiscardHandler)})
		must(t, err)
		t.Cleanup(func() { _ = sys.Close(ctx) })
		systems[i] = sys
	}
	layout, err := boxoffice.ParseLayout(pgLinLayout)
	must(t, err)
	seatIDs := make([]string, layout.Len())
	for i, s := range layout.Seats() {
		seatIDs[i] = s.ID
	}
	sys := systems[0]
	_, err = sys.AddMovie(ctx, boxoffice.Movie{ID: "m", Title: "M", Duration: time.Hour})
	must(t, err)
	_, err = sys.AddTheater(ctx, boxoffice.Theater{ID: "t", Name: "T", City: "C"})
	must(t, err)
	shows := make([]string, nShows)
	for i := range shows {
		h, err := sys.AddHall(ctx, boxoffice.Hall{TheaterID: "t", Name: "h", Layout: layout})
		must(t, err)
		s, err := sys.ScheduleShow(ctx, boxoffice.Show{MovieID: "m", HallID: h.ID, Start: start.Add(48 * time.Hour), BasePrice: 1000})
		must(t, err)
		shows[i] = s.ID
	}

	var seq atomic.Int64 // call and return times
	var mu sync.Mutex
	var ops []porcupine.Operation
	var unexpected []string
	pools := make([]struct {
		sync.Mutex
		ids []boxoffice.BookingID
	}, nShows)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(c)))
			user := "u" + strconv.Itoa(c)
			for range opsEach {
				sys := systems[rng.IntN(2)]
				si := rng.IntN(nShows)
				in := pgLinInput{show: shows[si], user: c}
				var out pgLinOutput
				var err error
				switch k := rng.IntN(10); {
				case k < 5: // hold 1–3 seats
					in.kind = pgLinHold
					var want []string
					for len(want) < 1+rng.IntN(3) {
						i := rng.IntN(len(seatIDs))
						if in.seats&(1<<i) == 0 {
							in.seats |= 1 << i
							want = append(want, seatIDs[i])
						}
					}
					call := seq.Add(1)
					var b boxoffice.Booking
					b, err = sys.HoldSeats(ctx, user, in.show, want)
					ret := seq.Add(1)
					var seatErr *boxoffice.SeatError
					switch {
					case err == nil:
						out.ok, out.booking = true, b.ID
						p := &pools[si]
						p.Lock()
						p.ids = append(p.ids, b.ID)
						p.Unlock()
					case errors.As(err, &seatErr) && errors.Is(err, boxoffice.ErrSeatUnavailable):
						err = nil
					}
					if err == nil || errors.Is(err, boxoffice.ErrConflict) {
						out.conflict = err != nil
						mu.Lock()
						ops = append(ops, porcupine.Operation{ClientId: c, Input: in, Call: call, Output: out, Return: ret})
						mu.Unlock()
						err = nil
					}
				case k < 7: // release one of the show's bookings
					in.kind = pgLinRelease
					p := &pools[si]
					p.Lock()
					if len(p.ids) == 0 {
						p.Unlock()
						continue
					}
					in.booking = p.ids[rng.IntN(len(p.ids))]
					p.Unlock()
					call := seq.Add(1)
					_, err = sys.ReleaseHold(ctx, in.booking)
					ret := seq.Add(1)
					if err == nil || errors.Is(err, boxoffice.ErrConflict) {
						out.ok, out.conflict = err == nil, err != nil
						mu.Lock()
						ops = append(ops, porcupine.Operation{ClientId: c, Input: in, Call: call, Output: out, Return: ret})
						mu.Unlock()
						err = nil
					}
				default:
					in.kind = pgLinSeatMap
					call := seq.Add(1)
					var m boxoffice.SeatMap
					m, err = sys.SeatMap(ctx, in.show)
					ret := seq.Add(1)
					if err == nil {
						for i, s := range m.Seats {
							if s.Status != boxoffice.SeatAvailable {
								out.held |= 1 << i
							}
						}
						mu.Lock()
						ops = append(ops, porcupine.Operation{ClientId: c, Input: in, Call: call, Output: out, Return: ret})
						mu.Unlock()
					}
				}
				if err != nil {
					mu.Lock()
					unexpected = append(unexpected, fmt.Sprintf("client %d: %v", c, err))
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return ops, unexpected
}
