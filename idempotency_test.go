package boxoffice_test

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
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
	wg.Wait()
	return results, errs
}

// TestReplayedConfirmsAgree replays one confirm 3,200 times from 64
// goroutines for each way a payment can end, and checks that the gateway
// was charged at most once, that money was kept only for a confirmed
// booking, and that every call got the same answer.
func TestReplayedConfirmsAgree(t *testing.T) {
	declined := chargeOutcome{err: boxoffice.ErrPaymentDeclined}
	lost := chargeOutcome{err: context.DeadlineExceeded, applied: true}
	timedOut := chargeOutcome{err: context.DeadlineExceeded}
	tests := []struct {
		name      string
		script    []chargeOutcome
		wantErr   []error // every answer matches these; nil: success
		status    boxoffice.BookingStatus
		calls     int             // gateway charge calls
		charged   boxoffice.Money // money taken
		refunded  boxoffice.Money
		firstOnly []error // matched by the calls that shared the payment; see below
	}{
		{name: "paid", status: boxoffice.StatusConfirmed, calls: 1, charged: 4500},
		{name: "paid after a lost reply", script: []chargeOutcome{lost}, status: boxoffice.StatusConfirmed, calls: 2, charged: 4500},
		{name: "declined", script: []chargeOutcome{declined}, wantErr: []error{boxoffice.ErrPaymentFailed},
			status: boxoffice.StatusFailed, calls: 1, firstOnly: []error{boxoffice.ErrPaymentDeclined}},
		{name: "every reply lost", script: []chargeOutcome{lost, lost, lost}, wantErr: []error{boxoffice.ErrPaymentFailed},
			status: boxoffice.StatusFailed, calls: 3, charged: 4500, refunded: 4500, firstOnly: []error{context.DeadlineExceeded}},
		{name: "every attempt timed out, nothing taken", script: []chargeOutcome{timedOut, timedOut, timedOut},
			wantErr: []error{boxoffice.ErrPaymentFailed}, status: boxoffice.StatusFailed, calls: 3, firstOnly: []error{context.DeadlineExceeded}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.gateway.script(tt.script...)
			b := f.hold("alice", "A1", "A2")
			results, errs := replayConfirm(f, b.ID)

			first, firstErr := results[0], errs[0]
			sharedCause := 0
			for i := range results {
				got, err := results[i], errs[i]
				if (err == nil) != (tt.wantErr == nil) {
					t.Fatalf("answer %d: %v; want %v", i, err, tt.wantErr)
				}
				for _, w := range tt.wantErr {
					if !errors.Is(err, w) {
						t.Fatalf("answer %d: %v does not match %v", i, err, w)
					}
				}
				if err != nil && err.Error() != firstErr.Error() {
					t.Fatalf("answer %d: %q; answer 0: %q", i, err, firstErr)
				}
				if got.ID != b.ID || got.Status != tt.status || got.Payment.Reference != first.Payment.Reference ||
					got.Payment.Amount != first.Payment.Amount || got.Refund.Amount != first.Refund.Amount {
					t.Fatalf("answer %d: %s ref %q paid %s refunded %s; answer 0: %s ref %q paid %s refunded %s", i,
						got.Status, got.Payment.Reference, got.Payment.Amount, got.Refund.Amount,
						first.Status, first.Payment.Reference, first.Payment.Amount, first.Refund.Amount)
				}
				matchesAll := true
				for _, w := range tt.firstOnly {
					matchesAll = matchesAll && errors.Is(err, w)
				}
				if matchesAll {
					sharedCause++
				}
			}
			// The calls that shared the one payment get the gateway's own
			// error; later ones rebuild it from the stored booking, with
			// the same text, but it no longer matches the gateway's
			// sentinel (ErrPaymentDeclined, context.DeadlineExceeded).
			if tt.firstOnly != nil && sharedCause == 0 {
				t.Errorf("no answer matched %v", tt.firstOnly)
			}
			if tt.firstOnly != nil {
				t.Logf("%d of %d answers match %v", sharedCause, len(results), tt.firstOnly)
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
			if stored := f.booking(b.ID); stored.Status != tt.status || stored.Payment.Amount != first.Payment.Amount {
				t.Errorf("stored booking %s paid %s; the answers said %s paid %s", stored.Status, stored.Payment.Amount, tt.status, first.Payment.Amount)
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
	<-ps.paused // confirmed and committed; the call has not returned
	if c, err := b.CancelBooking(ctx, held.ID); err != nil || c.Status != boxoffice.StatusCancelled {
		t.Fatalf("cancel on B: %s, %v", c.Status, err)
	}
	go func() {
		defer close(secondDone)
		second, secondErr = a.ConfirmBooking(ctx, held.ID, "card")
	}()
	for range 1000 { // let the second call find the first in flight and join it
		runtime.Gosched()
	}
	close(ps.resume)
	<-firstDone
	<-secondDone

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
