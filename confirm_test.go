package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

func TestConfirmBooking(t *testing.T) {
	rec := newRecorder()
	f := newFixture(t, func(c *boxoffice.Config) { c.Observers = []boxoffice.Observer{rec} })
	b := f.hold("alice", "A1", "A2")
	c := f.confirm(b)
	if c.Status != boxoffice.StatusConfirmed || c.Payment.Amount != 4500 || c.Payment.Reference == "" || c.Payment.Method != "card" {
		t.Fatalf("confirmed booking: %+v", c)
	}
	if got := f.seatStatus("A1"); got != boxoffice.SeatBooked {
		t.Errorf("A1 is %s; want booked", got)
	}
	f.clock.Advance(time.Hour) // a sold seat never expires
	if got := f.seatStatus("A2"); got != boxoffice.SeatBooked {
		t.Errorf("A2 an hour later is %s; want booked", got)
	}
	again, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
	if err != nil || again.Status != boxoffice.StatusConfirmed {
		t.Fatalf("confirming twice: %s, %v", again.Status, err)
	}
	if n := f.gateway.chargeCalls(); n != 1 {
		t.Errorf("gateway charged %d times; want 1", n)
	}
	events := rec.waitFor(t, 2)
	if _, ok := events[1].(*boxoffice.BookingConfirmed); !ok {
		t.Errorf("second event %T; want *BookingConfirmed", events[1])
	}
}

func TestConfirmPaymentOutcomes(t *testing.T) {
	declined := chargeOutcome{err: boxoffice.ErrPaymentDeclined}
	down := chargeOutcome{err: errGatewayDown}
	lostReply := chargeOutcome{err: context.DeadlineExceeded, applied: true}
	tests := []struct {
		name         string
		script       []chargeOutcome
		wantErr      error
		wantStatus   boxoffice.BookingStatus
		wantCalls    int
		wantCharged  boxoffice.Money // net money kept
		wantSeat     boxoffice.SeatStatus
		wantRefunded boxoffice.Money
	}{
		{"first try", nil, nil, boxoffice.StatusConfirmed, 1, 4500, boxoffice.SeatBooked, 0},
		{"transient then success", []chargeOutcome{down, down}, nil, boxoffice.StatusConfirmed, 3, 4500, boxoffice.SeatBooked, 0},
		{"lost reply then retried", []chargeOutcome{lostReply}, nil, boxoffice.StatusConfirmed, 2, 4500, boxoffice.SeatBooked, 0},
		{"declined is final", []chargeOutcome{declined}, boxoffice.ErrPaymentDeclined, boxoffice.StatusFailed, 1, 0, boxoffice.SeatAvailable, 0},
		{"transient three times", []chargeOutcome{down, down, down}, boxoffice.ErrPaymentFailed, boxoffice.StatusFailed, 3, 0, boxoffice.SeatAvailable, 0},
		{"charged but every reply lost", []chargeOutcome{lostReply, lostReply, lostReply}, boxoffice.ErrPaymentFailed, boxoffice.StatusFailed, 3, 0, boxoffice.SeatAvailable, 4500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.gateway.script(tt.script...)
			b := f.hold("alice", "A1", "A2")
			got, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v; want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil && !errors.Is(err, boxoffice.ErrPaymentFailed) {
				t.Errorf("err = %v; want it to match ErrPaymentFailed too", err)
			}
			if got.Status != tt.wantStatus {
				t.Errorf("status %s; want %s", got.Status, tt.wantStatus)
			}
			if n := f.gateway.chargeCalls(); n != tt.wantCalls {
				t.Errorf("charge calls %d; want %d", n, tt.wantCalls)
			}
			charged, refunded := f.gateway.Totals()
			if charged-refunded != tt.wantCharged || refunded != tt.wantRefunded {
				t.Errorf("gateway charged %s refunded %s; want net %s refunded %s", charged, refunded, tt.wantCharged, tt.wantRefunded)
			}
			if s := f.seatStatus("A1"); s != tt.wantSeat {
				t.Errorf("A1 is %s; want %s", s, tt.wantSeat)
			}
			stored := f.booking(b.ID)
			if stored.Refund.Amount != tt.wantRefunded {
				t.Errorf("booking records refund %s; want %s", stored.Refund.Amount, tt.wantRefunded)
			}
			again, err2 := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
			if again.Status != got.Status || (err == nil) != (err2 == nil) {
				t.Errorf("replay: %s, %v; first: %s, %v", again.Status, err2, got.Status, err)
			}
			if n := f.gateway.chargeCalls(); n != tt.wantCalls {
				t.Errorf("replay called the gateway again: %d calls", n)
			}
		})
	}
}

