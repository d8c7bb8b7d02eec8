package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// The limits against bots are on by default: each user may make 3 hold
// requests a minute (Config.HoldsPerMinute), have 5 live holds and hold 10
// seats at once. A refusal is a *RateLimitError that says which limit and
// when to try again; a service answers 429 with Retry-After. Tests and load
// generators that hold often for one user raise the limits, or turn them
// off with a negative value.
func ExampleRateLimitError() {
	ctx := context.Background()
	clock := fakeclock.New(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC))
	sys, show := newDemo(boxoffice.Config{Clock: clock})
	defer closeDemo(sys)

	var err error
	for _, seat := range []string{"A1", "A2", "A3", "A4"} {
		_, err = sys.HoldSeats(ctx, "dave", show.ID, []string{seat})
	}
	var limited *boxoffice.RateLimitError
	if errors.As(err, &limited) {
		fmt.Println(errors.Is(err, boxoffice.ErrRateLimited), limited.Limit, limited.RetryAfter)
	}

	clock.Advance(limited.RetryAfter)
	b, err := sys.HoldSeats(ctx, "dave", show.ID, []string{"A4"})
	fmt.Println(b.SeatIDs(), err)
	// Output:
	// true holds per minute 20s
	// [A4] <nil>
}
