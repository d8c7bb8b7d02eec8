package boxoffice_test

import (
	"context"
	"errors"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// abandonedConfig gives the payments of abandonedFixture a bound of
// 3 × 10 s + (1 s + 2 s) of backoff + 5 min of margin = 333 s: a booking
// paying for longer is abandoned, and the sweeper resumes it.
func abandonedConfig(c *boxoffice.Config) {
	c.PaymentAttempts, c.PaymentTimeout, c.PaymentBackoff = 3, 10*time.Second, time.Second
	c.HoldTTL = time.Minute
}

const abandonBound = 333 * time.Second

// abandonedFixture is a fixture on a failingStore, with a recorder, whose
// sweeper ticks every sweep. It returns a booking of alice (A1, A2) left
// paying, charged, by a ConfirmBooking whose settling transaction failed;
// the clock has not moved since the booking started paying.
func abandonedFixture(t *testing.T, sweep time.Duration) (*fixture, *recorder, boxoffice.Booking) {
	t.Helper()
	store := &failingStore{MemoryStore: boxoffice.NewMemoryStore()}
	rec := newRecorder()
	f := newFixture(t, abandonedConfig, func(c *boxoffice.Config) {
		c.Store, c.Observers, c.SweepInterval = store, []boxoffice.Observer{rec}, sweep
	})
	b := f.hold("alice", "A1", "A2")
	var once sync.Once
	f.gateway.before = func() { once.Do(func() { store.failUpdates(1) }) } // the next UpdateShow is the settle's
	_, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card:tok_visa")
	if !errors.Is(err, errStoreDown) {
		t.Fatalf("ConfirmBooking whose settle fails: %v; want the Store's error", err)
	}
	f.gateway.mu.Lock()
	f.gateway.before = nil
	f.gateway.mu.Unlock()
	b = f.booking(b.ID)
	if b.Status != boxoffice.StatusPaying || !b.UpdatedAt.Equal(start) || b.Payment.Method != "card:tok_visa" {
		t.Fatalf("after the failed settle: %s since %v by %q; want paying since %v by card:tok_visa", b.Status, b.UpdatedAt, b.Payment.Method, start)
	}
	if n, keys := f.gateway.chargeCalls(), f.gateway.ChargeKeys(); n != 1 || len(keys) != 1 {
		t.Fatalf("after the failed settle: %d charge calls, %d charges; want 1 and 1", n, len(keys))
	}
	return f, rec, b
}

// tick lets the sweeper run its next tick once the clock has moved d: it
// waits for the sweeper's timer, moves the clock, and waits for the
// sweeper to arm its timer again, which it does once the tick is over.
func (f *fixture) tick(d time.Duration) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	if err := f.clock.WaitForTimers(ctx, 1); err != nil {
		f.t.Fatal("the sweeper does not wait for its tick: ", err)
	}
	f.clock.Advance(d)
	if err := f.clock.WaitForTimers(ctx, 1); err != nil {
		f.t.Fatal("the sweeper's tick does not end: ", err)
	}
}