// TestDeclinedChargeIsNotVoided: a decline is the one charge failure that
// surely took nothing (maybeCharged), so the failed booking owes nothing,
// records no refund and asks the gateway for no void; any other failure
// leaves the outcome unknown and is voided.
func TestDeclinedChargeIsNotVoided(t *testing.T) {
	tests := []struct {
		name       string
		outcome    chargeOutcome
		wantVoided bool
	}{
		{"declined", chargeOutcome{err: fmt.Errorf("card refused: %w", boxoffice.ErrPaymentDeclined)}, false},
		{"gateway down", chargeOutcome{err: errGatewayDown}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *boxoffice.Config) { c.PaymentAttempts = 1 })
			f.gateway.script(tt.outcome)
			b := f.hold("alice", "A1")
			if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, boxoffice.ErrPaymentFailed) {
				t.Fatalf("ConfirmBooking: %v; want ErrPaymentFailed", err)
			}
			got := f.booking(b.ID)
			if got.Status != boxoffice.StatusFailed || got.Payment.Amount != 0 || got.RefundOwed() != 0 {
				t.Errorf("booking %s, paid %s, owing %s; want failed, nothing taken or owed", got.Status, got.Payment.Amount, got.RefundOwed())
			}
			// A void that found no charge records a refund of nothing,
			// settled; a decline records none.
			if voided := !got.Refund.RefundedAt.IsZero(); voided != tt.wantVoided {
				t.Errorf("refund %+v: voided %v; want %v", got.Refund, voided, tt.wantVoided)
			}
		})
	}
}

func TestConfirmBacksOffOnTheClock(t *testing.T) {
	f := newFixture(t, func(c *boxoffice.Config) { c.PaymentBackoff = 200 * time.Millisecond })
	f.gateway.script(chargeOutcome{err: errGatewayDown}, chargeOutcome{err: errGatewayDown})
	b := f.hold("alice", "A1")
	done := make(chan error, 1)
	go func() {
		_, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
		done <- err
	}()
	for _, wait := range []time.Duration{200 * time.Millisecond, 400 * time.Millisecond} {
		if err := f.clock.WaitForTimers(f.ctx, 2); err != nil { // the sweeper's and the backoff's
			t.Fatal(err)
		}
		f.clock.Advance(wait - time.Nanosecond)
		select {
		case err := <-done:
			t.Fatalf("confirm returned %v before its %s backoff ended", err, wait)
		default:
		}
		// Checked at once, unlike done (the confirm runs on): a backoff
		// shorter than wait fired within the Advance, and its timer is gone.
		if n := f.clock.Timers(); n != 2 {
			t.Fatalf("%d timers armed %s after the backoff began; want the sweeper's and the %s backoff's", n, wait-time.Nanosecond, wait)
		}
		f.clock.Advance(time.Nanosecond)
	}
	if err := recv(t, done, "confirm to return after two backoffs"); err != nil {
		t.Fatalf("confirm after two backoffs: %v", err)
	}
}

