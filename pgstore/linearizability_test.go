package pgstore_test

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
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
// reading seat maps of a few six-seat shows, while one more moves their
// shared fake clock so that holds lapse (and the sweepers expire them).
// porcupine then looks for an order of the calls, each placed between its
// call and its return, that a sequential model of one show explains: the
// two Stores' caches, compare-and-swap commits and locked retries must
// never let a seat go to two live holds, refuse a seat that was free, or
// show a seat map that was never committed. (The root package's check, on
// the in-memory Store, adds payments.)

// pgLinLayout is the shows' layout: six seats, fought over.
const pgLinLayout = "A RRR\nB RRR"

type pgLinKind uint8

const (
	pgLinHold pgLinKind = iota
	pgLinRelease
	pgLinSeatMap
	pgLinAdvance // the clock moves to the input's at: part of every show's history
)

// pgLinTTL is the hold TTL.
const pgLinTTL = 2 * time.Minute

type pgLinInput struct {
	kind    pgLinKind
	show    string
	user    int
	seats   uint8 // hold: the seats asked for, a bit per layout position
	booking boxoffice.BookingID
	at      time.Duration // the clock at the call (advance: its new time), from the start
}

type pgLinOutput struct {
	ok       bool                // hold: granted (or the same hold returned); release: done
	expired  bool                // release: refused, the hold had lapsed
	conflict bool                // the Store gave up (ErrConflict): nothing happened
	booking  boxoffice.BookingID // hold: the booking granted
	until    time.Duration       // hold: its deadline, from the start
	held     uint8               // seat map: the seats not available
	at       time.Duration       // seat map: the clock it was read at
}

// pgLinState is one show at a time: its holds, and the seats they were
// given. A hold owns its seats while it is neither released nor lapsed.
//
// An operation reads the clock at some point of its own, which is not the
// model's now at the point the operation takes effect: a transaction reads
// it while it runs, before its commit takes effect (so at a time between
// its call and now), and a seat map reads it after PostgreSQL took its
// snapshot (so at now or later, and it says when). Lapsing only frees
// seats as time goes on, so a hold refused at some time in that range was
// refused at the call's time, and so on.
type pgLinState struct {
	now   time.Duration
	holds map[boxoffice.BookingID]pgLinHoldState // never modified: copied on write
}

type pgLinHoldState struct {
	user     int
	seats    uint8
	until    time.Duration
	released bool
}

func (h pgLinHoldState) liveAt(t time.Duration) bool { return !h.released && t < h.until }

// ownedAt returns the seats of the holds live at t.
func (s pgLinState) ownedAt(t time.Duration) (mask uint8) {
	for _, h := range s.holds {
		if h.liveAt(t) {
			mask |= h.seats
		}
	}
	return mask
}

func (s pgLinState) with(id boxoffice.BookingID, h pgLinHoldState) pgLinState {
	holds := make(map[boxoffice.BookingID]pgLinHoldState, len(s.holds)+1)
	maps.Copy(holds, s.holds)
	holds[id] = h
	return pgLinState{now: s.now, holds: holds}
}

func pgLinStep(s pgLinState, in pgLinInput, out pgLinOutput) (bool, pgLinState) {
	if in.kind == pgLinAdvance {
		if in.at < s.now {
			return false, s
		}
		return true, pgLinState{now: in.at, holds: s.holds}
	}
	if in.at > s.now {
		return false, s // it cannot take effect before the clock it was called at
	}
	if out.conflict {
		return in.kind == pgLinHold || in.kind == pgLinRelease, s
	}
	switch in.kind {
	case pgLinSeatMap:
		return s.now <= out.at && out.held == s.ownedAt(out.at), s
	case pgLinRelease:
		h, ok := s.holds[in.booking]
		switch {
		case !ok:
			return false, s
		case h.released:
			return out.ok, s // released twice: a no-op
		case out.expired:
			return h.until <= s.now, s
		case !out.ok || in.at >= h.until:
			return false, s
		}
		h.released = true
		return true, s.with(in.booking, h)
	}
	// A hold: granted, until its clock plus the TTL, if every seat was
	// free at its clock; the same hold returned if the seats are exactly
	// a live hold of the same user; refused otherwise.
	if !out.ok {
		return in.seats&s.ownedAt(in.at) != 0, s
	}
	if h, ok := s.holds[out.booking]; ok {
		return h.liveAt(in.at) && h.user == in.user && h.seats == in.seats, s
	}
	at := out.until - pgLinTTL
	if at < in.at || at > s.now || in.seats&s.ownedAt(at) != 0 {
		return false, s
	}
	return true, s.with(out.booking, pgLinHoldState{user: in.user, seats: in.seats, until: out.until})
}

