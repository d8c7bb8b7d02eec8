package boxoffice_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/internal/testwait"
)

// TestSeatMapOfShowStoredWithFewerSeats: a MemoryStore given a show with
// a layout of fewer seats than its hall's (AddShow takes any layout) makes
// SeatMap, which reads the hall's layout, an error matching
// ErrInvalidArgument (the ShowTx's misuse of a seat out of range), not a
// panic: seatReader reads the MemoryStore's seats in place, and read past
// them.
func TestSeatMapOfShowStoredWithFewerSeats(t *testing.T) {
	ctx := context.Background()
	bs, err := boxoffice.New(boxoffice.Config{Store: fewerSeatsShow(t), Clock: fakeclock.New(memDay.Add(-time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close(ctx)
	var m boxoffice.SeatMap
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("SeatMap panicked: %v", p)
			}
		}()
		m, err = bs.SeatMap(ctx, "s")
	}()
	if !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Fatalf("SeatMap = %d seats, %v; want an error matching ErrInvalidArgument", len(m.Seats), err)
	}
}

// fewerSeatsShow returns a MemoryStore holding show "s" in hall "h", whose
// layout has 30 seats, stored with a layout of 5 (AddShow takes any).
func fewerSeatsShow(t *testing.T) *boxoffice.MemoryStore {
	t.Helper()
	hallLayout, err := boxoffice.GridLayout(3, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	showLayout, err := boxoffice.GridLayout(1, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	return storedShow(t, hallLayout, showLayout)
}

// storedShow returns a MemoryStore holding movie "m", theater "t", hall
// "h" of hallLayout and its show "s" on memDay, stored with showLayout.
func storedShow(t *testing.T, hallLayout, showLayout *boxoffice.Layout) *boxoffice.MemoryStore {
	t.Helper()
	ctx := context.Background()
	s := boxoffice.NewMemoryStore()
	sh := boxoffice.Show{ID: "s", MovieID: "m", HallID: "h", TheaterID: "t", Start: memDay, End: memDay.Add(2 * time.Hour), BasePrice: 10_00}
	for _, err := range []error{
		s.AddTheater(ctx, boxoffice.Theater{ID: "t"}),
		s.AddHall(ctx, boxoffice.Hall{ID: "h", TheaterID: "t", Layout: hallLayout}),
		s.AddMovie(ctx, boxoffice.Movie{ID: "m", Duration: 2 * time.Hour}),
		s.AddShow(ctx, sh, showLayout, boxoffice.Interval{Start: sh.Start, End: sh.End}, nil),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// TestWatchOfShowStoredWithFewerSeats: Watch of a show stored with fewer
// seats than its hall's layout answers what SeatMap answers, an error
// matching ErrInvalidArgument (on the in-memory path the very same one),
// rather than panicking: on the in-memory Store, Watch reads the seats in
// place under the show's lock (seatStatusesLocked), and read past them.
func TestWatchOfShowStoredWithFewerSeats(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			ctx := context.Background()
			bs := systemOn(t, path, fewerSeatsShow(t))
			_, mapErr := bs.SeatMap(ctx, "s")
			if !errors.Is(mapErr, boxoffice.ErrInvalidArgument) {
				t.Fatalf("SeatMap: %v; want an error matching ErrInvalidArgument", mapErr)
			}
			wctx, cancel := context.WithCancel(ctx)
			defer cancel()
			updates, err := watchNoPanic(t, bs, wctx, "s")
			if !errors.Is(err, boxoffice.ErrInvalidArgument) || updates != nil {
				t.Fatalf("Watch = %v, %v; want no stream and an error matching ErrInvalidArgument", updates, err)
			}
			if path.name == "memory" && err.Error() != mapErr.Error() {
				t.Errorf("Watch: %q; want SeatMap's error, %q", err, mapErr)
			}
		})
	}
}

// TestSeatMapShowsUnknownSeatStatusAsBooked: a seat stored with a status
// the library does not know (a Store's bad data) shows as booked, not for
// sale, in SeatMap, in the map a Watch stream begins with (which grouped
// the seats by status in an array, and panicked), and in a listing's free
// count: a hold refuses it too.
func TestSeatMapShowsUnknownSeatStatusAsBooked(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			ctx := context.Background()
			s := storedShow(t, boxoffice.SeedLayout(), boxoffice.SeedLayout())
			if err := s.UpdateShow(ctx, "s", func(tx boxoffice.ShowTx) error {
				tx.SetSeat(0, boxoffice.SeatSlot{Status: boxoffice.SeatStatus(7), Booking: boxoffice.NewBookingID()})
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			bs := systemOn(t, path, s)
			m, err := bs.SeatMap(ctx, "s")
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Seats[0].Status; got != boxoffice.SeatBooked {
				t.Errorf("SeatMap: seat %s %v; want booked", m.Seats[0].ID, got)
			}
			if m.Free != len(m.Seats)-1 {
				t.Errorf("SeatMap: %d free of %d; want all but one", m.Free, len(m.Seats))
			}
			infos, err := bs.ShowsOfMovie(ctx, "m", boxoffice.ShowPage{})
			if err != nil || len(infos) != 1 || infos[0].FreeSeats != len(m.Seats)-1 {
				t.Errorf("ShowsOfMovie = %+v, %v; want the show with %d free seats", infos, err, len(m.Seats)-1)
			}
			wctx, cancel := context.WithCancel(ctx)
			defer cancel()
			updates, err := watchNoPanic(t, bs, wctx, "s")
			if err != nil {
				t.Fatal(err)
			}
			var booked []string
			for range 2 { // available, then booked: the map in Layout order, by status
				u := testwait.Recv(t, updates, "the stream's first map")
				if u.Status == boxoffice.SeatBooked {
					booked = u.Seats
				}
			}
			if !slices.Equal(booked, []string{m.Seats[0].ID}) {
				t.Errorf("Watch: booked %v; want [%s]", booked, m.Seats[0].ID)
			}
			if _, err := bs.HoldSeats(ctx, "ann", "s", []string{m.Seats[0].ID}); !errors.Is(err, boxoffice.ErrSeatUnavailable) {
				t.Errorf("HoldSeats of that seat: %v; want ErrSeatUnavailable", err)
			}
		})
	}
}

