package boxoffice_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// showCancelFixture is a fixture with a recorder, on one of the store paths.
func showCancelFixture(t *testing.T, edit ...func(*boxoffice.Config)) (*fixture, *recorder) {
	t.Helper()
	rec := newRecorder()
	f := newFixture(t, append([]func(*boxoffice.Config){func(c *boxoffice.Config) {
		c.Observers = []boxoffice.Observer{rec}
		c.MaxLiveHoldsPerUser = -1
	}}, edit...)...)
	return f, rec
}

// cancelShowAt moves the clock a second on, so that the events of the
// cancellation are told apart by their time, and cancels the fixture's
// show; it returns the counts and the time of the cancellation.
func (f *fixture) cancelShowAt() (boxoffice.ShowCancellation, time.Time) {
	f.t.Helper()
	f.clock.Advance(time.Second)
	at := f.clock.Now()
	counts, err := f.sys.CancelShow(f.ctx, f.show.ID)
	if err != nil {
		f.t.Fatalf("CancelShow: %v", err)
	}
	return counts, at
}

// eventsAt waits for the ShowCancelled event and returns every event
// committed at at, the cancellation's, in order.
func eventsAt(t *testing.T, rec *recorder, at time.Time) []boxoffice.Event {
	t.Helper()
	waitForEvent(t, rec, func(e boxoffice.Event) bool { _, ok := e.(*boxoffice.ShowCancelled); return ok })
	var out []boxoffice.Event
	for _, e := range rec.waitFor(t, 0) {
		if e.Meta().At.Equal(at) {
			out = append(out, e)
		}
	}
	return out
}