func pgLinModel() porcupine.Model {
	return porcupine.Model{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			byShow := map[string][]porcupine.Operation{}
			var clock []porcupine.Operation
			for _, op := range history {
				if in := op.Input.(pgLinInput); in.kind == pgLinAdvance {
					clock = append(clock, op)
				} else {
					byShow[in.show] = append(byShow[in.show], op)
				}
			}
			parts := make([][]porcupine.Operation, 0, len(byShow))
			for _, ops := range byShow {
				parts = append(parts, append(ops, clock...))
			}
			return parts
		},
		Init: func() any { return pgLinState{} },
		Step: func(state, input, output any) (bool, any) {
			return pgLinStep(state.(pgLinState), input.(pgLinInput), output.(pgLinOutput))
		},
		Equal: func(a, b any) bool {
			x, y := a.(pgLinState), b.(pgLinState)
			return x.now == y.now && maps.Equal(x.holds, y.holds)
		},
		DescribeOperation: func(input, output any) string {
			in, out := input.(pgLinInput), output.(pgLinOutput)
			switch in.kind {
			case pgLinHold:
				return fmt.Sprintf("u%d hold %06b → ok %v %s until %s conflict %v", in.user, in.seats, out.ok, out.booking, out.until, out.conflict)
			case pgLinRelease:
				return fmt.Sprintf("release %s → ok %v expired %v conflict %v", in.booking, out.ok, out.expired, out.conflict)
			case pgLinAdvance:
				return fmt.Sprintf("clock to %s", in.at)
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
			var granted, refused, conflicts, releases, lapsed, seatMaps, moves int
			for _, op := range ops {
				in, out := op.Input.(pgLinInput), op.Output.(pgLinOutput)
				switch {
				case out.conflict:
					conflicts++
				case in.kind == pgLinHold && out.ok:
					granted++
				case in.kind == pgLinHold:
					refused++
				case in.kind == pgLinRelease && out.expired:
					lapsed++
				case in.kind == pgLinRelease:
					releases++
				case in.kind == pgLinAdvance:
					moves++
				default:
					seatMaps++
				}
			}
			t.Logf("%d operations linearizable: %d holds granted, %d refused, %d releases, %d of lapsed holds, %d seat maps, %d clock moves, %d conflicts",
				len(ops), granted, refused, releases, lapsed, seatMaps, moves, conflicts)
			if granted == 0 || refused == 0 || releases == 0 || lapsed == 0 || seatMaps == 0 || moves == 0 {
				t.Errorf("the history did not exercise every kind of answer")
			}
		})
	}
	t.Run("the model refuses a seat held twice", func(t *testing.T) {
		a, b := boxoffice.NewBookingID(), boxoffice.NewBookingID()
		ops := []porcupine.Operation{
			{ClientId: 0, Call: 1, Return: 2, Input: pgLinInput{kind: pgLinHold, show: "s", user: 1, seats: 0b11}, Output: pgLinOutput{ok: true, booking: a, until: pgLinTTL}},
			{ClientId: 1, Call: 3, Return: 4, Input: pgLinInput{kind: pgLinHold, show: "s", user: 2, seats: 0b10}, Output: pgLinOutput{ok: true, booking: b, until: pgLinTTL}},
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
			MaxLiveHoldsPerUser: -1, HoldTTL: pgLinTTL, SweepInterval: 20 * time.Second,
			Logger: slog.New(slog.DiscardHandler)})
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
				in := pgLinInput{show: shows[si], user: c, at: clock.Now().Sub(start)}
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
						out.ok, out.booking, out.until = true, b.ID, b.HeldUntil.Sub(start)
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
					if err == nil || errors.Is(err, boxoffice.ErrConflict) || errors.Is(err, boxoffice.ErrHoldExpired) {
						out.ok = err == nil
						out.expired = errors.Is(err, boxoffice.ErrHoldExpired)
						out.conflict = errors.Is(err, boxoffice.ErrConflict)
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
						out.at = m.At.Sub(start)
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
	// The clock moves by up to a sixth of the TTL every few milliseconds
	// while the clients run, as an operation of every show's history.
	var running atomic.Bool
	running.Store(true)
	clockDone := make(chan struct{})
	go func() {
		defer close(clockDone)
		rng := rand.New(rand.NewPCG(seed, uint64(clients)))
		for running.Load() {
			time.Sleep(time.Duration(2000+rng.IntN(6000)) * time.Microsecond)
			call := seq.Add(1)
			clock.Advance(time.Duration(rng.IntN(int(pgLinTTL/time.Second)/6)) * time.Second)
			in := pgLinInput{kind: pgLinAdvance, at: clock.Now().Sub(start)}
			ret := seq.Add(1)
			mu.Lock()
			ops = append(ops, porcupine.Operation{ClientId: clients, Input: in, Call: call, Output: pgLinOutput{}, Return: ret})
			mu.Unlock()
		}
	}()
	wg.Wait()
	running.Store(false)
	<-clockDone
	return ops, unexpected
}
