package boxoffice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boxoffice-go/boxoffice/internal/deadlines"
)

// The background sweeper settles the bookings that a call left unsettled,
// so that nobody has to call again; they wait on one retry queue, which
// this file keeps:
//
//   - Money owed back — a cancellation's refund, or the void of a charge a
//     failed booking may have taken — is paid by the call that owes it.
//     When the gateway (or the Store) fails, the booking stays cancelled
//     or failed with Booking.RefundOwed positive, and the sweeper pays it
//     with the same idempotency keys, so the gateway pays once whatever
//     the number of attempts, calls or processes.
//   - A payment left unfinished — a booking still paying because the
//     ConfirmBooking that charged it could not record the outcome (a Store
//     error in its last transaction) or its process died — is resumed as
//     ConfirmBooking resumes it: charged by the same key (the gateway
//     charges once), then confirmed, or failed and voided. Never before
//     its Payment.LiveUntil — abandonAfter, by the Config of the process
//     that started it or last resumed it, since then — has passed (judged
//     again in the transaction that resumes), as no live call can
//     take that long: a resume earlier could race a call still running in
//     another process (one in this process it never races: it goes through
//     the same table of confirms in flight).
//
// The wait before each retry starts at Config.PaymentBackoff, but at least
// a second (the call that failed has already retried that quickly), and
// doubles with each failure up to maxOwedBackoff: an outage of the gateway
// is met with ever fewer calls, and a booking waits at most an hour after
// the gateway is back. A Store that implements UnsettledBookingLister also
// feeds the queue with bookings other processes (or this one before a
// restart) left unsettled.

// maxOwedBackoff caps the wait between two retries of one booking's
// refund. An hour rather than Config.RescanInterval (a minute by default):
// a refund that keeps failing is usually a gateway that is down or a
// refund it refuses, and hammering it every minute for every booking owed
// would not pay anyone sooner.
const maxOwedBackoff = time.Hour

// owedBatch bounds the retries of one sweeper tick, as sweepBatch bounds
// its expiries; the rest wait for the next tick. Of those, at most one
// resumes an abandoned payment (see settleOwed): a whole payment —
// PaymentAttempts calls of up to Config.PaymentTimeout, the backoffs
// between, and its void — where a refund or a void is one call, so that
// 64 of them would hold the sweeper (and its expiries) up for most of an
// hour. A tick also stops at the first retry that fails, so a gateway
// that hangs holds up the sweeper for one call of at most
// Config.PaymentTimeout per tick; a payment, which runs on a goroutine of
// its own, one at a time, for one Config.SweepInterval at most.
const owedBatch = 64

// payingMargin is what abandonAfter adds to the time a payment's gateway
// calls may take: the Store transactions on either side of the charge
// (normally milliseconds, but a busy database retries) and some skew between
// the clocks of processes sharing a Store, since the bound recorded with the
// booking (Payment.LiveUntil) was computed on the clock of the process that
// started or resumed the payment. Five minutes, so that a resume does not
// race a live call in a sound deployment (clocks of processes may drift apart
// by minutes: the multi-instance test runs them up to 4 minutes apart), yet a
// customer charged by a process that died gets a ticket or the money back
// minutes later, not hours.
const payingMargin = 5 * time.Minute

