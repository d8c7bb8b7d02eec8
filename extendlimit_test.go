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
	other, first := otherShowAndHold(t, f)
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

// failAfterFnStore fails the next UpdateShow, rolled back, once its
// function has run: as a Store whose commit fails (a serialization failure
// it gave up on, a connection lost before the commit was sent).
type failAfterFnStore struct {
	boxoffice.Store
	mu  sync.Mutex
	err error // the next UpdateShow's error; nil: succeed
}

func (s *failAfterFnStore) failNext(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

func (s *failAfterFnStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	s.mu.Lock()
	fail := s.err
	s.err = nil
	s.mu.Unlock()
	if fail == nil {
		return s.Store.UpdateShow(ctx, showID, fn)
	}
	return s.Store.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return fail
	})
}

// TestFailedExtensionCountsTheOldDeadline: an extension whose transaction
// fails leaves the hold at its old deadline, and so the live-hold count:
// once that deadline has passed, the user may hold seats again.
func TestFailedExtensionCountsTheOldDeadline(t *testing.T) {
	var store *failAfterFnStore
	f := newFixture(t, func(c *boxoffice.Config) {
		store = &failAfterFnStore{Store: c.Store}
		c.Store = store
		c.MaxLiveHoldsPerUser = 1
	})
	first := f.hold("ann", "A1")
	f.clock.Set(first.HeldUntil.Add(-time.Second))
	store.failNext(errStoreDown)
	if _, err := f.sys.ExtendHold(f.ctx, first.ID); !errors.Is(err, errStoreDown) {
		t.Fatalf("ExtendHold with its transaction failing: %v; want %v", err, errStoreDown)
	}
	f.clock.Set(first.HeldUntil)
	if _, err := f.sys.HoldSeats(f.ctx, "ann", f.show.ID, []string{"B1"}); err != nil {
		t.Errorf("a hold once the unextended hold's deadline has passed: %v; want it granted", err)
	}
}

// askedStoreError is a Store error that, asked once whether it is
// ErrCommitUnknown, runs ask first.
type askedStoreError struct{ ask func() }

func (e *askedStoreError) Error() string { return "store: transaction failed" }

func (e *askedStoreError) Is(target error) bool {
	if target == boxoffice.ErrCommitUnknown && e.ask != nil {
		ask := e.ask
		e.ask = nil
		ask()
	}
	return false
}

// TestFailedExtensionRacingAnotherKeepsItsDeadline: of two extensions of
// one hold, the first fails and the second succeeds. The count must keep
// the second's deadline. The first put the old deadline back after the
// show's lock was released: the second, having run and told the count its
// deadline in between, was overwritten, and at the old deadline the
// extended hold stopped counting, letting the user past the cap.
func TestFailedExtensionRacingAnotherKeepsItsDeadline(t *testing.T) {
	var store *failAfterFnStore
	f := newFixture(t, func(c *boxoffice.Config) {
		store = &failAfterFnStore{Store: c.Store}
		c.Store = store
		c.MaxLiveHoldsPerUser = 1
	})
	other, first := otherShowAndHold(t, f)
	f.clock.Set(first.HeldUntil.Add(-time.Second))

	var second error
	done := make(chan struct{})
	store.failNext(&askedStoreError{ask: func() {
		// The first extension has failed. The second runs now, if the
		// show's lock lets it; else once the first is done.
		go func() {
			defer close(done)
			_, second = f.sys.ExtendHold(f.ctx, first.ID)
		}()
		select {
		case <-done:
		case <-time.After(time.Second):
		}
	}})
	if _, err := f.sys.ExtendHold(f.ctx, first.ID); err == nil {
		t.Fatal("the first ExtendHold succeeded; want its Store's error")
	}
	recv(t, done, "the second ExtendHold to return")
	if second != nil {
		t.Fatalf("the second ExtendHold: %v", second)
	}
	f.clock.Set(first.HeldUntil)
	if _, err := f.sys.HoldSeats(f.ctx, "bot", other.ID, []string{"B1"}); !errors.Is(err, boxoffice.ErrRateLimited) {
		t.Errorf("a hold at the old deadline, the hold extended: %v; want ErrRateLimited (cap 1, the extended hold is live)", err)
	}
}

// otherShowAndHold schedules a second show, S2, four hours after the
// fixture's, and holds A1 of the fixture's show for "bot".
func otherShowAndHold(t *testing.T, f *fixture) (other boxoffice.Show, held boxoffice.Booking) {
	t.Helper()
	other, err := f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: f.movie.ID, HallID: f.hall.ID,
		Start: f.show.Start.Add(4 * time.Hour), BasePrice: 1500})
	if err != nil {
		t.Fatal(err)
	}
	return other, f.hold("bot", "A1")
}
