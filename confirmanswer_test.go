package boxoffice_test

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestConfirmBookingAnswers pins which Booking comes back with each of
// ConfirmBooking's answers, as its documentation states: the booking as it
// stands once the call is done (equal to what BookingSystem.Booking reads
// next) with no error, a *PaymentError, a *TransitionError or a
// *ShowStartedError; the zero Booking with any other error.
func TestConfirmBookingAnswers(t *testing.T) {
	type call func(f *fixture, fs *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error)
	confirm := func(f *fixture, id boxoffice.BookingID) (boxoffice.BookingID, boxoffice.Booking, error) {
		b, err := f.sys.ConfirmBooking(f.ctx, id, "card")
		return id, b, err
	}
	tests := []struct {
		name   string
		faulty bool // needs the Store that fails on demand (a path of its own)
		call   call
		match  error
		status boxoffice.BookingStatus // of the booking returned; 0: the zero Booking
		kind   boxoffice.PaymentFailureKind
		owed   bool                    // RefundOwed() > 0
		after  boxoffice.BookingStatus // with the zero Booking: the booking's status read next, if not 0
	}{
		{name: "paid", status: boxoffice.StatusConfirmed, call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
			return confirm(f, f.hold("alice", "A1").ID)
		}},
		{name: "already paid", status: boxoffice.StatusConfirmed, call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
			return confirm(f, f.confirm(f.hold("alice", "A1")).ID)
		}},
		{name: "declined", match: boxoffice.ErrPaymentDeclined, status: boxoffice.StatusFailed, kind: boxoffice.FailureDeclined,
			call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				f.gateway.script(chargeOutcome{err: boxoffice.ErrPaymentDeclined})
				return confirm(f, f.hold("alice", "A1").ID)
			}},
		{name: "declined, asked again", match: boxoffice.ErrPaymentDeclined, status: boxoffice.StatusFailed, kind: boxoffice.FailureDeclined,
			call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				f.gateway.script(chargeOutcome{err: boxoffice.ErrPaymentDeclined})
				id := f.hold("alice", "A1").ID
				_, _, _ = confirm(f, id)
				return confirm(f, id)
			}},
		{name: "gateway error, voided", match: boxoffice.ErrPaymentFailed, status: boxoffice.StatusFailed, kind: boxoffice.FailureGatewayError,
			call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				f.gateway.script(chargeOutcome{err: errGatewayDown}, chargeOutcome{err: errGatewayDown}, chargeOutcome{err: errGatewayDown})
				return confirm(f, f.hold("alice", "A1").ID)
			}},
		{name: "gateway error, void failed too", match: boxoffice.ErrPaymentFailed, status: boxoffice.StatusFailed,
			kind: boxoffice.FailureGatewayError, owed: true,
			call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				f.gateway.script(chargeOutcome{err: errGatewayDown}, chargeOutcome{err: errGatewayDown},
					chargeOutcome{err: errGatewayDown, applied: true})
				f.failRefunds(errGatewayDown, errGatewayDown, errGatewayDown)
				return confirm(f, f.hold("alice", "A1").ID)
			}},
		{name: "hold lost during the payment", match: boxoffice.ErrHoldExpired, status: boxoffice.StatusFailed, kind: boxoffice.FailureHoldLost,
			call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				id := f.hold("alice", "A1").ID
				f.gateway.mu.Lock()
				f.gateway.overrun = true
				f.gateway.before = func() {
					f.gateway.mu.Lock()
					f.gateway.before = nil
					f.gateway.mu.Unlock()
					f.clock.Advance(10 * time.Minute) // alice's hold runs out, bob takes A1
					f.hold("bob", "A1")
				}
				f.gateway.mu.Unlock()
				return confirm(f, id)
			}},
		{name: "released", match: boxoffice.ErrInvalidTransition, status: boxoffice.StatusReleased,
			call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				b := f.hold("alice", "A1")
				mustT[boxoffice.Booking](f.t)(f.sys.ReleaseHold(f.ctx, b.ID))
				return confirm(f, b.ID)
			}},
		{name: "hold ran out", match: boxoffice.ErrHoldExpired, status: boxoffice.StatusExpired,
			call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				b := f.hold("alice", "A1")
				f.clock.Advance(10 * time.Minute)
				return confirm(f, b.ID)
			}},
		{name: "expired by the sweeper", match: boxoffice.ErrHoldExpired, status: boxoffice.StatusExpired,
			call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				b := f.hold("alice", "A1")
				f.clock.Advance(10 * time.Minute)
				f.sys.Sweep(f.ctx)
				return confirm(f, b.ID)
			}},
		{name: "joined a payment that was declined", match: boxoffice.ErrPaymentDeclined, status: boxoffice.StatusFailed,
			kind: boxoffice.FailureDeclined,
			call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				id := f.hold("alice", "A1").ID
				return joined(f, id, f.ctx, chargeOutcome{err: boxoffice.ErrPaymentDeclined})
			}},
		{name: "joined a payment, its ctx ended first", match: context.Canceled,
			call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				id := f.hold("alice", "A1").ID
				ctx, cancel := context.WithCancel(f.ctx)
				cancel()
				return joined(f, id, ctx, chargeOutcome{})
			}},
		{name: "cancelled", match: boxoffice.ErrInvalidTransition, status: boxoffice.StatusCancelled,
			call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				b := f.confirm(f.hold("alice", "A1"))
				mustT[boxoffice.Booking](f.t)(f.sys.CancelBooking(f.ctx, b.ID))
				return confirm(f, b.ID)
			}},
		{name: "show started", match: boxoffice.ErrShowStarted, status: boxoffice.StatusHeld,
			call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				b := f.hold("alice", "A1")
				f.clock.Set(f.show.Start)
				return confirm(f, b.ID)
			}},
		{name: "no such booking", match: boxoffice.ErrNotFound,
			call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				return confirm(f, boxoffice.NewBookingID())
			}},
		{name: "invalid method", match: boxoffice.ErrInvalidArgument,
			call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				id := f.hold("alice", "A1").ID
				b, err := f.sys.ConfirmBooking(f.ctx, id, "card\x00")
				return id, b, err
			}},
		{name: "closed", match: boxoffice.ErrClosed,
			call: func(f *fixture, _ *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				id := f.hold("alice", "A1").ID
				if err := f.sys.Close(f.ctx); err != nil {
					f.t.Fatal(err)
				}
				return confirm(f, id)
			}},
		{name: "Store fails marking it paying", faulty: true, match: errNthUpdate, after: boxoffice.StatusHeld,
			call: func(f *fixture, fs *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				id := f.hold("alice", "A1").ID
				fs.arm(1)
				return confirm(f, id)
			}},
		{name: "Store fails recording the outcome", faulty: true, match: boxoffice.ErrPaymentUnsettled, after: boxoffice.StatusPaying,
			call: func(f *fixture, fs *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				id := f.hold("alice", "A1").ID
				fs.arm(2)
				return confirm(f, id)
			}},
		// The booking has failed by then (a Store error comes with the
		// zero Booking all the same; BookingSystem.Booking tells).
		{name: "Store fails recording a failed payment's void", faulty: true, match: errNthUpdate, after: boxoffice.StatusFailed,
			call: func(f *fixture, fs *nthFailingStore) (boxoffice.BookingID, boxoffice.Booking, error) {
				f.gateway.script(chargeOutcome{err: errGatewayDown}, chargeOutcome{err: errGatewayDown},
					chargeOutcome{err: errGatewayDown, applied: true})
				id := f.hold("alice", "A1").ID
				fs.arm(3)
				return confirm(f, id)
			}},
	}
	paths := append(storePaths[:len(storePaths):len(storePaths)], storePath{"faulty", nil})
	for _, p := range paths {
		for _, tt := range tests {
			if tt.faulty != (p.edit == nil) {
				continue
			}
			t.Run(p.name+"/"+tt.name, func(t *testing.T) {
				var fs *nthFailingStore
				f := newFixture(t, func(c *boxoffice.Config) {
					// No background sweep when a case moves the clock to
					// the show's start: it would expire the hold first.
					c.SweepInterval = 10000 * time.Hour
					if p.edit != nil {
						p.edit(c)
						return
					}
					fs = &nthFailingStore{MemoryStore: c.Store.(*boxoffice.MemoryStore)}
					c.Store = fs
				})
				id, got, err := tt.call(f, fs)
				if tt.match == nil && err != nil || tt.match != nil && !errors.Is(err, tt.match) {
					t.Fatalf("ConfirmBooking: %v; want an error matching %v", err, tt.match)
				}
				if tt.status == 0 {
					if !reflect.DeepEqual(got, boxoffice.Booking{}) {
						t.Errorf("ConfirmBooking: %+v with %v; want the zero Booking", got, err)
					}
					if tt.after != 0 {
						if b := f.booking(id); b.Status != tt.after {
							t.Errorf("the booking is %s after the call; want %s", b.Status, tt.after)
						}
					}
					return
				}
				if got.ID != id || got.Status != tt.status || got.Payment.FailureKind != tt.kind || (got.RefundOwed() > 0) != tt.owed {
					t.Errorf("ConfirmBooking: booking %v %s (failure kind %s, owed %s) with %v; want %v %s (%s, owed: %v)",
						got.ID, got.Status, got.Payment.FailureKind, got.RefundOwed(), err, id, tt.status, tt.kind, tt.owed)
				}
				stored, rerr := f.sys.Booking(context.Background(), id)
				if rerr == nil && !reflect.DeepEqual(got, stored) {
					t.Errorf("ConfirmBooking returned\n%+v\nthe booking is now\n%+v", got, stored)
				}
			})
		}
	}
}

