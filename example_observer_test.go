package boxoffice_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/boxoffice-go/boxoffice"
)

// salesMetrics is an Observer of one's own: seats sold, net of
// cancellations, per show, as a metrics exporter would keep them. Notify
// runs on the observer's own goroutine, so the counts are guarded for
// whoever reads them.
type salesMetrics struct {
	mu   sync.Mutex
	sold map[string]int // show ID → seats
}

func (m *salesMetrics) Notify(ctx context.Context, e boxoffice.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch e := e.(type) {
	case *boxoffice.BookingConfirmed:
		m.sold[e.ShowID] += len(e.Seats)
	case *boxoffice.BookingCancelled:
		m.sold[e.ShowID] -= len(e.Seats)
	}
}

func (m *salesMetrics) seatsSold(showID string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sold[showID]
}

// An Observer is any type with a Notify method; a service passes it in
// Config.Observers. Events reach it after they commit, so it never counts
// a sale that did not happen, and Close delivers the last of them.
func ExampleObserver() {
	ctx := context.Background()
	metrics := &salesMetrics{sold: map[string]int{}}
	sys, show := newDemo(boxoffice.Config{Observers: []boxoffice.Observer{metrics}})

	paid := must(sys.ConfirmBooking(ctx, must(sys.HoldSeats(ctx, "judy", show.ID, []string{"A1", "A2", "A3"})).ID, "card:tok_visa"))
	must(sys.ConfirmBooking(ctx, must(sys.HoldSeats(ctx, "ken", show.ID, []string{"B1"})).ID, "card:tok_visa"))
	must(sys.HoldSeats(ctx, "liam", show.ID, []string{"C1"})) // held, not sold
	must(sys.CancelBooking(ctx, paid.ID))

	closeDemo(sys)
	fmt.Println("seats sold:", metrics.seatsSold(show.ID))
	// Output: seats sold: 1
}
