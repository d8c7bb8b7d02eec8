package boxoffice

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// ChargeRequest asks a [PaymentGateway] to take money. A gateway must treat
// two requests with the same [ChargeRequest.IdempotencyKey] as one: the
// second returns the first's receipt and charges nothing.
type ChargeRequest struct {
	// IdempotencyKey is the booking's charge key, the same for every
	// attempt, resume and process: "charge:" and the booking ID, ASCII
	// and under 64 bytes, as gateways' own idempotency keys allow.
	IdempotencyKey string
	Booking        BookingID
	UserID         string
	// Amount is the booking's Total, always above zero: a booking of
	// total zero is confirmed without a charge (Payment.Reference "free").
	Amount Money
	// Method is what ConfirmBooking was given, or, for a payment resumed,
	// what the payment started with.
	Method PaymentMethod
}

// RefundRequest asks a [PaymentGateway] to give back money taken by the
// charge with [RefundRequest.ChargeKey]. Requests with the same
// [RefundRequest.IdempotencyKey] are one refund. A refund of a charge that
// was never made returns [ErrChargeNotFound], and gives nothing back.
type RefundRequest struct {
	// IdempotencyKey is the booking's refund key (of a cancellation) or
	// void key (of a failed payment; see PaymentGateway), ASCII and under
	// 64 bytes.
	IdempotencyKey string
	// ChargeKey is the IdempotencyKey of the charge to give money back
	// from.
	ChargeKey string
	Booking   BookingID
	// Amount is what to give back.
	Amount Money
}

// Receipt is a gateway's answer to a charge or refund that went through.
// [Receipt.Amount] is what it took or gave back: the amount asked, for a
// charge and for a refund alike (see [PaymentGateway]).
type Receipt struct {
	Reference string
	Amount    Money
}

