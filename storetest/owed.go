package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

var unsettledTests = []subtest{
	{"Listed", testUnsettledListed},
	{"Limit", testUnsettledLimit},
	{"PaidLeavesList", testOwedRefundPaidLeavesList},
	{"SettledPaymentLeavesList", testSettledPaymentLeavesList},
}

// payingBefore is the cutoff the suite asks UnsettledBookings for: a
// booking paying since before it is abandoned.
var payingBefore = at(11, 30)

// unsettledFixture stores, across two shows, bookings in every way of
// owing money back and of not (or no longer) owing it, and bookings paying
// since before, at and after payingBefore, and returns those that are
// unsettled, as the Store should list them: the longest waiting (by
// UpdatedAt, all different) first. Each booking's RefundOwed is checked
// against the fixture, so the suite and the core agree on what is owed.
func unsettledFixture(t *testing.T, f *fixture) []boxoffice.BookingRef {
	t.Helper()
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	f.addShow(t, show("s2", hallB, movieX, at(18, 0)))
	paid := boxoffice.Payment{Method: "card", Amount: 24_00, Reference: "ch", Attempts: 1, PaidAt: at(9, 1)}
	paying := boxoffice.Payment{Method: "card"}
	cases := []struct {
		show      string
		status    boxoffice.BookingStatus
		payment   boxoffice.Payment
		refund    boxoffice.Refund
		updated   time.Time
		owes      boxoffice.Money
		unsettled bool
	}{
		// A cancellation's refund not paid yet.
		{"s1", boxoffice.StatusCancelled, paid, boxoffice.Refund{Amount: 12_00, Percent: 50, Reason: "cancelled"}, at(11, 0), 12_00, true},
		// A failed booking's charge (through after the hold was lost, or
		// of unknown outcome) not given back yet.
		{"s2", boxoffice.StatusFailed, boxoffice.Payment{Method: "card", Amount: 24_00, Attempts: 3,
			Failure: "timeout", FailureKind: boxoffice.FailureTimedOut}, boxoffice.Refund{}, at(11, 1), 24_00, true},
		{"s1", boxoffice.StatusFailed, boxoffice.Payment{Method: "card", Amount: 24_00, Reference: "ch", Attempts: 1,
			PaidAt: at(9, 1), Failure: "hold lost", FailureKind: boxoffice.FailureHoldLost}, boxoffice.Refund{}, at(11, 50), 24_00, true},
		// Payments abandoned: paying since before the cutoff.
		{"s2", boxoffice.StatusPaying, paying, boxoffice.Refund{}, at(9, 5), 0, true},
		{"s1", boxoffice.StatusPaying, paying, boxoffice.Refund{}, at(11, 29), 0, true},
		// Payments that may be live: paying since the cutoff, or after.
		{"s1", boxoffice.StatusPaying, paying, boxoffice.Refund{}, payingBefore, 0, false},
		{"s2", boxoffice.StatusPaying, paying, boxoffice.Refund{}, at(11, 31), 0, false},
		// Settled: refund paid, nothing to refund, void paid, never charged.
		{"s1", boxoffice.StatusCancelled, paid, boxoffice.Refund{Amount: 12_00, Percent: 50, Reference: "re", RefundedAt: at(10, 0), Reason: "cancelled"}, at(10, 0), 0, false},
		{"s2", boxoffice.StatusCancelled, paid, boxoffice.Refund{Percent: 0, RefundedAt: at(10, 0), Reason: "cancelled"}, at(10, 1), 0, false},
		{"s2", boxoffice.StatusFailed, boxoffice.Payment{Method: "card", Amount: 24_00, Attempts: 1, Failure: "hold lost", FailureKind: boxoffice.FailureHoldLost},
			boxoffice.Refund{Amount: 24_00, Percent: 100, Reference: "re", RefundedAt: at(10, 0)}, at(10, 2), 0, false},
		{"s1", boxoffice.StatusFailed, boxoffice.Payment{Method: "card", Attempts: 1, Failure: "declined", FailureKind: boxoffice.FailureDeclined}, boxoffice.Refund{}, at(10, 3), 0, false},
		// Never owing: paid and kept, or never paid.
		{"s1", boxoffice.StatusConfirmed, paid, boxoffice.Refund{}, at(10, 4), 0, false},
		{"s2", boxoffice.StatusCompleted, paid, boxoffice.Refund{}, at(10, 5), 0, false},
		{"s2", boxoffice.StatusHeld, boxoffice.Payment{}, boxoffice.Refund{}, at(9, 6), 0, false},
		{"s1", boxoffice.StatusExpired, boxoffice.Payment{}, boxoffice.Refund{}, at(9, 7), 0, false},
	}
	type listed struct {
		ref     boxoffice.BookingRef
		updated time.Time
	}
	var want []listed
	for i, c := range cases {
		b := booking("ann", c.show, at(9, i), "A1", "A2")
		b.Status, b.Payment, b.Refund = c.status, c.payment, c.refund
		if c.status != boxoffice.StatusHeld && c.status != boxoffice.StatusPaying {
			b.HeldUntil = time.Time{}
		}
		b.UpdatedAt = c.updated
		if got := b.RefundOwed(); got != c.owes {
			t.Fatalf("fixture booking %d (%s): RefundOwed() = %s, want %s", i, c.status, got, c.owes)
		}
		must(t, f.s.UpdateShow(f.ctx, c.show, func(tx boxoffice.ShowTx) error { tx.PutBooking(b); return nil }))
		if c.unsettled {
			want = append(want, listed{boxoffice.BookingRef{ShowID: c.show, Booking: b.ID}, c.updated})
		}
	}
	slices.SortFunc(want, func(a, b listed) int { return a.updated.Compare(b.updated) })
	refs := make([]boxoffice.BookingRef, len(want))
	for i, w := range want {
		refs[i] = w.ref
	}
	return refs
}

