package pgstore_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// garbledGateway takes the charge, then reports a transport error whose
// text carries a NUL byte (a raw upstream body, say): the outcome is
// unknown to the BookingSystem, which must fail the booking and void.
type garbledGateway struct{ *boxoffice.InMemoryGateway }

func (g garbledGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	_, _ = g.InMemoryGateway.Charge(ctx, r)
	return boxoffice.Receipt{}, errors.New("gateway: upstream replied \x00\x01 (connection reset)")
}

// TestGatewayErrorWithNULFailsAndVoids: PostgreSQL's text columns refuse a
// NUL byte (and invalid UTF-8). The BookingSystem records the gateway's
// error text in Payment.Failure; were it stored as given, the transaction
// settling the payment could never commit: the booking would stay paying
// forever and the charge never be voided.
func TestGatewayErrorWithNULFailsAndVoids(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := t.Context()
	inner := boxoffice.NewInMemoryGateway()
	start := time.Date(2031, 1, 1, 20, 0, 0, 0, time.UTC)
	sys, err := boxoffice.New(boxoffice.Config{Store: store, Clock: fakeclock.New(start.Add(-24 * time.Hour)),
		Gateway: garbledGateway{inner}, PaymentBackoff: -1, Logger: slog.New(slog.DiscardHandler)})
	must(t, err)
	t.Cleanup(func() { _ = sys.Close(context.Background()) })
	show := scheduleRexShow(t, sys, boxoffice.Movie{Title: "M", Duration: time.Hour}, start)

	b, err := sys.HoldSeats(ctx, "ann", show.ID, []string{"A1"})
	must(t, err)
	for range 2 { // the call, then the customer's retry (a resume)
		_, err = sys.ConfirmBooking(ctx, b.ID, "card:tok")
		t.Logf("ConfirmBooking: %v", err)
	}
	got, err := store.Booking(ctx, b.ID)
	must(t, err)
	charged, refunded := inner.Totals()
	if got.Status != boxoffice.StatusFailed || charged != refunded {
		t.Errorf("after a gateway error with a NUL byte: booking %v, charged %s, refunded %s; "+
			"want it failed and the possible charge voided", got.Status, charged, refunded)
	}
}

// TestBookingFreeTextIsCleaned puts bookings whose free text PostgreSQL
// cannot store, on the locked path and on the optimistic one: the
// transaction commits, and the booking reads back cleaned — invalid UTF-8
// as U+FFFD, NUL bytes dropped — the same from the Store's cache and from
// the table.
func TestBookingFreeTextIsCleaned(t *testing.T) {
	t.Parallel()
	pool, schema, theShow := schemaWithShow(t)
	show, ctx := theShow.ID, t.Context()

	fields := []struct {
		name string
		set  func(b *boxoffice.Booking, s string)
		get  func(b boxoffice.Booking) string
	}{
		{"Payment.Failure", func(b *boxoffice.Booking, s string) { b.Payment.Failure = s }, func(b boxoffice.Booking) string { return b.Payment.Failure }},
		{"Payment.Reference", func(b *boxoffice.Booking, s string) { b.Payment.Reference = s }, func(b boxoffice.Booking) string { return b.Payment.Reference }},
		{"Refund.Reference", func(b *boxoffice.Booking, s string) { b.Refund.Reference = s }, func(b boxoffice.Booking) string { return b.Refund.Reference }},
		{"Refund.Reason", func(b *boxoffice.Booking, s string) { b.Refund.Reason = s }, func(b boxoffice.Booking) string { return b.Refund.Reason }},
	}
	texts := []struct{ name, in, want string }{
		{"NUL", "reset \x00\x01 by peer", "reset \x01 by peer"},
		{"invalid UTF-8", "bad \xff\xfe body", "bad \uFFFD body"},
		{"both", "\x00\xc3", "\uFFFD"},
		{"clean", "ch_1 ✓", "ch_1 ✓"},
	}
	seat := 0
	for _, f := range fields {
		for _, tx := range texts {
			t.Run(f.name+"/"+tx.name, func(t *testing.T) {
				store, err := pgstore.New(pool, pgstore.Options{Schema: schema}) // no cache: the first put takes the lock
				must(t, err)
				var ids []boxoffice.BookingID
				for _, path := range []string{"locked", "optimistic"} {
					b := heldBooking(show, "A1")
					b.Status = boxoffice.StatusFailed
					f.set(&b, tx.in)
					slot := seat
					seat++
					if err := store.UpdateShow(ctx, show, func(stx boxoffice.ShowTx) error {
						stx.SetSeat(slot, boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: b.ID})
						stx.PutBooking(b)
						return nil
					}); err != nil {
						t.Fatalf("%s path: UpdateShow putting %q in %s: %v", path, tx.in, f.name, err)
					}
					ids = append(ids, b.ID)
				}
				fresh, err := pgstore.New(pool, pgstore.Options{Schema: schema})
				must(t, err)
				for _, id := range ids {
					must(t, store.ViewShow(ctx, show, func(stx boxoffice.ShowTx) error {
						cached, err := stx.Booking(id)
						must(t, err)
						if got := f.get(cached); got != tx.want {
							t.Errorf("%s read in a transaction = %q; want %q", f.name, got, tx.want)
						}
						return nil
					}))
					stored, err := fresh.Booking(ctx, id)
					must(t, err)
					if got := f.get(stored); got != tx.want {
						t.Errorf("%s read from the table = %q; want %q", f.name, got, tx.want)
					}
				}
			})
		}
	}
}

