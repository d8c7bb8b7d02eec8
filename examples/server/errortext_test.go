package main

import (
	"context"
	"errors"
	"fmt"
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
