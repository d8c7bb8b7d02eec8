package boxoffice_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// afterUpdateStore is a Store that runs a hook once, after the next
// UpdateShow has committed and before its caller sees the result: the
// moment between an ExtendHold's transaction and what it does next.
type afterUpdateStore struct {
	boxoffice.Store
	mu    sync.Mutex
	after func()
}

func (s *afterUpdateStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	err := s.Store.UpdateShow(ctx, showID, fn)
	s.mu.Lock()
	after := s.after
	s.after = nil
	s.mu.Unlock()
	if after != nil {
		after()
	}
	return err
}

// TestExtensionAtDeadlineStillCountsAsLive checks that a hold extended
// just before its deadline keeps counting against MaxLiveHoldsPerUser. The
// per-BookingSystem limits learnt the new deadline only after the
// extension's transaction had committed: a hold request of the same user
// in between, at the old deadline, found the hold over, dropped it from
// the count and was granted; the extension then found nothing to move, and
// the extended hold went uncounted for the rest of its life. A bot that
// extends each hold at its deadline while asking for more gets past the
// cap, once per race it wins.
func TestExtensionAtDeadlineStillCountsAsLive(t *testing.T) {
	var hook *afterUpdateStore
	f := newFixture(t, func(c *boxoffice.Config) {
		hook = &afterUpdateStore{Store: c.Store}
		c.Store = hook
		c.MaxLiveHoldsPerUser = 1
	})
	// The racing request is for another show: the extension's show is
	// locked until its UpdateShow returns.
	other, err := f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: f.movie.ID, HallID: f.hall.ID,
		Start: f.show.Start.Add(4 * time.Hour), BasePrice: 1500})
	if err != nil {
		t.Fatal(err)
	}
	first := f.hold("bot", "A1")
	f.clock.Set(first.HeldUntil.Add(-time.Microsecond))

	var racing error
	var second boxoffice.Booking
	hook.mu.Lock()
	hook.after = func() {
		// The extension has committed: the hold is live for another
		// HoldTTL. A request of the same user at the old deadline.
		f.clock.Set(first.HeldUntil)
		second, racing = f.sys.HoldSeats(f.ctx, "bot", other.ID, []string{"B1"})
	}
	hook.mu.Unlock()
	extended, err := f.sys.ExtendHold(f.ctx, first.ID)
	if err != nil {
		t.Fatalf("ExtendHold: %v", err)
	}
	if !extended.HeldUntil.After(f.clock.Now()) {
		t.Fatalf("extended until %s; want after now, %s", extended.HeldUntil, f.clock.Now())
	}
	if !errors.Is(racing, boxoffice.ErrRateLimited) {
		t.Errorf("a second hold while the extension lands: %v; want ErrRateLimited (cap 1, the first hold is live)", racing)
		// Given back, it leaves only the extended hold live, which
		// must still count.
		if _, err := f.sys.ReleaseHold(f.ctx, second.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.sys.HoldSeats(f.ctx, "bot", other.ID, []string{"C1"}); !errors.Is(err, boxoffice.ErrRateLimited) {
		t.Errorf("another hold after the extension: %v; want ErrRateLimited (cap 1, the first hold is live)", err)
	}
}
