package boxoffice

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Idempotency keys are derived from the booking ID, so every process and
// every retry of one booking's payment names the same charge.
func chargeKey(id BookingID) string { return "charge:" + id.String() }
func voidKey(id BookingID) string   { return "void:" + id.String() }
func refundKey(id BookingID) string { return "refund:" + id.String() }

// inflight joins concurrent confirms of one booking in this process, so
// that they share one payment and one result.
type inflight struct {
	mu    sync.Mutex
	calls map[BookingID]*confirmCall
}

type confirmCall struct {
	done    chan struct{}
	b       Booking
	err     error
	waiters int // calls waiting on done; guarded by inflight.mu (tests watch it)
}

// claim returns the confirm of booking id in flight in this process, with
// false; if there is none, it registers a new one and returns it with
// true, and the caller must run it and finish it. A caller that will wait
// on a confirm in flight says so with join, which counts it as a waiter
// under the same lock; it must count itself out (leave) once done.
func (f *inflight) claim(id BookingID, join bool) (*confirmCall, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.calls[id]; c != nil {
		if join {
			c.waiters++
		}
		return c, false
	}
	c := &confirmCall{done: make(chan struct{})}
	f.calls[id] = c
	return c, true
}

// leave counts out a waiter that joined c.
func (f *inflight) leave(c *confirmCall) {
	f.mu.Lock()
	c.waiters--
	f.mu.Unlock()
}

// finish ends a confirm that claim registered: it hands the outcome to
// the calls that joined it, and the next confirm of the booking starts
// afresh.
func (f *inflight) finish(id BookingID, c *confirmCall, b Booking, err error) {
	c.b, c.err = b, err
	f.mu.Lock()
	delete(f.calls, id)
	f.mu.Unlock()
	close(c.done)
}

