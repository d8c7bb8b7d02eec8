package fakeclock_test

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// A hold timer fires once the fake time reaches its deadline, and not before.
func Example() {
	start := time.Date(2030, 1, 1, 20, 0, 0, 0, time.UTC)
	clock := fakeclock.New(start)
	hold := clock.NewTimer(10 * time.Minute)

	clock.Advance(9 * time.Minute)
	select {
	case <-hold.C():
		fmt.Println("fired early")
	default:
		fmt.Println("still held at", clock.Now().Format("15:04"))
	}

	clock.Advance(time.Minute)
	fmt.Println("expired at", (<-hold.C()).Format("15:04"))
	// Output:
	// still held at 20:09
	// expired at 20:10
}

// WaitForTimers lets a test advance time only once the goroutine under test
// has armed its timer, so that the Advance cannot race ahead of it.
func ExampleClock_WaitForTimers() {
	clock := fakeclock.New(time.Date(2030, 1, 1, 20, 0, 0, 0, time.UTC))
	woke := make(chan time.Time)
	go func() {
		t := clock.NewTimer(time.Minute)
		woke <- <-t.C()
	}()

	if err := clock.WaitForTimers(context.Background(), 1); err != nil {
		fmt.Println(err)
		return
	}
	clock.Advance(time.Minute)
	fmt.Println("woke at", (<-woke).Format("15:04"))
	// Output:
	// woke at 20:01
}
