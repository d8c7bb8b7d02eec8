package boxoffice_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// downAfterAdmit is a limitStore that goes down once, right after an
// admission it counted: its transactions and its SetLiveHold calls then
// fail with errStoreOutage. The outage begins between a hold's admission
// and its transaction.
type downAfterAdmit struct {
	*limitStore
	down, tripped atomic.Bool
}

func (s *downAfterAdmit) AdmitHold(ctx context.Context, a boxoffice.HoldAdmission) error {
	err := s.limitStore.AdmitHold(ctx, a)
	if err == nil && s.tripped.CompareAndSwap(false, true) {
		s.down.Store(true)
		s.setFail(errStoreOutage)
	}
	return err
}

func (s *downAfterAdmit) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	if s.down.Load() {
		return errStoreOutage
	}
	return s.limitStore.UpdateShow(ctx, showID, fn)
}

// TestSharedLimitsOutage checks what a hold costs the shared per-user
// limits during an outage of their Store. A request whose admission failed
// with ErrStoreUnavailable was not counted: it tries no undo (one more
// failing call, and a warning, for every request of the outage), and once
// the Store is back the user holds at once. A request admitted before the
// outage, whose transaction then failed, must undo its count: it tries,
// and the warning of the failed undo prints no zero time as a deadline;
// the count it could not end lapses at the LiveUntil it was admitted
// with, and not before.
func TestSharedLimitsOutage(t *testing.T) {
	t.Run("admission fails", func(t *testing.T) {
		var log syncBuffer
		var limits *limitStore
		f := newFixture(t, func(c *boxoffice.Config) {
			limits = newLimitStore(genericStore{c.Store.(*boxoffice.MemoryStore)})
			c.Store, c.MaxLiveHoldsPerUser, c.HoldsPerMinute = limits, 1, -1
			c.Logger = slog.New(slog.NewTextHandler(&log, nil))
		})
		limits.setFail(errStoreOutage)
		for range 3 {
			if _, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"}); !errors.Is(err, boxoffice.ErrStoreUnavailable) {
				t.Fatalf("a hold during the outage: %v; want ErrStoreUnavailable", err)
			}
		}
		if got := limits.count("SetLiveHold"); got != 0 {
			t.Errorf("3 holds refused by the outage called SetLiveHold %d times; want 0: nothing was counted", got)
		}
		if strings.Contains(log.String(), "level=WARN") {
			t.Errorf("3 holds refused by the outage logged warnings of their own:\n%s", log.String())
		}
		limits.setFail(nil)
		f.hold("alice", "A1") // nothing counted: under the cap of 1
	})
	t.Run("transaction fails after admission", func(t *testing.T) {
		var log syncBuffer
		var limits *downAfterAdmit
		f := newFixture(t, func(c *boxoffice.Config) {
			limits = &downAfterAdmit{limitStore: newLimitStore(genericStore{c.Store.(*boxoffice.MemoryStore)})}
			c.Store, c.MaxLiveHoldsPerUser, c.HoldsPerMinute = limits, 1, -1
			c.Logger = slog.New(slog.NewTextHandler(&log, nil))
		})
		admitted := f.clock.Now()
		if _, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"}); !errors.Is(err, boxoffice.ErrStoreUnavailable) {
			t.Fatalf("a hold whose transaction failed: %v; want ErrStoreUnavailable", err)
		}
		if got := limits.count("SetLiveHold"); got != 1 {
			t.Errorf("a hold admitted, whose transaction failed, called SetLiveHold %d times; want 1, to end its count", got)
		}
		logged := log.String()
		if !strings.Contains(logged, "level=WARN") || strings.Contains(logged, "0001-01-01") {
			t.Errorf("the failed end of a count: want one warning, without a zero time; got:\n%s", logged)
		}
		// Back up: the count lapses at the LiveUntil of the admission
		// (HoldTTL and a second), not before.
		limits.down.Store(false)
		limits.setFail(nil)
		liveUntil := admitted.Add(10*time.Minute + time.Second)
		f.clock.Set(liveUntil.Add(-time.Millisecond))
		_, err := f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"})
		wantLimit(t, "a hold while the failed one's count lasts", err, boxoffice.LimitLiveHolds)
		f.clock.Set(liveUntil)
		f.hold("alice", "A1")
	})
}
