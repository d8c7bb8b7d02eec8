package boxoffice_test

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// replayConfirm calls ConfirmBooking 50 times from each of 64 goroutines
// and returns every answer.
func replayConfirm(f *fixture, id boxoffice.BookingID) ([]boxoffice.Booking, []error) {
	const callers, calls = 64, 50
	results := make([]boxoffice.Booking, callers*calls)
	errs := make([]error, callers*calls)
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			for k := range calls {
				results[c*calls+k], errs[c*calls+k] = f.sys.ConfirmBooking(f.ctx, id, "card")
			}
		})
	}
	waitGroup(f.t, &wg, "the replayed confirms")
	return results, errs
}

// paymentSentinels are the sentinels a confirm's error may match; every
// answer for one booking must match the same ones.
var paymentSentinels = []error{boxoffice.ErrPaymentFailed, boxoffice.ErrPaymentDeclined, context.DeadlineExceeded,
	boxoffice.ErrHoldExpired, boxoffice.ErrInvalidTransition, boxoffice.ErrShowStarted}

// matchedSentinels lists the paymentSentinels that err matches.
func matchedSentinels(err error) []error {
	var m []error
	for _, s := range paymentSentinels {
		if errors.Is(err, s) {
			m = append(m, s)
		}
	}
	return m
}

