package pgstore_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// storeCalls is one call of each of the Store's methods and capabilities
// that reads or writes the database, for the tests of their errors.
func storeCalls(s *pgstore.Store, show boxoffice.Show) map[string]func(ctx context.Context) error {
	when := time.Date(2031, 1, 1, 9, 0, 0, 0, time.UTC)
	first := func(seq func(yield func(boxoffice.Movie, error) bool)) error {
		for _, err := range seq {
			return err
		}
		return nil
	}
	return map[string]func(ctx context.Context) error{
		"AddMovie": func(ctx context.Context) error {
			return s.AddMovie(ctx, boxoffice.Movie{ID: "m2", Title: "M2", Duration: time.Hour})
		},
		"Movie":  func(ctx context.Context) error { _, err := s.Movie(ctx, "m"); return err },
		"Movies": func(ctx context.Context) error { return first(s.Movies(ctx)) },
		"MoviesMatching": func(ctx context.Context) error {
			return first(s.MoviesMatching(ctx, boxoffice.MovieQuery{Title: "m"}, boxoffice.Movie{}))
		},
		"Theater": func(ctx context.Context) error { _, err := s.Theater(ctx, "t"); return err },
		"Hall":    func(ctx context.Context) error { _, err := s.Hall(ctx, "h"); return err },
		"HallsOfTheater": func(ctx context.Context) error {
			_, err := s.HallsOfTheater(ctx, "t")
			return err
		},
		"AddShow": func(ctx context.Context) error {
			later := show
			later.ID, later.Start, later.End = "s2", show.Start.Add(24*time.Hour), show.End.Add(24*time.Hour)
			return s.AddShow(ctx, later, boxoffice.SeedLayout(), boxoffice.Interval{Start: later.Start, End: later.End}, nil)
		},
		"Show": func(ctx context.Context) error { _, err := s.Show(ctx, show.ID); return err },
		"ShowsOfMovie": func(ctx context.Context) error {
			_, err := s.ShowsOfMovie(ctx, "m", boxoffice.ShowCursor{}, 10)
			return err
		},
		"ShowsOfHall": func(ctx context.Context) error {
			_, err := s.ShowsOfHall(ctx, "h", boxoffice.Interval{Start: show.Start, End: show.End})
			return err
		},
		"UpdateShow": func(ctx context.Context) error {
			return s.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error { tx.CancelShow(); return nil })
		},
		"ViewShow": func(ctx context.Context) error {
			return s.ViewShow(ctx, show.ID, func(boxoffice.ShowTx) error { return nil })
		},
		"Booking": func(ctx context.Context) error { _, err := s.Booking(ctx, boxoffice.NewBookingID()); return err },
		"BookingsOfUser": func(ctx context.Context) error {
			_, err := s.BookingsOfUser(ctx, "ann", boxoffice.BookingCursor{}, 10, boxoffice.OldestFirst)
			return err
		},
		"ExpiredHolds": func(ctx context.Context) error { _, err := s.ExpiredHolds(ctx, when, 10); return err },
		"OwingBookings": func(ctx context.Context) error {
			_, err := s.OwingBookings(ctx, boxoffice.BookingCursor{}, 10)
			return err
		},
		"AbandonedPayments": func(ctx context.Context) error { _, err := s.AbandonedPayments(ctx, when, when, 10); return err },
		"AdmitHold": func(ctx context.Context) error {
			return s.AdmitHold(ctx, boxoffice.HoldAdmission{UserID: "ann", Hold: boxoffice.NewBookingID(), Now: when, HoldsPerMinute: 3})
		},
		"SetLiveHold":     func(ctx context.Context) error { return s.SetLiveHold(ctx, "ann", boxoffice.NewBookingID(), when) },
		"ForgetIdleUsers": func(ctx context.Context) error { return s.ForgetIdleUsers(ctx, when) },
		"Check":           func(ctx context.Context) error { return s.Check(ctx) },
		"ListenShowChanges": func(ctx context.Context) error {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			return s.ListenShowChanges(ctx, func(string) {})
		},
	}
}

