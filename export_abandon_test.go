package boxoffice

import "time"

// AbandonAfterForTest returns how long a booking of a BookingSystem made
// with cfg may stay paying before its sweeper resumes the payment.
func AbandonAfterForTest(cfg Config) time.Duration { return abandonAfter(cfg.withDefaults()) }