// abandonAfter is how long a booking may stay paying before the sweeper
// takes its payment as abandoned and resumes it: the longest a live
// ConfirmBooking can spend charging — Config.PaymentAttempts calls of at
// most Config.PaymentTimeout each and the backoffs between them
// (PaymentBackoff, doubling) — plus payingMargin. Defaults: 3 × 15 s +
// 0.2 s + 0.4 s + 5 min = 5 min 45.6 s. The process that starts a
// payment, and every one that resumes it, records the bound from then by
// its own Config with the booking (Payment.LiveUntil, see liveUntil; a
// resume never moves it sooner), and every process judges by the
// recorded time, so that processes need not share payment settings. The
// bound counts from the last start or resume, so that once a payment is abandoned
// one resume takes it over and the sweepers of the other instances wait
// for that resume to end or be abandoned in turn (each judges the bound
// again in the transaction that would resume: see resumePayment). A
// customer's retry does not wait: it resumes the payment at once, by the
// same key, on whatever instance it lands, joining the call or resume in
// flight on that instance if there is one (see ConfirmBooking). A gateway
// that ignores its context's deadline, or a Store transaction that hangs
// for more than the margin, can outlast it; the resume then races the call, which costs no
// seat and no money (one charge per idempotency key; whichever records
// its outcome first wins, and the other finds the booking settled) but
// may fail a payment the call would have kept, if the resume's own
// charge attempts fail.
func abandonAfter(cfg Config) time.Duration {
	const maxDuration = time.Duration(math.MaxInt64)
	add := func(a, b time.Duration) time.Duration { return min(a, maxDuration-b) + b } // saturating; a, b ≥ 0
	calls := maxDuration
	if n := time.Duration(cfg.PaymentAttempts); cfg.PaymentTimeout <= maxDuration/n {
		calls = n * cfg.PaymentTimeout
	}
	for i, b := 1, cfg.PaymentBackoff; i < cfg.PaymentAttempts && b > 0 && calls < maxDuration; i++ {
		calls = add(calls, b)
		b = add(b, b)
	}
	return add(calls, payingMargin)
}

// liveUntil is Payment.LiveUntil for a payment that this process starts
// or resumes at now (a stored time): now plus abandonAfter, rounded up to
// the microsecond as Stores keep times (rounded down, it would have the
// payment abandoned a fraction of a microsecond before the bound), and no
// later than farFuture: a bound that saturates stays a time that every
// Store, and JSON, can hold, and that no clock reaches.
func (r *owedRetries) liveUntil(now time.Time) time.Time {
	if r.abandon >= farFuture.Sub(now) {
		return farFuture
	}
	t := now.Add(r.abandon)
	if c := t.Truncate(time.Microsecond); c.Before(t) {
		t = c.Add(time.Microsecond)
	}
	return storedTime(t)
}

// abandonedAt returns the time past which the payment of b, a booking
// paying, is abandoned: the LiveUntil that the process which started or
// last resumed it recorded, whatever this process's Config; for a payment
// that started under a version that did not record it, abandonAfter by
// this process's Config from UpdatedAt (as every process judged then).
func (r *owedRetries) abandonedAt(b *Booking) time.Time {
	if !b.Payment.LiveUntil.IsZero() {
		return b.Payment.LiveUntil
	}
	return b.UpdatedAt.Add(r.abandon)
}

// laterTime returns the later of a and b.
func laterTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// owedKey names a booking to settle on the retry queue. Like holdKey, it
// points at the show's entry.
type owedKey struct {
	show *showEntry
	id   BookingID
}

// owedRetries is the queue of bookings to settle: owing money back that a
// call failed to pay, or left paying. known holds every booking the queue
// knows of, so that each is on the queue at most once however many calls
// fail to settle it and however often a rescan lists it; a booking leaves
// known once it is found settled.
type owedRetries struct {
	mu      sync.Mutex
	queue   deadlines.Queue[owedKey] // retries by due time; one entry per known booking with queued set
	known   map[BookingID]*owedState
	first   time.Duration // the wait after the first failure
	ceiling time.Duration // the longest wait
	abandon time.Duration // abandonAfter(cfg)
	streak  failStreak    // the sweeper's failed settles in a row, for its logs

	// The sweeper's resume of an abandoned payment runs on a goroutine of
	// its own, one at a time (see resumePayment): resuming says one runs,
	// and the sweeper waits for resumes before it returns.
	resuming atomic.Bool
	resumes  sync.WaitGroup
}

type owedState struct {
	failures int  // failed attempts to settle, by calls and by the sweeper
	queued   bool // on the queue; false while the sweeper retries it
}

