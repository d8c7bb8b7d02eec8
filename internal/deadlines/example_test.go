package deadlines_test

import (
	"fmt"
	"time"

	"github.com/boxoffice-go/boxoffice/internal/deadlines"
)

func Example() {
	start := time.Date(2030, 1, 1, 20, 0, 0, 0, time.UTC)
	holds := deadlines.New[string]()
	holds.Push(start.Add(10*time.Minute), "booking-b")
	holds.Push(start.Add(5*time.Minute), "booking-a")
	holds.Push(start.Add(15*time.Minute), "booking-c")

	due := holds.PopDue(start.Add(12*time.Minute), 100, nil)
	next, _ := holds.Next()
	fmt.Println(due, "next at", next.Format("15:04"), "left", holds.Len())
	// Output:
	// [booking-a booking-b] next at 20:15 left 1
}
