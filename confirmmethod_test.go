package boxoffice_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// TestConfirmMethodIsValidated: ConfirmBooking refuses a PaymentMethod
// that no other text crossing the API would pass (over 256 bytes, not
// UTF-8, control characters) with an *ArgumentError, before anything is
// charged or stored; the hold stays as it was, and can still be paid.
func TestConfirmMethodIsValidated(t *testing.T) {
	bad := []struct {
		name   string
		method boxoffice.PaymentMethod
		reason string
	}{
		{"invalid UTF-8", "card:\xff\xfe", "UTF-8"},
		{"NUL", "card\x00", "control"},
		{"newline", "card\n", "control"},
		{"escape", "card\x1b[31m", "control"},
		{"C1 control", "card\u0085", "control"},
		{"DEL", "card\x7f", "control"},
		{"257 bytes", boxoffice.PaymentMethod(strings.Repeat("x", 257)), "256 bytes"},
		{"8 MiB", boxoffice.PaymentMethod(strings.Repeat("x", 8<<20)), "256 bytes"},
	}
	for _, p := range storePaths {
		for _, tt := range bad {
			t.Run(p.name+", "+tt.name, func(t *testing.T) {
				f := newFixture(t, p.edit)
				b := f.hold("alice", "A1")
				got, err := f.sys.ConfirmBooking(f.ctx, b.ID, tt.method)
				var ae *boxoffice.ArgumentError
				if !errors.As(err, &ae) || !errors.Is(err, boxoffice.ErrInvalidArgument) || ae.Field != "method" || !strings.Contains(ae.Reason, tt.reason) {
					t.Fatalf("ConfirmBooking(%.16q) = %v; want an *ArgumentError for method saying %q", tt.method, err, tt.reason)
				}
				if !got.ID.IsZero() {
					t.Errorf("refused ConfirmBooking returned booking %s", got.ID)
				}
				if after := f.booking(b.ID); after.Status != boxoffice.StatusHeld || after.Payment != b.Payment || !after.UpdatedAt.Equal(b.UpdatedAt) {
					t.Errorf("booking after the refused confirm: %s, payment %+v; want it unchanged", after.Status, after.Payment)
				}
				if c := f.confirm(b); c.Status != boxoffice.StatusConfirmed {
					t.Errorf("confirm with a valid method after the refused one: %s", c.Status)
				}
			})
		}
	}
	t.Run("valid methods", func(t *testing.T) {
		for _, m := range []boxoffice.PaymentMethod{
			"card:tok_visa",
			boxoffice.PaymentMethod(strings.Repeat("x", 256)),
			"carte bancaire: jeton n°1", // UTF-8 is fine
		} {
			f := newFixture(t)
			b := f.hold("alice", "A1")
			got, err := f.sys.ConfirmBooking(f.ctx, b.ID, m)
			if err != nil || got.Status != boxoffice.StatusConfirmed || got.Payment.Method != m {
				t.Errorf("ConfirmBooking(%.16q) = %s with method %.16q, %v; want confirmed with it", m, got.Status, got.Payment.Method, err)
			}
		}
	})
}
