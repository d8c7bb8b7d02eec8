package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

var concurrencyTests = []subtest{
	{"ReadModifyWriteIsSerializable", testReadModifyWrite},
	{"ShowsDoNotInterfere", testShowsDoNotInterfere},
	{"ViewSeesWholeTransactions", testViewSeesWholeTransactions},
}

const (
	workers      = 32
	txsPerWorker = 20
)

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

func testReadModifyWrite(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	b := booking("ann", "s1", at(9, 0), "A1")
	f.hold(t, b, 0)

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range txsPerWorker {
				if err := s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error { return increment(tx, b.ID) }); err != nil {
					t.Errorf("UpdateShow: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()

	const total = workers * txsPerWorker
	got, err := s.Booking(f.ctx, b.ID)
	must(t, err)
	if got.Extensions != total {
		t.Errorf("after %d increments Extensions = %d: transactions were lost", total, got.Extensions)
	}
	if want := b.HeldUntil.Add(total * time.Second); !got.HeldUntil.Equal(want) {
		t.Errorf("booking HeldUntil = %v, want %v", got.HeldUntil, want)
	}
	if slot := f.seats(t, "s1")[0]; !slot.HeldUntil.Equal(b.HeldUntil.Add(total * time.Second)) {
		t.Errorf("seat deadline = %v after %d one-second moves from %v", slot.HeldUntil, total, b.HeldUntil)
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
	wg.Wait()

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

// testViewSeesWholeTransactions runs readers against a writer whose every
// transaction changes two seats and a booking together (and every third of
// which fails halfway): a view must see all three agree.
func testViewSeesWholeTransactions(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	b := booking("ann", "s1", at(9, 0), "A1", "A2")
	f.hold(t, b, 0, 1)

	const writes = 300
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for k := 1; k <= writes; k++ {
			err := s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
				until := b.HeldUntil.Add(time.Duration(k) * time.Second)
				slot := boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: b.ID, HeldUntil: until}
				tx.SetSeat(0, slot)
				if k%3 == 0 {
					return errAbort
				}
				tx.SetSeat(1, slot)
				nb := b
				nb.Extensions = k
				nb.HeldUntil = until
				tx.PutBooking(nb)
				return nil
			})
			if err != nil && err != errAbort { // the contract: returned unchanged
				t.Errorf("UpdateShow: %v", err)
				return
			}
		}
	})
	for range 4 {
		wg.Go(func() {
			// Read at least once, then until the writer is done.
			for {
				err := s.ViewShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
					s0, s1 := tx.Seat(0), tx.Seat(1)
					bk, err := tx.Booking(b.ID)
					if err != nil {
						return err
					}
					if !s0.HeldUntil.Equal(s1.HeldUntil) || !s0.HeldUntil.Equal(bk.HeldUntil) ||
						!bk.HeldUntil.Equal(b.HeldUntil.Add(time.Duration(bk.Extensions)*time.Second)) {
						t.Errorf("view saw a partial transaction: seat 0 until %v, seat 1 until %v, booking until %v after %d writes",
							s0.HeldUntil, s1.HeldUntil, bk.HeldUntil, bk.Extensions)
					}
					return nil
				})
				if err != nil {
					t.Errorf("ViewShow: %v", err)
					return
				}
				select {
				case <-done:
					return
				default:
				}
			}
		})
	}
	wg.Wait()

	got, err := s.Booking(f.ctx, b.ID)
	must(t, err)
	if want := writes - 1; got.Extensions != want { // 300 is a multiple of 3: the last write failed
		t.Errorf("after the writer finished Extensions = %d, want %d", got.Extensions, want)
	}
}
