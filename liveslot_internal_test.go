package boxoffice

import (
	"context"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestLiveSlotConfirmsOnlyCountedHolds: whatever admissions, idle
// evictions, confirmations through the liveSlot admit returned, and
// forgets come in whatever order on a clock that only moves on, a hold
// whose slot made confirmed stays counted, under the user's state that
// admit finds now, until its deadline or its forget. A liveSlot that
// confirmed a slot of a user state evictIdle had dropped would count the
// hold where no admission looks, and let the user pass the cap.
func TestLiveSlotConfirmsOnlyCountedHolds(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		var u userLimits
		u.init(Config{MaxLiveHoldsPerUser: rapid.IntRange(1, 3).Draw(rt, "maxLive")})
		const ttl = 10 * time.Minute
		ctx := context.Background()
		now := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
		type pending struct {
			id   BookingID
			slot liveSlot
		}
		var admitted []pending
		confirmed := make(map[BookingID]time.Time) // made true, not forgotten
		next := byte(0)
		for i := range rapid.IntRange(1, 40).Draw(rt, "ops") {
			now = now.Add(time.Duration(rapid.Int64Range(0, int64(ttl)).Draw(rt, "step")))
			switch op := rapid.IntRange(0, 3).Draw(rt, "op"); {
			case op == 0:
				next++
				id := BookingID{next}
				if slot, err := u.admit(ctx, "u", id, now, now.Add(ttl)); err == nil {
					admitted = append(admitted, pending{id, slot})
				}
			case op == 1:
				if err := u.evictIdle(ctx, now); err != nil {
					rt.Fatal(err)
				}
			case op == 2 && len(admitted) > 0:
				k := rapid.IntRange(0, len(admitted)-1).Draw(rt, "which")
				p := admitted[k]
				admitted = append(admitted[:k], admitted[k+1:]...)
				until := now.Add(ttl)
				if p.slot.made(p.id, p.id, until) {
					confirmed[p.id] = until
				}
			case op == 3 && len(confirmed) > 0:
				for id := range confirmed { // any one
					u.forget(ctx, "u", id)
					delete(confirmed, id)
					break
				}
			}
			sh := u.shard("u")
			sh.mu.Lock()
			st := sh.users["u"]
			for id, until := range confirmed {
				if !now.Before(until) {
					continue // lapsed: need not be counted
				}
				found := false
				if st != nil {
					for _, h := range st.live {
						found = found || h.id == id && h.until.Equal(until)
					}
				}
				if !found {
					sh.mu.Unlock()
					rt.Fatalf("op %d at %s: hold %x, confirmed until %s, is not counted in the user's state", i, now, id[:1], until)
				}
			}
			sh.mu.Unlock()
		}
	})
}