// TestReplayedConfirmsAgree replays one confirm 3,200 times from 64
// goroutines for each way a payment can end, and checks that the gateway
// was charged at most once, that money was kept only for a confirmed
// booking, and that every call got the same answer: the calls that shared
// the one payment and those that rebuilt it from the stored booking alike.
func TestReplayedConfirmsAgree(t *testing.T) {
	declined := chargeOutcome{err: boxoffice.ErrPaymentDeclined}
	lost := chargeOutcome{err: context.DeadlineExceeded, applied: true}
	timedOut := chargeOutcome{err: context.DeadlineExceeded}
	down := chargeOutcome{err: errGatewayDown}
	// loseHold, run during the charge, lets alice's hold run out and gives
	// A1 to bob.
	loseHold := func(f *fixture) {
		f.clock.Advance(10 * time.Minute)
		if _, err := f.sys.HoldSeats(f.ctx, "bob", f.show.ID, []string{"A1"}); err != nil {
			t.Errorf("bob's hold: %v", err)
		}
	}
	tests := []struct {
		name         string
		script       []chargeOutcome
		duringCharge func(*fixture) // run once, at the first charge call
		wantErr      []error        // every answer matches exactly these; nil: success
		status       boxoffice.BookingStatus
		kind         boxoffice.PaymentFailureKind
		calls        int             // gateway charge calls
		charged      boxoffice.Money // money taken
		refunded     boxoffice.Money
	}{
		{name: "paid", status: boxoffice.StatusConfirmed, calls: 1, charged: 4500},
		{name: "paid after a lost reply", script: []chargeOutcome{lost}, status: boxoffice.StatusConfirmed, calls: 2, charged: 4500},
		{name: "declined", script: []chargeOutcome{declined},
			wantErr: []error{boxoffice.ErrPaymentFailed, boxoffice.ErrPaymentDeclined},
			status:  boxoffice.StatusFailed, kind: boxoffice.FailureDeclined, calls: 1},
		{name: "every reply lost", script: []chargeOutcome{lost, lost, lost},
			wantErr: []error{boxoffice.ErrPaymentFailed, context.DeadlineExceeded},
			status:  boxoffice.StatusFailed, kind: boxoffice.FailureTimedOut, calls: 3, charged: 4500, refunded: 4500},
		{name: "every attempt timed out, nothing taken", script: []chargeOutcome{timedOut, timedOut, timedOut},
			wantErr: []error{boxoffice.ErrPaymentFailed, context.DeadlineExceeded},
			status:  boxoffice.StatusFailed, kind: boxoffice.FailureTimedOut, calls: 3},
		{name: "gateway down", script: []chargeOutcome{down, down, down},
			wantErr: []error{boxoffice.ErrPaymentFailed},
			status:  boxoffice.StatusFailed, kind: boxoffice.FailureGatewayError, calls: 3},
		{name: "hold lost during payment", duringCharge: loseHold,
			wantErr: []error{boxoffice.ErrPaymentFailed, boxoffice.ErrHoldExpired},
			status:  boxoffice.StatusFailed, kind: boxoffice.FailureHoldLost, calls: 1, charged: 4500, refunded: 4500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *boxoffice.Config) {
				if tt.duringCharge != nil {
					c.PaymentTimeout = time.Hour // the charge lasts 10 minutes on the clock
				}
			})
			f.gateway.script(tt.script...)
			if tt.duringCharge != nil {
				var once sync.Once
				f.gateway.before = func() { once.Do(func() { tt.duringCharge(f) }) }
			}
			b := f.hold("alice", "A1", "A2")
			results, errs := replayConfirm(f, b.ID)

			first, firstErr := results[0], errs[0]
			for i := range results {
				got, err := results[i], errs[i]
				if (err == nil) != (tt.wantErr == nil) {
					t.Fatalf("answer %d: %v; want %v", i, err, tt.wantErr)
				}
				if m := matchedSentinels(err); !slices.Equal(m, tt.wantErr) {
					t.Fatalf("answer %d: %v matches %v; want exactly %v", i, err, m, tt.wantErr)
				}
				if err != nil && err.Error() != firstErr.Error() {
					t.Fatalf("answer %d: %q; answer 0: %q", i, err, firstErr)
				}
				if got.ID != b.ID || got.Status != tt.status || got.Payment.Reference != first.Payment.Reference ||
					got.Payment.Amount != first.Payment.Amount || got.Refund.Amount != first.Refund.Amount ||
					got.Payment.FailureKind != tt.kind {
					t.Fatalf("answer %d: %s (%s) ref %q paid %s refunded %s; answer 0: %s ref %q paid %s refunded %s", i,
						got.Status, got.Payment.FailureKind, got.Payment.Reference, got.Payment.Amount, got.Refund.Amount,
						first.Status, first.Payment.Reference, first.Payment.Amount, first.Refund.Amount)
				}
			}
			if n := f.gateway.chargeCalls(); n != tt.calls {
				t.Errorf("%d charge calls; want %d", n, tt.calls)
			}
			if keys := f.gateway.ChargeKeys(); len(keys) > 1 || (tt.charged > 0) != (len(keys) == 1) {
				t.Errorf("charges %v; want %s taken once", keys, tt.charged)
			}
			charged, refunded := f.gateway.Totals()
			if charged != tt.charged || refunded != tt.refunded {
				t.Errorf("gateway charged %s refunded %s; want %s and %s", charged, refunded, tt.charged, tt.refunded)
			}
			stored := f.booking(b.ID)
			if stored.Status != tt.status || stored.Payment.Amount != first.Payment.Amount || stored.Payment.FailureKind != tt.kind {
				t.Errorf("stored booking %s (%s) paid %s; the answers said %s (%s) paid %s", stored.Status, stored.Payment.FailureKind,
					stored.Payment.Amount, tt.status, tt.kind, first.Payment.Amount)
			}
			// The failure reads as text for people, with no machine prefix.
			if (stored.Payment.Failure != "") != (tt.wantErr != nil) || strings.HasPrefix(stored.Payment.Failure, "declined: ") ||
				firstErr != nil && !strings.HasSuffix(firstErr.Error(), ": "+stored.Payment.Failure) {
				t.Errorf("stored failure %q; answer %v", stored.Payment.Failure, firstErr)
			}
		})
	}
}

// pausingStore parks the first UpdateShow that leaves its booking
// confirmed, after the commit and before it returns, until resumed.
type pausingStore struct {
	*boxoffice.MemoryStore
	booking atomic.Pointer[boxoffice.BookingID]
	once    sync.Once
	paused  chan struct{}
	resume  chan struct{}
}

func (s *pausingStore) UpdateShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	err := s.MemoryStore.UpdateShow(ctx, showID, fn)
	if id := s.booking.Load(); err == nil && id != nil {
		if b, _ := s.MemoryStore.Booking(ctx, *id); b.Status == boxoffice.StatusConfirmed {
			s.once.Do(func() {
				close(s.paused)
				<-s.resume
			})
		}
	}
	return err
}

