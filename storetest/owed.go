package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

var unsettledTests = []subtest{
	{"Listed", testUnsettledListed},
	{"OwingPages", testOwingPages},
	{"OwingPagesTies", testOwingPagesTies},
	{"AbandonedLimit", testAbandonedLimit},
	{"PaidLeavesList", testOwedRefundPaidLeavesList},
	{"SettledPaymentLeavesList", testSettledPaymentLeavesList},
}

// payingNow and payingBefore are the instant and the cutoff the suite asks
// AbandonedPayments for: a payment whose Payment.LiveUntil is before
// payingNow is abandoned, and so is one without a LiveUntil (stored by a
// version that did not record it) paying since before payingBefore.
var payingNow, payingBefore = at(11, 40), at(11, 30)

// unsettledFixture stores, across two shows, bookings in every way of
// owing money back and of not (or no longer) owing it, and bookings paying
// since before, at and after payingBefore, without LiveUntil and with one
// before, at and after payingNow (whatever their UpdatedAt: the stored
// bound is the one that counts), and returns those that are
// unsettled, both kinds together, the longest waiting (by UpdatedAt, all
// different) first. Each booking's RefundOwed is checked
// against the fixture, so the suite and the core agree on what is owed.
func unsettledFixture(t *testing.T, f *fixture) []boxoffice.BookingRef {
	t.Helper()
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	f.addShow(t, show("s2", hallB, movieX, at(18, 0)))
	paid := boxoffice.Payment{Method: "card", Amount: 24_00, Reference: "ch", Attempts: 1, PaidAt: at(9, 1)}
	paying := boxoffice.Payment{Method: "card"}
	payingUntil := func(t time.Time) boxoffice.Payment { return boxoffice.Payment{Method: "card", LiveUntil: t} }
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
		// Payments abandoned: without LiveUntil, paying since before the
		// cutoff; with one, past it, however recent the payment (its
		// process allowed it less than the cutoff does).
		{"s2", boxoffice.StatusPaying, paying, boxoffice.Refund{}, at(9, 5), 0, true},
		{"s1", boxoffice.StatusPaying, paying, boxoffice.Refund{}, at(11, 29), 0, true},
		{"s2", boxoffice.StatusPaying, payingUntil(at(11, 39)), boxoffice.Refund{}, at(9, 8), 0, true},
		{"s1", boxoffice.StatusPaying, payingUntil(payingNow.Add(-time.Microsecond)), boxoffice.Refund{}, at(11, 35), 0, true},
		// Payments that may be live: without LiveUntil, paying since the
		// cutoff, or after; with one, not past it, however long the
		// payment has been paying (its process allowed it more).
		{"s1", boxoffice.StatusPaying, paying, boxoffice.Refund{}, payingBefore, 0, false},
		{"s2", boxoffice.StatusPaying, paying, boxoffice.Refund{}, at(11, 31), 0, false},
		{"s1", boxoffice.StatusPaying, payingUntil(payingNow), boxoffice.Refund{}, at(9, 9), 0, false},
		{"s2", boxoffice.StatusPaying, payingUntil(at(23, 0)), boxoffice.Refund{}, at(9, 10), 0, false},
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
			want = append(want, listed{boxoffice.BookingRef{ShowID: c.show, Booking: b.ID, UpdatedAt: c.updated}, c.updated})
		}
	}
	slices.SortFunc(want, func(a, b listed) int { return a.updated.Compare(b.updated) })
	refs := make([]boxoffice.BookingRef, len(want))
	for i, w := range want {
		refs[i] = w.ref
	}
	return refs
}

// splitUnsettled splits the fixture's unsettled bookings into those
// owing money and the abandoned payments, keeping their order.
func splitUnsettled(t *testing.T, f *fixture, all []boxoffice.BookingRef) (owing, paying []boxoffice.BookingRef) {
	t.Helper()
	for _, r := range all {
		b, err := f.s.Booking(f.ctx, r.Booking)
		must(t, err)
		if b.Status == boxoffice.StatusPaying {
			paying = append(paying, r)
		} else {
			owing = append(owing, r)
		}
	}
	return owing, paying
}

// unsettled lists both kinds, every one of each (up to 100).
func unsettled(t *testing.T, f *fixture, now, payingBefore time.Time) (owing, paying []boxoffice.BookingRef) {
	t.Helper()
	l := capability[boxoffice.UnsettledBookingLister](f.s)
	owing, err := l.OwingBookings(f.ctx, boxoffice.BookingCursor{}, 100)
	must(t, err)
	paying, err = l.AbandonedPayments(f.ctx, now, payingBefore, 100)
	must(t, err)
	return owing, paying
}

// sameRefs reports whether two lists name the same bookings of the same
// shows, updated at the same instants, in the same order.
func sameRefs(a, b []boxoffice.BookingRef) bool {
	return slices.EqualFunc(a, b, func(x, y boxoffice.BookingRef) bool {
		return x.ShowID == y.ShowID && x.Booking == y.Booking && x.UpdatedAt.Equal(y.UpdatedAt)
	})
}

// testUnsettledListed: each kind lists exactly its bookings, the longest
// waiting first, each with its UpdatedAt.
func testUnsettledListed(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	wantOwing, wantPaying := splitUnsettled(t, f, unsettledFixture(t, f))
	owing, paying := unsettled(t, f, payingNow, payingBefore)
	if !sameRefs(owing, wantOwing) {
		t.Errorf("OwingBookings = %+v, want, the longest waiting first: %+v", owing, wantOwing)
	}
	if !sameRefs(paying, wantPaying) {
		t.Errorf("AbandonedPayments(now %s, payingBefore %s) = %+v, want, the longest paying first: %+v", payingNow, payingBefore, paying, wantPaying)
	}
}

