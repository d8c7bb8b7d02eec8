package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/internal/testwait"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// The linearizability check on PostgreSQL: two BookingSystems, each on a
// Store of its own (its own pool and cache, as two processes have), share
// one schema and one payment gateway; clients call either at random,
// holding, releasing, paying for (ConfirmBooking), cancelling
// (CancelBooking, with a refund) and reading seat maps of a few six-seat
// shows, while one more moves their shared fake clock so that holds lapse
// (and the sweepers expire them), some of them while their payment is in
// flight: the gateway declines the payments made with one method, and
// makes one charge in three last a while of fake time.
//
// porcupine then looks for an order of the calls, each placed between its
// call and its return, that a sequential model of one show explains. The
// model is the root package's (linearizability_test.go there, on the
// in-memory Store: a confirm is two operations, marking the booking paying
// and settling it, and a lapsed hold is still confirmed if nobody took its
// seats), with the clock readings of transactions that PostgreSQL may
// make wait or run again. The two Stores' caches, compare-and-swap commits
// and locked retries must never let a seat go to two live bookings, refuse
// a seat that was free (or name the wrong seats), start a payment on a
// hold that had lapsed at the clock the transaction read, keep the seats of
// a payment whose hold was taken meanwhile, confirm a declined payment or
// keep its hold (ConfirmBooking fails the booking and frees its seats), or
// leave a cancelled booking's seats taken; nor may a seat map show a state
// that was never committed. A confirm or cancel that ends in ErrConflict is
// called again, as a client is told to, and the calls make one operation.
// After each history the gateway must have kept exactly the price of the
// tickets sold: no money kept without a ticket, none given back twice, and
// no payment left unfinished.

// pgLinLayout is the shows' layout: six seats, fought over.
const pgLinLayout = "A RRR\nB RRR"

const pgLinSeats = 6

type pgLinKind uint8

const (
	pgLinHold pgLinKind = iota
	pgLinRelease
	pgLinConfirm // the first half of a ConfirmBooking: see pgLinStep
	pgLinSettle  // its second half, an operation with the same call and return
	pgLinCancel
	pgLinSeatMap
	pgLinAdvance // the clock moves to the input's at: part of every show's history
)

func (k pgLinKind) String() string {
	return [...]string{"hold", "release", "confirm", "settle", "cancel", "seatmap", "advance"}[k]
}

// pgLinTTL is the hold TTL.
const pgLinTTL = 2 * time.Minute

// pgLinDeclined is the payment method the test gateway declines.
const pgLinDeclined boxoffice.PaymentMethod = "card:declined"

type pgLinInput struct {
	kind    pgLinKind
	show    string
	user    int
	seats   uint8               // hold: the seats asked for, a bit per layout position
	booking boxoffice.BookingID // release, confirm, settle, cancel
	decline bool                // confirm, settle: paid with pgLinDeclined
	at      time.Duration       // the clock at the call (advance: its new time), from the start
}

// pgLinOutcome classifies an answer by the sentinel errors it matches.
type pgLinOutcome uint8

const (
	pgLinOK          pgLinOutcome = iota
	pgLinUnavailable              // hold: refused, ErrSeatUnavailable
	pgLinExpired                  // ErrHoldExpired (and not ErrPaymentFailed)
	pgLinInvalid                  // ErrInvalidTransition (and not ErrHoldExpired)
	pgLinDeclinedOut              // ErrPaymentFailed and ErrPaymentDeclined
	pgLinLost                     // ErrPaymentFailed, not declined: the seats were lost during payment
	pgLinConflict                 // ErrConflict: the Store gave up (holds and releases), nothing happened
)

func (o pgLinOutcome) String() string {
	return [...]string{"ok", "unavailable", "expired", "invalid", "declined", "lost", "conflict"}[o]
}

// pgLinClassify returns the outcome of err, false if it is none the model
// knows.
func pgLinClassify(err error) (pgLinOutcome, bool) {
	switch {
	case err == nil:
		return pgLinOK, true
	case errors.Is(err, boxoffice.ErrConflict):
		return pgLinConflict, true
	case errors.Is(err, boxoffice.ErrPaymentFailed) && errors.Is(err, boxoffice.ErrPaymentDeclined):
		return pgLinDeclinedOut, true
	case errors.Is(err, boxoffice.ErrPaymentFailed):
		return pgLinLost, true
	case errors.Is(err, boxoffice.ErrHoldExpired):
		return pgLinExpired, true
	case errors.Is(err, boxoffice.ErrInvalidTransition):
		return pgLinInvalid, true
	case errors.Is(err, boxoffice.ErrSeatUnavailable):
		var seatErr *boxoffice.SeatError
		return pgLinUnavailable, errors.As(err, &seatErr)
	}
	return 0, false
}

type pgLinOutput struct {
	outcome pgLinOutcome
	booking boxoffice.BookingID // hold: the booking granted (or the same hold returned)
	until   time.Duration       // hold: its deadline, from the start
	refused uint8               // hold: the seats the *SeatError named
	held    uint8               // seat map: the seats held
	booked  uint8               // seat map: the seats sold
	at      time.Duration       // seat map: the clock it was read at
}

// pgLinBooking is the model's view of one booking of the show. A held or
// paying booking owns its seats until its deadline; a confirmed one until
// it is cancelled.
type pgLinBooking struct {
	user     int
	seats    uint8
	status   boxoffice.BookingStatus // held, paying, confirmed, cancelled, released, expired or failed
	until    time.Duration
	declines bool // paying (or failed) with the method the gateway declines
}

