package boxoffice

import (
	"context"
	"hash/maphash"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// userLimits enforces the per-user limits against ticket hoarding: a rate
// of new holds and a cap on live holds. They are counted by the Store if
// it is a UserLimitStore (shared), else here, per BookingSystem. Either
// way they guard the seats from one user's flood; who owns a seat is the
// Store's to decide alone.
type userLimits struct {
	seed    maphash.Seed
	perMin  int // holds per minute; ≤ 0: no rate limit
	maxLive int // live holds; ≤ 0: no cap
	shards  [64]limitShard

	shared UserLimitStore // nil: counted in shards
	clock  Clock
	log    *slog.Logger
}

// sharedLimitTimeout bounds the calls that tell a UserLimitStore a hold
// ended or moved, and its ForgetIdleUsers. The former run after the
// hold's own change committed, with the caller's values but not its
// cancellation: a caller that gave up must still free the user's slot. One
// that fails is logged; the slot then lapses at its deadline.
const sharedLimitTimeout = 10 * time.Second

// sharedLiveMargin is how much longer than its hold could last a
// UserLimitStore is asked to count a new hold. The hold's deadline is
// fixed in its transaction, after the admission: counted only until the
// deadline as reckoned at admission, a hold would stop counting for a
// moment before it ended, and another request then would pass the cap.
// With the margin, the Store needs telling only when the transaction took
// longer. Extensions get the same margin (track).
const sharedLiveMargin = time.Second

// sharedEndsAtOnce bounds the calls that end the counts of a cancelled
// show's holds (forgetAll) that run at once: a show may have hundreds,
// each a statement, before its refunds.
const sharedEndsAtOnce = 8

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
	if !cfg.LocalUserLimits {
		u.shared, _ = StoreCapability[UserLimitStore](cfg.Store)
	}
	u.clock, u.log = cfg.Clock, cfg.Logger
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
// refuses takes no token. The reservation is confirmed through the
// liveSlot admit returns (liveSlot.made) or undone by forget. With a
// UserLimitStore, the Store counts, and an error that is not a
// *RateLimitError is the Store's.
func (u *userLimits) admit(ctx context.Context, userID string, id BookingID, now, until time.Time) (liveSlot, error) {
	return u.admitAs(ctx, userID, id, now, until, true)
}

// readmit is admit for a request admitted before whose admission lapsed
// before its transaction (see HoldSeats): it reserves a live-hold slot
// again, under the cap, but takes no hold token. The request took one
// when first admitted, and the library's own slowness must not cost the
// user a second: a rate of 1 would then refuse the request.
func (u *userLimits) readmit(ctx context.Context, userID string, id BookingID, now, until time.Time) (liveSlot, error) {
	return u.admitAs(ctx, userID, id, now, until, false)
}

// admitAs is admit, taking a token only if token is set.
func (u *userLimits) admitAs(ctx context.Context, userID string, id BookingID, now, until time.Time, token bool) (liveSlot, error) {
	if !u.enabled() {
		return liveSlot{}, nil
	}
	perMin := u.perMin
	if !token {
		perMin = 0 // ≤ 0: no rate limit (HoldAdmission)
	}
	if u.shared != nil {
		a := HoldAdmission{UserID: userID, Hold: id, Now: now, HoldsPerMinute: perMin, MaxLiveHolds: u.maxLive}
		if u.maxLive > 0 {
			a.LiveUntil = until
		}
		return liveSlot{}, u.shared.AdmitHold(ctx, a)
	}
	sh := u.shard(userID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	st := u.state(sh, userID)
	if u.maxLive > 0 {
		st.prune(now)
		if len(st.live) >= u.maxLive {
			return liveSlot{}, &RateLimitError{UserID: userID, Limit: LimitLiveHolds, RetryAfter: st.firstOver().Sub(now)}
		}
	}
	if perMin > 0 {
		if err := st.takeToken(userID, now); err != nil {
			return liveSlot{}, err
		}
	}
	if u.maxLive <= 0 {
		return liveSlot{}, nil
	}
	st.live = append(st.live, liveHold{id: id, until: until})
	return liveSlot{shard: sh, user: st}, nil
}

// liveSlot is where admit reserved a hold's live-hold slot in the limits
// counted here, for the hold's transaction to confirm it without looking
// the user up again: the hash and the map lookup were some 130 of
// the 1,900 instructions the limits added to a hold and release. Zero
// when nothing was reserved here: no cap, or a UserLimitStore.
//
// The user's state it points to may have been dropped meanwhile by
// evictIdle, if the slot's deadline passed: evictIdle prunes the slot
// first, so confirming it then finds no slot and reports false.
type liveSlot struct {
	shard *limitShard
	user  *userState
}

// made confirms the slot admit reserved: the hold reserved is id, live
// until until. It reports false if the slot is gone: its deadline passed
// (the count pruned it, or evictIdle the user) after the caller read its
// clock, and a request of the user may have been admitted in its place.
// True when nothing was reserved here.
func (s liveSlot) made(reserved, id BookingID, until time.Time) bool {
	if s.user == nil {
		return true
	}
	s.shard.mu.Lock()
	defer s.shard.mu.Unlock()
	return s.user.confirm(reserved, id, until)
}

// liveUntil is how long a hold admitted with the given deadline (HoldTTL
// from its request, cut at the show's start) counts as live at admission:
// until that deadline, and for a UserLimitStore sharedLiveMargin more.
func (u *userLimits) liveUntil(deadline time.Time) time.Time {
	if u.shared != nil {
		return deadline.Add(sharedLiveMargin)
	}
	return deadline
}

// take takes one hold token for the user at now, as admit does, without
// reserving a live-hold slot: for a request that repeats a live hold.
func (u *userLimits) take(ctx context.Context, userID string, id BookingID, now time.Time) error {
	if u.perMin <= 0 {
		return nil
	}
	if u.shared != nil {
		return u.shared.AdmitHold(ctx, HoldAdmission{UserID: userID, Hold: id, Now: now, HoldsPerMinute: u.perMin})
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
	// AllowN takes a token if there is one now, and else changes nothing;
	// only a refusal pays for a Reservation, to learn how long to wait.
	// (ReserveN, then DelayFrom and CancelAt on a refusal, did the same
	// for every request.)
	if st.limiter.AllowN(now, 1) {
		return nil
	}
	r := st.limiter.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return &RateLimitError{UserID: userID, Limit: LimitHoldsPerMinute, RetryAfter: d}
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

// extended tells the process's own count that the user's hold id, live
// in the Store, is now live until until (an ExtendHold, or its undoing),
// under the show's lock. A hold the count no longer has is counted again:
// a request of the user whose clock read reached the old deadline before
// the extension's transaction ended drops it as over, and the extended
// hold would then go uncounted for the rest of its life (and a hold of
// another process, or from before a restart, is live all the same). The
// user may be one over the cap for as long as both holds live, where the
// count without it would let them take one more each time.
func (u *userLimits) extended(userID string, id BookingID, until time.Time) {
	// Inlined: without the live-hold cap (or with a UserLimitStore: see
	// stored and track), an extension makes no call here.
	if u.maxLive > 0 && u.shared == nil {
		u.extendedLocal(userID, id, until)
	}
}

// extendedLocal is extended for the process's own count of live holds.
func (u *userLimits) extendedLocal(userID string, id BookingID, until time.Time) {
	sh := u.shard(userID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	st := u.state(sh, userID)
	if !st.confirm(id, id, until) {
		st.live = append(st.live, liveHold{id: id, until: until})
	}
}

// confirm makes the live hold reserved id, live until until, and reports
// whether the user had it. The caller holds the shard's lock.
func (st *userState) confirm(reserved, id BookingID, until time.Time) bool {
	for i := range st.live {
		if st.live[i].id == reserved {
			st.live[i] = liveHold{id: id, until: until}
			return true
		}
	}
	return false
}

// stored records that a hold admitted as live until admitted was stored
// as b. The limits counted here learned its deadline in its transaction
// (liveSlot.made, under the show's lock). A UserLimitStore, which counts
// the hold sharedLiveMargin longer than it could last, is told only if
// the hold's transaction took longer than that.
func (u *userLimits) stored(ctx context.Context, userID string, admitted time.Time, b *Booking) {
	if u.maxLive > 0 && u.shared != nil && b.HeldUntil.After(admitted) {
		u.track(ctx, userID, b.ID, b.HeldUntil)
	}
}

// track tells a UserLimitStore the new deadline of a live hold (after an
// extension, or a hold whose transaction took long), which it counts
// sharedLiveMargin longer, as at admission: so an extension made just
// before the deadline reaches the Store while the hold still counts,
// unless this call takes longer than the margin. (The Store does not
// count again a hold it no longer counts: a release that overtook the
// extension must stay a release.) The limits counted here learn an
// extension under the show's lock instead (ExtendHold): told after it,
// an extension's deadline could overwrite that of a later one.
func (u *userLimits) track(ctx context.Context, userID string, id BookingID, until time.Time) {
	if u.maxLive <= 0 || u.shared == nil {
		return
	}
	u.setShared(ctx, userID, id, until.Add(sharedLiveMargin))
}

// forget drops a hold that is no longer live (released, paid, expired,
// or never made).
func (u *userLimits) forget(ctx context.Context, userID string, id BookingID) {
	// Inlined: without the live-hold cap, a release makes no call here.
	if u.maxLive > 0 {
		u.forgetLive(ctx, userID, id)
	}
}

// forgetLive is forget under the live-hold cap.
func (u *userLimits) forgetLive(ctx context.Context, userID string, id BookingID) {
	if u.shared != nil {
		u.setShared(ctx, userID, id, time.Time{})
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

// forgetAll is forget for each of holds, up to sharedEndsAtOnce at once
// with a UserLimitStore.
func (u *userLimits) forgetAll(ctx context.Context, holds []Booking) {
	if u.shared == nil || u.maxLive <= 0 {
		for _, b := range holds {
			u.forget(ctx, b.UserID, b.ID)
		}
		return
	}
	slots := make(chan struct{}, sharedEndsAtOnce)
	var wg sync.WaitGroup
	for _, b := range holds {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			defer func() {
				// The Store's panic, on a goroutine of ours: it must not
				// take the process down.
				if v := recover(); v != nil {
					u.log.Error("boxoffice: ending the count of a cancelled show's hold panicked; it counts until its deadline",
						"user", b.UserID, "booking", b.ID, "panic", v)
				}
			}()
			u.forget(ctx, b.UserID, b.ID)
		})
	}
	wg.Wait()
}

// setShared is UserLimitStore.SetLiveHold, called after the change that
// ended or extended the hold committed.
func (u *userLimits) setShared(ctx context.Context, userID string, id BookingID, until time.Time) {
	ctx, cancel := withClockTimeout(context.WithoutCancel(ctx), u.clock, sharedLimitTimeout)
	defer cancel()
	err := u.shared.SetLiveHold(ctx, userID, id, until)
	switch {
	case err == nil:
	case until.IsZero():
		// An end: there is no new deadline to print (a zero time in the
		// log read as one), only the one the Store already had.
		u.log.Warn("boxoffice: ending a hold's count in the shared per-user limits failed; it counts until the deadline they had for it",
			"user", userID, "booking", id, "err", err)
	default:
		u.log.Warn("boxoffice: moving a hold's deadline in the shared per-user limits failed; it counts until the deadline they had for it",
			"user", userID, "booking", id, "until", until, "err", err)
	}
}

// evictIdle forgets users with no live hold and a full token bucket, so
// that the limits' memory follows the active users, not all users ever.
func (u *userLimits) evictIdle(ctx context.Context, now time.Time) error {
	if u.shared != nil {
		if !u.enabled() {
			return nil
		}
		ctx, cancel := withClockTimeout(ctx, u.clock, sharedLimitTimeout)
		defer cancel()
		return u.shared.ForgetIdleUsers(ctx, now)
	}
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
	return nil
}
