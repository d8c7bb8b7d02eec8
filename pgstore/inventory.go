package pgstore

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// A show's seat inventory is one bytea value: slotSize bytes per seat, in
// the order of the hall's Layout. Each slot is
//
//	byte  0      status: 0 available, 1 held, 2 booked (boxoffice.SeatStatus)
//	bytes 1–16   the holding or owning booking's ID (zero when available)
//	bytes 17–24  the hold deadline, big-endian microseconds since
//	             0001-01-01 UTC (0 is the zero time.Time)
//
// so an all-zero inventory is a show with every seat available. Deadlines
// have microsecond precision, PostgreSQL's, and are cut to the microsecond
// the way timestamptz columns are, so a seat's deadline and its booking's
// HeldUntil read back equal.
const slotSize = 1 + 16 + 8

// zeroUnixMicro is time.Time{} in Unix microseconds: the origin of the
// encoded deadlines, so that the zero time encodes as 0.
const zeroUnixMicro = -62135596800 * 1_000_000

// encodeTime returns t as microseconds since 0001-01-01 UTC, rounded down
// to the microsecond.
func encodeTime(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.Unix()*1_000_000 + int64(t.Nanosecond()/1000) - zeroUnixMicro)
}

func decodeTime(v uint64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(int64(v) + zeroUnixMicro).UTC()
}

// inventory is a decoded-on-demand view of a show's seats.
type inventory []byte

// newInventory returns the inventory of a show of n seats, all available.
func newInventory(n int) inventory { return make(inventory, n*slotSize) }

// checkInventory reports an inventory whose length is not a whole number
// of slots: a row written by something other than this package.
func checkInventory(showID string, b []byte) error {
	if len(b)%slotSize != 0 {
		return fmt.Errorf("pgstore: show %q: seat inventory of %d bytes is not a multiple of %d", showID, len(b), slotSize)
	}
	return nil
}

func (inv inventory) len() int { return len(inv) / slotSize }

func (inv inventory) slot(i int) boxoffice.SeatSlot {
	p := inv[i*slotSize : (i+1)*slotSize]
	var s boxoffice.SeatSlot
	s.Status = boxoffice.SeatStatus(p[0])
	copy(s.Booking[:], p[1:17])
	s.HeldUntil = decodeTime(binary.BigEndian.Uint64(p[17:25]))
	return s
}

// setSlot writes slot i and reports whether its bytes changed.
func (inv inventory) setSlot(i int, s boxoffice.SeatSlot) bool {
	var enc [slotSize]byte
	enc[0] = byte(s.Status)
	copy(enc[1:17], s.Booking[:])
	binary.BigEndian.PutUint64(enc[17:25], encodeTime(s.HeldUntil))
	p := inv[i*slotSize : (i+1)*slotSize]
	if string(p) == string(enc[:]) {
		return false
	}
	copy(p, enc[:])
	return true
}