func (b pgLinBooking) liveAt(t time.Duration) bool {
	switch b.status {
	case boxoffice.StatusConfirmed:
		return true
	case boxoffice.StatusHeld, boxoffice.StatusPaying:
		return t < b.until
	}
	return false
}

// answer is what a confirm answers once the booking has left held and
// paying.
func (b pgLinBooking) answer() pgLinOutcome {
	switch b.status {
	case boxoffice.StatusConfirmed:
		return pgLinOK
	case boxoffice.StatusFailed:
		if b.declines {
			return pgLinDeclinedOut
		}
		return pgLinLost
	case boxoffice.StatusExpired:
		return pgLinExpired
	}
	return pgLinInvalid // released, cancelled
}

// pgLinState is one show at a time: its bookings, and the last booking
// given each seat, live or not (a lapsed hold whose seats nobody took
// since is still confirmed by a payment that was in flight).
//
// An operation reads the clock at some point of its own, which is not the
// model's now at the point the operation takes effect: a transaction reads
// it while it runs, before its commit takes effect (so at a time between
// its call and now), and a seat map reads it after PostgreSQL took its
// snapshot (so at now or later, and it says when). Lapsing only frees
// seats as time goes on, so a hold refused at some time in that range was
// refused at the call's time, a confirm that started paying read the clock
// before the deadline only if its call did, and so on.
type pgLinState struct {
	now   time.Duration
	owner [pgLinSeats]boxoffice.BookingID
	books map[boxoffice.BookingID]pgLinBooking // never modified: copied on write
}

// seatsAt returns the seats held and sold at t.
func (s pgLinState) seatsAt(t time.Duration) (held, booked uint8) {
	for i, id := range s.owner {
		b, ok := s.books[id]
		switch {
		case !ok || !b.liveAt(t):
		case b.status == boxoffice.StatusConfirmed:
			booked |= 1 << i
		default:
			held |= 1 << i
		}
	}
	return held, booked
}

// instants returns the times in [from, s.now] at which the seats taken can
// differ: from, and every deadline after it.
func (s pgLinState) instants(from time.Duration) []time.Duration {
	ts := []time.Duration{from}
	for _, b := range s.books {
		if b.until > from && b.until <= s.now {
			ts = append(ts, b.until)
		}
	}
	return ts
}

func (s pgLinState) with(id boxoffice.BookingID, b pgLinBooking) pgLinState {
	books := make(map[boxoffice.BookingID]pgLinBooking, len(s.books)+1)
	maps.Copy(books, s.books)
	books[id] = b
	s.books = books
	return s
}

func pgLinStep(s pgLinState, in pgLinInput, out pgLinOutput) (bool, pgLinState) {
	if in.kind == pgLinAdvance {
		if in.at < s.now {
			return false, s
		}
		s.now = in.at
		return true, s
	}
	if in.at > s.now {
		return false, s // it cannot take effect before the clock it was called at
	}
	switch in.kind {
	case pgLinHold:
		return pgLinStepHold(s, in, out)
	case pgLinSeatMap:
		held, booked := s.seatsAt(out.at)
		return s.now <= out.at && out.held == held && out.booked == booked, s
	}
	b, ok := s.books[in.booking]
	if !ok {
		return false, s
	}
	switch in.kind {
	case pgLinRelease:
		switch {
		case out.outcome == pgLinConflict:
			return true, s
		case b.status == boxoffice.StatusReleased:
			return out.outcome == pgLinOK, s // released twice: a no-op
		case b.status == boxoffice.StatusExpired:
			return out.outcome == pgLinExpired, s
		case b.status != boxoffice.StatusHeld:
			return out.outcome == pgLinInvalid, s
		case out.outcome == pgLinExpired:
			return b.until <= s.now, s
		case out.outcome != pgLinOK || in.at >= b.until:
			return false, s
		}
		b.status = boxoffice.StatusReleased
		return true, s.with(in.booking, b)

	case pgLinConfirm:
		// A confirm is two steps of the library: it marks the booking
		// paying, charges outside any transaction, then settles. Others see
		// the booking paying in between (and may resume its payment), so
		// the model has the state too: pgLinConfirm is the first step and
		// pgLinSettle, which spans the same call, the second; a settle
		// cannot come before its confirm. What the call answers is decided
		// by whichever settle comes first, so the first step takes any
		// answer a settle can give.
		paid := out.outcome == pgLinOK || out.outcome == pgLinDeclinedOut || out.outcome == pgLinLost ||
			out.outcome == pgLinInvalid // settled by another process, then cancelled
		switch b.status {
		case boxoffice.StatusHeld:
			switch {
			case out.outcome == pgLinExpired && b.until <= s.now:
				// The hold had run out at the clock the transaction read:
				// it is expired on the spot.
				b.status = boxoffice.StatusExpired
			case paid && in.at < b.until:
				b.status, b.declines = boxoffice.StatusPaying, in.decline
			default:
				return false, s
			}
			return true, s.with(in.booking, b)
		case boxoffice.StatusPaying:
			return paid, s // it resumes the payment in flight
		}
		return out.outcome == b.answer(), s

	case pgLinSettle:
		switch b.status {
		case boxoffice.StatusHeld:
			return false, s // its confirm has not begun
		case boxoffice.StatusPaying:
			// A declined payment fails the booking and frees its seats. A
			// payment that went through keeps the seats if they are still
			// the booking's, even past the deadline (nobody took them
			// meanwhile); else the booking fails and is refunded.
			stillOurs := true
			for i := range pgLinSeats {
				if b.seats&(1<<i) != 0 && s.owner[i] != in.booking {
					stillOurs = false
				}
			}
			switch {
			case b.declines:
				b.status = boxoffice.StatusFailed
			case stillOurs:
				b.status = boxoffice.StatusConfirmed
			default:
				b.status = boxoffice.StatusFailed
			}
			if out.outcome != b.answer() {
				return false, s
			}
			return true, s.with(in.booking, b)
		}
		// Settled by a concurrent confirm of the same booking, or never
		// paying: the answer is the booking's state.
		return out.outcome == b.answer(), s

	case pgLinCancel:
		switch b.status {
		case boxoffice.StatusConfirmed:
			if out.outcome != pgLinOK {
				return false, s
			}
			b.status = boxoffice.StatusCancelled
			return true, s.with(in.booking, b)
		case boxoffice.StatusCancelled:
			return out.outcome == pgLinOK, s
		}
		return out.outcome == pgLinInvalid, s
	}
	return false, s
}

