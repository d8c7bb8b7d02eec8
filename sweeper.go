package boxoffice

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// sweepBatch bounds the holds one Sweep expires, so that one tick never
// runs long; the rest wait for the next tick.
const sweepBatch = 4096

// sweepFailStreak is how many holds in a row a Sweep fails to expire
// before it leaves the rest of its batch for the next: the Store is down,
// most likely, and a try at every due hold every tick would hammer it as it
// comes back. sweepErrsKept bounds the errors a Sweep returns (and the
// sweeper logs) in full; the rest are counted.
const (
	sweepFailStreak = 3
	sweepErrsKept   = 3
)

// sweepShowFails is how many holds of one show in a row a Sweep fails to
// expire before it leaves the show's other holds for the next try: its
// Store transactions are failing, most likely, while other shows' work.
const sweepShowFails = 2

// Sweep expires holds whose deadline has passed, now, and reports how many
// it expired. It takes at most 4,096 due deadlines a call, so
// that one call never runs long, and leaves the rest queued for the next
// call or tick: it returns at most 4,096, and 4,096 when more lapsed holds
// than that are waiting — fewer only when some deadlines it took expire
// nothing (holds released, paid for, extended or expired elsewhere since)
// or fail to. A hold the [Store] fails to expire is queued again for the
// next call, behind the holds the call did not try; so, untried, are the
// call's other holds of a show two of whose holds in a row failed, and,
// after three failures in a row, the rest of the call's batch. The error
// returned joins the first three errors and counts the rest. The
// background sweeper calls it every [Config.SweepInterval]; a hold is free
// the instant its deadline passes either way (lazy expiry), so Sweep only
// makes the expiry visible to observers, watchers and queries. It pops due
// deadlines off a queue and never scans seats: O(expired), as deadlines
// are pushed in order (now plus the TTL); a deadline pushed early goes to
// a heap, O(log holds).
// The queue is this BookingSystem's: the holds made or extended through it,
// and, on a Store shared with other processes (an [ExpiredHoldLister], such
// as pgstore's), the lapsed holds of others that its background sweeper's
// rescan found (every [Config.RescanInterval]). So a Sweep of one instance
// expires nothing of a hold another instance made until a rescan has
// queued it: that instance's Sweep, or either sweeper, expires it.
// It does not retry money owed back ([Booking.RefundOwed]): only the
// background sweeper's tick does, which keeps Sweep's work and its count
// about holds alone.
//
// A Sweep whose ctx ends stops there, leaves the holds it has not expired
// queued, and returns an error matching ctx.Err(); a failure because ctx
// ended is not counted in [Stats.SweeperErrors] (nor is the background
// sweeper's, which [BookingSystem.Close] stops).
//
// After Close it returns [ErrClosed]; Close waits for a Sweep in flight.
func (bs *BookingSystem) Sweep(ctx context.Context) (int, error) {
	gs, err := bs.enter()
	if err != nil {
		return 0, err
	}
	defer bs.leave(gs)
	return bs.sweep(ctx)
}

