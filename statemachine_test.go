package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"pgregory.net/rapid"
)

// TestBookingStateMachine drives one BookingSystem with random actions —
// holds, extensions, releases, confirms (paid, declined, timed out with the charge
// made or not, outlasting the hold), cancels, show cancellations, clock
// moves, sweeps and observer panics — and after every action checks it against a sequential
// model: every booking's state and money, every seat map, one owner per
// seat, and the ledger.
//
// rapid prints the seed of a failing run; replay it with
//
//	go test -run TestBookingStateMachine -rapid.seed=SEED .
//
// and run longer with -rapid.checks=N -rapid.steps=M.
func TestBookingStateMachine(t *testing.T) {
	layout, err := boxoffice.ParseLayout("A VVV\nB PPP\nC RRR")
	if err != nil {
		t.Fatal(err)
	}
	var checks, steps atomic.Int64
	var ext smExtendCounts
	rapid.Check(t, func(rt *rapid.T) {
		checks.Add(1)
		sm := newStateMachine(t, rt, layout)
		sm.ext = &ext
		defer sm.close(rt)
		rt.Repeat(map[string]func(*rapid.T){
			"hold":                     func(rt *rapid.T) { steps.Add(1); sm.hold(rt) },
			"release":                  func(rt *rapid.T) { steps.Add(1); sm.release(rt) },
			"extend":                   func(rt *rapid.T) { steps.Add(1); sm.extend(rt) },
			"confirm":                  func(rt *rapid.T) { steps.Add(1); sm.confirm(rt, smPayment{}) },
			"confirm, declined":        func(rt *rapid.T) { steps.Add(1); sm.confirm(rt, smPayment{declined: true}) },
			"confirm, timeouts":        func(rt *rapid.T) { steps.Add(1); sm.confirm(rt, sm.drawTimeouts(rt)) },
			"confirm, outlasting hold": func(rt *rapid.T) { steps.Add(1); sm.confirm(rt, sm.drawLapse(rt)) },
			"cancel":                   func(rt *rapid.T) { steps.Add(1); sm.cancel(rt) },
			"cancel show":              func(rt *rapid.T) { steps.Add(1); sm.cancelShow(rt) },
			"advance clock":            func(rt *rapid.T) { steps.Add(1); sm.advance(rt) },
			"advance near a start":     func(rt *rapid.T) { steps.Add(1); sm.advanceNearStart(rt) },
			"sweep":                    func(rt *rapid.T) { steps.Add(1); sm.sweep(rt) },
			"observer panic":           func(rt *rapid.T) { steps.Add(1); sm.obs.armed.Add(1) },
			"":                         sm.check,
		})
	})
	t.Logf("%d checks, %d actions in all, each followed by a full comparison with the model", checks.Load(), steps.Load())
	t.Logf("extensions: %d granted, %d returned unchanged (repeats, at the start), %d past the cap, %d refused otherwise",
		ext.granted.Load(), ext.repeated.Load(), ext.capped.Load(), ext.refused.Load())
}

var (
	smUsers = []string{"ann", "ben", "cat"}
	smShows = []string{"Q1", "Q2"}
	// smPrices are the seat prices at base price 10.00 (Regular ×1.0,
	// Premium ×1.3, VIP ×1.5), written out rather than computed by the
	// library.
	smPrices = map[boxoffice.SeatType]boxoffice.Money{boxoffice.Regular: 1000, boxoffice.Premium: 1300, boxoffice.VIP: 1500}
)

// smBooking is the model's booking. A held booking past its deadline stays
// held, as in the library, until a sweep or a confirm expires it.
type smBooking struct {
	id         boxoffice.BookingID
	user, show string
	seats      []string
	status     boxoffice.BookingStatus
	until      time.Time
	extensions int // hold extensions granted
	total      boxoffice.Money
	paid       boxoffice.Money // Payment.Amount
	refunded   boxoffice.Money // Refund.Amount
}

type stateMachine struct {
	f      *fixture
	ctx    context.Context
	layout *boxoffice.Layout
	obs    *panicObserver
	starts map[string]time.Time // show → start

	now    time.Time
	ttl    time.Duration
	maxExt int // Config.MaxHoldExtensions; negative: no cap
	ext    *smExtendCounts
	owner  map[string]map[string]boxoffice.BookingID // show → seat → last booking given it
	books  map[boxoffice.BookingID]*smBooking
	ids    []boxoffice.BookingID // in creation order, for drawing

	cancelled map[string]bool // shows cancelled (CancelShow)

	charged, refunded boxoffice.Money // what the gateway must have recorded
	expired           int             // holds expired by sweeps and confirms
}

