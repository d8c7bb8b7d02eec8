package pgstore

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/jackc/pgx/v5"
)

// AdmitHold implements [boxoffice.UserLimitStore] in one statement on the
// user's row of user_limits (migration 0008), which it locks: it prunes
// the live holds that ended by a.Now (less [Options.MaxClockSkew]), decides,
// and writes what it
// decided. The row it returns is the one it wrote, so that the reason for
// a refusal is read off the state that caused it. Durations are kept to
// the microsecond, as PostgreSQL keeps intervals.
func (s *Store) AdmitHold(ctx context.Context, a boxoffice.HoldAdmission) error {
	var interval, liveUntil any // NULL: no rate; not counted as live
	if a.HoldsPerMinute > 0 {
		interval = tokenInterval(a.HoldsPerMinute)
	}
	if !a.LiveUntil.IsZero() {
		liveUntil = roundUp(a.LiveUntil)
	}
	// The row records the last request admitted by a random mark of its
	// own: not by a.Hold, which the retries of a live hold all name.
	var mark, admitted [16]byte
	_, _ = rand.Read(mark[:]) // never fails (Go 1.24)
	var nextAt time.Time
	var live []time.Time
	batch := asyncCommit()
	batch.Queue(s.q.admitHold, a.UserID, a.Now, [16]byte(a.Hold), liveUntil, interval,
		a.HoldsPerMinute, a.MaxLiveHolds, mark, s.clockSkew).QueryRow(func(row pgx.Row) error { return row.Scan(&nextAt, &live, &admitted) })
	err := s.pool.SendBatch(ctx, batch).Close()
	switch {
	case err != nil:
		return markWrite(ctx, err)
	case admitted == mark:
		return nil
	case liveUntil != nil && a.MaxLiveHolds > 0 && len(live) >= a.MaxLiveHolds:
		return &boxoffice.RateLimitError{UserID: a.UserID, Limit: boxoffice.LimitLiveHolds,
			RetryAfter: slices.MinFunc(live, time.Time.Compare).Add(s.clockSkew).Sub(a.Now)}
	case a.HoldsPerMinute <= 0:
		return fmt.Errorf("pgstore: user %q refused a hold by no limit of the request's", a.UserID)
	}
	// Refused by the rate: the bucket has room for one more request once
	// next_at is a burst's worth of intervals, less one, from now.
	wait := nextAt.Sub(a.Now) - time.Duration(a.HoldsPerMinute-1)*tokenInterval(a.HoldsPerMinute)
	return &boxoffice.RateLimitError{UserID: a.UserID, Limit: boxoffice.LimitHoldsPerMinute, RetryAfter: wait}
}

// tokenInterval is the time between two tokens at perMinute tokens a
// minute, cut to the microsecond as a PostgreSQL interval keeps it (and
// at least one), so that RetryAfter is computed with the interval the
// statement used.
func tokenInterval(perMinute int) time.Duration {
	return max((time.Minute / time.Duration(perMinute)).Truncate(time.Microsecond), time.Microsecond)
}

// SetLiveHold implements [boxoffice.UserLimitStore].
func (s *Store) SetLiveHold(ctx context.Context, userID string, hold boxoffice.BookingID, until time.Time) error {
	batch := asyncCommit()
	if until.IsZero() {
		batch.Queue(s.q.endLiveHold, userID, [16]byte(hold))
	} else {
		batch.Queue(s.q.setLiveHold, userID, [16]byte(hold), roundUp(until))
	}
	return markWrite(ctx, s.pool.SendBatch(ctx, batch).Close())
}

// roundUp rounds t up to the microsecond, as PostgreSQL keeps it: cut, a
// deadline would end a moment early.
func roundUp(t time.Time) time.Time {
	return t.Add(time.Microsecond - 1).Truncate(time.Microsecond)
}

// asyncCommit returns a batch that begins by turning synchronous_commit off
// for its implicit transaction (pgx sends a batch as one), so that the
// statements queued after it commit without waiting for the WAL to reach
// the disk: the wait was most of what the limits cost a hold. What a
// crash of the database server may lose is a moment's counts of the
// limits, never a seat or a booking, which their own transactions write.
func asyncCommit() *pgx.Batch {
	b := new(pgx.Batch)
	b.Queue("SELECT set_config('synchronous_commit', 'off', true)")
	return b
}

// ForgetIdleUsers implements [boxoffice.UserLimitStore]. It scans
// user_limits, which holds only the users who held seats lately; each
// BookingSystem's sweeper calls it every minute or so. A user admitted while it
// runs keeps their row: the deletion checks the row it locks again.
func (s *Store) ForgetIdleUsers(ctx context.Context, now time.Time) error {
	_, err := s.pool.Exec(ctx, s.q.forgetIdleUsers, now, s.clockSkew)
	return markWrite(ctx, err)
}