// pgLinStepHold: a hold is granted, until its clock plus the TTL, if every
// seat was free at its clock; the same hold is returned if the seats are
// exactly a live hold of the same user; else it is refused, naming the
// seats taken at its clock.
func pgLinStepHold(s pgLinState, in pgLinInput, out pgLinOutput) (bool, pgLinState) {
	switch out.outcome {
	case pgLinConflict:
		return true, s
	case pgLinUnavailable:
		for _, t := range s.instants(in.at) {
			held, booked := s.seatsAt(t)
			if taken := in.seats & (held | booked); taken != 0 && taken == out.refused && !s.sameHoldAt(t, in) {
				return true, s
			}
		}
		return false, s
	case pgLinOK:
	default:
		return false, s
	}
	if b, ok := s.books[out.booking]; ok {
		return b.status == boxoffice.StatusHeld && in.at < b.until && b.user == in.user && b.seats == in.seats, s
	}
	at := out.until - pgLinTTL
	if at < in.at || at > s.now {
		return false, s
	}
	if held, booked := s.seatsAt(at); in.seats&(held|booked) != 0 {
		return false, s
	}
	for i := range pgLinSeats {
		if in.seats&(1<<i) != 0 {
			s.owner[i] = out.booking
		}
	}
	return true, s.with(out.booking, pgLinBooking{user: in.user, seats: in.seats, status: boxoffice.StatusHeld, until: out.until})
}

// sameHoldAt reports whether the hold asks, at t, for exactly the seats of
// a live hold of the same user, which it would return.
func (s pgLinState) sameHoldAt(t time.Duration, in pgLinInput) bool {
	for _, b := range s.books {
		if b.status == boxoffice.StatusHeld && b.liveAt(t) && b.user == in.user && b.seats == in.seats {
			return true
		}
	}
	return false
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
			return x.now == y.now && x.owner == y.owner && maps.Equal(x.books, y.books)
		},
		Hash: func(state any) uint64 {
			s := state.(pgLinState)
			h := uint64(s.now)
			for _, o := range s.owner {
				h = h*31 + uint64(o[0]) + uint64(o[15])<<8
			}
			for id, b := range s.books { // order-free
				h ^= (uint64(id[0]) | uint64(id[1])<<8) * (uint64(b.status) + 1) * 0x9e3779b97f4a7c15
			}
			return h
		},
		DescribeOperation: func(input, output any) string {
			in, out := input.(pgLinInput), output.(pgLinOutput)
			switch in.kind {
			case pgLinHold:
				return fmt.Sprintf("hold@%s u%d %06b → %s %s until %s refused %06b", in.at, in.user, in.seats, out.outcome, pgLinShort(out.booking), out.until, out.refused)
			case pgLinAdvance:
				return fmt.Sprintf("clock to %s", in.at)
			case pgLinSeatMap:
				return fmt.Sprintf("seatmap@%s → at %s held %06b booked %06b", in.at, out.at, out.held, out.booked)
			case pgLinConfirm, pgLinSettle:
				return fmt.Sprintf("%s@%s %s decline %v → %s", in.kind, in.at, pgLinShort(in.booking), in.decline, out.outcome)
			}
			return fmt.Sprintf("%s@%s %s → %s", in.kind, in.at, pgLinShort(in.booking), out.outcome)
		},
		DescribeState: func(state any) string {
			s := state.(pgLinState)
			var b strings.Builder
			fmt.Fprintf(&b, "now %s;", s.now)
			for i, id := range s.owner {
				if bk, ok := s.books[id]; ok && bk.liveAt(s.now) {
					fmt.Fprintf(&b, " %d:%s(%s until %s)", i, pgLinShort(id), bk.status, bk.until)
				}
			}
			return b.String()
		},
	}
}

func pgLinShort(id boxoffice.BookingID) string {
	if id.IsZero() {
		return "-"
	}
	return id.String()[:8]
}

