package boxoffice

import "time"

// RefundPolicy says what share of a confirmed booking's total is refunded
// when it is cancelled with untilStart left before the show starts.
type RefundPolicy interface {
	RefundPercent(untilStart time.Duration) int // 0–100
}