func TestHoldLostDuringPaymentIsRefunded(t *testing.T) {
	f := newFixture(t, func(c *boxoffice.Config) { c.PaymentTimeout = time.Hour }) // the charge lasts 10 minutes
	b := f.hold("alice", "A1")
	// While alice's charge is in flight her hold runs out and bob takes A1.
	f.gateway.before = func() {
		f.gateway.before = nil
		f.clock.Advance(10 * time.Minute)
		f.hold("bob", "A1")
	}
	got, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
	if !errors.Is(err, boxoffice.ErrPaymentFailed) || !errors.Is(err, boxoffice.ErrHoldExpired) {
		t.Fatalf("err = %v; want ErrPaymentFailed and ErrHoldExpired", err)
	}
	if got.Status != boxoffice.StatusFailed || got.Refund.Amount != 2250 || got.Payment.Amount != 2250 {
		t.Errorf("booking %s paid %s refunded %s; want failed with 22.50 refunded", got.Status, got.Payment.Amount, got.Refund.Amount)
	}
	charged, refunded := f.gateway.Totals()
	if charged != refunded {
		t.Errorf("money kept without a ticket: charged %s refunded %s", charged, refunded)
	}
	if s := f.seatStatus("A1"); s != boxoffice.SeatHeld {
		t.Errorf("A1 is %s; want held by bob", s)
	}
}

func TestLapsedHoldStillFreeIsConfirmed(t *testing.T) {
	f := newFixture(t, func(c *boxoffice.Config) { c.PaymentTimeout = time.Hour }) // the charge lasts 11 minutes
	b := f.hold("alice", "A1")
	f.gateway.before = func() {
		f.gateway.before = nil
		f.clock.Advance(11 * time.Minute) // deadline passes mid-payment; nobody takes A1
	}
	if got := f.confirm(b); got.Status != boxoffice.StatusConfirmed {
		t.Fatalf("status %s; want confirmed", got.Status)
	}
}

func TestRefundFailureIsRetriedByConfirm(t *testing.T) {
	f := newFixture(t)
	lost := chargeOutcome{err: context.DeadlineExceeded, applied: true}
	f.gateway.script(lost, lost, lost)
	f.gateway.refunds = []error{errGatewayDown, errGatewayDown, errGatewayDown}
	b := f.hold("alice", "A1")
	if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, boxoffice.ErrPaymentFailed) {
		t.Fatalf("err = %v; want ErrPaymentFailed", err)
	}
	if charged, refunded := f.gateway.Totals(); charged != 2250 || refunded != 0 {
		t.Fatalf("charged %s refunded %s; want 22.50 charged, refund pending", charged, refunded)
	}
	got, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
	if !errors.Is(err, boxoffice.ErrPaymentFailed) || got.Refund.Amount != 2250 {
		t.Fatalf("retry: %v, refund %s; want the refund made", err, got.Refund.Amount)
	}
	if charged, refunded := f.gateway.Totals(); charged != refunded {
		t.Fatalf("charged %s refunded %s after the retry", charged, refunded)
	}
}

func TestConcurrentConfirmsChargeOnce(t *testing.T) {
	f := newFixture(t)
	b := f.hold("alice", "A1", "A2")
	var wg sync.WaitGroup
	results := make([]boxoffice.Booking, 64)
	errs := make([]error, 64)
	for i := range 64 {
		wg.Go(func() {
			for range 50 {
				results[i], errs[i] = f.sys.ConfirmBooking(f.ctx, b.ID, "card")
				if errs[i] != nil {
					return
				}
			}
		})
	}
	waitGroup(t, &wg, "the concurrent confirms")
	for i := range 64 {
		if errs[i] != nil || results[i].Status != boxoffice.StatusConfirmed || results[i].Payment.Reference != results[0].Payment.Reference {
			t.Fatalf("caller %d: %s %q, %v", i, results[i].Status, results[i].Payment.Reference, errs[i])
		}
	}
	if n := len(f.gateway.ChargeKeys()); n != 1 {
		t.Fatalf("%d charges; want 1", n)
	}
}