// PaymentGateway takes and returns money. Errors matching
// [ErrPaymentDeclined] are final; any other error (including a timeout) may
// hide a charge that went through, so the [BookingSystem] retries with the
// same idempotency key and, if it gives up, refunds by that key.
// A test's gateway need not keep a ledger of its own to break one call:
// embed an [InMemoryGateway] by value (its zero value is ready) in a
// struct used by pointer, and override Charge or Refund to fail, then
// call the embedded one.
//
// What the BookingSystem relies on:
//
//   - Charges and refunds are idempotent by IdempotencyKey, as above. A
//     gateway may keep each key's first answer, errors included (Stripe
//     does), provided an error it keeps is a final one: the BookingSystem
//     asks again under the same key after any error but
//     ErrPaymentDeclined and [ErrChargeNotFound], and a transient error
//     kept for the key would fail every retry. After ErrChargeNotFound it
//     does not use that key again (see below).
//   - A charge takes exactly the amount asked, or fails: its [Receipt]'s
//     Amount is [ChargeRequest.Amount]. A booking is confirmed only on a
//     receipt for its total: the customer paid the price of the seats
//     sold ("Total paid" says so), and the money kept is what the
//     bookings sold and cancellations kept. A receipt for another amount, less or more, is a gateway
//     error: the booking fails ([FailureGatewayError]), and the amount the
//     receipt names, no other, is voided. A charge whose outcome is
//     unknown (any error but ErrPaymentDeclined) thus took either nothing
//     or all it asked, and its void asks for all of it.
//   - A refund gives back exactly the amount asked, or fails: its
//     Receipt's Amount is [RefundRequest.Amount] (a receipt of Amount zero
//     is not a refund of the amount asked). A refund is recorded on the
//     booking only on a receipt for the amount asked. A receipt for
//     another amount is a gateway error, logged at Error: the refund
//     stays owed ([Booking.RefundOwed]), and is retried under the same key,
//     in the background and by calling again, until a receipt names the
//     amount asked. A gateway that repeats a key's first answer thus
//     leaves the refund owed on record, and logged at every retry.
//   - Refunds of one ChargeKey, whatever their keys, never give back more
//     than that charge took in all: a refund beyond what is left fails
//     with an error (not ErrChargeNotFound).
//   - ErrChargeNotFound means that no charge was made under ChargeKey (as
//     far as the gateway knows when it answers) and that the refund gave
//     nothing back.
//
// Each booking has one charge key. A cancelled booking is refunded under
// its refund key. A failed booking that may have been charged is voided
// (refunded in full) under its void key, numbered by the charge attempts
// recorded on it; if the void finds no charge, the booking records that
// nothing was taken ([Payment.Amount] zero, and a refund of nothing:
// [Refund.RefundedAt] set, [Refund.Amount] zero). A charge by the same key
// can still go through after the booking failed — a call whose charge timed
// out in one process while another failed the booking — and is then owed
// back. Its attempts are added to the booking's, so its void gets a new
// key: a gateway that keeps answers per key would answer "not found" again
// under the old one, which a void made before the charge landed may have
// used. A call that gets the receipt of the charge the booking already
// records (a charge that went through before it failed) took nothing new,
// and the key stays: every void of that charge came after it landed. So
// does a receipt got after the booking failed owing a charge of unknown
// outcome with no void answered on record: a void under the old key may
// have given the money back, its answer unrecorded, and one under a new key
// would be refused; the receipt is recorded, and the key moves on only when
// a void under it, asked with the receipt on record, finds nothing. A key
// is given up only after its refund answered ErrChargeNotFound or its
// answer was not recorded; a refund under an old key still in flight in
// another process when the key changes is bounded by the second rule:
// whichever goes through first gives the money back, and the other is
// refused. So the money is given back at most once per booking. (Where the
// later call's charge too ends with its outcome unknown, no receipt tells
// the two apart: a void that went through under the old key with its answer
// unrecorded is taken for one that found nothing, the key changes, the void
// under the new one is refused at every retry, and the booking stays owing
// on record what was given back.)
//
// Text from the gateway — an error's message, a receipt's Reference — is
// recorded on the booking cleaned (valid UTF-8, no control characters)
// and cut to a bound (512 bytes for a failure, 256 for a reference), so
// that any [Store] can keep it.
type PaymentGateway interface {
	// Charge takes r.Amount by r.Method, once per r.IdempotencyKey.
	// ctx ends after Config.PaymentTimeout.
	Charge(ctx context.Context, r ChargeRequest) (Receipt, error)
	// Refund gives back r.Amount of the charge made under r.ChargeKey,
	// once per r.IdempotencyKey.
	Refund(ctx context.Context, r RefundRequest) (Receipt, error)
}

// InMemoryGateway is a [PaymentGateway] that approves every charge and keeps
// a ledger in memory: the default gateway, for demos and tests. It honours
// idempotency keys as a real gateway would. Safe for concurrent use. Its
// zero value is an empty gateway, ready to use, so it can be embedded by
// value in a gateway that decorates it; it must not be copied after first
// use. A nil *InMemoryGateway does not panic: it reads as an empty one
// ([InMemoryGateway.Totals], [InMemoryGateway.Charged],
// [InMemoryGateway.Refunded] and [InMemoryGateway.ChargeKeys] return zero
// values), and [InMemoryGateway.Charge] and [InMemoryGateway.Refund] return
// an error matching [ErrClosed], taking nothing.
type InMemoryGateway struct {
	mu       sync.Mutex
	charges  map[string]Receipt // by idempotency key
	refunds  map[string]Receipt // by idempotency key
	order    []string           // charge keys in order
	refunded map[string]Money   // by charge key
	seq      int
}

// NewInMemoryGateway returns an empty [InMemoryGateway], as &InMemoryGateway{}.
func NewInMemoryGateway() *InMemoryGateway {
	g := &InMemoryGateway{}
	g.init()
	return g
}

// errNilGateway is what Charge and Refund of a nil *InMemoryGateway
// return: a gateway that was never made acts as a closed one.
var errNilGateway = fmt.Errorf("boxoffice: Charge or Refund on a nil *InMemoryGateway: %w", ErrClosed)