// panicObserver panics on as many events as it has been armed for.
type panicObserver struct {
	armed, fired atomic.Int64
}

func (p *panicObserver) Notify(context.Context, boxoffice.Event) {
	for {
		n := p.armed.Load()
		if n <= 0 {
			return
		}
		if p.armed.CompareAndSwap(n, n-1) {
			p.fired.Add(1)
			panic("injected observer panic")
		}
	}
}

func newStateMachine(t *testing.T, rt *rapid.T, layout *boxoffice.Layout) *stateMachine {
	obs := &panicObserver{}
	generic := rapid.Bool().Draw(rt, "generic store path")
	// 0 leaves the default (2); negative turns the cap off.
	maxExt := rapid.IntRange(-1, 3).Draw(rt, "MaxHoldExtensions")
	f := newFixture(t, func(c *boxoffice.Config) {
		c.MaxHoldExtensions = maxExt
		c.MaxLiveHoldsPerUser = -1
		c.SweepInterval = 10000 * time.Hour // the test sweeps by itself
		c.Observers = []boxoffice.Observer{obs}
		if generic {
			onGenericPath(c)
		}
	})
	sm := &stateMachine{f: f, ctx: context.Background(), layout: layout, obs: obs, starts: map[string]time.Time{},
		now: start, ttl: 10 * time.Minute, maxExt: maxExt, owner: map[string]map[string]boxoffice.BookingID{},
		books: map[boxoffice.BookingID]*smBooking{}, cancelled: map[string]bool{}}
	if maxExt == 0 {
		sm.maxExt = 2 // Config's default
	}
	if _, err := f.sys.AddHall(sm.ctx, boxoffice.Hall{ID: "sm", TheaterID: "T1", Name: "sm", Layout: layout}); err != nil {
		rt.Fatal(err)
	}
	// Q1 starts soon, so cancellations meet every refund tier and then
	// the start; Q2 later.
	for i, id := range smShows {
		s, err := f.sys.ScheduleShow(sm.ctx, boxoffice.Show{ID: id, MovieID: "M1", HallID: "sm",
			Start: start.Add(90*time.Minute + time.Duration(i)*6*time.Hour), BasePrice: 1000})
		if err != nil {
			rt.Fatal(err)
		}
		sm.starts[id] = s.Start
		sm.owner[id] = map[string]boxoffice.BookingID{}
	}
	return sm
}

// close closes the system, which delivers every queued event, and checks
// that every injected observer panic happened and was contained.
func (sm *stateMachine) close(rt *rapid.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sm.f.sys.Close(ctx); err != nil {
		rt.Fatalf("Close: %v", err)
	}
	if got, want := sm.f.sys.Stats().ObserverPanics, uint64(sm.obs.fired.Load()); got != want {
		rt.Fatalf("Stats.ObserverPanics = %d; the observer panicked %d times", got, want)
	}
}

func (sm *stateMachine) live(b *smBooking) bool {
	return b.status == boxoffice.StatusConfirmed || b.status == boxoffice.StatusHeld && sm.now.Before(b.until)
}

func (sm *stateMachine) liveOwner(show, seat string) (*smBooking, bool) {
	id, ok := sm.owner[show][seat]
	if !ok || !sm.live(sm.books[id]) {
		return nil, false
	}
	return sm.books[id], true
}

func (sm *stateMachine) drawBooking(rt *rapid.T) *smBooking {
	if len(sm.ids) == 0 {
		rt.Skip("no bookings yet")
	}
	return sm.books[rapid.SampledFrom(sm.ids).Draw(rt, "booking")]
}

func (sm *stateMachine) price(seats []string) boxoffice.Money {
	var total boxoffice.Money
	for _, id := range seats {
		s, _ := sm.layout.Lookup(id)
		total += smPrices[s.Type]
	}
	return total
}

func (sm *stateMachine) seatIDs() []string {
	var ids []string
	for _, s := range sm.layout.Seats() {
		ids = append(ids, s.ID)
	}
	return ids
}

