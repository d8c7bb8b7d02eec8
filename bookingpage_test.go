package boxoffice_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// BookingsOfUser lists a user's bookings a page at a time, oldest first:
// each page starts after the last booking of the page before, and a page
// shorter than its limit is the last.
func ExampleBookingSystem_BookingsOfUser() {
	ctx := context.Background()
	clock := fakeclock.New(time.Date(2030, 1, 1, 20, 0, 0, 0, time.UTC))
	sys, show := newDemo(boxoffice.Config{Clock: clock})
	defer closeDemo(sys)
	for _, seat := range []string{"A1", "A2", "A3", "A4", "A5"} {
		must(sys.HoldSeats(ctx, "hana", show.ID, []string{seat}))
		clock.Advance(time.Minute)
	}

	page := boxoffice.BookingPage{Limit: 2}
	for {
		bookings, err := sys.BookingsOfUser(ctx, "hana", page)
		if err != nil {
			log.Fatal(err)
		}
		var seats []string
		for _, b := range bookings {
			seats = append(seats, b.Seats[0].ID)
		}
		fmt.Println(seats)
		if len(bookings) < page.Limit {
			break
		}
		page.After = bookings[len(bookings)-1].ID
	}
	// Output:
	// [A1 A2]
	// [A3 A4]
	// [A5]
}

// A customer's history is shown newest first: the first page holds the
// latest bookings, and each next page goes on back in time.
func ExampleBookingPage_newestFirst() {
	ctx := context.Background()
	clock := fakeclock.New(time.Date(2030, 1, 1, 20, 0, 0, 0, time.UTC))
	sys, show := newDemo(boxoffice.Config{Clock: clock})
	defer closeDemo(sys)
	for _, seat := range []string{"A1", "A2", "A3"} {
		must(sys.HoldSeats(ctx, "hana", show.ID, []string{seat}))
		clock.Advance(time.Minute)
	}

	page := boxoffice.BookingPage{Limit: 2, Order: boxoffice.NewestFirst}
	latest, err := sys.BookingsOfUser(ctx, "hana", page)
	if err != nil {
		log.Fatal(err)
	}
	page.After = latest[len(latest)-1].ID
	earlier, err := sys.BookingsOfUser(ctx, "hana", page)
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range append(latest, earlier...) {
		fmt.Println(b.Seats[0].ID, b.CreatedAt.Format(time.Kitchen))
	}
	// Output:
	// A3 8:02PM
	// A2 8:01PM
	// A1 8:00PM
}

// allBookingsOfUser reads every booking of the user through the
// BookingSystem, a page at a time.
func allBookingsOfUser(ctx context.Context, sys *boxoffice.BookingSystem, userID string) ([]boxoffice.Booking, error) {
	all := []boxoffice.Booking{}
	page := boxoffice.BookingPage{Limit: boxoffice.MaxPageLimit}
	for {
		bs, err := sys.BookingsOfUser(ctx, userID, page)
		if err != nil {
			return nil, err
		}
		all = append(all, bs...)
		if len(bs) < page.Limit {
			return all, nil
		}
		page.After = bs[len(bs)-1].ID
	}
}

// storeBookingsOfUser reads every booking of the user from a Store, a page
// at a time.
func storeBookingsOfUser(ctx context.Context, s boxoffice.Store, userID string) ([]boxoffice.Booking, error) {
	return readAllPages(func(after boxoffice.BookingCursor, limit int) ([]boxoffice.Booking, error) {
		return s.BookingsOfUser(ctx, userID, after, limit, boxoffice.OldestFirst)
	}, func(b boxoffice.Booking) boxoffice.BookingCursor {
		return boxoffice.BookingCursor{At: b.CreatedAt, ID: b.ID}
	})
}

// readAllPages reads every item of a Store's paged list, MaxPageLimit at a
// time, each page after the cursor of the last item of the page before,
// until a short page.
func readAllPages[T, C any](read func(after C, limit int) ([]T, error), cursorOf func(T) C) ([]T, error) {
	all := []T{}
	var after C
	for {
		page, err := read(after, boxoffice.MaxPageLimit)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < boxoffice.MaxPageLimit {
			return all, nil
		}
		after = cursorOf(page[len(page)-1])
	}
}

// putUserBookings stores n bookings of the user in the fixture's show, all
// created at the clock's now, straight into the Store: more than the
// limits on holds would let the user make.
func (f *fixture) putUserBookings(user string, n int) []boxoffice.Booking {
	f.t.Helper()
	var bs []boxoffice.Booking
	now := f.clock.Now()
	for range n {
		bs = append(bs, boxoffice.Booking{ID: boxoffice.NewBookingID(), UserID: user, ShowID: f.show.ID,
			Status: boxoffice.StatusReleased, CreatedAt: now, UpdatedAt: now})
	}
	if err := f.store.UpdateShow(f.ctx, f.show.ID, func(tx boxoffice.ShowTx) error {
		for _, b := range bs {
			tx.PutBooking(b)
		}
		return nil
	}); err != nil {
		f.t.Fatal(err)
	}
	return bs
}