// wantShowCancelled checks what a cancelled show shows: a seat map with
// nothing for sale, and holds refused.
func (f *fixture) wantShowCancelled() {
	f.t.Helper()
	m, err := f.sys.SeatMap(f.ctx, f.show.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	if !m.Cancelled || m.Free != 0 {
		f.t.Errorf("seat map of the cancelled show: Cancelled %v, Free %d; want true, 0", m.Cancelled, m.Free)
	}
	for _, s := range m.Seats {
		if s.Status != boxoffice.SeatAvailable {
			f.t.Errorf("seat %s of the cancelled show is %s; want nobody's", s.ID, s.Status)
		}
	}
	_, err = f.sys.HoldSeats(f.ctx, "zed", f.show.ID, []string{"F10"})
	var sce *boxoffice.ShowCancelledError
	if !errors.Is(err, boxoffice.ErrShowCancelled) || !errors.As(err, &sce) || sce.ShowID != f.show.ID {
		f.t.Errorf("HoldSeats on the cancelled show: %v; want a *ShowCancelledError for %s", err, f.show.ID)
	}
}

// TestCancelShowByBookingState: what CancelShow does to a booking of each
// state, on both store paths: its status, the counts, the money, and the
// event observers get.
func TestCancelShowByBookingState(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(f *fixture) boxoffice.Booking
		want   boxoffice.BookingStatus
		counts boxoffice.ShowCancellation
		refund boxoffice.Money // refunded, in all, once CancelShow has returned
		event  func(e boxoffice.Event, b boxoffice.Booking) bool
	}{
		{
			name:   "live hold: released",
			setup:  func(f *fixture) boxoffice.Booking { return f.hold("alice", "A1", "A2") },
			want:   boxoffice.StatusReleased,
			counts: boxoffice.ShowCancellation{HoldsReleased: 1},
			event: func(e boxoffice.Event, b boxoffice.Booking) bool {
				r, ok := e.(*boxoffice.HoldReleased)
				return ok && r.BookingID == b.ID && slices.Equal(r.Seats, []string{"A1", "A2"})
			},
		},
		{
			name: "hold run out, still on its seats: expired",
			setup: func(f *fixture) boxoffice.Booking {
				b := f.hold("alice", "A1", "A2")
				f.clock.Advance(11 * time.Minute)
				return b
			},
			want:   boxoffice.StatusExpired,
			counts: boxoffice.ShowCancellation{HoldsExpired: 1},
			event: func(e boxoffice.Event, b boxoffice.Booking) bool {
				x, ok := e.(*boxoffice.HoldExpired)
				return ok && x.BookingID == b.ID
			},
		},
		{
			// A hold is live until its deadline, not at it (as the
			// sweeper and the seat map judge).
			name: "hold at its deadline exactly: expired",
			setup: func(f *fixture) boxoffice.Booking {
				b := f.hold("alice", "A1", "A2")
				f.clock.Set(b.HeldUntil.Add(-time.Second)) // cancelShowAt advances a second
				return b
			},
			want:   boxoffice.StatusExpired,
			counts: boxoffice.ShowCancellation{HoldsExpired: 1},
			event: func(e boxoffice.Event, b boxoffice.Booking) bool {
				x, ok := e.(*boxoffice.HoldExpired)
				return ok && x.BookingID == b.ID
			},
		},
		{
			name:   "confirmed: cancelled, refunded in full",
			setup:  func(f *fixture) boxoffice.Booking { return f.confirm(f.hold("alice", "A1", "A2")) },
			want:   boxoffice.StatusCancelled,
			counts: boxoffice.ShowCancellation{BookingsCancelled: 1},
			refund: 45_00,
			event: func(e boxoffice.Event, b boxoffice.Booking) bool {
				c, ok := e.(*boxoffice.BookingCancelled)
				return ok && c.BookingID == b.ID && c.ShowCancelled && c.Refund.Amount == 45_00 && c.Refund.Percent == 100
			},
		},
		{
			// The refund policy would give 25 %; a show the cinema
			// cancels is refunded in full.
			name: "confirmed, an hour before the show: refunded in full",
			setup: func(f *fixture) boxoffice.Booking {
				b := f.confirm(f.hold("alice", "A1", "A2"))
				f.clock.Advance(9 * time.Hour)
				return b
			},
			want:   boxoffice.StatusCancelled,
			counts: boxoffice.ShowCancellation{BookingsCancelled: 1},
			refund: 45_00,
			event: func(e boxoffice.Event, b boxoffice.Booking) bool {
				c, ok := e.(*boxoffice.BookingCancelled)
				return ok && c.BookingID == b.ID && c.ShowCancelled && c.Refund.Percent == 100
			},
		},
		{
			// The payment's process is gone; the booking is left paying,
			// for its payment (or the sweeper) to fail and void.
			name: "paying: seats taken back, left paying",
			setup: func(f *fixture) boxoffice.Booking {
				b := f.hold("alice", "A1", "A2")
				leaveAbandonedPaying(f.t, f.store, b)
				return b
			},
			want:   boxoffice.StatusPaying,
			counts: boxoffice.ShowCancellation{PaymentsStopped: 1},
		},
		{
			name: "released by its customer: untouched",
			setup: func(f *fixture) boxoffice.Booking {
				b := f.hold("alice", "A1", "A2")
				mustT[boxoffice.Booking](f.t)(f.sys.ReleaseHold(f.ctx, b.ID))
				return b
			},
			want: boxoffice.StatusReleased,
		},
		{
			name: "cancelled by its customer: untouched",
			setup: func(f *fixture) boxoffice.Booking {
				b := f.confirm(f.hold("alice", "A1", "A2"))
				f.clock.Advance(7 * time.Hour) // 3 h before the show: 50 %
				return mustT[boxoffice.Booking](f.t)(f.sys.CancelBooking(f.ctx, b.ID))
			},
			want:   boxoffice.StatusCancelled,
			refund: 22_50,
		},
		{
			name: "payment declined: untouched",
			setup: func(f *fixture) boxoffice.Booking {
				b := f.hold("alice", "A1", "A2")
				f.gateway.script(chargeOutcome{err: boxoffice.ErrPaymentDeclined})
				if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, boxoffice.ErrPaymentDeclined) {
					f.t.Fatalf("declined payment: %v", err)
				}
				return b
			},
			want: boxoffice.StatusFailed,
		},
	}
	for _, path := range storePaths {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				f, rec := showCancelFixture(t, path.edit)
				b := tt.setup(f)
				counts, at := f.cancelShowAt()
				if counts != tt.counts {
					t.Errorf("CancelShow counts %+v; want %+v", counts, tt.counts)
				}
				got := f.booking(b.ID)
				if got.Status != tt.want {
					t.Errorf("booking after CancelShow: %s; want %s", got.Status, tt.want)
				}
				if tt.counts.BookingsCancelled > 0 {
					if got.Refund.Amount != got.Total || got.Refund.Percent != 100 || got.Refund.Reason != "show cancelled" ||
						got.Refund.Reference == "" || !got.Refund.RefundedAt.Equal(at) || got.RefundOwed() != 0 {
						t.Errorf("refund of the cancelled booking: %+v; want %s (100 %%, show cancelled) paid at %v", got.Refund, got.Total, at)
					}
				}
				if _, refunded := f.gateway.Totals(); refunded != tt.refund {
					t.Errorf("gateway refunded %s; want %s", refunded, tt.refund)
				}
				f.wantShowCancelled()

				events := eventsAt(t, rec, at)
				sc, ok := events[len(events)-1].(*boxoffice.ShowCancelled)
				if !ok {
					t.Fatalf("the cancellation's last event is %T; want *ShowCancelled", events[len(events)-1])
				}
				if sc.HoldsReleased != tt.counts.HoldsReleased || sc.HoldsExpired != tt.counts.HoldsExpired ||
					sc.BookingsCancelled != tt.counts.BookingsCancelled || sc.PaymentsStopped != tt.counts.PaymentsStopped ||
					sc.ShowID != f.show.ID {
					t.Errorf("ShowCancelled %+v; want the counts %+v", sc, tt.counts)
				}
				switch {
				case tt.event == nil && len(events) != 1:
					t.Errorf("events of the cancellation: %d; want ShowCancelled alone", len(events))
				case tt.event != nil && (len(events) != 2 || !tt.event(events[0], b)):
					t.Errorf("events of the cancellation: %d, the first %+v; want the booking's, then ShowCancelled", len(events), events[0])
				}
			})
		}
	}
}