// pending returns how many bookings are known to need settling.
func (r *owedRetries) pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.known)
}

func (r *owedRetries) init(cfg Config) {
	r.known = make(map[BookingID]*owedState)
	r.first = max(cfg.PaymentBackoff, time.Second)
	r.ceiling = max(maxOwedBackoff, r.first)
	r.abandon = abandonAfter(cfg)
}

// delay is the wait before the retry that follows the n-th failure.
func (r *owedRetries) delay(n int) time.Duration {
	d := r.first
	for i := 1; i < n && d < r.ceiling; i++ {
		d *= 2
	}
	return min(d, r.ceiling)
}

// failed records a failed attempt to settle booking id (to pay what it
// owes, or to record its payment's outcome) and queues it for a retry
// after the backoff, unless it is queued already (its retry then stays
// when it was).
func (r *owedRetries) failed(e *showEntry, id BookingID, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.state(id)
	st.failures++
	if !st.queued {
		st.queued = true
		r.queue.Push(now.Add(r.delay(st.failures)), owedKey{show: e, id: id})
	}
}

// state returns the queue's record of booking id, making one if it has
// none. The caller holds r.mu.
func (r *owedRetries) state(id BookingID) *owedState {
	st := r.known[id]
	if st == nil {
		st = &owedState{}
		r.known[id] = st
	}
	return st
}

// failedOnce is failed for a retry of the sweeper that failed, unless the
// retry has queued the booking already (popDue unqueued it): the failing
// step (a Store transaction, a void) records its failure where it
// happens, and counting it twice would double the backoff.
func (r *owedRetries) failedOnce(e *showEntry, id BookingID, now time.Time) {
	r.mu.Lock()
	queued := r.known[id] != nil && r.known[id].queued
	r.mu.Unlock()
	if !queued {
		r.failed(e, id, now)
	}
}

// found queues, due now, a booking that a Store listed as unsettled,
// unless the queue knows of it already.
func (r *owedRetries) found(e *showEntry, id BookingID, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.known[id] != nil {
		return
	}
	r.known[id] = &owedState{queued: true}
	r.queue.Push(now, owedKey{show: e, id: id})
}

// later queues booking id, due at, without counting a failure: a payment
// not yet abandoned, or one that a call of this process is finishing. If
// the booking is queued already, its retry stays when it was.
func (r *owedRetries) later(e *showEntry, id BookingID, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st := r.state(id); !st.queued {
		st.queued = true
		r.queue.Push(at, owedKey{show: e, id: id})
	}
}

// paid forgets a booking that is settled (owes nothing, and is not
// paying), unless it is queued: its retry will find it settled and forget
// it then.
func (r *owedRetries) paid(id BookingID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st := r.known[id]; st != nil && !st.queued {
		delete(r.known, id)
	}
}

// popDue takes up to max bookings whose retry is due off the queue.
func (r *owedRetries) popDue(now time.Time, max int) []owedKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := r.queue.PopDue(now, max, nil)
	for _, k := range keys {
		if st := r.known[k.id]; st != nil {
			st.queued = false
		}
	}
	return keys
}

// putBack queues again, due at once, bookings popped but not tried.
func (r *owedRetries) putBack(keys []owedKey, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range keys {
		st := r.known[k.id]
		switch {
		case st == nil: // paid by a call meanwhile; its retry will find nothing owed
			st = &owedState{}
			r.known[k.id] = st
		case st.queued: // queued again by a call that failed meanwhile
			continue
		}
		st.queued = true
		r.queue.Push(now, k)
	}
}

// failures returns how often paying booking id has failed so far.
func (r *owedRetries) failures(id BookingID) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st := r.known[id]; st != nil {
		return st.failures
	}
	return 0
}

