package pgstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/boxoffice-go/boxoffice"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
)

// unavailableError is an error of the database's reach (see unavailable),
// matching boxoffice.ErrStoreUnavailable while pgx's error stays reachable
// by errors.As, for a caller that wants its SQLSTATE or address.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string { return "pgstore: database unavailable: " + e.err.Error() }

func (e *unavailableError) Unwrap() []error {
	return []error{e.err, boxoffice.ErrStoreUnavailable}
}

// markUnavailable returns err, wrapped to match
// boxoffice.ErrStoreUnavailable if it says that the database could not be
// reached. An error that came because ctx ended is left as it is: the
// caller gave up, whatever the database's state.
func markUnavailable(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil || errors.Is(err, boxoffice.ErrStoreUnavailable) || !unavailable(err) {
		return err
	}
	return &unavailableError{err}
}

// unavailable reports whether err is one of reaching the database rather
// than of the request: no connection could be made or the one in use was
// lost, the pool is closed, or the server refused for its own state
// (shutting down, starting, out of connections, memory or disk, an I/O
// failure). pgx gives a lost connection as a network error, an EOF or
// pgconn.ErrConnClosed; the server its state by SQLSTATE.
func unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Connection exception (08), insufficient resources (53: too many
		// connections, disk full, out of memory), system error (58: I/O);
		// admin shutdown, crash shutdown, cannot connect now (57P01–03).
		switch class := pgErr.Code[:min(2, len(pgErr.Code))]; {
		case class == "08", class == "53", class == "58",
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03":
			return true
		}
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, puddle.ErrClosedPool) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// markWrite is markUnavailable for the error of a write that is one
// statement (or one batch), a transaction of its own: should the
// connection have failed once the write was sent, the server may have
// committed it before the answer was lost, and the error matches
// ErrCommitUnknown as well as ErrStoreUnavailable, which alone says that
// nothing was written (see boxoffice.ErrStoreUnavailable; a BookingSystem
// does not undo an AdmitHold that failed so).
func markWrite(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil || !unavailable(err) || !maybeSent(err) {
		return markUnavailable(ctx, err)
	}
	return &unavailableError{fmt.Errorf("%w (%w)", ErrCommitUnknown, err)}
}

// maybeSent reports whether the write that failed with err, an error of
// the database's reach, may have reached the server: pgx does not vouch
// that nothing was sent, a connection had been made, and the server did
// not answer that it rolled the write back (an ERROR does; a FATAL, which
// ends the connection, may come once the write committed).
func maybeSent(err error) bool {
	var connectErr *pgconn.ConnectError
	if pgconn.SafeToRetry(err) || errors.As(err, &connectErr) || errors.Is(err, puddle.ErrClosedPool) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		severity := pgErr.SeverityUnlocalized
		if severity == "" {
			severity = pgErr.Severity
		}
		return severity == "FATAL" || severity == "PANIC"
	}
	return true
}