// TestAbandonedPaymentResumedBySweeper: a ConfirmBooking charges the
// customer but cannot record it (the Store fails the settling
// transaction), and returns the Store's error with the booking left
// paying. Nobody calls again. The sweeper leaves it alone while a live
// call could still be finishing it — up to the bound, 333 s, and not at
// it — and then resumes it as ConfirmBooking would: by the same charge
// key (one charge in all), confirmed if the seats are still alice's,
// else failed and the charge voided, with the events a call sends.
func TestAbandonedPaymentResumedBySweeper(t *testing.T) {
	tests := []struct {
		name string
		// meanwhile runs once alice's hold has lapsed (at 61 s), before
		// the bound.
		meanwhile   func(f *fixture)
		wantStatus  boxoffice.BookingStatus
		refunded    bool // the charge given back
		charges     int  // gateway charge calls in all
		wantEventOK func(e boxoffice.Event, b boxoffice.Booking) bool
	}{
		{
			name:       "seats still hers: confirmed",
			meanwhile:  func(*fixture) {},
			wantStatus: boxoffice.StatusConfirmed,
			charges:    2, // the call's and the sweeper's
			wantEventOK: func(e boxoffice.Event, b boxoffice.Booking) bool {
				c, ok := e.(*boxoffice.BookingConfirmed)
				return ok && c.BookingID == b.ID && c.Payment.Amount == b.Total
			},
		},
		{
			// The sweeper charges nothing anew: it voids the call's charge.
			name:       "a seat taken once the hold lapsed: failed and voided",
			meanwhile:  func(f *fixture) { f.hold("bob", "A1") },
			wantStatus: boxoffice.StatusFailed,
			refunded:   true,
			charges:    1,
			wantEventOK: func(e boxoffice.Event, b boxoffice.Booking) bool {
				pf, ok := e.(*boxoffice.PaymentFailed)
				return ok && pf.BookingID == b.ID && pf.Refund.Amount == b.Total && pf.Refund.Reference != ""
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, rec, b := abandonedFixture(t, time.Second)
			var wantRefund boxoffice.Money
			if tt.refunded {
				wantRefund = b.Total
			}
			untouched := func(when string) {
				t.Helper()
				got := f.booking(b.ID)
				if got.Status != boxoffice.StatusPaying || f.gateway.chargeCalls() != 1 {
					t.Fatalf("%s: %s after %d charge calls; want paying, untouched since the first call", when, got.Status, f.gateway.chargeCalls())
				}
			}
			f.tick(61 * time.Second) // the retry queued by the failed settle is due after 1 s: not abandoned yet
			untouched("61 s after the payment began")
			tt.meanwhile(f)
			f.tick(abandonBound - 61*time.Second)
			untouched("at the bound, 333 s after the payment began")

			f.tick(time.Second)
			got := f.booking(b.ID)
			if got.Status != tt.wantStatus || got.Payment.Amount != b.Total || (got.Payment.Reference == "") != (tt.charges == 1) ||
				got.Refund.Amount != wantRefund || got.RefundOwed() != 0 {
				t.Fatalf("after the bound: %s paid %s (ref %q), refunded %s, owing %s; want %s paid %s, refunded %s",
					got.Status, got.Payment.Amount, got.Payment.Reference, got.Refund.Amount, got.RefundOwed(), tt.wantStatus, b.Total, wantRefund)
			}
			if n := f.gateway.chargeCalls(); n != tt.charges {
				t.Errorf("%d charge calls; want %d", n, tt.charges)
			}
			charged, refunded := f.gateway.Totals()
			if keys := f.gateway.ChargeKeys(); len(keys) != 1 || charged != b.Total || refunded != wantRefund {
				t.Errorf("gateway: %d charges, %s charged, %s refunded; want one charge of %s, %s refunded", len(keys), charged, refunded, b.Total, wantRefund)
			}
			waitForEvent(t, rec, func(e boxoffice.Event) bool { return tt.wantEventOK(e, b) })
			if st := f.sys.Stats(); st.RefundRetryFails != 0 {
				t.Errorf("Stats().RefundRetryFails = %d, want 0", st.RefundRetryFails)
			}

			f.tick(time.Hour)
			if n := f.gateway.chargeCalls(); n != tt.charges || f.booking(b.ID).Status != tt.wantStatus {
				t.Errorf("an hour later: %d charge calls, %s; want the sweeper done with the booking", n, f.booking(b.ID).Status)
			}
		})
	}
}

// TestAbandonedJudgedAlikeWithinAMicrosecond: at the abandon bound plus
// half a microsecond, the sweeper judges the payment as the confirm's
// transaction does, by a stored time (cut to the microsecond): not
// abandoned yet, and it runs no transaction. It judged by the raw reading,
// took the payment as abandoned, and ran a transaction that found it was
// not, to no end. A tick later it is resumed.
func TestAbandonedJudgedAlikeWithinAMicrosecond(t *testing.T) {
	f, _, b := abandonedFixture(t, time.Second)
	store := f.sys.Config().Store.(*failingStore)
	f.tick(61 * time.Second)
	before := store.updateCalls()
	f.tick(abandonBound - 61*time.Second + 500*time.Nanosecond)
	if n := store.updateCalls() - before; n != 0 || f.booking(b.ID).Status != boxoffice.StatusPaying {
		t.Fatalf("half a microsecond past the bound: %d transactions, %s; want none, paying", n, f.booking(b.ID).Status)
	}
	f.tick(time.Second)
	if got := f.booking(b.ID); got.Status != boxoffice.StatusConfirmed || f.gateway.chargeCalls() != 2 {
		t.Errorf("a tick later: %s after %d charge calls; want confirmed after 2", got.Status, f.gateway.chargeCalls())
	}
}