func (sm *stateMachine) hold(rt *rapid.T) {
	user := rapid.SampledFrom(smUsers).Draw(rt, "user")
	show := rapid.SampledFrom(smShows).Draw(rt, "show")
	seats := rapid.SliceOfNDistinct(rapid.SampledFrom(sm.seatIDs()), 1, 3, rapid.ID[string]).Draw(rt, "seats")
	got, err := sm.f.sys.HoldSeats(sm.ctx, user, show, seats)
	sm.expectHold(rt, user, show, seats, got, err)
}

// expectHold checks a hold's answer against the model and applies it.
func (sm *stateMachine) expectHold(rt *rapid.T, user, show string, seats []string, got boxoffice.Booking, err error) {
	if !sm.now.Before(sm.starts[show]) {
		if !errors.Is(err, boxoffice.ErrShowStarted) {
			rt.Fatalf("hold %v of %s by %s at its start or later: %v; want ErrShowStarted", seats, show, user, err)
		}
		return
	}
	if sm.cancelled[show] {
		if !errors.Is(err, boxoffice.ErrShowCancelled) {
			rt.Fatalf("hold %v of %s by %s once it was cancelled: %v; want ErrShowCancelled", seats, show, user, err)
		}
		return
	}
	until := sm.now.Add(sm.ttl)
	if until.After(sm.starts[show]) {
		until = sm.starts[show] // no hold outlives the start
	}
	var taken []string
	var holder *smBooking
	sameHolder := true
	for _, s := range seats {
		if b, ok := sm.liveOwner(show, s); ok {
			taken = append(taken, s)
			if holder != nil && holder != b {
				sameHolder = false
			}
			holder = b
		}
	}
	switch {
	case len(taken) == 0:
		if err != nil {
			rt.Fatalf("hold %v of %s by %s: %v; the model has them free", seats, show, user, err)
		}
		want := sm.price(seats)
		if got.Status != boxoffice.StatusHeld || got.Total != want || !got.HeldUntil.Equal(until) ||
			!slices.Equal(got.SeatIDs(), seats) {
			rt.Fatalf("hold %v: got %s total %s until %s seats %v; want held, %s, %s", seats, got.Status, got.Total,
				got.HeldUntil, got.SeatIDs(), want, until)
		}
		b := &smBooking{id: got.ID, user: user, show: show, seats: seats, status: boxoffice.StatusHeld,
			until: got.HeldUntil, total: want}
		sm.books[b.id] = b
		sm.ids = append(sm.ids, b.id)
		for _, s := range seats {
			sm.owner[show][s] = b.id
		}
	case sameHolder && len(taken) == len(seats) && len(holder.seats) == len(seats) &&
		holder.user == user && holder.status == boxoffice.StatusHeld:
		if err != nil || got.ID != holder.id {
			rt.Fatalf("repeating hold %s: got %s, %v", holder.id, got.ID, err)
		}
	default:
		var se *boxoffice.SeatError
		if !errors.Is(err, boxoffice.ErrSeatUnavailable) || !errors.As(err, &se) {
			rt.Fatalf("hold %v: %v; the model has %v taken", seats, err, taken)
		}
		if !slices.Equal(se.Seats(), taken) {
			rt.Fatalf("hold %v refused %v; the model has %v taken", seats, se.Seats(), taken)
		}
	}
}

func (sm *stateMachine) release(rt *rapid.T) {
	b := sm.drawBooking(rt)
	_, err := sm.f.sys.ReleaseHold(sm.ctx, b.id)
	switch {
	case b.status == boxoffice.StatusReleased:
		if err != nil {
			rt.Fatalf("second release: %v", err)
		}
	case b.status == boxoffice.StatusHeld && sm.live(b):
		if err != nil {
			rt.Fatalf("release of a live hold: %v", err)
		}
		b.status = boxoffice.StatusReleased
	case b.status == boxoffice.StatusHeld, b.status == boxoffice.StatusExpired:
		if !errors.Is(err, boxoffice.ErrHoldExpired) {
			rt.Fatalf("release of a lapsed hold: %v; want ErrHoldExpired", err)
		}
	default:
		if !errors.Is(err, boxoffice.ErrInvalidTransition) || errors.Is(err, boxoffice.ErrHoldExpired) {
			rt.Fatalf("release of a %s booking: %v; want ErrInvalidTransition", b.status, err)
		}
	}
}

