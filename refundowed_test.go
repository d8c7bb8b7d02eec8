package boxoffice_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// failRefunds has the gateway's next refund calls fail with errs, in turn.
func (f *fixture) failRefunds(errs ...error) {
	f.gateway.mu.Lock()
	defer f.gateway.mu.Unlock()
	f.gateway.refunds = append(f.gateway.refunds, errs...)
}

// afterRefund is a scriptedGateway that runs hook after each refund call,
// before the BookingSystem records it.
type afterRefund struct {
	*scriptedGateway
	hook func()
}

func (g afterRefund) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	rc, err := g.scriptedGateway.Refund(ctx, r)
	g.hook()
	return rc, err
}

// TestCancelBookingRefundOwed: CancelBooking's error matches ErrRefundOwed
// on exactly the paths that return with the cancellation standing and its
// refund owed on record, and then comes with the cancelled booking; it
// still matches what it matched before the sentinel (the gateway's error,
// the Store's), with the same message. Every other error comes with the
// zero Booking and does not match it.
func TestCancelBookingRefundOwed(t *testing.T) {
	const all = 3 // Config.PaymentAttempts: the refund calls of one CancelBooking
	down := func(n int) []error {
		errs := make([]error, n)
		for i := range errs {
			errs[i] = errGatewayDown
		}
		return errs
	}
	timeouts := []error{context.DeadlineExceeded, context.DeadlineExceeded, context.DeadlineExceeded}
	tests := []struct {
		name string
		// cancel makes a fixture (of edits) and returns the CancelBooking
		// under test's booking and error, and the booking's ID.
		cancel func(t *testing.T) (id boxoffice.BookingID, got boxoffice.Booking, err error)
		owed   bool
		is     []error // besides ErrRefundOwed, if owed
		not    []error
	}{
		{"the refund fails", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			f := newFixture(t)
			b := f.confirm(f.hold("alice", "A1"))
			f.failRefunds(down(all)...)
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			return b.ID, got, err
		}, true, []error{errGatewayDown}, []error{boxoffice.ErrPaymentFailed}},
		{"the refund is declined", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			f := newFixture(t)
			b := f.confirm(f.hold("alice", "A1"))
			f.failRefunds(boxoffice.ErrPaymentDeclined)
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			return b.ID, got, err
		}, true, []error{boxoffice.ErrPaymentDeclined}, []error{boxoffice.ErrPaymentFailed}},
		{"the refund times out", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			f := newFixture(t)
			b := f.confirm(f.hold("alice", "A1"))
			f.failRefunds(timeouts...)
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			return b.ID, got, err
		}, true, []error{context.DeadlineExceeded}, nil},
		{"the gateway panics", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			gw := &panickyGateway{}
			f := newFixture(t, func(c *boxoffice.Config) {
				gw.scriptedGateway = c.Gateway.(*scriptedGateway)
				c.Gateway = gw
			})
			b := f.confirm(f.hold("alice", "A1"))
			gw.refundPanics.Store(true)
			got, err := cancelNoPanic(t, f, b.ID)
			return b.ID, got, err
		}, true, nil, nil},
		{"a retry of a pending refund fails again", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			f := newFixture(t)
			b := f.confirm(f.hold("alice", "A1"))
			f.failRefunds(down(2 * all)...)
			if _, err := f.sys.CancelBooking(f.ctx, b.ID); !errors.Is(err, errGatewayDown) {
				t.Fatalf("first CancelBooking: %v; want the gateway's error", err)
			}
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			return b.ID, got, err
		}, true, []error{errGatewayDown}, nil},
		{"the refund receipt names another amount", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			gw := &wrongRefundReceipts{scriptedGateway: newScriptedGateway(), bad: 1,
				report: func(m boxoffice.Money) boxoffice.Money { return m / 2 }}
			f := newFixture(t, func(c *boxoffice.Config) { c.Gateway = gw })
			b := f.confirm(f.hold("alice", "A1"))
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			return b.ID, got, err
		}, true, nil, nil},
		{"the refund is paid, recording it fails", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			store := &failingStore{MemoryStore: boxoffice.NewMemoryStore()}
			f := newFixture(t, func(c *boxoffice.Config) {
				c.Store = store
				c.Gateway = afterRefund{scriptedGateway: c.Gateway.(*scriptedGateway), hook: func() { store.failUpdates(1) }}
			})
			b := f.confirm(f.hold("alice", "A1"))
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			return b.ID, got, err
		}, true, []error{errStoreDown}, nil},
		{"the Store panics recording the refund", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			store := &panickingStore{MemoryStore: boxoffice.NewMemoryStore()}
			f := newFixture(t, func(c *boxoffice.Config) { c.Store = store })
			b := f.confirm(f.hold("alice", "A1"))
			store.arm(2)
			got, err := cancelNoPanic(t, f, b.ID)
			return b.ID, got, err
		}, true, nil, nil},
		{"a booking CancelShow cancelled, its refund failing again", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			f := newFixture(t)
			b := f.confirm(f.hold("alice", "A1"))
			f.failRefunds(down(2 * all)...)
			c, err := f.sys.CancelShow(f.ctx, f.show.ID)
			if err != nil || c.RefundsOwed != 1 {
				t.Fatalf("CancelShow: %+v, %v; want no error, 1 refund owed", c, err)
			}
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			return b.ID, got, err
		}, true, []error{errGatewayDown}, nil},

		{"the refund is paid", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			f := newFixture(t)
			b := f.confirm(f.hold("alice", "A1"))
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			return b.ID, got, err
		}, false, nil, nil},
		{"a retry of a pending refund is paid", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			f := newFixture(t)
			b := f.confirm(f.hold("alice", "A1"))
			f.failRefunds(down(all)...)
			if _, err := f.sys.CancelBooking(f.ctx, b.ID); !errors.Is(err, errGatewayDown) {
				t.Fatalf("first CancelBooking: %v; want the gateway's error", err)
			}
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			return b.ID, got, err
		}, false, nil, nil},
		{"nothing to refund", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			f := newFixture(t, func(c *boxoffice.Config) {
				c.RefundPolicy = boxoffice.RefundPolicyFunc(func(time.Duration) int { return 0 })
			})
			b := f.confirm(f.hold("alice", "A1"))
			f.failRefunds(down(all)...) // never called
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			return b.ID, got, err
		}, false, nil, nil},
		{"a hold", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			f := newFixture(t)
			b := f.hold("alice", "A1")
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			return b.ID, got, err
		}, false, []error{boxoffice.ErrInvalidTransition}, nil},
		{"after the start", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			f := newFixture(t)
			b := f.confirm(f.hold("alice", "A1"))
			f.clock.Set(f.show.Start)
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			return b.ID, got, err
		}, false, []error{boxoffice.ErrShowStarted, boxoffice.ErrInvalidTransition}, nil},
		{"an unknown booking", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			f := newFixture(t)
			id := boxoffice.NewBookingID()
			got, err := f.sys.CancelBooking(f.ctx, id)
			return id, got, err
		}, false, []error{boxoffice.ErrNotFound}, nil},
		{"the cancelling transaction fails", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			store := &failingStore{MemoryStore: boxoffice.NewMemoryStore()}
			f := newFixture(t, func(c *boxoffice.Config) { c.Store = store })
			b := f.confirm(f.hold("alice", "A1"))
			store.failUpdates(1)
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			return b.ID, got, err
		}, false, []error{errStoreDown}, nil},
		{"the Store panics in the cancelling transaction", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			store := &panickingStore{MemoryStore: boxoffice.NewMemoryStore()}
			f := newFixture(t, func(c *boxoffice.Config) { c.Store = store })
			b := f.confirm(f.hold("alice", "A1"))
			store.arm(1)
			got, err := cancelNoPanic(t, f, b.ID)
			return b.ID, got, err
		}, false, nil, nil},
		{"the RefundPolicy panics", func(t *testing.T) (boxoffice.BookingID, boxoffice.Booking, error) {
			f := newFixture(t, func(c *boxoffice.Config) {
				c.RefundPolicy = boxoffice.RefundPolicyFunc(func(time.Duration) int { panic("policy bug") })
			})
			b := f.confirm(f.hold("alice", "A1"))
			got, err := f.sys.CancelBooking(f.ctx, b.ID)
			return b.ID, got, err
		}, false, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, got, err := tt.cancel(t)
			if owed := errors.Is(err, boxoffice.ErrRefundOwed); owed != tt.owed {
				t.Fatalf("CancelBooking: %v (booking %s, owing %s); matches ErrRefundOwed: %t, want %t",
					err, got.Status, got.RefundOwed(), owed, tt.owed)
			}
			if tt.owed {
				if got.ID != id || got.Status != boxoffice.StatusCancelled || got.RefundOwed() == 0 {
					t.Errorf("an error matching ErrRefundOwed came with booking %q, %s, owing %s; want %s, cancelled, owing its refund",
						got.ID, got.Status, got.RefundOwed(), id)
				}
				// The message is what it was before the sentinel: no
				// caller reading it sees a change.
				if msg := err.Error(); strings.Contains(msg, boxoffice.ErrRefundOwed.Error()) || !strings.Contains(msg, "is cancelled") {
					t.Errorf("error %q: want the message of before, without the sentinel's", msg)
				}
			} else if err != nil && !got.ID.IsZero() {
				t.Errorf("error %v came with booking %s, %s; want the zero Booking", err, got.ID, got.Status)
			}
			for _, want := range tt.is {
				if !errors.Is(err, want) {
					t.Errorf("error %v does not match %v, which it matched before ErrRefundOwed", err, want)
				}
			}
			for _, not := range tt.not {
				if errors.Is(err, not) {
					t.Errorf("error %v matches %v", err, not)
				}
			}
		})
	}
}