// settleOwed is the background sweeper's retry of the bookings to settle: it
// settles the bookings whose retry is due, at most owedBatch of them, paying
// what is owed back with one gateway call each, and resumes at most one
// abandoned payment as ConfirmBooking does (PaymentAttempts calls at most,
// and a void): a payment due after that one is put back, due at once, for the
// next tick, so that a tick lasts one payment and not owedBatch of them,
// whether they succeed or fail; and the tick waits for that one only a
// SweepInterval, after which it goes on on its own goroutine, and no
// other payment is resumed until it ends (see resumePayment). The first
// failure ends the tick's retries and puts the rest back, due at once: the gateway (or the Store) is most likely
// down, and one try a tick is enough to find out when it is back, without
// holding up the sweeper (or a down gateway) with a call for every booking. A
// refusal (ErrPaymentDeclined), or a refund's ErrChargeNotFound, is the
// exception: the gateway is up and has answered about that booking alone.
// Successes and refusals go on only while the tick has lasted less than
// Config.SweepInterval, and then the rest is put back for the next tick: a
// slow gateway (a refund of 10 s that succeeds) would otherwise hold up the
// sweeper's expiries, and the Watch updates they make, for owedBatch calls.
//
// A failure is logged paced by the run of failures in a row it is part of
// (failStreak): an outage logs its start, a reminder every 10 minutes and
// its end, not a line a tick. A panic of user code (the PaymentGateway) is
// a failure of that booking like any other, logged at Error: it must not take down the sweeper, and
// with it the process that embeds the library.
func (bs *BookingSystem) settleOwed(ctx context.Context) {
	now := bs.clock.Now()
	due := bs.owed.popDue(now, owedBatch)
	resumed := false
	for i, k := range due {
		r, err := bs.settleRecovered(ctx, k, !resumed && !bs.owed.resuming.Load())
		resumed = resumed || r
		switch {
		case err == nil:
			bs.logSettled()
		case err == errResumeGoesOn:
			// The tick has waited a SweepInterval for the resume: the
			// next must expire holds. The resume logs its own outcome.
			bs.owed.putBack(due[i+1:], now)
			return
		case !bs.settleFailed(ctx, k, err):
			bs.owed.putBack(due[i+1:], now)
			return
		}
		if bs.clock.Now().Sub(now) >= bs.cfg.SweepInterval {
			bs.owed.putBack(due[i+1:], now)
			return
		}
	}
}

// settleFailed counts and logs a failed settle of booking k, and says
// whether the tick may go on with the next booking: only after a refusal
// of the gateway's about this booking alone.
func (bs *BookingSystem) settleFailed(ctx context.Context, k owedKey, err error) (goOn bool) {
	var pe *settlePanic
	switch {
	case errors.As(err, &pe):
		bs.stats.refundRetryFails.Add(1)
		bs.log.Error("boxoffice: panic while settling a booking (pay money owed back, or finish its payment); retrying later",
			"booking", k.id, "show", k.show.show.ID, "failures", bs.owed.failures(k.id), "panic", pe.value, "stack", string(pe.stack))
	case ctx.Err() != nil:
		// closing: not a failure of the gateway
	case errors.Is(err, ErrPaymentDeclined), errors.Is(err, ErrChargeNotFound):
		// The gateway answered, for good, about this booking alone (a
		// refusal, or a refund of a charge it does not know): it is
		// up, so the tick goes on, unless it has lasted a sweep
		// interval already, as after a success. Stopping at each
		// would let bookings it keeps refusing, one a tick, hold up
		// every other one: in a chaos drill, a thousand refunds whose
		// charges a gateway did not know held up abandoned payments
		// for minutes past their bound.
		bs.stats.refundRetryFails.Add(1)
		bs.log.Warn("boxoffice: the gateway refused to settle a booking (pay money owed back, or finish its payment); retrying later",
			"booking", k.id, "show", k.show.show.ID, "failures", bs.owed.failures(k.id), "err", err)
		return true
	default:
		bs.stats.refundRetryFails.Add(1)
		bs.logSettleFailure(k, err)
	}
	return false
}

