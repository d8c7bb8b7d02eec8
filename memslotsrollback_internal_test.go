package boxoffice

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestMemSlotsAcrossRollbacks drives one show's transactions with holds
// (addHold, which takes the next slot), bookings put with IDs numbered
// with the show at a slot of their own (beyond the last, or in a gap),
// with the other show's number, or random, and releases (endHold), each
// transaction committed, failed or panicking. Rolled-back holds give
// their slots back, so later holds take the same slots with other IDs:
// after every transaction each committed booking must be found, as it
// is, by Booking, by the unchecked place a release uses
// (numberedPlace, then recordIn under the show's lock, or showHolding
// when that misses) and in its user's list; no rolled-back ID may be
// found anywhere; every seat is owned as the committed bookings say; and
// every record sits where its where field says.
func TestMemSlotsAcrossRollbacks(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		s, r, show, layout := storeWithOneShow(rt)
		other := Show{ID: "s2", MovieID: "m", HallID: "h", TheaterID: "t", Start: show.Start.Add(4 * time.Hour), End: show.End.Add(4 * time.Hour)}
		if err := s.AddShow(ctx, other, layout, Interval{Start: other.Start, End: other.End}, nil); err != nil {
			rt.Fatal(err)
		}
		r2, err := s.showRecord(ctx, other.ID)
		if err != nil {
			rt.Fatal(err)
		}
		now := show.Start.Add(-time.Hour)
		users := []string{"u1", "u2"}
		type want struct {
			user   string
			status BookingStatus
			seats  []int
		}
		committed := map[BookingID]want{}
		var gone []BookingID         // IDs of rolled-back bookings
		owner := map[int]BookingID{} // seat → committed live owner
		nSeats := 12                 // of the layout's, used

		steps := rapid.IntRange(1, 25).Draw(rt, "transactions")
		for range steps {
			var made []BookingID
			writes := map[BookingID]want{}
			taken := map[int]BookingID{}
			freed := map[int]bool{}
			outcome := rapid.SampledFrom([]string{"commit", "commit", "fail", "panic"}).Draw(rt, "outcome")
			ops := rapid.IntRange(1, 4).Draw(rt, "ops")
			run := func(tx ShowTx) error {
				mt := tx.(*memTx)
				for range ops {
					user := rapid.SampledFrom(users).Draw(rt, "user")
					var seats []int
					for i := range nSeats {
						if _, held := owner[i]; (!held || freed[i]) && taken[i].IsZero() && len(seats) < 2 && rapid.Bool().Draw(rt, "seat") {
							seats = append(seats, i)
						}
					}
					switch op := rapid.IntRange(0, 4).Draw(rt, "op"); {
					case op <= 1 && len(seats) > 0: // a hold, as HoldSeats makes it
						rec, bs := newHoldRecord(len(seats))
						for k, i := range seats {
							bs[k] = BookingSeat{ID: layout.seats[i].ID, Type: layout.seats[i].Type}
						}
						id, key := r.numberedID(random10())
						rec.setHold(id, user, show.ID, bs, 0, seats)
						rec.status, rec.createdAt, rec.heldUntil, rec.updatedAt = StatusHeld, now, now.Add(10*time.Minute), now
						if err := mt.addHold(rec, key); err != nil {
							rt.Fatal(err)
						}
						mt.holdSeats(seats, SeatSlot{Status: SeatHeld, Booking: rec.id, HeldUntil: rec.heldUntil})
						made = append(made, rec.id)
						writes[rec.id] = want{user, StatusHeld, seats}
						for _, i := range seats {
							taken[i] = rec.id
						}
					case op == 2 && len(seats) > 0: // a booking put, with an ID of some form
						var id BookingID
						switch form := rapid.IntRange(0, 2).Draw(rt, "form"); form {
						case 0:
							var key slotKey
							id, key = r.numberedID(random10())
							key.setSlot(&id, uint32(rapid.IntRange(0, len(r.slots)+3).Draw(rt, "slot")))
						case 1:
							var key slotKey
							id, key = r2.numberedID(random10())
							key.setSlot(&id, uint32(rapid.IntRange(0, 3).Draw(rt, "slot")))
						default:
							id = NewBookingID()
						}
						if p := r.record(id); p != nil {
							continue // a slot of a booking of its own: not a new one
						}
						b := Booking{ID: id, UserID: user, ShowID: show.ID, Status: StatusHeld,
							CreatedAt: now, HeldUntil: now.Add(10 * time.Minute), UpdatedAt: now}
						for _, i := range seats {
							b.Seats = append(b.Seats, BookingSeat{ID: layout.seats[i].ID, Type: layout.seats[i].Type})
							tx.SetSeat(i, SeatSlot{Status: SeatHeld, Booking: id, HeldUntil: b.HeldUntil})
							taken[i] = id
						}
						tx.PutBooking(b)
						made = append(made, id)
						writes[id] = want{user, StatusHeld, seats}
					case op >= 3: // a release of a committed hold
						var held []BookingID
						for id, w := range committed {
							if w.status == StatusHeld {
								if _, again := writes[id]; !again {
									held = append(held, id)
								}
							}
						}
						if len(held) == 0 {
							continue
						}
						slices.SortFunc(held, func(a, b BookingID) int { return slices.Compare(a[:], b[:]) })
						id := rapid.SampledFrom(held).Draw(rt, "release")
						p := r.record(id)
						if p == nil {
							rt.Fatalf("committed hold %v not found in its transaction", id)
						}
						mt.endHold(p, StatusReleased, now, layout)
						w := committed[id]
						w.status = StatusReleased
						writes[id] = w
						for _, i := range w.seats {
							freed[i] = true
						}
					}
				}
				switch outcome {
				case "fail":
					return errors.New("failed")
				case "panic":
					panic("fn panicked")
				}
				return nil
			}
			func() {
				defer func() {
					if v := recover(); v != nil && outcome != "panic" {
						panic(v)
					}
				}()
				err := s.UpdateShow(ctx, show.ID, run)
				if (err == nil) != (outcome == "commit") {
					rt.Fatalf("UpdateShow (%s): %v", outcome, err)
				}
			}()
			if outcome == "commit" {
				for id, w := range writes {
					committed[id] = w
					if w.status != StatusHeld {
						for _, i := range w.seats {
							if owner[i] == id {
								delete(owner, i)
							}
						}
					}
				}
				for i, id := range taken {
					owner[i] = id
				}
			} else {
				gone = append(gone, made...)
			}

			// Every committed booking, found as it is, every way.
			for id, w := range committed {
				b, err := s.Booking(ctx, id)
				if err != nil || b.UserID != w.user || b.Status != w.status || len(b.Seats) != len(w.seats) {
					rt.Fatalf("Booking(%v) = %+v, %v; want %+v", id, b, err, w)
				}
				pl := s.numberedPlace(id)
				found := false
				if pl.rec != nil {
					pl.rec.mu.Lock()
					found = pl.rec.recordIn(id, pl) != nil
					pl.rec.mu.Unlock()
				}
				if !found {
					if !pl.unchecked {
						rt.Fatalf("booking %v: its checked place does not have it", id)
					}
					if pl = s.showHolding(id); pl.rec != r {
						rt.Fatalf("booking %v: showHolding finds show %v", id, pl.rec)
					}
					pl.rec.mu.Lock()
					found = pl.rec.recordIn(id, pl) != nil
					pl.rec.mu.Unlock()
					if !found {
						rt.Fatalf("booking %v not found at its place", id)
					}
				}
			}
			// No rolled-back booking, anywhere.
			for _, id := range gone {
				if _, err := s.Booking(ctx, id); !errors.Is(err, ErrNotFound) {
					rt.Fatalf("rolled-back booking %v: Booking says %v", id, err)
				}
				if pl := s.numberedPlace(id); pl.rec != nil {
					pl.rec.mu.Lock()
					p := pl.rec.recordIn(id, pl)
					pl.rec.mu.Unlock()
					if p != nil {
						rt.Fatalf("rolled-back booking %v found at its unchecked place", id)
					}
				}
			}
			// Seats, records' places, user lists.
			r.mu.RLock()
			for i := range nSeats {
				slot := r.seats[i]
				if id, ok := owner[i]; ok {
					if !slot.ownedBy(id) {
						r.mu.RUnlock()
						rt.Fatalf("seat %d: %+v; want owned by %v", i, slot, id)
					}
				} else if slot.status != SeatAvailable {
					r.mu.RUnlock()
					rt.Fatalf("seat %d: %+v; want available", i, slot)
				}
			}
			for i, p := range r.slots {
				if p != nil && p.where != int32(i) {
					r.mu.RUnlock()
					rt.Fatalf("record %v at slot %d says where %d", p.id, i, p.where)
				}
			}
			if n := len(r.slots); n > 0 && r.slots[n-1] == nil {
				r.mu.RUnlock()
				rt.Fatalf("the show's slots end with a free one (%d)", n)
			}
			r.mu.RUnlock()
			for _, u := range users {
				list, err := s.BookingsOfUser(ctx, u, BookingCursor{}, 1000, OldestFirst)
				if err != nil {
					rt.Fatal(err)
				}
				var got, wantIDs []BookingID
				for _, b := range list {
					got = append(got, b.ID)
				}
				for id, w := range committed {
					if w.user == u {
						wantIDs = append(wantIDs, id)
					}
				}
				cmp := func(a, b BookingID) int { return slices.Compare(a[:], b[:]) }
				slices.SortFunc(got, cmp)
				slices.SortFunc(wantIDs, cmp)
				if !slices.Equal(got, wantIDs) {
					rt.Fatalf("user %s lists %d bookings; want %d", u, len(got), len(wantIDs))
				}
			}
		}
	})
}

// random10 returns ten random bytes, as a hold's ID keeps.
func random10() [10]byte {
	id := NewBookingID()
	return [10]byte(id[6:])
}