// TestLinearizableOnPostgres checks a few concurrent histories of two
// BookingSystems on one schema. The model must also refuse small
// histories that a correct library could never produce, so that the check
// can fail at all. Tried by hand: with the version check taken out of the
// optimistic commit, every history was called illegal; so was every one
// checked against a model in which a declined payment keeps the hold, and
// every one recorded through a Store that showed the confirm's transaction
// every hold as live.
func TestLinearizableOnPostgres(t *testing.T) {
	t.Parallel()
	// Each client uses two of the shows, so that each show has 8 clients:
	// enough to fight over six seats, and few enough that the calls pending
	// on one show at once, which the checker's work grows exponentially
	// with, stay few (with all 16 on every show, a history could take the
	// checker minutes).
	const histories, clients, shows, opsEach = 5, 16, 4, 40
	total := map[string]int{}
	for h := range histories {
		t.Run("history"+strconv.Itoa(h), func(t *testing.T) {
			run := recordPgHistory(t, clients, shows, opsEach, uint64(h))
			for _, u := range run.unexpected {
				t.Error(u)
			}
			began := time.Now()
			res, info := porcupine.CheckOperationsVerbose(pgLinModel(), run.ops, time.Minute)
			switch res {
			case porcupine.Ok:
			case porcupine.Unknown:
				t.Fatalf("checker timed out on %d operations", len(run.ops))
			default:
				pgLinExplain(t, run.ops, info)
				t.Fatalf("history of %d operations is not linearizable; visualization: %s", len(run.ops), pgLinVisualize(t, info))
			}
			var b strings.Builder
			for _, k := range slices.Sorted(maps.Keys(run.outcomes)) {
				fmt.Fprintf(&b, "%s %d; ", k, run.outcomes[k])
				total[k] += run.outcomes[k]
			}
			t.Logf("%d operations linearizable, checked in %s (%d confirms and cancels called again after ErrConflict): %s",
				len(run.ops), time.Since(began).Round(time.Millisecond), run.retried, b.String())
			for _, k := range []string{"hold: ok", "hold: unavailable", "release: ok", "confirm: ok",
				"cancel: ok", "seatmap: ok", "advance: ok"} {
				if run.outcomes[k] == 0 {
					t.Errorf("the history has no %q", k)
				}
			}
		})
	}
	// Rarer answers: across the histories, not in each.
	for _, k := range []string{"release: expired", "release: invalid", "confirm: expired", "confirm: invalid",
		"confirm: declined", "confirm: lost", "cancel: invalid"} {
		if total[k] == 0 {
			t.Errorf("no history has a %q", k)
		}
	}
	t.Run("the model refuses impossible histories", testPgLinModelRejects)
}

func testPgLinModelRejects(t *testing.T) {
	a, b := boxoffice.NewBookingID(), boxoffice.NewBookingID()
	var seq int64
	op := func(in pgLinInput, out pgLinOutput) porcupine.Operation {
		in.show = "s"
		seq += 2
		return porcupine.Operation{ClientId: int(seq), Call: seq - 1, Return: seq, Input: in, Output: out}
	}
	hold := func(user int, seats uint8, id boxoffice.BookingID, at time.Duration) porcupine.Operation {
		return op(pgLinInput{kind: pgLinHold, user: user, seats: seats, at: at}, pgLinOutput{booking: id, until: at + pgLinTTL})
	}
	// confirm is a ConfirmBooking: its two operations, one after the other.
	confirm := func(id boxoffice.BookingID, decline bool, at time.Duration, outcome pgLinOutcome) []porcupine.Operation {
		first := op(pgLinInput{kind: pgLinConfirm, booking: id, decline: decline, at: at}, pgLinOutput{outcome: outcome})
		settle := first
		settle.Input = pgLinInput{kind: pgLinSettle, show: "s", booking: id, decline: decline, at: at}
		return []porcupine.Operation{first, settle}
	}
	advance := func(to time.Duration) porcupine.Operation {
		return op(pgLinInput{kind: pgLinAdvance, at: to}, pgLinOutput{})
	}
	seatMap := func(at time.Duration, held, booked uint8) porcupine.Operation {
		return op(pgLinInput{kind: pgLinSeatMap, at: at}, pgLinOutput{at: at, held: held, booked: booked})
	}
	history := func(parts ...any) []porcupine.Operation {
		var ops []porcupine.Operation
		for _, p := range parts {
			switch p := p.(type) {
			case porcupine.Operation:
				ops = append(ops, p)
			case []porcupine.Operation:
				ops = append(ops, p...)
			}
		}
		return ops
	}
	later := pgLinTTL + time.Second
	tests := []struct {
		name  string
		legal bool
		ops   []porcupine.Operation
	}{
		{"a seat held twice", false, history(hold(1, 0b11, a, 0), hold(2, 0b10, b, 0))},
		{"a confirmed seat held again", false, history(hold(1, 0b1, a, 0), confirm(a, false, 0, pgLinOK), advance(later), hold(2, 0b1, b, later))},
		{"a sold seat shown as sold", true, history(hold(1, 0b1, a, 0), confirm(a, false, 0, pgLinOK), advance(later), seatMap(later, 0, 0b1))},
		{"a lapsed hold confirmed", false, history(hold(1, 0b1, a, 0), advance(later), confirm(a, false, later, pgLinOK))},
		{"a lapsed hold expired by its confirm", true, history(hold(1, 0b1, a, 0), advance(later), confirm(a, false, later, pgLinExpired), seatMap(later, 0, 0))},
		{"a live hold called expired", false, history(hold(1, 0b1, a, 0), confirm(a, false, 0, pgLinExpired))},
		{"a payment kept a lapsed hold nobody took", true, history(hold(1, 0b1, a, 0),
			op(pgLinInput{kind: pgLinConfirm, booking: a}, pgLinOutput{}), advance(later), seatMap(later, 0, 0),
			op(pgLinInput{kind: pgLinSettle, booking: a}, pgLinOutput{}), seatMap(later, 0, 0b1))},
		{"a payment kept a hold whose seat was taken", false, history(hold(1, 0b1, a, 0),
			op(pgLinInput{kind: pgLinConfirm, booking: a}, pgLinOutput{}), advance(later), hold(2, 0b1, b, later),
			op(pgLinInput{kind: pgLinSettle, booking: a}, pgLinOutput{}))},
		{"a payment lost with its seat", true, history(hold(1, 0b1, a, 0),
			op(pgLinInput{kind: pgLinConfirm, booking: a}, pgLinOutput{outcome: pgLinLost}), advance(later), hold(2, 0b1, b, later),
			op(pgLinInput{kind: pgLinSettle, booking: a}, pgLinOutput{outcome: pgLinLost}))},
		{"a payment lost with nobody taking the seat", false, history(hold(1, 0b1, a, 0), confirm(a, false, 0, pgLinLost))},
		{"a declined payment frees the seats", true, history(hold(1, 0b11, a, 0), confirm(a, true, 0, pgLinDeclinedOut), seatMap(0, 0, 0), hold(2, 0b10, b, 0))},
		{"a declined payment keeps the hold", false, history(hold(1, 0b11, a, 0), confirm(a, true, 0, pgLinDeclinedOut), seatMap(0, 0b11, 0))},
		{"a declined payment confirmed", false, history(hold(1, 0b1, a, 0), confirm(a, true, 0, pgLinOK))},
		{"a released hold confirmed", false, history(hold(1, 0b1, a, 0), op(pgLinInput{kind: pgLinRelease, booking: a}, pgLinOutput{}), confirm(a, false, 0, pgLinOK))},
		{"a cancel frees the seats", true, history(hold(1, 0b1, a, 0), confirm(a, false, 0, pgLinOK),
			op(pgLinInput{kind: pgLinCancel, booking: a}, pgLinOutput{}), hold(2, 0b1, b, 0), seatMap(0, 0b1, 0))},
		{"a held booking cancelled", false, history(hold(1, 0b1, a, 0), op(pgLinInput{kind: pgLinCancel, booking: a}, pgLinOutput{}))},
		{"a refusal naming a free seat", false, history(hold(1, 0b1, a, 0),
			op(pgLinInput{kind: pgLinHold, user: 2, seats: 0b11}, pgLinOutput{outcome: pgLinUnavailable, refused: 0b11}))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := porcupine.CheckOperationsTimeout(pgLinModel(), tt.ops, 10*time.Second)
			if want := map[bool]porcupine.CheckResult{true: porcupine.Ok, false: porcupine.Illegal}[tt.legal]; res != want {
				t.Fatalf("checker says %s; want %s", res, want)
			}
		})
	}
}