// TestCancelShowCounts: a show with bookings of every kind, and another
// show, which the cancellation leaves alone. The cancelled show keeps its
// slot in the hall.
func TestCancelShowCounts(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f, rec := showCancelFixture(t, path.edit)
			other := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H1",
				Start: time.Date(2026, 3, 3, 23, 0, 0, 0, time.UTC), BasePrice: 1500}))
			lapsed := f.hold("ann", "F1")
			f.clock.Advance(11 * time.Minute)
			// bob takes one of two seats of a hold that ran out: it still
			// has the other, which it gives back as expired.
			lapsed2 := f.hold("bea", "F3", "F4")
			f.clock.Advance(11 * time.Minute)
			f.hold("bob", "F4")
			held := []boxoffice.Booking{f.hold("cat", "A1"), f.hold("dan", "B1", "B2")}
			sold := []boxoffice.Booking{f.confirm(f.hold("eve", "C1", "C2")), f.confirm(f.hold("fay", "D1"))}
			paying := f.hold("gus", "E1")
			leaveAbandonedPaying(t, f.store, paying)
			elsewhere := mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "hal", other.ID, []string{"A1"}))
			before := f.sys.Stats()

			counts, at := f.cancelShowAt()
			want := boxoffice.ShowCancellation{HoldsReleased: 3, HoldsExpired: 2, BookingsCancelled: 2, PaymentsStopped: 1}
			if counts != want {
				t.Errorf("counts %+v; want %+v", counts, want)
			}
			for _, b := range []boxoffice.Booking{lapsed, lapsed2} {
				if got := f.booking(b.ID).Status; got != boxoffice.StatusExpired {
					t.Errorf("lapsed hold %v: %s; want expired", b.SeatIDs(), got)
				}
			}
			for _, b := range held {
				if got := f.booking(b.ID).Status; got != boxoffice.StatusReleased {
					t.Errorf("hold %v: %s; want released", b.SeatIDs(), got)
				}
			}
			var total boxoffice.Money
			for _, b := range sold {
				total += b.Total
				if got := f.booking(b.ID); got.Status != boxoffice.StatusCancelled || got.Refund.Amount != b.Total || got.RefundOwed() != 0 {
					t.Errorf("sold %v: %s refunded %s owing %s; want cancelled, %s refunded", b.SeatIDs(), got.Status,
						got.Refund.Amount, got.RefundOwed(), b.Total)
				}
			}
			if _, refunded := f.gateway.Totals(); refunded != total {
				t.Errorf("gateway refunded %s; want %s", refunded, total)
			}
			st := f.sys.Stats()
			if st.Released-before.Released != 3 || st.Expired-before.Expired != 2 || st.Cancelled-before.Cancelled != 2 {
				t.Errorf("Stats moved by %d released, %d expired, %d cancelled; want 3, 2, 2",
					st.Released-before.Released, st.Expired-before.Expired, st.Cancelled-before.Cancelled)
			}
			f.wantShowCancelled()
			events := eventsAt(t, rec, at)
			sc := events[len(events)-1].(*boxoffice.ShowCancelled)
			if sc.HoldsReleased != 3 || sc.HoldsExpired != 2 || sc.BookingsCancelled != 2 || sc.PaymentsStopped != 1 || sc.RefundTotal != total {
				t.Errorf("ShowCancelled %+v; want 3, 2, 2, 1 and %s", sc, total)
			}
			if len(events) != 3+2+2+1 {
				t.Errorf("%d events of the cancellation; want one per hold and sale, and ShowCancelled", len(events))
			}

			// The other show is not cancelled.
			if got := f.booking(elsewhere.ID).Status; got != boxoffice.StatusHeld {
				t.Errorf("hold on the other show: %s; want held", got)
			}
			if m := mustT[boxoffice.SeatMap](t)(f.sys.SeatMap(f.ctx, other.ID)); m.Cancelled || m.Free != 59 {
				t.Errorf("the other show's seat map: Cancelled %v, Free %d; want false, 59", m.Cancelled, m.Free)
			}
			mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "ivy", other.ID, []string{"A2"}))
		})
	}
}

// TestScheduleOverCancelledShow: a cancelled show frees its slot in the
// hall, and only its own: a show that also overlaps a live one is refused,
// naming the live one.
func TestScheduleOverCancelledShow(t *testing.T) {
	at := func(hour, minute int) time.Time { return time.Date(2026, 3, 3, hour, minute, 0, 0, time.UTC) }
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f, _ := showCancelFixture(t, path.edit)
			// The fixture's show blocks the hall over 19:00–21:58, this one
			// over 23:00–01:58.
			later := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H1",
				Start: at(23, 0), BasePrice: 1500}))
			schedule := func(id string, start time.Time) error {
				_, err := f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: id, MovieID: "M1", HallID: "H1", Start: start, BasePrice: 1500})
				return err
			}
			var sce *boxoffice.ScheduleConflictError
			if err := schedule("early", at(19, 30)); !errors.As(err, &sce) || sce.Conflict.ID != f.show.ID {
				t.Fatalf("a show over the live show's slot: %v; want a conflict with %s", err, f.show.ID)
			}
			f.cancelShowAt()
			if err := schedule("both", at(21, 0)); !errors.As(err, &sce) || sce.Conflict.ID != later.ID {
				t.Errorf("a show over the cancelled show and %s: %v; want a conflict with %s", later.ID, err, later.ID)
			}
			if err := schedule("early", at(19, 30)); err != nil {
				t.Errorf("a show over the cancelled show's slot: %v; want it scheduled", err)
			}
			// The slot is taken again by the new show.
			if err := schedule("again", at(19, 45)); !errors.As(err, &sce) || sce.Conflict.ID != "early" {
				t.Errorf("a show over the new show's slot: %v; want a conflict with early", err)
			}
		})
	}
}