// init makes the ledger's maps, for a zero gateway on its first write;
// reads of nil maps need none. g.mu must be held, or g unshared.
func (g *InMemoryGateway) init() {
	if g.charges == nil {
		g.charges = make(map[string]Receipt)
		g.refunds = make(map[string]Receipt)
		g.refunded = make(map[string]Money)
	}
}

// Charge records the charge once per idempotency key.
func (g *InMemoryGateway) Charge(ctx context.Context, r ChargeRequest) (Receipt, error) {
	if g == nil {
		return Receipt{}, errNilGateway
	}
	if err := ctx.Err(); err != nil {
		return Receipt{}, err
	}
	if r.Amount < 0 {
		return Receipt{}, fmt.Errorf("%w: negative amount %s", ErrPaymentDeclined, r.Amount)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if rc, ok := g.charges[r.IdempotencyKey]; ok {
		return rc, nil
	}
	g.init()
	g.seq++
	rc := Receipt{Reference: fmt.Sprintf("ch_%d", g.seq), Amount: r.Amount}
	g.charges[r.IdempotencyKey] = rc
	g.order = append(g.order, r.IdempotencyKey)
	return rc, nil
}

// Refund records the refund once per idempotency key, never more than was
// charged.
func (g *InMemoryGateway) Refund(ctx context.Context, r RefundRequest) (Receipt, error) {
	if g == nil {
		return Receipt{}, errNilGateway
	}
	if err := ctx.Err(); err != nil {
		return Receipt{}, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if rc, ok := g.refunds[r.IdempotencyKey]; ok {
		return rc, nil
	}
	ch, ok := g.charges[r.ChargeKey]
	if !ok {
		return Receipt{}, ErrChargeNotFound
	}
	if r.Amount < 0 || g.refunded[r.ChargeKey]+r.Amount > ch.Amount {
		return Receipt{}, fmt.Errorf("boxoffice: refund of %s exceeds charge %s", r.Amount, ch.Amount)
	}
	g.seq++
	rc := Receipt{Reference: fmt.Sprintf("re_%d", g.seq), Amount: r.Amount}
	g.refunds[r.IdempotencyKey] = rc
	g.refunded[r.ChargeKey] += r.Amount
	return rc, nil
}

// Totals returns the money charged and refunded so far.
func (g *InMemoryGateway) Totals() (charged, refunded Money) {
	if g == nil {
		return 0, 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, rc := range g.charges {
		charged += rc.Amount
	}
	for _, rc := range g.refunds {
		refunded += rc.Amount
	}
	return charged, refunded
}

// Charged returns what was charged under the idempotency key, and whether
// anything was.
func (g *InMemoryGateway) Charged(key string) (Receipt, bool) {
	if g == nil {
		return Receipt{}, false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	rc, ok := g.charges[key]
	return rc, ok
}

// Refunded returns the total refunded against the charge key.
func (g *InMemoryGateway) Refunded(chargeKey string) Money {
	if g == nil {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.refunded[chargeKey]
}

// ChargeKeys returns the idempotency keys of all charges in order.
func (g *InMemoryGateway) ChargeKeys() []string {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.order...)
}

// PaymentFailureKind says how a booking's payment failed. It is recorded on
// the booking ([Payment.FailureKind]) so that ConfirmBooking, called again for
// a failed booking — by this process or another, even after a restart —
// answers with an error that matches the same sentinels as the first call,
// from the booking record alone.
type PaymentFailureKind uint8

// Ways a payment fails.
const (
	// FailureDeclined: the gateway refused the charge for good; nothing was
	// taken. The error matches ErrPaymentDeclined.
	FailureDeclined PaymentFailureKind = iota + 1
	// FailureTimedOut: the last attempt got no answer in time, so the charge
	// may have gone through; it was voided by its idempotency key. The error
	// matches context.DeadlineExceeded.
	FailureTimedOut
	// FailureGatewayError: the last attempt failed with another gateway
	// error, so the charge may have gone through; it was voided by its
	// idempotency key. Also a charge that went through for another amount
	// than asked, which breaks the PaymentGateway contract: what its
	// receipt names was voided.
	FailureGatewayError
	// FailureHoldLost: the charge went through, but the hold had run out
	// meanwhile and a seat was taken; the charge was refunded. The error
	// matches ErrHoldExpired.
	FailureHoldLost
	// FailureShowStarted: the payment was abandoned (its process died, say)
	// and its show started before it could be finished: whatever it took
	// was voided rather than the seats sold for a show under way. The error
	// matches ErrShowStarted.
	FailureShowStarted
)

var failureKindNames = [...]string{
	0:                   "none",
	FailureDeclined:     "declined",
	FailureTimedOut:     "timed out",
	FailureGatewayError: "gateway error",
	FailureHoldLost:     "hold lost",
	FailureShowStarted:  "show started",
}

// String returns the kind's name, e.g. "declined" or "hold lost" ("none"
// for the zero kind), which [ParsePaymentFailureKind] reads and
// [PaymentFailureKind.MarshalText] writes; "PaymentFailureKind(n)" for
// another value (which MarshalText refuses).
func (k PaymentFailureKind) String() string {
	if int(k) < len(failureKindNames) {
		return failureKindNames[k]
	}
	return fmt.Sprintf("PaymentFailureKind(%d)", k)
}

// ParsePaymentFailureKind is the inverse of [PaymentFailureKind.String], for
// Stores that keep the kind as text: "none" is the zero kind, and any text
// that String does not return is an [*ArgumentError] ([ErrInvalidArgument]).
func ParsePaymentFailureKind(s string) (PaymentFailureKind, error) {
	for i, n := range failureKindNames {
		if n == s {
			return PaymentFailureKind(i), nil
		}
	}
	return 0, invalid("failureKind", "%q is not a payment failure kind", s)
}

// sentinel is the sentinel error that a failure of kind k matches, besides
// ErrPaymentFailed; nil if none.
func (k PaymentFailureKind) sentinel() error {
	switch k {
	case FailureDeclined:
		return ErrPaymentDeclined
	case FailureTimedOut:
		return context.DeadlineExceeded
	case FailureHoldLost:
		return ErrHoldExpired
	case FailureShowStarted:
		return ErrShowStarted
	}
	return nil
}

// failureKindOf classifies a gateway's final charge error.
func failureKindOf(err error) PaymentFailureKind {
	switch {
	case errors.Is(err, ErrPaymentDeclined):
		return FailureDeclined
	case errors.Is(err, context.DeadlineExceeded):
		return FailureTimedOut
	case errors.Is(err, ErrShowStarted):
		return FailureShowStarted
	}
	return FailureGatewayError
}

// Bounds of the gateway text recorded on a booking (see gatewayText).
const (
	maxFailureLen   = 512 // Payment.Failure
	maxReferenceLen = 256 // Payment.Reference, Refund.Reference
)

// gatewayText makes text from a PaymentGateway — an error's message, a
// receipt's reference — fit to record on a booking: valid UTF-8 (each run
// of invalid bytes becomes U+FFFD), no control characters (line breaks
// and tabs become spaces, NUL and the rest are dropped), no surrounding
// space, and at most limit bytes, cut on a rune boundary with "…" marking
// the cut. A gateway's text is not ours to trust, and a Store may refuse
// to write what a booking must record (PostgreSQL refuses NUL and invalid
// UTF-8), which would leave a charged booking unsettled.
func gatewayText(s string, limit int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == '\v' || r == '\f':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) <= limit {
		return s
	}
	mark := "…"
	if limit < len(mark) {
		mark = "" // no room for it
	}
	n := limit - len(mark)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimSpace(s[:n]) + mark
}

// refundAmountError is a refund whose receipt names another amount than
// the refund asked: a gateway error (see PaymentGateway), after which the
// refund is still owed.
type refundAmountError struct{ named, asked Money }

func (e *refundAmountError) Error() string {
	return fmt.Sprintf("payment gateway error: a refund receipt for %s, but the refund asked %s (a refund must give back exactly the amount asked)",
		e.named, e.asked)
}
