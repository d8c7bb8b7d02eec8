package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// maxBodyBytes bounds request bodies: the largest legitimate one, a hold of
// MaxSeatsPerHold seats, is a few hundred bytes.
const maxBodyBytes = 8 << 10

// apiError is an error with its HTTP status, for errors the handlers find
// themselves (a malformed body, a foreign booking).
type apiError struct {
	status int
	code   string
	msg    string
	// retryAfter, if above 0, is the Retry-After the answer carries, in seconds.
	retryAfter int
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, code: "invalid_argument", msg: fmt.Sprintf(format, args...)}
}

// problem maps an error to its status and body. The order matters where an
// error matches several sentinels: a *SeatError with an unknown seat is bad
// input before it is a conflict, and a hold that ran out (ErrHoldExpired,
// which a *TransitionError and a *PaymentError may also carry) is 410
// rather than the 409 or 402 it also matches.
//
// A show that has started (ErrShowStarted) is 409, not 410: the show, the
// booking and the seat map are all still there to GET, so nothing the URL
// names is gone; it is the show's state that refuses the request, and no
// retry will change it. It comes before the hold and payment cases so
// that a failure caused by the start says so, whatever else it matches.
// So is a show that was cancelled (ErrShowCancelled), for the same reasons:
// a hold refused, or a payment stopped by the cancellation (which also
// matches ErrHoldExpired and ErrPaymentFailed; its charge is voided).
func problem(err error) (int, errorJSON) {
	status, body := classify(err)
	var pay *boxoffice.PaymentError
	if status < 500 && errors.As(err, &pay) {
		body.Error, _ = paymentText(pay)
	}
	return status, body
}

// paymentText is what a customer is told of a payment that failed: why, in
// the library's words, or in the provider's for a declined card (a refusal
// is meant for the cardholder); never the text of a provider's failure,
// nor of a void that failed after it (RefundErr), which name the
// provider's hosts and answers and stay in the log: hidden reports that
// there was such text.
func paymentText(e *boxoffice.PaymentError) (text string, hidden bool) {
	hidden = e.RefundErr != nil
	var why string
	switch {
	case errors.Is(e.Err, boxoffice.ErrShowCancelled):
		why = "the show was cancelled; anything charged is given back"
	case errors.Is(e.Err, boxoffice.ErrShowStarted):
		why = "the show started before the payment was finished; anything charged is given back"
	case errors.Is(e.Err, boxoffice.ErrHoldExpired):
		why = "the hold ran out and a seat was taken meanwhile; the charge is given back"
	case errors.Is(e.Err, boxoffice.ErrPaymentDeclined):
		why = e.Err.Error()
	case errors.Is(e.Err, context.DeadlineExceeded):
		why, hidden = failureTimedOut, true
	default:
		why, hidden = failureProvider, true
	}
	return "payment for booking " + e.Booking.String() + " failed: " + why, hidden
}

// What a customer is told of a payment the provider failed (see
// paymentText).
const (
	failureTimedOut = "the payment provider did not answer in time; anything charged is given back"
	failureProvider = "the payment provider failed; anything charged is given back"
)