func TestCancelBookingRefundTiers(t *testing.T) {
	showStart := time.Date(2026, 3, 3, 19, 0, 0, 0, time.UTC)
	tests := []struct {
		before  time.Duration // cancel this long before the show
		percent int
		refund  boxoffice.Money
	}{
		{10 * time.Hour, 100, 4500},
		{6*time.Hour + time.Nanosecond, 100, 4500},
		{6 * time.Hour, 50, 2250},
		{3 * time.Hour, 50, 2250},
		{2 * time.Hour, 25, 1125},
		{31 * time.Minute, 25, 1125},
		{30 * time.Minute, 0, 0},
		{time.Minute, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.before.String(), func(t *testing.T) {
			rec := newRecorder()
			f := newFixture(t, func(c *boxoffice.Config) { c.Observers = []boxoffice.Observer{rec} })
			b := f.confirm(f.hold("alice", "A1", "A2"))
			f.clock.Set(showStart.Add(-tt.before))
			c, err := f.sys.CancelBooking(f.ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != boxoffice.StatusCancelled || c.Refund.Percent != tt.percent || c.Refund.Amount != tt.refund {
				t.Fatalf("cancelled %s before: %s %d%% %s; want %d%% %s", tt.before, c.Status, c.Refund.Percent, c.Refund.Amount, tt.percent, tt.refund)
			}
			// Settled at the cancellation: paid then, or, for a refund of
			// nothing, settled when recorded (Refund's doc).
			if at := f.clock.Now().Truncate(time.Microsecond); c.Refund.Pending() || !c.Refund.RefundedAt.Equal(at) {
				t.Errorf("cancelled %s before: refund %+v; want settled, RefundedAt %s", tt.before, c.Refund, at)
			}
			if _, refunded := f.gateway.Totals(); refunded != tt.refund {
				t.Errorf("gateway refunded %s; want %s", refunded, tt.refund)
			}
			if s := f.seatStatus("A1"); s != boxoffice.SeatAvailable {
				t.Errorf("A1 after cancel: %s; want available for resale", s)
			}
			again, err := f.sys.CancelBooking(f.ctx, b.ID)
			if err != nil || again.Refund != c.Refund {
				t.Errorf("cancelling twice: %+v, %v", again.Refund, err)
			}
			if _, refunded := f.gateway.Totals(); refunded != tt.refund {
				t.Errorf("second cancel refunded again: %s", refunded)
			}
			events := rec.waitFor(t, 3)
			if e, ok := events[2].(*boxoffice.BookingCancelled); !ok || e.Refund.Amount != tt.refund {
				t.Errorf("third event %T %+v; want BookingCancelled with the refund", events[2], events[2])
			}
		})
	}
}

func TestCancelRefusals(t *testing.T) {
	f := newFixture(t)
	held := f.hold("alice", "A1")
	if _, err := f.sys.CancelBooking(f.ctx, held.ID); !errors.Is(err, boxoffice.ErrInvalidTransition) {
		t.Errorf("cancelling a held booking: %v; want ErrInvalidTransition", err)
	}
	paid := f.confirm(f.hold("bob", "B1"))
	f.gateway.refunds = []error{errGatewayDown, errGatewayDown, errGatewayDown}
	if _, err := f.sys.CancelBooking(f.ctx, paid.ID); !errors.Is(err, errGatewayDown) {
		t.Errorf("cancel with the gateway down: %v; want the gateway's error", err)
	}
	if got := f.booking(paid.ID); got.Status != boxoffice.StatusCancelled || !got.Refund.Pending() {
		t.Errorf("after a failed refund the booking is %s %+v; want cancelled, its refund pending", got.Status, got.Refund)
	}
	late := f.confirm(f.hold("carol", "C1"))
	f.clock.Set(f.show.Start)
	if _, err := f.sys.CancelBooking(f.ctx, late.ID); !errors.Is(err, boxoffice.ErrShowStarted) || !errors.Is(err, boxoffice.ErrInvalidTransition) {
		t.Errorf("cancelling once the show started: %v; want ErrShowStarted and ErrInvalidTransition", err)
	}
	// The refund decided before the start is still owed, and paid.
	if got, err := f.sys.CancelBooking(f.ctx, paid.ID); err != nil || got.Refund.Pending() || got.Refund.Amount != paid.Total {
		t.Errorf("retrying the pending refund after the start: %+v, %v; want %s paid", got.Refund, err, paid.Total)
	}
	if _, err := f.sys.CancelBooking(f.ctx, boxoffice.NewBookingID()); !errors.Is(err, boxoffice.ErrNotFound) {
		t.Errorf("cancelling an unknown booking: %v; want ErrNotFound", err)
	}
}

func TestCompleteShow(t *testing.T) {
	f := newFixture(t)
	a := f.confirm(f.hold("alice", "A1", "A2"))
	b := f.confirm(f.hold("bob", "B1"))
	held := f.hold("carol", "C1")
	n, err := f.sys.CompleteShow(f.ctx, f.show.ID)
	var argErr *boxoffice.ArgumentError
	if n != 0 || !errors.As(err, &argErr) || argErr.Field != "showID" || !strings.Contains(err.Error(), f.show.ID) ||
		strings.Contains(err.Error(), "00000000-") || errors.Is(err, boxoffice.ErrInvalidTransition) {
		t.Fatalf("completing a show before it starts: %d, %v; want an *ArgumentError for showID naming the show", n, err)
	}
	if got := f.booking(a.ID).Status; got != boxoffice.StatusConfirmed {
		t.Fatalf("after the refusal booking %s is %s; want confirmed", a.ID, got)
	}
	f.clock.Set(f.show.Start)
	n, err = f.sys.CompleteShow(f.ctx, f.show.ID)
	if err != nil || n != 2 {
		t.Fatalf("CompleteShow = %d, %v; want 2", n, err)
	}
	for _, id := range []boxoffice.BookingID{a.ID, b.ID} {
		if got := f.booking(id).Status; got != boxoffice.StatusCompleted {
			t.Errorf("booking %s is %s; want completed", id, got)
		}
	}
	// The background sweeper may expire the lapsed hold once the clock
	// jumps past its deadline; CompleteShow must not complete it.
	if got := f.booking(held.ID).Status; got != boxoffice.StatusHeld && got != boxoffice.StatusExpired {
		t.Errorf("a lapsed hold became %s; want held or expired", got)
	}
	if n, _ := f.sys.CompleteShow(f.ctx, f.show.ID); n != 0 {
		t.Errorf("second CompleteShow completed %d; want 0", n)
	}
	if s := f.seatStatus("A1"); s != boxoffice.SeatBooked {
		t.Errorf("A1 after the show: %s; want booked", s)
	}
}

// ctxGateway is an InMemoryGateway whose charges first run wait, which sees
// the charge's context; a charge whose context is done by then fails with
// the context's error, as a real gateway's HTTP call would.
type ctxGateway struct {
	*boxoffice.InMemoryGateway
	mu    sync.Mutex
	calls int
	wait  func(ctx context.Context)
}

func (g *ctxGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	g.calls++
	g.mu.Unlock()
	g.wait(ctx)
	return g.InMemoryGateway.Charge(ctx, r)
}

func (g *ctxGateway) chargeCalls() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

// TestConfirmOutlivesCallerCancellation: once the payment has started, a
// cancelled caller context (a browser tab closed mid-payment) must neither
// abort the charge nor turn a sale into a failure; and since the charge no
// longer ends with the caller, it must still end on its own.
func TestConfirmOutlivesCallerCancellation(t *testing.T) {
	tests := []struct {
		name       string
		wait       func(clock *fakeclock.Clock, callerCtx, chargeCtx context.Context)
		wantErr    []error
		wantStatus boxoffice.BookingStatus
		wantKind   boxoffice.PaymentFailureKind
		wantCalls  int
		wantKept   boxoffice.Money // charged minus refunded
	}{
		{
			name:       "gateway answers after the caller gave up",
			wait:       func(_ *fakeclock.Clock, callerCtx, _ context.Context) { <-callerCtx.Done() },
			wantStatus: boxoffice.StatusConfirmed, wantCalls: 1, wantKept: 2250,
		},
		{
			// Only PaymentTimeout ends each attempt, 10ms on the Clock.
			name: "gateway never answers",
			wait: func(clock *fakeclock.Clock, _, chargeCtx context.Context) {
				clock.Advance(10 * time.Millisecond)
				<-chargeCtx.Done()
			},
			wantErr:    []error{boxoffice.ErrPaymentFailed, context.DeadlineExceeded},
			wantStatus: boxoffice.StatusFailed, wantKind: boxoffice.FailureTimedOut, wantCalls: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			callerCtx, cancel := context.WithCancel(context.Background())
			defer cancel()
			gw := &ctxGateway{InMemoryGateway: boxoffice.NewInMemoryGateway()}
			f := newFixture(t, func(c *boxoffice.Config) {
				c.Gateway = gw
				c.PaymentAttempts = 2
				c.PaymentTimeout = 10 * time.Millisecond
			})
			gw.wait = func(chargeCtx context.Context) {
				cancel() // the customer leaves while the charge is in flight
				tt.wait(f.clock, callerCtx, chargeCtx)
			}
			b := f.hold("alice", "A1")
			got, err := f.sys.ConfirmBooking(callerCtx, b.ID, "card")
			if m := matchedSentinels(err); !slices.Equal(m, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("err = %v, matching %v; want %v", err, m, tt.wantErr)
			}
			if got.Status != tt.wantStatus || got.Payment.FailureKind != tt.wantKind {
				t.Errorf("booking %s (%s); want %s (%s)", got.Status, got.Payment.FailureKind, tt.wantStatus, tt.wantKind)
			}
			if n := gw.chargeCalls(); n != tt.wantCalls {
				t.Errorf("%d charge calls; want %d", n, tt.wantCalls)
			}
			if charged, refunded := gw.Totals(); charged-refunded != tt.wantKept {
				t.Errorf("gateway charged %s refunded %s; want %s kept", charged, refunded, tt.wantKept)
			}
			if stored := f.booking(b.ID); stored.Status != tt.wantStatus {
				t.Errorf("stored booking %s; want %s", stored.Status, tt.wantStatus)
			}
		})
	}
}