func TestBookingsOfUserPageLimit(t *testing.T) {
	f := newFixture(t)
	f.putUserBookings("alice", boxoffice.MaxPageLimit+1)
	for _, tt := range []struct {
		limit int
		want  int // bookings returned; -1: an *ArgumentError
	}{
		{-1, -1},
		{0, boxoffice.DefaultPageLimit},
		{1, 1},
		{boxoffice.MaxPageLimit, boxoffice.MaxPageLimit},
		{boxoffice.MaxPageLimit + 1, -1},
	} {
		t.Run(fmt.Sprint(tt.limit), func(t *testing.T) {
			bs, err := f.sys.BookingsOfUser(f.ctx, "alice", boxoffice.BookingPage{Limit: tt.limit})
			if tt.want < 0 {
				var arg *boxoffice.ArgumentError
				if !errors.As(err, &arg) || !errors.Is(err, boxoffice.ErrInvalidArgument) || arg.Field != "page.Limit" {
					t.Fatalf("Limit %d: %d bookings, error %v; want an *ArgumentError for page.Limit", tt.limit, len(bs), err)
				}
				return
			}
			if err != nil || len(bs) != tt.want {
				t.Fatalf("Limit %d: %d bookings, error %v; want %d", tt.limit, len(bs), err, tt.want)
			}
		})
	}
	_, err := f.sys.BookingsOfUser(f.ctx, "", boxoffice.BookingPage{})
	if !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Errorf("BookingsOfUser of an empty userID: %v, want ErrInvalidArgument", err)
	}
}

// TestBookingsOfUserPages pages through a user's bookings, made between
// another user's, some at the same instant (the fake clock stands still
// between them), with pages of several sizes: every booking comes exactly
// once, in order of CreatedAt and then ID, and only the last page is short.
func TestBookingsOfUserPages(t *testing.T) {
	f := newFixture(t, func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser = -1 })
	var want []boxoffice.Booking
	for i := range 24 {
		for j, user := range []string{"alice", "bob"} {
			k := 2*i + j // seats A1 to E8, in turn
			b := f.hold(user, fmt.Sprintf("%c%d", 'A'+k/10, k%10+1))
			if user == "alice" {
				want = append(want, b)
			}
		}
		if i%5 == 4 {
			f.clock.Advance(time.Second)
		}
	}
	sortUserBookings(want)
	newest := bookingIDsOf(want)
	slices.Reverse(newest)
	for _, tt := range []struct {
		order boxoffice.Order
		want  []boxoffice.BookingID
	}{
		{boxoffice.OldestFirst, bookingIDsOf(want)},
		{boxoffice.NewestFirst, newest},
	} {
		for _, limit := range []int{1, 2, 5, 7, len(want), len(want) + 1} {
			t.Run(fmt.Sprintf("%v/%d", tt.order, limit), func(t *testing.T) {
				checkBookingPages(t, f, boxoffice.BookingPage{Limit: limit, Order: tt.order}, tt.want)
			})
		}
	}
}

// checkBookingPages pages through alice's bookings from the first page
// and checks that they come exactly once, in the order of want, and that
// only the last page is short.
func checkBookingPages(t *testing.T, f *fixture, page boxoffice.BookingPage, want []boxoffice.BookingID) {
	t.Helper()
	var got []boxoffice.BookingID
	for {
		bs := mustT[[]boxoffice.Booking](t)(f.sys.BookingsOfUser(f.ctx, "alice", page))
		if len(bs) > page.Limit {
			t.Fatalf("a page of %d", len(bs))
		}
		for _, b := range bs {
			got = append(got, b.ID)
		}
		if len(bs) < page.Limit {
			break
		}
		if len(got) > len(want) {
			t.Fatalf("%d bookings and no short page yet", len(got))
		}
		page.After = bs[len(bs)-1].ID
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages list\n%v\nwant\n%v", got, want)
	}
}

func TestBookingsOfUserOrderInvalid(t *testing.T) {
	f := newFixture(t)
	f.hold("alice", "A1")
	for _, order := range []boxoffice.Order{boxoffice.NewestFirst + 1, 255} {
		bs, err := f.sys.BookingsOfUser(f.ctx, "alice", boxoffice.BookingPage{Order: order})
		var arg *boxoffice.ArgumentError
		if !errors.As(err, &arg) || arg.Field != "page.Order" {
			t.Errorf("Order %v: %d bookings, error %v; want an *ArgumentError for page.Order", order, len(bs), err)
		}
	}
}

