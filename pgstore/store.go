package pgstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/boxoffice-go/boxoffice"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Options configures a [Store] and [Migrate]. Zero fields take the defaults in
// their comments.
type Options struct {
	// Schema is the PostgreSQL schema holding the tables, so that several
	// systems can share one database. Default: "boxoffice".
	Schema string
	// MaxRetries is how many times a show transaction is run again after
	// a serialization failure or a deadlock before UpdateShow gives up
	// with an error matching boxoffice.ErrConflict. Default: 10; negative:
	// no retries.
	MaxRetries int
	// ShowChangeCheck is how often ListenShowChanges reports every show
	// (changed("")) whatever it was notified, so that a change whose
	// notification was lost (its process died between the commit and
	// the notification, or could not send it) reaches Watch streams at
	// the latest then; and how often it checks with a heartbeat that its
	// connection still hears (see the package documentation). Default:
	// 30 seconds; negative: never.
	ShowChangeCheck time.Duration
	// MaxClockSkew is how far apart the Clocks of the BookingSystems
	// sharing the schema may be. A live hold counts against
	// Config.MaxLiveHoldsPerUser that much longer than the
	// HoldAdmission.LiveUntil its BookingSystem gave it, so that an
	// instance whose clock runs ahead does not take the holds of one
	// behind for ended while they are live there, and let the user past
	// the cap (see the package documentation, "Per-user limits across
	// processes"). The price: a hold that lapses (one nobody ends, which
	// the sweeper's expiry does not) keeps the user from a new one that
	// much longer. Default: 0, counting a hold until LiveUntil exactly,
	// as boxoffice.UserLimitStore asks; negative: 0.
	MaxClockSkew time.Duration
	// Logger reports what the Store cannot return to a caller: a
	// notification of changed shows that could not be sent, a listening
	// connection lost. Default: slog.Default(), as boxoffice.Config's.
	Logger *slog.Logger
}

// Defaults of a zero [Options].
const (
	DefaultSchema          = "boxoffice"
	DefaultShowChangeCheck = 30 * time.Second
)