// pgLinVisualize writes porcupine's HTML view of an illegal history to the
// test's artifact directory and returns its path.
func pgLinVisualize(t *testing.T, info porcupine.LinearizationInfo) string {
	path := filepath.Join(t.ArtifactDir(), "history.html")
	if err := porcupine.VisualizePath(pgLinModel(), info, path); err != nil {
		return "not written: " + err.Error()
	}
	return path + " (keep it with go test -artifacts)"
}

// pgLinGateway is the payment gateway of both BookingSystems: an
// InMemoryGateway that declines payments by pgLinDeclined and makes one
// charge in three take from half the TTL to one and a quarter of fake time
// (the clock goroutine moves it), so that holds lapse, and are taken by
// others, while their payment is in flight.
type pgLinGateway struct {
	*boxoffice.InMemoryGateway
	clock *fakeclock.Clock
	waits *pgLinWaits
	calls atomic.Uint64
}

func (g *pgLinGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	if n := g.calls.Add(1); n%3 == 0 {
		d := pgLinTTL/2 + time.Duration(n/3%4)*pgLinTTL/4
		timer := g.clock.NewTimer(d)
		// Read after arming: the deadline told is never before the
		// timer's, so the clock is never left waiting on a charge that
		// already woke.
		defer g.waits.charging(r.Booking, g.clock.Now().Add(d))()
		select {
		case <-timer.C():
		case <-ctx.Done():
			timer.Stop()
			return boxoffice.Receipt{}, ctx.Err()
		}
	}
	if r.Method == pgLinDeclined {
		return boxoffice.Receipt{}, fmt.Errorf("%w: card refused (test)", boxoffice.ErrPaymentDeclined)
	}
	return g.InMemoryGateway.Charge(ctx, r)
}

// pgLinWaits tells the clock goroutine of recordPgHistory when every
// client still running waits on the fake clock: it confirms a booking
// whose charge (its own, or one in flight in the process that the confirm
// joined, a client's or the sweeper's) waits for the clock to reach its
// deadline. The clock must then move, or the history never ends. A client
// counts as waiting from the start of its confirm, before it reaches the
// charge it will join: the clock may then move early, as an operation,
// which the model allows.
type pgLinWaits struct {
	clock   *fakeclock.Clock
	changed chan struct{} // capacity 1: poked after a change that can make every client wait

	mu         sync.Mutex
	charges    map[*pgLinCharge]struct{} // waiting on the clock
	confirming []boxoffice.BookingID     // by client: the booking it confirms, or the zero ID
	ended      []bool                    // by client: its operations are done
	running    int
}

type pgLinCharge struct {
	booking  boxoffice.BookingID
	deadline time.Time
}

func newPgLinWaits(clock *fakeclock.Clock, clients int) *pgLinWaits {
	return &pgLinWaits{clock: clock, changed: make(chan struct{}, 1), charges: map[*pgLinCharge]struct{}{},
		confirming: make([]boxoffice.BookingID, clients), ended: make([]bool, clients), running: clients}
}

func (w *pgLinWaits) poke() {
	select {
	case w.changed <- struct{}{}:
	default: // a poke not yet seen: the state is read after it
	}
}