// settleWarnEvery is how often, at most, a run of failed settles in a row
// logs at Warn after its first failure: see failStreak.
const settleWarnEvery = 10 * time.Minute

// failStreak paces the warnings of the sweeper's failed settles. While the
// Store or the gateway is down, every tick's retry fails (one a tick: the
// first failure ends the tick), and a Warn for each, every SweepInterval,
// buried the outage's start under a line a second. An operator wants the
// start, a reminder while it lasts, and its end: so the first failure of a
// run logs at Warn, then one every settleWarnEvery with the count so far,
// the others at Debug; the first settle that goes through after two or
// more failures logs at Info how many there were since when. The counters
// (Stats().RefundRetryFails, SweeperErrors) still count every failure, and
// are what to alert on.
type failStreak struct {
	mu     sync.Mutex
	fails  int       // failures in a row
	since  time.Time // the first of them
	warned time.Time // the last of them logged at Warn
}

// failed counts a failure at now and says whether to log it at Warn, with
// the run's count and start.
func (s *failStreak) failed(now time.Time) (warn bool, fails int, since time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fails == 0 {
		s.since = now
	}
	s.fails++
	if s.fails == 1 || now.Sub(s.warned) >= settleWarnEvery {
		s.warned, warn = now, true
	}
	return warn, s.fails, s.since
}

// ended ends the run, if any, and returns how many failures it had.
func (s *failStreak) ended() (fails int, since time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fails, since = s.fails, s.since
	s.fails = 0
	return fails, since
}

// logSettleFailure logs a failed settle of booking k (not a refusal of the
// gateway's, nor a panic), paced by the run of failures it is part of.
func (bs *BookingSystem) logSettleFailure(k owedKey, err error) {
	warn, fails, since := bs.owed.streak.failed(bs.clock.Now())
	level := slog.LevelDebug
	if warn {
		level = slog.LevelWarn
	}
	bs.log.Log(context.Background(), level, "boxoffice: could not settle a booking (pay money owed back, or finish its payment); retrying later",
		"booking", k.id, "show", k.show.show.ID, "failures", bs.owed.failures(k.id), "failed_in_a_row", fails, "since", since, "err", err)
}

// logSettled ends the run of failed settles, if any, once a settle went
// through: the Store and the gateway answer again.
func (bs *BookingSystem) logSettled() {
	if fails, since := bs.owed.streak.ended(); fails > 1 {
		bs.log.Info("boxoffice: settling bookings again after failures in a row", "failed_in_a_row", fails, "since", since)
	}
}

// settlePanic is a panic that settleRecovered caught.
type settlePanic struct {
	value any
	stack []byte
}

func (p *settlePanic) Error() string { return fmt.Sprintf("boxoffice: panic: %v", p.value) }

// settleRecovered is settleOne that turns a panic into a *settlePanic,
// having queued the booking again with backoff, as any failure.
func (bs *BookingSystem) settleRecovered(ctx context.Context, k owedKey, mayResume bool) (resumed bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			bs.owed.failedOnce(k.show, k.id, bs.clock.Now())
			err = &settlePanic{value: v, stack: debug.Stack()}
		}
	}()
	return bs.settleOne(ctx, k.show, k.id, mayResume)
}