// classify is problem, before a payment's text is made fit for clients.
func classify(err error) (int, errorJSON) {
	var (
		api   *apiError
		seats *boxoffice.SeatError
		limit *boxoffice.RateLimitError
		body  = errorJSON{Error: err.Error()}
	)
	if errors.As(err, &seats) {
		body.Seats = seats.Seats()
	}
	switch {
	case errors.As(err, &api):
		body.Code = api.code
		body.RetryAfterSeconds = api.retryAfter
		return api.status, body
	case errors.Is(err, boxoffice.ErrInvalidArgument):
		body.Code = "invalid_argument"
		return http.StatusBadRequest, body
	case errors.Is(err, boxoffice.ErrNotFound):
		body.Code = "not_found"
		return http.StatusNotFound, body
	case errors.Is(err, boxoffice.ErrShowStarted):
		body.Code = "show_started"
		return http.StatusConflict, body
	case errors.Is(err, boxoffice.ErrShowCancelled):
		body.Code = "show_cancelled"
		return http.StatusConflict, body
	case errors.Is(err, boxoffice.ErrSeatUnavailable):
		body.Code = "seat_unavailable"
		return http.StatusConflict, body
	case errors.Is(err, boxoffice.ErrHoldExpired):
		body.Code = "hold_expired"
		return http.StatusGone, body
	case errors.Is(err, boxoffice.ErrInvalidTransition):
		body.Code = "invalid_transition"
		return http.StatusConflict, body
	case errors.Is(err, boxoffice.ErrScheduleConflict):
		body.Code = "schedule_conflict"
		return http.StatusConflict, body
	case errors.Is(err, boxoffice.ErrAlreadyExists):
		body.Code = "already_exists"
		return http.StatusConflict, body
	case errors.Is(err, boxoffice.ErrLimitReached):
		// A limit that waiting does not lift (a hold's extensions, the
		// user's seats of a show): no Retry-After, and not 429, which
		// says "try again later".
		body.Code = "limit_reached"
		return http.StatusConflict, body
	case errors.Is(err, boxoffice.ErrRateLimited):
		body.Code = "rate_limited"
		if errors.As(err, &limit) && limit.RetryAfter > 0 {
			body.RetryAfterSeconds = int((limit.RetryAfter + time.Second - 1) / time.Second)
		}
		return http.StatusTooManyRequests, body
	case errors.Is(err, boxoffice.ErrPaymentFailed):
		body.Code = "payment_failed"
		return http.StatusPaymentRequired, body
	case errors.Is(err, boxoffice.ErrPaymentUnsettled):
		// Charged, perhaps, but not recorded: a confirm again finishes
		// it, by the same charge. Before ErrConflict, which it may wrap.
		body.Code = "payment_pending"
		body.Error = "your payment may have gone through but could not be recorded yet: confirm again to finish it (you are not charged twice)"
		body.RetryAfterSeconds = 1
		return http.StatusServiceUnavailable, body
	case errors.Is(err, boxoffice.ErrStoreUnavailable):
		// The database could not be reached: the same request may succeed
		// once it is back. What the error says (a host, a port) stays in
		// the log.
		body.Code = "unavailable"
		body.Error = "the service cannot reach its database for the moment: try again shortly"
		body.RetryAfterSeconds = 5
		return http.StatusServiceUnavailable, body
	case errors.Is(err, boxoffice.ErrConflict):
		// Another process kept winning the show's transaction: try again.
		// The error carries the database's own message (pgstore's
		// serialization failure): that stays in the log.
		body.Code = "busy"
		body.Error = "the show is busy with other requests: try again"
		body.RetryAfterSeconds = 1
		return http.StatusServiceUnavailable, body
	case errors.Is(err, boxoffice.ErrCommitUnknown):
		// The connection was lost during the commit and the Store could
		// not learn whether it committed: not a bug, and the same request
		// again is how the client learns (a hold of the same seats
		// returns the hold if it was made; see ErrCommitUnknown).
		body.Code = "outcome_unknown"
		body.Error = "the service could not tell whether your request went through: send it again"
		body.RetryAfterSeconds = 1
		return http.StatusServiceUnavailable, body
	case errors.Is(err, boxoffice.ErrAdmissionLapsed):
		// The hold's pricing or the database took longer than HoldTTL,
		// twice: the service's slowness, which the log should show.
		body.Code = "too_slow"
		body.Error = "the service is too slow to take your hold for the moment: try again shortly"
		body.RetryAfterSeconds = 5
		return http.StatusServiceUnavailable, body
	case errors.Is(err, boxoffice.ErrClosed):
		// The BookingSystem or the Store is closing; what was closed, and
		// how, is the server's business.
		body.Code = "shutting_down"
		body.Error = "the service is shutting down: try again shortly"
		// Another process, or this one restarted, takes the retry.
		body.RetryAfterSeconds = 1
		return http.StatusServiceUnavailable, body
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		body.Code = "timeout"
		body.Error = "the request was cancelled or timed out"
		body.RetryAfterSeconds = 1
		return http.StatusServiceUnavailable, body
	}
	// Anything else is ours or the Store's: do not leak it to clients.
	body.Code = "internal"
	body.Error = "internal error"
	return http.StatusInternalServerError, body
}

// writeError answers with err's status and JSON body, and logs what the
// client is not told.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := problem(err)
	// An apiError is a refusal the handler chose and explains in full (a
	// server at its stream cap): logging each would let a client flood
	// the log.
	var api *apiError
	if status >= 500 && !errors.As(err, &api) {
		// A 503 is a passing condition the client is told to retry (the
		// database down or restarting, a busy show, a shutdown, a client
		// gone): a warning. An outage would otherwise log an error per
		// request, burying the 500s, which are bugs.
		level := slog.LevelWarn
		if status == http.StatusInternalServerError {
			level = slog.LevelError
		}
		s.log.Log(r.Context(), level, "request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	var pay *boxoffice.PaymentError
	if status < 500 && errors.As(err, &pay) {
		if _, hidden := paymentText(pay); hidden {
			s.log.Warn("payment failed at the provider", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
		}
	}
	if body.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(body.RetryAfterSeconds))
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v) // the client may have gone; nothing to do about it
}

// decodeJSON reads exactly one JSON object into v: sent as
// application/json, at most maxBodyBytes, no field v does not have,
// nothing after it. A missing Content-Type is refused too: the README
// promises 415 for anything but JSON, and a cross-site page can send a
// body without one (fetch of a Blob with no type) and no CORS preflight.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
			msg: "request body must be JSON with Content-Type: application/json"}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		if err == nil {
			return badRequest("request body must hold one JSON object only")
		}
		return bodyError(err)
	}
	return nil
}

func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return &apiError{status: http.StatusRequestEntityTooLarge, code: "body_too_large",
			msg: fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit)}
	case errors.Is(err, io.EOF):
		return badRequest("request body is empty; want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("request body is truncated JSON")
	case errors.As(err, &syntax):
		return badRequest("request body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		return badRequest("request body field %q has the wrong type", typ.Field)
	}
	// json reports an unknown field as `json: unknown field "x"`.
	return badRequest("request body: %s", err.Error())
}
