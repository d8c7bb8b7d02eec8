package boxoffice

import (
	"fmt"
	"time"
)

// SeatType is a seat's class; it sets the seat's price multiplier.
type SeatType uint8

// Seat types. The zero value is Regular.
const (
	Regular SeatType = iota // ×1.0
	Premium                 // ×1.3
	VIP                     // ×1.5
)

// Multiplier returns the seat type's price multiplier.
func (t SeatType) Multiplier() Rate {
	switch t {
	case Premium:
		return RatePremium
	case VIP:
		return RateVIP
	}
	return RateOne
}

// String returns "Regular", "Premium" or "VIP", which [ParseSeatType] reads
// and [SeatType.MarshalText] writes, or "SeatType(n)" for a value that is not
// [SeatType.Valid].
func (t SeatType) String() string {
	if n, ok := nameOf(seatTypeNames[:], t); ok {
		return n
	}
	return fmt.Sprintf("SeatType(%d)", t)
}

// Valid reports whether t is one of the defined seat types.
func (t SeatType) Valid() bool { return t <= VIP }

// Seat is one place in a hall's layout.
type Seat struct {
	ID     string   // row label and number, e.g. "A1"
	Row    string   // row label, e.g. "A"
	Number int      // number within the row, from 1
	Type   SeatType // price class
	Line   int      // the row's line in the drawn map, from 0
	Column int      // the seat's column in the drawn map, from 0; gaps are aisles
}

// SeatStatus is what a customer sees of a seat at one instant.
type SeatStatus uint8

// Seat states.
const (
	SeatAvailable SeatStatus = iota // free to hold
	SeatHeld                        // held by a live booking until its deadline
	SeatBooked                      // sold
)

// String returns "available", "held" or "booked", which [ParseSeatStatus]
// reads and [SeatStatus.MarshalText] writes, or "SeatStatus(n)" for any other
// value.
func (s SeatStatus) String() string {
	if n, ok := nameOf(seatStatusNames[:], s); ok {
		return n
	}
	return fmt.Sprintf("SeatStatus(%d)", s)
}

// SeatSlot is the stored state of one seat of one show: the unit a [Store]
// persists inside a show transaction. A held slot whose [SeatSlot.HeldUntil]
// has passed is free (see [SeatSlot.StatusAt]); the Store never decides that.
type SeatSlot struct {
	Status    SeatStatus
	Booking   BookingID // the holding or owning booking; zero when available
	HeldUntil time.Time // hold deadline when Status is SeatHeld
}

// StatusAt returns the seat's status at now: a hold is over the instant its
// deadline is reached.
func (s SeatSlot) StatusAt(now time.Time) SeatStatus {
	if s.Status == SeatHeld && !now.Before(s.HeldUntil) {
		return SeatAvailable
	}
	return s.Status
}

// ownedBy reports whether the slot is held or booked by the booking id,
// regardless of the hold deadline.
func (s SeatSlot) ownedBy(id BookingID) bool {
	return s.Status != SeatAvailable && s.Booking == id
}
