package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

var owedRefundTests = []subtest{
	{"Listed", testOwedRefundsListed},
	{"Limit", testOwedRefundsLimit},
	{"PaidLeavesList", testOwedRefundPaidLeavesList},
}

// owedFixture stores, across two shows, bookings in every way of owing
// money back and of not (or no longer) owing it, and returns those that
// owe, as the Store should list them. Each booking's RefundOwed is checked
// against the fixture, so the suite and the core agree on what is owed.
func owedFixture(t *testing.T, f *fixture) []boxoffice.BookingRef {
	t.Helper()
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	f.addShow(t, show("s2", hallB, movieX, at(18, 0)))
	paid := boxoffice.Payment{Method: "card", Amount: 24_00, Reference: "ch", Attempts: 1, PaidAt: at(9, 1)}
	cases := []struct {
		show    string
		status  boxoffice.BookingStatus
		payment boxoffice.Payment
		refund  boxoffice.Refund
		owes    boxoffice.Money
	}{
		// A cancellation's refund not paid yet.
		{"s1", boxoffice.StatusCancelled, paid, boxoffice.Refund{Amount: 12_00, Percent: 50, Reason: "cancelled"}, 12_00},
		// A failed booking's charge (through after the hold was lost, or
		// of unknown outcome) not given back yet.
		{"s2", boxoffice.StatusFailed, boxoffice.Payment{Method: "card", Amount: 24_00, Attempts: 3,
			Failure: "timeout", FailureKind: boxoffice.FailureTimedOut}, boxoffice.Refund{}, 24_00},
		{"s1", boxoffice.StatusFailed, boxoffice.Payment{Method: "card", Amount: 24_00, Reference: "ch", Attempts: 1,
			PaidAt: at(9, 1), Failure: "hold lost", FailureKind: boxoffice.FailureHoldLost}, boxoffice.Refund{}, 24_00},
		// Settled: refund paid, nothing to refund, void paid, never charged.
		{"s1", boxoffice.StatusCancelled, paid, boxoffice.Refund{Amount: 12_00, Percent: 50, Reference: "re", RefundedAt: at(10, 0), Reason: "cancelled"}, 0},
		{"s2", boxoffice.StatusCancelled, paid, boxoffice.Refund{Percent: 0, RefundedAt: at(10, 0), Reason: "cancelled"}, 0},
		{"s2", boxoffice.StatusFailed, boxoffice.Payment{Method: "card", Amount: 24_00, Attempts: 1, Failure: "hold lost", FailureKind: boxoffice.FailureHoldLost},
			boxoffice.Refund{Amount: 24_00, Percent: 100, Reference: "re", RefundedAt: at(10, 0)}, 0},
		{"s1", boxoffice.StatusFailed, boxoffice.Payment{Method: "card", Attempts: 1, Failure: "declined", FailureKind: boxoffice.FailureDeclined}, boxoffice.Refund{}, 0},
		// Never owing: paid and kept, or never paid.
		{"s1", boxoffice.StatusConfirmed, paid, boxoffice.Refund{}, 0},
		{"s2", boxoffice.StatusCompleted, paid, boxoffice.Refund{}, 0},
		{"s2", boxoffice.StatusHeld, boxoffice.Payment{}, boxoffice.Refund{}, 0},
		{"s1", boxoffice.StatusPaying, boxoffice.Payment{Method: "card"}, boxoffice.Refund{}, 0},
	}
	var want []boxoffice.BookingRef
	for i, c := range cases {
		b := booking("ann", c.show, at(9, i), "A1", "A2")
		b.Status, b.Payment, b.Refund = c.status, c.payment, c.refund
		if c.status != boxoffice.StatusHeld && c.status != boxoffice.StatusPaying {
			b.HeldUntil = time.Time{}
		}
		b.UpdatedAt = at(11, i)
		if got := b.RefundOwed(); got != c.owes {
			t.Fatalf("fixture booking %d (%s): RefundOwed() = %s, want %s", i, c.status, got, c.owes)
		}
		must(t, f.s.UpdateShow(f.ctx, c.show, func(tx boxoffice.ShowTx) error { tx.PutBooking(b); return nil }))
		if c.owes > 0 {
			want = append(want, boxoffice.BookingRef{ShowID: c.show, Booking: b.ID})
		}
	}
	return want
}

func testOwedRefundsListed(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	l := s.(boxoffice.OwedRefundLister)
	want := owedFixture(t, f)
	got, err := l.OwedRefunds(f.ctx, 100)
	must(t, err)
	if len(got) != len(want) {
		t.Errorf("OwedRefunds = %d bookings %+v, want %d", len(got), got, len(want))
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("OwedRefunds misses booking %v of show %s", w.Booking, w.ShowID)
		}
	}
}

func testOwedRefundsLimit(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	l := s.(boxoffice.OwedRefundLister)
	want := owedFixture(t, f)
	for limit := 0; limit <= len(want); limit++ {
		got, err := l.OwedRefunds(f.ctx, limit)
		must(t, err)
		if len(got) != limit {
			t.Errorf("OwedRefunds with limit %d = %d bookings", limit, len(got))
		}
		seen := map[boxoffice.BookingID]bool{}
		for _, r := range got {
			if seen[r.Booking] {
				t.Errorf("limit %d: booking %v listed twice", limit, r.Booking)
			}
			seen[r.Booking] = true
			if !slices.Contains(want, r) {
				t.Errorf("limit %d: listed %+v, which owes nothing", limit, r)
			}
		}
	}
}

// testOwedRefundPaidLeavesList records the refund of a listed booking as
// paid, the way the core does: the booking is no longer listed.
func testOwedRefundPaidLeavesList(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	l := s.(boxoffice.OwedRefundLister)
	want := owedFixture(t, f)
	first := want[0]
	must(t, s.UpdateShow(f.ctx, first.ShowID, func(tx boxoffice.ShowTx) error {
		b, err := tx.Booking(first.Booking)
		if err != nil {
			return err
		}
		b.Refund.Reference, b.Refund.RefundedAt, b.UpdatedAt = "re_paid", at(12, 0), at(12, 0)
		tx.PutBooking(b)
		return nil
	}))
	got, err := l.OwedRefunds(f.ctx, 100)
	must(t, err)
	if slices.Contains(got, first) {
		t.Errorf("OwedRefunds still lists booking %v after its refund was recorded as paid", first.Booking)
	}
	if len(got) != len(want)-1 {
		t.Errorf("OwedRefunds = %d bookings after one was paid, want %d", len(got), len(want)-1)
	}
}