// charging records a charge of booking waiting until deadline; the
// function returned ends it.
func (w *pgLinWaits) charging(booking boxoffice.BookingID, deadline time.Time) (done func()) {
	c := &pgLinCharge{booking, deadline}
	w.mu.Lock()
	w.charges[c] = struct{}{}
	w.mu.Unlock()
	w.poke()
	return func() {
		w.mu.Lock()
		delete(w.charges, c)
		w.mu.Unlock()
	}
}

// confirm records that client is confirming booking, or, with the zero
// ID, no longer.
func (w *pgLinWaits) confirm(client int, booking boxoffice.BookingID) {
	w.mu.Lock()
	w.confirming[client] = booking
	w.mu.Unlock()
	w.poke()
}

func (w *pgLinWaits) end(client int) {
	w.mu.Lock()
	w.ended[client] = true
	w.running--
	w.mu.Unlock()
	w.poke()
}

// stuck reports whether every client still running confirms a booking
// whose charge waits for a deadline the clock has not reached.
func (w *pgLinWaits) stuck() bool {
	now := w.clock.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running == 0 {
		return false
	}
	for c, id := range w.confirming {
		if w.ended[c] {
			continue
		}
		waiting := false
		for ch := range w.charges {
			if ch.booking == id && ch.deadline.After(now) {
				waiting = true
				break
			}
		}
		if id == (boxoffice.BookingID{}) || !waiting {
			return false
		}
	}
	return true
}

// describe tells what each client still running waits on, as stuck
// judges it: for a failure that has to say which wait the test does not
// know of.
func (w *pgLinWaits) describe() string {
	now := w.clock.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	var b strings.Builder
	for c, id := range w.confirming {
		switch {
		case w.ended[c]:
			continue
		case id == (boxoffice.BookingID{}):
			fmt.Fprintf(&b, "client %d not confirming; ", c)
			continue
		}
		waiting := false
		for ch := range w.charges {
			waiting = waiting || ch.booking == id && ch.deadline.After(now)
		}
		fmt.Fprintf(&b, "client %d confirming %s, its charge waiting on the clock %t; ", c, pgLinShort(id), waiting)
	}
	return b.String()
}

// pgLinDumpGoroutines writes every goroutine's stack to the file
// goroutines.txt in dir and returns where, for a history that stalled:
// where the clients wait tells what the test does not know of.
func pgLinDumpGoroutines(dir string) string {
	path := filepath.Join(dir, "goroutines.txt")
	f, err := os.Create(path)
	if err != nil {
		return "not written: " + err.Error()
	}
	err = pprof.Lookup("goroutine").WriteTo(f, 2)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "not written: " + err.Error()
	}
	return path + " (keep it with go test -artifacts)"
}

// pgLinRun is one history and what it did.
type pgLinRun struct {
	ops        []porcupine.Operation
	outcomes   map[string]int // "confirm: declined" → count (a confirm counted once)
	retried    int            // confirms and cancels called again after ErrConflict
	unexpected []string
}

