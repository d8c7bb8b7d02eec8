package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/internal/testwait"
)

var concurrencyTests = []subtest{
	{"ReadModifyWriteIsSerializable", testReadModifyWrite},
	{"ShowsDoNotInterfere", testShowsDoNotInterfere},
	{"ViewIsOneSnapshot", testViewIsOneSnapshot},
	{"ViewSeesNoUncommittedWrites", testViewSeesNoUncommittedWrites},
}

const (
	workers      = 32
	txsPerWorker = 20
)

// grace is how long a transaction that has started another one on the same
// show (or hall) waits for it before going on: time for a Store that lets
// the other through to have it finish, so that the interleaving is the one
// the test means. A Store that makes the other wait only costs the test
// this much time. The wait decides
// nothing: a correct Store passes however short it is, and a broken one
// fails unless the machine stalls the other transaction for longer.
const grace = 100 * time.Millisecond

// startAndWait runs op on a goroutine of its own and waits for it to
// return, at most grace; wait then returns op's error once it has. The
// caller, running inside a transaction, never calls the Store itself: the
// transaction's fn must not, and a Store may hold a lock op waits for.
func startAndWait(op func() error) (wait func() error) {
	done := make(chan error, 1)
	go func() { done <- op() }()
	select {
	case err := <-done:
		return func() error { return err }
	case <-time.After(grace):
		return func() error { return <-done }
	}
}

// increment adds one to the booking's Extensions and moves seat 0's
// deadline one second forward, reading both inside the transaction.
func increment(tx boxoffice.ShowTx, id boxoffice.BookingID) error {
	b, err := tx.Booking(id)
	if err != nil {
		return err
	}
	b.Extensions++
	b.HeldUntil = b.HeldUntil.Add(time.Second)
	tx.PutBooking(b)
	slot := tx.Seat(0)
	slot.HeldUntil = slot.HeldUntil.Add(time.Second)
	tx.SetSeat(0, slot)
	return nil
}

// testReadModifyWrite forces the interleaving that loses an update unless
// transactions on a show are serializable: the first reads the booking and
// seat 0, a second increments both and commits (or, on a correct Store,
// waits or makes the first run again), then the first writes what it read
// plus one. Both increments must count.
func testReadModifyWrite(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	b := booking("ann", "s1", at(9, 0), "A1")
	f.hold(t, b, 0)

	var wait func() error
	err := s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		read, err := tx.Booking(b.ID)
		if err != nil {
			return err
		}
		slot := tx.Seat(0)
		if wait == nil { // a Store may run fn again: start the other once
			wait = startAndWait(func() error {
				return s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error { return increment(tx, b.ID) })
			})
		}
		read.Extensions++
		read.HeldUntil = read.HeldUntil.Add(time.Second)
		tx.PutBooking(read)
		slot.HeldUntil = slot.HeldUntil.Add(time.Second)
		tx.SetSeat(0, slot)
		return nil
	})
	if err != nil {
		t.Errorf("first UpdateShow: %v", err)
	}
	if wait != nil {
		if err := wait(); err != nil {
			t.Errorf("second UpdateShow, started inside the first: %v", err)
		}
	}
	if t.Failed() {
		return
	}

	got, err := s.Booking(f.ctx, b.ID)
	must(t, err)
	if got.Extensions != 2 {
		t.Errorf("after two interleaved increments Extensions = %d, want 2: an update was lost", got.Extensions)
	}
	if want := b.HeldUntil.Add(2 * time.Second); !got.HeldUntil.Equal(want) {
		t.Errorf("booking HeldUntil = %v after two one-second moves from %v", got.HeldUntil, b.HeldUntil)
	}
	if slot := f.seats(t, "s1")[0]; !slot.HeldUntil.Equal(b.HeldUntil.Add(2 * time.Second)) {
		t.Errorf("seat deadline = %v after two one-second moves from %v", slot.HeldUntil, b.HeldUntil)
	}
}