// extend extends a booking's hold, as ExtendHold's doc says: from the
// show's start it is ErrShowStarted for any booking; a lapsed hold is
// ErrHoldExpired and a booking no longer held ErrInvalidTransition; a
// live hold whose deadline would move by less than the repeat window (a
// minute of the model's 10-minute TTL: already held until the start, or
// extended a moment ago) is returned unchanged, without using up an
// extension; past the cap it is ErrLimitReached (not ErrRateLimited) and
// nothing changes; else the deadline moves to HoldTTL from now (not past
// the start) and one extension is used. In one system a live hold always
// owns its seats: nobody else can take them before its deadline.
//
// It mostly picks a held booking and asks up to four times in a row, the
// clock moving up to 3 minutes before each (smExtendGaps), so that runs
// reach the cap and both sides of the window.
func (sm *stateMachine) extend(rt *rapid.T) {
	var held []boxoffice.BookingID
	for _, id := range sm.ids {
		if sm.books[id].status == boxoffice.StatusHeld {
			held = append(held, id)
		}
	}
	var b *smBooking
	if len(held) > 0 && rapid.IntRange(0, 3).Draw(rt, "extend a held booking") > 0 {
		b = sm.books[rapid.SampledFrom(held).Draw(rt, "held booking")]
	} else {
		b = sm.drawBooking(rt)
	}
	for range rapid.IntRange(1, 4).Draw(rt, "extensions asked") {
		// Sampled, not drawn from a range, which rapid draws mostly
		// small: around the repeat window's edge and well past it.
		d := rapid.SampledFrom(smExtendGaps).Draw(rt, "time before the extension")
		sm.f.clock.Advance(d)
		sm.now = sm.now.Add(d)
		sm.extendOnce(rt, b)
	}
}

// smExtendGaps are the times the clock moves before each extension asked.
var smExtendGaps = []time.Duration{0, time.Second, time.Minute - time.Microsecond, time.Minute, 3 * time.Minute}

// smExtendCounts counts how extensions ended, to show that runs reach
// every outcome.
type smExtendCounts struct {
	granted, repeated, capped, refused atomic.Int64
}

func (sm *stateMachine) extendOnce(rt *rapid.T, b *smBooking) {
	got, err := sm.f.sys.ExtendHold(sm.ctx, b.id)
	until := sm.now.Add(sm.ttl)
	if st := sm.starts[b.show]; until.After(st) {
		until = st
	}
	switch {
	case !sm.now.Before(sm.starts[b.show]):
		if !errors.Is(err, boxoffice.ErrShowStarted) {
			rt.Fatalf("extend of a %s booking once its show started: %v; want ErrShowStarted", b.status, err)
		}
		sm.ext.refused.Add(1)
	case b.status == boxoffice.StatusHeld && !sm.live(b), b.status == boxoffice.StatusExpired:
		var te *boxoffice.TransitionError
		if !errors.Is(err, boxoffice.ErrHoldExpired) || !errors.As(err, &te) {
			rt.Fatalf("extend of a lapsed hold: %v; want a *TransitionError, ErrHoldExpired", err)
		}
		sm.ext.refused.Add(1)
	case b.status != boxoffice.StatusHeld:
		if !errors.Is(err, boxoffice.ErrInvalidTransition) || errors.Is(err, boxoffice.ErrHoldExpired) {
			rt.Fatalf("extend of a %s booking: %v; want ErrInvalidTransition", b.status, err)
		}
		sm.ext.refused.Add(1)
	case until.Sub(b.until) < time.Minute: // held until the start already, or extended a moment ago
		if err != nil || got.Extensions != b.extensions || !got.HeldUntil.Equal(b.until) {
			rt.Fatalf("extend of a hold until %s, asked at %s: %d extensions until %s, %v; want it unchanged (%d, %s)",
				b.until, sm.now, got.Extensions, got.HeldUntil, err, b.extensions, b.until)
		}
		sm.ext.repeated.Add(1)
	case sm.maxExt >= 0 && b.extensions >= sm.maxExt:
		var rle *boxoffice.RateLimitError
		if !errors.Is(err, boxoffice.ErrLimitReached) || errors.Is(err, boxoffice.ErrRateLimited) ||
			!errors.As(err, &rle) || rle.Limit != boxoffice.LimitHoldExtensions {
			rt.Fatalf("extension %d past the cap %d: %v; want a *RateLimitError of LimitHoldExtensions", b.extensions+1, sm.maxExt, err)
		}
		sm.ext.capped.Add(1)
	default:
		if err != nil || got.Status != boxoffice.StatusHeld || got.Extensions != b.extensions+1 || !got.HeldUntil.Equal(until) {
			rt.Fatalf("extend of a live hold (%d extensions until %s): %s, %d extensions until %s, %v; want %d until %s",
				b.extensions, b.until, got.Status, got.Extensions, got.HeldUntil, err, b.extensions+1, until)
		}
		b.extensions++
		b.until = until
		sm.ext.granted.Add(1)
	}
}

