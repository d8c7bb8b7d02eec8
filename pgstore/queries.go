package pgstore

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// queries holds the Store's SQL with its schema filled in. Every statement
// is a constant text per Store, so pgx prepares each once per connection
// and reuses it (its statement cache).
type queries struct {
	insertMovie, movie, moviesPage, movieExists    string
	moviesMatching, moviesShowingIn                string
	insertTheater, theater, theatersPage           string
	insertHall, hall, hallsOfTheater, hallExists   string
	lockHall, showPreconditions, updateLongestShow string
	insertShow, insertShowSeats, show              string
	showsOfMovie, showsOfHall, showsOfMovieInCity  string
	lockShow, viewShow, touchShow, touchAndUpsert  string
	showVersion, fence                             string
	xactStatus, stopXact                           string
	optimistic                                     [maxOptimisticPuts + 1]string // by bookings put
	optimisticClaim                                [maxOptimisticPuts + 1]string // the same, checking a seatClaim
	booking, bookingOfShow, openOfUser             string
	bookingsOfUser, bookingsOfUserNewest           string
	upsertBooking, expiredHolds, owing, paying     string
	beginUpdate, beginView, commit                 string
	admitHold, setLiveHold, endLiveHold            string
	forgetIdleUsers                                string
}

// owingMoney is true of a booking with money owed back
// (boxoffice.Booking.RefundOwed): a cancellation whose refund is not paid
// yet, or a failed booking whose charge is not yet given back all.
const owingMoney = `((status = 'cancelled' AND refund_amount > 0 AND refunded_at IS NULL)
			OR (status = 'failed' AND payment_amount > refund_amount))`

// touchShow writes a show's inventory ($2; NULL keeps it) and its
// cancelled state ($3; NULL keeps it), and bumps its version: every
// committed change to a show's seats or bookings does.
const touchShow = `UPDATE {s}.show_seats SET seats = coalesce($2::bytea, seats), cancelled = coalesce($3::boolean, cancelled),
	version = version + 1 WHERE show_id = $1`

// admitHold admits a hold request of user $1 at $2 as hold $3, counted
// live until $4 (NULL: only a token), with a token every $5 (NULL: no
// rate) in a bucket of $6, and at most $7 live holds (≤ 0: no cap), each
// counted until $9 (Options.MaxClockSkew) past its deadline; if it
// admits, it writes the request's mark $8 in admitted. See Store.AdmitHold.
// ON CONFLICT DO UPDATE locks the user's row and computes from its latest
// version, even one committed after the statement began: the subqueries
// read only that row's arrays, never the table.
const admitHold = `INSERT INTO {s}.user_limits AS u (user_id, next_at, live_ids, live_until, admitted)
	VALUES ($1, $2::timestamptz + coalesce($5::interval, interval '0'),
		CASE WHEN $4::timestamptz IS NULL THEN '{}' ELSE ARRAY[$3::uuid] END,
		CASE WHEN $4::timestamptz IS NULL THEN '{}' ELSE ARRAY[$4::timestamptz] END, $8::uuid)
	ON CONFLICT (user_id) DO UPDATE SET (next_at, live_ids, live_until, admitted) = (
		SELECT CASE WHEN ok AND $5 IS NOT NULL THEN greatest(u.next_at, $2) + $5 ELSE u.next_at END,
			CASE WHEN ok AND $4 IS NOT NULL THEN ids || $3::uuid ELSE ids END,
			CASE WHEN ok AND $4 IS NOT NULL THEN untils || $4::timestamptz ELSE untils END,
			CASE WHEN ok THEN $8::uuid ELSE u.admitted END
		FROM (SELECT ids, untils,
				($4 IS NULL OR $7::integer <= 0 OR cardinality(ids) < $7)
				AND ($5 IS NULL OR greatest(u.next_at, $2) + $5 <= $2 + $6::integer * $5) AS ok
			FROM (SELECT coalesce(array_agg(i ORDER BY t, i), '{}') AS ids, coalesce(array_agg(t ORDER BY t, i), '{}') AS untils
				FROM unnest(u.live_ids, u.live_until) AS l(i, t) WHERE t > $2 - $9::interval) AS pruned) AS d)
	RETURNING greatest(next_at, $2), live_until, admitted`