// TestConfirmRefusedOnceShowStarted: a held booking cannot be paid for from
// the show's start on; nothing is charged and the booking is left as it was.
func TestConfirmRefusedOnceShowStarted(t *testing.T) {
	tests := []struct {
		name    string
		at      time.Duration // confirm this long after the show's start
		wantErr error
	}{
		{"a nanosecond before the start", -time.Nanosecond, nil},
		{"at the start", 0, boxoffice.ErrShowStarted},
		{"a minute after the start", time.Minute, boxoffice.ErrShowStarted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *boxoffice.Config) { c.SweepInterval = 1000 * time.Hour })
			f.clock.Set(f.show.Start.Add(-5 * time.Minute))
			b := f.hold("alice", "A1")
			f.clock.Set(f.show.Start.Add(tt.at))
			got, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
			if tt.wantErr == nil {
				if err != nil || got.Status != boxoffice.StatusConfirmed {
					t.Fatalf("confirm: %s, %v; want confirmed", got.Status, err)
				}
				return
			}
			var started *boxoffice.ShowStartedError
			if !errors.Is(err, tt.wantErr) || !errors.As(err, &started) || errors.Is(err, boxoffice.ErrPaymentFailed) {
				t.Fatalf("err = %v; want a *ShowStartedError matching %v only", err, tt.wantErr)
			}
			if started.ShowID != f.show.ID || !started.Start.Equal(f.show.Start) {
				t.Errorf("error names show %s at %s; want %s at %s", started.ShowID, started.Start, f.show.ID, f.show.Start)
			}
			if n := f.gateway.chargeCalls(); n != 0 {
				t.Errorf("%d charge calls; want none", n)
			}
			if stored := f.booking(b.ID); stored.Status != boxoffice.StatusHeld || stored.Payment.Method != "" {
				t.Errorf("stored booking %s paying with %q; want it left held", stored.Status, stored.Payment.Method)
			}
		})
	}
}