// smPayment says how the gateway behaves during one confirm.
type smPayment struct {
	declined bool
	timeouts []bool // one entry per timed-out attempt: whether the charge went through anyway
	lapse    bool   // the payment outlasts the hold
	retake   bool   // and another customer takes a seat meanwhile
	retaker  string
}

func (sm *stateMachine) drawTimeouts(rt *rapid.T) smPayment {
	n := rapid.IntRange(1, 3).Draw(rt, "timeouts") // 3 is every attempt (Config.PaymentAttempts)
	return smPayment{timeouts: rapid.SliceOfN(rapid.Bool(), n, n).Draw(rt, "charged anyway")}
}

func (sm *stateMachine) drawLapse(rt *rapid.T) smPayment {
	return smPayment{lapse: true, retake: rapid.Bool().Draw(rt, "retake"), retaker: rapid.SampledFrom(smUsers).Draw(rt, "retaker")}
}

func (sm *stateMachine) confirm(rt *rapid.T, pay smPayment) {
	b := sm.drawBooking(rt)
	g := sm.f.gateway
	for _, applied := range pay.timeouts {
		g.script(chargeOutcome{err: context.DeadlineExceeded, applied: applied})
	}
	if pay.declined {
		g.script(chargeOutcome{err: boxoffice.ErrPaymentDeclined})
	}
	// A payment that outlasts the hold: the clock passes the deadline
	// while the charge is in flight, and maybe another customer takes the
	// first seat, which the library must allow since the hold is over.
	var retaken boxoffice.Booking
	var retakeErr error
	retook := false
	if pay.lapse {
		g.mu.Lock()
		g.before = func() {
			g.mu.Lock()
			g.before = nil
			g.mu.Unlock()
			sm.f.clock.Advance(sm.ttl)
			if pay.retake {
				retook = true
				retaken, retakeErr = sm.f.sys.HoldSeats(sm.ctx, pay.retaker, b.show, b.seats[:1])
			}
		}
		g.mu.Unlock()
	}
	got, err := sm.f.sys.ConfirmBooking(sm.ctx, b.id, "card")
	g.mu.Lock()
	g.charges, g.before = nil, nil // outcomes the confirm did not use
	g.mu.Unlock()

	wasLive := b.status == boxoffice.StatusHeld && sm.live(b)
	if retook { // the gateway was called: the booking was live and is now paying
		sm.now = sm.now.Add(sm.ttl)
		b.status = boxoffice.StatusPaying
		sm.expectHold(rt, pay.retaker, b.show, b.seats[:1], retaken, retakeErr)
	} else if pay.lapse && wasLive {
		sm.now = sm.now.Add(sm.ttl)
	}
	switch {
	case wasLive:
		sm.expectPayment(rt, b, pay, retakeErr, got, err)
	case b.status == boxoffice.StatusConfirmed:
		if err != nil || got.Status != boxoffice.StatusConfirmed {
			rt.Fatalf("confirm of a confirmed booking: %s, %v", got.Status, err)
		}
	case b.status == boxoffice.StatusHeld && !sm.now.Before(sm.starts[b.show]): // too late to pay; left to expire
		if !errors.Is(err, boxoffice.ErrShowStarted) {
			rt.Fatalf("confirm of a hold once its show started: %v; want ErrShowStarted", err)
		}
	case b.status == boxoffice.StatusHeld: // lapsed: expired now
		if !errors.Is(err, boxoffice.ErrHoldExpired) {
			rt.Fatalf("confirm of a lapsed hold: %v; want ErrHoldExpired", err)
		}
		b.status = boxoffice.StatusExpired
		sm.expired++
	case b.status == boxoffice.StatusExpired:
		if !errors.Is(err, boxoffice.ErrHoldExpired) {
			rt.Fatalf("confirm of an expired hold: %v; want ErrHoldExpired", err)
		}
	case b.status == boxoffice.StatusFailed:
		if !errors.Is(err, boxoffice.ErrPaymentFailed) {
			rt.Fatalf("confirm of a failed booking: %v; want ErrPaymentFailed", err)
		}
	default:
		if !errors.Is(err, boxoffice.ErrInvalidTransition) {
			rt.Fatalf("confirm of a %s booking: %v; want ErrInvalidTransition", b.status, err)
		}
	}
}

