package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

var bookingTests = []subtest{
	{"BookingsOfUserOrder", testBookingsOfUserOrder},
	{"BookingAcrossShows", testBookingAcrossShows},
	{"FailedPaymentRoundTrip", testFailedPaymentRoundTrip},
	{"RefundOwedThenPaid", testRefundOwedThenPaid},
}

// testRefundOwedThenPaid stores a cancelled booking whose refund is owed
// (no reference, zero RefundedAt: CancelBooking pays it later, and relies
// on reading the zero time back), then the same refund paid.
func testRefundOwedThenPaid(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	b := booking("ann", "s1", at(9, 0), "A1", "A2")
	b.Status = boxoffice.StatusCancelled
	b.HeldUntil = time.Time{}
	b.Payment = boxoffice.Payment{Method: "card", Amount: b.Total, Reference: "ch_1", Attempts: 1, PaidAt: at(9, 1)}
	b.Refund = boxoffice.Refund{Amount: b.Total / 2, Percent: 50, Reason: "cancelled"}
	b.UpdatedAt = at(15, 0)
	check := func(when string) {
		t.Helper()
		got, err := s.Booking(f.ctx, b.ID)
		must(t, err)
		if d := DiffBooking(b, got); d != "" {
			t.Errorf("Booking, %s: %s", when, d)
		}
		if got.Refund.Pending() != b.Refund.Pending() {
			t.Errorf("Booking, %s: Refund.Pending() = %v, want %v", when, got.Refund.Pending(), b.Refund.Pending())
		}
		mine, err := s.BookingsOfUser(f.ctx, "ann")
		must(t, err)
		if len(mine) != 1 {
			t.Fatalf("BookingsOfUser(ann), %s = %v, want one booking", when, bookingIDs(mine))
		}
		if d := DiffBooking(b, mine[0]); d != "" {
			t.Errorf("BookingsOfUser, %s: %s", when, d)
		}
		must(t, s.ViewShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
			got, err := tx.Booking(b.ID)
			must(t, err)
			if d := DiffBooking(b, got); d != "" {
				t.Errorf("ShowTx.Booking, %s: %s", when, d)
			}
			return nil
		}))
	}
	put := func() {
		must(t, s.UpdateShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
			tx.PutBooking(b)
			return nil
		}))
	}
	put()
	check("refund owed")
	b.Refund.Reference, b.Refund.RefundedAt = "re_1", at(15, 1)
	b.UpdatedAt = at(15, 1)
	put()
	check("refund paid")
}

func testBookingsOfUserOrder(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	f.addShow(t, show("s2", hallB, movieY, at(18, 0)))
	// Committed out of CreatedAt order, across two shows, with a tie.
	ann := []boxoffice.Booking{
		booking("ann", "s1", at(9, 3), "A1"),
		booking("ann", "s2", at(9, 1), "A1"),
		booking("ann", "s1", at(9, 2), "A2"),
		booking("ann", "s2", at(9, 1), "A2"),
		booking("ann", "s1", at(8, 0), "A3"),
	}
	for i, b := range ann {
		if i == 1 {
			f.hold(t, booking("bob", "s1", at(7, 0), "A9"), 8)
		}
		f.hold(t, b, 0)
	}

	got, err := s.BookingsOfUser(f.ctx, "ann")
	must(t, err)
	if len(got) != len(ann) {
		t.Fatalf("BookingsOfUser(ann) = %d bookings, want %d", len(got), len(ann))
	}
	for i := 1; i < len(got); i++ {
		if got[i].CreatedAt.Before(got[i-1].CreatedAt) {
			t.Errorf("BookingsOfUser not ordered by CreatedAt: %v before %v", got[i-1].CreatedAt, got[i].CreatedAt)
		}
	}
	byID := map[boxoffice.BookingID]boxoffice.Booking{}
	for _, b := range ann {
		byID[b.ID] = b
	}
	for _, b := range got {
		want, ok := byID[b.ID]
		if !ok {
			t.Errorf("BookingsOfUser(ann) returned booking %v of user %q", b.ID, b.UserID)
			continue
		}
		delete(byID, b.ID)
		if d := DiffBooking(want, b); d != "" {
			t.Error("BookingsOfUser:", d)
		}
	}

	none, err := s.BookingsOfUser(f.ctx, "nobody")
	must(t, err)
	if len(none) != 0 {
		t.Errorf("BookingsOfUser of a user without bookings = %v", bookingIDs(none))
	}
}

