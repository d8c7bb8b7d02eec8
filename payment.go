package boxoffice

import (
	"context"
	"fmt"
	"sync"
)

// ChargeRequest asks a PaymentGateway to take money. A gateway must treat
// two requests with the same IdempotencyKey as one: the second returns the
// first's receipt and charges nothing.
type ChargeRequest struct {
	IdempotencyKey string
	Booking        BookingID
	UserID         string
	Amount         Money
	Method         PaymentMethod
}

// RefundRequest asks a PaymentGateway to give back money taken by the
// charge with ChargeKey. Requests with the same IdempotencyKey are one
// refund. A refund of a charge that was never made returns
// ErrChargeNotFound.
type RefundRequest struct {
	IdempotencyKey string
	ChargeKey      string
	Booking        BookingID
	Amount         Money
}

// Receipt is a gateway's answer to a charge or refund that went through.
type Receipt struct {
	Reference string
	Amount    Money
}

// PaymentGateway takes and returns money. Errors matching
// ErrPaymentDeclined are final; any other error (including a timeout) may
// hide a charge that went through, so the BookingSystem retries with the
// same idempotency key and, if it gives up, refunds by that key.
type PaymentGateway interface {
	Charge(ctx context.Context, r ChargeRequest) (Receipt, error)
	Refund(ctx context.Context, r RefundRequest) (Receipt, error)
}

// InMemoryGateway is a PaymentGateway that approves every charge and keeps
// a ledger in memory: the default gateway, for demos and tests. It honours
// idempotency keys as a real gateway would. Safe for concurrent use.
type InMemoryGateway struct {
	mu       sync.Mutex
	charges  map[string]Receipt // by idempotency key
	refunds  map[string]Receipt // by idempotency key
	order    []string           // charge keys in order
	refunded map[string]Money   // by charge key
	seq      int
}

// NewInMemoryGateway returns an empty InMemoryGateway.
func NewInMemoryGateway() *InMemoryGateway {
	return &InMemoryGateway{
		charges:  make(map[string]Receipt),
		refunds:  make(map[string]Receipt),
		refunded: make(map[string]Money),
	}
}

// Charge records the charge once per idempotency key.
func (g *InMemoryGateway) Charge(ctx context.Context, r ChargeRequest) (Receipt, error) {
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
	g.seq++
	rc := Receipt{Reference: fmt.Sprintf("ch_%d", g.seq), Amount: r.Amount}
	g.charges[r.IdempotencyKey] = rc
	g.order = append(g.order, r.IdempotencyKey)
	return rc, nil
}

// Refund records the refund once per idempotency key, never more than was
// charged.
func (g *InMemoryGateway) Refund(ctx context.Context, r RefundRequest) (Receipt, error) {
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
	g.mu.Lock()
	defer g.mu.Unlock()
	rc, ok := g.charges[key]
	return rc, ok
}

// Refunded returns the total refunded against the charge key.
func (g *InMemoryGateway) Refunded(chargeKey string) Money {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.refunded[chargeKey]
}

// ChargeKeys returns the idempotency keys of all charges in order.
func (g *InMemoryGateway) ChargeKeys() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.order...)
}
