package rivals

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SQLRows holds seats as rows of a PostgreSQL table, the textbook way. See
// the package documentation for what it does not do.
type SQLRows struct {
	pool    *pgxpool.Pool
	schema  string // quoted
	holdFor time.Duration
	holdSQL string
}

// holdSeatsSQL takes the seats that are free at $5 for booking $3 until
// $4. The subquery locks the show's asked-for rows in seat order first, so
// that two holds of overlapping seats queue on the first seat they share
// instead of deadlocking; in READ COMMITTED a hold that waited reads the
// row as the other left it, so a seat taken meanwhile is not updated and
// the caller sees fewer rows than seats.
const holdSeatsSQL = `UPDATE %[1]s.seats SET holder = $3, held_until = $4
WHERE show_id = $1 AND seat_id IN (
	SELECT seat_id FROM %[1]s.seats WHERE show_id = $1 AND seat_id = ANY($2) ORDER BY seat_id FOR UPDATE)
AND (holder IS NULL OR held_until <= $5)`

// NewSQLRows returns an SQLRows on the tables of schema (made by
// CreateTables); holds last holdFor (DefaultHoldFor if 0).
func NewSQLRows(pool *pgxpool.Pool, schema string, holdFor time.Duration) *SQLRows {
	return newSQLRows(pool, schema, holdFor, holdSeatsSQL)
}

func newSQLRows(pool *pgxpool.Pool, schema string, holdFor time.Duration, hold string) *SQLRows {
	if holdFor <= 0 {
		holdFor = DefaultHoldFor
	}
	q := pgx.Identifier{schema}.Sanitize()
	return &SQLRows{pool: pool, schema: q, holdFor: holdFor, holdSQL: fmt.Sprintf(hold, q)}
}

// CreateTables creates the schema and its two tables if they do not exist.
func (r *SQLRows) CreateTables(ctx context.Context) error {
	_, err := r.pool.Exec(ctx, fmt.Sprintf(`CREATE SCHEMA IF NOT EXISTS %[1]s;
CREATE TABLE IF NOT EXISTS %[1]s.seats (
	show_id text NOT NULL,
	seat_id text NOT NULL,
	holder uuid,
	held_until timestamptz,
	PRIMARY KEY (show_id, seat_id));
CREATE TABLE IF NOT EXISTS %[1]s.bookings (
	id uuid PRIMARY KEY,
	user_id text NOT NULL,
	show_id text NOT NULL,
	seats text[] NOT NULL,
	held_until timestamptz NOT NULL,
	status text NOT NULL)`, r.schema))
	return err
}

// AddShows adds a free row for every seat of every show.
func (r *SQLRows) AddShows(ctx context.Context, shows, seats []string) error {
	_, err := r.pool.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.seats (show_id, seat_id)
SELECT show_id, seat_id FROM unnest($1::text[]) AS show_id, unnest($2::text[]) AS seat_id`, r.schema), shows, seats)
	return err
}

// Hold holds every seat of seats on show for user, or none, in one
// transaction; it returns the booking's ID, or ErrSeatTaken. A seat listed twice fails it with ErrRepeatedSeat
// before the database is asked.
func (r *SQLRows) Hold(ctx context.Context, user, show string, seats []string, now time.Time) (string, error) {
	if err := checkSeats(seats); err != nil {
		return "", err
	}
	id, until := uuid.New(), now.Add(r.holdFor)
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	tag, err := tx.Exec(ctx, r.holdSQL, show, seats, id, until, now)
	if err != nil {
		return "", fmt.Errorf("rivals: SQL hold: %w", err)
	}
	if tag.RowsAffected() != int64(len(seats)) {
		return "", ErrSeatTaken
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+r.schema+`.bookings (id, user_id, show_id, seats, held_until, status)
VALUES ($1, $2, $3, $4, $5, 'held')`, id, user, show, seats, until); err != nil {
		return "", fmt.Errorf("rivals: SQL booking: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return "", fmt.Errorf("rivals: SQL hold commit: %w", err)
	}
	return id.String(), nil
}

// Release frees the seats the booking still holds and marks it released,
// in one transaction; ErrNotHeld if it is unknown or released already.
func (r *SQLRows) Release(ctx context.Context, id string) error {
	bid, err := uuid.Parse(id)
	if err != nil {
		return ErrNotHeld
	}
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	var show string
	var seats []string
	err = tx.QueryRow(ctx, `UPDATE `+r.schema+`.bookings SET status = 'released'
WHERE id = $1 AND status = 'held' RETURNING show_id, seats`, bid).Scan(&show, &seats)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotHeld
	}
	if err != nil {
		return fmt.Errorf("rivals: SQL release: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE `+r.schema+`.seats SET holder = NULL, held_until = NULL
WHERE show_id = $1 AND seat_id = ANY($2) AND holder = $3`, show, seats, bid); err != nil {
		return fmt.Errorf("rivals: SQL release seats: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("rivals: SQL release commit: %w", err)
	}
	return nil
}

// SeatHolder returns the booking holding the seat at now ("" if free): for
// tests and audits.
func (r *SQLRows) SeatHolder(ctx context.Context, show, seat string, now time.Time) (string, error) {
	var holder *uuid.UUID
	err := r.pool.QueryRow(ctx, `SELECT holder FROM `+r.schema+`.seats
WHERE show_id = $1 AND seat_id = $2 AND held_until > $3`, show, seat, now).Scan(&holder)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && holder == nil) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return holder.String(), nil
}

// ForgetBookings deletes every booking that is not held, so that a
// benchmark's rounds do not pile them up.
func (r *SQLRows) ForgetBookings(ctx context.Context) error {
	_, err := r.pool.Exec(ctx, `DELETE FROM `+r.schema+`.bookings WHERE status <> 'held'`)
	return err
}
