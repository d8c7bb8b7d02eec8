package boxoffice

import (
	"context"
	"testing"
	"time"
)

// TestLateChargeRule: which charge call, finding its booking failed by
// another call, took something of its own that needs a void key of its
// own (lateCharge). The charge key takes one charge: a call that gets it
// again while the booking records its receipt, with no void answered on
// record, took nothing new.
func TestLateChargeRule(t *testing.T) {
	at := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	failed := func(edit func(*Booking)) Booking {
		b := Booking{Status: StatusFailed, Total: 15_00}
		edit(&b)
		return b
	}
	ok := Receipt{Reference: "ch_1", Amount: 15_00}
	unknown := context.DeadlineExceeded
	tests := []struct {
		name      string
		b         Booking
		rc        Receipt
		attempts  int
		chargeErr error
		want      bool
	}{
		{"declined before, this one went through", failed(func(b *Booking) { b.Payment.FailureKind = FailureDeclined }), ok, 1, nil, true},
		{"outcome unknown before, this one went through", failed(func(b *Booking) { b.Payment.Amount = 15_00 }), ok, 1, nil, true},
		{"outcome unknown before, this one unknown", failed(func(b *Booking) { b.Payment.Amount = 15_00 }), Receipt{}, 1, unknown, true},
		{"void found nothing, this one went through", failed(func(b *Booking) { b.Refund.RefundedAt = at }), ok, 1, nil, true},
		{"void found nothing after a receipt, this one went through", failed(func(b *Booking) {
			b.Payment.PaidAt, b.Refund.RefundedAt = at, at
		}), ok, 1, nil, true},
		{"receipt recorded, no void answered: the same charge", failed(func(b *Booking) {
			b.Payment.Amount, b.Payment.PaidAt = 15_00, at
		}), ok, 1, nil, false},
		{"receipt recorded, no void answered, this one unknown", failed(func(b *Booking) {
			b.Payment.Amount, b.Payment.PaidAt = 15_00, at
		}), Receipt{}, 1, unknown, false},
		{"given back already", failed(func(b *Booking) { b.Payment.Amount, b.Refund.Amount = 15_00, 15_00 }), ok, 1, nil, false},
		{"no attempt of its own", failed(func(b *Booking) {}), Receipt{}, 0, errSeatsLost, false},
		{"confirmed by the other call", Booking{Status: StatusConfirmed, Total: 15_00}, ok, 1, nil, false},
	}
	for _, tt := range tests {
		if got := lateCharge(tt.b, tt.rc, tt.attempts, tt.chargeErr); got != tt.want {
			t.Errorf("%s: lateCharge = %v, want %v", tt.name, got, tt.want)
		}
	}
}
