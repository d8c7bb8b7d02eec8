package boxoffice_test

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// TestExtendHoldAfterSeatLostUnderSkew runs two BookingSystems on one
// Store, their clocks 3 minutes apart, as processes sharing a database
// may be. The one ahead (the fixture's) sees alice's hold run out and
// gives a seat of it to bob; the one behind still sees her hold live.
// Her ExtendHold there must not write her hold back over the seat (that
// sold A1 twice): it answers as for a lapsed hold and changes nothing,
// and her payment is refused before any charge.
func TestExtendHoldAfterSeatLostUnderSkew(t *testing.T) {
	tests := []struct {
		name      string
		alice     []string // alice's seats
		bob       string   // the seat bob takes on the clock ahead
		bobBuys   bool     // bob pays for it
		bobDrops  bool     // bob releases it again
		wantTaken boxoffice.SeatStatus
	}{
		{name: "sold to another", alice: []string{"A1"}, bob: "A1", bobBuys: true, wantTaken: boxoffice.SeatBooked},
		{name: "held by another", alice: []string{"A1"}, bob: "A1", wantTaken: boxoffice.SeatHeld},
		{name: "one of two seats sold", alice: []string{"A1", "A2"}, bob: "A2", bobBuys: true, wantTaken: boxoffice.SeatBooked},
		{name: "taken and given back", alice: []string{"A1"}, bob: "A1", bobDrops: true, wantTaken: boxoffice.SeatAvailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t) // its clock runs ahead
			behind := fakeclock.New(start.Add(-3 * time.Minute))
			b, err := boxoffice.New(boxoffice.Config{Store: f.store, Clock: behind, Gateway: f.gateway,
				HoldsPerMinute: -1, PaymentBackoff: -1, SweepInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = b.Close(f.ctx) })

			alice, err := b.HoldSeats(f.ctx, "alice", f.show.ID, tt.alice) // until 09:07 on both clocks
			if err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(7 * time.Minute) // 09:07: over, ahead
			behind.Advance(7 * time.Minute)  // 09:04: live, behind
			bob := f.hold("bob", tt.bob)
			switch {
			case tt.bobBuys:
				bob = f.confirm(bob)
			case tt.bobDrops:
				if bob, err = f.sys.ReleaseHold(f.ctx, bob.ID); err != nil {
					t.Fatal(err)
				}
			}

			_, err = b.ExtendHold(f.ctx, alice.ID)
			var te *boxoffice.TransitionError
			if !errors.Is(err, boxoffice.ErrHoldExpired) || !errors.As(err, &te) || te.Booking != alice.ID {
				t.Fatalf("ExtendHold of a hold that lost %s: %v; want a *TransitionError, ErrHoldExpired", tt.bob, err)
			}
			if got := mustT[boxoffice.Booking](t)(b.Booking(f.ctx, alice.ID)); got.Status != boxoffice.StatusHeld ||
				got.Extensions != 0 || !got.HeldUntil.Equal(alice.HeldUntil) {
				t.Errorf("alice's booking after the refused extension: %s, %d extensions, until %s; want it unchanged",
					got.Status, got.Extensions, got.HeldUntil)
			}
			seats := mustT[boxoffice.SeatMap](t)(b.SeatMap(f.ctx, f.show.ID))
			for _, s := range seats.Seats {
				if s.ID == tt.bob && s.Status != tt.wantTaken {
					t.Errorf("seat %s after alice's extension: %s; want %s, as bob left it", s.ID, s.Status, tt.wantTaken)
				}
			}
			if got := f.booking(bob.ID); got.Status != bob.Status || !got.HeldUntil.Equal(bob.HeldUntil) {
				t.Errorf("bob's booking: %s until %s; want %s until %s", got.Status, got.HeldUntil, bob.Status, bob.HeldUntil)
			}
			// Her payment is refused before any money moves, as for a
			// lapsed hold: charging would only end in a refund.
			charges := f.gateway.chargeCalls()
			if paid, err := b.ConfirmBooking(f.ctx, alice.ID, "card"); !errors.Is(err, boxoffice.ErrHoldExpired) || paid.Status == boxoffice.StatusConfirmed {
				t.Errorf("alice's payment after losing %s: %s, %v; want it refused with ErrHoldExpired", tt.bob, paid.Status, err)
			}
			if n := f.gateway.chargeCalls() - charges; n != 0 {
				t.Errorf("alice's refused payment made %d charge calls; want none", n)
			}
		})
	}
}