// TestCancelShowRefusals: after the start (or at it), CancelShow refuses
// and changes nothing; a show cancelled already is cancelled again with no
// error and zero counts, before its start or after; an unknown show is
// ErrNotFound.
func TestCancelShowRefusals(t *testing.T) {
	t.Run("at the start, and after", func(t *testing.T) {
		for _, d := range []time.Duration{10 * time.Hour, 10*time.Hour + time.Minute} {
			f, _ := showCancelFixture(t)
			b := f.confirm(f.hold("alice", "A1"))
			f.clock.Advance(d)
			_, err := f.sys.CancelShow(f.ctx, f.show.ID)
			var se *boxoffice.ShowStartedError
			if !errors.Is(err, boxoffice.ErrShowStarted) || !errors.As(err, &se) || se.ShowID != f.show.ID {
				t.Errorf("CancelShow %s after 09:00: %v; want a *ShowStartedError", d, err)
			}
			if m := mustT[boxoffice.SeatMap](t)(f.sys.SeatMap(f.ctx, f.show.ID)); m.Cancelled {
				t.Error("the show is cancelled after a refused CancelShow")
			}
			if got := f.booking(b.ID); got.Status != boxoffice.StatusConfirmed {
				t.Errorf("booking after a refused CancelShow: %s; want confirmed", got.Status)
			}
		}
	})
	t.Run("bookings completed by a process whose clock is ahead", func(t *testing.T) {
		f, _ := showCancelFixture(t)
		b := f.confirm(f.hold("alice", "A1"))
		other := f.confirm(f.hold("bob", "A2"))
		must(t, f.store.UpdateShow(f.ctx, f.show.ID, func(tx boxoffice.ShowTx) error {
			c, err := tx.Booking(b.ID)
			c.Status = boxoffice.StatusCompleted
			tx.PutBooking(c)
			return err
		}))
		if _, err := f.sys.CancelShow(f.ctx, f.show.ID); !errors.Is(err, boxoffice.ErrShowStarted) {
			t.Errorf("CancelShow with a completed booking: %v; want ErrShowStarted", err)
		}
		if got := f.booking(other.ID); got.Status != boxoffice.StatusConfirmed {
			t.Errorf("the other booking after the refused CancelShow: %s; want confirmed", got.Status)
		}
	})
	t.Run("twice", func(t *testing.T) {
		f, rec := showCancelFixture(t)
		f.confirm(f.hold("alice", "A1"))
		first, at := f.cancelShowAt()
		if first.BookingsCancelled != 1 {
			t.Fatalf("first CancelShow: %+v", first)
		}
		eventsAt(t, rec, at) // all of the first CancelShow's, delivered
		events := len(rec.waitFor(t, 0))
		for _, d := range []time.Duration{time.Hour, 12 * time.Hour} { // before the start, and after
			f.clock.Advance(d)
			again, err := f.sys.CancelShow(f.ctx, f.show.ID)
			if err != nil || again != (boxoffice.ShowCancellation{}) {
				t.Errorf("CancelShow again (%s later): %+v, %v; want zero counts, no error", d, again, err)
			}
		}
		if _, refunded := f.gateway.Totals(); refunded != 22_50 {
			t.Errorf("refunded %s in all; want 22.50, once", refunded)
		}
		ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
		defer cancel()
		must(t, f.sys.Close(ctx)) // delivers every event
		if n := len(rec.waitFor(t, 0)); n != events {
			t.Errorf("%d events after cancelling again; want %d, none new", n, events)
		}
	})
	t.Run("unknown show", func(t *testing.T) {
		f, _ := showCancelFixture(t)
		if _, err := f.sys.CancelShow(f.ctx, "nope"); !errors.Is(err, boxoffice.ErrNotFound) {
			t.Errorf("CancelShow of an unknown show: %v; want ErrNotFound", err)
		}
	})
}

// TestCancelShowThenBookingCalls: the bookings of a cancelled show answer
// by their states.
func TestCancelShowThenBookingCalls(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f, _ := showCancelFixture(t, path.edit)
			held := f.hold("alice", "A1")
			sold := f.confirm(f.hold("bob", "B1"))
			paying := f.hold("cat", "C1")
			leaveAbandonedPaying(t, f.store, paying)
			f.cancelShowAt()

			calls := []struct {
				name string
				call func() (boxoffice.Booking, error)
				want []error // nil: no error
			}{
				{"ExtendHold of a released hold", func() (boxoffice.Booking, error) { return f.sys.ExtendHold(f.ctx, held.ID) },
					[]error{boxoffice.ErrInvalidTransition}},
				{"ConfirmBooking of a released hold", func() (boxoffice.Booking, error) { return f.sys.ConfirmBooking(f.ctx, held.ID, "card") },
					[]error{boxoffice.ErrInvalidTransition}},
				{"ReleaseHold of a released hold", func() (boxoffice.Booking, error) { return f.sys.ReleaseHold(f.ctx, held.ID) }, nil},
				{"CancelBooking of a released hold", func() (boxoffice.Booking, error) { return f.sys.CancelBooking(f.ctx, held.ID) },
					[]error{boxoffice.ErrInvalidTransition}},
				{"ExtendHold of a paying booking", func() (boxoffice.Booking, error) { return f.sys.ExtendHold(f.ctx, paying.ID) },
					[]error{boxoffice.ErrInvalidTransition}},
				{"CancelBooking of a paying booking", func() (boxoffice.Booking, error) { return f.sys.CancelBooking(f.ctx, paying.ID) },
					[]error{boxoffice.ErrInvalidTransition}},
				{"ConfirmBooking of a cancelled booking", func() (boxoffice.Booking, error) { return f.sys.ConfirmBooking(f.ctx, sold.ID, "card") },
					[]error{boxoffice.ErrInvalidTransition}},
				{"CancelBooking of a cancelled booking", func() (boxoffice.Booking, error) { return f.sys.CancelBooking(f.ctx, sold.ID) }, nil},
			}
			for _, c := range calls {
				_, err := c.call()
				if c.want == nil && err != nil {
					t.Errorf("%s: %v; want no error", c.name, err)
				}
				for _, w := range c.want {
					if !errors.Is(err, w) {
						t.Errorf("%s: %v; want it to match %v", c.name, err, w)
					}
				}
			}
			if got := f.booking(sold.ID); got.Status != boxoffice.StatusCancelled || got.Refund.Amount != sold.Total {
				t.Errorf("the cancelled booking after the calls: %s refunded %s; want cancelled, %s", got.Status, got.Refund.Amount, sold.Total)
			}
			if _, refunded := f.gateway.Totals(); refunded != sold.Total {
				t.Errorf("refunded %s; want %s, once", refunded, sold.Total)
			}
			f.wantShowCancelled()
		})
	}
}