// ConfirmBooking pays for a held booking and, if the payment goes through
// while the seats are still the booking's, sells them. It pays for whoever
// asks: a service checks [Booking.UserID] against its session first (see "Who
// may do what" in the package documentation).
//
// It marks the booking paying, charges the gateway outside any lock with
// the booking's idempotency key (retrying transient failures with
// exponential backoff, [Config.PaymentAttempts] in all), then confirms in a
// new show transaction. On a final failure the booking is failed, its seats
// are released, [Payment.FailureKind] says why, and the error matches
// [ErrPaymentFailed] and the sentinel of that kind ([ErrPaymentDeclined],
// [context.DeadlineExceeded]; [ErrShowStarted] for a payment abandoned until
// its show started, below). If the hold was lost while the payment was in
// flight, the charge is refunded and the error matches ErrPaymentFailed and
// [ErrHoldExpired]; if they were lost because [BookingSystem.CancelShow]
// cancelled the show, it matches [ErrShowCancelled] too, and
// [Payment.Failure] says the show was cancelled. A charge whose receipt names
// another amount than the total fails the booking too ([FailureGatewayError];
// see [PaymentGateway]), and what the receipt names is refunded.
//
// A charge that went through, or may have, for a booking that failed is
// voided by its idempotency key — also one that goes through, or may
// have, after a call in another process failed the booking; the answer
// is then the recorded failure, as a replay's is (see PaymentGateway for
// the void's keys). If the void fails too, the error says so
// ([PaymentError.RefundErr], which matches no sentinel: the answer matches
// what a replay's does), the booking stays failed with the money owed
// ([Booking.RefundOwed]), and the background sweeper retries the void with
// growing backoff until it goes through; calling ConfirmBooking again
// retries it at once.
//
// A held booking is not paid for once its show has started (judged inside
// the show's transaction): the answer is a [*ShowStartedError] (ErrShowStarted)
// and nothing is charged or changed, since the seats can no longer be used.
// A payment already under way when the show starts runs to its end; but it
// is not resumed once the show has started: a call for a booking still
// paying then gets a *ShowStartedError, charges nothing and leaves the
// booking paying, and once the payment is abandoned (see below) whatever
// it took is voided and the booking fails with [FailureShowStarted].
//
// Confirming is idempotent: concurrent and repeated calls for one booking
// charge at most once, and every call that gets the outcome gets the same
// one (a failed payment's error matches the same sentinels each time). So
// a failed booking stays failed, its seats for sale: calling again, with
// this method or another, answers its recorded failure and charges
// nothing. A customer whose card was declined pays with another card by
// holding the seats again, a new booking (a hold request like any, counted
// against [Config.HoldsPerMinute]). A
// call for a booking already paying resumes its payment: charges by the
// same key, with the method the payment started with (method is then
// ignored), and records the outcome. It does so at once, even while the
// payment may be live in another process (the gateway charges once per
// key, and whichever records its outcome first wins); in this process it
// joins the call, or the sweeper's resume, in flight instead. A call that
// joins a payment in flight in this process waits for it only while its
// own ctx lasts: when ctx ends first, it returns ctx.Err() and the
// payment goes on without it; read the booking ([BookingSystem.Booking]) to
// learn how it ended. A paying booking whose seats are lost — its hold
// ran out and someone took a seat — is not charged again once its payment
// is abandoned (no live call can still be charging it): it fails as hold
// lost (ErrPaymentFailed and ErrHoldExpired), and whatever the payment
// took is voided by its key. One that may still be live is resumed by its
// charge key, and the void then gives back what that charge took.
//
// Nobody has to call again, though: a payment left unfinished — the
// transaction that records its outcome failed (the call then returns an
// error matching [ErrPaymentUnsettled] and the [Store]'s error, and logs it),
// or the process died after marking the booking paying —
// is resumed by the background sweeper in the same way once it has been
// paying for longer than any live call can take (PaymentAttempts ×
// PaymentTimeout, the backoffs between, and five minutes of margin for
// the Store and for clock skew between processes), so that it does not
// race a call still charging in another process. The process that starts
// the payment records that instant with the booking, by its own [Config]
// ([Payment.LiveUntil]), and every process judges by it, whatever its own
// [BookingSystem.Config]. It counts from the last start or resume: a resume
// moves it, in its first transaction, to the resume's own bound (never
// sooner), so that the sweepers of every process leave it the time to finish
// rather than all resuming at once (a sweeper judges this again in the
// transaction that would resume, so one that read the booking before
// another's resume began leaves it alone). A
// customer's retry does not wait for the bound, as above: a call of this
// process that comes while the sweeper resumes joins the resume, and the
// sweeper leaves a payment that a call of this process is finishing to
// that call. The outcome is recorded, and reaches observers
// ([BookingConfirmed], or [PaymentFailed] with the void), as a call's would.
// With a Store that implements [UnsettledBookingLister], any process
// sharing the Store does this for a process that died.
//
// Once the payment has started, it runs to its end even if ctx is
// cancelled — a customer who closes the page mid-payment must not turn a
// sale into a void — bounded by Config.PaymentAttempts calls of at most
// [Config.PaymentTimeout] each and the backoff between them. The Store work
// that follows (keeping the seats, or refunding) runs on the same detached
// context, bounded only by the Store's own timeouts: a Store that hangs
// holds the call, and [BookingSystem.Close] waits for it up to Close's ctx.
//
// A panic in the gateway (or in the Store) does not cross the API: the
// call, and the calls that joined it, return it as an error, and the
// booking, left paying or owing money back, is queued for the sweeper.
//
// Telling the answers apart: match ErrPaymentFailed (or a [*PaymentError])
// before context.DeadlineExceeded. A payment whose last attempt timed out
// matches both, and its booking has failed, its seats for sale again;
// an error that matches context.DeadlineExceeded or [context.Canceled]
// without ErrPaymentFailed is the caller's ctx ending before the outcome
// was known (a call that joined a payment in flight, say): the payment may
// still go on, and the booking (BookingSystem.Booking) tells how it ends.
//
// The [Booking] that comes back with the answer: with no error, the confirmed
// booking. With a *PaymentError (ErrPaymentFailed), the failed booking:
// [StatusFailed], its seats for sale again, Payment.FailureKind and
// Payment.Failure saying why, and RefundOwed what the void has not given
// back yet (non-zero when PaymentError.RefundErr is set). With a
// [*TransitionError] ([ErrInvalidTransition]), the booking in the state that
// refused: released, cancelled, completed, or expired (by the sweeper, or
// by this very call if its hold had run out), the error then matching
// ErrHoldExpired too. With a *ShowStartedError, the booking unchanged, held
// or paying. In those cases it is the booking as the call left it on
// record, which BookingSystem.Booking reads next; a call that joined a
// payment in flight that failed gets what that payment's call got (and one
// whose payment went through, the booking as it is now). Every other error
// comes with the zero Booking: an [*ArgumentError], [ErrNotFound], [ErrClosed],
// the ctx's error of a call that joined a payment in flight,
// ErrPaymentUnsettled (the booking left paying), a panic, and a Store error
// — including one that failed to record a failed payment's void, when the
// booking has failed all the same (the error is then the Store's, not a
// *PaymentError, and the sweeper retries the void); read the booking to
// know where it stands. ([BookingSystem.CancelBooking] and
// [BookingSystem.ExtendHold] differ: their *TransitionError comes with the
// zero Booking.)
//
// A method longer than 256 bytes, not valid UTF-8 or with control
// characters is refused with an *ArgumentError ([ErrInvalidArgument])
// before anything is read, charged or changed (see [PaymentMethod]), even
// for a call that would only resume a payment.
func (bs *BookingSystem) ConfirmBooking(ctx context.Context, bookingID BookingID, method PaymentMethod) (Booking, error) {
	if err := bs.made(); err != nil {
		return Booking{}, err
	}
	// Before anything else: the method is stored on the booking for good
	// and handed to the gateway (and to the Store's SQL).
	if err := validText("method", string(method), false, maxPaymentMethodLen); err != nil {
		return Booking{}, err
	}
	b, err := bs.confirmBooking(ctx, bookingID, method)
	return b.snapshot(), err // calls joined to one share its booking
}

func (bs *BookingSystem) confirmBooking(ctx context.Context, bookingID BookingID, method PaymentMethod) (Booking, error) {
	gs, err := bs.enter()
	if err != nil {
		return Booking{}, err
	}
	defer bs.leave(gs)
	for {
		c, mine := bs.confirms.claim(bookingID, true)
		if mine {
			return bs.confirmClaimed(ctx, bookingID, method, c)
		}
		// A call of this process, or the sweeper resuming an abandoned
		// payment, is paying for the booking: share its outcome.
		select {
		case <-c.done:
			bs.confirms.leave(c)
		case <-ctx.Done():
			bs.confirms.leave(c)
			return Booking{}, ctx.Err()
		}
		switch {
		case c.err == nil:
			// The call may have settled before this one began and the
			// booking moved on since (cancelled): answer from its state
			// now, as a call of our own would.
			return bs.confirm(ctx, bookingID, method, false)
		case c.err != errNotAbandoned:
			return c.b, c.err
		}
		// The sweeper left the payment alone after all: another process
		// resumed it meanwhile. This call resumes it as a call of its own
		// would, claiming it first.
	}
}

