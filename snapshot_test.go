package boxoffice_test

import (
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// Every Booking a hold, confirm or cancel call returns is a snapshot (the Booking type's
// doc): a caller that writes into its Seats changes nothing stored, on
// either store path.
func TestResultsAreSnapshots(t *testing.T) {
	calls := []struct {
		name string
		cap  int                                // Config.MaxLiveHoldsPerUser; 0: the default
		call func(f *fixture) boxoffice.Booking // returns a booking of the fixture's show
	}{
		{"HoldSeats", 0, func(f *fixture) boxoffice.Booking { return f.hold("alice", "A1", "A2") }},
		{"HoldSeats repeated", 0, func(f *fixture) boxoffice.Booking {
			f.hold("alice", "A1", "A2")
			return f.hold("alice", "A1", "A2") // the same hold, found again
		}},
		{"HoldSeats repeated at the live-hold cap", 1, func(f *fixture) boxoffice.Booking {
			f.hold("alice", "A1", "A2")
			return f.hold("alice", "A1", "A2")
		}},
		{"ExtendHold", 0, func(f *fixture) boxoffice.Booking {
			b := f.hold("alice", "A1", "A2")
			f.clock.Advance(time.Minute)
			return mustT[boxoffice.Booking](f.t)(f.sys.ExtendHold(f.ctx, b.ID))
		}},
		{"ReleaseHold", 0, func(f *fixture) boxoffice.Booking {
			b := f.hold("alice", "A1", "A2")
			return mustT[boxoffice.Booking](f.t)(f.sys.ReleaseHold(f.ctx, b.ID))
		}},
		{"ConfirmBooking", 0, func(f *fixture) boxoffice.Booking {
			return f.confirm(f.hold("alice", "A1", "A2"))
		}},
		{"ConfirmBooking again", 0, func(f *fixture) boxoffice.Booking {
			b := f.confirm(f.hold("alice", "A1", "A2"))
			return mustT[boxoffice.Booking](f.t)(f.sys.ConfirmBooking(f.ctx, b.ID, "card"))
		}},
		{"CancelBooking", 0, func(f *fixture) boxoffice.Booking {
			b := f.confirm(f.hold("alice", "A1", "A2"))
			return mustT[boxoffice.Booking](f.t)(f.sys.CancelBooking(f.ctx, b.ID))
		}},
		{"CancelBooking again", 0, func(f *fixture) boxoffice.Booking {
			b := f.confirm(f.hold("alice", "A1", "A2"))
			mustT[boxoffice.Booking](f.t)(f.sys.CancelBooking(f.ctx, b.ID))
			return mustT[boxoffice.Booking](f.t)(f.sys.CancelBooking(f.ctx, b.ID))
		}},
		{"ReleaseHold again", 0, func(f *fixture) boxoffice.Booking {
			b := f.hold("alice", "A1", "A2")
			mustT[boxoffice.Booking](f.t)(f.sys.ReleaseHold(f.ctx, b.ID))
			return mustT[boxoffice.Booking](f.t)(f.sys.ReleaseHold(f.ctx, b.ID))
		}},
	}
	for _, path := range storePaths {
		for _, tt := range calls {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				f := newFixture(t, path.edit, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = tt.cap })
				got := tt.call(f)
				want := f.booking(got.ID)
				if len(got.Seats) != 2 || len(want.Seats) != 2 {
					t.Fatalf("%s returned %d seats, the store has %d; want 2", tt.name, len(got.Seats), len(want.Seats))
				}
				got.Seats[0].ID, got.Seats[0].Price = "Z99", 1
				if after := f.booking(got.ID); after.Seats[0] != want.Seats[0] {
					t.Errorf("writing into the Seats %s returned changed the stored booking: seat %+v, was %+v",
						tt.name, after.Seats[0], want.Seats[0])
				}
			})
		}
	}
}
