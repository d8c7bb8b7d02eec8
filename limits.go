package boxoffice

import (
	"hash/maphash"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// userLimits enforces the per-user limits against ticket hoarding: a rate
// of new holds and a cap on live holds. They are counted per
// BookingSystem (per process), unlike seat ownership, which the Store
// decides: they protect a process from one user's flood, not the seats.
type userLimits struct {
	seed    maphash.Seed
	perMin  int // holds per minute; ≤ 0: no rate limit
	maxLive int // live holds; ≤ 0: no cap
	shards  [64]limitShard
}

type limitShard struct {
	mu    sync.Mutex
	users map[string]*userState
}

type userState struct {
	limiter *rate.Limiter
	live    []liveHold // holds that may still be live
}

type liveHold struct {
	id    BookingID
	until time.Time
}

func (u *userLimits) init(cfg Config) {
	u.seed = maphash.MakeSeed()
	u.perMin, u.maxLive = cfg.HoldsPerMinute, cfg.MaxLiveHoldsPerUser
	for i := range u.shards {
		u.shards[i].users = make(map[string]*userState)
	}
}

func (u *userLimits) shard(userID string) *limitShard {
	return &u.shards[maphash.String(u.seed, userID)%uint64(len(u.shards))]
}

// enabled reports whether any per-user limit is on; when none is, admit,
// track and forget do nothing.
func (u *userLimits) enabled() bool { return u.perMin > 0 || u.maxLive > 0 }

// admit takes one hold token for the user at now and reserves a live-hold
// slot under the provisional booking id. It returns a *RateLimitError if a
// limit refuses; the live-hold cap is checked first, and a request it
// refuses takes no token. The reservation is confirmed by made or undone
// by forget.
func (u *userLimits) admit(userID string, id BookingID, now, until time.Time) error {
	if !u.enabled() {
		return nil
	}
	sh := u.shard(userID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	st := u.state(sh, userID)
	if u.maxLive > 0 {
		st.prune(now)
		if len(st.live) >= u.maxLive {
			return &RateLimitError{UserID: userID, Limit: LimitLiveHolds, RetryAfter: st.firstOver().Sub(now)}
		}
	}
	if err := st.takeToken(userID, now); err != nil {
		return err
	}
	if u.maxLive > 0 {
		st.live = append(st.live, liveHold{id: id, until: until})
	}
	return nil
}

// take takes one hold token for the user at now, as admit does, without
// reserving a live-hold slot: for a request that repeats a live hold.
func (u *userLimits) take(userID string, now time.Time) error {
	if u.perMin <= 0 {
		return nil
	}
	sh := u.shard(userID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return u.state(sh, userID).takeToken(userID, now)
}

// state returns the user's state in sh, made if there is none. The
// caller holds sh.mu.
func (u *userLimits) state(sh *limitShard, userID string) *userState {
	st := sh.users[userID]
	if st == nil {
		st = &userState{}
		if u.perMin > 0 {
			st.limiter = rate.NewLimiter(rate.Every(time.Minute/time.Duration(u.perMin)), u.perMin)
		}
		sh.users[userID] = st
	}
	return st
}

// takeToken takes one hold token at now, if the user has a rate limit.
func (st *userState) takeToken(userID string, now time.Time) error {
	if st.limiter == nil {
		return nil
	}
	r := st.limiter.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return &RateLimitError{UserID: userID, Limit: LimitHoldsPerMinute, RetryAfter: d}
	}
	return nil
}

// firstOver returns the earliest deadline of the live holds: not
// necessarily the first one's, which an extension may have moved. There
// is at least one.
func (st *userState) firstOver() time.Time {
	first := st.live[0].until
	for _, h := range st.live[1:] {
		if h.until.Before(first) {
			first = h.until
		}
	}
	return first
}

// prune drops holds that are over at now.
func (st *userState) prune(now time.Time) {
	k := 0
	for _, h := range st.live {
		if now.Before(h.until) {
			st.live[k] = h
			k++
		}
	}
	clear(st.live[k:])
	st.live = st.live[:k]
}

// made confirms the live-hold slot admit reserved under the provisional
// ID reserved: the hold is id, live until until.
func (u *userLimits) made(userID string, reserved, id BookingID, until time.Time) {
	if u.maxLive <= 0 {
		return
	}
	sh := u.shard(userID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if st := sh.users[userID]; st != nil {
		for i := range st.live {
			if st.live[i].id == reserved {
				st.live[i] = liveHold{id: id, until: until}
				return
			}
		}
	}
}

// track sets the deadline of a live hold (after an extension, say).
func (u *userLimits) track(userID string, id BookingID, until time.Time) {
	u.made(userID, id, id, until)
}

// forget drops a hold that is no longer live (released, paid, expired,
// or never made).
func (u *userLimits) forget(userID string, id BookingID) {
	if u.maxLive <= 0 {
		return
	}
	sh := u.shard(userID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if st := sh.users[userID]; st != nil {
		for i := range st.live {
			if st.live[i].id == id {
				st.live = append(st.live[:i], st.live[i+1:]...)
				break
			}
		}
	}
}

// evictIdle forgets users with no live hold and a full token bucket, so
// that the limits' memory follows the active users, not all users ever.
func (u *userLimits) evictIdle(now time.Time) {
	for i := range u.shards {
		sh := &u.shards[i]
		sh.mu.Lock()
		for id, st := range sh.users {
			st.prune(now)
			if len(st.live) == 0 && (st.limiter == nil || st.limiter.TokensAt(now) >= float64(st.limiter.Burst())) {
				delete(sh.users, id)
			}
		}
		sh.mu.Unlock()
	}
}
