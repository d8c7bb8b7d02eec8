package boxoffice

import (
	"fmt"
	"strconv"
)

// Money is an amount in minor units (cents) of the one currency a
// BookingSystem sells in. It is never a float.
type Money int64

// MaxPrice is the largest base price a show may have: ten million currency
// units. The bound keeps every multiplication in this package far from
// int64 overflow.
const MaxPrice Money = 10_000_000_00

// String formats m in major units with two decimals, e.g. "45.00", "-3.10".
func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
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
// through it, one multiplier at a time. It is exact for amounts up to
// MaxSeatPrice and rates up to ×100, the bounds the package checks its
// inputs against; beyond them the product may overflow.
func (m Money) Apply(r Rate) Money {
	p := int64(m) * int64(r)
	half := int64(basisPerUnit / 2)
	if p < 0 {
		return Money((p - half) / basisPerUnit)
	}
	return Money((p + half) / basisPerUnit)
}
