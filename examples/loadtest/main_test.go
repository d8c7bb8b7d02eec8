package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/internal/testwait"
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

// throughputOf returns the operations, the span and the operations per
// second of the summary's throughput line.
func throughputOf(t *testing.T, summary string) (ops int64, span time.Duration, perSecond int64) {
	t.Helper()
	m := regexp.MustCompile(`(\d+) operations in ([\d.]+)s: (\d+) operations/s`).FindStringSubmatch(summary)
	if m == nil {
		t.Fatalf("no throughput line in the summary:\n%s", summary)
	}
	secs, err := strconv.ParseFloat(m[2], 64)
	if err != nil {
		t.Fatal(err)
	}
	ops, err1 := strconv.ParseInt(m[1], 10, 64)
	perSecond, err2 := strconv.ParseInt(m[3], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	return ops, time.Duration(secs * float64(time.Second)), perSecond
}

// loadClockStart is the fake clock's time at the start of a test's run.
var loadClockStart = time.Date(2030, 1, 1, 20, 0, 0, 0, time.UTC)

// startRun runs cfg on a fake clock in a goroutine, and returns the clock
// and the channel its error and summary come on.
func startRun(ctx context.Context, cfg config) (*fakeclock.Clock, <-chan runOutcome) {
	clock := fakeclock.New(loadClockStart)
	cfg.clock = clock
	done := make(chan runOutcome, 1)
	go func() {
		var out bytes.Buffer
		err := run(ctx, cfg, &out)
		done <- runOutcome{err, out.String()}
	}()
	return clock, done
}

type runOutcome struct {
	err     error
	summary string
}

// waitForUsers waits until users timers are armed on the run's clock (each
// user pausing), failing the test if they are not within testwait.Bound: a
// user stuck elsewhere never arms one.
func waitForUsers(t *testing.T, clock *fakeclock.Clock, users int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testwait.Bound)
	defer cancel()
	if err := clock.WaitForTimers(ctx, users); err != nil {
		t.Fatalf("waiting for %d users to pause: %d of them did: %v", users, clock.Timers(), err)
	}
}

// stepUntil moves clock in steps of step up to until, each once all users
// are pausing: each has armed its pause timer (the run's only timers on
// clock, with no progress drawn), so no user is between two readings of
// the clock while it moves.
func stepUntil(t *testing.T, clock *fakeclock.Clock, users int, step time.Duration, until time.Time) {
	t.Helper()
	for clock.Now().Before(until) {
		waitForUsers(t, clock, users)
		clock.Advance(min(step, until.Sub(clock.Now())))
	}
}

// TestThinkStopsAtDeadline: with -think, a user's pauses end at the
// deadline, and a user stops as soon as the time is up, so the run lasts
// -duration on the run's clock however long the pauses are, and operations
// per second are computed over that span. The test moves a fake clock
// while the users pause: with pauses of 1s on average, most users would
// still be pausing at a deadline of 300ms if their pauses were not cut
// there.
func TestThinkStopsAtDeadline(t *testing.T) {
	const users = 20
	cfg, err := parseFlags([]string{"-users", fmt.Sprint(users), "-shows", "1", "-duration", "300ms", "-think", "1s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	clock, done := startRun(t.Context(), cfg)
	deadline := loadClockStart.Add(300 * time.Millisecond)
	stepUntil(t, clock, users, 10*time.Millisecond, deadline)
	// Advance fired every timer due by the deadline before it returned; a
	// user woken at the deadline stops without pausing again. A timer still
	// armed is a pause that runs past the deadline.
	if n := clock.Timers(); n != 0 {
		t.Errorf("%d users still pausing at the deadline, want none", n)
		clock.Advance(time.Hour) // let them finish, to see the span
	}
	o := testwait.Recv(t, done, "the run to end at its deadline")
	if o.err != nil {
		t.Fatalf("run: %v\n%s", o.err, o.summary)
	}
	ops, span, perSecond := throughputOf(t, o.summary)
	if span != 300*time.Millisecond {
		t.Errorf("operations per second computed over %v, want the run's span on its clock, 300ms\n%s", span, o.summary)
	}
	if want := int64(math.Round(float64(ops) / 0.3)); perSecond != want {
		t.Errorf("%d operations/s, want %d operations over 300ms = %d\n%s", perSecond, ops, want, o.summary)
	}
	// Every user paused after its first operation, and some of them for
	// less than the 300ms, then went on: the users' first pauses depend
	// only on the seed, not on how the users interleave.
	if ops <= users {
		t.Errorf("%d operations by %d users over 30 steps of the clock, want more than one each\n%s", ops, users, o.summary)
	}
	t.Logf("%d operations in %v on the run's clock: %d operations/s", ops, span, perSecond)
	if strings.Contains(o.summary, "interrupted") {
		t.Errorf("a run that reached its deadline says it was interrupted:\n%s", o.summary)
	}
}

// TestInterruptIsNotAFailure: an interrupt (main cancels the context on
// ^C) stops the users at once, pausing or not: the summary and the audit
// still run, a run interrupted with a clean audit succeeds, and it says
// after how long on the run's clock it was interrupted. (The operations an
// interrupt cuts off fail with the context's error; TestFailClassification
// shows they count as interrupted, not as unexpected failures.)
func TestInterruptIsNotAFailure(t *testing.T) {
	const users = 50
	cfg, err := parseFlags([]string{"-users", fmt.Sprint(users), "-shows", "5", "-duration", "20s", "-think", "50ms"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	clock, done := startRun(ctx, cfg)
	stepUntil(t, clock, users, 10*time.Millisecond, loadClockStart.Add(300*time.Millisecond))
	waitForUsers(t, clock, users)
	cancel() // the interrupt, 300ms into a run of 20s, the users pausing
	o := testwait.Recv(t, done, "the interrupted run to end")
	if o.err != nil {
		t.Errorf("interrupted run: %v\n%s", o.err, o.summary)
	}
	if !strings.Contains(o.summary, "interrupted after 0.3s of 20s") {
		t.Errorf("the summary does not say the run was interrupted after 0.3s of 20s:\n%s", o.summary)
	}
	if _, span, _ := throughputOf(t, o.summary); span != 300*time.Millisecond {
		t.Errorf("operations per second computed over %v, want the span until the interrupt, 300ms\n%s", span, o.summary)
	}
	if n := clock.Timers(); n != 0 {
		t.Errorf("%d pauses still armed after the interrupted run, want none", n)
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