// settleOne settles one booking, if it still needs it, as the call that
// left it unsettled would have: a cancellation's refund by its refund key
// (payRefund), a failed payment's void by its void key (voidLostPayment),
// each with one gateway call (the queue does the backing off), and a
// payment left paying as ConfirmBooking resumes it (resumePayment), if
// mayResume, else put back due now. The outcome is recorded the same
// way. A failure has queued the booking again. resumed says a payment
// was resumed.
func (bs *BookingSystem) settleOne(ctx context.Context, e *showEntry, id BookingID, mayResume bool) (resumed bool, err error) {
	b, err := bs.store.Booking(ctx, id)
	switch {
	case isNotFound(err):
		bs.owed.paid(id)
		return false, nil
	case err != nil:
		bs.owed.failed(e, id, bs.clock.Now())
		return false, err
	}
	switch {
	case b.Status == StatusPaying:
		return bs.resumePayment(ctx, e, b, mayResume)
	case b.RefundOwed() == 0:
		bs.owed.paid(id) // settled meanwhile, by a call or another process
		return false, nil
	case b.Status == StatusCancelled:
		_, err = bs.payRefundTries(ctx, e, b, 1)
		return false, err
	default: // StatusFailed
		_, voidErr, err := bs.voidLostPayment(ctx, e, b, 1, false)
		if voidErr != nil {
			return false, voidErr
		}
		return false, err
	}
}

// resumePayment finishes a payment that the call which started it left
// paying — its last transaction failed, or its process died — exactly as
// ConfirmBooking resumes a paying booking, with the method recorded on
// the booking: charged by the booking's charge key, so the gateway
// charges once however many calls and processes resume it, then
// confirmed if the seats are still the booking's, else failed and the
// charge voided, with the events a call sends. The customer asked to pay
// and may well have been charged: leaving the booking paying would keep
// the money without a ticket, and its seats, whose hold lapses, are up
// for others to take.
//
// It waits while the payment may still be live: until its recorded bound has
// passed (Payment.LiveUntil, which only the start of the payment and its
// resumes set; see abandonedAt), since a ConfirmBooking, or a resume, of
// another process sharing the Store may be finishing it. b was read outside
// the show's transaction, and another process may have resumed the payment
// since: the transaction that would resume judges the bound again, and if the
// payment is no longer abandoned it changes nothing, charges nothing and
// queues the booking for when that resume is abandoned in turn (a call that
// joined this resume then resumes the payment itself, as a call of its own
// would). It waits also while a ConfirmBooking of this process is, which the
// sweeper leaves it to rather than wait on it (the table of confirms in
// flight: a call that starts while the sweeper resumes joins the resume
// instead). Unless mayResume, an abandoned payment is put back, due now,
// untouched: the tick has resumed one already, or a resume still runs. The
// resume runs, like a call's payment, to its end on a context the sweeper's
// cancellation does not cut once the charge has begun, on a goroutine of its
// own that the sweeper waits for before it returns, so Close waits for it
// (bounded by Close's ctx). The tick waits for it one SweepInterval at most:
// then it returns errResumeGoesOn, and the resume logs its own outcome.
// A failure has queued the booking again, with backoff; resumed says the
// resume ran.
func (bs *BookingSystem) resumePayment(ctx context.Context, e *showEntry, b Booking, mayResume bool) (resumed bool, err error) {
	// Judged as the confirm's transaction judges it, by a stored time:
	// by the raw reading, a payment a microsecond short of abandoned
	// there was taken as abandoned here, to no end.
	now := storedTime(bs.clock.Now())
	if abandoned := bs.owed.abandonedAt(&b); !now.After(abandoned) {
		bs.owed.later(e, b.ID, abandoned)
		return false, nil
	}
	if !mayResume {
		bs.owed.putBack([]owedKey{{show: e, id: b.ID}}, now)
		return false, nil
	}
	c, mine := bs.confirms.claim(b.ID, false)
	if !mine {
		// Live in this process: that call records the outcome, or queues
		// the booking if it cannot. Look again once it must have ended.
		bs.owed.later(e, b.ID, now.Add(bs.owed.abandon))
		return false, nil
	}
	// The resume runs on a goroutine of its own, and the tick waits for it
	// one SweepInterval at most: a whole payment (PaymentAttempts calls
	// of up to PaymentTimeout, the backoffs, a void) held the sweeper up,
	// and with it the expiry of holds and the Watch updates it makes, for
	// as long. Past that the tick ends, and the resume goes on and logs
	// its own outcome; no other resume starts until it ends (resuming),
	// and the sweeper waits for it before it returns, so Close does too.
	// A resume that ends in time is the tick's, as it was.
	k := owedKey{show: e, id: b.ID}
	done := make(chan resumeOutcome) // unbuffered: taken by the tick, or not at all
	tickGone := make(chan struct{})
	// The wait is armed before the resume starts, so that it counts from
	// the start of the resume: a clock moved once the gateway is called
	// must find it armed.
	wait, cancel := withClockTimeout(ctx, bs.clock, bs.cfg.SweepInterval)
	defer cancel()
	bs.owed.resuming.Store(true)
	bs.owed.resumes.Go(func() {
		out := bs.runResume(ctx, e, b, c)
		bs.owed.resuming.Store(false) // before the tick hears: its next booking may resume
		select {
		case done <- out:
		case <-tickGone:
			if out.err == nil {
				bs.logSettled()
			} else {
				bs.settleFailed(ctx, k, out.err)
			}
		}
	})
	select {
	case out := <-done:
		return out.resumed, out.err
	case <-wait.Done():
		close(tickGone)
		return true, errResumeGoesOn
	}
}

