package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// TestServerErrorLogLevels: a 503 the client is told to retry (the
// database down or restarting, a busy show, a shutdown, a client gone) is
// logged as a warning, and only a 500, a bug, as an error. In a chaos
// drill, a PostgreSQL restart logged an ERROR for every request answered
// 503 "unavailable" in the meantime.
func TestServerErrorLogLevels(t *testing.T) {
	inner := errors.New("dial tcp " + secret + ": connect: connection refused")
	for _, tt := range []struct {
		err   error
		level string
	}{
		{fmt.Errorf("pgstore: %w: %w", boxoffice.ErrStoreUnavailable, inner), "WARN"},
		{fmt.Errorf("pgstore: gave up after 10 attempts: %w: %w", boxoffice.ErrConflict, inner), "WARN"},
		{fmt.Errorf("pgstore: %w: %w", boxoffice.ErrClosed, inner), "WARN"},
		{fmt.Errorf("%w: %w", boxoffice.ErrPaymentUnsettled, inner), "WARN"},
		{fmt.Errorf("read: %w", context.Canceled), "WARN"},
		{inner, "ERROR"},
	} {
		var log bytes.Buffer
		s := &server{log: slog.New(slog.NewTextHandler(&log, nil))}
		w := httptest.NewRecorder()
		s.writeError(w, httptest.NewRequest("POST", "/api/shows/S1/holds", nil), tt.err)
		if w.Code < 500 {
			t.Fatalf("writeError(%v) answered %d; want 5xx", tt.err, w.Code)
		}
		if !strings.HasPrefix(log.String(), "time=") || !strings.Contains(log.String(), " level="+tt.level+" ") {
			t.Errorf("writeError(%v), answered %d, logged %q; want level %s", tt.err, w.Code, log.String(), tt.level)
		}
	}
}
