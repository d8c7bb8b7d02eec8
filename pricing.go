package boxoffice

import "context"

// PriceRequest is what a PricingStrategy prices: one seat of one show for
// one customer.
type PriceRequest struct {
	Show   Show
	Seat   Seat
	UserID string
}

// PricingStrategy prices one seat at hold time. The price is fixed into the
// booking then and never recomputed. It is called outside any lock, so it
// may block (ctx bounds it). A returned error fails the hold.
type PricingStrategy interface {
	Price(ctx context.Context, r PriceRequest) (Money, error)
}

// PricingFunc adapts a function to PricingStrategy.
type PricingFunc func(ctx context.Context, r PriceRequest) (Money, error)

// Price calls f.
func (f PricingFunc) Price(ctx context.Context, r PriceRequest) (Money, error) { return f(ctx, r) }