func testUnsettledListed(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	l := s.(boxoffice.UnsettledBookingLister)
	want := unsettledFixture(t, f)
	got, err := l.UnsettledBookings(f.ctx, payingBefore, 100)
	must(t, err)
	if len(got) != len(want) {
		t.Errorf("UnsettledBookings = %d bookings %+v, want %d", len(got), got, len(want))
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("UnsettledBookings misses booking %v of show %s", w.Booking, w.ShowID)
		}
	}
}

// testUnsettledLimit: the limit is per kind — up to limit bookings owing
// money back and up to limit abandoned payments, the longest waiting of
// each, listed in that order, each once — so that bookings owing money
// that stay listed (a refund the gateway keeps refusing) never hide the
// abandoned payments. The fixture's oldest bookings owing money are older
// than one of its abandoned payments, which a single limit would drop.
func testUnsettledLimit(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	l := s.(boxoffice.UnsettledBookingLister)
	all := unsettledFixture(t, f)
	var owing, paying []boxoffice.BookingRef // each in the fixture's order: the longest waiting first
	for _, r := range all {
		b, err := s.Booking(f.ctx, r.Booking)
		must(t, err)
		if b.Status == boxoffice.StatusPaying {
			paying = append(paying, r)
		} else {
			owing = append(owing, r)
		}
	}
	for limit := 0; limit <= len(all); limit++ {
		var want []boxoffice.BookingRef // all, less each kind's entries past the limit
		no, np := 0, 0
		for _, r := range all {
			switch {
			case slices.Contains(owing, r) && no < limit:
				no++
				want = append(want, r)
			case slices.Contains(paying, r) && np < limit:
				np++
				want = append(want, r)
			}
		}
		got, err := l.UnsettledBookings(f.ctx, payingBefore, limit)
		must(t, err)
		if !slices.Equal(got, want) {
			t.Errorf("UnsettledBookings with limit %d = %+v, want the %d longest waiting of each kind, in order: %+v", limit, got, limit, want)
		}
	}
}

// testOwedRefundPaidLeavesList records the refund of a listed booking as
// paid, the way the core does: the booking is no longer listed.
func testOwedRefundPaidLeavesList(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	l := s.(boxoffice.UnsettledBookingLister)
	want := unsettledFixture(t, f)
	var first boxoffice.BookingRef
	for _, w := range want {
		b, err := s.Booking(f.ctx, w.Booking)
		must(t, err)
		if b.Status == boxoffice.StatusCancelled {
			first = w
			break
		}
	}
	must(t, s.UpdateShow(f.ctx, first.ShowID, func(tx boxoffice.ShowTx) error {
		b, err := tx.Booking(first.Booking)
		if err != nil {
			return err
		}
		b.Refund.Reference, b.Refund.RefundedAt, b.UpdatedAt = "re_paid", at(12, 0), at(12, 0)
		tx.PutBooking(b)
		return nil
	}))
	got, err := l.UnsettledBookings(f.ctx, payingBefore, 100)
	must(t, err)
	if slices.Contains(got, first) {
		t.Errorf("UnsettledBookings still lists booking %v after its refund was recorded as paid", first.Booking)
	}
	if len(got) != len(want)-1 {
		t.Errorf("UnsettledBookings = %d bookings after one was paid, want %d", len(got), len(want)-1)
	}
}

// testSettledPaymentLeavesList confirms one abandoned payment and fails
// another, the way the core does: neither is listed any more (the failed
// one was declined: it owes nothing back).
func testSettledPaymentLeavesList(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	l := s.(boxoffice.UnsettledBookingLister)
	want := unsettledFixture(t, f)
	var settled []boxoffice.BookingRef
	for _, w := range want {
		b, err := s.Booking(f.ctx, w.Booking)
		must(t, err)
		if b.Status != boxoffice.StatusPaying {
			continue
		}
		if len(settled) == 0 {
			b.Status = boxoffice.StatusConfirmed
			b.Payment.Amount, b.Payment.Reference, b.Payment.PaidAt = b.Total, "ch_late", at(12, 0)
		} else {
			b.Status = boxoffice.StatusFailed
			b.Payment.Failure, b.Payment.FailureKind = "declined", boxoffice.FailureDeclined
		}
		b.HeldUntil, b.UpdatedAt = time.Time{}, at(12, 0)
		must(t, s.UpdateShow(f.ctx, w.ShowID, func(tx boxoffice.ShowTx) error { tx.PutBooking(b); return nil }))
		settled = append(settled, w)
	}
	if len(settled) != 2 {
		t.Fatalf("the fixture lists %d abandoned payments, want 2", len(settled))
	}
	got, err := l.UnsettledBookings(f.ctx, at(13, 0), 100)
	must(t, err)
	for _, r := range settled {
		if slices.Contains(got, r) {
			t.Errorf("UnsettledBookings still lists booking %v after its payment was settled", r.Booking)
		}
	}
	// With the later cutoff, the payments that were live before are
	// abandoned too.
	if n := len(want) - len(settled) + 2; len(got) != n {
		t.Errorf("UnsettledBookings(payingBefore 13:00) = %d bookings, want %d", len(got), n)
	}
}
