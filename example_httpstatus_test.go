package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// httpStatus maps an error of the BookingSystem to an HTTP status. The
// order of the cases matters where an error matches several sentinels:
//   - ErrRefundOwed before all: the cancellation stands, and the service
//     answers the booking returned with the error, cancelled, its refund
//     owed (paid in the background), whatever the gateway's or the
//     Store's error it also matches (context.DeadlineExceeded,
//     ErrStoreUnavailable);
//   - bad input first: a *SeatError naming an unknown seat is not a
//     conflict;
//   - a show that started or was cancelled before the hold and payment
//     cases, which a payment stopped by it also matches;
//   - a hold that ran out (410) before ErrInvalidTransition and
//     ErrPaymentFailed, which its *TransitionError or *PaymentError also
//     match;
//   - ErrLimitReached (waiting does not help: no Retry-After) apart from
//     ErrRateLimited (429 with the RetryAfter of the *RateLimitError);
//   - ErrPaymentFailed before context.DeadlineExceeded, which a payment
//     that timed out also matches: only an error without ErrPaymentFailed
//     is the caller's ctx ending.
//
// examples/server's classify is the same mapping with JSON bodies; its
// cancelBooking answers ErrRefundOwed with the booking before classify
// would see it.
func httpStatus(err error) (status int, retryAfter time.Duration) {
	var limit *boxoffice.RateLimitError
	switch {
	case err == nil, errors.Is(err, boxoffice.ErrRefundOwed):
		return http.StatusOK, 0
	case errors.Is(err, boxoffice.ErrInvalidArgument):
		return http.StatusBadRequest, 0
	case errors.Is(err, boxoffice.ErrNotFound):
		return http.StatusNotFound, 0
	case errors.Is(err, boxoffice.ErrShowStarted), errors.Is(err, boxoffice.ErrShowCancelled):
		return http.StatusConflict, 0
	case errors.Is(err, boxoffice.ErrSeatUnavailable):
		return http.StatusConflict, 0
	case errors.Is(err, boxoffice.ErrHoldExpired):
		return http.StatusGone, 0
	case errors.Is(err, boxoffice.ErrInvalidTransition), errors.Is(err, boxoffice.ErrScheduleConflict),
		errors.Is(err, boxoffice.ErrAlreadyExists), errors.Is(err, boxoffice.ErrLimitReached):
		return http.StatusConflict, 0
	case errors.As(err, &limit): // ErrRateLimited
		return http.StatusTooManyRequests, limit.RetryAfter
	case errors.Is(err, boxoffice.ErrPaymentFailed):
		return http.StatusPaymentRequired, 0
	case errors.Is(err, boxoffice.ErrPaymentUnsettled), // charged perhaps: confirm again
		errors.Is(err, boxoffice.ErrStoreUnavailable), errors.Is(err, boxoffice.ErrConflict),
		errors.Is(err, boxoffice.ErrCommitUnknown), // committed perhaps: the same request again tells
		errors.Is(err, boxoffice.ErrAdmissionLapsed), errors.Is(err, boxoffice.ErrClosed),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable, time.Second
	}
	return http.StatusInternalServerError, 0
}

// refundOutage is a cardGateway whose refunds fail while down is set, as
// a provider's outage would have them.
type refundOutage struct {
	*cardGateway
	down atomic.Bool
}

func (g *refundOutage) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	if g.down.Load() {
		return boxoffice.Receipt{}, errors.New("provider: 502 bad gateway")
	}
	return g.cardGateway.Refund(ctx, r)
}

// A service answers each error a client can get with an HTTP status (see
// httpStatus above). Two answers need more than the error: a CancelBooking
// whose refund failed returns an error matching ErrRefundOwed with the
// booking cancelled (the cancellation stands, the refund is owed and paid
// in the background: the service answers that booking), and a declined
// card fails the booking for good (another card takes a new hold).
func Example_httpStatus() {
	ctx := context.Background()
	clock := fakeclock.New(time.Date(2030, 3, 1, 18, 0, 0, 0, time.UTC))
	gateway := &refundOutage{cardGateway: newCardGateway()}
	sys, show := newDemo(boxoffice.Config{Clock: clock, Gateway: gateway,
		PaymentBackoff: -1}) // the refund's attempts back to back: the fake clock does not move by itself
	defer closeDemo(sys)
	answer := func(what string, err error) {
		status, retry := httpStatus(err)
		if retry > 0 {
			fmt.Printf("%-22s %d, Retry-After: %s\n", what, status, retry)
			return
		}
		fmt.Printf("%-22s %d\n", what, status)
	}

	alice := must(sys.HoldSeats(ctx, "alice", show.ID, []string{"A1", "A2"}))
	_, err := sys.HoldSeats(ctx, "bob", show.ID, []string{"A2", "A3"})
	answer("seat taken", err)
	_, err = sys.HoldSeats(ctx, "bob", show.ID, []string{"A2", "Z99"})
	answer("unknown seat", err)
	_, err = boxoffice.ParseBookingID("not-a-booking")
	answer("malformed booking ID", err)
	_, err = sys.Booking(ctx, boxoffice.NewBookingID())
	answer("unknown booking", err)

	declined := must(sys.HoldSeats(ctx, "bob", show.ID, []string{"B1"}))
	_, err = sys.ConfirmBooking(ctx, declined.ID, "card:tok_declined")
	answer("card declined", err)
	_, err = sys.ConfirmBooking(ctx, declined.ID, "card:tok_visa")
	answer("another card, too late", err)

	// The default limit: 3 hold requests a minute per user, counting
	// those refused for a taken seat, not those refused as bad input.
	must(sys.HoldSeats(ctx, "bob", show.ID, []string{"B2"}))
	_, err = sys.HoldSeats(ctx, "bob", show.ID, []string{"B3"})
	answer("fourth hold a minute", err)

	clock.Advance(11 * time.Minute) // alice's 10-minute hold runs out
	_, err = sys.ConfirmBooking(ctx, alice.ID, "card:tok_visa")
	answer("hold ran out", err)

	carol := must(sys.HoldSeats(ctx, "carol", show.ID, []string{"C1"}))
	carol = must(sys.ConfirmBooking(ctx, carol.ID, "card:tok_visa"))
	_, err = sys.ReleaseHold(ctx, carol.ID)
	answer("release a sale", err)

	dave := must(sys.HoldSeats(ctx, "dave", show.ID, []string{"D1"}))
	dave = must(sys.ConfirmBooking(ctx, dave.ID, "card:tok_visa"))
	gateway.down.Store(true)
	dave, err = sys.CancelBooking(ctx, dave.ID)
	answer("cancel, refund failed", err)
	fmt.Printf("%-22s %s, %s owed\n", "  with the booking", dave.Status, dave.RefundOwed())
	gateway.down.Store(false)

	clock.Set(show.Start)
	_, err = sys.CancelBooking(ctx, carol.ID)
	answer("cancel after the start", err)
	// Output:
	// seat taken             409
	// unknown seat           400
	// malformed booking ID   400
	// unknown booking        404
	// card declined          402
	// another card, too late 402
	// fourth hold a minute   429, Retry-After: 20s
	// hold ran out           410
	// release a sale         409
	// cancel, refund failed  200
	//   with the booking     cancelled, 19.50 owed
	// cancel after the start 409
}
