package boxoffice

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestMemTxStatusUndo checks the undo log's status-only entries
// (bookingUndo.statusOnly: memTx.endHold logs a booking's status and
// updatedAt alone) against the whole records they stand for. In one
// transaction, held bookings are released or expired through endHold and
// put again (another user, another CreatedAt, other seats, a payment),
// in any order, possibly after enough other bookings were put that the
// log's entries are found through touchedSet; the user counts
// (SeatsOfUser, whose index may be built in the middle of it) are asked
// along the way. Rolled back, every record must be as it was to the last
// field, and the user counts and lists as before; committed, the user
// lists must list each booking under its user as it is now.
func TestMemTxStatusUndo(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		s, r, show, layout := storeWithOneShow(rt)
		now := show.Start.Add(-time.Hour)
		users := []string{"u1", "u2", "u3"}
		n := rapid.IntRange(1, 6).Draw(rt, "bookings")
		others := rapid.SampledFrom([]int{0, 3, touchedScanLimit + 2}).Draw(rt, "others")
		var ids []BookingID
		err := s.UpdateShow(ctx, show.ID, func(tx ShowTx) error {
			for k := range n + others {
				b := Booking{ID: NewBookingID(), UserID: users[k%len(users)], ShowID: show.ID, Status: StatusHeld,
					Seats:     []BookingSeat{{ID: layout.seats[k].ID, Type: layout.seats[k].Type}},
					CreatedAt: now.Add(time.Duration(k) * time.Second), HeldUntil: now.Add(10 * time.Minute), UpdatedAt: now}
				tx.PutBooking(b)
				tx.SetSeat(k, SeatSlot{Status: SeatHeld, Booking: b.ID, HeldUntil: b.HeldUntil})
				ids = append(ids, b.ID)
			}
			return nil
		})
		if err != nil {
			rt.Fatal(err)
		}
		indexedBefore := rapid.Bool().Draw(rt, "indexed before")
		records := func() map[BookingID]bookingRecord {
			m := make(map[BookingID]bookingRecord)
			for _, id := range ids {
				m[id] = *r.record(id)
			}
			return m
		}
		lists := func() map[string][]BookingID {
			m := make(map[string][]BookingID)
			for _, u := range append(users, "u4") {
				list, err := s.BookingsOfUser(ctx, u, BookingCursor{}, 100, OldestFirst)
				if err != nil {
					rt.Fatal(err)
				}
				for _, b := range list {
					m[u] = append(m[u], b.ID)
				}
				slices.SortFunc(m[u], func(a, b BookingID) int { return slices.Compare(a[:], b[:]) })
			}
			return m
		}
		counts := func(tx *memTx, at time.Time) map[string]int {
			m := make(map[string]int)
			for _, u := range append(users, "u4") {
				m[u] = tx.seatsOfUser(u, at)
			}
			return m
		}
		wantCounts := func(at time.Time) map[string]int {
			m := make(map[string]int)
			for _, u := range append(users, "u4") {
				m[u] = 0
			}
			for _, id := range ids {
				p := r.record(id)
				if seatCapCounts(p.status, p.heldUntil, at) {
					m[p.userID] += len(p.seats)
				}
			}
			return m
		}
		r.mu.Lock()
		beforeCounts := counts(&r.tx, now) // builds the index (indexOpen)
		if !indexedBefore {
			// Dropped, so that the transaction's first SeatsOfUser builds
			// it, in the middle of it, from entries that may be
			// status-only (indexOpen's oldUserID).
			r.openByUser = nil
		}
		r.mu.Unlock()
		before, beforeLists := records(), lists()

		later := now.Add(time.Minute)
		fail := rapid.Bool().Draw(rt, "fail")
		failed := errors.New("failed")
		err = s.UpdateShow(ctx, show.ID, func(tx ShowTx) error {
			mt := tx.(*memTx)
			for k := range others {
				b := r.record(ids[n+k]).booking()
				b.UpdatedAt = later
				tx.PutBooking(b)
			}
			steps := rapid.IntRange(1, 8).Draw(rt, "steps")
			for range steps {
				id := ids[rapid.IntRange(0, n-1).Draw(rt, "booking")]
				p := r.record(id)
				switch op := rapid.IntRange(0, 2).Draw(rt, "op"); op {
				case 0: // a release or an expiry, as endHoldOp moves it
					to := rapid.SampledFrom([]BookingStatus{StatusReleased, StatusExpired}).Draw(rt, "to")
					mt.endHold(p, to, later, layout)
				case 1: // a put of more than the status
					b := p.booking()
					b.UserID = rapid.SampledFrom(append(users, "u4")).Draw(rt, "user")
					b.CreatedAt = b.CreatedAt.Add(rapid.SampledFrom([]time.Duration{0, time.Hour}).Draw(rt, "moved"))
					if rapid.Bool().Draw(rt, "new seats") {
						i := len(layout.seats) - 1 - rapid.IntRange(0, 5).Draw(rt, "seat")
						b.Seats = []BookingSeat{{ID: layout.seats[i].ID, Type: layout.seats[i].Type}}
					}
					if rapid.Bool().Draw(rt, "paid") {
						b.Status, b.Payment = StatusPaying, Payment{Amount: 100, Reference: "r"}
					}
					b.UpdatedAt = later
					tx.PutBooking(b)
				case 2:
					if got, want := counts(mt, later), wantCounts(later); !reflect.DeepEqual(got, want) {
						rt.Fatalf("user counts in the transaction: %v; want %v", got, want)
					}
				}
			}
			if fail {
				return failed
			}
			return nil
		})
		if fail {
			if !errors.Is(err, failed) {
				rt.Fatalf("UpdateShow: %v; want %v", err, failed)
			}
			for id, was := range records() {
				if want := before[id]; !reflect.DeepEqual(was, want) {
					rt.Fatalf("booking %v after the rollback:\n%+v\nwant\n%+v", id, was, want)
				}
			}
			if got := lists(); !reflect.DeepEqual(got, beforeLists) {
				rt.Fatalf("user lists after the rollback: %v; want %v", got, beforeLists)
			}
			r.mu.Lock()
			got := counts(&r.tx, now)
			r.mu.Unlock()
			if !reflect.DeepEqual(got, beforeCounts) {
				rt.Fatalf("user counts after the rollback: %v; want %v", got, beforeCounts)
			}
			return
		}
		if err != nil {
			rt.Fatal(err)
		}
		want := make(map[string][]BookingID)
		for _, id := range ids {
			u := r.record(id).userID
			want[u] = append(want[u], id)
		}
		for u := range want {
			slices.SortFunc(want[u], func(a, b BookingID) int { return slices.Compare(a[:], b[:]) })
		}
		if got := lists(); !reflect.DeepEqual(got, want) {
			rt.Fatalf("user lists after the commit: %v; want %v", got, want)
		}
		r.mu.Lock()
		got, wantC := counts(&r.tx, later), wantCounts(later)
		r.mu.Unlock()
		if !reflect.DeepEqual(got, wantC) {
			rt.Fatalf("user counts after the commit: %v; want %v", got, wantC)
		}
		// The user index must have dropped each booking from its user as it
		// was: a booking open again, under any user, counts for that user
		// alone.
		err = s.UpdateShow(ctx, show.ID, func(tx ShowTx) error {
			for _, id := range ids[:n] {
				b := r.record(id).booking()
				b.UserID = rapid.SampledFrom(append(users, "u4")).Draw(rt, "user again")
				b.Status = rapid.SampledFrom([]BookingStatus{StatusPaying, StatusConfirmed, StatusReleased}).Draw(rt, "status again")
				tx.PutBooking(b)
			}
			return nil
		})
		if err != nil {
			rt.Fatal(err)
		}
		r.mu.Lock()
		got, wantC = counts(&r.tx, later), wantCounts(later)
		r.mu.Unlock()
		if !reflect.DeepEqual(got, wantC) {
			rt.Fatalf("user counts after the bookings were put again: %v; want %v", got, wantC)
		}
	})
}
