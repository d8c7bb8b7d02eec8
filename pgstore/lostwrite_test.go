package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// TestLostWriteAnswer loses the answer of each write that is one statement
// of its own (the catalog's inserts, the per-user limits): the server
// commits it, the client never hears. The error must then not say that
// nothing was written (ErrStoreUnavailable alone, as boxoffice.Store and
// UserLimitStore.AdmitHold read it) but that it may have been
// (ErrCommitUnknown): a BookingSystem does not undo an admission refused
// as unavailable, so a user capped at one live hold would be kept from
// holding seats until a hold that does not exist lapsed.
func TestLostWriteAnswer(t *testing.T) {
	t.Parallel()
	when := time.Date(2031, 1, 1, 9, 0, 0, 0, time.UTC)
	hold := boxoffice.NewBookingID()
	cases := []struct {
		name    string
		setup   func(ctx context.Context, admin *pgstore.Store) error
		write   func(ctx context.Context, s *pgstore.Store) error
		written string // a query of the schema (%s) true once the write is in
	}{
		{"AddMovie", nil, func(ctx context.Context, s *pgstore.Store) error {
			return s.AddMovie(ctx, boxoffice.Movie{ID: "m2", Title: "M2", Duration: time.Hour})
		}, `SELECT EXISTS (SELECT FROM %s.movies WHERE id = 'm2')`},
		{"AddTheater", nil, func(ctx context.Context, s *pgstore.Store) error {
			return s.AddTheater(ctx, boxoffice.Theater{ID: "t2"})
		}, `SELECT EXISTS (SELECT FROM %s.theaters WHERE id = 't2')`},
		{"AddHall", nil, func(ctx context.Context, s *pgstore.Store) error {
			return s.AddHall(ctx, boxoffice.Hall{ID: "h2", TheaterID: "t", Layout: boxoffice.SeedLayout()})
		}, `SELECT EXISTS (SELECT FROM %s.halls WHERE id = 'h2')`},
		{"AdmitHold", nil, func(ctx context.Context, s *pgstore.Store) error {
			return s.AdmitHold(ctx, boxoffice.HoldAdmission{UserID: "ann", Hold: hold, Now: when,
				MaxLiveHolds: 1, LiveUntil: when.Add(10 * time.Minute)})
		}, `SELECT EXISTS (SELECT FROM %s.user_limits WHERE user_id = 'ann' AND cardinality(live_ids) = 1)`},
		{"SetLiveHold", func(ctx context.Context, admin *pgstore.Store) error {
			return admin.AdmitHold(ctx, boxoffice.HoldAdmission{UserID: "ann", Hold: hold, Now: when,
				MaxLiveHolds: 1, LiveUntil: when.Add(10 * time.Minute)})
		}, func(ctx context.Context, s *pgstore.Store) error {
			return s.SetLiveHold(ctx, "ann", hold, time.Time{}) // ends the count
		}, `SELECT EXISTS (SELECT FROM %s.user_limits WHERE user_id = 'ann' AND cardinality(live_ids) = 0)`},
		{"ForgetIdleUsers", func(ctx context.Context, admin *pgstore.Store) error {
			return admin.AdmitHold(ctx, boxoffice.HoldAdmission{UserID: "bob", Hold: hold, Now: when, HoldsPerMinute: 3})
		}, func(ctx context.Context, s *pgstore.Store) error {
			return s.ForgetIdleUsers(ctx, when.Add(time.Hour))
		}, `SELECT NOT EXISTS (SELECT FROM %s.user_limits WHERE user_id = 'bob')`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			admin, schema, _ := schemaWithShow(t)
			ctx := t.Context()
			if c.setup != nil {
				adminStore, err := pgstore.New(admin, pgstore.Options{Schema: schema})
				must(t, err)
				must(t, c.setup(ctx, adminStore))
			}
			proxy, pool := proxiedPool(t)
			s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
			must(t, err)
			must(t, pool.Ping(ctx)) // connected: the armed statement is the write
			proxy.arm(loseAnswer)
			err = c.write(ctx, s)
			select {
			case <-proxy.struck:
			default:
				t.Fatal("the write did not go through the armed proxy")
			}
			var written bool
			must(t, admin.QueryRow(ctx, fmt.Sprintf(c.written, quote(schema))).Scan(&written))
			if !written {
				t.Fatalf("the write is not in the database (%v); the test meant the server to commit it", err)
			}
			if errors.Is(err, boxoffice.ErrStoreUnavailable) && !errors.Is(err, boxoffice.ErrCommitUnknown) {
				t.Errorf("%s whose answer was lost = %v: says that nothing was written, but it was", c.name, err)
			}
			if err != nil && !errors.Is(err, pgstore.ErrCommitUnknown) {
				t.Errorf("%s whose answer was lost = %v; want nil or an error matching ErrCommitUnknown", c.name, err)
			}
		})
	}
}

// armingLimits is a Store whose per-user limits count on the schema,
// AdmitHold through a fault proxy it arms just before the first one (the
// admission's answer is then lost once the server has counted it), all
// else directly, so that no other statement meets the fault. It has no
// other capability: no sweeper's statement either.
type armingLimits struct {
	boxoffice.Store
	direct, proxied *pgstore.Store
	proxy           *faultProxy
	once            sync.Once
}

func (s *armingLimits) AdmitHold(ctx context.Context, a boxoffice.HoldAdmission) error {
	s.once.Do(func() { s.proxy.arm(loseAnswer) })
	return s.proxied.AdmitHold(ctx, a)
}

func (s *armingLimits) SetLiveHold(ctx context.Context, userID string, hold boxoffice.BookingID, until time.Time) error {
	return s.direct.SetLiveHold(ctx, userID, hold, until)
}

func (s *armingLimits) ForgetIdleUsers(ctx context.Context, now time.Time) error {
	return s.direct.ForgetIdleUsers(ctx, now)
}

// TestLostAdmissionDoesNotBlockTheUser: a user capped at one live hold,
// whose first hold failed because its admission's answer was lost, can
// hold seats at once: the BookingSystem, told that the admission may have
// been counted, ends the count, rather than the user waiting out a hold
// that does not exist.
func TestLostAdmissionDoesNotBlockTheUser(t *testing.T) {
	t.Parallel()
	admin, schema, show := schemaWithShow(t)
	direct, err := pgstore.New(admin, pgstore.Options{Schema: schema})
	must(t, err)
	proxy, pool := proxiedPool(t)
	proxied, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	ctx := t.Context()
	must(t, pool.Ping(ctx))
	store := &armingLimits{Store: direct, direct: direct, proxied: proxied, proxy: proxy}
	sys, err := boxoffice.New(boxoffice.Config{Store: store, Gateway: boxoffice.NewInMemoryGateway(),
		Clock: fakeclock.New(show.Start.Add(-24 * time.Hour)), HoldsPerMinute: -1, MaxLiveHoldsPerUser: 1,
		Logger: slog.New(slog.DiscardHandler)})
	must(t, err)
	t.Cleanup(func() { _ = sys.Close(context.Background()) })
	_, err = sys.HoldSeats(ctx, "ann", show.ID, []string{"A1"})
	select {
	case <-proxy.struck:
	default:
		t.Fatal("the admission did not go through the armed proxy")
	}
	if err == nil {
		t.Fatal("HoldSeats whose admission's answer was lost = nil; want its error")
	}
	if _, err := sys.HoldSeats(ctx, "ann", show.ID, []string{"A2"}); err != nil {
		t.Errorf("the next HoldSeats = %v; want the hold: the user holds nothing", err)
	}
}
