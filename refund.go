package boxoffice

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// RefundPolicy says what share of a confirmed booking's total is refunded
// when it is cancelled with untilStart left before the show starts.
//
// CancelBooking calls [RefundPolicy.RefundPercent] as the call begins, before
// it takes the show's lock (no user code runs under it), with the time left
// then; the share is fixed on the booking in the cancelling transaction, so a
// retried cancellation never recomputes it. A percent outside 0–100, or a
// panic, refuses the cancellation with an error.
type RefundPolicy interface {
	RefundPercent(untilStart time.Duration) int // 0–100
}

// refundPercent asks p for the share refunded with untilStart left; a
// policy's panic becomes an error here rather than crossing the API.
func refundPercent(p RefundPolicy, untilStart time.Duration) (percent int, err error) {
	defer func() {
		if r := recover(); r != nil {
			percent, err = 0, fmt.Errorf("boxoffice: RefundPolicy panicked: %v", r)
		}
	}()
	percent = p.RefundPercent(untilStart)
	if percent < 0 || percent > 100 {
		return 0, invalid("RefundPolicy", "returned %d%%; want 0–100", percent)
	}
	return percent, nil
}

// RefundPolicyFunc adapts a function to [RefundPolicy]. The function should
// return a percent in 0–100.
type RefundPolicyFunc func(untilStart time.Duration) int

// RefundPercent calls f.
func (f RefundPolicyFunc) RefundPercent(untilStart time.Duration) int { return f(untilStart) }

// RefundTier refunds [RefundTier.Percent] of the total when strictly more
// than [RefundTier.MoreThan] is left before the show.
type RefundTier struct {
	MoreThan time.Duration
	Percent  int
}

// TieredRefund is a [RefundPolicy] of tiers: the tier with the largest
// MoreThan that is strictly less than the time left wins, and nothing is
// refunded when no tier does (in particular once the show has started).
// [NewTieredRefund] validates the tiers and sorts them by MoreThan,
// descending, so that the winner is the first tier that matches.
type TieredRefund []RefundTier

// DefaultRefundPolicy returns the seed's policy: 100 % more than 6 hours
// before the show, 50 % more than 2 hours, 25 % more than 30 minutes, else
// nothing. Each call returns a new slice.
func DefaultRefundPolicy() TieredRefund {
	return TieredRefund{
		{MoreThan: 6 * time.Hour, Percent: 100},
		{MoreThan: 2 * time.Hour, Percent: 50},
		{MoreThan: 30 * time.Minute, Percent: 25},
	}
}

// NewTieredRefund validates tiers and returns them as a policy sorted by
// MoreThan, descending. A negative MoreThan, a Percent outside 0–100 or two
// tiers with the same MoreThan is an error matching [ErrInvalidArgument].
// No tiers is a policy that never refunds. tiers is copied.
func NewTieredRefund(tiers ...RefundTier) (TieredRefund, error) {
	sorted := slices.Clone(TieredRefund(tiers))
	for i, t := range sorted {
		if t.MoreThan < 0 {
			return nil, invalid("RefundTier.MoreThan", "tier %d: %s is negative", i, t.MoreThan)
		}
		if t.Percent < 0 || t.Percent > 100 {
			return nil, invalid("RefundTier.Percent", "tier %d: %d is outside 0–100", i, t.Percent)
		}
	}
	slices.SortFunc(sorted, func(a, b RefundTier) int { return cmp.Compare(b.MoreThan, a.MoreThan) })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].MoreThan == sorted[i-1].MoreThan {
			return nil, invalid("RefundTier.MoreThan", "two tiers for more than %s", sorted[i].MoreThan)
		}
	}
	return sorted, nil
}

// RefundPercent returns the percent of the tier with the largest MoreThan
// strictly below untilStart, or 0. It does not rely on the order of t, so a
// [TieredRefund] written as a literal works too; a literal's percent outside
// 0–100 is clamped into it.
func (t TieredRefund) RefundPercent(untilStart time.Duration) int {
	best, found := RefundTier{}, false
	for _, tier := range t {
		if tier.MoreThan < untilStart && (!found || tier.MoreThan > best.MoreThan) {
			best, found = tier, true
		}
	}
	if !found {
		return 0
	}
	return min(max(best.Percent, 0), 100)
}