// recordPgHistory runs clients against two BookingSystems on one new schema
// and returns what they saw.
func recordPgHistory(t *testing.T, clients, nShows, opsEach int, seed uint64) pgLinRun {
	t.Helper()
	ctx := t.Context()
	pool := testPool(t)
	schema := newSchema(t, pool)
	start := time.Date(2031, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := fakeclock.New(start)
	waits := newPgLinWaits(clock, clients)
	gateway := &pgLinGateway{InMemoryGateway: boxoffice.NewInMemoryGateway(), clock: clock, waits: waits}
	var systems [2]*boxoffice.BookingSystem
	for i := range systems {
		// Each its own pool: on the shared one, the histories waited on
		// the connections of the package's other tests, running in
		// parallel, which the clock's goroutine cannot see (a history
		// stalled past its bound twice, under a loaded machine, while
		// the others took 2 s).
		store, err := pgstore.New(ownPool(t, 8), pgstore.Options{Schema: schema})
		must(t, err)
		sys, err := boxoffice.New(boxoffice.Config{Store: store, Clock: clock, Gateway: gateway, HoldsPerMinute: -1,
			MaxLiveHoldsPerUser: -1, HoldTTL: pgLinTTL, SweepInterval: 20 * time.Second,
			// The model has no payment timeouts, which run on the clock:
			// clients move it while charges are in flight.
			PaymentTimeout: time.Hour,
			Logger:         slog.New(slog.DiscardHandler)})
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
		// Two days ahead: every cancellation is refunded in full.
		s, err := sys.ScheduleShow(ctx, boxoffice.Show{MovieID: "m", HallID: h.ID, Start: start.Add(48 * time.Hour), BasePrice: 1000})
		must(t, err)
		shows[i] = s.ID
	}

	var seq atomic.Int64 // call and return times
	// Operations done, and the machine time of the last, for a history
	// that does not end: slowness keeps them coming, a stall does not.
	var done, lastDone atomic.Int64
	lastDone.Store(time.Now().UnixNano())
	artifacts := t.ArtifactDir() // here: the clock's goroutine is not the test's
	var mu sync.Mutex
	run := pgLinRun{outcomes: map[string]int{}}
	record := func(c int, in pgLinInput, call int64, out pgLinOutput, ret int64) {
		mu.Lock()
		defer mu.Unlock()
		run.outcomes[in.kind.String()+": "+out.outcome.String()]++
		run.ops = append(run.ops, porcupine.Operation{ClientId: c, Input: in, Call: call, Output: out, Return: ret})
		if in.kind == pgLinConfirm {
			in.kind = pgLinSettle
			run.ops = append(run.ops, porcupine.Operation{ClientId: c, Input: in, Call: call, Output: out, Return: ret})
		}
	}
	// The bookings of each show: every hold granted, and those paid for.
	pools := make([]struct {
		sync.Mutex
		held, paid []boxoffice.BookingID
	}, nShows)
	var all []boxoffice.BookingID
	// pick returns one of the last few IDs, where the bookings still alive
	// are.
	pick := func(rng *rand.Rand, si int, paid bool) (boxoffice.BookingID, bool) {
		p := &pools[si]
		p.Lock()
		defer p.Unlock()
		ids := p.held
		if paid && len(p.paid) > 0 {
			ids = p.paid
		}
		if len(ids) == 0 {
			return boxoffice.BookingID{}, false
		}
		return ids[len(ids)-1-rng.IntN(min(len(ids), 8))], true
	}
	finished := make(chan struct{}, clients*opsEach) // one per operation, for the clock below
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			defer waits.end(c)
			rng := rand.New(rand.NewPCG(seed, uint64(c)))
			user := "u" + strconv.Itoa(c)
			mine := [2]int{c % nShows, (c%nShows + 1 + c/nShows) % nShows} // the two shows this client uses
			for range opsEach {
				sys := systems[rng.IntN(2)]
				si := mine[rng.IntN(2)]
				in := pgLinInput{show: shows[si], user: c}
				switch k := rng.IntN(20); {
				case k < 7:
					in.kind = pgLinHold
				case k < 11:
					in.kind = pgLinConfirm
				case k < 14:
					in.kind = pgLinRelease
				case k < 16:
					in.kind = pgLinCancel
				default:
					in.kind = pgLinSeatMap
				}
				if in.kind == pgLinConfirm || in.kind == pgLinRelease || in.kind == pgLinCancel {
					var ok bool
					if in.booking, ok = pick(rng, si, in.kind == pgLinCancel); !ok {
						in.kind = pgLinHold
					}
				}
				var want []string
				if in.kind == pgLinHold { // 1–3 seats
					for len(want) < 1+rng.IntN(3) {
						i := rng.IntN(len(seatIDs))
						if in.seats&(1<<i) == 0 {
							in.seats |= 1 << i
							want = append(want, seatIDs[i])
						}
					}
				}
				method := boxoffice.PaymentMethod("card:ok")
				if in.decline = in.kind == pgLinConfirm && rng.IntN(4) == 0; in.decline {
					method = pgLinDeclined
				}

				in.at = clock.Now().Sub(start)
				var out pgLinOutput
				var err error
				call := seq.Add(1)
				switch in.kind {
				case pgLinHold:
					var b boxoffice.Booking
					b, err = sys.HoldSeats(ctx, user, in.show, want)
					if err == nil {
						out.booking, out.until = b.ID, b.HeldUntil.Sub(start)
					}
					var seatErr *boxoffice.SeatError
					if errors.As(err, &seatErr) {
						for _, id := range seatErr.Seats() {
							i, _ := layout.Index(id)
							out.refused |= 1 << i
						}
					}
				case pgLinRelease:
					_, err = sys.ReleaseHold(ctx, in.booking)
				case pgLinConfirm, pgLinCancel:
					// Both resume an unfinished payment or refund when
					// called again, as a client is told to after
					// ErrConflict: the calls make one operation.
					if in.kind == pgLinConfirm {
						waits.confirm(c, in.booking)
					}
					for attempt := 0; ; attempt++ {
						if in.kind == pgLinConfirm {
							_, err = sys.ConfirmBooking(ctx, in.booking, method)
						} else {
							_, err = sys.CancelBooking(ctx, in.booking)
						}
						if !errors.Is(err, boxoffice.ErrConflict) || attempt == 10 {
							break
						}
						mu.Lock()
						run.retried++
						mu.Unlock()
					}
					waits.confirm(c, boxoffice.BookingID{})
				case pgLinSeatMap:
					var m boxoffice.SeatMap
					m, err = sys.SeatMap(ctx, in.show)
					if err == nil {
						out.at = m.At.Sub(start)
						for i, s := range m.Seats {
							switch s.Status {
							case boxoffice.SeatHeld:
								out.held |= 1 << i
							case boxoffice.SeatBooked:
								out.booked |= 1 << i
							}
						}
					}
				}
				ret := seq.Add(1)
				done.Add(1)
				lastDone.Store(time.Now().UnixNano())
				finished <- struct{}{}
				var ok bool
				out.outcome, ok = pgLinClassify(err)
				conflictOK := in.kind == pgLinHold || in.kind == pgLinRelease
				if !ok || out.outcome == pgLinConflict && !conflictOK || out.outcome == pgLinUnavailable && in.kind != pgLinHold {
					mu.Lock()
					run.unexpected = append(run.unexpected, fmt.Sprintf("client %d: %s: %v", c, in.kind, err))
					mu.Unlock()
					continue
				}
				record(c, in, call, out, ret)
				switch {
				case in.kind == pgLinHold && err == nil:
					p := &pools[si]
					p.Lock()
					if !slices.Contains(p.held, out.booking) {
						p.held = append(p.held, out.booking)
						mu.Lock()
						all = append(all, out.booking)
						mu.Unlock()
					}
					p.Unlock()
				case in.kind == pgLinConfirm && err == nil:
					p := &pools[si]
					p.Lock()
					if !slices.Contains(p.paid, in.booking) {
						p.paid = append(p.paid, in.booking)
					}
					p.Unlock()
				}
			}
		})
	}
	// The clock moves by up to a sixth of the TTL after every 4 to 12
	// operations, while the clients run, as an operation of every show's
	// history. Counted in operations, not milliseconds: moved on a timer,
	// it raced ahead of clients slowed by a loaded machine, and a whole
	// history's holds expired before any was released. It also moves when
	// every client left waits on the clock (pgLinWaits), as often as it
	// takes to wake one. That too is an event, not a wall-clock wait: it
	// used to move when no operation had finished for 50 ms, which a
	// machine slow enough makes the rule, as on a timer.
	clockDone := make(chan struct{})
	go func() {
		defer close(clockDone)
		rng := rand.New(rand.NewPCG(seed, uint64(clients)))
		// A bound for a failure, not a wait: the operations of 16
		// clients end within milliseconds of each other, a loaded
		// machine's seconds at worst, so that none for this long is a
		// stall. Half the bound on the whole history, so that it is seen,
		// and told, before that bound ends the test.
		stalled, failed := testwait.Bound/2, false
		for {
			for n := 4 + rng.IntN(9); n > 0 && !waits.stuck(); {
				select {
				case _, ok := <-finished:
					if !ok {
						return
					}
					n--
				case <-waits.changed:
				case <-time.After(stalled):
					if !failed {
						failed = true
						msg := fmt.Sprintf("no operation finished for %v, and not every client waits on the clock: a wait the test does not know of; %sgoroutines: %s",
							stalled, waits.describe(), pgLinDumpGoroutines(artifacts))
						mu.Lock()
						run.unexpected = append(run.unexpected, msg)
						mu.Unlock()
					}
					// The history has failed: move the clock freely, so
					// that it ends.
					stalled = 10 * time.Millisecond
					n = 0
				}
			}
			call := seq.Add(1)
			clock.Advance(time.Duration(rng.IntN(int(pgLinTTL/time.Second)/6)) * time.Second)
			in := pgLinInput{kind: pgLinAdvance, at: clock.Now().Sub(start)}
			ret := seq.Add(1)
			record(clients, in, call, pgLinOutput{}, ret)
		}
	}()
	// testwait.WaitGroup, telling also whether the clients were slow or
	// stalled, and what the clock's goroutine found.
	clientsDone := make(chan struct{})
	go func() { wg.Wait(); close(clientsDone) }()
	select {
	case <-clientsDone:
	case <-time.After(testwait.Bound):
		mu.Lock()
		found := strings.Join(run.unexpected, "; ")
		mu.Unlock()
		t.Fatalf("waited %v for the clients to finish their histories: %d of %d operations done, the last %v ago; %s",
			testwait.Bound, done.Load(), clients*opsEach, time.Since(time.Unix(0, lastDone.Load())).Round(time.Millisecond), found)
	}
	close(finished)
	recv(t, clockDone, "the clock's goroutine to end")

	// The money: what the gateway kept is the price of the tickets sold,
	// and no payment is left unfinished.
	var sold boxoffice.Money
	for _, id := range all {
		b, err := sys.Booking(ctx, id)
		must(t, err)
		switch b.Status {
		case boxoffice.StatusConfirmed:
			sold += b.Total
		case boxoffice.StatusPaying:
			run.unexpected = append(run.unexpected, fmt.Sprintf("booking %s left paying", id))
		}
	}
	if charged, refunded := gateway.Totals(); charged-refunded != sold {
		run.unexpected = append(run.unexpected, fmt.Sprintf("the gateway charged %s and refunded %s; want %s kept, the price of the tickets sold", charged, refunded, sold))
	}
	return run
}