// TestBookingIdentifiersMustBeStorable: a user ID, a seat ID or a payment
// method PostgreSQL cannot store is refused with ErrInvalidArgument, on
// either path, and not cleaned: changed, it would name another user, seat
// or payment instrument.
func TestBookingIdentifiersMustBeStorable(t *testing.T) {
	t.Parallel()
	pool, schema, theShow := schemaWithShow(t)
	show, ctx := theShow.ID, t.Context()

	tests := []struct {
		name string
		set  func(b *boxoffice.Booking)
	}{
		{"user with NUL", func(b *boxoffice.Booking) { b.UserID = "ann\x00" }},
		{"user not UTF-8", func(b *boxoffice.Booking) { b.UserID = "ann\xff" }},
		{"method with NUL", func(b *boxoffice.Booking) { b.Payment.Method = "card:\x00" }},
		{"method not UTF-8", func(b *boxoffice.Booking) { b.Payment.Method = "card:\xff" }},
		{"seat with NUL", func(b *boxoffice.Booking) { b.Seats[0].ID = "A\x001" }},
		{"seat not UTF-8", func(b *boxoffice.Booking) { b.Seats[0].ID = "A\xff" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, optimistic := range []bool{false, true} {
				store, err := pgstore.New(pool, pgstore.Options{Schema: schema})
				must(t, err)
				if optimistic { // cache the show
					must(t, store.UpdateShow(ctx, show, func(tx boxoffice.ShowTx) error { _ = tx.Seat(0); return nil }))
				}
				b := heldBooking(show, "A1")
				tc.set(&b)
				err = store.UpdateShow(ctx, show, func(tx boxoffice.ShowTx) error { tx.PutBooking(b); return nil })
				if !errors.Is(err, boxoffice.ErrInvalidArgument) {
					t.Errorf("optimistic %v: UpdateShow = %v; want ErrInvalidArgument", optimistic, err)
				}
				if _, err := store.Booking(ctx, b.ID); !errors.Is(err, boxoffice.ErrNotFound) {
					t.Errorf("optimistic %v: the refused booking reads %v; want ErrNotFound", optimistic, err)
				}
			}
		})
	}
}

// TestCatalogTextMustBeStorable: catalog text PostgreSQL cannot store is
// refused with ErrInvalidArgument, not a raw SQLSTATE.
func TestCatalogTextMustBeStorable(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	ctx := t.Context()
	show := addOneShow(t, store)
	other := show
	other.ID, other.HallID = "s2", "h\x00"
	tests := []struct {
		name string
		add  func() error
	}{
		{"movie title with NUL", func() error { return store.AddMovie(ctx, boxoffice.Movie{ID: "m2", Title: "M\x00"}) }},
		{"movie genre not UTF-8", func() error { return store.AddMovie(ctx, boxoffice.Movie{ID: "m3", Genres: []string{"\xff"}}) }},
		{"theater name not UTF-8", func() error { return store.AddTheater(ctx, boxoffice.Theater{ID: "t2", Name: "R\xffx"}) }},
		{"hall name with NUL", func() error {
			return store.AddHall(ctx, boxoffice.Hall{ID: "h2", TheaterID: "t", Name: "1\x00", Layout: boxoffice.SeedLayout()})
		}},
		{"show of a hall ID with NUL", func() error {
			return store.AddShow(ctx, other, boxoffice.SeedLayout(), boxoffice.Interval{Start: other.Start, End: other.End}, nil)
		}},
	}
	for _, tc := range tests {
		if err := tc.add(); !errors.Is(err, boxoffice.ErrInvalidArgument) {
			t.Errorf("%s: %v; want ErrInvalidArgument", tc.name, err)
		}
	}
}