// confirmClaimed runs the confirm that this call claimed and finishes it,
// even if the gateway (or other user code) panics: the calls joined to it
// must get an answer, and later calls must not find it in flight forever.
// The panic becomes an error (no panic crosses the API), which the joined
// calls share; the booking is queued for the sweeper, which finishes a
// payment left paying once abandoned, or pays back what a failed booking
// owes, as after a Store error.
func (bs *BookingSystem) confirmClaimed(ctx context.Context, id BookingID, method PaymentMethod, c *confirmCall) (b Booking, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = Booking{}, fmt.Errorf("boxoffice: confirming booking %s panicked: %v", id, r)
			if e, lookupErr := bs.entryOfBooking(context.WithoutCancel(ctx), id); lookupErr == nil {
				bs.owed.failed(e, id, bs.clock.Now())
			}
		}
		bs.confirms.finish(id, c, b, err)
	}()
	return bs.confirm(ctx, id, method, false)
}

// errNotAbandoned is confirm's answer to the sweeper (bySweeper) when the
// booking, which the sweeper read as an abandoned payment, is paying but
// not abandoned in the show's transaction: another process resumed it
// after the sweeper's read (a resume moves Payment.LiveUntil), and that resume
// is left the time a live call has. The booking is returned as read then.
var errNotAbandoned = errors.New("boxoffice: payment resumed elsewhere meanwhile; not abandoned")

// confirm is ConfirmBooking's work, for a call or (bySweeper) for the
// sweeper resuming a payment it read as abandoned.
func (bs *BookingSystem) confirm(ctx context.Context, bookingID BookingID, method PaymentMethod, bySweeper bool) (Booking, error) {
	e, err := bs.entryOfBooking(ctx, bookingID)
	if err != nil {
		return Booking{}, err
	}
	// 1. Mark the booking paying, unless it is already past that.
	var b Booking
	var resolved error    // set when the booking's state is the answer
	var voidInstead error // set when the payment is to be failed and voided, charging nothing: why
	var startedPaying, expiredNow, wasPaying bool
	err = bs.update(ctx, e, func(tx ShowTx, now time.Time, ev *[]Event) error {
		var err error
		if b, err = tx.Booking(bookingID); err != nil {
			return err
		}
		resolved, voidInstead, startedPaying, expiredNow = nil, nil, false, false
		wasPaying = b.Status == StatusPaying
		switch b.Status {
		case StatusPaying:
			abandoned := now.After(bs.owed.abandonedAt(&b))
			if bySweeper && !abandoned {
				// The sweeper judged the payment abandoned on a read made
				// before another process resumed it: that resume may be
				// live. Judged again here, in the transaction, so that one
				// resume at a time takes an abandoned payment over.
				resolved = errNotAbandoned
				return nil
			}
			if abandoned && tx.ShowCancelled() {
				// CancelShow took the seats back: fail the payment as
				// below for lost seats, saying why, even once the show's
				// start has passed (the show never started).
				voidInstead = errShowWasCancelled
				return nil
			}
			if !now.Before(e.show.Start) {
				// No charge now for seats of a show under way. A payment
				// abandoned (no live call can still be charging it) has
				// whatever it took voided; one that may still be live is
				// left to its call, and to the sweeper once abandoned.
				if abandoned {
					voidInstead = &ShowStartedError{ShowID: e.show.ID, Start: e.show.Start}
					return nil
				}
				resolved = &ShowStartedError{ShowID: e.show.ID, Start: e.show.Start}
				return nil
			}
			if abandoned && !bookingOwnsSeats(tx, e.layout, &b) {
				// The hold lapsed during the payment and someone took a
				// seat: a new charge could only be voided at once. Fail
				// the booking as hold lost instead, and void whatever the
				// call that started the payment took (settle, with no
				// charge attempt of ours). Only once the payment is
				// abandoned: a call still charging in another process
				// could take the money after this void found none, and
				// nothing would be owed on record. A payment that may be
				// live is resumed by its charge key instead, and its void
				// then gives back whatever that charge took.
				voidInstead = errSeatsLost
				return nil
			}
			// Resume a payment another call started. The abandon bound
			// counts from now: the sweepers of every process leave this
			// resume the time a live call of this process has, rather
			// than all resuming at once. A customer's retry does not wait
			// (see ConfirmBooking). The bound recorded never comes
			// sooner: the call that started the payment, or an earlier
			// resume, may be live and allowed longer by its process's
			// Config.
			b.UpdatedAt = now
			b.Payment.LiveUntil = laterTime(b.Payment.LiveUntil, bs.owed.liveUntil(now))
			tx.PutBooking(b)
			return nil
		case StatusConfirmed:
			resolved = errDone
			return nil
		case StatusFailed:
			if b.RefundOwed() > 0 {
				return nil // money may still be owed back: resume below
			}
			resolved = &PaymentError{Booking: b.ID, Attempts: b.Payment.Attempts, Err: recordedFailure(b.Payment)}
			return nil
		case StatusHeld:
		default:
			resolved = &TransitionError{Booking: b.ID, From: b.Status, To: StatusPaying, Expired: b.Status == StatusExpired}
			return nil
		}
		if !now.Before(e.show.Start) {
			// Seats of a show under way are worth nothing to the customer:
			// refuse before any money moves. The hold is left to expire.
			resolved = &ShowStartedError{ShowID: e.show.ID, Start: e.show.Start}
			return nil
		}
		if !now.Before(b.HeldUntil) || !bookingOwnsSeats(tx, e.layout, &b) {
			// The hold ran out before payment began: expire it now rather
			// than wait for the sweeper. So did one that lost a seat:
			// another process, its clock ahead of ours, saw it run out and
			// gave the seat to someone else; charging would only end in a
			// refund.
			_ = b.moveTo(StatusExpired, now)
			freed := freeSeats(tx, e.layout, &b)
			tx.PutBooking(b)
			if ev != nil {
				*ev = append(*ev, &HoldExpired{EventMeta: b.meta(now, e.eventZone()), Seats: b.SeatIDs(), freed: freed})
			}
			resolved = &TransitionError{Booking: b.ID, From: StatusHeld, To: StatusPaying, Expired: true}
			expiredNow = true
			return nil
		}
		if err := b.moveTo(StatusPaying, now); err != nil {
			return err
		}
		// Recorded with the booking, so that every process sharing the
		// Store judges this payment abandoned by this process's bound,
		// not by its own Config.
		b.Payment.Method, b.Payment.LiveUntil = method, bs.owed.liveUntil(now)
		tx.PutBooking(b)
		startedPaying = true
		return nil
	})
	if err != nil {
		if wasPaying || startedPaying {
			// A resume that could not start, or a payment's start that
			// may have committed all the same (a Store that cannot tell):
			// the sweeper looks again, and resumes a payment left paying.
			bs.owed.failed(e, bookingID, bs.clock.Now())
		}
		return Booking{}, err
	}
	if b.Status != StatusHeld {
		// Not a live hold any more, whichever call moved it: a move that
		// committed but reported an error left the user counted.
		bs.users.forget(ctx, b.UserID, b.ID)
	}
	if expiredNow {
		bs.stats.expired.Add(1)
	}
	switch {
	case resolved == errDone:
		return b, nil
	case resolved != nil:
		return b, resolved
	}
	// From here on the payment runs to its end whatever happens to ctx:
	// leaving a booking paying with money taken is worse than a late answer.
	work := context.WithoutCancel(ctx)
	if b.Status == StatusFailed {
		// A replay: the customer heard of the failure with the first
		// answer, and hears again only once the money is back.
		return bs.refundLostPayment(work, e, b, recordedFailure(b.Payment), false)
	}

	// 2. Charge, outside any lock, on work: a cancelled ctx must not abort
	// a charge that may already be taking the money. charge bounds itself.
	if voidInstead != nil {
		// No charge attempt of ours (attempts 0): settle fails the booking
		// and voids what the payment may have taken.
		return bs.settle(work, e, b.ID, Receipt{}, 0, voidInstead)
	}
	receipt, attempts, chargeErr := bs.charge(work, b)

	// 3. Keep the seats if they are still ours, else give the money back.
	return bs.settle(work, e, b.ID, receipt, attempts, chargeErr)
}

