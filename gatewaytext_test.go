package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/boxoffice-go/boxoffice"
)

// dirtyText is what a gateway should not answer but may: a NUL, invalid
// UTF-8, a line break, an escape sequence, and far too much of it.
var dirtyText = "ref\x00\xff\n\x1b[0m" + strings.Repeat("x", 10_000)

// dirtyGateway is an InMemoryGateway whose references are dirtyText-ish
// and whose charges, if chargeErr is set, fail with it (after going
// through, if applied).
type dirtyGateway struct {
	*boxoffice.InMemoryGateway
	chargeErr error
	applied   bool
}

func (g *dirtyGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	if g.chargeErr != nil && !g.applied {
		return boxoffice.Receipt{}, g.chargeErr
	}
	rc, err := g.InMemoryGateway.Charge(ctx, r)
	if g.chargeErr != nil {
		return boxoffice.Receipt{}, g.chargeErr
	}
	rc.Reference += dirtyText
	return rc, err
}

func (g *dirtyGateway) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	rc, err := g.InMemoryGateway.Refund(ctx, r)
	rc.Reference += dirtyText
	return rc, err
}

// cleanText reports what is wrong with text recorded from a gateway, if
// anything: any Store must be able to keep it.
func cleanText(field, s string, limit int) error {
	switch {
	case !utf8.ValidString(s):
		return fmt.Errorf("%s is not valid UTF-8: %q", field, s)
	case strings.ContainsFunc(s, unicode.IsControl):
		return fmt.Errorf("%s has control characters: %q", field, s)
	case len(s) > limit:
		return fmt.Errorf("%s is %d bytes; want at most %d", field, len(s), limit)
	case s == "":
		return fmt.Errorf("%s is empty; want the gateway's text, cleaned", field)
	}
	return nil
}

// TestGatewayTextRecordedClean: whatever text a gateway answers — in a
// charge's error, a charge's or a refund's reference — the booking records
// it valid UTF-8, without control characters, and bounded, so that a
// Store that refuses NUL or invalid UTF-8 (PostgreSQL) can record the
// outcome rather than leave a charged booking paying. A replay answers
// with the recorded text.
func TestGatewayTextRecordedClean(t *testing.T) {
	gatewayErr := errors.New("gateway: " + dirtyText)
	tests := []struct {
		name    string
		gw      *dirtyGateway
		cancel  bool // cancel the confirmed booking: its refund's reference
		failure bool // the payment fails: Payment.Failure
		voided  bool // what it may have taken is voided: Refund.Reference
	}{
		{"charge and refund references", &dirtyGateway{}, true, false, false},
		{"a decline's message", &dirtyGateway{chargeErr: fmt.Errorf("%w: %v", boxoffice.ErrPaymentDeclined, gatewayErr)}, false, true, false},
		{"an error's message, and the void's reference", &dirtyGateway{chargeErr: gatewayErr, applied: true}, false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.gw.InMemoryGateway = boxoffice.NewInMemoryGateway()
			f := newFixture(t, func(c *boxoffice.Config) { c.Gateway, c.PaymentAttempts = tt.gw, 1 })
			b := f.hold("alice", "A1")
			_, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
			if tt.failure != (err != nil) {
				t.Fatalf("ConfirmBooking: %v; want failure %v", err, tt.failure)
			}
			if tt.cancel {
				if _, err := f.sys.CancelBooking(f.ctx, b.ID); err != nil {
					t.Fatalf("CancelBooking: %v", err)
				}
			}
			got := f.booking(b.ID)
			var problems []error
			if tt.failure {
				problems = append(problems, cleanText("Payment.Failure", got.Payment.Failure, 512))
				if _, replay := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); !strings.Contains(replay.Error(), got.Payment.Failure) {
					t.Errorf("a replay answers %q; want the recorded failure %q", replay, got.Payment.Failure)
				}
			} else {
				problems = append(problems, cleanText("Payment.Reference", got.Payment.Reference, 256))
			}
			if tt.cancel || tt.voided {
				problems = append(problems, cleanText("Refund.Reference", got.Refund.Reference, 256))
			}
			if err := errors.Join(problems...); err != nil {
				t.Error(err)
			}
		})
	}
}