// TestConfirmSeatlessHold: a held booking stored with no seats (HoldSeats
// never makes one) is not paid for: ConfirmBooking expires it, as a hold
// that lost its seats, before any money moves, rather than charge for a
// ticket of no seat.
func TestConfirmSeatlessHold(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			ctx := context.Background()
			s := storedShow(t, boxoffice.SeedLayout(), boxoffice.SeedLayout())
			start := memDay.Add(-time.Hour)
			id := boxoffice.NewBookingID()
			if err := s.UpdateShow(ctx, "s", func(tx boxoffice.ShowTx) error {
				tx.PutBooking(boxoffice.Booking{ID: id, UserID: "ann", ShowID: "s", Status: boxoffice.StatusHeld, Total: 5_00,
					CreatedAt: start, UpdatedAt: start, HeldUntil: start.Add(10 * time.Minute)})
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			gw := boxoffice.NewInMemoryGateway()
			cfg := boxoffice.Config{Store: s, Clock: fakeclock.New(start), Gateway: gw}
			path.edit(&cfg)
			bs, err := boxoffice.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer bs.Close(ctx)
			b, err := bs.ConfirmBooking(ctx, id, "card:tok_visa")
			if !errors.Is(err, boxoffice.ErrHoldExpired) {
				t.Errorf("ConfirmBooking = %s, %v; want an error matching ErrHoldExpired", b.Status, err)
			}
			if b, err = bs.Booking(ctx, id); err != nil || b.Status != boxoffice.StatusExpired || b.Payment.Amount != 0 {
				t.Errorf("Booking = %s paid %v, %v; want expired, unpaid", b.Status, b.Payment.Amount, err)
			}
		})
	}
}

// watchNoPanic is bs.Watch, failing the test if it panics.
func watchNoPanic(t *testing.T, bs *boxoffice.BookingSystem, ctx context.Context, showID string) (updates <-chan boxoffice.SeatUpdate, err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("Watch panicked: %v", p)
		}
	}()
	return bs.Watch(ctx, showID)
}

// TestShowsOfMovieCountsTheLayoutsSeats: a listing counts a show's seats as
// SeatMap lists them, those of its hall's layout, on either path. A show
// stored with more seats (AddShow takes any layout) is listed with the
// layout's count, the free ones among them, the stored seats past the
// layout left out; one stored with fewer, which SeatMap and Watch refuse,
// makes the listing an error matching ErrInvalidArgument, as SeatMap's.
func TestShowsOfMovieCountsTheLayoutsSeats(t *testing.T) {
	ctx := context.Background()
	for _, path := range storePaths {
		t.Run(path.name+"/more", func(t *testing.T) {
			hallLayout, err := boxoffice.GridLayout(1, 5, nil)
			if err != nil {
				t.Fatal(err)
			}
			showLayout, err := boxoffice.GridLayout(3, 10, nil)
			if err != nil {
				t.Fatal(err)
			}
			s := storedShow(t, hallLayout, showLayout)
			// One seat of the layout taken, and one past it.
			if err := s.UpdateShow(ctx, "s", func(tx boxoffice.ShowTx) error {
				for _, i := range []int{0, 29} {
					tx.SetSeat(i, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: boxoffice.NewBookingID()})
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			bs := systemOn(t, path, s)
			shows, err := bs.ShowsOfMovie(ctx, "m", boxoffice.ShowPage{})
			if err != nil || len(shows) != 1 {
				t.Fatalf("ShowsOfMovie = %d shows, %v; want 1", len(shows), err)
			}
			m, err := bs.SeatMap(ctx, "s")
			if err != nil {
				t.Fatal(err)
			}
			if got := shows[0]; got.TotalSeats != len(m.Seats) || got.FreeSeats != m.Free || m.Free != 4 {
				t.Errorf("listed %d seats, %d free; SeatMap %d seats, %d free; want 5 seats, 4 free in both",
					got.TotalSeats, got.FreeSeats, len(m.Seats), m.Free)
			}
		})
		t.Run(path.name+"/fewer", func(t *testing.T) {
			bs := systemOn(t, path, fewerSeatsShow(t))
			shows, err := bs.ShowsOfMovie(ctx, "m", boxoffice.ShowPage{})
			if !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Fatalf("ShowsOfMovie = %d shows, %v; want an error matching ErrInvalidArgument", len(shows), err)
			}
			if _, mapErr := bs.SeatMap(ctx, "s"); !errors.Is(mapErr, boxoffice.ErrInvalidArgument) {
				t.Errorf("SeatMap: %v; want an error matching ErrInvalidArgument", mapErr)
			}
		})
	}
}

// systemOn returns a BookingSystem on Store s by path, its clock an hour
// before the show of storedShow, closed when the test ends.
func systemOn(t *testing.T, path storePath, s boxoffice.Store) *boxoffice.BookingSystem {
	t.Helper()
	cfg := boxoffice.Config{Store: s, Clock: fakeclock.New(memDay.Add(-time.Hour)), Gateway: boxoffice.NewInMemoryGateway()}
	path.edit(&cfg)
	bs, err := boxoffice.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bs.Close(context.Background()) })
	return bs
}
