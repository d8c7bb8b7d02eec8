package boxoffice_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"pgregory.net/rapid"
)

// TestMalformedShowNoPanic: a Store may hand back data the BookingSystem
// never wrote (a MemoryStore filled directly, another process's bug, a
// third-party Store, here the in-memory Store on either path): a show stored with more or fewer seats than its
// hall's layout, or none, a hall whose layout is empty, seat slots of
// unknown statuses naming bookings that do not exist, bookings of unknown
// statuses whose seats are not in the layout, repeated, or of unknown
// types. Every public method that touches such a show answers, with an
// error or not, and none panics: not in the call, not in the sweeper, the
// Watch streams or the observers, which run on their own goroutines (a
// panic there ends the test binary).
func TestMalformedShowNoPanic(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		start := memDay.Add(-3 * time.Hour) // the Clock's time at New
		s := boxoffice.NewMemoryStore()
		hallLayout := genMalformedLayout(rt, "hallLayout")
		showLayout := genMalformedLayout(rt, "showLayout")
		sh := boxoffice.Show{ID: "s", MovieID: "m", HallID: "h", TheaterID: "t",
			Start: memDay, End: memDay.Add(2 * time.Hour), BasePrice: 10_00}
		for _, err := range []error{
			s.AddTheater(ctx, boxoffice.Theater{ID: "t", City: "Pune"}),
			s.AddHall(ctx, boxoffice.Hall{ID: "h", TheaterID: "t", Layout: hallLayout}),
			s.AddMovie(ctx, boxoffice.Movie{ID: "m", Title: "M", Duration: 2 * time.Hour}),
			s.AddShow(ctx, sh, showLayout, boxoffice.Interval{Start: sh.Start, End: sh.End}, nil),
		} {
			if err != nil {
				rt.Fatal(err)
			}
		}

		// Seat IDs to ask for and to store in bookings: the hall's, the
		// show's own layout's, and some neither has.
		seatIDs := []string{"A1", "Z9", "", "A0", "ZZZ999"}
		for _, l := range []*boxoffice.Layout{hallLayout, showLayout} {
			for _, seat := range l.Seats() {
				seatIDs = append(seatIDs, seat.ID)
			}
		}
		users := []string{"ann", "bob"}
		ids := rapid.SliceOfN(genBookingID(), 1, 4).Draw(rt, "bookingIDs")
		plant := func(tx boxoffice.ShowTx) error {
			for k, id := range ids {
				b := boxoffice.Booking{
					ID:         id,
					UserID:     rapid.SampledFrom(users).Draw(rt, fmt.Sprint("user", k)),
					ShowID:     rapid.SampledFrom([]string{"s", "s", "other"}).Draw(rt, fmt.Sprint("showID", k)),
					Status:     boxoffice.BookingStatus(rapid.Uint8Range(0, 10).Draw(rt, fmt.Sprint("status", k))),
					Total:      genMalformedMoney().Draw(rt, fmt.Sprint("total", k)),
					CreatedAt:  start.Add(-time.Minute),
					HeldUntil:  start.Add(time.Duration(rapid.IntRange(-20, 20).Draw(rt, fmt.Sprint("heldUntil", k))) * time.Minute),
					UpdatedAt:  start.Add(-time.Minute),
					Extensions: rapid.SampledFrom([]int{0, 1, -1, math.MaxInt}).Draw(rt, fmt.Sprint("extensions", k)),
				}
				for j := range rapid.IntRange(0, 10).Draw(rt, fmt.Sprint("nseats", k)) {
					b.Seats = append(b.Seats, boxoffice.BookingSeat{
						ID:    rapid.SampledFrom(seatIDs).Draw(rt, fmt.Sprint("seat", k, j)),
						Type:  boxoffice.SeatType(rapid.Uint8Range(0, 5).Draw(rt, fmt.Sprint("type", k, j))),
						Price: genMalformedMoney().Draw(rt, fmt.Sprint("price", k, j)),
					})
				}
				if rapid.Bool().Draw(rt, fmt.Sprint("paid", k)) {
					b.Payment = boxoffice.Payment{Method: "card:tok_visa", Amount: b.Total, Reference: "ch_" + id.String(),
						Attempts: 1, PaidAt: start.Add(-time.Minute)}
					b.Refund.Amount = genMalformedMoney().Draw(rt, fmt.Sprint("refund", k))
				}
				tx.PutBooking(b)
			}
			// Stored seats: at their own positions, which need not be the
			// hall layout's; a position past them is the transaction's misuse.
			for i := range tx.NumSeats() {
				if !rapid.Bool().Draw(rt, fmt.Sprint("setSeat", i)) {
					continue
				}
				slot := boxoffice.SeatSlot{
					Status:    boxoffice.SeatStatus(rapid.Uint8Range(0, 4).Draw(rt, fmt.Sprint("seatStatus", i))),
					HeldUntil: start.Add(time.Duration(rapid.IntRange(-20, 20).Draw(rt, fmt.Sprint("seatUntil", i))) * time.Minute),
				}
				if rapid.IntRange(0, 4).Draw(rt, fmt.Sprint("seatOwner", i)) > 0 {
					slot.Booking = rapid.SampledFrom(ids).Draw(rt, fmt.Sprint("seatBooking", i))
				} else {
					slot.Booking = genBookingID().Draw(rt, fmt.Sprint("seatStranger", i))
				}
				tx.SetSeat(i, slot)
			}
			if rapid.IntRange(0, 5).Draw(rt, "cancelled") == 0 {
				tx.CancelShow()
			}
			return nil
		}
		if err := s.UpdateShow(ctx, "s", plant); err != nil {
			rt.Fatal(err)
		}

		// The in-memory Store's own paths, or those every other Store's
		// data takes (genericStore).
		var store boxoffice.Store = s
		if rapid.Bool().Draw(rt, "generic") {
			store = genericStore{s}
		}
		clock := fakeclock.New(start)
		bs, err := boxoffice.New(boxoffice.Config{
			Store: store, Clock: clock, Gateway: boxoffice.NewInMemoryGateway(),
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			// Events are built only for someone: the observer makes every
			// transaction build its events from the malformed data.
			Observers:      []boxoffice.Observer{boxoffice.ObserverFunc(func(context.Context, boxoffice.Event) {})},
			PaymentBackoff: -1, // a payment retried waits on the fake clock otherwise, which no one moves
			// A limit reached has a hold repeated found (retriedAtLimit).
			HoldsPerMinute: rapid.SampledFrom([]int{-1, 1}).Draw(rt, "holdsPerMinute"), MaxSeatsPerShow: rapid.SampledFrom([]int{0, 4}).Draw(rt, "maxSeatsPerShow"),
		})
		if err != nil {
			rt.Fatal(err)
		}
		defer func() {
			if err := bs.Close(ctx); err != nil {
				rt.Errorf("Close: %v", err)
			}
		}()
		// A stream open through every step, fed by every commit.
		watchCtx, stopWatch := context.WithCancel(ctx)
		defer stopWatch()
		noPanic(rt, "Watch (open)", func() error {
			_, err := bs.Watch(watchCtx, "s")
			return err
		})

		for step := range rapid.IntRange(1, 12).Draw(rt, "steps") {
			id := rapid.SampledFrom(ids).Draw(rt, fmt.Sprint("id", step))
			switch op := rapid.IntRange(0, 14).Draw(rt, fmt.Sprint("op", step)); op {
			case 0:
				seats := rapid.SliceOfN(rapid.SampledFrom(seatIDs), 1, 3).Draw(rt, fmt.Sprint("hold", step))
				user := rapid.SampledFrom(users).Draw(rt, fmt.Sprint("holder", step))
				noPanic(rt, "HoldSeats", func() error {
					b, err := bs.HoldSeats(ctx, user, "s", seats)
					if err == nil {
						ids = append(ids, b.ID)
					}
					return err
				})
			case 1:
				noPanic(rt, "ReleaseHold", func() error { _, err := bs.ReleaseHold(ctx, id); return err })
			case 2:
				noPanic(rt, "ExtendHold", func() error { _, err := bs.ExtendHold(ctx, id); return err })
			case 3:
				var before, b boxoffice.Booking
				var err error
				noPanic(rt, "Booking", func() error { before, _ = bs.Booking(ctx, id); return nil })
				noPanic(rt, "ConfirmBooking", func() error { b, err = bs.ConfirmBooking(ctx, id, "card:tok_visa"); return err })
				if err == nil && before.Status != boxoffice.StatusConfirmed && b.Status == boxoffice.StatusConfirmed && len(b.Seats) == 0 {
					// A wrong success: a ticket for no seat, paid for.
					rt.Fatalf("ConfirmBooking confirmed booking %s of no seat, charged %v", b.ID, b.Payment.Amount)
				}
			case 4:
				noPanic(rt, "CancelBooking", func() error { _, err := bs.CancelBooking(ctx, id); return err })
			case 5:
				noPanic(rt, "Booking", func() error { _, err := bs.Booking(ctx, id); return err })
			case 6:
				noPanic(rt, "SeatMap", func() error { _, err := bs.SeatMap(ctx, "s"); return err })
			case 7:
				noPanic(rt, "Watch", func() error {
					wctx, cancel := context.WithCancel(ctx)
					defer cancel()
					updates, err := bs.Watch(wctx, "s")
					if err != nil {
						return err
					}
					select { // the initial map, if it is ready
					case <-updates:
					case <-time.After(10 * time.Millisecond):
					}
					return nil
				})
			case 8:
				noPanic(rt, "ShowsOfMovie", func() error {
					_, err := bs.ShowsOfMovie(ctx, "m", boxoffice.ShowPage{City: rapid.SampledFrom([]string{"", "Pune"}).Draw(rt, fmt.Sprint("city", step))})
					return err
				})
			case 9:
				noPanic(rt, "SearchMovies", func() error {
					_, err := bs.SearchMovies(ctx, boxoffice.MovieQuery{City: "Pune"})
					return err
				})
			case 10:
				noPanic(rt, "BookingsOfUser", func() error {
					_, err := bs.BookingsOfUser(ctx, rapid.SampledFrom(users).Draw(rt, fmt.Sprint("of", step)), boxoffice.BookingPage{})
					return err
				})
			case 11:
				noPanic(rt, "Sweep", func() error { _, err := bs.Sweep(ctx); return err })
			case 12:
				// A tick of the background sweeper: expiry, money owed back,
				// abandoned payments, the rescan of the Store's lapsed holds.
				d := time.Duration(rapid.IntRange(1, 30).Draw(rt, fmt.Sprint("advance", step))) * time.Minute
				clock.Advance(d)
				wctx, cancel := context.WithTimeout(ctx, time.Minute)
				err := clock.WaitForTimers(wctx, 1)
				cancel()
				if err != nil {
					rt.Fatalf("the sweeper did not come back for its next tick: %v", err)
				}
			case 13:
				noPanic(rt, "CancelShow", func() error { _, err := bs.CancelShow(ctx, "s"); return err })
			case 14:
				noPanic(rt, "CompleteShow", func() error { _, err := bs.CompleteShow(ctx, "s"); return err })
			}
		}
	})
}

