package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestCancelShowAcrossInstances: two BookingSystems on one schema, each
// with its own pool and Store (so its own cache of the show). Both have
// worked on the show; one cancels it. Neither takes a hold on it any
// more — the other's cache is stale, the canceller's is current, and
// both must say so — and the ticket the other sold is cancelled and
// refunded in full by the canceller.
func TestCancelShowAcrossInstances(t *testing.T) {
	t.Parallel()
	admin := testPool(t)
	schema := newSchema(t, admin)
	ctx := t.Context()
	base := time.Date(2030, time.July, 1, 9, 0, 0, 0, time.UTC)
	gateway := boxoffice.NewInMemoryGateway()
	limits := func(c *boxoffice.Config) { c.HoldsPerMinute = -1 }
	one := newInstance(t, schema, base, 0, gateway, limits)
	other := newInstance(t, schema, base, 0, gateway, limits)
	show := scheduleRexShow(t, one.sys, boxoffice.Movie{Title: "Alien", Duration: 117 * time.Minute}, base.Add(72*time.Hour))

	hold := func(sys *boxoffice.BookingSystem, user string, seats ...string) boxoffice.Booking {
		t.Helper()
		b, err := sys.HoldSeats(ctx, user, show.ID, seats)
		must(t, err)
		return b
	}
	sold, err := other.sys.ConfirmBooking(ctx, hold(other.sys, "alice", "A1", "A2").ID, "card:tok_visa")
	must(t, err)
	heldOther := hold(other.sys, "bob", "B1")
	heldOne := hold(one.sys, "cat", "C1")

	counts, err := one.sys.CancelShow(ctx, show.ID)
	must(t, err)
	if want := (boxoffice.ShowCancellation{HoldsReleased: 2, BookingsCancelled: 1}); counts != want {
		t.Errorf("CancelShow: %+v; want %+v", counts, want)
	}
	for name, sys := range map[string]*boxoffice.BookingSystem{"the canceller": one.sys, "the other instance": other.sys} {
		_, err := sys.HoldSeats(ctx, "dan", show.ID, []string{"D1"})
		if !errors.Is(err, boxoffice.ErrShowCancelled) {
			t.Errorf("HoldSeats on %s after CancelShow: %v; want ErrShowCancelled", name, err)
		}
		m, err := sys.SeatMap(ctx, show.ID)
		must(t, err)
		if !m.Cancelled || m.Free != 0 {
			t.Errorf("seat map on %s: Cancelled %v, Free %d; want true, 0", name, m.Cancelled, m.Free)
		}
		shows, err := sys.ShowsOfMovie(ctx, show.MovieID, boxoffice.ShowPage{})
		must(t, err)
		if len(shows) != 1 || !shows[0].Cancelled || shows[0].FreeSeats != 0 {
			t.Errorf("ShowsOfMovie on %s: %+v; want the show, Cancelled, no seat free", name, shows)
		}
	}
	got, err := other.sys.Booking(ctx, sold.ID)
	must(t, err)
	if got.Status != boxoffice.StatusCancelled || got.Refund.Amount != sold.Total || got.Refund.Percent != 100 ||
		got.Refund.Reference == "" || got.RefundOwed() != 0 {
		t.Errorf("the ticket sold by the other instance: %s, refund %+v; want cancelled, %s refunded", got.Status, got.Refund, sold.Total)
	}
	for _, b := range []boxoffice.Booking{heldOther, heldOne} {
		got, err := other.sys.Booking(ctx, b.ID)
		must(t, err)
		if got.Status != boxoffice.StatusReleased {
			t.Errorf("hold %v: %s; want released", b.SeatIDs(), got.Status)
		}
	}
	if _, refunded := gateway.Totals(); refunded != sold.Total {
		t.Errorf("gateway refunded %s; want %s", refunded, sold.Total)
	}
	var cancelled bool
	must(t, admin.QueryRow(ctx, "SELECT cancelled FROM "+quote(schema)+".show_seats WHERE show_id = $1", show.ID).Scan(&cancelled))
	if !cancelled {
		t.Error("show_seats.cancelled is false after CancelShow")
	}
	// The other instance cancels it again: nothing to do.
	again, err := other.sys.CancelShow(ctx, show.ID)
	if err != nil || again != (boxoffice.ShowCancellation{}) {
		t.Errorf("CancelShow again on the other instance: %+v, %v; want zero counts", again, err)
	}
}

// cancellingGateway is an InMemoryGateway whose charges run cancel first:
// the show is cancelled while the payment is in flight.
type cancellingGateway struct {
	*boxoffice.InMemoryGateway
	cancel func()
}

func (g *cancellingGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	g.cancel()
	return g.InMemoryGateway.Charge(ctx, r)
}

// TestCancelShowDuringPaymentRecorded: a payment that CancelShow stops
// fails saying the show was cancelled, and the record keeps it: read
// back, and replayed by another instance, the failure still says so and
// still matches ErrShowCancelled (the kind stored is "hold lost").
func TestCancelShowDuringPaymentRecorded(t *testing.T) {
	t.Parallel()
	admin := testPool(t)
	schema := newSchema(t, admin)
	ctx := t.Context()
	base := time.Date(2030, time.July, 1, 9, 0, 0, 0, time.UTC)
	gateway := &cancellingGateway{InMemoryGateway: boxoffice.NewInMemoryGateway()}
	one := newInstance(t, schema, base, 0, gateway, nil)
	other := newInstance(t, schema, base, 0, gateway, nil)
	show := scheduleRexShow(t, one.sys, boxoffice.Movie{Title: "Alien", Duration: 117 * time.Minute}, base.Add(72*time.Hour))
	gateway.cancel = func() { _, err := one.sys.CancelShow(ctx, show.ID); must(t, err) }

	b, err := one.sys.HoldSeats(ctx, "alice", show.ID, []string{"A1", "A2"})
	must(t, err)
	_, err = one.sys.ConfirmBooking(ctx, b.ID, "card:tok_visa")
	for name, sys := range map[string]*boxoffice.BookingSystem{"first answer": nil, "replay on the other instance": other.sys} {
		if sys != nil {
			_, err = sys.ConfirmBooking(ctx, b.ID, "card:tok_visa")
		}
		if !errors.Is(err, boxoffice.ErrPaymentFailed) || !errors.Is(err, boxoffice.ErrShowCancelled) ||
			!strings.Contains(fmt.Sprint(err), "the show was cancelled") {
			t.Errorf("%s: %v; want ErrPaymentFailed and ErrShowCancelled, saying the show was cancelled", name, err)
		}
	}
	got, err := other.sys.Booking(ctx, b.ID)
	must(t, err)
	if got.Status != boxoffice.StatusFailed || got.Payment.FailureKind != boxoffice.FailureHoldLost ||
		got.Payment.Failure != "the show was cancelled" || got.Refund.Amount != b.Total || got.RefundOwed() != 0 {
		t.Errorf("booking: %s (%v, %q), refunded %s; want failed (hold lost, the show was cancelled), %s voided",
			got.Status, got.Payment.FailureKind, got.Payment.Failure, got.Refund.Amount, b.Total)
	}
}