// TestCancelShowDuringPayment: the show is cancelled while a payment is
// in flight (inside the gateway's charge). The charge completes; the
// payment then finds its seats lost: the booking fails as hold lost,
// saying the show was cancelled, and the charge is voided. One charge
// call in all.
func TestCancelShowDuringPayment(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f, rec := showCancelFixture(t, path.edit)
			b := f.hold("alice", "A1", "A2")
			var counts boxoffice.ShowCancellation
			var cancelErr error
			f.gateway.mu.Lock()
			f.gateway.before = func() { counts, cancelErr = f.sys.CancelShow(f.ctx, f.show.ID) }
			f.gateway.mu.Unlock()
			got, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card")
			if cancelErr != nil || counts != (boxoffice.ShowCancellation{PaymentsStopped: 1}) {
				t.Errorf("CancelShow during the charge: %+v, %v; want one payment stopped", counts, cancelErr)
			}
			wantPaymentStoppedByCancel(f, rec, b, err)
			got = f.booking(b.ID)
			if got.Status != boxoffice.StatusFailed || got.Payment.FailureKind != boxoffice.FailureHoldLost ||
				got.Payment.Amount != b.Total || got.Refund.Amount != b.Total || got.RefundOwed() != 0 {
				t.Errorf("booking: %s (%v) paid %s refunded %s; want failed (hold lost), %s paid and voided",
					got.Status, got.Payment.FailureKind, got.Payment.Amount, got.Refund.Amount, b.Total)
			}
			charged, refunded := f.gateway.Totals()
			if n := f.gateway.chargeCalls(); n != 1 || charged != b.Total || refunded != b.Total {
				t.Errorf("gateway: %d charge calls, %s charged, %s refunded; want 1, %s and %s", n, charged, refunded, b.Total, b.Total)
			}
			f.wantShowCancelled()
		})
	}
}

// TestCancelShowAbandonedPayment: the process paying is gone (the
// payment was charged, but its outcome not recorded). The show is
// cancelled; the sweeper, once the payment is abandoned, resumes it, finds
// its seats lost and voids the charge, charging nothing anew; the
// failure says the show was cancelled.
func TestCancelShowAbandonedPayment(t *testing.T) {
	f, rec, b := abandonedFixture(t, time.Second)
	counts, err := f.sys.CancelShow(f.ctx, f.show.ID)
	if err != nil || counts != (boxoffice.ShowCancellation{PaymentsStopped: 1}) {
		t.Fatalf("CancelShow: %+v, %v; want one payment stopped", counts, err)
	}
	if got := f.booking(b.ID); got.Status != boxoffice.StatusPaying {
		t.Fatalf("booking right after CancelShow: %s; want paying", got.Status)
	}
	f.tick(61 * time.Second)
	f.tick(abandonBound - 61*time.Second)
	if got := f.booking(b.ID); got.Status != boxoffice.StatusPaying {
		t.Fatalf("booking at the bound: %s; want paying, left to a live call", got.Status)
	}
	f.tick(time.Second)
	got := f.booking(b.ID)
	if got.Status != boxoffice.StatusFailed || got.Payment.FailureKind != boxoffice.FailureHoldLost ||
		got.Refund.Amount != b.Total || got.RefundOwed() != 0 {
		t.Errorf("after the bound: %s (%v) refunded %s owing %s; want failed (hold lost), %s voided",
			got.Status, got.Payment.FailureKind, got.Refund.Amount, got.RefundOwed(), b.Total)
	}
	charged, refunded := f.gateway.Totals()
	if n := f.gateway.chargeCalls(); n != 1 || charged != b.Total || refunded != b.Total {
		t.Errorf("gateway: %d charge calls, %s charged, %s refunded; want the first call's charge alone, voided", n, charged, refunded)
	}
	wantPaymentStoppedByCancel(f, rec, b, nil)
}

// refundHook is an InMemoryGateway that calls hook before each refund,
// with the refund's number (1 for the first); an error of hook fails the
// refund, and a panic of hook is the gateway's.
type refundHook struct {
	*boxoffice.InMemoryGateway
	mu   sync.Mutex
	n    int
	hook func(n int) error
}

func (g *refundHook) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	g.mu.Lock()
	g.n++
	n := g.n
	g.mu.Unlock()
	if err := g.hook(n); err != nil {
		return boxoffice.Receipt{}, err
	}
	return g.InMemoryGateway.Refund(ctx, r)
}