// TestUnreachableDatabaseIsUnavailable: every call of a Store whose
// database cannot be reached (no server at its address, or its pool
// closed) fails with an error matching boxoffice.ErrStoreUnavailable,
// which still holds pgx's error, and not ErrCommitUnknown (nothing was
// sent); a call whose ctx is done fails with the
// ctx's error alone, the caller having given up.
func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	pool, schema, show := schemaWithShow(t)

	// An address with no server: a port that was just free.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().(*net.TCPAddr)
	must(t, ln.Close())
	cfg, err := pgxpool.ParseConfig(testDatabaseURL())
	must(t, err)
	cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Fallbacks = "127.0.0.1", uint16(addr.Port), nil
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	nowhere, err := pgxpool.NewWithConfig(t.Context(), cfg)
	must(t, err)
	t.Cleanup(nowhere.Close)

	closed := ownPool(t, 2)
	closed.Close()

	cancelled, cancel := context.WithCancel(t.Context())
	cancel()

	cases := []struct {
		name        string
		pool        *pgxpool.Pool
		ctx         context.Context
		unavailable bool
		pgxErr      func(error) bool
	}{
		{"no server", nowhere, t.Context(), true, func(err error) bool { var ce *pgconn.ConnectError; return errors.As(err, &ce) }},
		{"pool closed", closed, t.Context(), true, nil},
		{"ctx cancelled, no server", nowhere, cancelled, false, func(err error) bool { return errors.Is(err, context.Canceled) }},
		{"ctx cancelled, database up", pool, cancelled, false, func(err error) bool { return errors.Is(err, context.Canceled) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := pgstore.New(c.pool, pgstore.Options{Schema: schema, Logger: slog.New(slog.DiscardHandler)})
			must(t, err)
			for name, call := range storeCalls(s, show) {
				err := call(c.ctx)
				if err == nil {
					t.Errorf("%s: no error", name)
					continue
				}
				if got := errors.Is(err, boxoffice.ErrStoreUnavailable); got != c.unavailable {
					t.Errorf("%s: errors.Is(%v, ErrStoreUnavailable) = %v, want %v", name, err, got, c.unavailable)
				}
				if errors.Is(err, boxoffice.ErrCommitUnknown) {
					t.Errorf("%s: %v matches ErrCommitUnknown; nothing was sent", name, err)
				}
				if c.pgxErr != nil && !c.pgxErr(err) {
					t.Errorf("%s: %v does not hold the error it should", name, err)
				}
			}
		})
	}
}