func TestBookingsOfUserAfterNotFound(t *testing.T) {
	f := newFixture(t)
	alice := f.hold("alice", "A1")
	bob := f.hold("bob", "B1")
	for _, tt := range []struct {
		name  string
		after boxoffice.BookingID
	}{
		{"another user's booking", bob.ID},
		{"an unknown booking", boxoffice.NewBookingID()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bs, err := f.sys.BookingsOfUser(f.ctx, "alice", boxoffice.BookingPage{After: tt.after})
			if !errors.Is(err, boxoffice.ErrNotFound) || !strings.Contains(err.Error(), tt.after.String()) {
				t.Fatalf("After %s: %d bookings, error %v; want ErrNotFound naming the booking", tt.name, len(bs), err)
			}
		})
	}
	// Alice's own booking is a cursor: the page after it is empty.
	if bs, err := f.sys.BookingsOfUser(f.ctx, "alice", boxoffice.BookingPage{After: alice.ID}); err != nil || len(bs) != 0 {
		t.Errorf("page after alice's only booking: %d bookings, error %v; want none", len(bs), err)
	}
}

// TestMemoryStoreBookingsOfUserPages checks the MemoryStore's sorted user
// index against bookings put out of order, a CreatedAt with a monotonic
// clock reading that the cursor read back has not, and bookings moved to
// another CreatedAt or user.
func TestMemoryStoreBookingsOfUserPages(t *testing.T) {
	ctx := context.Background()
	s := newMemShows(t, "s1", "s2")
	var want []boxoffice.Booking
	// Newest first, then oldest, then the middle: inserts at both ends and
	// inside the index.
	for _, m := range []int{50, 40, 30, 0, 10, 20, 25, 25, 25, 5, 45} {
		b := memBooking("ann", []string{"s1", "s2"}[m%2], memDay.Add(time.Duration(m)*time.Minute))
		putBooking(t, s, b)
		want = append(want, b)
	}
	// A CreatedAt with a monotonic reading, as the MachineClock gives.
	mono := memBooking("ann", "s1", time.Now())
	putBooking(t, s, mono)
	want = append(want, mono)
	sortUserBookings(want)
	check := func(when string) {
		t.Helper()
		for _, c := range []struct {
			order boxoffice.Order
			limit int
		}{
			{boxoffice.OldestFirst, 1}, {boxoffice.OldestFirst, 2}, {boxoffice.OldestFirst, 3}, {boxoffice.OldestFirst, len(want)},
			{boxoffice.NewestFirst, 1}, {boxoffice.NewestFirst, 2}, {boxoffice.NewestFirst, 3}, {boxoffice.NewestFirst, len(want)},
		} {
			limit := c.limit
			wantIDs := bookingIDsOf(want)
			if c.order == boxoffice.NewestFirst {
				slices.Reverse(wantIDs)
			}
			var got []boxoffice.BookingID
			var after boxoffice.BookingCursor
			for {
				bs := mustT[[]boxoffice.Booking](t)(s.BookingsOfUser(ctx, "ann", after, limit, c.order))
				got = append(got, bookingIDsOf(bs)...)
				if len(bs) < limit || len(got) > len(want) {
					break
				}
				// As the BookingSystem makes it, from Booking; the
				// monotonic reading stripped, as a copy that went
				// through a serializer would have it.
				last := mustT[boxoffice.Booking](t)(s.Booking(ctx, bs[len(bs)-1].ID))
				after = boxoffice.BookingCursor{At: last.CreatedAt.Round(0), ID: last.ID}
			}
			if !slices.Equal(got, wantIDs) {
				t.Errorf("%s, %v, pages of %d:\n%v\nwant\n%v", when, c.order, limit, got, wantIDs)
			}
		}
	}
	check("put out of order")

	// One moves to another CreatedAt, one to another user.
	moved, gone := want[0], want[3]
	moved.CreatedAt = memDay.Add(35 * time.Minute)
	gone.UserID = "bob"
	putBooking(t, s, moved)
	putBooking(t, s, gone)
	want = slices.DeleteFunc(want, func(b boxoffice.Booking) bool { return b.ID == moved.ID || b.ID == gone.ID })
	want = append(want, moved)
	sortUserBookings(want)
	check("after a move")
	if bob := mustT[[]boxoffice.Booking](t)(s.BookingsOfUser(ctx, "bob", boxoffice.BookingCursor{}, 10, boxoffice.OldestFirst)); !slices.Equal(bookingIDsOf(bob), []boxoffice.BookingID{gone.ID}) {
		t.Errorf("bob's bookings = %v, want the moved %v", bookingIDsOf(bob), gone.ID)
	}
}

func sortUserBookings(bs []boxoffice.Booking) {
	slices.SortFunc(bs, func(a, b boxoffice.Booking) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
}