// TestCancelShowRefundsOwed: refunds that CancelShow cannot pay — the
// gateway refuses or panics, or the caller's ctx ends — are owed when it
// returns, counted, and paid by the sweeper.
func TestCancelShowRefundsOwed(t *testing.T) {
	tests := []struct {
		name string
		hook func(n int, cancel context.CancelFunc) error // before refund n
		owed int
	}{
		{"refused", func(n int, _ context.CancelFunc) error {
			if n == 1 {
				return errGatewayDown
			}
			return nil
		}, 1},
		{"panic", func(n int, _ context.CancelFunc) error {
			if n == 2 {
				panic("gateway bug")
			}
			return nil
		}, 1},
		{"ctx ends during the first refund", func(n int, cancel context.CancelFunc) error {
			if n == 1 {
				cancel() // the refund under way is paid all the same
			}
			return nil
		}, 2},
	}
	for _, path := range storePaths {
		for _, tt := range tests {
			t.Run(path.name+"/"+tt.name, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				gw := &refundHook{InMemoryGateway: boxoffice.NewInMemoryGateway()}
				gw.hook = func(n int) error { return tt.hook(n, cancel) }
				f, _ := showCancelFixture(t, path.edit, func(c *boxoffice.Config) {
					c.Gateway = gw
					c.SweepInterval, c.PaymentAttempts = time.Second, 1
				})
				sold := []boxoffice.Booking{f.confirm(f.hold("alice", "A1", "A2")), f.confirm(f.hold("bob", "B1")), f.confirm(f.hold("cat", "C1"))}
				var total boxoffice.Money
				for _, b := range sold {
					total += b.Total
				}
				counts, err := f.sys.CancelShow(ctx, f.show.ID)
				if err != nil || counts.BookingsCancelled != 3 || counts.RefundsOwed != tt.owed {
					t.Fatalf("CancelShow: %+v, %v; want 3 cancelled, %d refunds owed", counts, err, tt.owed)
				}
				owing := 0
				for _, b := range sold {
					if got := f.booking(b.ID); got.Status != boxoffice.StatusCancelled {
						t.Errorf("booking %v: %s; want cancelled", b.SeatIDs(), got.Status)
					} else if got.RefundOwed() > 0 {
						owing++
					}
				}
				if owing != tt.owed {
					t.Errorf("%d bookings owe a refund; CancelShow counted %d", owing, tt.owed)
				}
				f.tick(time.Second)
				for _, b := range sold {
					if got := f.booking(b.ID); got.RefundOwed() != 0 || got.Refund.Amount != b.Total || got.Refund.Reference == "" {
						t.Errorf("booking %v after the sweeper's tick: refund %+v owing %s; want %s paid", b.SeatIDs(), got.Refund, got.RefundOwed(), b.Total)
					}
				}
				if _, refunded := gw.Totals(); refunded != total {
					t.Errorf("gateway refunded %s; want %s, each refund once", refunded, total)
				}
			})
		}
	}
}

// TestCancelShowRacesHolds: many goroutines hold seats while the show is
// cancelled. No hold outlives the cancellation: each one granted is
// released by it (and counted), none is granted after it, and no seat of
// the show is left taken. Run with -race.
func TestCancelShowRacesHolds(t *testing.T) {
	const goroutines, rounds = 32, 8
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			for round := range rounds {
				f, _ := showCancelFixture(t, path.edit)
				ids := make([]string, 0, 60)
				for _, s := range boxoffice.SeedLayout().Seats() {
					ids = append(ids, s.ID)
				}
				var granted sync.Map // booking ID → struct{}
				var nGranted atomic.Int64
				cancelNow := make(chan struct{})
				var once sync.Once
				var cancelled atomic.Bool
				var wg sync.WaitGroup
				for g := range goroutines {
					wg.Go(func() {
						r := rand.New(rand.NewPCG(uint64(round), uint64(g)))
						user := fmt.Sprintf("user%d", g)
						for {
							late := cancelled.Load() // CancelShow has returned: this hold must be refused
							b, err := f.sys.HoldSeats(f.ctx, user, f.show.ID, []string{ids[r.IntN(len(ids))]})
							switch {
							case late && !errors.Is(err, boxoffice.ErrShowCancelled):
								t.Errorf("HoldSeats after CancelShow returned: %v; want ErrShowCancelled", err)
								return
							case err == nil:
								// A retry of a live hold gets that hold again:
								// count each once.
								if _, again := granted.LoadOrStore(b.ID, struct{}{}); !again && nGranted.Add(1) == 20 {
									once.Do(func() { close(cancelNow) })
								}
							case errors.Is(err, boxoffice.ErrShowCancelled):
								return
							case !errors.Is(err, boxoffice.ErrSeatUnavailable):
								t.Errorf("HoldSeats: %v", err)
								return
							}
						}
					})
				}
				recv(t, cancelNow, "20 holds to be granted")
				counts, err := f.sys.CancelShow(f.ctx, f.show.ID)
				cancelled.Store(true)
				if err != nil {
					t.Fatal(err)
				}
				waitGroup(t, &wg, "the holds racing CancelShow")
				if int64(counts.HoldsReleased) != nGranted.Load() {
					t.Errorf("round %d: CancelShow released %d holds; %d were granted", round, counts.HoldsReleased, nGranted.Load())
				}
				granted.Range(func(k, _ any) bool {
					if got := f.booking(k.(boxoffice.BookingID)).Status; got != boxoffice.StatusReleased {
						t.Errorf("round %d: a hold granted is %s after CancelShow; want released", round, got)
					}
					return true
				})
				if err := checkStoredSeats(f.ctx, f.store, boxoffice.SeedLayout(), f.show.ID, f.clock.Now()); err != nil {
					t.Error(err)
				}
				f.wantShowCancelled()
			}
		})
	}
}

