package pgstore_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestBookingsOfUserCursorPrecision pages through bookings created within
// one microsecond, which the table stores as the same created_at (ties
// broken by ID), with cursors of nanosecond precision: the CreatedAt as
// written, before the table cut it. Every cursor must compare as its
// booking is stored, so that each page goes on right after it; a cursor
// rounded up to the next microsecond would skip the tied bookings with
// greater IDs.
func TestBookingsOfUserCursorPrecision(t *testing.T) {
	s := newStore(t)
	show := addOneShow(t, s)
	ctx := t.Context()
	micro := time.Date(2030, 6, 1, 12, 0, 0, 123456000, time.UTC)
	var written []boxoffice.Booking
	for i, ns := range []time.Duration{999, 1, 500, 999, time.Microsecond + 1} {
		at := micro.Add(ns)
		b := boxoffice.Booking{ID: boxoffice.NewBookingID(), ShowID: show.ID, UserID: "ann", Status: boxoffice.StatusReleased,
			Seats: []boxoffice.BookingSeat{{ID: "A" + string(rune('1'+i)), Price: 1000}}, Total: 1000, CreatedAt: at, UpdatedAt: at}
		must(t, s.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error { tx.PutBooking(b); return nil }))
		written = append(written, b)
	}
	// As stored: the first four tie, by ID; the last is a microsecond on.
	want := slices.Clone(written[:4])
	slices.SortFunc(want, func(a, b boxoffice.Booking) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	want = append(want, written[4])
	byID := map[boxoffice.BookingID]boxoffice.Booking{}
	for _, b := range written {
		byID[b.ID] = b
	}

	var wantIDs []boxoffice.BookingID
	for _, b := range want {
		wantIDs = append(wantIDs, b.ID)
	}
	newest := slices.Clone(wantIDs)
	slices.Reverse(newest)
	for _, tt := range []struct {
		order boxoffice.Order
		want  []boxoffice.BookingID
	}{{boxoffice.OldestFirst, wantIDs}, {boxoffice.NewestFirst, newest}} {
		var got []boxoffice.BookingID
		var after boxoffice.BookingCursor
		for len(got) <= len(want) {
			page, err := s.BookingsOfUser(ctx, "ann", after, 1, tt.order)
			must(t, err)
			if len(page) == 0 {
				break
			}
			got = append(got, page[0].ID)
			if !page[0].CreatedAt.Equal(page[0].CreatedAt.Truncate(time.Microsecond)) {
				t.Errorf("booking %v read with CreatedAt %v, finer than a microsecond", page[0].ID, page[0].CreatedAt)
			}
			w := byID[page[0].ID]
			after = boxoffice.BookingCursor{At: w.CreatedAt, ID: w.ID}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%v, pages of 1 after cursors of nanosecond precision:\n%v\nwant\n%v", tt.order, got, tt.want)
		}
	}
}