// pgLinExplain logs, for each show whose history is illegal, the end of
// the longest order the checker found, with the model's state after each
// operation, and the calls pending there: one of them could not be placed.
func pgLinExplain(t *testing.T, ops []porcupine.Operation, info porcupine.LinearizationInfo) {
	model := pgLinModel()
	for _, partials := range info.PartialLinearizationsOperations() {
		var longest []porcupine.Operation
		for _, p := range partials {
			if len(p) > len(longest) {
				longest = p
			}
		}
		show := ""
		for _, op := range longest {
			if in := op.Input.(pgLinInput); in.kind != pgLinAdvance {
				show = in.show
			}
		}
		var part []porcupine.Operation
		for _, op := range ops {
			if in := op.Input.(pgLinInput); in.kind == pgLinAdvance || in.show == show {
				part = append(part, op)
			}
		}
		if len(longest) == len(part) {
			continue // linearizable
		}
		// An operation is its call time and kind: a confirm and its
		// settle share the call.
		key := func(op porcupine.Operation) [2]int64 { return [2]int64{op.Call, int64(op.Input.(pgLinInput).kind)} }
		var b strings.Builder
		state := model.Init()
		placed := map[[2]int64]bool{}
		for i, op := range longest {
			_, state = model.Step(state, op.Input, op.Output)
			placed[key(op)] = true
			if i >= len(longest)-25 {
				fmt.Fprintf(&b, "[%d,%d] client %d: %s\n    ⇒ %s\n", op.Call, op.Return, op.ClientId,
					model.DescribeOperation(op.Input, op.Output), model.DescribeState(state))
			}
		}
		firstReturn := int64(math.MaxInt64)
		for _, op := range part {
			if !placed[key(op)] {
				firstReturn = min(firstReturn, op.Return)
			}
		}
		fmt.Fprintf(&b, "pending (called by %d, when the first of them returned):\n", firstReturn)
		for _, op := range part {
			if !placed[key(op)] && op.Call <= firstReturn {
				fmt.Fprintf(&b, "[%d,%d] client %d: %s\n", op.Call, op.Return, op.ClientId, model.DescribeOperation(op.Input, op.Output))
			}
		}
		t.Logf("show %s: %d of %d operations placed; the last of them:\n%s", show, len(longest), len(part), b.String())
	}
}