// TestCancelShowWatch: a Watch stream sees every seat the cancellation
// frees: a hold's, a sale's and a payment's.
func TestCancelShowWatch(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f, _ := showCancelFixture(t, path.edit)
			ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
			defer cancel()
			f.hold("alice", "A1")
			f.confirm(f.hold("bob", "B1"))
			leaveAbandonedPaying(t, f.store, f.hold("cat", "C1"))
			want := f.seatStatuses()
			updates, err := f.sys.Watch(ctx, f.show.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := firstMap(t, updates, f.hall.Layout); !maps.Equal(got, want) {
				t.Fatalf("the stream began with %v; want the seat map %v", got, want)
			}
			f.cancelShowAt()
			freed := map[string]bool{}
			for len(freed) < 3 {
				select {
				case u, ok := <-updates:
					if !ok {
						t.Fatalf("stream ended; freed %v", freed)
					}
					if u.Status != boxoffice.SeatAvailable {
						t.Errorf("update %+v; want seats freed", u)
					}
					for _, s := range u.Seats {
						freed[s] = true
					}
				case <-ctx.Done():
					t.Fatalf("freed %v; want A1, B1, C1", freed)
				}
			}
			if !freed["A1"] || !freed["B1"] || !freed["C1"] {
				t.Errorf("freed %v; want A1, B1, C1", freed)
			}
		})
	}
}

// TestCancelShowNotice: customers of a cancelled show hear that the show
// was cancelled and that they are refunded in full, not that they
// cancelled.
func TestCancelShowNotice(t *testing.T) {
	var out bytes.Buffer
	sender := boxoffice.NewPrintSender(&out)
	contacts := boxoffice.ContactMap{"alice": {Email: "alice@example.com", Phone: "+15550100"}}
	e := &boxoffice.BookingCancelled{EventMeta: boxoffice.EventMeta{ShowID: "S1", UserID: "alice", BookingID: boxoffice.NewBookingID()},
		Seats: []string{"A1", "A2"}, Refund: boxoffice.Refund{Amount: 45_00, Percent: 100, Reason: "show cancelled"}, ShowCancelled: true}
	boxoffice.NewEmailNotifier(sender, contacts).Notify(context.Background(), e)
	boxoffice.NewSMSNotifier(sender, contacts).Notify(context.Background(), e)
	text := out.String()
	for _, want := range []string{"Subject: Show S1 has been cancelled", "You are refunded $45.00 in full.", "Show S1 was cancelled"} {
		if !strings.Contains(text, want) {
			t.Errorf("notices %q; want %q in them", text, want)
		}
	}
	if strings.Contains(text, "Booking cancelled") {
		t.Errorf("notices %q say the customer cancelled", text)
	}
	if k := boxoffice.EventKind(&boxoffice.ShowCancelled{}); k != "show_cancelled" {
		t.Errorf("EventKind(ShowCancelled) = %q", k)
	}
}

// cancelHookStore is the generic store path with hooks: UpdateShow can fail
// once before running fn, or call a function once after it committed;
// Booking can call a function after its read.
type cancelHookStore struct {
	genericStore
	mu          sync.Mutex
	failNext    bool
	afterUpdate func()
	onBooking   func(id boxoffice.BookingID)
}

func (s *cancelHookStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	s.mu.Lock()
	fail, after := s.failNext, s.afterUpdate
	s.failNext, s.afterUpdate = false, nil
	s.mu.Unlock()
	if fail {
		return errors.New("store down")
	}
	err := s.genericStore.UpdateShow(ctx, showID, fn)
	if err == nil && after != nil {
		after()
	}
	return err
}

func (s *cancelHookStore) Booking(ctx context.Context, id boxoffice.BookingID) (boxoffice.Booking, error) {
	b, err := s.genericStore.Booking(ctx, id)
	s.mu.Lock()
	hook := s.onBooking
	s.mu.Unlock()
	if hook != nil {
		hook(id)
	}
	return b, err
}