// joined runs a ConfirmBooking of id whose charge (with outcome) waits
// until a second call, on ctx, has joined it (or returned), and returns the
// second call's answer.
func joined(f *fixture, id boxoffice.BookingID, ctx context.Context, outcome chargeOutcome) (boxoffice.BookingID, boxoffice.Booking, error) {
	f.t.Helper()
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f.gateway.script(outcome)
	f.gateway.mu.Lock()
	f.gateway.before = func() { once.Do(func() { close(entered) }); <-release }
	f.gateway.mu.Unlock()
	firstDone := make(chan struct{})
	go func() {
		defer close(firstDone)
		_, _ = f.sys.ConfirmBooking(f.ctx, id, "card")
	}()
	recv(f.t, entered, "the first confirm to charge")
	type answer struct {
		b   boxoffice.Booking
		err error
	}
	second := make(chan answer, 1)
	go func() {
		b, err := f.sys.ConfirmBooking(ctx, id, "card")
		second <- answer{b, err}
	}()
	var got answer
	released := false
	for i, done := 0, false; !done; i++ {
		select {
		case got = <-second: // returned without waiting (its ctx had ended)
			done = true
		default:
			if boxoffice.ConfirmWaitersForTest(f.sys, id) > 0 {
				close(release)
				released = true
				got, done = recv(f.t, second, "the joined confirm to return"), true
				break
			}
			if i == 10_000_000 {
				f.t.Fatal("the second confirm never joined the first")
			}
			runtime.Gosched()
		}
	}
	if !released {
		close(release)
	}
	recv(f.t, firstDone, "the first confirm to return")
	return id, got.b, got.err
}
