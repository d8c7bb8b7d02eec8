package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// secret marks text a client must not be told: a database's or a
// provider's own words, which name hosts, users and queries.
const secret = "db-7.internal:5432"

// TestServerErrorsHideInternalText: an answer of 500 or more tells the
// client what to do, never the text of the error behind it, which stays
// in the log. pgstore's conflict, say, carries PostgreSQL's message.
func TestServerErrorsHideInternalText(t *testing.T) {
	inner := errors.New("ERROR: could not serialize access due to concurrent update (SQLSTATE 40001) on " + secret)
	for _, tt := range []struct {
		err  error
		code string
	}{
		{fmt.Errorf("pgstore: gave up after 10 attempts: %w: %w", boxoffice.ErrConflict, inner), "busy"},
		{fmt.Errorf("pgstore: %w: %w", boxoffice.ErrClosed, inner), "shutting_down"},
		{fmt.Errorf("pgstore: %w: %w", boxoffice.ErrStoreUnavailable, inner), "unavailable"},
		{fmt.Errorf("%w: %w", boxoffice.ErrPaymentUnsettled, inner), "payment_pending"},
		{fmt.Errorf("read: %w: %w", inner, context.DeadlineExceeded), "timeout"},
		{inner, "internal"},
	} {
		status, body := problem(tt.err)
		if status < 500 || body.Code != tt.code {
			t.Errorf("problem(%v) = %d %q, want 5xx %q", tt.err, status, body.Code, tt.code)
		}
		if body.Error == "" || strings.Contains(body.Error, secret) || strings.Contains(body.Error, "SQLSTATE") {
			t.Errorf("problem(%v) tells the client %q", tt.err, body.Error)
		}
	}
}

// TestPaymentErrorsHideGatewayText: a payment that fails tells the
// customer why in words of the library's (or, for a declined card, the
// provider's refusal, which is meant for them), never the text of a
// provider's failure, nor of a void that failed after it: those name the
// provider's hosts and answers, and stay in the log. Here the provider
// fails every charge and then the void, in the answer to the confirm and
// in the booking read afterwards.
func TestPaymentErrorsHideGatewayText(t *testing.T) {
	f := newFixture(t, boxoffice.Config{PaymentBackoff: -1}) // no backoff to wait for on the fake clock
	var log bytes.Buffer                                     // written by the handler, which returns before the test reads it
	f.srv = newServer(f.sys, options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	f.handler = f.srv.routes()
	f.gateway.failMethod("card:tok_broken", errors.New("POST https://"+secret+"/v1/charges: unexpected EOF"))
	f.gateway.failRefunds(errors.New("POST https://" + secret + "/v1/refunds: connection reset"))
	b := f.hold("hana", f.freeSeats(f.show, 0, 1)...)
	var e errorJSON
	f.callJSON("POST", "/api/bookings/"+b.ID+"/confirm", `{"user":"hana","paymentMethod":"card:tok_broken"}`, http.StatusPaymentRequired, &e)
	if e.Code != "payment_failed" || e.Error == "" || strings.Contains(e.Error, secret) {
		t.Errorf("a charge the provider failed: %+v; want payment_failed without the provider's text", e)
	}
	if !strings.Contains(log.String(), "/v1/charges: unexpected EOF") || !strings.Contains(log.String(), "/v1/refunds: connection reset") {
		t.Errorf("the log does not say what the provider said: %s", log.String())
	}
	var got bookingJSON
	f.callJSON("GET", "/api/bookings/"+b.ID, "", http.StatusOK, &got)
	if got.Payment == nil || got.Payment.Failure == "" || strings.Contains(got.Payment.Failure, secret) {
		t.Errorf("the failed booking's payment: %+v; want a failure without the provider's text", got.Payment)
	}
	var mine struct {
		Bookings []bookingJSON
	}
	f.callJSON("GET", "/api/users/hana/bookings", "", http.StatusOK, &mine)
	if len(mine.Bookings) != 1 || mine.Bookings[0].Payment == nil || strings.Contains(mine.Bookings[0].Payment.Failure, secret) {
		t.Errorf("hana's bookings: %+v", mine.Bookings)
	}

	// Every way a payment error reaches problem: a void that failed after
	// any reason is the provider's text too.
	void := errors.New("refund: dial tcp " + secret + ": i/o timeout")
	for _, tt := range []struct {
		err  *boxoffice.PaymentError
		code string
		want string // what the answer says, if it must say it
	}{
		{&boxoffice.PaymentError{Err: &declineError{"insufficient funds"}, RefundErr: void}, "payment_failed", "insufficient funds"},
		{&boxoffice.PaymentError{Err: fmt.Errorf("gateway %s: %w", secret, context.DeadlineExceeded), RefundErr: void}, "payment_failed", ""},
		{&boxoffice.PaymentError{Err: errors.New("gateway " + secret + ": 502 Bad Gateway"), RefundErr: void}, "payment_failed", ""},
		{&boxoffice.PaymentError{Err: boxoffice.ErrHoldExpired, RefundErr: void}, "hold_expired", ""},
		{&boxoffice.PaymentError{Err: &boxoffice.ShowStartedError{ShowID: "S1"}, RefundErr: void}, "show_started", ""},
		{&boxoffice.PaymentError{Err: errors.Join(boxoffice.ErrHoldExpired, boxoffice.ErrShowCancelled), RefundErr: void}, "show_cancelled", ""},
	} {
		_, body := problem(tt.err)
		if body.Code != tt.code || body.Error == "" || strings.Contains(body.Error, secret) || !strings.Contains(body.Error, tt.want) {
			t.Errorf("problem(%v) = %q %q; want %s saying %q, not the provider's text", tt.err, body.Code, body.Error, tt.code, tt.want)
		}
	}
}