// TestCancelShowCtxEndsWhileSweeperSettlesBooking: CancelShow's caller
// gives up right after the cancellation committed, so its refunds are left
// to the sweeper, while the sweeper is settling one of those bookings
// from a read made before the cancellation (it finds it confirmed, owing
// nothing). The refund must still be queued again and paid: handing it
// over with a call that ignores a booking the queue knows left it owed
// for good.
func TestCancelShowCtxEndsWhileSweeperSettlesBooking(t *testing.T) {
	var hs *cancelHookStore
	f := newFixture(t, func(c *boxoffice.Config) {
		hs = &cancelHookStore{genericStore: genericStore{c.Store.(*boxoffice.MemoryStore)}}
		c.Store, c.SweepInterval = hs, time.Second
	})
	b := f.confirm(f.hold("alice", "A1"))
	// A CancelBooking whose transaction failed queues the (still
	// confirmed) booking for the sweeper to look at.
	hs.mu.Lock()
	hs.failNext = true
	hs.mu.Unlock()
	if _, err := f.sys.CancelBooking(f.ctx, b.ID); err == nil {
		t.Fatal("CancelBooking: want the store's error")
	}
	if got := f.booking(b.ID); got.Status != boxoffice.StatusConfirmed {
		t.Fatalf("booking %s; want confirmed still", got.Status)
	}
	// The sweeper's retry reads the booking, and is held right after.
	reached, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hs.mu.Lock()
	hs.onBooking = func(id boxoffice.BookingID) {
		if id == b.ID {
			once.Do(func() { close(reached); <-release })
		}
	}
	hs.mu.Unlock()
	wctx, wcancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer wcancel()
	if err := f.clock.WaitForTimers(wctx, 1); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second)
	select {
	case <-reached:
	case <-time.After(10 * time.Second):
		t.Fatal("the sweeper did not retry the booking")
	}
	// Meanwhile the show is cancelled; the caller's ctx ends as it commits.
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	hs.mu.Lock()
	hs.afterUpdate = cancel
	hs.mu.Unlock()
	counts, err := f.sys.CancelShow(ctx, f.show.ID)
	if err != nil || counts.BookingsCancelled != 1 || counts.RefundsOwed != 1 {
		t.Fatalf("CancelShow: %+v, %v; want 1 cancelled, its refund owed for the sweeper", counts, err)
	}
	close(release)
	if err := f.clock.WaitForTimers(wctx, 1); err != nil {
		t.Fatal(err)
	}
	hs.mu.Lock()
	hs.onBooking = nil
	hs.mu.Unlock()
	for range 6 {
		f.tick(time.Hour)
	}
	if got := f.booking(b.ID); got.Status != boxoffice.StatusCancelled || got.RefundOwed() != 0 {
		t.Errorf("six hours later: %s, refund %+v, owing %s; want the refund paid by the sweeper", got.Status, got.Refund, got.RefundOwed())
	}
}

// TestCancelShowTellsHolders: the customers whose holds CancelShow ends,
// live or run out, hear that the show was cancelled and that nothing was
// charged, not that their hold expired and they may book again; a hold a
// customer releases is told of to nobody, as before.
func TestCancelShowTellsHolders(t *testing.T) {
	var out bytes.Buffer
	mail := boxoffice.NewEmailNotifier(boxoffice.NewPrintSender(&out), boxoffice.ContactMap{
		"alice": {Email: "alice@example.com"}, "bob": {Email: "bob@example.com"}, "carol": {Email: "carol@example.com"}})
	f, rec := showCancelFixture(t, func(c *boxoffice.Config) { c.Observers = append(c.Observers, mail) })
	bob := f.hold("bob", "B1")
	f.clock.Advance(f.sys.Config().HoldTTL) // bob's hold has run out; no sweep yet
	alice := f.hold("alice", "A1")
	carol := f.hold("carol", "C1")
	if _, err := f.sys.ReleaseHold(f.ctx, carol.ID); err != nil {
		t.Fatal(err)
	}
	counts, at := f.cancelShowAt()
	if counts.HoldsReleased != 1 || counts.HoldsExpired != 1 {
		t.Fatalf("CancelShow: %+v; want alice's hold released and bob's expired", counts)
	}
	for _, e := range eventsAt(t, rec, at) {
		switch e := e.(type) {
		case *boxoffice.HoldReleased:
			if e.BookingID != alice.ID || !e.ShowCancelled {
				t.Errorf("HoldReleased %+v; want alice's, ShowCancelled", e)
			}
		case *boxoffice.HoldExpired:
			if e.BookingID != bob.ID || !e.ShowCancelled {
				t.Errorf("HoldExpired %+v; want bob's, ShowCancelled", e)
			}
		}
	}
	if err := f.sys.Close(f.ctx); err != nil { // drains the observers
		t.Fatal(err)
	}
	body := out.String()
	for _, who := range []string{"alice", "bob"} {
		i := strings.Index(body, "--- email to "+who+"@example.com\nSubject: Show "+f.show.ID+" has been cancelled")
		if i < 0 {
			t.Errorf("%s was not told the show was cancelled; emails:\n%s", who, body)
			continue
		}
		if msg := body[i:]; !strings.Contains(msg, "You have not been charged.") {
			t.Errorf("%s's email does not say nothing was charged:\n%s", who, msg)
		}
	}
	if strings.Contains(body, "welcome to book again") {
		t.Errorf("a holder of a cancelled show is invited to book again:\n%s", body)
	}
	if n := strings.Count(body, "--- email to carol@example.com"); n != 1 {
		t.Errorf("carol, who released her own hold, got %d emails; want only the hold's:\n%s", n, body)
	}
}

// Search by city finds a movie only through a show there that was not
// cancelled, on both store paths.
func TestSearchByCitySkipsCancelledShows(t *testing.T) {
	for _, path := range storePaths {
		t.Run(path.name, func(t *testing.T) {
			f := newFixture(t, path.edit)
			inMumbai := func() []string {
				t.Helper()
				var ids []string
				for _, m := range mustT[[]boxoffice.Movie](t)(f.sys.SearchMovies(f.ctx, boxoffice.MovieQuery{City: "Mumbai"})) {
					ids = append(ids, m.ID)
				}
				return ids
			}
			later := mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M1", HallID: "H1",
				Start: f.show.Start.Add(24 * time.Hour), BasePrice: 1500}))
			steps := []struct {
				cancel string
				want   []string
			}{
				{f.show.ID, []string{"M1"}}, // S2 is still on
				{later.ID, nil},
			}
			for _, step := range steps {
				if _, err := f.sys.CancelShow(f.ctx, step.cancel); err != nil {
					t.Fatal(err)
				}
				if got := inMumbai(); !slices.Equal(got, step.want) {
					t.Errorf("movies in Mumbai once %s is cancelled: %v; want %v", step.cancel, got, step.want)
				}
			}
		})
	}
}