// setLiveHold moves user $1's live hold $2 to deadline $3, if the hold is
// counted and $3 is later than its deadline (boxoffice.UserLimitStore:
// calls may arrive out of order).
const setLiveHold = `UPDATE {s}.user_limits AS u SET (live_ids, live_until) = (
		SELECT array_agg(i ORDER BY t, i), array_agg(t ORDER BY t, i)
		FROM (SELECT i, CASE WHEN i = $2::uuid THEN greatest(t, $3::timestamptz) ELSE t END AS t
			FROM unnest(u.live_ids, u.live_until) AS l(i, t)) AS x)
	WHERE user_id = $1 AND $2::uuid = ANY (live_ids)`

// endLiveHold stops counting user $1's hold $2.
const endLiveHold = `UPDATE {s}.user_limits AS u SET (live_ids, live_until) = (
		SELECT coalesce(array_agg(i ORDER BY t, i), '{}'), coalesce(array_agg(t ORDER BY t, i), '{}')
		FROM unnest(u.live_ids, u.live_until) AS l(i, t) WHERE i <> $2::uuid)
	WHERE user_id = $1 AND $2::uuid = ANY (live_ids)`

// bookingTypes are the types of bookingColumns, for the parameters of an
// INSERT ... SELECT, which PostgreSQL cannot infer from the target.
var bookingTypes = [...]string{"uuid", "text", "text", "text", "jsonb", "bigint", "timestamptz", "timestamptz",
	"integer", "timestamptz", "text", "bigint", "text", "integer", "timestamptz", "text", "bigint", "integer",
	"text", "timestamptz", "text", "text", "timestamptz"}

// upsertBooking inserts or replaces a booking, its columns in
// bookingColumns order from parameter $first on. With a non-empty
// condition, it writes only if the condition holds.
//
// A booking never moves to another show: should its ID be taken by another
// show's booking, show_id becomes NULL and the NOT NULL constraint fails
// the statement, and with it the transaction.
func upsertBooking(first int, condition string) string {
	params := make([]string, len(bookingTypes))
	for i, typ := range bookingTypes {
		params[i] = fmt.Sprintf("$%d::%s", first+i, typ)
	}
	source := `VALUES (` + strings.Join(params, ", ") + `)`
	if condition != "" {
		source = `SELECT ` + strings.Join(params, ", ") + ` WHERE ` + condition
	}
	return `INSERT INTO {s}.bookings AS b ({booking}) ` + source + `
		ON CONFLICT (id) DO UPDATE SET
			show_id = CASE WHEN b.show_id = excluded.show_id THEN excluded.show_id END,
			user_id = excluded.user_id, status = excluded.status, seats = excluded.seats, total = excluded.total,
			created_at = excluded.created_at, held_until = excluded.held_until, extensions = excluded.extensions,
			updated_at = excluded.updated_at, payment_method = excluded.payment_method,
			payment_amount = excluded.payment_amount, payment_reference = excluded.payment_reference,
			payment_attempts = excluded.payment_attempts, paid_at = excluded.paid_at,
			payment_failure = excluded.payment_failure, refund_amount = excluded.refund_amount,
			refund_percent = excluded.refund_percent, refund_reference = excluded.refund_reference,
			refunded_at = excluded.refunded_at, refund_reason = excluded.refund_reason,
			payment_failure_kind = excluded.payment_failure_kind, payment_live_until = excluded.payment_live_until`
}

// maxOptimisticPuts is the most bookings an optimistic commit writes; a
// transaction that puts more takes the lock.
const maxOptimisticPuts = 3

