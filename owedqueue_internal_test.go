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

// TestLiveUntil: the bound a payment records is now plus abandonAfter,
// rounded up to the microsecond (rounded down, the payment would count as
// abandoned before its bound), and the latest time a Store holds, not a
// time wrapped into the past, where the bound overflows it.
func TestLiveUntil(t *testing.T) {
	now := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		cfg  Config
		now  time.Time
		want time.Time
	}{
		{"defaults", Config{PaymentAttempts: 3, PaymentTimeout: 15 * time.Second, PaymentBackoff: 200 * time.Millisecond},
			now, now.Add(5*time.Minute + 45600*time.Millisecond)},
		{"rounded up to the microsecond", Config{PaymentAttempts: 1, PaymentTimeout: 10*time.Millisecond + time.Nanosecond},
			now, now.Add(5*time.Minute + 10*time.Millisecond + time.Microsecond)},
		{"past year 9999", Config{PaymentAttempts: 200, PaymentTimeout: time.Hour, PaymentBackoff: time.Hour},
			now, farFuture},
		{"near year 9999", Config{PaymentAttempts: 1, PaymentTimeout: time.Minute},
			farFuture.Add(-time.Minute), farFuture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r owedRetries
			r.init(tt.cfg)
			if got := r.liveUntil(tt.now); !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("liveUntil(%s) = %s, want %s", tt.now, got, tt.want)
			}
		})
	}
}