// expectPayment checks the outcome of paying for a live hold.
// retakeErr is the answer to the other customer's hold during the payment,
// if one was made: a hold refused (the show started meanwhile) takes no
// seat, and the payment goes through.
func (sm *stateMachine) expectPayment(rt *rapid.T, b *smBooking, pay smPayment, retakeErr error, got boxoffice.Booking, err error) {
	chargedAnyway := slices.Contains(pay.timeouts, true)
	fail := func(refund bool, want ...error) {
		for _, w := range append(want, boxoffice.ErrPaymentFailed) {
			if !errors.Is(err, w) {
				rt.Fatalf("confirm (%+v): %v; want it to match %v", pay, err, w)
			}
		}
		b.status = boxoffice.StatusFailed
		if refund { // charged, or maybe charged: refunded in full
			sm.charged += b.total
			sm.refunded += b.total
			b.paid, b.refunded = b.total, b.total
		}
	}
	switch {
	case pay.declined:
		fail(false, boxoffice.ErrPaymentDeclined)
	case len(pay.timeouts) == 3: // every attempt timed out
		fail(chargedAnyway, context.DeadlineExceeded)
	case pay.retake && retakeErr == nil: // another customer holds a seat now
		fail(true, boxoffice.ErrHoldExpired)
	default: // paid, at the first attempt that was answered
		if err != nil || got.Status != boxoffice.StatusConfirmed || got.Payment.Amount != b.total {
			rt.Fatalf("confirm (%+v): %s paid %s, %v; want confirmed and %s paid", pay, got.Status, got.Payment.Amount, err, b.total)
		}
		b.status = boxoffice.StatusConfirmed
		b.paid = b.total
		sm.charged += b.total
	}
	if got.Status != b.status {
		rt.Fatalf("confirm (%+v) returned a %s booking; want %s", pay, got.Status, b.status)
	}
}

func (sm *stateMachine) cancel(rt *rapid.T) {
	b := sm.drawBooking(rt)
	got, err := sm.f.sys.CancelBooking(sm.ctx, b.id)
	left := sm.starts[b.show].Sub(sm.now)
	switch {
	case b.status == boxoffice.StatusCancelled:
		if err != nil || got.Refund.Amount != b.refunded {
			rt.Fatalf("second cancel: refund %s, %v; want %s again", got.Refund.Amount, err, b.refunded)
		}
	case b.status == boxoffice.StatusConfirmed && left > 0:
		percent := 0
		switch {
		case left > 6*time.Hour:
			percent = 100
		case left > 2*time.Hour:
			percent = 50
		case left > 30*time.Minute:
			percent = 25
		}
		want := b.total * boxoffice.Money(percent) / 100 // totals are whole multiples of 1.00
		if err != nil || got.Refund.Amount != want || got.Refund.Percent != percent {
			rt.Fatalf("cancel %s before the show: refund %s (%d%%), %v; want %s (%d%%)", left, got.Refund.Amount,
				got.Refund.Percent, err, want, percent)
		}
		b.status = boxoffice.StatusCancelled
		b.refunded = want
		sm.refunded += want
	default:
		if !errors.Is(err, boxoffice.ErrInvalidTransition) {
			rt.Fatalf("cancel of a %s booking %s before the show: %v; want ErrInvalidTransition", b.status, left, err)
		}
	}
}

