package boxoffice

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
)

// Money is an amount in minor units (cents) of the one currency a
// [BookingSystem] sells in. It is never a float.
type Money int64

// MaxPrice is the largest base price a show may have: ten million currency
// units. The bound keeps every price, and every total of a hold's seats,
// far from int64 overflow.
const MaxPrice Money = 10_000_000_00

// String formats m in major units with two decimals, e.g. "45.00", "-3.10".
func (m Money) String() string {
	sign := ""
	// The magnitude as a uint64: -m overflows for the smallest Money.
	v := uint64(m)
	if m < 0 {
		sign = "-"
		v = -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Rate is a multiplier in basis points: 10000 is ×1.0, 15000 is ×1.5.
// Multipliers are integers so that prices stay exact.
type Rate int64

// Common rates.
const (
	RateOne      Rate = 10_000 // ×1.0
	RatePremium  Rate = 13_000 // ×1.3, a Premium seat
	RateVIP      Rate = 15_000 // ×1.5, a VIP seat
	RateWeekend  Rate = 15_000 // ×1.5, weekend pricing (+50 %)
	RateHoliday  Rate = 20_000 // ×2.0, holiday pricing (+100 %)
	maxRate      Rate = 100 * RateOne
	basisPerUnit      = 10_000
)

// RatePercent returns the rate of p percent: RatePercent(90) is ×0.9.
func RatePercent(p int) Rate { return Rate(p) * 100 }

// String formats r as a decimal factor, e.g. "x1.5".
func (r Rate) String() string {
	return "x" + strconv.FormatFloat(float64(r)/basisPerUnit, 'f', -1, 64)
}

// Apply returns m multiplied by r, rounded half away from zero to the
// nearest minor unit. This is the one rounding rule of the package: every
// multiplier (seat type, weekend, holiday, discount, refund share) goes
// through it, one multiplier at a time.
//
// The product is computed in 128 bits, so Apply is exact for every m and r
// whose rounded result fits in a [Money]: a refund share (a rate of at most
// ×1.0) of any non-negative total is exact and never negative. A result
// beyond the range of Money saturates to the largest or smallest Money of
// its sign; the pricing strategies of this package refuse such a price
// (and any above [MaxSeatPrice]) with an error instead.
func (m Money) Apply(r Rate) Money {
	out, _ := mulRate(m, r)
	return out
}

// mulRate is Apply, reporting false if the result saturated.
func mulRate(m Money, r Rate) (Money, bool) {
	neg := (m < 0) != (r < 0)
	hi, lo := bits.Mul64(magnitude(int64(m)), magnitude(int64(r)))
	lo, carry := bits.Add64(lo, basisPerUnit/2, 0)
	hi += carry // no overflow: the product of two magnitudes ≤ 2⁶³ is ≤ 2¹²⁶
	if hi >= basisPerUnit {
		// The quotient needs more than 64 bits (and Div64 would panic).
		return saturated(neg), false
	}
	q, _ := bits.Div64(hi, lo, basisPerUnit)
	switch {
	case neg && q <= 1<<63:
		return Money(-int64(q)), true // -int64(1<<63) wraps to MinInt64 itself: right
	case !neg && q <= math.MaxInt64:
		return Money(q), true
	}
	return saturated(neg), false
}

// magnitude returns |v| as a uint64, which holds |MinInt64| too.
func magnitude(v int64) uint64 {
	if v < 0 {
		return -uint64(v)
	}
	return uint64(v)
}

func saturated(neg bool) Money {
	if neg {
		return math.MinInt64
	}
	return math.MaxInt64
}