// resumeOutcome is what a resume of the sweeper's came to: resumed says it
// ran (see resumePayment).
type resumeOutcome struct {
	resumed bool
	err     error
}

// errResumeGoesOn is resumePayment's answer to a tick that stopped waiting
// for the resume, which goes on on its own goroutine.
var errResumeGoesOn = errors.New("boxoffice: the resume of a payment goes on past the sweeper's tick")

// runResume resumes the payment of b, which the sweeper claimed as c, as
// ConfirmBooking resumes it, on the resume's own goroutine. A panic of the
// gateway is a failure like any other, as settleRecovered makes it on the
// sweeper's.
func (bs *BookingSystem) runResume(ctx context.Context, e *showEntry, b Booking, c *confirmCall) (res resumeOutcome) {
	defer func() {
		if v := recover(); v != nil {
			bs.owed.failedOnce(e, b.ID, bs.clock.Now())
			res = resumeOutcome{resumed: true, err: &settlePanic{value: v, stack: debug.Stack()}}
		}
	}()
	out, err := func() (out Booking, err error) {
		// Should the gateway panic, the calls that joined the resume get
		// an error, and the next confirm of the booking starts afresh;
		// the panic goes on to the recover above.
		err = errResumePanicked
		defer func() { bs.confirms.finish(b.ID, c, out, err) }()
		return bs.confirm(ctx, b.ID, b.Payment.Method, true)
	}()
	resumed, err := bs.resumed(e, b, out, err)
	return resumeOutcome{resumed: resumed, err: err}
}

// resumed records the outcome of a resume of b's payment that ended with
// out and err, and returns resumePayment's answer.
func (bs *BookingSystem) resumed(e *showEntry, b, out Booking, err error) (bool, error) {
	var pe *PaymentError
	switch {
	case err == errNotAbandoned:
		// Resumed by another process since b was read: not abandoned
		// after all. Look again once that resume is.
		bs.owed.later(e, b.ID, bs.owed.abandonedAt(&out))
		return false, nil
	case err == nil:
		bs.owed.paid(b.ID)
		return true, nil
	case errors.As(err, &pe):
		if pe.RefundErr != nil {
			return true, pe.RefundErr // the void failed: voidLostPayment queued it
		}
		bs.owed.paid(b.ID) // failed, and nothing owed back
		return true, nil
	default:
		// A Store error, which queued the booking; should an error come
		// from elsewhere, it is a failure all the same, with backoff.
		bs.owed.failedOnce(e, b.ID, bs.clock.Now())
		return true, err
	}
}

// errResumePanicked is what a ConfirmBooking that joined the sweeper's
// resume of its payment returns when the resume panicked: the booking
// is still paying, and the sweeper resumes it again later.
var errResumePanicked = errors.New("boxoffice: the background resume of this payment panicked; it will be retried")