// optimisticCommit returns the statement that commits an optimistic show
// transaction putting n bookings: the inventory ($2; NULL keeps it) and the
// cancelled state ($5; NULL keeps it) are written only if the show is
// still at version $3, and the bookings only if it was. It returns 1 if it wrote, 0 if the show had moved on. One
// statement is one transaction: all of it or none. It records $4, an ID
// of this one statement, as the row's writer (migration 0005), so that
// should its answer be lost the Store can tell whether it committed (see
// fence).
//
// With claim, the statement also writes only if user $k has, in the
// stored rows other than the bookings $k+2 (those the transaction had put
// when it counted), exactly $k+3 seats of the show that count against
// boxoffice.Config.MaxSeatsPerShow at $k+1, where $k follows the
// bookings' parameters (see seatClaim). The count is a subquery of the
// UPDATE's WHERE, so that a false claim writes nothing at all. It reads
// the statement's snapshot, which holds the show's bookings as of the
// version that the UPDATE finds: every commit that changes a booking of
// the show bumps the version in the same transaction, under the row's
// lock; a statement whose snapshot is older finds the row moved on, or
// waits for its lock and then finds it moved on (READ COMMITTED
// re-checks the WHERE on the row's latest version), and writes nothing.
// Of two such statements for one user and show, the second therefore
// never writes on a count the first has changed.
func optimisticCommit(n int, claim bool) string {
	var b strings.Builder
	b.WriteString(`WITH touched AS (UPDATE {s}.show_seats SET seats = coalesce($2::bytea, seats),
			cancelled = coalesce($5::boolean, cancelled), version = version + 1, writer = $4
		WHERE show_id = $1 AND version = $3`)
	if claim {
		k := 6 + n*len(bookingTypes)
		fmt.Fprintf(&b, ` AND (SELECT coalesce(sum(jsonb_array_length(seats)), 0) FROM {s}.bookings
			WHERE show_id = $1 AND user_id = $%d AND status IN ('held', 'paying', 'confirmed')
				AND (status <> 'held' OR held_until > $%d::timestamptz) AND id <> ALL ($%d::uuid[])) = $%d::bigint`, k, k+1, k+2, k+3)
	}
	b.WriteString(` RETURNING 1)`)
	for k := range n {
		fmt.Fprintf(&b, `, put%d AS (%s RETURNING 1)`, k, upsertBooking(6+k*len(bookingTypes), "EXISTS (SELECT FROM touched)"))
	}
	b.WriteString(` SELECT count(*) FROM touched`)
	return b.String()
}

const showColumns = "id, movie_id, hall_id, theater_id, starts_at, ends_at, base_price"

const bookingColumns = `id, show_id, user_id, status, seats, total, created_at, held_until, extensions, updated_at,
	payment_method, payment_amount, payment_reference, payment_attempts, paid_at, payment_failure,
	refund_amount, refund_percent, refund_reference, refunded_at, refund_reason, payment_failure_kind,
	payment_live_until`

