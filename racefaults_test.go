package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// The fault workload of faults_test.go, harder: some Store transactions
// commit and then report ErrCommitUnknown (as pgstore does when a
// commit's answer is lost), callers' contexts end at random points
// (while waiting for a show's lock, during a transaction, during a
// payment), and shows are cancelled (CancelShow) while customers hold and
// pay. The audit is the same: nothing sold twice, no seat left taken, and
// the money adds up.

// lostAnswerStore is a faultyStore whose UpdateShow, now and then,
// commits and then reports ErrCommitUnknown.
type lostAnswerStore struct {
	*faultyStore
	lostRate float64
	lost     atomic.Int64
}

func (s *lostAnswerStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	err := s.faultyStore.UpdateShow(ctx, showID, fn)
	if err != nil || !s.on.Load() {
		return err
	}
	s.mu.Lock()
	u := s.rng.Float64()
	s.mu.Unlock()
	if u < s.lostRate {
		s.lost.Add(1)
		return errCommittedAnyway
	}
	return nil
}

func TestFaultInjectionLostAnswersCancelledCallsAndShows(t *testing.T) {
	seed := seedFromEnv(t)
	t.Logf("seed %d (replay the choices with BOXOFFICE_SEED=%d; the interleaving is the scheduler's)", seed, seed)
	const ttl = 2 * time.Minute
	ctx := context.Background()
	gw := newFaultyGateway(seed)
	store := &lostAnswerStore{faultyStore: newFaultyStore(seed, 0.05), lostRate: 0.05}
	clock := fakeclock.New(start)
	sys, err := boxoffice.New(boxoffice.Config{
		Store: store, Clock: clock, Gateway: gw,
		Logger:              slog.New(slog.DiscardHandler),
		HoldTTL:             ttl,
		HoldsPerMinute:      -1,
		MaxLiveHoldsPerUser: -1,
		PaymentBackoff:      -1,
		SweepInterval:       10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sys.Close(ctx) })
	layout, err := boxoffice.ParseLayout("A RRRR\nB VVVV")
	if err != nil {
		t.Fatal(err)
	}
	mustT[boxoffice.Movie](t)(sys.AddMovie(ctx, boxoffice.Movie{ID: "M", Title: "Heat", Duration: 170 * time.Minute}))
	mustT[boxoffice.Theater](t)(sys.AddTheater(ctx, boxoffice.Theater{ID: "T", Name: "Odeon", City: "Leeds"}))
	const nShows = 8
	shows := make([]string, nShows)
	showStart := start.Add(72 * time.Hour)
	for i := range shows {
		h := mustT[boxoffice.Hall](t)(sys.AddHall(ctx, boxoffice.Hall{TheaterID: "T", Name: "h", Layout: layout}))
		shows[i] = mustT[boxoffice.Show](t)(sys.ScheduleShow(ctx, boxoffice.Show{MovieID: "M", HallID: h.ID,
			Start: showStart, BasePrice: 1200})).ID
	}
	seats := layout.Seats()
	gw.on.Store(true)
	store.on.Store(true)

	retriable := func(err error) bool {
		return transient(err) || errors.Is(err, boxoffice.ErrCommitUnknown) || errors.Is(err, context.Canceled) ||
			errors.Is(err, boxoffice.ErrPaymentUnsettled)
	}
	// opCtx is a context that, one time in four, ends after a few yields
	// from another goroutine: at any step of the call.
	opCtx := func(rng *rand.Rand) (context.Context, func()) {
		c, cancel := context.WithCancel(ctx)
		if rng.IntN(4) == 0 {
			yields := rng.IntN(30)
			go func() {
				for range yields {
					runtime.Gosched()
				}
				cancel()
			}()
		}
		return c, cancel
	}
	retry := func(rng *rand.Rand, op func(context.Context) error) error {
		var err error
		for range 60 {
			c, cancel := opCtx(rng)
			err = op(c)
			cancel()
			if err == nil || !retriable(err) {
				return err
			}
		}
		return err
	}
	const nUsers, rounds = 48, 150
	users := make([]string, nUsers)
	var problems []string
	var problemMu sync.Mutex
	problem := func(s string) {
		problemMu.Lock()
		problems = append(problems, s)
		problemMu.Unlock()
	}
	var done atomic.Int64
	var wg sync.WaitGroup
	// Two shows are cancelled while the customers work.
	wg.Go(func() {
		rng := rand.New(rand.NewPCG(seed, 7))
		for _, show := range shows[:2] {
			for range 2000 + rng.IntN(4000) {
				runtime.Gosched()
			}
			if err := retry(rng, func(c context.Context) error { _, err := sys.CancelShow(c, show); return err }); err != nil {
				problem("CancelShow: " + err.Error())
			}
		}
	})
	for w := range nUsers {
		users[w] = "user" + strconv.Itoa(w)
		wg.Go(func() {
			defer done.Add(1)
			rng := rand.New(rand.NewPCG(seed, uint64(w)+100))
			var mine []boxoffice.BookingID
			for range rounds {
				show := shows[rng.IntN(len(shows))]
				if r := rng.IntN(100); r < 15 && len(mine) > 0 {
					id := mine[rng.IntN(len(mine))]
					_ = retry(rng, func(c context.Context) error { _, err := sys.CancelBooking(c, id); return err })
					continue
				}
				ids := make([]string, 0, 3)
				for _, k := range rng.Perm(len(seats))[:1+rng.IntN(3)] {
					ids = append(ids, seats[k].ID)
				}
				var b boxoffice.Booking
				if err := retry(rng, func(c context.Context) error {
					var err error
					b, err = sys.HoldSeats(c, users[w], show, ids)
					return err
				}); err != nil {
					if !errors.Is(err, boxoffice.ErrSeatUnavailable) && !errors.Is(err, boxoffice.ErrShowCancelled) {
						problem("hold: " + err.Error())
					}
					continue
				}
				mine = append(mine, b.ID)
				switch r := rng.IntN(10); {
				case r < 2:
					// Gives up after one try, perhaps with its ctx ended
					// mid-payment: left for the sweeper and the recovery.
					c, cancel := opCtx(rng)
					_, _ = sys.ConfirmBooking(c, b.ID, "card")
					cancel()
				case r < 6:
					_ = retry(rng, func(c context.Context) error { _, err := sys.ConfirmBooking(c, b.ID, "card"); return err })
				case r < 8:
					_ = retry(rng, func(c context.Context) error { _, err := sys.ReleaseHold(c, b.ID); return err })
				}
			}
		})
	}
	left := finishFaultRun(ctx, t, sys, clock, func() bool { return done.Load() >= nUsers }, &wg,
		func() { gw.on.Store(false); store.on.Store(false) }, users, showStart.Add(-ttl-time.Hour), ttl,
		func(format string, args ...any) { problem(fmt.Sprintf(format, args...)) })
	if _, err := sys.Sweep(ctx); err != nil {
		problem("Sweep: " + err.Error())
	}
	if err := sys.Close(ctx); err != nil {
		problem("Close: " + err.Error())
	}
	var ft faultTotals
	auditAftermath(t, store.MemoryStore, gw, layout, shows, users, clock.Now(), &ft)
	t.Logf("%d lost answers, %d store errors, %d gateway faults; %d left for recovery; bookings: %d confirmed, %d cancelled, %d failed, %d expired, %d released",
		store.lost.Load(), store.errs.Load(), gw.faults(), left, ft.confirmed, ft.cancelled, ft.failed, ft.expired, ft.released)
	if store.lost.Load() == 0 || ft.confirmed == 0 || ft.failed == 0 || ft.cancelled == 0 {
		t.Errorf("the run did not exercise every path")
	}
	for i, p := range append(problems, ft.problems...) {
		if i == 30 {
			t.Errorf("... and more")
			break
		}
		t.Error(p)
	}
}