// genMalformedLayout draws a layout for a hall or a show: a grid of a few
// seats (so that the hall's and the show's differ in size, or not), or an
// empty one, which no constructor makes but new(Layout) is.
func genMalformedLayout(rt *rapid.T, label string) *boxoffice.Layout {
	if rapid.IntRange(0, 5).Draw(rt, label+"Empty") == 0 {
		return new(boxoffice.Layout)
	}
	types := rapid.SliceOfN(rapid.SampledFrom([]boxoffice.SeatType{boxoffice.Regular, boxoffice.Premium, boxoffice.VIP}), 12, 12).Draw(rt, label+"Types")
	l, err := boxoffice.GridLayout(rapid.IntRange(1, 3).Draw(rt, label+"Rows"), rapid.IntRange(1, 4).Draw(rt, label+"Cols"),
		func(row, seat int) boxoffice.SeatType { return types[row*4+seat-1] })
	if err != nil {
		rt.Fatal(err)
	}
	return l
}

// genMalformedMoney draws an amount: a price or a total the BookingSystem
// could have fixed, or none it could (negative, at the ends of the range).
func genMalformedMoney() *rapid.Generator[boxoffice.Money] {
	return rapid.OneOf(
		rapid.Map(rapid.Int64Range(0, 10_000), func(n int64) boxoffice.Money { return boxoffice.Money(n) }),
		rapid.SampledFrom([]boxoffice.Money{-1, math.MinInt64, math.MaxInt64}),
	)
}

// genBookingID draws a booking ID of random bytes (NewBookingID's are
// random too, but not drawn: a failure would not shrink or replay).
func genBookingID() *rapid.Generator[boxoffice.BookingID] {
	return rapid.Custom(func(rt *rapid.T) boxoffice.BookingID {
		var id boxoffice.BookingID
		copy(id[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(rt, "id"))
		return id
	})
}

// noPanic calls f, failing the test with the method's name and the panic's
// stack if it panics. Errors are the method's answer to malformed data.
func noPanic(rt *rapid.T, method string, f func() error) {
	rt.Helper()
	defer func() {
		if v := recover(); v != nil {
			rt.Fatalf("%s panicked: %v\n%s", method, v, debug.Stack())
		}
	}()
	_ = f()
}