// TestJoinedConfirmAnswersFromCurrentState: a confirm that joins another
// call of the same booking must not return that call's success if the
// booking moved on before it began. Here system A confirms; after the
// commit, before the call returns, system B (sharing A's Store and gateway)
// cancels the booking; a second confirm on A, made after the cancel, must
// report the cancellation rather than "confirmed". The linearizability
// check found this; the fix is in ConfirmBooking.
func TestJoinedConfirmAnswersFromCurrentState(t *testing.T) {
	ctx := context.Background()
	mem := boxoffice.NewMemoryStore()
	ps := &pausingStore{MemoryStore: mem, paused: make(chan struct{}), resume: make(chan struct{})}
	gw := boxoffice.NewInMemoryGateway()
	clock := fakeclock.New(start)
	newSys := func(s boxoffice.Store) *boxoffice.BookingSystem {
		sys, err := boxoffice.New(boxoffice.Config{Store: s, Clock: clock, Gateway: gw, Logger: slog.New(slog.DiscardHandler),
			HoldsPerMinute: -1, PaymentBackoff: -1, SweepInterval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := sys.Close(ctx); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return sys
	}
	a, b := newSys(ps), newSys(mem)
	mustT[boxoffice.Movie](t)(a.AddMovie(ctx, boxoffice.Movie{ID: "M", Title: "Heat", Duration: 170 * time.Minute}))
	mustT[boxoffice.Theater](t)(a.AddTheater(ctx, boxoffice.Theater{ID: "T", Name: "Odeon", City: "Leeds"}))
	mustT[boxoffice.Hall](t)(a.AddHall(ctx, boxoffice.Hall{ID: "H", TheaterID: "T", Name: "1", Layout: boxoffice.SeedLayout()}))
	show := mustT[boxoffice.Show](t)(a.ScheduleShow(ctx, boxoffice.Show{MovieID: "M", HallID: "H", Start: start.Add(24 * time.Hour), BasePrice: 1500}))
	held := mustT[boxoffice.Booking](t)(a.HoldSeats(ctx, "alice", show.ID, []string{"A1"}))
	ps.booking.Store(&held.ID)

	var first, second boxoffice.Booking
	var firstErr, secondErr error
	firstDone, secondDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(firstDone)
		first, firstErr = a.ConfirmBooking(ctx, held.ID, "card")
	}()
	recv(t, ps.paused, "A's confirm to commit") // confirmed and committed; the call has not returned
	if c, err := b.CancelBooking(ctx, held.ID); err != nil || c.Status != boxoffice.StatusCancelled {
		t.Fatalf("cancel on B: %s, %v", c.Status, err)
	}
	go func() {
		defer close(secondDone)
		second, secondErr = a.ConfirmBooking(ctx, held.ID, "card")
	}()
	// The second call must join the first, still in flight; without the
	// join there is nothing to test.
	for i := 0; boxoffice.ConfirmWaitersForTest(a, held.ID) < 1; i++ {
		if i == 10_000_000 {
			t.Fatal("the second confirm never joined the first")
		}
		runtime.Gosched()
	}
	close(ps.resume)
	recv(t, firstDone, "the first confirm to return")
	recv(t, secondDone, "the second confirm to return")

	if firstErr != nil || first.Status != boxoffice.StatusConfirmed {
		t.Errorf("first confirm: %s, %v; want confirmed (as it was when it committed)", first.Status, firstErr)
	}
	if !errors.Is(secondErr, boxoffice.ErrInvalidTransition) || second.Status == boxoffice.StatusConfirmed {
		t.Errorf("confirm begun after the cancel: %s, %v; want ErrInvalidTransition", second.Status, secondErr)
	}
	if charges := gw.ChargeKeys(); len(charges) != 1 {
		t.Errorf("%d charges; want 1", len(charges))
	}
}

// parkingStore parks the first UpdateShow that leaves its booking paying,
// after the commit and before it returns, until resumed: the payment has
// begun and its charge has not.
type parkingStore struct {
	*boxoffice.MemoryStore
	booking atomic.Pointer[boxoffice.BookingID]
	once    sync.Once
	paused  chan struct{}
	resume  chan struct{}
}

func (s *parkingStore) UpdateShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	err := s.MemoryStore.UpdateShow(ctx, showID, fn)
	if id := s.booking.Load(); err == nil && id != nil {
		if b, _ := s.MemoryStore.Booking(ctx, *id); b.Status == boxoffice.StatusPaying {
			s.once.Do(func() {
				close(s.paused)
				<-s.resume
			})
		}
	}
	return err
}