func (o Options) withDefaults() (Options, error) {
	if o.Schema == "" {
		o.Schema = DefaultSchema
	}
	switch {
	case len(o.Schema) > 63:
		return o, invalid("pgstore.Options.Schema", "%q is longer than PostgreSQL's 63-byte limit", o.Schema)
	case !utf8.ValidString(o.Schema) || strings.ContainsRune(o.Schema, 0):
		return o, invalid("pgstore.Options.Schema", "%q is not a valid identifier", o.Schema)
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = 10
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.ShowChangeCheck == 0 {
		o.ShowChangeCheck = DefaultShowChangeCheck
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.MaxClockSkew = max(o.MaxClockSkew, 0).Truncate(time.Microsecond) // as an interval keeps it
	return o, nil
}

// invalid reports a bad argument; it matches boxoffice.ErrInvalidArgument.
func invalid(field, format string, args ...any) error {
	return &boxoffice.ArgumentError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Store is a [boxoffice.Store] in a PostgreSQL schema, reached through a
// [pgxpool.Pool]. Make one with [New] after [Migrate]. It is safe for
// concurrent use, and any number of Stores, in any number of processes, may
// share one schema.
//
// PostgreSQL's text columns hold only valid UTF-8 without NUL bytes. A
// booking's free text — Payment.Failure, Payment.Reference,
// Refund.Reference and Refund.Reason, which come from the payment gateway
// or the core — is stored cleaned: each run of invalid UTF-8 becomes
// U+FFFD and NUL bytes are dropped, so that a gateway's garbled error
// cannot fail the transaction settling a payment. The booking then reads
// back cleaned, the same from the Store's cache as from the table, as its
// times read back cut to the microsecond. Its identifiers (UserID, seat
// IDs) and Payment.Method are not changed, since changed they would name
// another user, seat or payment instrument: PutBooking refuses them with
// an error matching [boxoffice.ErrInvalidArgument]. Catalog text
// PostgreSQL cannot hold is refused the same way.
type Store struct {
	pool       *pgxpool.Pool
	schema     string
	maxRetries int
	q          queries
	shows      *showCache

	feed            *showFeed     // notifies the shows this Store's commits change
	showChangeCheck time.Duration // see Options.ShowChangeCheck
	clockSkew       time.Duration // Options.MaxClockSkew
	logger          *slog.Logger
	// clock times ListenShowChanges' heartbeats, periodic changed("")
	// and reconnection back-off: the machine's, a fake one in tests,
	// which drive them without waiting out their intervals,
	// minHeartbeatWait and the back-off.
	clock boxoffice.Clock
	hooks feedHooks // nil functions but in tests
	// listenAcquireTimeout bounds the listener's wait for a connection:
	// the constant's, a shorter one in tests.
	listenAcquireTimeout time.Duration
}

var (
	_ boxoffice.Store                  = (*Store)(nil)
	_ boxoffice.ExpiredHoldLister      = (*Store)(nil)
	_ boxoffice.UnsettledBookingLister = (*Store)(nil)
	_ boxoffice.ShowChangeListener     = (*Store)(nil)
	_ boxoffice.UserLimitStore         = (*Store)(nil)
)

// New returns a [Store] on the schema of opts, which [Migrate] must have
// created. It does not touch the database. A nil pool, or a Schema that
// PostgreSQL cannot name (longer than 63 bytes, not valid UTF-8, or with a
// NUL byte), is an [*boxoffice.ArgumentError] ([boxoffice.ErrInvalidArgument]),
// as it is for Migrate.
func New(pool *pgxpool.Pool, opts Options) (*Store, error) {
	if pool == nil {
		return nil, invalid("pgstore.New pool", "nil; make one with pgxpool.New")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Store{pool: pool, schema: opts.Schema, maxRetries: opts.MaxRetries, q: newQueries(opts.Schema), shows: newShowCache(),
		feed: newShowFeed(pool, opts.Schema, opts.Logger), showChangeCheck: opts.ShowChangeCheck, clockSkew: opts.MaxClockSkew, logger: opts.Logger,
		clock: boxoffice.SystemClock(), listenAcquireTimeout: listenAcquireTimeout}, nil
}

// Validate reports a nil or zero [Store], which is not usable: make one with
// [New]. [boxoffice.New] calls it, and refuses such a Store rather than have
// its sweeper panic.
func (s *Store) Validate() error {
	if s == nil || s.pool == nil {
		return errors.New("pgstore: a nil or zero Store; make one with pgstore.New")
	}
	return nil
}

// Schema returns the PostgreSQL schema the [Store] keeps its tables in.
func (s *Store) Schema() string { return s.schema }

// notFound wraps boxoffice.ErrNotFound with what was missing.
func notFound(format string, args ...any) error {
	return fmt.Errorf("pgstore: %s: %w", fmt.Sprintf(format, args...), boxoffice.ErrNotFound)
}

// PostgreSQL error codes the Store maps or retries.
const (
	codeNotNullViolation     = "23502"
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeBadText              = "22021" // character_not_in_repertoire: invalid UTF-8 or a NUL byte
	codeUndefinedTable       = "42P01"
	codeInvalidSchemaName    = "3F000"
)

func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// mapInsertErr turns the constraint violations of an insert into the
// boxoffice sentinels: a taken ID is ErrAlreadyExists, a missing parent
// (a foreign key) is ErrNotFound, text PostgreSQL cannot hold is
// ErrInvalidArgument.
func mapInsertErr(err error, what string) error {
	switch pgCode(err) {
	case codeBadText:
		return invalid(what, "text that is not valid UTF-8 or holds a NUL byte: %v", err)
	case codeUniqueViolation:
		return fmt.Errorf("pgstore: %s: %w", what, boxoffice.ErrAlreadyExists)
	case codeForeignKeyViolation:
		var pgErr *pgconn.PgError
		errors.As(err, &pgErr)
		return fmt.Errorf("pgstore: %s: %s: %w", what, pgErr.Detail, boxoffice.ErrNotFound)
	case "":
		return err
	}
	return fmt.Errorf("pgstore: %s: %w", what, err)
}

// AddMovie implements [boxoffice.Store].
func (s *Store) AddMovie(ctx context.Context, m boxoffice.Movie) error {
	genres := m.Genres
	if genres == nil {
		genres = []string{}
	}
	_, err := s.pool.Exec(ctx, s.q.insertMovie, m.ID, m.Title, m.Duration, genres, m.Language, m.Rating)
	return markWrite(ctx, mapInsertErr(err, fmt.Sprintf("movie %q", m.ID)))
}

func scanMovie(row pgx.Row) (boxoffice.Movie, error) {
	var m boxoffice.Movie
	err := row.Scan(&m.ID, &m.Title, &m.Duration, &m.Genres, &m.Language, &m.Rating)
	return m, err
}

// Movie implements [boxoffice.Store].
func (s *Store) Movie(ctx context.Context, id string) (boxoffice.Movie, error) {
	m, err := scanMovie(s.pool.QueryRow(ctx, s.q.movie, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return boxoffice.Movie{}, notFound("movie %q", id)
	}
	return m, markUnavailable(ctx, err)
}

// pageSize is how many rows Movies and Theaters read at a time.
const pageSize = 256

// Movies implements [boxoffice.Store]. It reads the movies a page at a time
// in ID order and holds no connection while the loop body runs.
func (s *Store) Movies(ctx context.Context) iter.Seq2[boxoffice.Movie, error] {
	return pages(ctx, s.pool, s.q.moviesPage, scanMovie, func(m boxoffice.Movie) string { return m.ID })
}

// pages yields the rows of a keyset-paginated query ($1: the last key seen,
// $2: the page size), a page at a time.
func pages[T any](ctx context.Context, pool *pgxpool.Pool, sql string, scan func(pgx.Row) (T, error), key func(T) string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		after := ""
		for {
			rows, err := pool.Query(ctx, sql, after, pageSize)
			var page []T
			if err == nil {
				page, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
			}
			if err != nil {
				var zero T
				yield(zero, markUnavailable(ctx, err))
				return
			}
			for _, v := range page {
				if !yield(v, nil) {
					return
				}
			}
			if len(page) < pageSize {
				return
			}
			after = key(page[len(page)-1])
		}
	}
}

// AddTheater implements [boxoffice.Store].
func (s *Store) AddTheater(ctx context.Context, t boxoffice.Theater) error {
	_, err := s.pool.Exec(ctx, s.q.insertTheater, t.ID, t.Name, t.Location, t.City, t.TimeZone)
	return markWrite(ctx, mapInsertErr(err, fmt.Sprintf("theater %q", t.ID)))
}

func scanTheater(row pgx.Row) (boxoffice.Theater, error) {
	var t boxoffice.Theater
	err := row.Scan(&t.ID, &t.Name, &t.Location, &t.City, &t.TimeZone)
	return t, err
}

// Theater implements [boxoffice.Store].
func (s *Store) Theater(ctx context.Context, id string) (boxoffice.Theater, error) {
	t, err := scanTheater(s.pool.QueryRow(ctx, s.q.theater, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return boxoffice.Theater{}, notFound("theater %q", id)
	}
	return t, markUnavailable(ctx, err)
}

// Theaters implements [boxoffice.Store], a page at a time like [Store.Movies].
func (s *Store) Theaters(ctx context.Context) iter.Seq2[boxoffice.Theater, error] {
	return pages(ctx, s.pool, s.q.theatersPage, scanTheater, func(t boxoffice.Theater) string { return t.ID })
}

// AddHall implements [boxoffice.Store]. The layout is stored as its text map
// (Layout.MarshalText).
func (s *Store) AddHall(ctx context.Context, h boxoffice.Hall) error {
	if h.Layout == nil {
		return invalid("Hall.Layout", "hall %q has no layout", h.ID)
	}
	layout, err := h.Layout.MarshalText()
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, s.q.insertHall, h.ID, h.TheaterID, h.Name, string(layout))
	return markWrite(ctx, mapInsertErr(err, fmt.Sprintf("hall %q of theater %q", h.ID, h.TheaterID)))
}

func scanHall(row pgx.Row) (boxoffice.Hall, error) {
	var h boxoffice.Hall
	var layout string
	if err := row.Scan(&h.ID, &h.TheaterID, &h.Name, &layout); err != nil {
		return h, err
	}
	h.Layout = new(boxoffice.Layout)
	if err := h.Layout.UnmarshalText([]byte(layout)); err != nil {
		return h, fmt.Errorf("pgstore: layout of hall %q: %w", h.ID, err)
	}
	return h, nil
}

// Hall implements [boxoffice.Store].
func (s *Store) Hall(ctx context.Context, id string) (boxoffice.Hall, error) {
	h, err := scanHall(s.pool.QueryRow(ctx, s.q.hall, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return boxoffice.Hall{}, notFound("hall %q", id)
	}
	return h, markUnavailable(ctx, err)
}

// HallsOfTheater implements [boxoffice.Store].
func (s *Store) HallsOfTheater(ctx context.Context, theaterID string) ([]boxoffice.Hall, error) {
	var halls []boxoffice.Hall
	found := false
	err := s.collect(ctx, s.q.hallsOfTheater, []any{theaterID}, func(row pgx.Row) error {
		found = true
		var id *string
		var h boxoffice.Hall
		var layout *string
		if err := row.Scan(&id, &h.TheaterID, &h.Name, &layout); err != nil {
			return err
		}
		if id == nil {
			return nil // the theater has no halls
		}
		h.ID = *id
		h.Layout = new(boxoffice.Layout)
		if err := h.Layout.UnmarshalText([]byte(*layout)); err != nil {
			return fmt.Errorf("pgstore: layout of hall %q: %w", h.ID, err)
		}
		halls = append(halls, h)
		return nil
	})
	switch {
	case err != nil:
		return nil, markUnavailable(ctx, err)
	case !found:
		return nil, notFound("theater %q", theaterID)
	}
	return halls, nil
}

// collect runs a query and calls fn on each row.
func (s *Store) collect(ctx context.Context, sql string, args []any, fn func(pgx.Row) error) error {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AddShow implements [boxoffice.Store]. In one transaction it locks the
// hall's row (SELECT ... FOR UPDATE), so AddShows of one hall run one at a
// time in every process while other halls are not held up; it reads the
// hall's shows overlapping window, calls check, then inserts the show and
// its inventory of available seats. Like [Store.UpdateShow]'s, the statements
// that insert and commit run to their end once sent, even if ctx is
// cancelled, and the outcome of a commit whose connection is lost is learned
// on another, so that an error means that the show was not added, unless it
// matches [ErrCommitUnknown].
func (s *Store) AddShow(ctx context.Context, show boxoffice.Show, layout *boxoffice.Layout, window boxoffice.Interval, check func(overlapping []boxoffice.Show) error) error {
	if layout == nil {
		return invalid("layout", "show %q has no seat layout", show.ID)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.retry(ctx, func() error { return s.addShowOnce(ctx, show, layout, window, check) })
	switch e := err.(type) {
	case *fnError:
		return e.err // check's error unchanged, as the Store contract asks
	case *lostCommit:
		return markUnavailable(ctx, s.settle(ctx, e))
	}
	return markUnavailable(ctx, err)
}

// addShowOnce runs one attempt of AddShow on one connection, in three round
// trips: BEGIN pipelined with the hall's lock and the checks, the
// overlapping shows, then the inserts pipelined with COMMIT.
func (s *Store) addShowOnce(ctx context.Context, show boxoffice.Show, layout *boxoffice.Layout, window boxoffice.Interval, check func(overlapping []boxoffice.Show) error) (err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// Release destroys a connection left inside a transaction, which only
	// happens if check panics or a rollback fails.
	defer conn.Release()
	defer func() {
		if err != nil {
			rollback(ctx, conn)
		}
	}()

	var hallOK, movieOK, taken bool
	var xid uint64
	b := &pgx.Batch{}
	b.Queue(s.q.beginUpdate)
	b.Queue(s.q.lockHall, show.HallID).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&xid)
		hallOK = err == nil
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	b.Queue(s.q.showPreconditions, show.MovieID, show.ID).QueryRow(func(row pgx.Row) error {
		return row.Scan(&movieOK, &taken)
	})
	switch err := conn.SendBatch(ctx, b).Close(); {
	case err != nil:
		return mapInsertErr(err, fmt.Sprintf("show %q", show.ID))
	case !hallOK:
		return notFound("hall %q of show %q", show.HallID, show.ID)
	case taken:
		return fmt.Errorf("pgstore: show %q: %w", show.ID, boxoffice.ErrAlreadyExists)
	case !movieOK:
		return notFound("movie %q of show %q", show.MovieID, show.ID)
	}
	overlapping, err := s.overlapping(ctx, conn, show.HallID, window)
	if err != nil {
		return err
	}
	if check != nil {
		if err := check(overlapping); err != nil {
			return &fnError{err}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b = &pgx.Batch{}
	b.Queue(s.q.insertShow, show.ID, show.MovieID, show.HallID, show.TheaterID,
		show.Start, show.End, int64(show.BasePrice))
	b.Queue(s.q.insertShowSeats, show.ID, []byte(newInventory(layout.Len())))
	b.Queue(s.q.updateLongestShow, show.HallID, int64(encodeTime(show.End))-int64(encodeTime(show.Start)))
	b.Queue(s.q.commit)
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	if err := conn.SendBatch(wctx, b).Close(); err != nil {
		err = mapInsertErr(err, fmt.Sprintf("show %q", show.ID))
		if conn.Conn().IsClosed() { // perhaps after the server committed
			return &lostCommit{err: err, xid: xid}
		}
		return err
	}
	return nil
}

// querier is what overlapping needs of a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// overlapping returns the shows of a hall whose [Start, End) overlaps
// window, ordered by start then ID, in one statement. No show of the hall is
// longer than its longest_show_us, so only shows starting after
// window.Start minus that can overlap: the index range scanned stays short
// however long the hall's history.
func (s *Store) overlapping(ctx context.Context, q querier, hallID string, window boxoffice.Interval) ([]boxoffice.Show, error) {
	shows := []boxoffice.Show{}
	if !window.Start.Before(window.End) {
		return shows, nil // an empty window overlaps nothing
	}
	rows, err := q.Query(ctx, s.q.showsOfHall, hallID, window.Start, window.End)
	if err != nil {
		return nil, err
	}
	return pgx.AppendRows(shows, rows, func(r pgx.CollectableRow) (boxoffice.Show, error) { return scanShow(r) })
}

func scanShow(row pgx.Row) (boxoffice.Show, error) {
	var sh boxoffice.Show
	var price int64
	err := row.Scan(&sh.ID, &sh.MovieID, &sh.HallID, &sh.TheaterID, &sh.Start, &sh.End, &price)
	sh.BasePrice = boxoffice.Money(price)
	sh.Start, sh.End = sh.Start.UTC(), sh.End.UTC()
	return sh, err
}

// Show implements [boxoffice.Store].
func (s *Store) Show(ctx context.Context, id string) (boxoffice.Show, error) {
	sh, err := scanShow(s.pool.QueryRow(ctx, s.q.show, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return boxoffice.Show{}, notFound("show %q", id)
	}
	return sh, markUnavailable(ctx, err)
}

// ShowsOfMovie implements [boxoffice.Store], from the index on (movie_id,
// starts_at, id COLLATE "C"): a page reads limit entries of it, however
// many shows the movie had before the cursor.
func (s *Store) ShowsOfMovie(ctx context.Context, movieID string, after boxoffice.ShowCursor, limit int) ([]boxoffice.Show, error) {
	shows, err := list(ctx, s, limit, s.q.showsOfMovie, func(r pgx.CollectableRow) (boxoffice.Show, error) { return scanShow(r) },
		movieID, cursorTime(after.Start, after.IsZero()), after.ID, limit)
	if err != nil || len(shows) > 0 {
		return shows, err
	}
	return shows, s.mustExist(ctx, s.q.movieExists, movieID, "movie %q")
}

// ShowsOfHall implements [boxoffice.Store].
func (s *Store) ShowsOfHall(ctx context.Context, hallID string, window boxoffice.Interval) ([]boxoffice.Show, error) {
	shows, err := s.overlapping(ctx, s.pool, hallID, window)
	if err != nil || len(shows) > 0 {
		return shows, markUnavailable(ctx, err)
	}
	return shows, s.mustExist(ctx, s.q.hallExists, hallID, "hall %q")
}

// mustExist tells an empty answer from an unknown parent: catalog rows are
// never deleted, so one that exists now existed when the answer was read.
func (s *Store) mustExist(ctx context.Context, sql, id, what string) error {
	var ok bool
	if err := s.pool.QueryRow(ctx, sql, id).Scan(&ok); err != nil {
		return markUnavailable(ctx, err)
	}
	if !ok {
		return notFound(what, id)
	}
	return nil
}
