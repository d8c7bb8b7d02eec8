package boxoffice_test

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// matinee is a PricingStrategy of one's own: a show that starts before
// 17:00, in its theater's time zone, costs 80 % of what inner asks.
type matinee struct{ inner boxoffice.PricingStrategy }

func (m matinee) Price(ctx context.Context, r boxoffice.PriceRequest) (boxoffice.Money, error) {
	price, err := m.inner.Price(ctx, r)
	if err != nil {
		return 0, err // the hold fails with it
	}
	start := r.Show.Start
	if r.Location != nil { // the theater's zone, when it has one
		start = start.In(r.Location)
	}
	if start.Hour() < 17 {
		return price.Apply(boxoffice.RatePercent(80)), nil
	}
	return price, nil
}

// A strategy of one's own wraps a ready-made one and changes its price.
// The BookingSystem calls it once per seat, outside any lock, when the
// seats are held; the booking keeps the prices it gave.
func ExamplePricingStrategy() {
	ctx := context.Background()
	clock := fakeclock.New(time.Date(2030, 1, 1, 10, 0, 0, 0, time.UTC))
	sys, show := newDemo(boxoffice.Config{Clock: clock, Pricing: matinee{inner: boxoffice.RegularPricing()}})
	defer closeDemo(sys)

	b := must(sys.HoldSeats(ctx, "alice", show.ID, []string{"A1", "E1"}))
	fmt.Println("show at", show.Start.Format("15:04"))
	for _, s := range b.Seats {
		fmt.Println(s.ID, s.Type, s.Price)
	}
	fmt.Println("total", b.Total)
	// Output:
	// show at 10:00
	// A1 VIP 18.00
	// E1 Regular 12.00
	// total 30.00
}