// TestSweeperResumeJoinsCalls: the sweeper's resume of an abandoned
// payment and a ConfirmBooking of the same process never both pay for
// the booking. A call in flight is left to finish it; a call that comes
// while the sweeper resumes joins the resume. Either way the gateway is
// called once more, not twice.
func TestSweeperResumeJoinsCalls(t *testing.T) {
	// block makes the gateway's next charge call wait until release is
	// closed; entered is closed once it waits.
	block := func(f *fixture) (entered, release chan struct{}) {
		entered, release = make(chan struct{}), make(chan struct{})
		var blocked atomic.Bool
		f.gateway.mu.Lock()
		// A call in flight past the abandon bound overran PaymentTimeout,
		// which runs on the clock that the sweeper's ticks move.
		f.gateway.overrun = true
		f.gateway.before = func() {
			if blocked.CompareAndSwap(false, true) { // the later calls go through
				close(entered)
				<-release
			}
		}
		f.gateway.mu.Unlock()
		return entered, release
	}
	confirm := func(f *fixture, id boxoffice.BookingID) (done chan struct{}, got *boxoffice.Booking, err *error) {
		done, got, err = make(chan struct{}), new(boxoffice.Booking), new(error)
		go func() {
			defer close(done)
			*got, *err = f.sys.ConfirmBooking(f.ctx, id, "card:other")
		}()
		return done, got, err
	}
	// The sweeper ticks every 10 minutes: the first tick, 10 minutes
	// after the payment began, finds it abandoned.
	const sweep = 10 * time.Minute

	t.Run("a call in flight finishes it", func(t *testing.T) {
		f, rec, b := abandonedFixture(t, sweep)
		entered, release := block(f)
		done, got, err := confirm(f, b.ID) // resumes the payment, and waits in the gateway
		waitEntered(t, entered, release, "the call to charge")
		f.tick(sweep)
		if n, st := f.gateway.chargeCalls(), f.booking(b.ID).Status; n != 2 || st != boxoffice.StatusPaying {
			t.Errorf("after the sweeper's tick: %d charge calls, %s; want 2 and paying: the sweeper leaves the payment to the call", n, st)
		}
		close(release)
		recv(t, done, "the call to ConfirmBooking to return")
		if *err != nil || got.Status != boxoffice.StatusConfirmed {
			t.Fatalf("the call: %s, %v; want confirmed", got.Status, *err)
		}
		waitForEvent(t, rec, func(e boxoffice.Event) bool { _, ok := e.(*boxoffice.BookingConfirmed); return ok })
		f.tick(sweep) // the sweeper looks again, and finds it settled
		if n, keys := f.gateway.chargeCalls(), f.gateway.ChargeKeys(); n != 2 || len(keys) != 1 {
			t.Errorf("%d charge calls, %d charges; want 2 and 1", n, len(keys))
		}
	})

	t.Run("a call joins the sweeper's resume", func(t *testing.T) {
		f, rec, b := abandonedFixture(t, sweep)
		entered, release := block(f)
		ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
		defer cancel()
		if err := f.clock.WaitForTimers(ctx, 1); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(sweep) // the sweeper resumes, and waits in the gateway
		waitEntered(t, entered, release, "the sweeper to resume the payment")
		done, got, err := confirm(f, b.ID)
		for i := 0; boxoffice.ConfirmWaitersForTest(f.sys, b.ID) < 1; i++ {
			if i == 10_000_000 {
				close(release)
				t.Fatal("the call never joined the sweeper's resume")
			}
			runtime.Gosched()
		}
		close(release)
		recv(t, done, "the call to ConfirmBooking to return")
		if *err != nil || got.Status != boxoffice.StatusConfirmed || got.Payment.Method != "card:tok_visa" {
			t.Fatalf("the call: %s by %q, %v; want confirmed by the method the payment began with", got.Status, got.Payment.Method, *err)
		}
		if err := f.clock.WaitForTimers(ctx, 1); err != nil { // the sweeper's tick is over
			t.Fatal(err)
		}
		if n, keys := f.gateway.chargeCalls(), f.gateway.ChargeKeys(); n != 2 || len(keys) != 1 {
			t.Errorf("%d charge calls, %d charges; want 2 and 1", n, len(keys))
		}
		waitForEvent(t, rec, func(e boxoffice.Event) bool { _, ok := e.(*boxoffice.BookingConfirmed); return ok })
		confirmed := 0
		for _, e := range rec.waitFor(t, 1) {
			if _, ok := e.(*boxoffice.BookingConfirmed); ok {
				confirmed++
			}
		}
		if confirmed != 1 {
			t.Errorf("%d BookingConfirmed events, want 1", confirmed)
		}
	})
}

// waitEntered waits for entered to be closed; if it is not within 10 s, it
// closes release, so that nothing stays blocked, and fails the test.
func waitEntered(t *testing.T, entered, release chan struct{}, what string) {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	select {
	case <-entered:
	case <-timeout.C:
		close(release)
		t.Fatalf("waited 10 s for %s", what)
	}
}

