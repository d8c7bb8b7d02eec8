package pgstore

import (
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// ShowsOfMovieSQL is the Store's query of a page of a movie's shows, for
// tests that check its plan.
func ShowsOfMovieSQL(s *Store) string { return s.q.showsOfMovie }

// ShowsChannel is the channel the Store notifies changed shows on.
func ShowsChannel(s *Store) string { return s.feed.channel }

// NotifyChanged queues showID for the Store's feed, as a committed
// UpdateShow of it does.
func NotifyChanged(s *Store, showID string) { s.feed.changed(showID) }

// FeedSends is how many notifying statements the Store has sent (or tried).
func FeedSends(s *Store) int64 { return s.feed.sends.Load() }

// FeedRunning reports whether the Store's sender goroutine runs.
func FeedRunning(s *Store) bool { return s.feed.running.Load() }

// WithoutFeed returns a Store like s whose commits notify nothing, for
// benchmarks that measure what notifying costs.
func WithoutFeed(s *Store) *Store {
	c := *s
	c.feed = nil
	return &c
}

// AsyncCommitBatch is the batch the limits' statements are queued on.
var AsyncCommitBatch = asyncCommit

// MoviesMatchingSQL is the Store's query of a page of movies by title,
// for tests that check its plan.
func MoviesMatchingSQL(s *Store) string { return s.q.moviesMatching }

// AbandonedPaymentsSQL is the Store's query of the abandoned payments,
// for tests that check its plan.
func AbandonedPaymentsSQL(s *Store) string { return s.q.paying }

// SetListenClock makes the heartbeats, the periodic changed("") and the
// reconnection back-off of the Store's ListenShowChanges (started after
// the call) run on c.
func SetListenClock(s *Store, c boxoffice.Clock) { s.clock = c }

// SetHeartbeatHooks calls sending as a heartbeat's send begins, arrived
// when a heartbeat's payload arrives, before it counts as heard (arrived
// may block, keeping it unheard), and heard once it counts. Call it
// before ListenShowChanges.
func SetHeartbeatHooks(s *Store, sending, arrived, heard func()) {
	s.hooks = feedHooks{pingSending: sending, pingArrived: arrived, pingHeard: heard}
}

// SetListenAcquireTimeout bounds each wait of the Store's
// ListenShowChanges (started after the call) for a connection from the
// pool by d, instead of 10 seconds.
func SetListenAcquireTimeout(s *Store, d time.Duration) { s.listenAcquireTimeout = d }

// MinHeartbeatWait is how long after its send ended a heartbeat is judged
// unheard at the soonest.
const MinHeartbeatWait = minHeartbeatWait