// holdLostText is Payment.Failure of a booking whose seats were lost during
// its payment.
const holdLostText = "hold expired during payment and a seat was taken"

// errSeatsLost is why a resumed payment whose seats were lost before it
// charged fails (FailureHoldLost): the error a replay rebuilds from the
// record (recordedFailure), so that both answer alike.
var errSeatsLost error = &failureError{kind: FailureHoldLost, msg: holdLostText}

// showCancelledText is Payment.Failure of a booking whose seats were lost
// during its payment because CancelShow cancelled its show: still
// FailureHoldLost (the seats went while the payment ran), but the customer
// is told the real reason (PaymentFailed.Reason), and the error matches
// ErrShowCancelled too.
const showCancelledText = "the show was cancelled"

// errShowWasCancelled is errSeatsLost for a show that CancelShow cancelled.
var errShowWasCancelled error = &failureError{kind: FailureHoldLost, msg: showCancelledText, cancelled: true}

// recordedFailure rebuilds the error of a recorded payment failure from the
// booking alone (which every Store keeps, unlike the gateway's error): the
// same text as the first answer (as recorded: cleaned and bounded, see
// gatewayText), matching the sentinel of its kind, so that a replayed
// confirm answers as the first one did.
func recordedFailure(p Payment) error {
	msg := p.Failure
	if msg == "" {
		msg = "payment failed (" + p.FailureKind.String() + ")"
	}
	// The text tells a seat lost to CancelShow from one lost to another
	// customer: the kind is the same (no Store needs a new one).
	cancelled := p.FailureKind == FailureHoldLost && p.Failure == showCancelledText
	return &failureError{kind: p.FailureKind, msg: msg, cancelled: cancelled}
}

type failureError struct {
	kind      PaymentFailureKind
	msg       string
	cancelled bool // the show was cancelled: matches ErrShowCancelled too
}

func (f *failureError) Error() string { return f.msg }

func (f *failureError) Unwrap() []error {
	errs := make([]error, 0, 2)
	if s := f.kind.sentinel(); s != nil {
		errs = append(errs, s)
	}
	if f.cancelled {
		errs = append(errs, ErrShowCancelled)
	}
	return errs
}

// chargeFailureKind is failureKindOf, but for a failure of ours that
// settle records in place of a charge's (errSeatsLost): its own kind.
func chargeFailureKind(err error) PaymentFailureKind {
	if fe, ok := err.(*failureError); ok {
		return fe.kind
	}
	return failureKindOf(err)
}

// errDone marks a booking that is already confirmed.
var errDone = errors.New("boxoffice: already confirmed")