// TestHoldLostDuringPaymentAnswersAlike: when a seat is taken while the
// payment is in flight, the first answer and every replay — in the same
// process or another sharing the Store — match ErrPaymentFailed and
// ErrHoldExpired with the same text, for a free booking (which charges
// nothing, so there is no gateway error to report) as for a paid one.
func TestHoldLostDuringPaymentAnswersAlike(t *testing.T) {
	tests := []struct {
		name     string
		price    boxoffice.Money // of every seat
		calls    int             // gateway charge calls
		refunded boxoffice.Money
	}{
		{"paid", 1500, 1, 1500},
		{"free", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ps *parkingStore
			f := newFixture(t, func(c *boxoffice.Config) {
				ps = &parkingStore{MemoryStore: c.Store.(*boxoffice.MemoryStore), paused: make(chan struct{}), resume: make(chan struct{})}
				c.Store = ps
				c.Pricing = boxoffice.PricingFunc(func(context.Context, boxoffice.PriceRequest) (boxoffice.Money, error) { return tt.price, nil })
			})
			// other is a second process sharing the Store, the clock and the gateway.
			other, err := boxoffice.New(boxoffice.Config{Store: f.store, Clock: f.clock, Gateway: f.gateway, HoldsPerMinute: -1,
				PaymentBackoff: -1, SweepInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = other.Close(context.Background()) })
			b := f.hold("alice", "A1")
			ps.booking.Store(&b.ID)

			var first boxoffice.Booking
			var firstErr error
			done := make(chan struct{})
			go func() {
				defer close(done)
				first, firstErr = f.sys.ConfirmBooking(f.ctx, b.ID, "card")
			}()
			recv(t, ps.paused, "alice's payment to begin") // her hold runs out and bob takes A1
			f.clock.Advance(10 * time.Minute)
			if _, err := other.HoldSeats(f.ctx, "bob", f.show.ID, []string{"A1"}); err != nil {
				t.Fatalf("bob's hold: %v", err)
			}
			close(ps.resume)
			recv(t, done, "alice's confirm to return")

			want := []error{boxoffice.ErrPaymentFailed, boxoffice.ErrHoldExpired}
			if m := matchedSentinels(firstErr); !slices.Equal(m, want) || strings.Contains(firstErr.Error(), "<nil>") {
				t.Fatalf("first answer %v matches %v; want %v", firstErr, m, want)
			}
			if first.Status != boxoffice.StatusFailed || first.Payment.FailureKind != boxoffice.FailureHoldLost ||
				first.Refund.Amount != tt.refunded {
				t.Errorf("first answer: %s (%s) refunded %s; want failed (hold lost) refunded %s",
					first.Status, first.Payment.FailureKind, first.Refund.Amount, tt.refunded)
			}
			for name, sys := range map[string]*boxoffice.BookingSystem{"same process": f.sys, "other process": other} {
				got, err := sys.ConfirmBooking(f.ctx, b.ID, "card")
				if m := matchedSentinels(err); !slices.Equal(m, want) || err.Error() != firstErr.Error() {
					t.Errorf("replay in the %s: %v matching %v; first: %v", name, err, m, firstErr)
				}
				if got.Status != first.Status || got.Payment.FailureKind != first.Payment.FailureKind {
					t.Errorf("replay in the %s: %s (%s); first: %s (%s)", name, got.Status, got.Payment.FailureKind,
						first.Status, first.Payment.FailureKind)
				}
			}
			if n := f.gateway.chargeCalls(); n != tt.calls {
				t.Errorf("%d charge calls; want %d", n, tt.calls)
			}
			if charged, refunded := f.gateway.Totals(); charged != refunded {
				t.Errorf("money kept without a ticket: charged %s refunded %s", charged, refunded)
			}
		})
	}
}