// TestTerminatedConnectionIsUnavailable: a call on a connection the server
// ended (pg_terminate_backend, as a database restart or failover does)
// fails with an error matching boxoffice.ErrStoreUnavailable; the next
// call, on a new connection, succeeds.
func TestTerminatedConnectionIsUnavailable(t *testing.T) {
	_, schema, show := schemaWithShow(t)
	cfg, err := pgxpool.ParseConfig(testDatabaseURL())
	must(t, err)
	cfg.MaxConns = 1
	// Else the pool pings a connection idle for a second before handing
	// it out, and would find it ended before the Store's query could.
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	must(t, err)
	t.Cleanup(pool.Close)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	ctx := t.Context()

	var pid uint32
	must(t, pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid))
	var ended bool
	must(t, testPool(t).QueryRow(ctx, "SELECT pg_terminate_backend($1, 5000)", pid).Scan(&ended))
	if !ended {
		t.Fatalf("backend %d not terminated", pid)
	}
	_, err = s.Show(ctx, show.ID)
	if !errors.Is(err, boxoffice.ErrStoreUnavailable) {
		t.Fatalf("Show on a terminated connection: %v; want an error matching ErrStoreUnavailable", err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code != "57P01" {
		t.Errorf("the server's error: SQLSTATE %s, want 57P01 (admin shutdown)", pgErr.Code)
	}
	if _, err := s.Show(ctx, show.ID); err != nil {
		t.Errorf("Show on a new connection: %v", err)
	}
}

// TestBookingSystemPassesOnUnavailable: the BookingSystem's calls keep the
// Store's ErrStoreUnavailable, so that a service can answer 503, while
// its own refusals (an unknown seat) stay what they were.
func TestBookingSystemPassesOnUnavailable(t *testing.T) {
	_, schema, show := schemaWithShow(t)
	pool := ownPool(t, 4)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema, Logger: slog.New(slog.DiscardHandler)})
	must(t, err)
	clock := fakeclock.New(show.Start.Add(-24 * time.Hour))
	sys, err := boxoffice.New(boxoffice.Config{Store: s, Gateway: boxoffice.NewInMemoryGateway(), Clock: clock,
		Logger: slog.New(slog.DiscardHandler)})
	must(t, err)
	t.Cleanup(func() { _ = sys.Close(context.Background()) })
	ctx := t.Context()
	held, err := sys.HoldSeats(ctx, "ann", show.ID, []string{"A1"})
	must(t, err)

	pool.Close()
	calls := map[string]func() error{
		"HoldSeats":      func() error { _, err := sys.HoldSeats(ctx, "bob", show.ID, []string{"A2"}); return err },
		"ConfirmBooking": func() error { _, err := sys.ConfirmBooking(ctx, held.ID, "card"); return err },
		"CancelBooking":  func() error { _, err := sys.CancelBooking(ctx, held.ID); return err },
		"Booking":        func() error { _, err := sys.Booking(ctx, held.ID); return err },
		"SeatMap":        func() error { _, err := sys.SeatMap(ctx, show.ID); return err },
		"SearchMovies":   func() error { _, err := sys.SearchMovies(ctx, boxoffice.MovieQuery{Title: "M"}); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, boxoffice.ErrStoreUnavailable) {
			t.Errorf("%s with the pool closed: %v; want an error matching ErrStoreUnavailable", name, err)
		}
	}
	if _, err := sys.HoldSeats(ctx, "bob", show.ID, []string{"Z99"}); errors.Is(err, boxoffice.ErrStoreUnavailable) {
		t.Errorf("HoldSeats of an unknown seat: %v; want no ErrStoreUnavailable", err)
	}
}

// TestMigrateUnreachableIsUnavailable: Migrate, which a service may retry
// at start until the database is up, tells an unreachable database as
// the Store's calls do.
func TestMigrateUnreachableIsUnavailable(t *testing.T) {
	closed := ownPool(t, 1)
	closed.Close()
	err := pgstore.Migrate(t.Context(), closed, pgstore.Options{Schema: "unreachable"})
	if !errors.Is(err, boxoffice.ErrStoreUnavailable) {
		t.Errorf("Migrate with its pool closed: %v; want an error matching ErrStoreUnavailable", err)
	}
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	if err := pgstore.Migrate(cancelled, testPool(t), pgstore.Options{Schema: "unreachable"}); errors.Is(err, boxoffice.ErrStoreUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("Migrate with ctx cancelled: %v; want context.Canceled alone", err)
	}
}

// TestConnectionLostInATransactionIsUnavailable: a booking read in
// UpdateShow that fails for the connection being lost (its backend
// terminated mid-transaction) gives fn an error matching
// boxoffice.ErrStoreUnavailable, so that UpdateShow's error, fn's returned
// unchanged as the BookingSystem's functions return it, matches it too.
func TestConnectionLostInATransactionIsUnavailable(t *testing.T) {
	_, schema, show := schemaWithShow(t)
	pool := ownPool(t, 1)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema, Logger: slog.New(slog.DiscardHandler)})
	must(t, err)
	ctx := t.Context()
	var pid uint32
	must(t, pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid))

	var read error
	err = s.UpdateShow(ctx, show.ID, func(tx boxoffice.ShowTx) error {
		var ended bool
		must(t, testPool(t).QueryRow(ctx, "SELECT pg_terminate_backend($1, 5000)", pid).Scan(&ended))
		if !ended {
			t.Fatalf("backend %d not terminated", pid)
		}
		_, read = tx.Booking(boxoffice.NewBookingID()) // not cached: read from the database
		return read
	})
	if !errors.Is(read, boxoffice.ErrStoreUnavailable) {
		t.Errorf("ShowTx.Booking on a terminated connection: %v; want an error matching ErrStoreUnavailable", read)
	}
	if !errors.Is(err, boxoffice.ErrStoreUnavailable) {
		t.Errorf("UpdateShow whose fn returned that error: %v; want an error matching ErrStoreUnavailable", err)
	}
}