func testBookingAcrossShows(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	var all []boxoffice.Booking
	for k, id := range []string{"s1", "s2", "s3"} {
		f.addShow(t, show(id, hallA, movieX, at(10+3*k, 0)))
		b := booking("ann", id, at(9, k), "A1")
		f.hold(t, b, 0)
		all = append(all, b)
	}
	for _, b := range all {
		got, err := s.Booking(f.ctx, b.ID)
		must(t, err)
		if d := DiffBooking(b, got); d != "" {
			t.Error("Booking:", d)
		}
		// The booking is in its own show only.
		for _, other := range all {
			if other.ShowID == b.ShowID {
				continue
			}
			must(t, s.ViewShow(f.ctx, other.ShowID, func(tx boxoffice.ShowTx) error {
				if _, err := tx.Booking(b.ID); err == nil {
					t.Errorf("booking of show %s found in show %s", b.ShowID, other.ShowID)
				}
				return nil
			}))
		}
	}
}

var contextTests = []subtest{
	{"Cancelled", testCancelled},
}

// testCancelled calls every method with a cancelled context: each returns
// an error and changes nothing.
func testCancelled(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	b := booking("ann", "s1", at(9, 0), "A1")
	f.hold(t, b, 0)
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()

	window := boxoffice.Interval{Start: at(0, 0), End: at(23, 0)}
	nop := func(boxoffice.ShowTx) error { return nil }
	late := show("late", hallB, movieX, at(9, 0))
	newBooking := booking("ann", "s1", at(9, 5), "A2")
	calls := []struct {
		name string
		call func() error
	}{
		{"AddMovie", func() error { return s.AddMovie(ctx, boxoffice.Movie{ID: "new", Duration: time.Hour}) }},
		{"Movie", func() error { _, err := s.Movie(ctx, movieX); return err }},
		{"AddTheater", func() error { return s.AddTheater(ctx, boxoffice.Theater{ID: "new"}) }},
		{"Theater", func() error { _, err := s.Theater(ctx, theaterID); return err }},
		{"AddHall", func() error { return s.AddHall(ctx, boxoffice.Hall{ID: "new", TheaterID: theaterID, Layout: f.layout}) }},
		{"Hall", func() error { _, err := s.Hall(ctx, hallA); return err }},
		{"HallsOfTheater", func() error { _, err := s.HallsOfTheater(ctx, theaterID); return err }},
		{"AddShow", func() error {
			return s.AddShow(ctx, late, f.layout, boxoffice.Interval{Start: late.Start, End: late.End}, func([]boxoffice.Show) error { return nil })
		}},
		{"Show", func() error { _, err := s.Show(ctx, "s1"); return err }},
		{"ShowsOfMovie", func() error { _, err := s.ShowsOfMovie(ctx, movieX); return err }},
		{"ShowsOfHall", func() error { _, err := s.ShowsOfHall(ctx, hallA, window); return err }},
		{"UpdateShow", func() error {
			return s.UpdateShow(ctx, "s1", func(tx boxoffice.ShowTx) error {
				tx.SetSeat(1, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: newBooking.ID})
				tx.PutBooking(newBooking)
				return nil
			})
		}},
		{"ViewShow", func() error { return s.ViewShow(ctx, "s1", nop) }},
		{"Booking", func() error { _, err := s.Booking(ctx, b.ID); return err }},
		{"BookingsOfUser", func() error { _, err := s.BookingsOfUser(ctx, "ann"); return err }},
		{"Movies", func() error { return firstErr(s.Movies(ctx)) }},
		{"Theaters", func() error { return firstErr(s.Theaters(ctx)) }},
	}
	if l, ok := s.(boxoffice.ExpiredHoldLister); ok {
		calls = append(calls, struct {
			name string
			call func() error
		}{"ExpiredHolds", func() error { _, err := l.ExpiredHolds(ctx, at(23, 0), 10); return err }})
	}
	if l, ok := s.(boxoffice.UnsettledBookingLister); ok {
		calls = append(calls, struct {
			name string
			call func() error
		}{"UnsettledBookings", func() error { _, err := l.UnsettledBookings(ctx, at(23, 0), 10); return err }})
	}
	for _, c := range calls {
		if err := c.call(); err == nil {
			t.Errorf("%s with a cancelled context returned no error", c.name)
		}
	}

	// Nothing was written.
	for what, err := range map[string]error{
		"movie":   second(s.Movie(f.ctx, "new")),
		"theater": second(s.Theater(f.ctx, "new")),
		"hall":    second(s.Hall(f.ctx, "new")),
		"show":    second(s.Show(f.ctx, "late")),
		"booking": second(s.Booking(f.ctx, newBooking.ID)),
	} {
		wantErr(t, what+" written with a cancelled context", err, boxoffice.ErrNotFound)
	}
	if slot := f.seats(t, "s1")[1]; slot.Status != boxoffice.SeatAvailable {
		t.Errorf("seat written with a cancelled context: %v", slot.Status)
	}
}

// firstErr returns the first error an iteration yields, or nil.
func firstErr[V any](seq func(yield func(V, error) bool)) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

