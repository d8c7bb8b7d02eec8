package storetest

import (
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// cancelTests check a show's cancelled state (ShowTx.ShowCancelled and
// CancelShow), which the BookingSystem reads inside every hold: it is
// transactional like a seat.
var cancelTests = []subtest{
	{"Persisted", testCancelPersisted},
	{"WithSeatsAndBookings", testCancelWithWrites},
	{"RollbackOnError", testCancelRollbackOnError},
	{"RollbackOnPanic", testCancelRollbackOnPanic},
	{"NotInView", testCancelNotInView},
}

// cancelled reads the show's cancelled state in a view and in a
// transaction (which may take another path: a cache, a lock).
func (f *fixture) cancelled(t *testing.T, showID string) (inView, inUpdate bool) {
	t.Helper()
	must(t, f.s.ViewShow(f.ctx, showID, func(tx boxoffice.ShowTx) error {
		inView = tx.ShowCancelled()
		return nil
	}))
	must(t, f.s.UpdateShow(f.ctx, showID, func(tx boxoffice.ShowTx) error {
		inUpdate = tx.ShowCancelled()
		return nil
	}))
	return inView, inUpdate
}

// wantCancelled checks the cancelled state of each show, read both ways.
func (f *fixture) wantCancelled(t *testing.T, when string, want map[string]bool) {
	t.Helper()
	for showID, w := range want {
		if v, u := f.cancelled(t, showID); v != w || u != w {
			t.Errorf("show %s %s: ShowCancelled %v in ViewShow, %v in UpdateShow; want %v", showID, when, v, u, w)
		}
	}
}

// testCancelPersisted: a transaction that only cancels the show commits
// it; later transactions and views see it, and so does a transaction
// that writes seats afterwards (it must not write the flag back); the
// other show is not cancelled.
func testCancelPersisted(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	f.addShow(t, show("s2", hallB, movieX, at(18, 0)))
	f.wantCancelled(t, "when added", map[string]bool{"s1": false, "s2": false})

	must(t, s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		if tx.ShowCancelled() {
			t.Error("ShowCancelled before CancelShow: true")
		}
		tx.CancelShow()
		if !tx.ShowCancelled() {
			t.Error("ShowCancelled after CancelShow in the same transaction: false")
		}
		tx.CancelShow() // twice is once
		return nil
	}))
	f.wantCancelled(t, "after the commit of CancelShow", map[string]bool{"s1": true, "s2": false})

	// Transactions writing seats and bookings afterwards keep it.
	b := booking("ann", "s1", at(9, 0), "A1")
	f.hold(t, b, 0)
	f.hold(t, booking("bob", "s2", at(9, 0), "A1"), 0)
	f.wantCancelled(t, "after later writes", map[string]bool{"s1": true, "s2": false})
	if slot := f.seats(t, "s1")[0]; slot.Booking != b.ID {
		t.Errorf("seat 0 of the cancelled show after a later write: %+v; want it held by %v", slot, b.ID)
	}
}

// testCancelWithWrites: a transaction that cancels the show and writes
// seats and bookings commits all of it.
func testCancelWithWrites(t *testing.T, s boxoffice.Store) {
	f, kept, added, _ := traceFixture(t, s)
	must(t, s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		writeTrace(tx, kept, added)
		tx.CancelShow()
		return nil
	}))
	f.wantCancelled(t, "after a commit that cancelled it with other writes", map[string]bool{"s1": true})
	if _, err := s.Booking(f.ctx, added.ID); err != nil {
		t.Errorf("the booking put with CancelShow: %v", err)
	}
	if slot := f.seats(t, "s1")[5]; slot.Booking != added.ID {
		t.Errorf("the seat set with CancelShow: %+v; want it held by %v", slot, added.ID)
	}
}

// testCancelRollbackOnError: CancelShow in a transaction whose fn fails
// leaves the show as it was, like every other write of the transaction.
func testCancelRollbackOnError(t *testing.T, s boxoffice.Store) {
	f, kept, lost, before := traceFixture(t, s)
	err := s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		tx.CancelShow()
		writeTrace(tx, kept, lost)
		return errAbort
	})
	if err != errAbort {
		t.Errorf("UpdateShow returned %v, want fn's error unchanged", err)
	}
	f.wantCancelled(t, "after a rolled back CancelShow", map[string]bool{"s1": false})
	f.wantUnchanged(t, "after a rolled back CancelShow", "s1", before, kept, lost)

	// An empty transaction after the failed one must not commit it.
	must(t, s.UpdateShow(f.ctx, "s1", func(boxoffice.ShowTx) error { return nil }))
	f.wantCancelled(t, "after a transaction following the rolled back CancelShow", map[string]bool{"s1": false})
}

// testCancelRollbackOnPanic: likewise when fn panics.
func testCancelRollbackOnPanic(t *testing.T, s boxoffice.Store) {
	f, kept, lost, before := traceFixture(t, s)
	func() {
		defer func() { _ = recover() }()
		_ = s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
			tx.CancelShow()
			writeTrace(tx, kept, lost)
			panic(errPanic)
		})
	}()
	f.wantCancelled(t, "after CancelShow in a transaction that panicked", map[string]bool{"s1": false})
	f.wantUnchanged(t, "after CancelShow in a transaction that panicked", "s1", before, kept, lost)
}

// testCancelNotInView: CancelShow inside ViewShow, a programming error the
// Store may report, must not persist, even when fn returns nil.
func testCancelNotInView(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	_ = s.ViewShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		tx.CancelShow()
		return nil
	})
	f.wantCancelled(t, "after CancelShow inside ViewShow", map[string]bool{"s1": false})
}
