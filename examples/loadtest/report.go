package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// histogram counts latencies in buckets of about 6 % width: 16 buckets per
// power of two, so that percentiles are exact to within 6 % and recording
// costs an array increment.
type histogram struct {
	counts [1024]uint64
	n      uint64
	max    time.Duration
}

const subBuckets = 16

func bucketOf(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - 5 // keep the 5 top bits: 1xxxx
	return subBuckets + shift*subBuckets + int(v>>shift) - subBuckets
}

// upperBound is the largest latency counted in bucket b.
func upperBound(b int) time.Duration {
	if b < subBuckets {
		return time.Duration(b)
	}
	shift := (b - subBuckets) / subBuckets
	mantissa := uint64(subBuckets + (b-subBuckets)%subBuckets)
	return time.Duration((mantissa+1)<<shift - 1)
}

func (h *histogram) observe(d time.Duration) {
	h.counts[bucketOf(d)]++
	h.n++
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the latency below which a share q of the observations
// fall (rounded up to its bucket's bound, and never above the maximum).
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.999999)
	var seen uint64
	for b, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(upperBound(b), h.max)
		}
	}
	return h.max
}

// recorder is one user's record; merged at the end, so that recording
// takes no lock.
type recorder struct {
	lat    [numOps]histogram
	errors [numOps]int64 // failures no user action explains
	// interrupted counts operations cut off by the end of the run's
	// context (^C): the user's doing, not the system's.
	interrupted int64

	holds, conflicts, released, lateRelease, abandoned int64
	confirmed, declined, latePayment, cancelled        int64
	firstErr                                           error
}

func (r *recorder) observe(k opKind, d time.Duration) { r.lat[k].observe(d) }

// fail records an operation of kind k that failed with err, which no user
// action explains unless the run's context ctx has ended and err is a
// context error: the interrupt cut the operation off (pgstore may report
// the cancelled query as a deadline, hence either error).
func (r *recorder) fail(ctx context.Context, k opKind, err error) {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		r.interrupted++
		return
	}
	r.errors[k]++
	if r.firstErr == nil {
		r.firstErr = fmt.Errorf("%s: %w", opNames[k], err)
	}
}

func (r *recorder) merge(o *recorder) {
	for k := range numOps {
		r.lat[k].merge(&o.lat[k])
		r.errors[k] += o.errors[k]
	}
	r.interrupted += o.interrupted
	r.holds += o.holds
	r.conflicts += o.conflicts
	r.released += o.released
	r.lateRelease += o.lateRelease
	r.abandoned += o.abandoned
	r.confirmed += o.confirmed
	r.declined += o.declined
	r.latePayment += o.latePayment
	r.cancelled += o.cancelled
}

// showProgress draws the progress until finished is closed: a bar redrawn
// in place on a terminal, else a line every tenth of the run (at least
// every second).
func (s *sim) showProgress(ctx context.Context, start, deadline time.Time, finished <-chan struct{}) {
	w := s.cfg.progress
	if w == nil {
		<-finished
		return
	}
	every := max(time.Second, s.cfg.duration/10)
	if s.cfg.terminal {
		every = 200 * time.Millisecond
	}
	// The lines are due at fixed times from start, not from when this
	// goroutine got to run: starting the users may take a while.
	tick := s.cfg.clock.NewTimer(start.Add(every).Sub(s.cfg.clock.Now()))
	defer tick.Stop()
	total := s.cfg.duration.Seconds()
	for {
		select {
		case <-finished:
			if s.cfg.terminal {
				s.drawProgress(w, start, total, true)
				fmt.Fprintln(w)
				return
			}
			// A line that fell due before the users finished is drawn,
			// though this goroutine did not run in time to see it first
			// (select picks at random among ready cases).
			select {
			case <-tick.C():
				s.drawProgress(w, start, total, false)
			default:
			}
			return
		case at := <-tick.C():
			s.drawProgress(w, start, total, false)
			// Every period from the last, like a time.Ticker: the
			// drawing does not push the next line back.
			tick.Reset(at.Add(every).Sub(s.cfg.clock.Now()))
		case <-ctx.Done():
			// Interrupted: the users stop at their next operation.
			<-finished
			return
		}
	}
}

func (s *sim) drawProgress(w io.Writer, start time.Time, total float64, final bool) {
	var ops int64
	for i := range s.done {
		ops += s.done[i].n.Load()
	}
	elapsed := s.cfg.clock.Now().Sub(start).Seconds()
	share := min(elapsed/total, 1)
	if final {
		share = 1
	}
	st := s.sys.Stats()
	line := fmt.Sprintf("%5.1fs %9d ops %8.0f ops/s  holds %d  conflicts %d  expired %d  confirmed %d",
		elapsed, ops, float64(ops)/max(elapsed, 1e-9), st.Holds, st.HoldConflicts, st.Expired, st.Confirmed)
	if !s.cfg.terminal {
		fmt.Fprintln(w, line)
		return
	}
	const width = 30
	filled := int(share * width)
	fmt.Fprintf(w, "\r[%s%s] %3.0f%% %s\x1b[K", strings.Repeat("#", filled), strings.Repeat(".", width-filled), 100*share, line)
}

// printSummary writes the throughput, the latency table and the counts.
func printSummary(w io.Writer, cfg config, res result, st boxoffice.Stats) {
	r := &res.rec
	var ops uint64
	for k := range numOps {
		ops += r.lat[k].n
	}
	secs := res.elapsed.Seconds()
	fmt.Fprintf(w, "\n%d operations in %.1fs: %.0f operations/s\n", ops, secs, float64(ops)/secs)
	if res.interrupted {
		fmt.Fprintf(w, "interrupted after %.1fs of %s: %d operations cut off\n", secs, cfg.duration, r.interrupted)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tcount\tper second\tp50\tp99\tp99.9\tmax\tunexpected errors\t")
	for k := range numOps {
		h := &r.lat[k]
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%s\t%d\t\n", opNames[k], h.n, float64(h.n)/secs,
			round(h.quantile(0.50)), round(h.quantile(0.99)), round(h.quantile(0.999)), round(h.max), r.errors[k])
	}
	tw.Flush()
	attempts := r.holds + r.conflicts
	fmt.Fprintf(w, "\nholds: %d granted, %d conflicts (%.1f%% of %d attempts); %d released, %d released too late, %d abandoned\n",
		r.holds, r.conflicts, 100*float64(r.conflicts)/float64(max(attempts, 1)), attempts, r.released, r.lateRelease, r.abandoned)
	fmt.Fprintf(w, "expired holds: %d (the sweeper and late payments)\n", st.Expired)
	fmt.Fprintf(w, "payments: %d confirmed, %d declined, %d too late (hold expired); %d bookings cancelled with a refund\n",
		r.confirmed, r.declined, r.latePayment, r.cancelled)
	if st.EventsDropped > 0 || st.SweeperErrors > 0 {
		fmt.Fprintf(w, "events dropped: %d, sweeper errors: %d\n", st.EventsDropped, st.SweeperErrors)
	}
}

// round shortens a latency for the table.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d >= time.Microsecond:
		return d.Round(100 * time.Nanosecond)
	}
	return d
}
