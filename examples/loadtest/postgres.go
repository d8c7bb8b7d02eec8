package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5/pgxpool"
)

// With -postgres, the load runs on pgstore, and several loadtest processes
// may share one schema: each creates the catalog under fixed IDs or, if
// another process already has, uses it, so that their users fight over the
// same seats. Each process's users are its own (-instance names them, and
// a random tag of the run follows, so that a later run on the schema does
// not take an earlier one's bookings for its own), and so are its gateway
// and its audit, whose history holds only the process's
// own commits: a seat sold by two processes, and given back by one before
// the end, escapes it. multiprocess_test.go audits the shared schema as a
// whole, its final state and its history, which it has PostgreSQL record.

// defaultPoolConns is the pool size when the URL does not set
// pool_max_conns: enough for the busy shows of a run, few enough that
// three processes stay under PostgreSQL's default 100 connections.
const defaultPoolConns = 16

// openPostgres migrates cfg.schema and returns a pgstore Store on it, and
// a function that closes its pool.
func openPostgres(ctx context.Context, cfg config) (boxoffice.Store, func(), error) {
	pc, err := pgxpool.ParseConfig(cfg.postgres)
	if err != nil {
		return nil, nil, fmt.Errorf("-postgres: %w", err)
	}
	if !strings.Contains(cfg.postgres, "pool_max_conns") {
		pc.MaxConns = defaultPoolConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, nil, err
	}
	opts := pgstore.Options{Schema: cfg.schema}
	if err := pgstore.Migrate(ctx, pool, opts); err != nil {
		pool.Close()
		return nil, nil, err
	}
	store, err := pgstore.New(pool, opts)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return store, func() {
		// The last commits' notifications go out before the pool closes;
		// at worst, other processes hear of them at their periodic check.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = store.Flush(ctx)
		pool.Close()
	}, nil
}

// shared reports whether other processes may share the store: the catalog
// then has fixed IDs, and the audit counts only this process's users.
func (c config) shared() bool { return c.postgres != "" }

// getOrAdd adds a catalog entry under a fixed ID, or returns the one
// another process added first. Without an ID it just adds v.
func getOrAdd[T any](ctx context.Context, add func(context.Context, T) (T, error), get func(context.Context, string) (T, error), id string, v T) (T, error) {
	if id == "" {
		return add(ctx, v)
	}
	got, err := get(ctx, id)
	if err == nil || !errors.Is(err, boxoffice.ErrNotFound) {
		return got, err
	}
	got, err = add(ctx, v)
	if errors.Is(err, boxoffice.ErrAlreadyExists) {
		return get(ctx, id) // another process was quicker
	}
	return got, err
}
