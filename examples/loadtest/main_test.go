package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLoadPassesAudit runs 200 users for 2 seconds, with holds that expire
// during the run, and requires a clean audit and a complete summary.
func TestLoadPassesAudit(t *testing.T) {
	cfg, err := parseFlags([]string{"-users", "200", "-shows", "10", "-duration", "2s", "-ttl", "1s", "-fail", "0.2"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	cfg.progress = &progress
	var out bytes.Buffer
	if err := run(context.Background(), cfg, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, &out)
	}
	summary := out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`\d+ operations in [\d.]+s: \d+ operations/s`),
		regexp.MustCompile(`(?m)^\s+hold\s+[1-9]\d*\s+\d+\s+\S+\s+\S+\s+\S+\s+\S+\s+0\s*$`),
		regexp.MustCompile(`(?m)^\s+confirm\s+[1-9]\d*\s`),
		regexp.MustCompile(`expired holds: [1-9]\d*`),
		regexp.MustCompile(`[1-9]\d* declined`),
		regexp.MustCompile(`history: [1-9]\d* confirmations and [1-9]\d* cancellations replayed; 0 events dropped, 0 missing \(ok\)`),
		regexp.MustCompile(`seats sold while another confirmed booking owned them: 0 \(ok\)`),
		regexp.MustCompile(`seats with more than one owner now: 0 \(ok\)`),
		regexp.MustCompile(`booked seats that disagree with the confirmed bookings: 0 \(ok\)`),
		regexp.MustCompile(`confirmed bookings total [\d.]+, refunds owed 0.00, kept on other bookings 0.00 \(ok\)`),
	} {
		if !want.MatchString(summary) {
			t.Errorf("summary does not match %s:\n%s", want, summary)
		}
	}
	if !strings.Contains(progress.String(), "ops/s") {
		t.Errorf("no progress lines on a non-terminal:\n%s", &progress)
	}
	if t.Failed() {
		return
	}
	t.Logf("\n%s", summary)
}

// spanOf returns the span the summary computed operations per second over.
func spanOf(t *testing.T, summary string) time.Duration {
	t.Helper()
	m := regexp.MustCompile(`\d+ operations in ([\d.]+)s: \d+ operations/s`).FindStringSubmatch(summary)
	if m == nil {
		t.Fatalf("no throughput line in the summary:\n%s", summary)
	}
	secs, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.Duration(secs * float64(time.Second))
}

// TestThinkStopsAtDeadline: with -think, a user's pauses end at the
// deadline, and a user stops as soon as an operation ends past it, so the
// run lasts about -duration however long the pauses are, and operations
// per second are computed over that span.
func TestThinkStopsAtDeadline(t *testing.T) {
	cfg, err := parseFlags([]string{"-users", "20", "-shows", "1", "-duration", "300ms", "-think", "1s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	start := time.Now()
	if err := run(context.Background(), cfg, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, &out)
	}
	// A pause of 1 s on average would be several seconds for some of the
	// 20 users: a run far past 300ms waited for them.
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("-duration 300ms -think 1s ran for %v, want about 300ms\n%s", took.Round(time.Millisecond), &out)
	}
	if span := spanOf(t, out.String()); span < 250*time.Millisecond || span > time.Second {
		t.Errorf("operations per second computed over %v, want the run's span, about 300ms\n%s", span, &out)
	}
}

