package boxoffice_test

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// bigApply is Money.Apply's documented result, computed with big integers:
// m×r/10000 rounded half away from zero, saturated to the int64 range.
func bigApply(m, r int64) int64 {
	p := new(big.Int).Mul(big.NewInt(m), big.NewInt(r))
	neg := p.Sign() < 0
	p.Abs(p)
	p.Add(p, big.NewInt(5000))
	p.Quo(p, big.NewInt(10000))
	if neg {
		p.Neg(p)
	}
	switch {
	case p.Cmp(big.NewInt(math.MaxInt64)) > 0:
		return math.MaxInt64
	case p.Cmp(big.NewInt(math.MinInt64)) < 0:
		return math.MinInt64
	}
	return p.Int64()
}

// Apply used to multiply in int64: products beyond 9.2e18 (MaxSeatPrice
// ×100, or a total of 100 seats at MaxSeatPrice ×1.0) wrapped around, to
// negative amounts.
func TestMoneyApply(t *testing.T) {
	tests := []struct {
		m    boxoffice.Money
		r    boxoffice.Rate
		want boxoffice.Money
	}{
		{1500, boxoffice.RateVIP, 2250},
		{5, boxoffice.RatePremium, 7},   // 6.5 rounds up
		{-5, boxoffice.RatePremium, -7}, // and away from zero
		{1, boxoffice.RatePercent(50), 1},
		{-1, boxoffice.RatePercent(50), -1},
		{1, boxoffice.RatePercent(49), 0},
		{boxoffice.MaxSeatPrice, boxoffice.RatePercent(10_000), boxoffice.MaxSeatPrice * 100},
		{boxoffice.MaxSeatPrice * 100, boxoffice.RateOne, boxoffice.MaxSeatPrice * 100},
		{boxoffice.MaxSeatPrice * 100, boxoffice.RatePercent(50), boxoffice.MaxSeatPrice * 50},
		{math.MaxInt64, boxoffice.RateOne, math.MaxInt64},
		{math.MaxInt64, boxoffice.RatePercent(100), math.MaxInt64},
		{math.MaxInt64, boxoffice.RatePercent(25), math.MaxInt64/4 + 1}, // ...807/4 = ...201.75
		{math.MinInt64, boxoffice.RateOne, math.MinInt64},
		{math.MinInt64, boxoffice.RatePercent(50), math.MinInt64 / 2},
		// Beyond the range of Money: saturated, keeping the sign.
		{math.MaxInt64, boxoffice.RatePercent(101), math.MaxInt64},
		{math.MaxInt64, math.MaxInt64, math.MaxInt64},
		{math.MinInt64, math.MinInt64, math.MaxInt64},
		{math.MinInt64, math.MaxInt64, math.MinInt64},
		{math.MaxInt64, math.MinInt64, math.MinInt64},
		{math.MinInt64, -boxoffice.RateOne, math.MaxInt64},
		{0, math.MinInt64, 0},
	}
	for _, tt := range tests {
		if got := tt.m.Apply(tt.r); got != tt.want {
			t.Errorf("Money(%d).Apply(%d) = %d; want %d", tt.m, tt.r, got, tt.want)
		}
		if want := bigApply(int64(tt.m), int64(tt.r)); int64(tt.want) != want {
			t.Errorf("table: Money(%d).Apply(%d) wants %d, big integers say %d", tt.m, tt.r, tt.want, want)
		}
	}
}

// FuzzMoneyApply checks Apply against big integers over every int64.
func FuzzMoneyApply(f *testing.F) {
	for _, s := range [][2]int64{
		{1500, 15000}, {-3, 5000}, {int64(boxoffice.MaxSeatPrice), 1_000_000},
		{math.MaxInt64, 10000}, {math.MinInt64, 10000}, {math.MinInt64, -1},
		{math.MaxInt64, math.MaxInt64}, {math.MinInt64, math.MinInt64}, {922337203685477, 100000},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, m, r int64) {
		got := boxoffice.Money(m).Apply(boxoffice.Rate(r))
		if want := bigApply(m, r); int64(got) != want {
			t.Fatalf("Money(%d).Apply(%d) = %d; want %d", m, r, got, want)
		}
		if m >= 0 && r >= 0 && got < 0 {
			t.Fatalf("Money(%d).Apply(%d) = %d is negative", m, r, got)
		}
	})
}

func TestMoneyString(t *testing.T) {
	tests := []struct {
		m    boxoffice.Money
		want string
	}{
		{0, "0.00"},
		{4500, "45.00"},
		{-310, "-3.10"},
		{-5, "-0.05"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
		{math.MinInt64 + 1, "-92233720368547758.07"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("Money(%d).String() = %q; want %q", int64(tt.m), got, tt.want)
		}
	}
}

// A booking of 100 seats at MaxSeatPrice (1e15 cents, a total the package
// accepts) cancelled with a full refund: Total.Apply(×1.0) used to
// overflow to a negative refund, so the booking was cancelled and nothing
// was refunded.
func TestCancelRefundOfLargeTotal(t *testing.T) {
	f := newFixture(t, func(c *boxoffice.Config) {
		c.MaxSeatsPerHold = -1
		c.Pricing = boxoffice.PricingFunc(func(context.Context, boxoffice.PriceRequest) (boxoffice.Money, error) {
			return boxoffice.MaxSeatPrice, nil
		})
	})
	grid := mustT[*boxoffice.Layout](t)(boxoffice.GridLayout(10, 10, nil))
	mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{ID: "H100", TheaterID: "T1", Name: "Big", Layout: grid}))
	show := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S100", MovieID: "M1", HallID: "H100",
		Start: f.show.Start, BasePrice: 1500}))
	seats := make([]string, 0, grid.Len())
	for i := range grid.Len() {
		seats = append(seats, grid.Seat(i).ID)
	}
	b := f.confirm(mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "alice", show.ID, seats)))
	if want := boxoffice.MaxSeatPrice * 100; b.Total != want {
		t.Fatalf("total %s; want %s", b.Total, want)
	}
	// The fixture's clock is 10 h before the show: a full refund.
	c := mustT[boxoffice.Booking](t)(f.sys.CancelBooking(f.ctx, b.ID))
	if c.Refund.Percent != 100 || c.Refund.Amount != b.Total {
		t.Errorf("refund %s (%d %%); want %s (100 %%)", c.Refund.Amount, c.Refund.Percent, b.Total)
	}
	f.sys.Sweep(f.ctx)
	if charged, refunded := f.gateway.Totals(); charged != b.Total || refunded != b.Total {
		t.Errorf("gateway charged %s, refunded %s; want %s both", charged, refunded, b.Total)
	}
}

// Money counts cents; a multiplier is a Rate in basis points, applied with
// one rounding rule, half away from zero.
func ExampleMoney_Apply() {
	price := boxoffice.Money(1950) // 19.50
	fmt.Println(price, price.Apply(boxoffice.RateWeekend), price.Apply(boxoffice.RatePercent(90)))
	fmt.Println(boxoffice.Money(5).Apply(boxoffice.RatePercent(50))) // 2.5 cents rounds to 3
	// Output:
	// 19.50 29.25 17.55
	// 0.03
}