// pageOwing pages through OwingBookings from the zero cursor, limit at a
// time, as the sweeper does, until a page shorter than limit.
func pageOwing(t *testing.T, f *fixture, limit, most int) []boxoffice.BookingRef {
	t.Helper()
	l := capability[boxoffice.UnsettledBookingLister](f.s)
	var all []boxoffice.BookingRef
	var after boxoffice.BookingCursor
	for range most/limit + 2 {
		page, err := l.OwingBookings(f.ctx, after, limit)
		must(t, err)
		if len(page) > limit {
			t.Fatalf("OwingBookings(limit %d) returned %d bookings", limit, len(page))
		}
		all = append(all, page...)
		if len(page) < limit {
			return all
		}
		last := page[len(page)-1]
		after = boxoffice.BookingCursor{At: last.UpdatedAt, ID: last.Booking}
	}
	t.Fatalf("paging through OwingBookings %d at a time never ended; read %+v", limit, all)
	return nil
}

// testOwingPages: paging through the bookings owing money, whatever the
// page size, reads each once, in order. Without the cursor, refunds the
// gateway keeps refusing (their UpdatedAt never moves) would fill every
// first page and hide the bookings owing money after them.
func testOwingPages(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	want, _ := splitUnsettled(t, f, unsettledFixture(t, f))
	for limit := 1; limit <= len(want)+1; limit++ {
		if got := pageOwing(t, f, limit, len(want)); !sameRefs(got, want) {
			t.Errorf("paging through OwingBookings %d at a time read %+v, want %+v", limit, got, want)
		}
	}
}

// testOwingPagesTies: bookings owing money that changed at the same
// instant are ordered by ID, and the cursor goes past exactly those it
// names, so that paging neither repeats nor skips any of them.
func testOwingPagesTies(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	paid := boxoffice.Payment{Method: "card", Amount: 24_00, Reference: "ch", Attempts: 1, PaidAt: at(9, 1)}
	var want []boxoffice.BookingRef
	for i := range 5 {
		b := booking("ann", "s1", at(9, i), "A1", "A2")
		b.Status, b.Payment, b.HeldUntil, b.UpdatedAt = boxoffice.StatusCancelled, paid, time.Time{}, at(11, 0)
		b.Refund = boxoffice.Refund{Amount: 24_00, Percent: 100, Reason: "cancelled"}
		must(t, s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error { tx.PutBooking(b); return nil }))
		want = append(want, boxoffice.BookingRef{ShowID: "s1", Booking: b.ID, UpdatedAt: b.UpdatedAt})
	}
	slices.SortFunc(want, func(a, b boxoffice.BookingRef) int { return bytes.Compare(a.Booking[:], b.Booking[:]) })
	for limit := 1; limit <= 3; limit++ {
		if got := pageOwing(t, f, limit, len(want)); !sameRefs(got, want) {
			t.Errorf("paging %d at a time through bookings owing money that changed at one instant read %+v, want, by ID: %+v", limit, got, want)
		}
	}
}

// testAbandonedLimit: up to limit abandoned payments, the longest paying
// first.
func testAbandonedLimit(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	_, paying := splitUnsettled(t, f, unsettledFixture(t, f))
	l := capability[boxoffice.UnsettledBookingLister](s)
	for limit := 0; limit <= len(paying)+1; limit++ {
		got, err := l.AbandonedPayments(f.ctx, payingNow, payingBefore, limit)
		must(t, err)
		if want := paying[:min(limit, len(paying))]; !sameRefs(got, want) {
			t.Errorf("AbandonedPayments with limit %d = %+v, want the %d longest paying, in order: %+v", limit, got, limit, want)
		}
	}
}

// testOwedRefundPaidLeavesList records the refund of a listed booking as
// paid, the way the core does: the booking is no longer listed.
func testOwedRefundPaidLeavesList(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
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
	owing, paying := unsettled(t, f, payingNow, payingBefore)
	got := append(owing, paying...)
	if slices.ContainsFunc(got, func(r boxoffice.BookingRef) bool { return r.Booking == first.Booking }) {
		t.Errorf("OwingBookings still lists booking %v after its refund was recorded as paid", first.Booking)
	}
	if len(got) != len(want)-1 {
		t.Errorf("OwingBookings and AbandonedPayments list %d bookings after one was paid, want %d", len(got), len(want)-1)
	}
}

// testSettledPaymentLeavesList confirms one abandoned payment and fails
// the others, the way the core does: none is listed any more (the failed
// ones were declined: they owe nothing back).
func testSettledPaymentLeavesList(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
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
	if len(settled) != 4 {
		t.Fatalf("the fixture lists %d abandoned payments, want 4", len(settled))
	}
	owing, paying := unsettled(t, f, at(23, 30), at(13, 0))
	got := append(owing, paying...)
	for _, r := range settled {
		if slices.ContainsFunc(got, func(g boxoffice.BookingRef) bool { return g.Booking == r.Booking }) {
			t.Errorf("AbandonedPayments still lists booking %v after its payment was settled", r.Booking)
		}
	}
	// Later, the four payments that were live before are abandoned too.
	if n := len(want) - len(settled) + 4; len(got) != n {
		t.Errorf("OwingBookings and AbandonedPayments(now 23:30, payingBefore 13:00) list %d bookings, want %d", len(got), n)
	}
}
