package boxoffice_test

import (
	"errors"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// TestLifecycleTable pins every legal and illegal move of the booking
// lifecycle: held → paying → confirmed → cancelled | completed, and
// held → expired | released | failed, paying → failed | expired.
func TestLifecycleTable(t *testing.T) {
	const (
		H = boxoffice.StatusHeld
		P = boxoffice.StatusPaying
		C = boxoffice.StatusConfirmed
		X = boxoffice.StatusCancelled
		D = boxoffice.StatusCompleted
		E = boxoffice.StatusExpired
		R = boxoffice.StatusReleased
		F = boxoffice.StatusFailed
	)
	all := []boxoffice.BookingStatus{H, P, C, X, D, E, R, F}
	legal := map[[2]boxoffice.BookingStatus]bool{
		{H, P}: true, {H, E}: true, {H, R}: true, {H, F}: true,
		{P, C}: true, {P, F}: true, {P, E}: true,
		{C, X}: true, {C, D}: true,
	}
	for _, from := range all {
		for _, to := range all {
			if got, want := from.CanMoveTo(to), legal[[2]boxoffice.BookingStatus{from, to}]; got != want {
				t.Errorf("%s → %s allowed = %v; want %v", from, to, got, want)
			}
		}
		wantLive := from == H || from == P || from == C
		if from.Live() != wantLive {
			t.Errorf("%s.Live() = %v; want %v", from, from.Live(), wantLive)
		}
		parsed, err := boxoffice.ParseBookingStatus(from.String())
		if err != nil || parsed != from {
			t.Errorf("ParseBookingStatus(%q) = %v, %v", from.String(), parsed, err)
		}
	}
	if _, err := boxoffice.ParseBookingStatus("shipped"); !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Errorf("ParseBookingStatus(shipped): %v", err)
	}
	if boxoffice.BookingStatus(0).CanMoveTo(H) || boxoffice.BookingStatus(200).CanMoveTo(H) {
		t.Error("an unknown status may move")
	}
}

func TestMoneyApplyRoundsHalfAwayFromZero(t *testing.T) {
	tests := []struct {
		m    boxoffice.Money
		r    boxoffice.Rate
		want boxoffice.Money
	}{
		{1500, boxoffice.RateVIP, 2250},
		{1500, boxoffice.RatePremium, 1950},
		{1333, boxoffice.RateVIP, 2000}, // 1999.5 rounds up
		{1, boxoffice.RatePercent(50), 1},
		{1, boxoffice.RatePercent(49), 0},
		{-1333, boxoffice.RateVIP, -2000},
		{4500, boxoffice.RatePercent(25), 1125},
		{0, boxoffice.RateHoliday, 0},
	}
	for _, tt := range tests {
		if got := tt.m.Apply(tt.r); got != tt.want {
			t.Errorf("%s.Apply(%s) = %s; want %s", tt.m, tt.r, got, tt.want)
		}
	}
	for m, want := range map[boxoffice.Money]string{4500: "45.00", 5: "0.05", -310: "-3.10", 0: "0.00"} {
		if got := m.String(); got != want {
			t.Errorf("Money(%d).String() = %q; want %q", int64(m), got, want)
		}
	}
}

func TestBookingIDRoundTrip(t *testing.T) {
	id := boxoffice.NewBookingID()
	if id.IsZero() {
		t.Fatal("NewBookingID returned the zero ID")
	}
	parsed, err := boxoffice.ParseBookingID(id.String())
	if err != nil || parsed != id {
		t.Fatalf("ParseBookingID(%s) = %s, %v", id, parsed, err)
	}
	text, _ := id.MarshalText()
	var back boxoffice.BookingID
	if err := back.UnmarshalText(text); err != nil || back != id {
		t.Fatalf("UnmarshalText: %s, %v", back, err)
	}
	for _, bad := range []string{"", "nope", "123", id.String() + "0"} {
		if _, err := boxoffice.ParseBookingID(bad); !errors.Is(err, boxoffice.ErrInvalidArgument) {
			t.Errorf("ParseBookingID(%q): %v; want ErrInvalidArgument", bad, err)
		}
	}
}
