package boxoffice

import (
	"testing"
	"time"
)

// TestOwedPaidWhileQueuedStaysQueuedOnce: a booking that a call settles
// while it waits on the retry queue stays known until its retry finds it
// settled, so that a failure meanwhile does not queue it a second time,
// and it still counts as unsettled (Stats.Unsettled) until then.
func TestOwedPaidWhileQueuedStaysQueuedOnce(t *testing.T) {
	var r owedRetries
	r.init(Config{PaymentAttempts: 3, PaymentTimeout: 15 * time.Second, PaymentBackoff: time.Second})
	e := &showEntry{}
	id := NewBookingID()
	now := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)

	r.failed(e, id, now) // queued, due a second later
	r.paid(id)           // a call settled it meanwhile
	if got := r.pending(); got != 1 {
		t.Errorf("%d bookings pending after a call settled a queued one, want 1 until its retry", got)
	}
	r.failed(e, id, now) // another call fails on it: it is queued already
	if due := r.popDue(now.Add(time.Hour), 10); len(due) != 1 {
		t.Errorf("the queue holds the booking %d times, want once", len(due))
	}
}