// TestAbandonBound: a payment is abandoned once it has been paying for
// longer than every gateway call of a live ConfirmBooking and the backoffs
// between them, plus five minutes; absurd settings saturate rather than
// overflow into a bound that has already passed.
func TestAbandonBound(t *testing.T) {
	const forever = time.Duration(math.MaxInt64)
	tests := []struct {
		name string
		cfg  boxoffice.Config
		want time.Duration
	}{
		{"defaults: 3 × 15 s + 0.2 s + 0.4 s + 5 min", boxoffice.Config{}, 5*time.Minute + 45*time.Second + 600*time.Millisecond},
		{"no backoff", boxoffice.Config{PaymentBackoff: -1}, 5*time.Minute + 45*time.Second},
		{"one attempt, no backoff used", boxoffice.Config{PaymentAttempts: 1, PaymentBackoff: time.Hour}, 5*time.Minute + 15*time.Second},
		{"backoff doubling", boxoffice.Config{PaymentAttempts: 4, PaymentTimeout: 10 * time.Second, PaymentBackoff: time.Second},
			40*time.Second + 7*time.Second + 5*time.Minute},
		{"attempts × timeout overflows", boxoffice.Config{PaymentAttempts: math.MaxInt32, PaymentTimeout: 1000 * time.Hour, PaymentBackoff: -1}, forever},
		{"backoffs overflow", boxoffice.Config{PaymentAttempts: 200, PaymentBackoff: time.Hour}, forever},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := boxoffice.AbandonAfterForTest(tt.cfg); got != tt.want {
				t.Errorf("bound = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestAbandonedPaymentAfterShowStartIsVoided: a payment left unfinished
// until its show has started is not finished by selling seats for a show
// under way. The sweeper's resume makes no new charge call; it voids what
// the abandoned call took and fails the booking, and every answer for it
// matches ErrShowStarted.
func TestAbandonedPaymentAfterShowStartIsVoided(t *testing.T) {
	f, _, b := abandonedFixture(t, time.Hour)
	f.tick(f.show.Start.Sub(start) + time.Minute) // one tick, past the bound and the start

	got := f.booking(b.ID)
	if got.Status != boxoffice.StatusFailed || got.Payment.FailureKind != boxoffice.FailureShowStarted ||
		got.Refund.Amount != b.Total || got.RefundOwed() != 0 {
		t.Fatalf("after the start: %s, %s, refund %s (owed %s); want failed, show started, %s refunded",
			got.Status, got.Payment.FailureKind, got.Refund.Amount, got.RefundOwed(), b.Total)
	}
	if n := f.gateway.chargeCalls(); n != 1 {
		t.Errorf("%d charge calls; want the abandoned one only", n)
	}
	if charged, refunded := f.gateway.Totals(); charged != b.Total || refunded != b.Total {
		t.Errorf("gateway: charged %s, refunded %s; want %s both", charged, refunded, b.Total)
	}
	for _, s := range []string{"A1", "A2"} {
		if st := f.seatStatus(s); st != boxoffice.SeatAvailable {
			t.Errorf("seat %s: %s; want available", s, st)
		}
	}
	_, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card:tok_visa")
	if !errors.Is(err, boxoffice.ErrPaymentFailed) || !errors.Is(err, boxoffice.ErrShowStarted) {
		t.Errorf("ConfirmBooking replayed: %v; want ErrPaymentFailed and ErrShowStarted", err)
	}
}

// TestCallJudgesAbandonedStrictlyPastTheBound: a customer's call for a
// booking left paying whose seats were lost judges it abandoned as the
// sweeper does, strictly past the bound. At the bound a call in another
// process may still be charging: the payment is resumed by its charge key
// (a second charge call, which the gateway answers with the first charge)
// and then voided. Past it, nothing can be charging: the booking fails as
// hold lost and is voided with no charge call at all. Either way the
// money is back.
func TestCallJudgesAbandonedStrictlyPastTheBound(t *testing.T) {
	tests := []struct {
		name      string
		at        time.Duration // since the booking started paying
		wantCalls int
	}{
		{"at the bound: resumed", abandonBound, 2},
		{"a microsecond past: abandoned", abandonBound + time.Microsecond, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, b := abandonedFixture(t, time.Hour) // no sweeper tick
			f.clock.Advance(2 * time.Minute)          // the hold (1 min) has run out
			f.hold("bob", "A1")
			f.clock.Set(b.UpdatedAt.Add(tt.at))
			_, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card:tok_visa")
			if !errors.Is(err, boxoffice.ErrPaymentFailed) || !errors.Is(err, boxoffice.ErrHoldExpired) {
				t.Fatalf("ConfirmBooking: %v; want ErrPaymentFailed and ErrHoldExpired", err)
			}
			if n := f.gateway.chargeCalls(); n != tt.wantCalls {
				t.Errorf("%d charge calls; want %d", n, tt.wantCalls)
			}
			got := f.booking(b.ID)
			if charged, refunded := f.gateway.Totals(); got.Status != boxoffice.StatusFailed || got.RefundOwed() != 0 || charged != refunded {
				t.Errorf("booking %s owing %s, gateway charged %s refunded %s; want failed, the money back", got.Status, got.RefundOwed(), charged, refunded)
			}
		})
	}
}
