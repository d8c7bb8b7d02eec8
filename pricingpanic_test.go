package boxoffice_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// A pricing strategy is user code: its panic is an error of the call that
// asked for a price (doc.go: no panic crosses the API), and the hold
// changes nothing.
func TestPricingPanicIsAnError(t *testing.T) {
	strategies := []struct {
		name      string
		strategy  boxoffice.PricingStrategy
		panicked  string // the panic's value, in the error
		anonymous bool   // the seat map's quote for no user panics too
	}{
		{"PricingFunc", boxoffice.PricingFunc(func(context.Context, boxoffice.PriceRequest) (boxoffice.Money, error) {
			panic("price list missing")
		}), "price list missing", true},
		// A seat map asks nobody's membership.
		{"MembershipFunc of MemberDiscount", boxoffice.MemberDiscount(boxoffice.RegularPricing(), boxoffice.RatePercent(90),
			func(context.Context, string) (bool, error) { panic("price list missing") }), "price list missing", false},
	}
	for _, path := range storePaths {
		for _, tt := range strategies {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				f := newFixture(t, path.edit, func(c *boxoffice.Config) {
					c.Pricing = tt.strategy
					c.HoldsPerMinute, c.MaxLiveHoldsPerUser = 1, 1
				})
				wantErr := func(call string, err error) {
					t.Helper()
					if err == nil || !strings.Contains(err.Error(), "panicked") {
						t.Fatalf("%s with a panicking strategy: %v; want an error saying it panicked", call, err)
					}
					if !strings.Contains(err.Error(), tt.panicked) {
						t.Errorf("%s: %v; want the panic's value in the error", call, err)
					}
				}
				wantErr("HoldSeats", callNoPanic(t, func() error {
					_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1", "A2"})
					return err
				}))
				err := callNoPanic(t, func() error { _, err := f.sys.SeatMap(f.ctx, f.show.ID); return err })
				if tt.anonymous {
					wantErr("SeatMap", err)
				} else if err != nil {
					t.Errorf("SeatMap: %v", err)
				}

				// Nothing changed, and the refused hold kept no live-hold
				// slot: with a working strategy, and a minute for the rate
				// limit (the refused request counted against it, as any
				// does), alice gets her one hold.
				if got, err := f.sys.BookingsOfUser(f.ctx, "alice", boxoffice.BookingPage{}); err != nil || len(got) != 0 {
					t.Errorf("alice's bookings after the panic: %v, %v; want none", got, err)
				}
				if err := f.sys.SetPricing(boxoffice.RegularPricing()); err != nil {
					t.Fatal(err)
				}
				if st := f.seatStatus("A1"); st != boxoffice.SeatAvailable {
					t.Errorf("A1 is %s after the panic; want available", st)
				}
				f.clock.Advance(time.Minute)
				f.hold("alice", "A1", "A2")
			})
		}
	}
}

// callNoPanic runs call and fails t if it panics.
func callNoPanic(t *testing.T, call func() error) error {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("the call panicked: %v", r)
		}
	}()
	return call()
}
