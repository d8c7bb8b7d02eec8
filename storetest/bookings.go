package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

var bookingTests = []subtest{
	{"BookingsOfUserOrder", testBookingsOfUserOrder},
	{"BookingsOfUserPages", testBookingsOfUserPages},
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
		mine, err := allOfUser(f.ctx, s, "ann")
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

// testBookingsOfUserOrder stores bookings of a user in every status, out
// of order, across two shows, three of them created at the same instant
// and committed in descending ID order; BookingsOfUser must return them
// all, ordered by CreatedAt and then by ID (byte order, the order of the
// IDs' text form).
func testBookingsOfUserOrder(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	f.addShow(t, show("s2", hallB, movieY, at(18, 0)))
	tie := at(9, 1)
	ann := []boxoffice.Booking{
		booking("ann", "s1", at(9, 3), "A1"),
		booking("ann", "s2", tie, "A1"),
		booking("ann", "s1", tie, "A2", "A3"),
		booking("ann", "s2", at(9, 2), "A2"),
		booking("ann", "s2", tie, "A4"),
		booking("ann", "s1", at(8, 0), "A5"),
		booking("ann", "s1", at(10, 0), "A6"),
		booking("ann", "s2", at(7, 30), "A7"),
	}
	statuses := []boxoffice.BookingStatus{boxoffice.StatusHeld, boxoffice.StatusPaying, boxoffice.StatusConfirmed,
		boxoffice.StatusCancelled, boxoffice.StatusCompleted, boxoffice.StatusExpired, boxoffice.StatusReleased,
		boxoffice.StatusFailed}
	// The tied bookings get IDs in descending order, so that neither
	// commit order nor chance puts them in ascending order.
	var tied []boxoffice.BookingID
	for range 3 {
		tied = append(tied, boxoffice.NewBookingID())
	}
	slices.SortFunc(tied, func(a, b boxoffice.BookingID) int { return -bytes.Compare(a[:], b[:]) })
	for i := range ann {
		ann[i].Status = statuses[i]
		if !statuses[i].Live() {
			ann[i].HeldUntil = time.Time{}
		}
		if statuses[i] == boxoffice.StatusFailed { // a failed booking records why
			ann[i].Payment = boxoffice.Payment{Method: "card", Attempts: 1, Failure: "declined", FailureKind: boxoffice.FailureDeclined}
		}
		if ann[i].CreatedAt.Equal(tie) {
			ann[i].ID, tied = tied[0], tied[1:]
		}
	}
	for i, b := range ann {
		if i == 1 {
			f.hold(t, booking("bob", "s1", tie, "A9"), 8)
		}
		f.hold(t, b)
	}

	want := slices.Clone(ann)
	slices.SortFunc(want, func(a, b boxoffice.Booking) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
	got, err := allOfUser(f.ctx, s, "ann")
	must(t, err)
	if !slices.Equal(bookingIDs(got), bookingIDs(want)) {
		t.Errorf("BookingsOfUser(ann):\n%s\nwant, by CreatedAt then ID:\n%s", userOrder(got), userOrder(want))
	} else {
		for i := range got {
			if d := DiffBooking(want[i], got[i]); d != "" {
				t.Error("BookingsOfUser:", d)
			}
		}
	}

	none, err := allOfUser(f.ctx, s, "nobody")
	must(t, err)
	if len(none) != 0 {
		t.Errorf("BookingsOfUser of a user without bookings = %v", bookingIDs(none))
	}
}

// testBookingsOfUserPages pages through a user's bookings, four of them
// created at the same instant (so that pages end inside the tie), among
// another user's, with pages of several sizes, each next page after the
// last booking of the previous one as read back by Booking, the way the
// BookingSystem makes its cursors, oldest first and newest first. Cursors
// that name no booking, in another time zone, or past the end work too,
// and a booking put again with another CreatedAt moves to its new place.
func testBookingsOfUserPages(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	f.addShow(t, show("s2", hallB, movieY, at(18, 0)))
	tie := at(9, 30)
	created := []time.Time{at(10, 0), tie, at(8, 0), tie, at(9, 0), tie, at(11, 0), tie, at(9, 45)}
	var ann []boxoffice.Booking
	for i, c := range created {
		showID := []string{"s1", "s2"}[i%2]
		b := booking("ann", showID, c, fmt.Sprintf("A%d", i+1))
		f.hold(t, b)
		ann = append(ann, b)
		f.hold(t, booking("bob", showID, c, fmt.Sprintf("B%d", i+1)))
	}
	byKey := func(a, b boxoffice.Booking) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	}
	want := slices.SortedFunc(slices.Values(ann), byKey)
	pageIn := func(order boxoffice.Order, after boxoffice.BookingCursor, limit int) []boxoffice.BookingID {
		t.Helper()
		got, err := s.BookingsOfUser(f.ctx, "ann", after, limit, order)
		must(t, err)
		return bookingIDs(got)
	}
	page := func(after boxoffice.BookingCursor, limit int) []boxoffice.BookingID {
		t.Helper()
		return pageIn(boxoffice.OldestFirst, after, limit)
	}
	newest := func(after boxoffice.BookingCursor, limit int) []boxoffice.BookingID {
		t.Helper()
		return pageIn(boxoffice.NewestFirst, after, limit)
	}
	reversed := func(bs []boxoffice.Booking) []boxoffice.BookingID {
		ids := bookingIDs(bs)
		slices.Reverse(ids)
		return ids
	}
	cursorOf := func(id boxoffice.BookingID) boxoffice.BookingCursor {
		t.Helper()
		b, err := s.Booking(f.ctx, id)
		must(t, err)
		return boxoffice.BookingCursor{At: b.CreatedAt, ID: b.ID}
	}

	for _, order := range []boxoffice.Order{boxoffice.OldestFirst, boxoffice.NewestFirst} {
		wantIDs := bookingIDs(want)
		if order == boxoffice.NewestFirst {
			wantIDs = reversed(want)
		}
		for _, size := range []int{1, 2, 3, 4, len(want) - 1, len(want), len(want) + 1, 1000} {
			var all []boxoffice.BookingID
			var after boxoffice.BookingCursor
			for pages := 1; ; pages++ {
				ids := pageIn(order, after, size)
				if len(ids) > size {
					t.Fatalf("%v, page %d of %d: %d bookings", order, pages, size, len(ids))
				}
				all = append(all, ids...)
				if len(ids) < size {
					break
				}
				if pages > len(want)+1 {
					t.Fatalf("%v, pages of %d: no short page after %d pages", order, size, pages)
				}
				after = cursorOf(ids[len(ids)-1])
			}
			if !slices.Equal(all, wantIDs) {
				t.Errorf("%v, pages of %d:\n%v\nwant %v, by CreatedAt then ID:\n%s", order, size, all, wantIDs, userOrder(want))
			}
		}
	}

	if ids := page(boxoffice.BookingCursor{}, 1); !slices.Equal(ids, bookingIDs(want[:1])) {
		t.Errorf("first page of 1 = %v, want %v", ids, bookingIDs(want[:1]))
	}
	if ids := page(cursorOf(want[len(want)-1].ID), 5); len(ids) != 0 {
		t.Errorf("page after the last booking = %v, want none", ids)
	}
	if ids := newest(boxoffice.BookingCursor{}, 1); !slices.Equal(ids, bookingIDs(want[len(want)-1:])) {
		t.Errorf("first page of 1, newest first = %v, want %v", ids, bookingIDs(want[len(want)-1:]))
	}
	if ids := newest(cursorOf(want[0].ID), 5); len(ids) != 0 {
		t.Errorf("page after the oldest booking, newest first = %v, want none", ids)
	}
	// Cursors that name no booking: before and after every ID of the tie.
	// One in another time zone is the same instant.
	firstTied := slices.IndexFunc(want, func(b boxoffice.Booking) bool { return b.CreatedAt.Equal(tie) })
	maxID := boxoffice.BookingID{}
	for i := range maxID {
		maxID[i] = 0xff
	}
	for _, c := range []struct {
		name  string
		after boxoffice.BookingCursor
		from  int // index in want of the page's first booking
	}{
		{"before the tie", boxoffice.BookingCursor{At: tie}, firstTied},
		{"after the tie", boxoffice.BookingCursor{At: tie, ID: maxID}, firstTied + 4},
		{"in another zone", boxoffice.BookingCursor{At: tie.In(time.FixedZone("UTC+5", 5*3600))}, firstTied},
		{"past the end", boxoffice.BookingCursor{At: at(23, 0)}, len(want)},
	} {
		if ids := page(c.after, 100); !slices.Equal(ids, bookingIDs(want[c.from:])) {
			t.Errorf("page after a cursor %s = %v, want %v", c.name, ids, bookingIDs(want[c.from:]))
		}
		// Newest first, the same cursor splits the list at the same place.
		if ids := newest(c.after, 100); !slices.Equal(ids, reversed(want[:c.from])) {
			t.Errorf("page after a cursor %s, newest first = %v, want %v", c.name, ids, reversed(want[:c.from]))
		}
	}
	if none, err := s.BookingsOfUser(f.ctx, "nobody", cursorOf(want[0].ID), 10, boxoffice.NewestFirst); err != nil || len(none) != 0 {
		t.Errorf("BookingsOfUser of a user without bookings = %v, %v; want none", bookingIDs(none), err)
	}

	// The earliest booking, put again created last, moves to the end.
	moved := want[0]
	moved.CreatedAt = at(12, 0)
	must(t, s.UpdateShow(f.ctx, moved.ShowID, func(tx boxoffice.ShowTx) error {
		tx.PutBooking(moved)
		return nil
	}))
	want = append(want[1:], moved)
	if ids := page(boxoffice.BookingCursor{}, 100); !slices.Equal(ids, bookingIDs(want)) {
		t.Errorf("after a booking's CreatedAt changed:\n%v\nwant, by CreatedAt then ID:\n%s", ids, userOrder(want))
	}
	if ids := page(cursorOf(want[len(want)-2].ID), 100); !slices.Equal(ids, []boxoffice.BookingID{moved.ID}) {
		t.Errorf("page after the booking before the moved one = %v, want %v", ids, moved.ID)
	}
	if ids := newest(boxoffice.BookingCursor{}, 1); !slices.Equal(ids, []boxoffice.BookingID{moved.ID}) {
		t.Errorf("first page of 1, newest first, after the move = %v, want %v", ids, moved.ID)
	}
}

// allOfUser reads every booking of the user, by pages.
func allOfUser(ctx context.Context, s boxoffice.Store, userID string) ([]boxoffice.Booking, error) {
	const limit = 100
	all := []boxoffice.Booking{}
	var after boxoffice.BookingCursor
	for {
		page, err := s.BookingsOfUser(ctx, userID, after, limit, boxoffice.OldestFirst)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < limit {
			return all, nil
		}
		last := page[len(page)-1]
		after = boxoffice.BookingCursor{At: last.CreatedAt, ID: last.ID}
	}
}

// userOrder lists bookings one a line, for a failure message.
func userOrder(bs []boxoffice.Booking) string {
	var sb strings.Builder
	for _, b := range bs {
		fmt.Fprintf(&sb, "\t%s %v %s %s\n", b.CreatedAt.UTC().Format(time.TimeOnly), b.ID, b.UserID, b.Status)
	}
	return sb.String()
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
		{"ShowsOfMovie", func() error { _, err := s.ShowsOfMovie(ctx, movieX, boxoffice.ShowCursor{}, 10); return err }},
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
		{"BookingsOfUser", func() error {
			_, err := s.BookingsOfUser(ctx, "ann", boxoffice.BookingCursor{}, 10, boxoffice.OldestFirst)
			return err
		}},
		{"Movies", func() error { return firstErr(s.Movies(ctx)) }},
		{"Theaters", func() error { return firstErr(s.Theaters(ctx)) }},
	}
	if l, ok := boxoffice.StoreCapability[boxoffice.ExpiredHoldLister](s); ok {
		calls = append(calls, struct {
			name string
			call func() error
		}{"ExpiredHolds", func() error { _, err := l.ExpiredHolds(ctx, at(23, 0), 10); return err }})
	}
	if l, ok := boxoffice.StoreCapability[boxoffice.UnsettledBookingLister](s); ok {
		calls = append(calls, struct {
			name string
			call func() error
		}{"OwingBookings", func() error { _, err := l.OwingBookings(ctx, boxoffice.BookingCursor{}, 10); return err }},
			struct {
				name string
				call func() error
			}{"AbandonedPayments", func() error { _, err := l.AbandonedPayments(ctx, at(23, 0), at(23, 0), 10); return err }})
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
	l := capability[boxoffice.ExpiredHoldLister](s)
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
	l := capability[boxoffice.ExpiredHoldLister](s)
	now := at(12, 0)
	want := expiredFixture(t, f, now)
	// Those that expired first come first.
	slices.SortFunc(want, func(a, b boxoffice.HoldRef) int { return a.HeldUntil.Compare(b.HeldUntil) })
	for limit := 1; limit <= len(want); limit++ {
		got, err := l.ExpiredHolds(f.ctx, now, limit)
		must(t, err)
		if len(got) != limit {
			t.Errorf("ExpiredHolds with limit %d = %d holds", limit, len(got))
		}
		for i := range min(len(got), limit) {
			if got[i].Booking != want[i].Booking {
				t.Errorf("limit %d: hold %d is %v held until %v; want %v held until %v, the holds that expired first first",
					limit, i, got[i].Booking, got[i].HeldUntil, want[i].Booking, want[i].HeldUntil)
			}
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
// failure, some with the charge that went through (amount, reference, time)
// still recorded (with the payment's LiveUntil, which a settled payment
// keeps): a replayed ConfirmBooking rebuilds its error from them,
// and the money owed back is computed from them. Each is read back by every
// way there is to read a booking.
func testFailedPaymentRoundTrip(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("s1", hallA, movieX, at(18, 0)))
	charged := func(kind boxoffice.PaymentFailureKind, ref string) boxoffice.Payment {
		return boxoffice.Payment{Method: "card:tok_visa", Reference: ref, Attempts: 2,
			PaidAt: at(9, 30), Failure: "failed: " + kind.String(), FailureKind: kind, LiveUntil: at(9, 36)}
	}
	payments := []boxoffice.Payment{
		{Method: "card:tok_visa", Attempts: 3, Failure: "declined", FailureKind: boxoffice.FailureDeclined},
		{Method: "card:tok_visa", Attempts: 3, Failure: "timed out", FailureKind: boxoffice.FailureTimedOut},
		charged(boxoffice.FailureTimedOut, "ch_timed_out"),
		{Method: "card:tok_visa", Attempts: 1, Failure: "gateway error", FailureKind: boxoffice.FailureGatewayError},
		charged(boxoffice.FailureHoldLost, "ch_hold_lost"),
		charged(boxoffice.FailureShowStarted, "ch_show_started"),
	}
	want := map[boxoffice.BookingID]boxoffice.Booking{}
	for k, p := range payments {
		b := booking("ann", "s1", at(9, k), "A1", "A2")
		b.Status = boxoffice.StatusFailed
		b.HeldUntil = time.Time{}
		b.UpdatedAt = at(9, 40)
		b.Payment = p
		if p.Reference != "" {
			b.Payment.Amount = b.Total
		}
		f.hold(t, b)
		want[b.ID] = b
	}

	for id, b := range want {
		got, err := s.Booking(f.ctx, id)
		must(t, err)
		if d := DiffBooking(b, got); d != "" {
			t.Errorf("Booking, failure %s: %s", b.Payment.FailureKind, d)
		}
	}
	mine, err := allOfUser(f.ctx, s, "ann")
	must(t, err)
	if len(mine) != len(want) {
		t.Errorf("BookingsOfUser(ann) = %d bookings, want %d", len(mine), len(want))
	}
	for _, got := range mine {
		if d := DiffBooking(want[got.ID], got); d != "" {
			t.Errorf("BookingsOfUser, failure %s: %s", want[got.ID].Payment.FailureKind, d)
		}
	}
	must(t, s.ViewShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		for id, b := range want {
			got, err := tx.Booking(id)
			if err != nil {
				return err
			}
			if d := DiffBooking(b, got); d != "" {
				t.Errorf("ShowTx.Booking, failure %s: %s", b.Payment.FailureKind, d)
			}
		}
		return nil
	}))
}