// sweep is Sweep for the background sweeper, which Close stops and waits
// for on its own before it closes the observers' queues.
func (bs *BookingSystem) sweep(ctx context.Context) (int, error) {
	now := bs.clock.Now()
	due := bs.holds.PopDue(now, sweepBatch, nil)
	n, failed, streak := 0, 0, 0
	var errs []error
	// The holds to try again are queued back once the loop ends, behind
	// the holds it did not try: pushed back first, the holds of a show
	// whose transactions keep failing (its row locked by a stuck
	// transaction, a show too hot to get through) came first in every
	// Sweep, which stopped at them, and no other show's lapsed hold was
	// expired again. A show that fails twice in a row (showFails) has its
	// other holds left for the next try without a transaction, counted in
	// no streak; one hold that fails alone (a booking the Store cannot
	// read) keeps no other hold of its show from expiring.
	var skipped, failedKeys []holdKey
	var showFails map[*showEntry]int
	for i, k := range due {
		if showFails[k.show] >= sweepShowFails {
			skipped = append(skipped, k)
			continue
		}
		ok, err := bs.expire(ctx, k.show, k.id)
		if err != nil && ctx.Err() != nil {
			// The call's ctx ended (Close stopping the background
			// sweeper, say): not a failure of the sweeper's, nor of the
			// Store's, and no use trying the rest. Keep them all queued.
			for _, rest := range due[i:] {
				bs.holds.Push(now, rest)
			}
			errs = append(errs, fmt.Errorf("boxoffice: sweeper stopped; %d holds left for the next try: %w", len(due)-i, ctx.Err()))
			break
		}
		if err != nil {
			// Keep it for another try; the seat is free meanwhile anyway.
			bs.stats.sweeperErrors.Add(1)
			failedKeys = append(failedKeys, k)
			if showFails == nil {
				showFails = make(map[*showEntry]int)
			}
			showFails[k.show]++
			if failed++; len(errs) < sweepErrsKept {
				errs = append(errs, err)
			}
			if streak++; streak == sweepFailStreak && i+1 < len(due) {
				for _, rest := range due[i+1:] {
					bs.holds.Push(now, rest)
				}
				errs = append(errs, fmt.Errorf("boxoffice: sweeper: %d holds in a row failed to expire; %d more left for the next try",
					streak, len(due)-i-1))
				break
			}
			continue
		}
		streak = 0
		delete(showFails, k.show)
		if ok {
			n++
		}
	}
	for _, k := range skipped {
		bs.holds.Push(now, k)
	}
	for _, k := range failedKeys {
		bs.holds.Push(now, k)
	}
	if failed > sweepErrsKept {
		errs = append(errs, fmt.Errorf("boxoffice: sweeper: %d more holds failed to expire", failed-sweepErrsKept))
	}
	if len(skipped) > 0 {
		errs = append(errs, fmt.Errorf("boxoffice: sweeper: %d more holds of shows that failed twice in a row left for the next try", len(skipped)))
	}
	return n, errors.Join(errs...)
}

// expire moves one lapsed hold to expired; false if it was not (any more)
// a lapsed hold.
func (bs *BookingSystem) expire(ctx context.Context, e *showEntry, id BookingID) (bool, error) {
	var b Booking
	changed, err := bs.endHoldIn(ctx, e, id, bookingPlace{}, StatusExpired, &b)
	if err != nil {
		if isNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return changed, nil
}

// rescan asks a Store shared with other processes (or that outlives this
// one) for lapsed holds and unsettled bookings (money owed back, payments
// abandoned) that this process does not know of.
func (bs *BookingSystem) rescan(ctx context.Context) {
	bs.rescanHolds(ctx)
	bs.rescanUnsettled(ctx)
}

// rescanUnsettled queues, for the sweeper's retry, the bookings that a
// Store implementing UnsettledBookingLister lists as unsettled: left by a
// process that failed to settle them and is gone, or by this one before
// a restart. Payments count as abandoned once their Payment.LiveUntil
// has passed (or, for one without, once they have been paying for
// abandonAfter) by this process's clock; resumePayment judges the same
// way, by the same clock. Bookings owing money are read a page a rescan,
// from where the last page ended (owingCursor): those the gateway keeps
// refusing never leave the list, and its first page alone would, once
// they were enough, show this process nothing else owed, ever.
func (bs *BookingSystem) rescanUnsettled(ctx context.Context) {
	lister := bs.unsettled
	if lister == nil || ctx.Err() != nil {
		return
	}
	now := storedTime(bs.clock.Now()) // as resumePayment judges
	queue := func(r BookingRef, e *showEntry) { bs.owed.found(e, r.Booking, now) }
	showOf := func(r BookingRef) string { return r.ShowID }
	owing, err := lister.OwingBookings(ctx, bs.owingCursor, sweepBatch)
	switch {
	case err != nil:
	case len(owing) < sweepBatch:
		bs.owingCursor = BookingCursor{} // the end: start again next time
	default:
		last := owing[len(owing)-1]
		bs.owingCursor = BookingCursor{At: last.UpdatedAt, ID: last.Booking}
	}
	queueRescanned(ctx, bs, "bookings owing money", owing, err, showOf, queue)
	paying, err := lister.AbandonedPayments(ctx, now, now.Add(-bs.owed.abandon), sweepBatch)
	queueRescanned(ctx, bs, "abandoned payments", paying, err, showOf, queue)
}

// rescanHolds asks a Store shared with other processes for lapsed holds
// this process does not know of.
func (bs *BookingSystem) rescanHolds(ctx context.Context) {
	lister := bs.expired
	if lister == nil {
		return
	}
	refs, err := lister.ExpiredHolds(ctx, bs.clock.Now(), sweepBatch)
	queueRescanned(ctx, bs, "expired holds", refs, err, func(r HoldRef) string { return r.ShowID },
		func(r HoldRef, e *showEntry) { bs.holds.Push(r.HeldUntil, holdKey{show: e, id: r.Booking}) })
}

// queueRescanned hands each booking a rescan listed, with its show's
// entry, to queue. A failure to list or to load a show is counted and
// logged as the sweeper's, unless ctx has ended: the sweeper is stopping
// (perhaps before its first rescan), which is not a failure.
func queueRescanned[R any](ctx context.Context, bs *BookingSystem, what string, refs []R, err error,
	showOf func(R) string, queue func(R, *showEntry)) {
	if err != nil {
		if ctx.Err() == nil {
			bs.stats.sweeperErrors.Add(1)
			bs.log.Warn("boxoffice: sweeper could not list "+what, "err", err)
		}
		return
	}
	for _, r := range refs {
		e, err := bs.entry(ctx, showOf(r))
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			bs.stats.sweeperErrors.Add(1)
			bs.log.Warn("boxoffice: sweeper could not load the show of one of the "+what, "show", showOf(r), "err", err)
		default:
			queue(r, e)
		}
	}
}