// cancelShow cancels a show, now and then (a cancelled show refuses every
// hold, so cancelling often would leave little else to test): a show
// cancelled already is cancelled again with zero counts; from its start
// it is ErrShowStarted; else every live hold is released, every lapsed
// hold still on a seat expired, and every confirmed booking cancelled and
// refunded in full, whatever the time left.
func (sm *stateMachine) cancelShow(rt *rapid.T) {
	if rapid.IntRange(0, 5).Draw(rt, "cancel a show now") != 0 {
		return // not skipped: rapid ends a run after many skips
	}
	show := rapid.SampledFrom(smShows).Draw(rt, "show to cancel")
	got, err := sm.f.sys.CancelShow(sm.ctx, show)
	switch {
	case sm.cancelled[show]:
		if err != nil || got != (boxoffice.ShowCancellation{}) {
			rt.Fatalf("CancelShow of %s again: %+v, %v; want zero counts, no error", show, got, err)
		}
	case !sm.now.Before(sm.starts[show]):
		if !errors.Is(err, boxoffice.ErrShowStarted) {
			rt.Fatalf("CancelShow of %s once it started: %v; want ErrShowStarted", show, err)
		}
	default:
		var want boxoffice.ShowCancellation
		for _, id := range sm.ids {
			b := sm.books[id]
			if b.show != show {
				continue
			}
			switch {
			case b.status == boxoffice.StatusConfirmed:
				b.status, b.refunded = boxoffice.StatusCancelled, b.total
				sm.refunded += b.total
				want.BookingsCancelled++
			case b.status == boxoffice.StatusHeld && sm.live(b):
				b.status = boxoffice.StatusReleased
				want.HoldsReleased++
			case b.status == boxoffice.StatusHeld && slices.ContainsFunc(b.seats, func(s string) bool { return sm.owner[show][s] == b.id }):
				b.status = boxoffice.StatusExpired // lapsed, still on a seat
				sm.expired++
				want.HoldsExpired++
			}
		}
		if err != nil || got != want {
			rt.Fatalf("CancelShow of %s: %+v, %v; want %+v", show, got, err, want)
		}
		sm.cancelled[show] = true
	}
}

func (sm *stateMachine) advance(rt *rapid.T) {
	d := time.Duration(rapid.IntRange(0, 40*60).Draw(rt, "seconds")) * time.Second
	sm.f.clock.Advance(d)
	sm.now = sm.now.Add(d)
}

// advanceNearStart moves the clock to within a hold's TTL of a show's
// start, where holds and extensions stop at the start.
func (sm *stateMachine) advanceNearStart(rt *rapid.T) {
	show := rapid.SampledFrom(smShows).Draw(rt, "show")
	to := sm.starts[show].Add(-time.Duration(rapid.IntRange(1, 15*60).Draw(rt, "seconds before the start")) * time.Second)
	if !to.After(sm.now) {
		return // past that already (not skipped: rapid ends a run after many skips)
	}
	sm.f.clock.Advance(to.Sub(sm.now))
	sm.now = to
}

func (sm *stateMachine) sweep(rt *rapid.T) {
	n, err := sm.f.sys.Sweep(sm.ctx)
	if err != nil {
		rt.Fatal(err)
	}
	want := 0
	for _, b := range sm.books {
		if b.status == boxoffice.StatusHeld && !sm.live(b) {
			b.status = boxoffice.StatusExpired
			want++
		}
	}
	sm.expired += want
	// Sweep's count is loose: it also counts a deadline it pops for a
	// hold that is already expired (by a confirm, or a second copy of the
	// deadline from the sweeper's rescan), so only its lower bound is
	// checked; Stats.Expired, checked after every action, is exact.
	if n < want {
		rt.Fatalf("Sweep expired %d holds; the model has %d lapsed", n, want)
	}
}