// charge takes the booking's total through the gateway, retrying transient
// errors with exponential backoff on the Clock. ConfirmBooking calls it with
// a context that is never cancelled, so it must end on its own: at most
// Config.PaymentAttempts calls, each cut off after Config.PaymentTimeout
// on the Clock, and none after the show is found cancelled.
func (bs *BookingSystem) charge(ctx context.Context, b Booking) (Receipt, int, error) {
	if b.Total == 0 {
		return Receipt{Reference: "free"}, 0, nil
	}
	req := ChargeRequest{IdempotencyKey: chargeKey(b.ID), Booking: b.ID, UserID: b.UserID, Amount: b.Total, Method: b.Payment.Method}
	backoff := bs.cfg.PaymentBackoff
	var err error
	for attempt := 1; ; attempt++ {
		var rc Receipt
		// cancel deferred: a gateway that panics must not leave the
		// deadline's timer armed on the Clock.
		callCtx, cancel := withClockTimeout(ctx, bs.clock, bs.cfg.PaymentTimeout)
		rc, err = func() (Receipt, error) { defer cancel(); return bs.gateway.Charge(callCtx, req) }()
		if err == nil {
			return rc, attempt, nil
		}
		if errors.Is(err, ErrPaymentDeclined) || attempt >= bs.cfg.PaymentAttempts || ctx.Err() != nil {
			return Receipt{}, attempt, err
		}
		if backoff > 0 {
			if err := bs.sleep(ctx, backoff); err != nil {
				return Receipt{}, attempt, err
			}
			backoff *= 2
		}
		// CancelShow may have taken the seats meanwhile (in any process):
		// a new attempt could only be voided. settle then fails the
		// payment as stopped by the cancellation and voids what the last
		// attempt may have taken. A read that fails stops nothing.
		if cancelled, rerr := bs.showCancelled(ctx, b.ShowID); rerr == nil && cancelled {
			return Receipt{}, attempt, err
		}
	}
}

