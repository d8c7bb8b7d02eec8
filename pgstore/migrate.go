package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one versioned SQL file of migrations/, named NNNN_what.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the embedded migrations in version order.
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || path.Ext(name) != ".sql" {
			return nil, fmt.Errorf("pgstore: migration file %q is not named NNNN_what.sql", name)
		}
		text, err := migrationFiles.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(text)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("pgstore: migrations %s and %s share version %d", ms[i-1].name, ms[i].name, ms[i].version)
		}
	}
	return ms, nil
}

// ErrSchemaTooNew is what [Migrate]'s error matches when the schema records
// a migration this version of the package does not embed: a newer version
// migrated it, and this one must not use it.
var ErrSchemaTooNew = errors.New("pgstore: schema migrated by a newer version of pgstore")

// Migrate creates the schema opts.Schema if needed and applies, in one
// transaction, every embedded migration not yet recorded in its
// schema_migrations table. It is idempotent, and safe when several
// instances start at once: each takes a transaction-scoped advisory lock
// named after the schema first, so the others wait and then find nothing
// left to do. A schema that records a migration this version does not
// embed was migrated by a newer version, whose rules are not this one's
// (instances of different versions must not share a schema, see the
// package documentation): Migrate then changes nothing and returns an
// error matching [ErrSchemaTooNew], naming the versions. Migrating a schema
// that is up to date needs no privilege to create anything: only USAGE on
// the schema and SELECT on its schema_migrations table, so that a
// least-privilege role can run it at every start. Its error of a database
// it could not reach matches [boxoffice.ErrStoreUnavailable], as the [Store]'s
// do: a service starting with the database may retry it.
func Migrate(ctx context.Context, pool *pgxpool.Pool, opts Options) error {
	if pool == nil {
		return invalid("pgstore.Migrate pool", "nil; make one with pgxpool.New")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return err
	}
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	schema := pgx.Identifier{opts.Schema}.Sanitize()
	err = pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		// Read committed, whatever the server's default: each statement
		// after the lock must see what an instance that held it before
		// committed.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLockKey(opts.Schema)); err != nil {
			return err
		}
		// Create only what is missing: CREATE ... IF NOT EXISTS checks the
		// privilege to create (on the database, on the schema) before it
		// checks existence, and a least-privilege role that an
		// administrator gave a migrated schema has neither.
		var schemaExists, tableExists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1),
			EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				WHERE n.nspname = $1 AND c.relname = 'schema_migrations')`, opts.Schema).Scan(&schemaExists, &tableExists); err != nil {
			return err
		}
		if !schemaExists {
			if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+schema); err != nil {
			return err
		}
		if !tableExists {
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version    integer PRIMARY KEY,
				name       text NOT NULL,
				applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, "SELECT version FROM schema_migrations")
		if err != nil {
			return err
		}
		applied, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return err
		}
		var unknown []int32
		for _, v := range applied {
			if !slices.ContainsFunc(ms, func(m migration) bool { return int32(m.version) == v }) {
				unknown = append(unknown, v)
			}
		}
		if len(unknown) > 0 {
			slices.Sort(unknown)
			return fmt.Errorf("%w: it records migrations %v, which this version (newest %d) does not have", ErrSchemaTooNew, unknown, ms[len(ms)-1].version)
		}
		for _, m := range ms {
			if slices.Contains(applied, int32(m.version)) {
				continue
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return markUnavailable(ctx, fmt.Errorf("pgstore: migrating schema %s: %w", schema, err))
	}
	return nil
}

// ErrSchemaNotMigrated is what Check's error matches when the [Store]'s
// schema lacks a migration of this version of the package: [Migrate] has not
// run on it (the schema may not exist at all).
var ErrSchemaNotMigrated = errors.New("pgstore: schema not migrated")

// Check reports whether the [Store] can serve: the database answers, and its
// schema records exactly the migrations of this version of the package.
// Its error matches [ErrSchemaNotMigrated] if one is missing ([New] does not
// look at the schema: a Store on a schema [Migrate] never ran on fails only
// at its first call), [ErrSchemaTooNew] if a newer version migrated it (an
// instance that was running before the upgrade goes on writing, unless it
// checks), or else is the database's. A readiness probe may call it.
func (s *Store) Check(ctx context.Context) error {
	if err := s.Validate(); err != nil {
		return err
	}
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, "SELECT version FROM "+pgx.Identifier{s.schema, "schema_migrations"}.Sanitize())
	if err != nil {
		if code := pgCode(err); code == codeUndefinedTable || code == codeInvalidSchemaName {
			return fmt.Errorf("%w: %s has no schema_migrations table: run Migrate", ErrSchemaNotMigrated, s.schema)
		}
		return markUnavailable(ctx, fmt.Errorf("pgstore: checking schema %s: %w", s.schema, err))
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return markUnavailable(ctx, fmt.Errorf("pgstore: checking schema %s: %w", s.schema, err))
	}
	for _, v := range applied {
		if !slices.ContainsFunc(ms, func(m migration) bool { return int32(m.version) == v }) {
			return fmt.Errorf("%w: %s records migration %d, which this version (newest %d) does not have",
				ErrSchemaTooNew, s.schema, v, ms[len(ms)-1].version)
		}
	}
	for _, m := range ms {
		if !slices.Contains(applied, int32(m.version)) {
			return fmt.Errorf("%w: %s lacks migration %s: run Migrate", ErrSchemaNotMigrated, s.schema, m.name)
		}
	}
	return nil
}

// migrationLockKey is the advisory lock key of a schema's migrations.
func migrationLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("github.com/boxoffice-go/boxoffice/pgstore migrate "))
	h.Write([]byte(schema))
	return int64(h.Sum64())
}
