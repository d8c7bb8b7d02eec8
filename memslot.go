package boxoffice

import "time"

// memSlot is a SeatSlot as the MemoryStore keeps it: the same fields, but
// HeldUntil as the instant alone (instant), so that the slot holds no
// pointer. A time.Time carries its *Location, and a show's slots, one per
// seat, are most of the store's heap: pointerful, the garbage collector
// scanned every slot of every show in each collection (a collection of
// 1,000 shows of 600 seats took 72 M instructions, 24 M pointer-free;
// BENCHMARKS.md, "Pointer-free seat slots"). 32 bytes instead of 48: the
// instant's two fields are laid out around the booking, not as an
// instant, whose padding would make the slot 40.
type memSlot struct {
	sec     int64 // HeldUntil: instant.sec
	booking BookingID
	nsec    int32 // HeldUntil: instant.nsec
	status  SeatStatus
}

// until returns the slot's HeldUntil.
func (s *memSlot) until() instant { return instant{sec: s.sec, nsec: s.nsec} }

// instant is a time.Time's instant without its zone or monotonic reading:
// seconds since January 1, year 1, UTC (time.Time's own origin, so that
// every time.Time has one, and the zero time is the zero instant), and
// nanoseconds within the second. Instants compare (before) as Time.Before
// compares times without a monotonic reading.
type instant struct {
	sec  int64
	nsec int32 // [0, 1e9)
}

// unixToInternal is January 1, year 1 in Unix seconds, negated: what
// time.Time adds to Unix seconds to get its own.
const unixToInternal int64 = (1969*365 + 1969/4 - 1969/100 + 1969/400) * 24 * 60 * 60

// instantOf returns t's instant. t.Unix() subtracts unixToInternal from
// t's seconds, wrapping around for the times near the ends of time.Time's
// range, and adding it back wraps back: every time has its instant.
func instantOf(t time.Time) instant {
	return instant{sec: t.Unix() + unixToInternal, nsec: int32(t.Nanosecond())}
}

// time returns the instant as a time in UTC without a monotonic reading,
// which is == to every such time with that instant: time.Unix wraps back
// the seconds instantOf wrapped, and the zero instant is the zero time.
func (i instant) time() time.Time {
	if i == (instant{}) {
		return time.Time{} // the common case, an available seat: no call
	}
	return time.Unix(i.sec-unixToInternal, int64(i.nsec)).UTC()
}

// before reports whether i is before j, as Time.Before does.
func (i instant) before(j instant) bool {
	return i.sec < j.sec || i.sec == j.sec && i.nsec < j.nsec
}

// memSlotOf returns s as the MemoryStore keeps it.
func memSlotOf(s SeatSlot) memSlot {
	u := instantOf(s.HeldUntil)
	return memSlot{sec: u.sec, booking: s.Booking, nsec: u.nsec, status: s.Status}
}

// seatSlot returns the slot as a SeatSlot, HeldUntil in UTC.
func (s *memSlot) seatSlot() SeatSlot {
	return SeatSlot{Status: s.status, Booking: s.booking, HeldUntil: s.until().time()}
}

// statusAt is SeatSlot.StatusAt, with now as an instant: a hold is over
// the instant its deadline is reached.
func (s *memSlot) statusAt(now instant) SeatStatus {
	if s.status == SeatHeld && !now.before(s.until()) {
		return SeatAvailable
	}
	return s.status
}

// ownedBy is SeatSlot.ownedBy.
func (s *memSlot) ownedBy(id BookingID) bool {
	return s.status != SeatAvailable && s.booking == id
}

// seatReader reads the statuses of a show transaction's seats at one
// time: in place, with the time converted once, on the MemoryStore's
// transactions, through Seat and SeatSlot.StatusAt on any other Store's
// (and for a position past the MemoryStore's seats, which Seat reports
// as the transaction's misuse rather than a panic).
// A Seat call builds the time.Time of a held seat's deadline, which read
// a seat map of 600 seats, 200 held, a fifth slower.
type seatReader struct {
	seats []memSlot // the MemoryStore's, if mem
	mem   bool
	at    instant
	tx    ShowTx
	now   time.Time
}

func newSeatReader(tx ShowTx, now time.Time) seatReader {
	switch t := tx.(type) {
	case *memViewTx:
		return seatReader{seats: t.rec.seats, mem: true, at: instantOf(now), tx: tx, now: now}
	case *memTx:
		return seatReader{seats: t.rec.seats, mem: true, at: instantOf(now), tx: tx, now: now}
	}
	return seatReader{tx: tx, now: now}
}

// statusAt returns the status of the seat at position i, as a seat map
// shows it (shownStatus). A position outside the transaction's seats (a
// layout that is not the one the show was stored with) is Seat's misuse,
// which fails the transaction.
func (r *seatReader) statusAt(i int) SeatStatus {
	if r.mem && uint(i) < uint(len(r.seats)) {
		return shownStatus(r.seats[i].statusAt(r.at))
	}
	return shownStatus(r.tx.Seat(i).StatusAt(r.now))
}

// shownStatus is a stored seat status as the seat maps show it (SeatMap,
// Watch, ShowInfo.FreeSeats): a status the library does not know, which
// only a Store's bad data has, as SeatBooked, taken, which is what a hold
// makes of it (not available), rather than a value no client can name and
// Watch cannot group by.
func shownStatus(st SeatStatus) SeatStatus {
	if st > SeatBooked {
		return SeatBooked
	}
	return st
}
