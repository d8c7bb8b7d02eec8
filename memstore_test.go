package boxoffice_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) boxoffice.Store { return boxoffice.NewMemoryStore() },
		storetest.Features{ExpiredHolds: true, SeatsOfUser: true})
}

var memDay = time.Date(2030, time.March, 8, 0, 0, 0, 0, time.UTC)

// newMemShows returns a MemoryStore with one hall of the seed layout and
// the given shows of a two-hour movie, three hours apart.
func newMemShows(tb testing.TB, showIDs ...string) *boxoffice.MemoryStore {
	tb.Helper()
	ctx := context.Background()
	s := boxoffice.NewMemoryStore()
	layout := boxoffice.SeedLayout()
	for _, err := range []error{
		s.AddTheater(ctx, boxoffice.Theater{ID: "t"}),
		s.AddHall(ctx, boxoffice.Hall{ID: "h", TheaterID: "t", Layout: layout}),
		s.AddMovie(ctx, boxoffice.Movie{ID: "m", Duration: 2 * time.Hour}),
	} {
		if err != nil {
			tb.Fatal(err)
		}
	}
	for i, id := range showIDs {
		start := memDay.Add(time.Duration(i) * 3 * time.Hour)
		sh := boxoffice.Show{ID: id, MovieID: "m", HallID: "h", TheaterID: "t", Start: start, End: start.Add(2 * time.Hour), BasePrice: 10_00}
		if err := s.AddShow(ctx, sh, layout, boxoffice.Interval{Start: start, End: sh.End}, nil); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

func memBooking(user, showID string, created time.Time) boxoffice.Booking {
	return boxoffice.Booking{
		ID: boxoffice.NewBookingID(), UserID: user, ShowID: showID, Status: boxoffice.StatusHeld,
		Seats:     []boxoffice.BookingSeat{{ID: "A1", Price: 10_00}, {ID: "A2", Price: 10_00}},
		Total:     20_00,
		CreatedAt: created, HeldUntil: created.Add(10 * time.Minute), UpdatedAt: created,
	}
}

func putBooking(tb testing.TB, s *boxoffice.MemoryStore, b boxoffice.Booking) {
	tb.Helper()
	if err := s.UpdateShow(context.Background(), b.ShowID, func(tx boxoffice.ShowTx) error {
		tx.PutBooking(b)
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
}

// extendHold is the hot path: re-read an existing booking, move it and four
// seats' deadline forward. Its Seats are unchanged.
func extendHold(id boxoffice.BookingID) func(tx boxoffice.ShowTx) error {
	return func(tx boxoffice.ShowTx) error {
		b, err := tx.Booking(id)
		if err != nil {
			return err
		}
		b.Extensions++
		b.HeldUntil = b.HeldUntil.Add(time.Minute)
		for i := range 4 {
			tx.SetSeat(i, boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: id, HeldUntil: b.HeldUntil})
		}
		tx.PutBooking(b)
		return nil
	}
}

func TestMemoryStoreUpdateShowDoesNotAllocate(t *testing.T) {
	s := newMemShows(t, "s1")
	b := memBooking("ann", "s1", memDay)
	putBooking(t, s, b)
	ctx := context.Background()
	fn := extendHold(b.ID)
	allocs := testing.AllocsPerRun(200, func() {
		if err := s.UpdateShow(ctx, "s1", fn); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("UpdateShow allocated %v times per call, want 0", allocs)
	}
	got, err := s.Booking(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	// AllocsPerRun runs the function once more to warm up.
	if got.Extensions != 201 {
		t.Errorf("Extensions = %d after 201 transactions", got.Extensions)
	}
}

func TestMemoryStoreViewShowRejectsWrites(t *testing.T) {
	ctx := context.Background()
	s := newMemShows(t, "s1")
	b := memBooking("ann", "s1", memDay)
	putBooking(t, s, b)
	errFn := errors.New("fn failed")
	changed := b
	changed.Status = boxoffice.StatusConfirmed
	tests := []struct {
		name  string
		write func(tx boxoffice.ShowTx)
		fnErr error
	}{
		{"SetSeat", func(tx boxoffice.ShowTx) {
			tx.SetSeat(0, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: b.ID})
		}, nil},
		{"PutBooking", func(tx boxoffice.ShowTx) { tx.PutBooking(changed) }, nil},
		{"PutBooking then fn fails", func(tx boxoffice.ShowTx) { tx.PutBooking(changed) }, errFn},
		{"Seat out of range", func(tx boxoffice.ShowTx) { tx.Seat(tx.NumSeats()) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.ViewShow(ctx, "s1", func(tx boxoffice.ShowTx) error {
				tc.write(tx)
				return tc.fnErr
			})
			if !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Errorf("ViewShow returned %v, want ErrInvalidArgument", err)
			}
			err = s.ViewShow(ctx, "s1", func(tx boxoffice.ShowTx) error {
				if slot := tx.Seat(0); slot.Status != boxoffice.SeatAvailable {
					t.Errorf("seat 0 is %v after a write inside ViewShow", slot.Status)
				}
				if got, _ := tx.Booking(b.ID); got.Status != boxoffice.StatusHeld {
					t.Errorf("booking is %v after a write inside ViewShow", got.Status)
				}
				return nil
			})
			if err != nil {
				t.Errorf("a later ViewShow failed: %v", err)
			}
		})
	}
}

func TestMemoryStoreUpdateShowMisuse(t *testing.T) {
	ctx := context.Background()
	s := newMemShows(t, "s1")
	b := memBooking("ann", "s1", memDay)
	for _, pos := range []int{-1, boxoffice.SeedLayout().Len()} {
		err := s.UpdateShow(ctx, "s1", func(tx boxoffice.ShowTx) error {
			tx.PutBooking(b)
			tx.SetSeat(0, boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: b.ID, HeldUntil: b.HeldUntil})
			tx.SetSeat(pos, boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: b.ID, HeldUntil: b.HeldUntil})
			return nil
		})
		if !errors.Is(err, boxoffice.ErrInvalidArgument) {
			t.Errorf("SetSeat(%d): UpdateShow returned %v, want ErrInvalidArgument", pos, err)
		}
	}
	if _, err := s.Booking(ctx, b.ID); !errors.Is(err, boxoffice.ErrNotFound) {
		t.Errorf("a misused transaction was committed: Booking returned %v", err)
	}
	// The misuse failed its own transaction alone: the next one commits.
	if err := s.UpdateShow(ctx, "s1", func(tx boxoffice.ShowTx) error { tx.PutBooking(b); return nil }); err != nil {
		t.Errorf("the transaction after a misused one: %v; want it committed", err)
	}
	if _, err := s.Booking(ctx, b.ID); err != nil {
		t.Errorf("the booking the next transaction put: %v", err)
	}
}

func TestMemoryStoreRollsBackOnPanic(t *testing.T) {
	ctx := context.Background()
	s := newMemShows(t, "s1")
	b := memBooking("ann", "s1", memDay)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic of fn to continue", r)
			}
		}()
		_ = s.UpdateShow(ctx, "s1", func(tx boxoffice.ShowTx) error {
			tx.SetSeat(0, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: b.ID})
			tx.PutBooking(b)
			panic("boom")
		})
	}()
	// The lock was released and nothing stayed.
	err := s.UpdateShow(ctx, "s1", func(tx boxoffice.ShowTx) error {
		if tx.Seat(0).Status != boxoffice.SeatAvailable {
			t.Error("seat set by a panicking transaction stayed")
		}
		if _, err := tx.Booking(b.ID); !errors.Is(err, boxoffice.ErrNotFound) {
			t.Error("booking put by a panicking transaction stayed")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMemoryStoreManyBookingsInOneTx crosses the point where a transaction
// tracks the bookings it touched in a set instead of scanning them.
func TestMemoryStoreManyBookingsInOneTx(t *testing.T) {
	ctx := context.Background()
	s := newMemShows(t, "s1")
	const n = 100
	var old []boxoffice.Booking
	for i := range n / 2 {
		b := memBooking("ann", "s1", memDay.Add(time.Duration(i)*time.Minute))
		putBooking(t, s, b)
		old = append(old, b)
	}
	var fresh []boxoffice.Booking
	for i := range n / 2 {
		fresh = append(fresh, memBooking("bob", "s1", memDay.Add(time.Duration(i)*time.Minute)))
	}
	// Every booking is put twice; the second put of each must not reset
	// what the first logged.
	writeAll := func(tx boxoffice.ShowTx) {
		for round := range 2 {
			for i := range n / 2 {
				b := old[i]
				b.Extensions = round + 1
				tx.PutBooking(b)
				tx.PutBooking(fresh[i])
			}
		}
	}
	errFail := errors.New("fail")
	if err := s.UpdateShow(ctx, "s1", func(tx boxoffice.ShowTx) error { writeAll(tx); return errFail }); !errors.Is(err, errFail) {
		t.Fatalf("UpdateShow returned %v", err)
	}
	for _, b := range old {
		if got, err := s.Booking(ctx, b.ID); err != nil || got.Extensions != 0 {
			t.Fatalf("after rollback: booking %v = %+v, %v", b.ID, got.Extensions, err)
		}
	}
	if bob, _ := storeBookingsOfUser(ctx, s, "bob"); len(bob) != 0 {
		t.Fatalf("after rollback bob has %d bookings", len(bob))
	}

	if err := s.UpdateShow(ctx, "s1", func(tx boxoffice.ShowTx) error { writeAll(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, b := range old {
		if got, err := s.Booking(ctx, b.ID); err != nil || got.Extensions != 2 {
			t.Fatalf("after commit: booking %v = %+v, %v", b.ID, got.Extensions, err)
		}
	}
	if bob, _ := storeBookingsOfUser(ctx, s, "bob"); len(bob) != n/2 {
		t.Fatalf("after commit bob has %d bookings, want %d", len(bob), n/2)
	}
	// A later small transaction scans again and still rolls back.
	b := memBooking("cat", "s1", memDay)
	_ = s.UpdateShow(ctx, "s1", func(tx boxoffice.ShowTx) error { tx.PutBooking(b); tx.PutBooking(old[0]); return errFail })
	if _, err := s.Booking(ctx, b.ID); !errors.Is(err, boxoffice.ErrNotFound) {
		t.Errorf("small transaction after a large one was not rolled back: %v", err)
	}
}

func TestMemoryStoreAddShowNeedsLayout(t *testing.T) {
	s := newMemShows(t)
	sh := boxoffice.Show{ID: "s", MovieID: "m", HallID: "h", Start: memDay, End: memDay.Add(time.Hour)}
	err := s.AddShow(context.Background(), sh, nil, boxoffice.Interval{Start: sh.Start, End: sh.End}, nil)
	if !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Errorf("AddShow without a layout returned %v, want ErrInvalidArgument", err)
	}
}

func TestMemoryStoreBookingsOfUser(t *testing.T) {
	ctx := context.Background()
	s := newMemShows(t, "s1", "s2")
	// Same CreatedAt: ordered by ID.
	var ids []boxoffice.BookingID
	for _, show := range []string{"s1", "s2", "s1", "s2"} {
		b := memBooking("ann", show, memDay)
		putBooking(t, s, b)
		ids = append(ids, b.ID)
	}
	slices.SortFunc(ids, func(a, b boxoffice.BookingID) int { return slices.Compare(a[:], b[:]) })
	got, err := storeBookingsOfUser(ctx, s, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if gotIDs := bookingIDsOf(got); !slices.Equal(gotIDs, ids) {
		t.Errorf("BookingsOfUser with equal CreatedAt = %v, want by ID %v", gotIDs, ids)
	}

	// A booking put again with another user moves to that user.
	moved := got[0]
	moved.UserID = "bob"
	putBooking(t, s, moved)
	ann, _ := storeBookingsOfUser(ctx, s, "ann")
	bob, _ := storeBookingsOfUser(ctx, s, "bob")
	if len(ann) != 3 || slices.Contains(bookingIDsOf(ann), moved.ID) {
		t.Errorf("ann still has %v after her booking %v moved", bookingIDsOf(ann), moved.ID)
	}
	if !slices.Equal(bookingIDsOf(bob), []boxoffice.BookingID{moved.ID}) {
		t.Errorf("bob has %v, want the moved booking %v", bookingIDsOf(bob), moved.ID)
	}
}

// TestMemoryStoreBookingsOfManyUsers puts bookings of enough users that
// every shard of the user index holds dozens, from goroutines that add
// users while another reads theirs, each user's bookings newest first
// (so that every list is appended out of order), and one of every seven
// users' oldest booking then moved to another user. Every user must then
// list exactly their bookings, in order both ways.
func TestMemoryStoreBookingsOfManyUsers(t *testing.T) {
	ctx := context.Background()
	shows := []string{"s1", "s2", "s3", "s4"}
	s := newMemShows(t, shows...)
	const users, per = 3000, 3
	want := make([][]boxoffice.Booking, users) // by user, oldest first
	for u := range want {
		for k := range per {
			b := memBooking(fmt.Sprintf("user-%d", u), shows[(u+k)%len(shows)], memDay.Add(time.Duration(k)*time.Minute))
			want[u] = append(want[u], b)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(shows)+1)
	for g := range len(shows) {
		wg.Go(func() {
			for u := g; u < users; u += len(shows) {
				for k := per - 1; k >= 0; k-- {
					b := want[u][k]
					if err := s.UpdateShow(ctx, b.ShowID, func(tx boxoffice.ShowTx) error { tx.PutBooking(b); return nil }); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Go(func() { // reads while the tables grow: no error, no stranger's booking
		for i := range users {
			user := fmt.Sprintf("user-%d", i)
			got, err := s.BookingsOfUser(ctx, user, boxoffice.BookingCursor{}, per, boxoffice.NewestFirst)
			if err != nil {
				errs <- err
				return
			}
			for _, b := range got {
				if b.UserID != user {
					errs <- fmt.Errorf("BookingsOfUser(%s) listed %s's booking", user, b.UserID)
					return
				}
			}
		}
	})
	waitGroup(t, &wg, "the concurrent Store calls")
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	moved := map[string][]boxoffice.Booking{}
	for u := 0; u < users; u += 7 {
		b := want[u][0]
		b.UserID = fmt.Sprintf("other-%d", u%5)
		putBooking(t, s, b)
		want[u] = want[u][1:]
		moved[b.UserID] = append(moved[b.UserID], b)
	}
	check := func(user string, want []boxoffice.Booking) {
		t.Helper()
		sorted := slices.SortedFunc(slices.Values(want), func(a, b boxoffice.Booking) int {
			return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), slices.Compare(a.ID[:], b.ID[:]))
		})
		ids := bookingIDsOf(sorted)
		got, err := storeBookingsOfUser(ctx, s, user)
		if err != nil || !slices.Equal(bookingIDsOf(got), ids) {
			t.Fatalf("BookingsOfUser(%s), oldest first = %v, %v; want %v", user, bookingIDsOf(got), err, ids)
		}
		newest, err := s.BookingsOfUser(ctx, user, boxoffice.BookingCursor{}, boxoffice.MaxPageLimit, boxoffice.NewestFirst)
		slices.Reverse(ids)
		if err != nil || !slices.Equal(bookingIDsOf(newest), ids) {
			t.Fatalf("BookingsOfUser(%s), newest first = %v, %v; want %v", user, bookingIDsOf(newest), err, ids)
		}
	}
	for u := range want {
		check(fmt.Sprintf("user-%d", u), want[u])
	}
	for user, bs := range moved {
		check(user, bs)
	}
	check("user-none", nil)
}

func bookingIDsOf(bs []boxoffice.Booking) []boxoffice.BookingID {
	ids := make([]boxoffice.BookingID, len(bs))
	for i, b := range bs {
		ids[i] = b.ID
	}
	return ids
}

func TestMemoryStoreExpiredHolds(t *testing.T) {
	ctx := context.Background()
	s := newMemShows(t, "s1", "s2")
	var want []boxoffice.BookingID
	// Deadlines 9:00, 9:10, 9:20 and 9:30 in alternating shows, put newest
	// first; listed oldest first.
	for i := 3; i >= 0; i-- {
		b := memBooking("ann", []string{"s1", "s2"}[i%2], memDay.Add(9*time.Hour+time.Duration(i)*10*time.Minute))
		b.HeldUntil = b.CreatedAt
		putBooking(t, s, b)
		want = append([]boxoffice.BookingID{b.ID}, want...)
	}
	now := memDay.Add(10 * time.Hour)
	for _, tc := range []struct {
		limit int
		want  []boxoffice.BookingID
	}{
		{0, nil},
		{-1, nil},
		{2, want[:2]},
		{10, want},
	} {
		got, err := s.ExpiredHolds(ctx, now, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []boxoffice.BookingID
		for _, r := range got {
			ids = append(ids, r.Booking)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("ExpiredHolds(limit %d) = %v, want %v", tc.limit, ids, tc.want)
		}
	}
}

// BenchmarkMemoryStoreUpdateShow measures the hot path: a transaction that
// re-reads a booking and moves it and four seats, on one show, and on a
// show per goroutine in parallel.
func BenchmarkMemoryStoreUpdateShow(b *testing.B) {
	ctx := context.Background()
	b.Run("OneShow", func(b *testing.B) {
		s := newMemShows(b, "s1")
		bk := memBooking("ann", "s1", memDay)
		putBooking(b, s, bk)
		fn := extendHold(bk.ID)
		b.ReportAllocs()
		for b.Loop() {
			if err := s.UpdateShow(ctx, "s1", fn); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ShowPerGoroutine", func(b *testing.B) {
		const shows = 64
		ids := make([]string, shows)
		for i := range ids {
			ids[i] = fmt.Sprintf("s%d", i)
		}
		s := newMemShows(b, ids...)
		fns := make([]func(boxoffice.ShowTx) error, shows)
		for i, id := range ids {
			bk := memBooking("ann", id, memDay)
			putBooking(b, s, bk)
			fns[i] = extendHold(bk.ID)
		}
		var next atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int(next.Add(1)-1) % shows
			for pb.Next() {
				if err := s.UpdateShow(ctx, ids[i], fns[i]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func ExampleMemoryStore() {
	ctx := context.Background()
	s := boxoffice.NewMemoryStore()
	layout := boxoffice.SeedLayout()
	_ = s.AddTheater(ctx, boxoffice.Theater{ID: "odeon", Name: "Odeon", City: "Springfield"})
	_ = s.AddHall(ctx, boxoffice.Hall{ID: "odeon-1", TheaterID: "odeon", Layout: layout})
	_ = s.AddMovie(ctx, boxoffice.Movie{ID: "dune", Title: "Dune", Duration: 155 * time.Minute})
	start := time.Date(2030, time.March, 8, 20, 0, 0, 0, time.UTC)
	show := boxoffice.Show{ID: "dune-20h", MovieID: "dune", HallID: "odeon-1", TheaterID: "odeon",
		Start: start, End: start.Add(155 * time.Minute), BasePrice: 12_00}
	_ = s.AddShow(ctx, show, layout, boxoffice.Interval{Start: show.Start, End: show.End}, nil)

	// Hold seat A1, then try to take it again in a transaction that fails.
	id := boxoffice.NewBookingID()
	a1, _ := layout.Index("A1")
	_ = s.UpdateShow(ctx, "dune-20h", func(tx boxoffice.ShowTx) error {
		tx.SetSeat(a1, boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: id, HeldUntil: start})
		tx.PutBooking(boxoffice.Booking{ID: id, UserID: "ann", ShowID: "dune-20h", Status: boxoffice.StatusHeld})
		return nil
	})
	err := s.UpdateShow(ctx, "dune-20h", func(tx boxoffice.ShowTx) error {
		tx.SetSeat(a1, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: boxoffice.NewBookingID()})
		return errors.New("payment declined")
	})
	fmt.Println("second transaction:", err)

	_ = s.ViewShow(ctx, "dune-20h", func(tx boxoffice.ShowTx) error {
		fmt.Println("A1 is", tx.Seat(a1).Status, "by", tx.Seat(a1).Booking == id)
		return nil
	})
	// Output:
	// second transaction: payment declined
	// A1 is held by true
}

// TestMemoryStoreBookingIDsHideShowAndSlot checks that the show number and
// slot a hold's ID carries cannot be read off it: the IDs of one show's
// holds, made one after the other, share no prefix and count no sequence.
func TestMemoryStoreBookingIDsHideShowAndSlot(t *testing.T) {
	ctx := context.Background()
	s := newMemShows(t, "s1")
	sys, err := boxoffice.New(boxoffice.Config{Store: s, Clock: fakeclock.New(memDay.Add(-time.Hour)), HoldsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sys.Close(ctx) })
	const holds = 32
	shows := make(map[[3]byte]bool)
	counting := 0 // holds whose bytes 3–5 are the previous hold's plus one
	var prev uint32
	for i := range holds {
		b, err := sys.HoldSeats(ctx, "ann", "s1", []string{"A1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sys.ReleaseHold(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, slot, ok := boxoffice.IDNumbersForTest(s, b.ID); !ok || slot != uint32(i) {
			t.Fatalf("hold %d: ID %s carries slot %d, %v; want %d", i, b.ID, slot, ok, i)
		}
		shows[[3]byte(b.ID[:3])] = true
		bytes35 := uint32(b.ID[3])<<16 | uint32(b.ID[4])<<8 | uint32(b.ID[5])
		if i > 0 && bytes35 == prev+1 {
			counting++
		}
		prev = bytes35
	}
	if len(shows) == 1 || counting > holds/4 {
		t.Errorf("%d holds of one show: %d distinct first 3 bytes, %d holds counting on from the last; the IDs show their show and slot",
			holds, len(shows), counting)
	}
}

// TestMemoryStoreNumberedBookingIDs covers the booking IDs that carry their
// show's number: the BookingSystem's holds on the in-memory Store. Such a
// booking is found through its number; one put into another show than its
// number says, or a number no show has, falls back to the booking index.
func TestMemoryStoreNumberedBookingIDs(t *testing.T) {
	ctx := context.Background()
	s := newMemShows(t, "s1", "s2")
	sys, err := boxoffice.New(boxoffice.Config{Store: s, Clock: fakeclock.New(memDay.Add(-time.Hour)), HoldsPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sys.Close(ctx) })
	held, err := sys.HoldSeats(ctx, "ann", "s2", []string{"A1", "A2"})
	if err != nil {
		t.Fatal(err)
	}
	if v := uuid.UUID(held.ID).Version(); v != 8 {
		t.Errorf("a hold's ID %s is of version %d; want 8", held.ID, v)
	}

	show, slot, ok := boxoffice.IDNumbersForTest(s, held.ID)
	if !ok {
		t.Fatalf("a hold's ID %s carries no show number", held.ID)
	}

	// IDs of the hold's form, put in with PutBooking: with the hold's show
	// and slot, in the other show; with the hold's show and slot, in that
	// show (the slot is taken: it goes to the map); with a free slot of
	// that show; and the same, in a transaction that fails.
	withSlot := func(show, slot uint32) boxoffice.BookingID {
		return boxoffice.NumberedIDForTest(s, boxoffice.NewBookingID(), show, slot)
	}
	put := func(id boxoffice.BookingID, show, user string) {
		b := memBooking(user, show, memDay)
		b.ID = id
		putBooking(t, s, b)
	}
	elsewhere := withSlot(show, slot)
	put(elsewhere, "s1", "bob")
	slotTaken := withSlot(show, slot)
	put(slotTaken, "s2", "bob")
	freeSlot := withSlot(show, slot+7)
	put(freeSlot, "s2", "bob")
	rolledBack := withSlot(show, slot+9)
	if err := s.UpdateShow(ctx, "s2", func(tx boxoffice.ShowTx) error {
		b := memBooking("bob", "s2", memDay)
		b.ID = rolledBack
		tx.PutBooking(b)
		return errors.New("changed my mind")
	}); err == nil {
		t.Fatal("UpdateShow returned nil; want fn's error")
	}
	// An ID numbered with a show that does not exist.
	unnumbered := withSlot(1000, slot)

	tests := []struct {
		name   string
		id     boxoffice.BookingID
		wantIn string // the show found; "" for ErrNotFound
	}{
		{"numbered, in its show", held.ID, "s2"},
		{"numbered, put in another show", elsewhere, "s1"},
		{"numbered, put in its show at a taken slot", slotTaken, "s2"},
		{"numbered, put in its show at a free slot", freeSlot, "s2"},
		{"numbered, put in a transaction that failed", rolledBack, ""},
		{"numbered with no show", unnumbered, ""},
		{"numbered, unknown in its show", withSlot(show, slot+11), ""},
		{"version 4", boxoffice.NewBookingID(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := s.Booking(ctx, tt.id)
			if tt.wantIn == "" {
				if !errors.Is(err, boxoffice.ErrNotFound) {
					t.Fatalf("Booking = %v, %v; want ErrNotFound", b.ShowID, err)
				}
				return
			}
			if err != nil || b.ShowID != tt.wantIn || b.ID != tt.id {
				t.Fatalf("Booking = %s in %q, %v; want it in %q", b.ID, b.ShowID, err, tt.wantIn)
			}
		})
	}

	if mine, _ := storeBookingsOfUser(ctx, s, "ann"); len(mine) != 1 || mine[0].ID != held.ID {
		t.Errorf("BookingsOfUser(ann) = %v; want the hold", bookingIDsOf(mine))
	}
	if bobs, _ := storeBookingsOfUser(ctx, s, "bob"); len(bobs) != 3 {
		t.Errorf("BookingsOfUser(bob) = %v; want the 3 bookings put in", bookingIDsOf(bobs))
	}
	lapsed, err := s.ExpiredHolds(ctx, memDay.Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	var lapsedIDs []boxoffice.BookingID
	for _, r := range lapsed {
		lapsedIDs = append(lapsedIDs, r.Booking)
	}
	for _, id := range []boxoffice.BookingID{held.ID, elsewhere, slotTaken, freeSlot} {
		if !slices.Contains(lapsedIDs, id) {
			t.Errorf("ExpiredHolds an hour later = %v; want %s among them", lapsedIDs, id)
		}
	}
	// ReleaseHold looks for the booking first in the show its ID names,
	// under that show's write lock only, then where the index says.
	for _, tt := range tests {
		r, err := sys.ReleaseHold(ctx, tt.id)
		if tt.wantIn == "" {
			if !errors.Is(err, boxoffice.ErrNotFound) {
				t.Errorf("ReleaseHold(%s) = %s, %v; want ErrNotFound", tt.name, r.Status, err)
			}
			continue
		}
		if err != nil || r.Status != boxoffice.StatusReleased || r.ShowID != tt.wantIn || r.ID != tt.id {
			t.Errorf("ReleaseHold(%s) = %s %s in %q, %v; want it released in %q", tt.name, r.ID, r.Status, r.ShowID, err, tt.wantIn)
		}
	}
}

// TestReleaseHoldNumberedShowNotLoading: ReleaseHold looks first in the
// show a booking ID is numbered with, without checking that the show has
// the booking; when that show's entry does not load (its hall has no
// layout, its ID is longer than any the catalog takes), the booking is
// looked for again where the bookings index says, and the error is that
// lookup's: a booking another show's transaction put is released there,
// and one that no show has is ErrNotFound, not the entry's error.
func TestReleaseHoldNumberedShowNotLoading(t *testing.T) {
	tests := []struct {
		name         string
		showID, hall string
	}{
		{"hall without a layout", "bare-show", "bare"},
		{"overlong show ID", string(make([]byte, 200)), "h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := newMemShows(t, "s")
			start := memDay.Add(6 * time.Hour)
			sh := boxoffice.Show{ID: tt.showID, MovieID: "m", HallID: tt.hall, TheaterID: "t", Start: start, End: start.Add(2 * time.Hour), BasePrice: 10_00}
			for _, err := range []error{
				s.AddHall(ctx, boxoffice.Hall{ID: "bare", TheaterID: "t"}),
				s.AddShow(ctx, sh, boxoffice.SeedLayout(), boxoffice.Interval{Start: start, End: sh.End}, nil),
			} {
				if err != nil {
					t.Fatal(err)
				}
			}
			sys, err := boxoffice.New(boxoffice.Config{Store: s, Clock: fakeclock.New(memDay.Add(-time.Hour)), HoldsPerMinute: -1})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = sys.Close(ctx) })
			n := boxoffice.ShowNumberForTest(s, tt.showID)
			elsewhere := boxoffice.NumberedIDForTest(s, boxoffice.NewBookingID(), n, 5)
			b := memBooking("bob", "s", memDay)
			b.ID = elsewhere
			putBooking(t, s, b)

			r, err := sys.ReleaseHold(ctx, elsewhere)
			if err != nil || r.Status != boxoffice.StatusReleased || r.ShowID != "s" {
				t.Errorf("ReleaseHold of a booking put in another show = %s in %q, %v; want it released in %q", r.Status, r.ShowID, err, "s")
			}
			unknown := boxoffice.NumberedIDForTest(s, boxoffice.NewBookingID(), n, 6)
			if _, err := sys.ReleaseHold(ctx, unknown); !errors.Is(err, boxoffice.ErrNotFound) {
				t.Errorf("ReleaseHold of an unknown ID numbered with the show: %v; want ErrNotFound", err)
			}
		})
	}
}