// qualified prefixes each of a list of columns with a table alias.
func qualified(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

func newQueries(schema string) queries {
	r := strings.NewReplacer("{s}", pgx.Identifier{schema}.Sanitize(), "{show}", showColumns,
		"{booking}", bookingColumns, "{b.booking}", qualified("b", bookingColumns),
		"{sh.show}", qualified("sh", showColumns))
	q := func(sql string) string { return r.Replace(sql) }
	return queries{
		admitHold:       q(admitHold),
		setLiveHold:     q(setLiveHold),
		endLiveHold:     q(endLiveHold),
		forgetIdleUsers: q(`DELETE FROM {s}.user_limits WHERE next_at <= $1 AND NOT $1 - $2::interval < ANY (live_until)`),

		insertMovie: q(`INSERT INTO {s}.movies (id, title, duration, genres, language, rating) VALUES ($1, $2, $3, $4, $5, $6)`),
		movie:       q(`SELECT id, title, duration, genres, language, rating FROM {s}.movies WHERE id = $1`),
		moviesPage:  q(`SELECT id, title, duration, genres, language, rating FROM {s}.movies WHERE id > $1 ORDER BY id LIMIT $2`),
		movieExists: q(`SELECT EXISTS (SELECT 1 FROM {s}.movies WHERE id = $1)`),
		// Pages of the movies_by_title index (migration 0009) past the
		// cursor ($1, $2), filtered by the patterns of moviePattern ("":
		// any). The cursor is a row comparison, which the index scan
		// starts at; written as title > $1 OR title = $1 AND id > $2 it
		// is a filter, and each page read the index from its first movie.
		moviesMatching: q(`SELECT id, title, duration, genres, language, rating FROM {s}.movies
			WHERE (title COLLATE "C", id COLLATE "C") > ($1, $2)
			AND ($3 = '' OR title ~ $3)
			AND ($4 = '' OR EXISTS (SELECT 1 FROM unnest(genres) g WHERE g ~ $4))
			AND ($5 = '' OR language ~ $5)
			ORDER BY title COLLATE "C", id COLLATE "C" LIMIT $6`),

		// The movies with a show starting after $2, not cancelled, in a
		// hall of a theater whose city matches $1 (anchored moviePattern).
		// The theaters are filtered in full (a pattern uses no index;
		// there are few), each of their halls' shows after $2 is one
		// range of shows_of_hall, and whether a show is cancelled one
		// probe of the small index of cancelled shows (migration 0010),
		// not a read of its inventory row.
		moviesShowingIn: q(`SELECT DISTINCT sh.movie_id
			FROM {s}.theaters t JOIN {s}.halls h ON h.theater_id = t.id JOIN {s}.shows sh ON sh.hall_id = h.id
			WHERE t.city ~ $1 AND sh.starts_at > $2
			AND NOT EXISTS (SELECT 1 FROM {s}.show_seats v WHERE v.show_id = sh.id AND v.cancelled)`),

		insertTheater: q(`INSERT INTO {s}.theaters (id, name, location, city, time_zone) VALUES ($1, $2, $3, $4, $5)`),
		theater:       q(`SELECT id, name, location, city, time_zone FROM {s}.theaters WHERE id = $1`),
		theatersPage:  q(`SELECT id, name, location, city, time_zone FROM {s}.theaters WHERE id > $1 ORDER BY id LIMIT $2`),

		insertHall: q(`INSERT INTO {s}.halls (id, theater_id, name, layout) VALUES ($1, $2, $3, $4)`),
		hall:       q(`SELECT id, theater_id, name, layout FROM {s}.halls WHERE id = $1`),
		hallsOfTheater: q(`SELECT h.id, t.id, coalesce(h.name, ''), h.layout
			FROM {s}.theaters t LEFT JOIN {s}.halls h ON h.theater_id = t.id
			WHERE t.id = $1 ORDER BY h.id`),
		hallExists: q(`SELECT EXISTS (SELECT 1 FROM {s}.halls WHERE id = $1)`),

		// The hall's row lock serializes AddShow per hall. The movie and
		// the show ID are checked by the next statement, whose snapshot is
		// taken once the lock is held (a subquery of the locking statement
		// would not see what the previous holder committed). It returns
		// the transaction's ID, which the lock has assigned anyway, in case
		// the commit's answer is lost (see xactStatus).
		lockHall:          q(`SELECT pg_current_xact_id() FROM {s}.halls WHERE id = $1 FOR UPDATE`),
		showPreconditions: q(`SELECT EXISTS (SELECT 1 FROM {s}.movies WHERE id = $1), EXISTS (SELECT 1 FROM {s}.shows WHERE id = $2)`),
		updateLongestShow: q(`UPDATE {s}.halls SET longest_show_us = greatest(longest_show_us, $2) WHERE id = $1`),
		insertShow:        q(`INSERT INTO {s}.shows ({show}) VALUES ($1, $2, $3, $4, $5, $6, $7)`),
		insertShowSeats:   q(`INSERT INTO {s}.show_seats (show_id, seats) VALUES ($1, $2)`),
		show:              q(`SELECT {show} FROM {s}.shows WHERE id = $1`),
		// A page of a movie's shows after the cursor ($2, $3), from the
		// index on (movie_id, starts_at, id COLLATE "C") of migration
		// 0006: ties broken by the IDs' bytes, whatever the database's
		// collation.
		showsOfMovie: q(`SELECT {show} FROM {s}.shows
			WHERE movie_id = $1 AND (starts_at, id COLLATE "C") > ($2, $3)
			ORDER BY starts_at, id COLLATE "C" LIMIT $4`),
		// A page of a movie's shows after the cursor ($2, $3) in the
		// halls of the theaters whose city matches $4: each hall's first
		// $5 from the index on (movie_id, hall_id, starts_at, id COLLATE
		// "C") of migration 0014, then the first $5 of them all. The
		// shows' theater_id is not read: it is what the Store was given,
		// and a show is in its hall's theater.
		showsOfMovieInCity: q(`SELECT {sh.show}
			FROM {s}.theaters t JOIN {s}.halls h ON h.theater_id = t.id
			CROSS JOIN LATERAL (SELECT {show} FROM {s}.shows
				WHERE movie_id = $1 AND hall_id = h.id AND (starts_at, id COLLATE "C") > ($2, $3)
				ORDER BY starts_at, id COLLATE "C" LIMIT $5) sh
			WHERE t.city ~ $4
			ORDER BY sh.starts_at, sh.id COLLATE "C" LIMIT $5`),
		// Shows overlapping [$2, $3): the lower bound on starts_at, from
		// the hall's longest show, keeps the index range short.
		showsOfHall: q(`SELECT {show} FROM {s}.shows
			WHERE hall_id = $1 AND starts_at < $3 AND ends_at > $2 AND starts_at < ends_at
			  AND starts_at >= $2::timestamptz - (SELECT longest_show_us FROM {s}.halls WHERE id = $1) * interval '1 microsecond'
			ORDER BY starts_at, id`),

		// The per-show transaction: lock the inventory row, read it and
		// the show in one statement, with the transaction's ID (which the
		// row lock assigns anyway) in case the commit's answer is lost;
		// write it back and bump its version.
		lockShow: q(`SELECT sh.id, sh.movie_id, sh.hall_id, sh.theater_id, sh.starts_at, sh.ends_at, sh.base_price, v.seats, v.version,
				v.cancelled, pg_current_xact_id()
			FROM {s}.show_seats v JOIN {s}.shows sh ON sh.id = v.show_id
			WHERE v.show_id = $1 FOR UPDATE OF v`),
		viewShow: q(`SELECT sh.id, sh.movie_id, sh.hall_id, sh.theater_id, sh.starts_at, sh.ends_at, sh.base_price, v.seats, v.version,
				v.cancelled
			FROM {s}.show_seats v JOIN {s}.shows sh ON sh.id = v.show_id
			WHERE v.show_id = $1`),
		touchShow: q(touchShow),
		// The usual commit: the inventory and one booking in one statement.
		touchAndUpsert: q(`WITH touched AS (` + touchShow + `) ` + upsertBooking(4, "")),
		showVersion:    q(`SELECT version FROM {s}.show_seats WHERE show_id = $1`),
		// After the answer to an optimistic commit from version $2 was
		// lost: move the show on from $2 if it is still there, so that
		// the statement, should it still reach the server, can no longer
		// write; and return the version and the writer, which tell
		// whether it did (optimisticOutcome). Under READ COMMITTED, the
		// update waits for the statement if it is running, and then sees
		// its outcome.
		fence: q(`UPDATE {s}.show_seats SET version = version + CASE WHEN version = $2 THEN 1 ELSE 0 END
			WHERE show_id = $1 RETURNING version, writer`),
		// After the answer to a COMMIT was lost: the transaction's fate,
		// 'committed', 'aborted' or 'in progress'; and the end of a
		// transaction still in progress (its backend, which may still be
		// reading the COMMIT, is terminated), waiting up to $2 ms.
		xactStatus: `SELECT pg_xact_status($1::xid8)`,
		stopXact:   `SELECT pg_terminate_backend(pid, $2) FROM pg_stat_activity WHERE backend_xid = $1::xid8::xid`,
		optimistic: [...]string{
			q(optimisticCommit(0, false)), q(optimisticCommit(1, false)), q(optimisticCommit(2, false)), q(optimisticCommit(3, false)),
		},
		optimisticClaim: [...]string{
			q(optimisticCommit(0, true)), q(optimisticCommit(1, true)), q(optimisticCommit(2, true)), q(optimisticCommit(3, true)),
		},

		// One statement, so the booking and its show's version come from
		// one snapshot.
		booking: q(`SELECT {b.booking}, v.version FROM {s}.bookings b JOIN {s}.show_seats v ON v.show_id = b.show_id
			WHERE b.id = $1`),
		bookingOfShow: q(`SELECT {booking} FROM {s}.bookings WHERE id = $1 AND show_id = $2`),
		// The open bookings of user $2 in show $1, the only ones that
		// may count against boxoffice.Config.MaxSeatsPerShow (see
		// showTx.SeatsOfUser), off the partial index of migration 0012:
		// a show's ended bookings, which pile up, are not read.
		openOfUser: q(`SELECT id, status, held_until, jsonb_array_length(seats) FROM {s}.bookings
			WHERE show_id = $1 AND user_id = $2 AND status IN ('held', 'paying', 'confirmed')`),
		// A page of a user's bookings after the cursor ($2, $3), up to
		// $4, from the index on (user_id, created_at, id): the row
		// comparison is an index condition, so a page reads $4 entries
		// wherever it starts. The first page is the zero cursor, which
		// cursorTime turns into -infinity: before every booking,
		// whatever its ID. bookingsOfUserNewest reads the same index
		// backward, from +infinity.
		bookingsOfUser: q(`SELECT {booking} FROM {s}.bookings
			WHERE user_id = $1 AND (created_at, id) > ($2, $3) ORDER BY created_at, id LIMIT $4`),
		bookingsOfUserNewest: q(`SELECT {booking} FROM {s}.bookings
			WHERE user_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT $4`),
		upsertBooking: q(upsertBooking(1, "")),
		expiredHolds: q(`SELECT show_id, id, held_until FROM {s}.bookings
			WHERE status = 'held' AND held_until <= $1 ORDER BY held_until LIMIT $2`),
		// Bookings owing money back after the cursor ($1, $2), up to $3,
		// in (updated_at, id) order. The WHERE clause is the predicate of
		// a partial index on (updated_at, id), the same expression, so
		// that the planner uses it and reads at most the LIMIT of entries
		// in index order: bookings_owing_money (migration 0003, whose
		// comment still calls this listing by its old name, OwedRefunds:
		// a released migration is left as schemas applied it, though
		// Migrate records only its version and name and would not notice
		// an edit).
		owing: q(`SELECT show_id, id, updated_at FROM {s}.bookings
			WHERE ` + owingMoney + ` AND (updated_at, id) > ($1, $2) ORDER BY updated_at, id LIMIT $3`),
		// Payments abandoned at $1 — live until before $1, or, with no
		// bound recorded (0011), paying since before $2 — up to $3, in
		// (updated_at, id) order: two ranges of bookings_paying_until
		// (0013), which holds the payments in flight by their bound, so
		// that a rescan reads the abandoned ones (and the few without a
		// bound), not every payment in flight, and then sorts them.
		// MATERIALIZED keeps the ORDER BY and LIMIT out of the ranges:
		// with them, a generic plan (a prepared statement's, after five
		// runs) read bookings_paying_since (0004) in order instead,
		// filtering every payment in flight, as this query did before.
		// No statement reads that index since, and 0016 drops it.
		paying: q(`WITH abandoned AS MATERIALIZED (
				SELECT show_id, id, updated_at FROM {s}.bookings
					WHERE status = 'paying' AND payment_live_until < $1
				UNION ALL
				SELECT show_id, id, updated_at FROM {s}.bookings
					WHERE status = 'paying' AND payment_live_until IS NULL AND updated_at < $2)
			SELECT show_id, id, updated_at FROM abandoned ORDER BY updated_at, id LIMIT $3`),

		// Read committed whatever the server's default: after the row
		// lock, each statement must see what the previous holder of the
		// lock committed.
		beginUpdate: "begin isolation level read committed read write",
		beginView:   "begin isolation level repeatable read read only",
		commit:      "commit",
	}
}
