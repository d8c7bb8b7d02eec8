package boxoffice

import (
	"context"
	"sync"
	"time"

	"github.com/boxoffice-go/boxoffice/internal/deadlines"
)

// Money owed back — a cancellation's refund, or the void of a charge a
// failed booking may have taken — is paid by the call that owes it. When
// the gateway (or the Store) fails, the booking stays cancelled or failed
// with Booking.RefundOwed positive, and nothing but this queue makes sure
// the customer gets the money without calling again: the background
// sweeper pops the bookings whose retry is due and pays them with the same
// idempotency keys, so the gateway pays once whatever the number of
// attempts, calls or processes.
//
// The wait before each retry starts at Config.PaymentBackoff, but at least
// a second (the call that failed has already retried that quickly), and
// doubles with each failure up to maxOwedBackoff: an outage of the gateway
// is met with ever fewer calls, and a booking waits at most an hour after
// the gateway is back. A Store that implements OwedRefundLister also
// feeds the queue with bookings other processes (or this one before a
// restart) left owing.

// maxOwedBackoff caps the wait between two retries of one booking's
// refund. An hour rather than Config.RescanInterval (a minute by default):
// a refund that keeps failing is usually a gateway that is down or a
// refund it refuses, and hammering it every minute for every booking owed
// would not pay anyone sooner.
const maxOwedBackoff = time.Hour

// owedBatch bounds the retries of one sweeper tick, as sweepBatch bounds
// its expiries; the rest wait for the next tick. A tick also stops at the
// first retry that fails (see settleOwed), so a gateway that hangs holds
// up the sweeper for one call of at most Config.PaymentTimeout per tick.
const owedBatch = 64

// owedKey names a booking owing money back on the retry queue. Like
// holdKey, it points at the show's entry.
type owedKey struct {
	show *showEntry
	id   BookingID
}

// owedRetries is the queue of bookings owing money back whose payment has
// failed. known holds every booking the queue knows of, so that each is
// on the queue at most once however many calls fail to pay it and
// however often a rescan lists it; a booking leaves known once it is
// found to owe nothing.
type owedRetries struct {
	mu      sync.Mutex
	queue   deadlines.Queue[owedKey] // retries by due time; one entry per known booking with queued set
	known   map[BookingID]*owedState
	first   time.Duration // the wait after the first failure
	ceiling time.Duration // the longest wait
}

type owedState struct {
	failures int  // failed attempts to pay, by calls and by the sweeper
	queued   bool // on the queue; false while the sweeper retries it
}

func (r *owedRetries) init(cfg Config) {
	r.known = make(map[BookingID]*owedState)
	r.first = max(cfg.PaymentBackoff, time.Second)
	r.ceiling = max(maxOwedBackoff, r.first)
}

// delay is the wait before the retry that follows the n-th failure.
func (r *owedRetries) delay(n int) time.Duration {
	d := r.first
	for i := 1; i < n && d < r.ceiling; i++ {
		d *= 2
	}
	return min(d, r.ceiling)
}

// failed records a failed attempt to pay what booking id owes and queues
// it for a retry after the backoff, unless it is queued already (its
// retry then stays when it was).
func (r *owedRetries) failed(e *showEntry, id BookingID, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.known[id]
	if st == nil {
		st = &owedState{}
		r.known[id] = st
	}
	st.failures++
	if !st.queued {
		st.queued = true
		r.queue.Push(now.Add(r.delay(st.failures)), owedKey{show: e, id: id})
	}
}

// found queues, due now, a booking that a Store listed as owing money,
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

// paid forgets a booking that owes nothing any more, unless it is queued:
// its retry will find nothing owed and forget it then.
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

// settleOwed is the background sweeper's retry of money owed back: it
// pays, one gateway call each, the bookings whose retry is due, at most
// owedBatch of them. The first failure ends the tick's retries and puts
// the rest back, due at once: the gateway is most likely down, and one
// call a tick is enough to find out when it is back, without holding up
// the sweeper (or a down gateway) with a call for every booking owed.
func (bs *BookingSystem) settleOwed(ctx context.Context) {
	now := bs.clock.Now()
	due := bs.owed.popDue(now, owedBatch)
	for i, k := range due {
		err := bs.payOwed(ctx, k.show, k.id)
		if err == nil {
			continue
		}
		bs.owed.putBack(due[i+1:], now)
		if ctx.Err() != nil {
			return // closing: not a failure of the gateway
		}
		bs.stats.refundRetryFails.Add(1)
		bs.log.Warn("boxoffice: could not pay money owed back; retrying later",
			"booking", k.id, "show", k.show.show.ID, "failures", bs.owed.failures(k.id), "err", err)
		return
	}
}

// payOwed pays what one booking owes back, if it still does, as the call
// that owed it would have: a cancellation's refund by its refund key
// (payRefund), a failed payment's void by its void key (voidLostPayment),
// recorded the same way. It makes one gateway call; the queue does the
// backing off. A failure has queued the booking again.
func (bs *BookingSystem) payOwed(ctx context.Context, e *showEntry, id BookingID) error {
	b, err := bs.store.Booking(ctx, id)
	switch {
	case isNotFound(err):
		bs.owed.paid(id)
		return nil
	case err != nil:
		bs.owed.failed(e, id, bs.clock.Now())
		return err
	}
	switch {
	case b.RefundOwed() == 0:
		bs.owed.paid(id) // paid meanwhile, by a call or another process
		return nil
	case b.Status == StatusCancelled:
		_, err = bs.payRefundTries(ctx, e, b, 1)
		return err
	default: // StatusFailed
		_, voidErr, err := bs.voidLostPayment(ctx, e, b, 1, false)
		if voidErr != nil {
			return voidErr
		}
		return err
	}
}