// check runs after every action: the library and the model agree, and the
// invariants hold.
func (sm *stateMachine) check(rt *rapid.T) {
	if !sm.f.clock.Now().Equal(sm.now) {
		rt.Fatalf("clock %s; model %s", sm.f.clock.Now(), sm.now)
	}
	if got := sm.f.sys.Stats().Expired; got != uint64(sm.expired) {
		rt.Fatalf("Stats.Expired = %d; the model expired %d holds", got, sm.expired)
	}
	// Every booking, with its money.
	var confirmed, kept boxoffice.Money
	for _, id := range sm.ids {
		want := sm.books[id]
		got, err := sm.f.sys.Booking(sm.ctx, id)
		if err != nil {
			rt.Fatal(err)
		}
		if got.Status != want.status || got.Total != want.total || got.Payment.Amount != want.paid || got.Refund.Amount != want.refunded {
			rt.Fatalf("booking %s: %s total %s paid %s refunded %s; model: %s %s %s %s", id, got.Status, got.Total,
				got.Payment.Amount, got.Refund.Amount, want.status, want.total, want.paid, want.refunded)
		}
		if got.Extensions != want.extensions || want.status == boxoffice.StatusHeld && !got.HeldUntil.Equal(want.until) {
			rt.Fatalf("booking %s (%s): %d extensions, held until %s; model: %d, %s", id, got.Status, got.Extensions,
				got.HeldUntil, want.extensions, want.until)
		}
		switch want.status {
		case boxoffice.StatusConfirmed:
			confirmed += want.total
		case boxoffice.StatusCancelled, boxoffice.StatusFailed:
			kept += want.paid - want.refunded
		}
	}
	// The ledger: money charged − refunded is the confirmed bookings plus
	// what cancellations kept, and the gateway agrees with the model.
	charged, refunded := sm.f.gateway.Totals()
	if charged != sm.charged || refunded != sm.refunded {
		rt.Fatalf("gateway charged %s refunded %s; model %s and %s", charged, refunded, sm.charged, sm.refunded)
	}
	if charged-refunded != confirmed+kept {
		rt.Fatalf("ledger: charged %s − refunded %s ≠ confirmed %s + kept by cancellations %s", charged, refunded, confirmed, kept)
	}
	// Every charge belongs to a booking that paid (or may have paid) its
	// total, once.
	var paidFor []string
	for _, b := range sm.books {
		if b.paid > 0 {
			paidFor = append(paidFor, "charge:"+b.id.String())
			if rc, ok := sm.f.gateway.Charged("charge:" + b.id.String()); !ok || rc.Amount != b.total {
				rt.Fatalf("booking %s paid %s; the gateway charged %s (%v)", b.id, b.total, rc.Amount, ok)
			}
		}
	}
	if keys := slices.Sorted(slices.Values(sm.f.gateway.ChargeKeys())); !slices.Equal(keys, slices.Sorted(slices.Values(paidFor))) {
		rt.Fatalf("charges %v; the model has paid bookings %v", keys, paidFor)
	}
	// Seat maps, and the stored seats: each taken seat belongs to a live
	// booking that lists it.
	for _, show := range smShows {
		m, err := sm.f.sys.SeatMap(sm.ctx, show)
		if err != nil {
			rt.Fatal(err)
		}
		if m.Cancelled != sm.cancelled[show] || m.Cancelled && m.Free != 0 {
			rt.Fatalf("%s's seat map: cancelled %v, %d free; model: cancelled %v", show, m.Cancelled, m.Free, sm.cancelled[show])
		}
		for _, s := range m.Seats {
			want := boxoffice.SeatAvailable
			if b, ok := sm.liveOwner(show, s.ID); ok {
				want = boxoffice.SeatHeld
				if b.status == boxoffice.StatusConfirmed {
					want = boxoffice.SeatBooked
				}
			}
			if s.Status != want {
				rt.Fatalf("%s/%s is %s; model: %s", show, s.ID, s.Status, want)
			}
		}
		if err := checkStoredSeats(sm.ctx, sm.f.store, sm.layout, show, sm.now); err != nil {
			rt.Fatal(err)
		}
	}
	assertOneOwnerPerSeat(rt, sm.f.sys, smUsers, sm.now)
}

// checkStoredSeats reads a show's stored seats and checks that every seat
// taken at now is owned by a live booking that lists it.
func checkStoredSeats(ctx context.Context, store boxoffice.Store, layout *boxoffice.Layout, showID string, now time.Time) error {
	return store.ViewShow(ctx, showID, func(tx boxoffice.ShowTx) error {
		for i := range tx.NumSeats() {
			slot := tx.Seat(i)
			if slot.StatusAt(now) == boxoffice.SeatAvailable {
				continue
			}
			b, err := tx.Booking(slot.Booking)
			if err != nil {
				return fmt.Errorf("%s seat %d is %s by unknown booking %s: %v", showID, i, slot.Status, slot.Booking, err)
			}
			if !b.Status.Live() || (b.Status == boxoffice.StatusConfirmed) != (slot.Status == boxoffice.SeatBooked) {
				return fmt.Errorf("%s seat %d is %s by a %s booking %s", showID, i, slot.Status, b.Status, b.ID)
			}
			seat := layout.Seat(i).ID
			if !slices.ContainsFunc(b.Seats, func(s boxoffice.BookingSeat) bool { return s.ID == seat }) {
				return fmt.Errorf("%s seat %s is taken by booking %s, which does not list it", showID, seat, b.ID)
			}
		}
		return nil
	})
}