// TestInterruptIsNotAFailure: an interrupt (main cancels the context on
// ^C) makes the operations in flight fail with the context's error; they
// are the user's doing, not unexpected failures, so a run interrupted with a
// clean audit succeeds, and says it was interrupted.
func TestInterruptIsNotAFailure(t *testing.T) {
	cfg, err := parseFlags([]string{"-users", "50", "-shows", "5", "-duration", "20s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	start := time.Now()
	if err := run(ctx, cfg, &out); err != nil {
		t.Errorf("interrupted run: %v\n%s", err, &out)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the run took %v after an interrupt at 300ms", took)
	}
	if !strings.Contains(out.String(), "interrupted after") {
		t.Errorf("the summary does not say the run was interrupted:\n%s", &out)
	}
}

// TestFailClassification: an error is unexpected unless the run's context
// has ended and the error is that context's (or another context error,
// which the interrupt caused).
func TestFailClassification(t *testing.T) {
	live := context.Background()
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name       string
		ctx        context.Context
		err        error
		unexpected bool
	}{
		{"failure while running", live, errors.New("boom"), true},
		{"cancelled while the run goes on", live, fmt.Errorf("hold: %w", context.Canceled), true},
		{"timeout while the run goes on", live, fmt.Errorf("hold: %w", context.DeadlineExceeded), true},
		{"cut off by the interrupt", ended, fmt.Errorf("hold: %w", context.Canceled), false},
		{"timed out by the interrupt", ended, fmt.Errorf("store: %w", context.DeadlineExceeded), false},
		{"other failure after the interrupt", ended, errors.New("boom"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r recorder
			r.fail(tc.ctx, opHold, tc.err)
			if got := r.errors[opHold] == 1; got != tc.unexpected {
				t.Errorf("unexpected = %v, want %v", got, tc.unexpected)
			}
			if got := r.interrupted == 1; got == tc.unexpected {
				t.Errorf("interrupted = %d, want %v", r.interrupted, !tc.unexpected)
			}
		})
	}
}

// TestAuditVerdicts checks that the audit's verdicts can fail: a made-up
// result with a doubly owned or doubly sold seat, a history with holes, or
// money that does not add up, is not ok.
func TestAuditVerdicts(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    auditResult
		ok   bool
	}{
		{"clean", auditResult{charged: 500, refunded: 200, confirmedTotal: 300}, true},
		{"double owner", auditResult{doubleOwned: 1, charged: 300, confirmedTotal: 300}, false},
		{"seat map disagrees", auditResult{mapMismatches: 2, charged: 300, confirmedTotal: 300}, false},
		{"money missing", auditResult{charged: 500, refunded: 300, confirmedTotal: 300}, false},
		{"money kept on a cancellation", auditResult{charged: 500, refunded: 100, confirmedTotal: 300, kept: 100}, false},
		{"refund still owed", auditResult{charged: 500, refunded: 100, confirmedTotal: 300, owed: 100}, true},
		{"refund owed but paid", auditResult{charged: 500, refunded: 200, confirmedTotal: 300, owed: 100}, false},
		{"seat sold twice, since undone", auditResult{doubleSales: 1, charged: 300, confirmedTotal: 300}, false},
		{"events dropped", auditResult{eventsDropped: 1, charged: 300, confirmedTotal: 300}, false},
		{"confirmation missing from the history", auditResult{historyGaps: 1, charged: 300, confirmedTotal: 300}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.ok(); got != tc.ok {
				t.Errorf("ok() = %v, want %v", got, tc.ok)
			}
			var out bytes.Buffer
			tc.a.print(&out)
			if failed := strings.Contains(out.String(), "FAILED"); failed == tc.ok {
				t.Errorf("printed verdicts do not say %v:\n%s", tc.ok, &out)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{nil, true},
		{[]string{"-users", "5", "-shows", "2", "-duration", "1s", "-seats", "3", "-fail", "0.5", "-ttl", "3s", "-seed", "9"}, true},
		{[]string{"-users", "0"}, false},
		{[]string{"-shows", "0"}, false},
		{[]string{"-duration", "0s"}, false},
		{[]string{"-seats", "11"}, false},
		{[]string{"-fail", "1.5"}, false},
		{[]string{"-fail", "NaN"}, false}, // fails every comparison
		{[]string{"-fail", "+Inf"}, false},
		{[]string{"-fail", "-Inf"}, false},
		{[]string{"-fail", "0"}, true},
		{[]string{"-fail", "1"}, true},
		{[]string{"-ttl", "500ms"}, false},
		{[]string{"-think", "20ms"}, true},
		{[]string{"-think", "-1ms"}, false},
		{[]string{"extra"}, false},
	} {
		_, err := parseFlags(tc.args, io.Discard)
		if (err == nil) != tc.ok {
			t.Errorf("parseFlags(%q) = %v, want ok %v", tc.args, err, tc.ok)
		}
	}
	if _, err := parseFlags([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("parseFlags(-h) = %v, want flag.ErrHelp", err)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.observe(time.Duration(i) * time.Microsecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {0.999, 999 * time.Microsecond}, {1, time.Millisecond}} {
		got := h.quantile(tc.q)
		if got < tc.want || float64(got) > float64(tc.want)*1.07 {
			t.Errorf("quantile(%v) = %v, want %v to 7%% above", tc.q, got, tc.want)
		}
	}
	if h.max != time.Millisecond {
		t.Errorf("max = %v, want 1ms", h.max)
	}
	for _, d := range []time.Duration{0, 1, 15, 16, 17, 31, 32, 1000, time.Hour} {
		if b := bucketOf(d); upperBound(b) < d || (b > 0 && upperBound(b-1) >= d) {
			t.Errorf("%v falls in bucket %d of bounds (%v, %v]", d, b, upperBound(b-1), upperBound(b))
		}
	}
}