// evictEvery is the longest the sweeper waits between forgetting the
// limits' idle users and long-ended shows. It is not RescanInterval,
// which paces the Store rescans and may be long (a single process on the
// MemoryStore has nothing to rescan): the limits would then keep every
// user ever seen. A pass costs one walk of the users and shows in memory.
const evictEvery = time.Minute

// runSweeper calls Sweep and settles the due bookings of the retry queue
// — money owed back, payments abandoned — (settleOwed) every
// SweepInterval; every RescanInterval it rescans the Store; and every
// min(RescanInterval, evictEvery) it forgets idle users and long-ended
// shows; until ctx is cancelled. Each runs on the first tick once its
// time has passed. Holds come first in a tick: a retry waiting on the
// gateway never delays an expiry of that tick, and a resumed payment,
// which runs on a goroutine of its own, delays the next by at most a
// SweepInterval (see resumePayment). Before it returns, it waits for that
// resume, so that Close does.
func (bs *BookingSystem) runSweeper(ctx context.Context) {
	defer close(bs.sweeperRan)
	defer bs.owed.resumes.Wait()
	t := bs.clock.NewTimer(bs.cfg.SweepInterval)
	defer t.Stop()
	bs.rescan(ctx)
	lastRescan := bs.clock.Now()
	lastEvict := lastRescan
	evictInterval := min(bs.cfg.RescanInterval, evictEvery)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		if _, err := bs.sweep(ctx); err != nil && ctx.Err() == nil {
			bs.log.Warn("boxoffice: sweeper", "err", err)
		}
		bs.settleOwed(ctx)
		now := bs.clock.Now()
		if now.Sub(lastRescan) >= bs.cfg.RescanInterval {
			bs.rescan(ctx)
			lastRescan = now
		}
		if now.Sub(lastEvict) >= evictInterval {
			if err := bs.users.evictIdle(ctx, now); err != nil && ctx.Err() == nil {
				bs.log.Warn("boxoffice: sweeper: forgetting idle users' limits", "err", err)
			}
			bs.shows.forgetEnded(now.Add(-endedShowRetention))
			lastEvict = now
		}
		t.Reset(bs.cfg.SweepInterval)
	}
}