func second[V any](_ V, err error) error { return err }

var expiredHoldTests = []subtest{
	{"Listed", testExpiredHoldsListed},
	{"Limit", testExpiredHoldsLimit},
}

// expiredFixture stores, across two shows, three expired holds and four
// bookings that must not be listed; it returns the expired ones.
func expiredFixture(t *testing.T, f *fixture, now time.Time) []boxoffice.HoldRef {
	t.Helper()
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	f.addShow(t, show("s2", hallB, movieX, at(18, 0)))
	put := func(showID string, status boxoffice.BookingStatus, until time.Time) boxoffice.Booking {
		b := booking("ann", showID, until.Add(-10*time.Minute), "A1")
		b.Status = status
		b.HeldUntil = until
		must(t, f.s.UpdateShow(f.ctx, showID, func(tx boxoffice.ShowTx) error { tx.PutBooking(b); return nil }))
		return b
	}
	var want []boxoffice.HoldRef
	for _, h := range []struct {
		show  string
		until time.Time
	}{
		{"s1", now.Add(-time.Minute)},
		{"s1", now}, // a hold is over the instant its deadline is reached
		{"s2", now.Add(-2 * time.Hour)},
	} {
		b := put(h.show, boxoffice.StatusHeld, h.until)
		want = append(want, boxoffice.HoldRef{ShowID: h.show, Booking: b.ID, HeldUntil: h.until})
	}
	put("s1", boxoffice.StatusHeld, now.Add(time.Second))
	put("s2", boxoffice.StatusPaying, now.Add(-time.Minute))
	put("s2", boxoffice.StatusConfirmed, now.Add(-time.Minute))
	put("s1", boxoffice.StatusExpired, now.Add(-time.Minute))
	return want
}

func testExpiredHoldsListed(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	l := s.(boxoffice.ExpiredHoldLister)
	now := at(12, 0)
	want := expiredFixture(t, f, now)

	got, err := l.ExpiredHolds(f.ctx, now, 100)
	must(t, err)
	if len(got) != len(want) {
		t.Errorf("ExpiredHolds = %d holds, want %d", len(got), len(want))
	}
	for _, w := range want {
		i := slices.IndexFunc(got, func(r boxoffice.HoldRef) bool { return r.Booking == w.Booking })
		if i < 0 {
			t.Errorf("ExpiredHolds misses booking %v of show %s held until %v", w.Booking, w.ShowID, w.HeldUntil)
			continue
		}
		if got[i].ShowID != w.ShowID || !got[i].HeldUntil.Equal(w.HeldUntil) {
			t.Errorf("ExpiredHolds: got %+v, want %+v", got[i], w)
		}
	}

	got, err = l.ExpiredHolds(f.ctx, now.Add(-3*time.Hour), 100)
	must(t, err)
	if len(got) != 0 {
		t.Errorf("ExpiredHolds before any deadline = %+v, want none", got)
	}
}

func testExpiredHoldsLimit(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	l := s.(boxoffice.ExpiredHoldLister)
	now := at(12, 0)
	want := expiredFixture(t, f, now)
	for limit := 1; limit <= len(want); limit++ {
		got, err := l.ExpiredHolds(f.ctx, now, limit)
		must(t, err)
		if len(got) != limit {
			t.Errorf("ExpiredHolds with limit %d = %d holds", limit, len(got))
		}
		seen := map[boxoffice.BookingID]bool{}
		for _, r := range got {
			if seen[r.Booking] {
				t.Errorf("limit %d: booking %v listed twice", limit, r.Booking)
			}
			seen[r.Booking] = true
			if !slices.ContainsFunc(want, func(w boxoffice.HoldRef) bool { return w.Booking == r.Booking }) {
				t.Errorf("limit %d: listed %+v, which is not an expired hold", limit, r)
			}
		}
	}
}

// testFailedPaymentRoundTrip stores a failed booking of each kind of payment
// failure: a replayed ConfirmBooking rebuilds its error from them.
func testFailedPaymentRoundTrip(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	for k, kind := range []boxoffice.PaymentFailureKind{boxoffice.FailureDeclined, boxoffice.FailureTimedOut,
		boxoffice.FailureGatewayError, boxoffice.FailureHoldLost} {
		b := booking("ann", "s1", at(9, k), "A1")
		b.Status = boxoffice.StatusFailed
		b.HeldUntil = time.Time{}
		b.Payment = boxoffice.Payment{Method: "card:tok_visa", Attempts: 3, Failure: "failed: " + kind.String(), FailureKind: kind}
		f.hold(t, b)
		got, err := s.Booking(f.ctx, b.ID)
		must(t, err)
		if d := DiffBooking(b, got); d != "" {
			t.Errorf("failure %s: %s", kind, d)
		}
	}
}
