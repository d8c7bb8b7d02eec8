package boxoffice_test

import (
	"context"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// A client that follows a Watch stream ends with the seat map's state: a
// booking that ends after losing a seat to another customer (its hold
// lapsed, and the seat was taken before the booking expired or failed)
// frees only the seats it still had, and the stream says only those are
// available.
func TestWatchStreamAgreesWithTheSeatMap(t *testing.T) {
	tests := []struct {
		name  string
		seats []string // alice's
		run   func(f *fixture, alice boxoffice.Booking)
	}{
		{"payment after the hold lapsed and its seat was taken", []string{"A1"}, func(f *fixture, alice boxoffice.Booking) {
			f.gateway.mu.Lock()
			f.gateway.overrun = true // the charge lasts 10 minutes, past PaymentTimeout
			f.gateway.mu.Unlock()
			f.gateway.before = func() {
				f.gateway.before = nil
				f.clock.Advance(10 * time.Minute)
				f.hold("bob", "A1")
			}
			if _, err := f.sys.ConfirmBooking(f.ctx, alice.ID, "card"); err == nil {
				f.t.Fatal("alice's confirm went through")
			}
		}},
		{"payment whose outcome is unknown, voided", []string{"A1", "A2"}, func(f *fixture, alice boxoffice.Booking) {
			f.gateway.script(chargeOutcome{err: context.DeadlineExceeded, applied: true})
			if _, err := f.sys.ConfirmBooking(f.ctx, alice.ID, "card"); err == nil {
				f.t.Fatal("alice's confirm went through")
			}
		}},
		{"payment whose outcome is unknown, its void failing", []string{"A1", "A2"}, func(f *fixture, alice boxoffice.Booking) {
			f.gateway.script(chargeOutcome{err: context.DeadlineExceeded, applied: true})
			f.gateway.refunds = []error{errGatewayDown}
			if _, err := f.sys.ConfirmBooking(f.ctx, alice.ID, "card"); err == nil {
				f.t.Fatal("alice's confirm went through")
			}
		}},
		{"sweep after the hold lapsed and one of its seats was taken", []string{"A1", "A2"}, func(f *fixture, alice boxoffice.Booking) {
			f.clock.Advance(10 * time.Minute)
			f.hold("bob", "A1")
			if _, err := f.sys.Sweep(f.ctx); err != nil {
				f.t.Fatal(err)
			}
		}},
		{"confirm after the hold lapsed and one of its seats was taken", []string{"A1", "A2"}, func(f *fixture, alice boxoffice.Booking) {
			f.clock.Advance(10 * time.Minute)
			f.hold("bob", "A2")
			if _, err := f.sys.ConfirmBooking(f.ctx, alice.ID, "card"); err == nil {
				f.t.Fatal("alice's confirm went through")
			}
		}},
	}
	for _, path := range storePaths {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				f := newFixture(t, path.edit, func(c *boxoffice.Config) { c.PaymentAttempts = 1 })
				updates, err := f.sys.Watch(f.ctx, f.show.ID)
				if err != nil {
					t.Fatal(err)
				}
				alice := f.hold("alice", tt.seats...)
				tt.run(f, alice)
				f.hold("carol", "F1") // the last update to read
				streamed := map[string]boxoffice.SeatStatus{}
				flags := newInitialFlags(f.hall.Layout)
				timeout := time.NewTimer(hangBound) // a bound for a failure, not a wait
				defer timeout.Stop()
			read:
				for {
					var u boxoffice.SeatUpdate
					select {
					case v, ok := <-updates:
						if !ok {
							break read
						}
						u = v
					case <-timeout.C:
						t.Fatalf("waited %v for the update of F1", hangBound)
					}
					if wrong := flags.next(u); wrong != "" {
						t.Error(wrong)
					}
					for _, s := range u.Seats {
						streamed[s] = u.Status
					}
					if len(u.Seats) == 1 && u.Seats[0] == "F1" {
						break
					}
				}
				for _, s := range tt.seats {
					if got, want := streamed[s], f.seatStatus(s); got != want {
						t.Errorf("the stream says %s is %s; the seat map says %s", s, got, want)
					}
				}
			})
		}
	}
}
