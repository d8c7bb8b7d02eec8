package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// TestEvery503SaysRetryAfter: every 503 tells the client when to try
// again. The answers of a process shutting down, and of a request that
// timed out, were 503 without Retry-After (found reading the answers after
// a chaos drill), while the database's outage, a busy show and a payment
// pending had one.
func TestEvery503SaysRetryAfter(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("pgstore: %w", boxoffice.ErrStoreUnavailable),
		fmt.Errorf("pgstore: %w", boxoffice.ErrConflict),
		fmt.Errorf("pgstore: %w", boxoffice.ErrClosed),
		boxoffice.ErrClosed,
		fmt.Errorf("%w", boxoffice.ErrPaymentUnsettled),
		fmt.Errorf("read: %w", context.DeadlineExceeded),
		context.Canceled,
	} {
		s := &server{log: slog.New(slog.DiscardHandler)}
		w := httptest.NewRecorder()
		s.writeError(w, httptest.NewRequest("POST", "/api/bookings/B1/confirm", nil), err)
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Errorf("writeError(%v): %d, Retry-After %q; want 503 with Retry-After", err, w.Code, w.Header().Get("Retry-After"))
		}
		if errors.Is(err, boxoffice.ErrStoreUnavailable) && w.Header().Get("Retry-After") != "5" {
			t.Errorf("writeError(%v): Retry-After %q; want 5, as before", err, w.Header().Get("Retry-After"))
		}
	}
}
