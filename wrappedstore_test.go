package boxoffice_test

import (
	"context"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/storetest"
)

// capabilitySpy is the in-memory Store with every optional capability,
// each call of which it reports on a channel of its own.
type capabilitySpy struct {
	*boxoffice.MemoryStore
	called map[string]chan struct{}
}

func newCapabilitySpy(m *boxoffice.MemoryStore) *capabilitySpy {
	s := &capabilitySpy{MemoryStore: m, called: make(map[string]chan struct{})}
	for _, name := range capabilityCalls {
		s.called[name] = make(chan struct{}, 1)
	}
	return s
}

// capabilityCalls are the calls a BookingSystem makes of a shared Store's
// capabilities: at the sweeper's start, at a hold, at a Watch.
var capabilityCalls = []string{"ExpiredHolds", "OwingBookings", "AbandonedPayments", "AdmitHold", "ListenShowChanges"}

func (s *capabilitySpy) report(name string) {
	select {
	case s.called[name] <- struct{}{}:
	default:
	}
}

func (s *capabilitySpy) ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]boxoffice.HoldRef, error) {
	s.report("ExpiredHolds")
	return s.MemoryStore.ExpiredHolds(ctx, now, limit)
}

func (s *capabilitySpy) OwingBookings(context.Context, boxoffice.BookingCursor, int) ([]boxoffice.BookingRef, error) {
	s.report("OwingBookings")
	return nil, nil
}

func (s *capabilitySpy) AbandonedPayments(context.Context, time.Time, time.Time, int) ([]boxoffice.BookingRef, error) {
	s.report("AbandonedPayments")
	return nil, nil
}

func (s *capabilitySpy) AdmitHold(context.Context, boxoffice.HoldAdmission) error {
	s.report("AdmitHold")
	return nil
}

func (s *capabilitySpy) SetLiveHold(context.Context, string, boxoffice.BookingID, time.Time) error {
	return nil
}

func (s *capabilitySpy) ForgetIdleUsers(context.Context, time.Time) error { return nil }

func (s *capabilitySpy) ListenShowChanges(context.Context, func(showID string)) error {
	s.report("ListenShowChanges")
	return nil
}

// tracedStore wraps a Store as a tracing or metering wrapper would: it
// has the Store's methods only, and hands out the Store it wraps.
type tracedStore struct{ boxoffice.Store }

func (s tracedStore) Unwrap() boxoffice.Store { return s.Store }

// TestWrappedStoreKeepsCapabilities checks that a BookingSystem finds
// each capability of a Store wrapped once or twice, through Unwrap, and
// calls it: a wrapper must not turn off, without a word, the sweeping of
// other processes' lapsed holds and unsettled payments, Watch across
// processes, or the shared per-user limits.
func TestWrappedStoreKeepsCapabilities(t *testing.T) {
	tests := []struct {
		name string
		wrap func(boxoffice.Store) boxoffice.Store
	}{
		{"unwrapped", func(s boxoffice.Store) boxoffice.Store { return s }},
		{"wrapped", func(s boxoffice.Store) boxoffice.Store { return tracedStore{s} }},
		{"wrapped twice", func(s boxoffice.Store) boxoffice.Store { return tracedStore{tracedStore{s}} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var spy *capabilitySpy
			f := newFixture(t, func(c *boxoffice.Config) {
				spy = newCapabilitySpy(c.Store.(*boxoffice.MemoryStore))
				c.Store, c.MaxLiveHoldsPerUser = tt.wrap(spy), 2
			})
			mustT[boxoffice.Booking](t)(f.sys.HoldSeats(f.ctx, "alice", f.show.ID, []string{"A1"}))
			ctx, stop := context.WithCancel(f.ctx)
			defer stop()
			mustT[<-chan boxoffice.SeatUpdate](t)(f.sys.Watch(ctx, f.show.ID))
			for _, name := range capabilityCalls {
				select {
				case <-spy.called[name]:
				case <-time.After(10 * time.Second): // a bound for a failure, not a wait
					t.Errorf("%s was not called", name)
				}
			}
		})
	}
}

// TestWrappedStoreConformance runs the conformance suite on a wrapped
// in-memory Store: the suite finds its capabilities as the BookingSystem
// does, through Unwrap.
func TestWrappedStoreConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) boxoffice.Store { return tracedStore{boxoffice.NewMemoryStore()} },
		storetest.Features{ExpiredHolds: true, SeatsOfUser: true})
}