// testShowsDoNotInterfere runs committing and failing transactions on
// several shows at once and checks each show saw only its own.
func testShowsDoNotInterfere(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	const shows = 4
	ids := make([]boxoffice.BookingID, shows)
	for k := range shows {
		id := fmt.Sprintf("s%d", k)
		f.addShow(t, show(id, hallA, movieX, at(10+3*k, 0)))
		b := booking("ann", id, at(9, k), "A1")
		f.hold(t, b, 0)
		ids[k] = b.ID
	}

	var wg sync.WaitGroup
	for w := range workers {
		k := w % shows
		showID := fmt.Sprintf("s%d", k)
		wg.Go(func() {
			for j := range txsPerWorker {
				err := s.UpdateShow(f.ctx, showID, func(tx boxoffice.ShowTx) error {
					if got := tx.Show().ID; got != showID {
						t.Errorf("transaction on %s sees show %s", showID, got)
					}
					if err := increment(tx, ids[k]); err != nil {
						return err
					}
					if j%2 == 1 {
						// Also take a seat, then fail: nothing of it stays.
						tx.SetSeat(1+w, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: ids[k]})
						return errAbort
					}
					return nil
				})
				if err != nil && err != errAbort { // the contract: returned unchanged
					t.Errorf("UpdateShow(%s): %v", showID, err)
					return
				}
			}
		})
	}
	testwait.WaitGroup(t, &wg, "the workers' UpdateShow calls")

	// Each show got its own committed half of the increments.
	const perShow = workers / shows * txsPerWorker / 2
	for k := range shows {
		showID := fmt.Sprintf("s%d", k)
		got, err := s.Booking(f.ctx, ids[k])
		must(t, err)
		if got.ShowID != showID || got.Extensions != perShow {
			t.Errorf("show %s: booking of show %s with %d increments, want %d", showID, got.ShowID, got.Extensions, perShow)
		}
		for i, slot := range f.seats(t, showID)[1:] {
			if d := diffSlot(boxoffice.SeatSlot{}, slot); d != "" {
				t.Errorf("show %s seat %d, only ever set by failed transactions: %s", showID, i+1, d)
			}
		}
	}
}

// testViewIsOneSnapshot reads seat 0 in a view, then lets an UpdateShow
// move seats 0 and 1 and the booking together (or, on a correct Store, wait
// for the view, or commit beside it), then reads seat 1 and the booking:
// all three must agree.
func testViewIsOneSnapshot(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	b := booking("ann", "s1", at(9, 0), "A1", "A2")
	f.hold(t, b, 0, 1)

	later := b.HeldUntil.Add(time.Minute)
	move := func(tx boxoffice.ShowTx) error {
		slot := boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: b.ID, HeldUntil: later}
		tx.SetSeat(0, slot)
		tx.SetSeat(1, slot)
		moved := b
		moved.HeldUntil = later
		tx.PutBooking(moved)
		return nil
	}
	var wait func() error
	err := s.ViewShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		s0 := tx.Seat(0)
		if wait == nil {
			wait = startAndWait(func() error { return s.UpdateShow(f.ctx, "s1", move) })
		}
		s1 := tx.Seat(1)
		bk, err := tx.Booking(b.ID)
		if err != nil {
			return err
		}
		if !s1.HeldUntil.Equal(s0.HeldUntil) || !bk.HeldUntil.Equal(s0.HeldUntil) {
			t.Errorf("view saw seat 0 held until %v, then seat 1 until %v and the booking until %v: not one snapshot",
				s0.HeldUntil, s1.HeldUntil, bk.HeldUntil)
		}
		return nil
	})
	if err != nil {
		t.Errorf("ViewShow: %v", err)
	}
	if wait != nil {
		if err := wait(); err != nil {
			t.Errorf("UpdateShow started inside a view: %v", err)
		}
	}
	// The update was not lost either.
	for i, slot := range f.seats(t, "s1")[:2] {
		if !slot.HeldUntil.Equal(later) {
			t.Errorf("seat %d held until %v after the update, want %v", i, slot.HeldUntil, later)
		}
	}
}

// testViewSeesNoUncommittedWrites starts a view from inside an UpdateShow
// that has written a seat and a booking and then fails: the view must see
// neither write (on a correct Store it waits for the update to end, or
// reads what was committed before it).
func testViewSeesNoUncommittedWrites(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	b := booking("ann", "s1", at(9, 0), "A1")
	f.hold(t, b, 0)
	held := boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: b.ID, HeldUntil: b.HeldUntil}

	view := func() error {
		return s.ViewShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
			if d := diffSlot(held, tx.Seat(0)); d != "" {
				t.Error("a view during a failing UpdateShow saw its seat:", d)
			}
			bk, err := tx.Booking(b.ID)
			if err != nil {
				return err
			}
			if d := DiffBooking(b, bk); d != "" {
				t.Error("a view during a failing UpdateShow saw its booking:", d)
			}
			return nil
		})
	}
	var wait func() error
	err := s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		tx.SetSeat(0, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: b.ID})
		confirmed := b
		confirmed.Status = boxoffice.StatusConfirmed
		tx.PutBooking(confirmed)
		if wait == nil {
			wait = startAndWait(view)
		}
		return errAbort
	})
	if err != errAbort { // the contract: returned unchanged
		t.Errorf("UpdateShow returned %v, want fn's error unchanged", err)
	}
	if wait != nil {
		if err := wait(); err != nil {
			t.Errorf("ViewShow started inside an UpdateShow: %v", err)
		}
	}
}
