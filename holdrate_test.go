package boxoffice_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestPricingFailureCountsAgainstRate: HoldsPerMinute = 2 (a bucket of 2,
// one token every 30 s). A request whose pricing is slow and then fails
// counts against the rate like any refused request. It was once given its
// token back when it failed, 20 s after it was admitted, by
// rate.Reservation.CancelAt at the admission time, which set the
// limiter's clock back 20 s: the refill since counted twice, and the user
// got three holds in 20 s from a bucket of 2.
func TestPricingFailureCountsAgainstRate(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	errSlow := errors.New("membership lookup timed out")
	f := newFixture(t, func(c *boxoffice.Config) {
		c.HoldsPerMinute, c.MaxLiveHoldsPerUser = 2, -1
		c.Pricing = boxoffice.PricingFunc(func(ctx context.Context, r boxoffice.PriceRequest) (boxoffice.Money, error) {
			if r.Seat.ID == "A1" {
				close(entered)
				<-release
				return 0, errSlow
			}
			return 1500, nil
		})
	})
	failed := make(chan error, 1)
	go func() {
		_, err := f.sys.HoldSeats(f.ctx, "bot", f.show.ID, []string{"A1"})
		failed <- err
	}()
	recv(t, entered, "the hold to be priced") // admitted at t0, pricing in flight
	f.clock.Advance(20 * time.Second)         // t0+20 s
	if _, err := f.sys.HoldSeats(f.ctx, "bot", f.show.ID, []string{"B1"}); err != nil {
		t.Fatalf("S1: %v", err)
	}
	close(release)
	if err := recv(t, failed, "the slow hold to return"); !errors.Is(err, errSlow) {
		t.Fatalf("F: %v; want the pricing error", err)
	}
	// F and S1 took the bucket's 2 tokens, and 20 s gave 2/3 of one back.
	_, err := f.sys.HoldSeats(f.ctx, "bot", f.show.ID, []string{"B2"})
	var rl *boxoffice.RateLimitError
	if !errors.As(err, &rl) || rl.Limit != boxoffice.LimitHoldsPerMinute {
		t.Errorf("a third request in 20 s, HoldsPerMinute = 2, one of them failed in pricing: %v; want LimitHoldsPerMinute", err)
	}
}