// sleep waits d on the Clock, or until ctx is done.
func (bs *BookingSystem) sleep(ctx context.Context, d time.Duration) error {
	t := bs.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// settle finishes a payment: confirm the booking if the charge went through
// and every seat is still held by it, else fail it, free its seats and
// refund whatever may have been taken. attempts is the number of charge
// calls this call made (0: none, as for the void of an abandoned payment,
// or of a resumed one whose seats were lost).
func (bs *BookingSystem) settle(ctx context.Context, e *showEntry, id BookingID, rc Receipt, attempts int, chargeErr error) (Booking, error) {
	var b Booking
	var confirmedNow, settledElsewhere, cancelledNow bool
	err := bs.update(ctx, e, func(tx ShowTx, now time.Time, ev *[]Event) error {
		var err error
		if b, err = tx.Booking(id); err != nil {
			return err
		}
		confirmedNow, settledElsewhere, cancelledNow = false, false, false
		if b.Status != StatusPaying {
			// Settled by another process meanwhile. If it failed the
			// booking with nothing taken on record — its own charge by
			// the same key was declined, or failed and its void found no
			// charge to undo — our charge may have gone through since:
			// what it took, or may have taken, is owed back. Record it,
			// and the void below gives it back (or queues it for the
			// sweeper).
			settledElsewhere = true
			switch {
			case !lateCharge(b, rc, attempts, chargeErr):
			case chargeErr == nil && b.Payment.Amount > 0 && b.Refund.RefundedAt.IsZero():
				// b owes the charge already, outcome unknown, and no void
				// has answered on record: one under b's key may have
				// given the money back with its answer unrecorded (a
				// Store error), and a void under a new key would then be
				// refused as more than the charge took, for ever. Record
				// the receipt and keep the key: a void under it gets its
				// answer again, or finds this charge; one that finds
				// nothing though the receipt is on record moves the key
				// on (voidLostPayment). This call's attempts are not
				// added: the key would move with them.
				b.Payment.Amount = takenBy(rc, b.Total)
				b.Payment.Reference, b.Payment.PaidAt = gatewayText(rc.Reference, maxReferenceLen), now
				b.UpdatedAt = now
				tx.PutBooking(b)
			default:
				if b.Payment.Amount == 0 {
					b.Payment.Amount = b.Total // outcome unknown: owed until the gateway says otherwise
				}
				if chargeErr == nil {
					b.Payment.Amount = takenBy(rc, b.Total) // what the receipt says, whatever was asked
					b.Payment.Reference, b.Payment.PaidAt = gatewayText(rc.Reference, maxReferenceLen), now
				}
				// Every call's charge attempts count; that they grow here
				// also gives the void of this charge a key of its own
				// (voidKeyOf): a void under the old key may have found
				// nothing, or may yet, before this charge landed.
				b.Payment.Attempts += attempts
				b.UpdatedAt = now
				tx.PutBooking(b)
			}
			return nil
		}
		b.Payment.Attempts = attempts
		if chargeErr == nil {
			b.Payment.Amount = takenBy(rc, b.Total)
			b.Payment.Reference = gatewayText(rc.Reference, maxReferenceLen)
			b.Payment.PaidAt = now
			switch {
			case rc.Amount != b.Total:
				// A charge takes exactly the amount asked or fails
				// (PaymentGateway). Confirming on a receipt for less
				// would sell the seats under price, with a notice of
				// "Total paid" that is untrue; either way, what was
				// taken is voided, by the amount the receipt names.
				b.Payment.Failure = gatewayText(wrongAmountText(rc.Amount, b.Total), maxFailureLen)
				b.Payment.FailureKind = FailureGatewayError
			case bookingOwnsSeats(tx, e.layout, &b):
				_ = b.moveTo(StatusConfirmed, now)
				slot := SeatSlot{Status: SeatBooked, Booking: b.ID}
				for _, s := range b.Seats {
					i, _ := e.layout.Index(s.ID)
					tx.SetSeat(i, slot)
				}
				tx.PutBooking(b)
				confirmedNow = true
				if ev != nil {
					*ev = append(*ev, &BookingConfirmed{EventMeta: b.meta(now, e.eventZone()), Seats: b.SeatIDs(), Total: b.Total, Payment: b.Payment})
				}
				return nil
			case tx.ShowCancelled():
				b.Payment.Failure, b.Payment.FailureKind = showCancelledText, FailureHoldLost
			default:
				b.Payment.Failure, b.Payment.FailureKind = holdLostText, FailureHoldLost
			}
		} else {
			if !bookingOwnsSeats(tx, e.layout, &b) && tx.ShowCancelled() {
				// CancelShow took the seats while the charge failed: the
				// cancellation is why the payment ends, whatever the
				// gateway said (CancelShow's doc), and a retry with
				// another card is no use.
				b.Payment.Failure, b.Payment.FailureKind = showCancelledText, FailureHoldLost
				cancelledNow = true
			} else {
				b.Payment.Failure, b.Payment.FailureKind = gatewayText(chargeErr.Error(), maxFailureLen), chargeFailureKind(chargeErr)
			}
			if maybeCharged(chargeErr) {
				b.Payment.Amount = b.Total // possibly charged: a refund is due until the gateway says otherwise
			}
		}
		_ = b.moveTo(StatusFailed, now)
		freed := freeSeats(tx, e.layout, &b)
		tx.PutBooking(b)
		switch {
		case ev == nil:
		case b.Payment.Amount == 0:
			*ev = append(*ev, &PaymentFailed{EventMeta: b.meta(now, e.eventZone()), Seats: b.SeatIDs(), Reason: b.Payment.Failure,
				OwedMoney: b.RefundOwed(), freed: freed}) // nothing taken: zero
		default:
			// The customer hears of the failure with the outcome of the
			// void (voidLostPayment); the seat map hears of the seats now.
			if seats := freed.of(b.SeatIDs()); len(seats) > 0 {
				*ev = append(*ev, &seatsFreed{EventMeta: b.meta(now, e.eventZone()), seats: seats})
			}
		}
		return nil
	})
	if err != nil {
		// The booking is left paying, the customer perhaps charged, and
		// its hold lapsing: the sweeper resumes the payment once no live
		// call can be finishing it (owed.go), unless a call does first.
		bs.owed.failed(e, id, bs.clock.Now())
		bs.log.Warn("boxoffice: a payment's outcome could not be recorded; the booking stays paying until ConfirmBooking is called again or the sweeper resumes it",
			"booking", id, "show", e.show.ID, "charged", rc.Reference != "", "err", err)
		return Booking{}, fmt.Errorf("%w (booking %s): %w", ErrPaymentUnsettled, id, err)
	}
	switch b.Status {
	case StatusConfirmed:
		if confirmedNow {
			bs.stats.confirmed.Add(1)
		}
		return b, nil
	case StatusFailed:
	default:
		return b, &TransitionError{Booking: b.ID, From: b.Status, To: StatusConfirmed}
	}
	reason := chargeErr
	if reason == nil || settledElsewhere || cancelledNow {
		// The charge went through (or was free) but the seats were lost,
		// or the show was cancelled whatever the charge's fate, or
		// another call failed the booking: answer as a replay will, from
		// the record.
		reason = recordedFailure(b.Payment)
	}
	if b.RefundOwed() == 0 {
		if settledElsewhere {
			attempts = b.Payment.Attempts
		}
		bs.stats.paymentFailures.Add(1)
		return b, &PaymentError{Booking: b.ID, Attempts: attempts, Err: reason}
	}
	return bs.refundLostPayment(ctx, e, b, reason, true)
}

// takenBy is what a charge that went through took, by its receipt:
// normally the amount asked, but a gateway that breaks the contract may
// name another, and a void must ask for what was taken, no more (the
// gateway refuses more) and no less. A negative amount names nothing that
// can have been taken: the outcome is then unknown, as after a gateway
// error, and the amount asked is owed back until the gateway says
// otherwise.
func takenBy(rc Receipt, asked Money) Money {
	if rc.Amount < 0 {
		return asked
	}
	return rc.Amount
}

// wrongAmountText is Payment.Failure of a booking whose charge went
// through for another amount than its total.
func wrongAmountText(taken, asked Money) string {
	return fmt.Sprintf("payment gateway error: a receipt for %s, but the charge asked %s (a charge must take exactly the amount asked)", taken, asked)
}

// maybeCharged reports whether a failed charge may have taken money: any
// error but a decline leaves the outcome unknown.
func maybeCharged(err error) bool { return err != nil && !errors.Is(err, ErrPaymentDeclined) }

// lateCharge reports whether a charge call that settle finds already
// settled by another call — b as that call left it — took money, or may
// have, that must be given back under a void key of its own: b failed
// with nothing given back yet, and this call made a charge that went
// through, or one whose outcome is unknown. That holds even when b already
// owes the charge (the other call's outcome was unknown too): its void,
// made before this charge landed, may find nothing, and a gateway that
// keeps each key's first answer would say so again to a void under the
// same key. (Where this call has the receipt, settle records it under b's
// key first, and a void that then finds nothing moves the key on; see
// settle and voidLostPayment.) A call that made no charge attempt took
// nothing of its own.
//
// Nor did one whose charge is the one b's record has the receipt of
// (PaidAt set) while no void of it has answered on record (RefundedAt
// zero): the charge key takes one charge, and it had landed before b
// failed, so every void of it came after and none can have found nothing
// but by a gateway that breaks its contract. The void under b's key is
// then still the one to make: it may have gone through with its answer
// unrecorded (a Store error), and a void under a new key would be refused
// as more than the charge took, leaving the money owed on record for
// ever, given back though it was.
func lateCharge(b Booking, rc Receipt, attempts int, chargeErr error) bool {
	if b.Status != StatusFailed || b.Refund.Amount != 0 {
		return false
	}
	if !b.Payment.PaidAt.IsZero() && b.Refund.RefundedAt.IsZero() {
		return false
	}
	if chargeErr == nil {
		return takenBy(rc, b.Total) > 0
	}
	return attempts > 0 && maybeCharged(chargeErr) && b.Total > 0
}

// bookingOwnsSeats reports whether every seat of b is still held by b. A
// hold whose deadline passed during payment still counts if nobody took
// the seat meanwhile. A booking of no seat (which only a Store's bad data
// has: HoldSeats holds one at least) owns none: paying for it would sell
// a ticket for nothing.
func bookingOwnsSeats(tx ShowTx, layout *Layout, b *Booking) bool {
	if len(b.Seats) == 0 {
		return false
	}
	for _, s := range b.Seats {
		i, ok := layout.Index(s.ID)
		if !ok {
			return false
		}
		slot := tx.Seat(i)
		if slot.Status != SeatHeld || slot.Booking != b.ID {
			return false
		}
	}
	return true
}

// refundLostPayment gives back money that a failed booking may have been
// charged — a charge that went through after the hold was lost or for
// another amount than asked (Payment.Amount is then what its receipt
// names), or one whose outcome is unknown (Payment.Amount is then the
// total) — and records the refund, answering as ConfirmBooking does for a
// failed payment. A charge the gateway never made is nothing to refund.
//
// reason is why the payment failed, and alone decides which sentinels the
// answer matches; a void that fails too is reported in
// PaymentError.RefundErr, outside the Unwrap chain, so that the first
// answer matches what a replay rebuilt from the record matches. announce
// is whether this answer is the first to tell of the failure (see
// voidLostPayment).
func (bs *BookingSystem) refundLostPayment(ctx context.Context, e *showEntry, b Booking, reason error, announce bool) (Booking, error) {
	if reason == nil {
		reason = ErrHoldExpired
	}
	if announce {
		// The first answer counts the failure, whatever becomes of the
		// void: settle failed the booking. A replay tells of the same
		// failure again, as one of a failure that owes nothing does.
		bs.stats.paymentFailures.Add(1)
	}
	out, voidErr, err := bs.voidLostPayment(ctx, e, b, bs.cfg.PaymentAttempts, announce)
	if err != nil {
		return Booking{}, err
	}
	return out, &PaymentError{Booking: b.ID, Attempts: out.Payment.Attempts, Err: reason, RefundErr: voidErr}
}

// voidLostPayment voids, by the booking's void key and with at most tries
// gateway calls, what a failed booking owes back (Booking.RefundOwed), and
// records it; it returns the booking as recorded, the gateway's error if
// the void failed (the booking then still owes the money), and a Store
// error if the outcome could not be recorded. Either failure queues the
// booking for the background retry.
//
// The PaymentFailed event that tells the customer the seats are gone is
// emitted by ConfirmBooking's first answer (announce), the void's outcome
// with it. A replay or the background retry (announce false) emits one
// when it records the outcome — the money given back, or no charge found
// (the first answer may not have recorded its own: a Store error, a
// process that died, another process's void in flight) — and records
// nothing, and emits nothing, when the void fails again.
//
// The void's idempotency key is voidKeyOf(b). A void that the gateway
// answers with ErrChargeNotFound records that nothing was taken; should
// the booking have moved on meanwhile to a void under a newer key (a late
// charge was recorded, see settle), that answer is about the old key only
// and is not recorded: the void is made again under the new one. So is
// it where b records a charge's receipt and no void's answer: the key's
// answer was kept from before the charge landed, and the key moves on.
func (bs *BookingSystem) voidLostPayment(ctx context.Context, e *showEntry, b Booking, tries int, announce bool) (Booking, error, error) {
	key := voidKeyOf(b)
	req := RefundRequest{IdempotencyKey: key, ChargeKey: chargeKey(b.ID), Booking: b.ID,
		Amount: b.RefundOwed()}
	rc, voidErr := bs.refund(ctx, req, tries)
	neverCharged := errors.Is(voidErr, ErrChargeNotFound)
	if neverCharged {
		voidErr = nil
	}
	if voidErr != nil && !announce {
		bs.owed.failed(e, b.ID, bs.clock.Now())
		return b, voidErr, nil
	}
	var out Booking
	var settled, stale bool
	err := bs.update(ctx, e, func(tx ShowTx, now time.Time, ev *[]Event) error {
		var err error
		if out, err = tx.Booking(b.ID); err != nil {
			return err
		}
		settled = out.Status != StatusFailed || out.RefundOwed() == 0
		stale = !settled && neverCharged && voidKeyOf(out) != key
		if !settled && neverCharged && !stale && receiptUnvoided(out) {
			// "Not found", though a charge's receipt is on record. A
			// void that read b before the receipt was recorded may have
			// been asked before the charge landed: void again, knowing
			// it. Else the key's answer was kept from before the charge
			// landed (settle records the receipt of a late charge under
			// the key, see there): the void of the charge takes a key of
			// its own, as a late charge's void does (Attempts, which
			// numbers the key, goes up by one). The old key's "not
			// found" is recorded (RefundedAt; the charge stays owed), so
			// this happens once: under the new key, "not found" is
			// recorded as it is otherwise.
			stale = true
			if receiptUnvoided(b) {
				out.Payment.Attempts++
				out.Refund = Refund{RefundedAt: now, Reason: noChargeFoundText}
				out.UpdatedAt = now
				tx.PutBooking(out)
			}
		}
		if settled || stale {
			return nil // settled meanwhile, by another call or process; or owing under a newer key
		}
		var given Refund // what the event says was given back
		switch {
		case neverCharged:
			// Nothing to give back. Recorded as a refund of nothing,
			// settled now: a void needed later (a late charge) then
			// takes a key of its own (voidKeyOf).
			out.Payment.Amount = 0
			out.Refund = Refund{RefundedAt: now, Reason: noChargeFoundText}
		case voidErr == nil:
			// What the receipt names, which refund has checked is the
			// amount asked (what b owed), as a cancellation's refund
			// records: not Payment.Amount, which a late charge recorded
			// meanwhile may have changed; what that charge took beyond
			// it is still owed, and voided under its own key.
			out.Refund = Refund{Amount: out.Refund.Amount + rc.Amount, Percent: 100, Reference: gatewayText(rc.Reference, maxReferenceLen),
				RefundedAt: now, Reason: "the booking could not be kept"}
			given = out.Refund
		}
		out.UpdatedAt = now
		tx.PutBooking(out)
		if ev != nil && (announce || given.Amount > 0 || neverCharged) {
			// OwedMoney: what a failed void left owed. The seats were
			// freed when the booking failed.
			*ev = append(*ev, &PaymentFailed{EventMeta: out.meta(now, e.eventZone()), Seats: out.SeatIDs(), Reason: out.Payment.Failure, Refund: given,
				OwedMoney: out.RefundOwed(), freed: freedSeats{partial: true}})
		}
		return nil
	})
	if err == nil && stale {
		// A late charge was recorded while this void found nothing under
		// the old key: void it under its own. Each late charge changes
		// the key at most once, and a receipt on record moves it once, so
		// this ends.
		return bs.voidLostPayment(ctx, e, out, tries, announce)
	}
	if err == nil && settled {
		voidErr = nil // whatever this void's fate, the money is back
	}
	if err != nil || voidErr != nil || out.RefundOwed() > 0 {
		bs.owed.failed(e, b.ID, bs.clock.Now())
		return out, voidErr, err
	}
	bs.owed.paid(b.ID)
	return out, nil, nil
}

// receiptUnvoided reports whether failed booking b records the receipt of
// a charge and no void's answer: every void of that charge is owed to
// find it.
func receiptUnvoided(b Booking) bool {
	return !b.Payment.PaidAt.IsZero() && b.Refund.RefundedAt.IsZero()
}

// noChargeFoundText is Refund.Reason of a failed booking whose void found
// no charge to give back.
const noChargeFoundText = "nothing to give back: the gateway found no charge"

// voidKeyOf is the idempotency key of the void of what failed booking b
// owes back: the void key numbered by the charge attempts recorded, which
// every charge that lands after the booking failed adds to (settle). So a
// void of such a late charge never reuses the key of a void made before
// it landed, which may have found no charge: a gateway that keeps each
// key's first answer, errors included, would answer "not found" again, and
// the money would be kept with nothing owed on record. Every process
// derives the key from the booking alone, so all of them void under the
// same key. See PaymentGateway for why a booking is still paid back at
// most once.
func voidKeyOf(b Booking) string {
	return voidKey(b.ID) + ":" + strconv.Itoa(b.Payment.Attempts)
}

// refund calls the gateway as charges do, at most tries times, backing
// off between transient failures.
//
// A receipt for another amount than asked is a gateway error
// (*refundAmountError), logged at Error and returned at once: a refund
// gives back exactly the amount asked, or fails (PaymentGateway), so the
// caller records what was asked only on a receipt that names it, and
// otherwise leaves it owed for the background retry under the same key.
// Not retried here: a gateway that keeps each key's answer would repeat it.
func (bs *BookingSystem) refund(ctx context.Context, req RefundRequest, tries int) (Receipt, error) {
	backoff := bs.cfg.PaymentBackoff
	for attempt := 1; ; attempt++ {
		callCtx, cancel := withClockTimeout(ctx, bs.clock, bs.cfg.PaymentTimeout)
		rc, err := func() (Receipt, error) { defer cancel(); return bs.gateway.Refund(callCtx, req) }() // as in charge
		if err == nil && rc.Amount != req.Amount {
			err = &refundAmountError{named: rc.Amount, asked: req.Amount}
			bs.log.Error("boxoffice: the payment gateway answered a refund with a receipt for another amount than asked; the refund stays owed and will be retried under the same key",
				"booking", req.Booking, "key", req.IdempotencyKey, "asked", req.Amount, "receipt", rc.Amount,
				"reference", gatewayText(rc.Reference, maxReferenceLen))
			return Receipt{}, err
		}
		if err == nil || errors.Is(err, ErrChargeNotFound) || errors.Is(err, ErrPaymentDeclined) ||
			attempt >= tries || ctx.Err() != nil {
			return rc, err
		}
		if backoff > 0 {
			if err := bs.sleep(ctx, backoff); err != nil {
				return Receipt{}, err
			}
			backoff *= 2
		}
	}
}
