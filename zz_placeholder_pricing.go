package boxoffice

// Placeholder until pricing.go and refund.go are written; delete this file then.

func RegularPricing() PricingStrategy { return nil }

func DefaultRefundPolicy() RefundPolicy { return nil }
