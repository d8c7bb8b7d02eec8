// Package pgstore is a [boxoffice.Store] in PostgreSQL, so that any number of
// BookingSystems — in one process or in many service instances behind a
// load balancer — share one catalog and one truth about every seat.
//
// # Getting started
//
//	pool, err := pgxpool.New(ctx, "postgres://app@db/boxoffice")
//	...
//	defer pool.Close() // last
//	if err := pgstore.Migrate(ctx, pool, pgstore.Options{}); err != nil { ... }
//	store, err := pgstore.New(pool, pgstore.Options{})
//	...
//	defer store.Flush(ctx) // after sys.Close, before pool.Close
//	sys, err := boxoffice.New(boxoffice.Config{Store: store, Gateway: gateway})
//	...
//	defer sys.Close(ctx) // first: waits for payments in flight
//
// The deferred calls run in the order a graceful shutdown needs:
// BookingSystem.Close (the last commits), [Store.Flush] (their notifications
// to other instances' Watch streams, dropped with the pool otherwise),
// then the pool. A service bounds each ctx and checks their errors; see
// "Running it" in the README for how long a payment may keep Close waiting.
//
// [boxoffice.New] refuses to default the gateway with this [Store]: the
// in-memory one charges no one and knows only its own process's charges.
//
// A Store is more than the boxoffice.Store methods: it also implements
// [boxoffice.ExpiredHoldLister], [boxoffice.UnsettledBookingLister],
// [boxoffice.ShowChangeListener] and [boxoffice.UserLimitStore], with which
// each instance expires and settles what others left behind, streams their
// changes and counts their users' holds, and [boxoffice.MovieSearcher], with
// which a movie search reads a page of an index instead of every movie,
// and [boxoffice.CityMovieLister], with which a search by city is one
// statement instead of a round trip per hall of the city, and
// [boxoffice.CityShowLister], with which a page of a movie's shows in one
// city is one statement instead of reads of the movie's shows in every
// city until the page is full. A wrapper
// around a Store (to
// trace or meter it, say) must give the BookingSystem a way to them: a
// method Unwrap() boxoffice.Store returning the Store.
//
// [Migrate] applies the embedded, versioned SQL migrations (migrations/*.sql)
// not yet recorded in the schema's schema_migrations table. Every instance
// may call it at start: it is idempotent, and instances starting at once
// take turns on a transaction-scoped advisory lock (pg_advisory_xact_lock).
// On an up-to-date schema it creates nothing, so a role without the
// privilege to create (the schema having been migrated by an
// administrator) may call it too.
// [Options.Schema] (default "boxoffice") names the PostgreSQL schema holding
// the tables, so several systems can share one database.
//
// Upgrade every instance together: stop the old ones, migrate, start the
// new. Instances of different versions must not share a schema, since the
// rules a version applies are its own (version 0002, for one, records why a
// payment failed in a column older instances do not write, and since then
// a cancellation is decided before its refund is paid, where older
// instances paid first; a cancellation an older instance left half done
// should be finished by it before the upgrade). Migrate enforces half of
// it: on a schema that records a migration it does not have, it changes
// nothing and returns an error matching [ErrSchemaTooNew], so an old
// instance started after the upgrade, which calls Migrate first, stops
// there. ([New] does not look at the schema: an instance that skips
// Migrate, or was running before the upgrade, is not stopped; [Store.Check]
// tells it, for a readiness probe, with [ErrSchemaNotMigrated] or
// ErrSchemaTooNew.) A
// migration that adds a table (0008 adds user_limits, which every hold
// request writes) needs the application's role to be granted it, if an
// administrator migrates and grants privileges table by table: grant
// SELECT, INSERT, UPDATE and DELETE on it, or set ALTER DEFAULT
// PRIVILEGES for the administrator's new tables.
//
// # The per-show transaction
//
// Every change to a show — its seats and its bookings — is one transaction
// on the show, and the core decides everything inside it, with its own
// clock; the Store only persists. The mechanism:
//
//   - One row per show (table show_seats) holds the show's whole seat
//     inventory, encoded compactly as bytea: per seat, in layout order, a
//     status byte, the 16-byte ID of the holding or owning booking and the
//     8-byte hold deadline in microseconds (a 60-seat hall is 1.5 kB),
//     whether the show is cancelled (read with the inventory, written by
//     the one transaction that cancels it), and a version that every
//     committed change to the show's seats or bookings increments.
//     Bookings are rows of their own.
//   - The locked path: UpdateShow begins a READ COMMITTED transaction and
//     reads the row with SELECT … FOR UPDATE, in one round trip (the BEGIN
//     is pipelined with the SELECT). The row lock makes every transaction
//     on the show, in every process, wait for the previous one to commit;
//     since each statement of a READ COMMITTED transaction sees everything
//     committed before it started, it then reads the latest inventory and
//     the latest bookings. The callback runs against an in-memory ShowTx
//     over the decoded inventory; bookings it asks for are read lazily, one
//     indexed read each, cached for the transaction. At commit the
//     inventory is written back (if it changed) with the version bumped,
//     the bookings the callback put are upserted, and COMMIT is sent, all
//     pipelined in one round trip.
//   - The optimistic path, tried first: each Store caches, per show, the
//     inventory and the bookings it knows as of one version — read under
//     the lock, or written by its own last commit on the show (a commit
//     moves the show from version v to v+1 changing only the bookings it
//     put, so the others stay known). When the cache holds the show, the
//     callback runs on that state without a lock, and the changes are
//     written by one statement that updates the row only WHERE version = v
//     and upserts the bookings only if it did: a compare-and-swap, atomic
//     as every single statement is. It runs as a transaction of its own,
//     at the server's default isolation: under READ COMMITTED a statement
//     that waited for another process's commit finds the version moved on;
//     under REPEATABLE READ or SERIALIZABLE it fails to serialize instead,
//     and takes the locked path like a moved-on version (wrapping it in a
//     READ COMMITTED BEGIN … COMMIT cost 10–15 % of the throughput, see
//     BENCHMARKS.md). A callback that writes nothing, or
//     returns an error, is answered after one statement checks that the
//     version is still v. If the show has moved on (another process wrote
//     it), or the callback asks for a booking the cache does not vouch for
//     at v, nothing was written and the callback runs again on the locked
//     path, which refreshes the cache; so it does if the statement fails
//     with a serialization failure or a deadlock, which roll it back.
//     A BookingSystem runs one transaction per show at a time, so the
//     cache of a Store that serves one BookingSystem follows the show and
//     a transaction costs one round trip; shows that several processes
//     (or several BookingSystems on one Store) write at once take the lock.
//
// Why a lock rather than compare-and-swap alone: a hot show is where
// optimistic transactions of several processes would keep failing and
// retrying; with the lock, contending transactions queue in PostgreSQL and
// each runs once. Why the optimistic path as well: the lock costs two round
// trips per transaction where one statement suffices when nobody else
// wrote the show, and a hold followed by a release then costs three
// statements where a bare conditional UPDATE of seat rows costs two (see
// BENCHMARKS.md).
//
// Clocks of different machines never meet: whether a hold has lapsed is
// decided by the core with the clock of the process running the
// transaction, on state that no other process can have changed — the lock
// or the version check guarantees it. A hold deadline is a value in the
// inventory, not a database timer.
//
// Serialization failures (40001) and deadlocks (40P01), which READ
// COMMITTED and the lock make rare, run the callback again on fresh state,
// up to [Options.MaxRetries] times with a small jittered backoff; then the
// error matches [boxoffice.ErrConflict]. An error from the callback rolls
// back and is returned unchanged. The callback may run more than once (the
// Store contract allows it); only its last run counts.
//
// # Outcomes
//
// An error from UpdateShow (or AddShow) means that nothing was committed,
// with one exception: an error matching [ErrCommitUnknown] means the
// transaction may have committed. (A transaction that writes nothing
// commits nothing either way.) To keep that promise:
//
//   - The statement that commits runs to its end even if ctx is
//     cancelled once it has been sent, for up to 30 seconds (a connection
//     that stalls without a word); before anything is sent, waiting for a
//     connection of the pool ends with ctx. The BookingSystem's other
//     calls on the show in the process wait behind such a commit only as
//     long as their own ctx lets them.
//   - Should the connection be lost once the commit was sent (the
//     network, a proxy or the server failing before the answer arrives),
//     the Store learns the outcome on another connection of the pool, for
//     up to 5 seconds, whatever ctx. Under the lock it asks
//     pg_xact_status about the transaction's ID, read with the row lock
//     (pg_current_xact_id; the lock assigns the ID anyway); a transaction
//     still in progress (its backend has not noticed that the connection
//     is gone, or is still reading the COMMIT) is ended first, its backend
//     terminated (pg_terminate_backend, which the Store's own role may
//     do), so that the answer is final. The optimistic statement records
//     a random ID of its own as the show's writer (migration 0005); the
//     Store then moves the show on from the version the statement
//     compared, if it is still there, so that the statement can no longer
//     write should it reach the server late, and reads back the version
//     and the writer: the statement's writer, it committed; the version
//     one on, another's writer, it did not.
//   - The outcome is unknown, and the error matches ErrCommitUnknown,
//     when those checks fail (the database unreachable, a zombie backend
//     not ending in time) or, for an optimistic statement, when other
//     commits have moved the show on by two versions or more meanwhile,
//     which may hide its own.
//
// These checks need PostgreSQL 14 or later (pg_terminate_backend's
// timeout).
//
// An error of any call that says the database could not be reached
// matches [boxoffice.ErrStoreUnavailable], and holds pgx's error: no
// connection could be made, the one in use was lost (a network error, an
// EOF, [pgconn.ErrConnClosed]), the pool is closed, or the server refused
// for its own state (SQLSTATE classes 08, 53 and 58, and 57P01–57P03:
// shutting down or starting). An error caused by the caller's ctx ending
// does not match it. Such an error means that nothing was written, but
// for the writes that are one statement of their own (AddMovie,
// AddTheater, AddHall and the per-user limits' calls): if the connection
// failed once the statement was sent, the server may have committed it,
// and the error matches [ErrCommitUnknown] too.
//
// ViewShow reads the inventory and the bookings it asks for in one
// read-only REPEATABLE READ transaction: a consistent snapshot, taken
// without any lock, so seat maps never wait for bookings.
//
// # Tables
//
// movies (genres text[]), theaters (with their time_zone, an IANA name,
// empty for none: migration 0015), halls (the layout as text, from
// Layout.MarshalText), shows (hall, movie, start, end, base price),
// show_seats (the inventories, with the ID of their last optimistic
// writer), user_limits (see below) and bookings (seats as JSON, status,
// deadlines, payment and refund columns). Indexes serve the queries the core makes: bookings by
// (user_id, created_at, id), shows by (movie_id, start, ID) — the IDs in
// byte order (COLLATE "C", migration 0006), so that a page of a movie's
// shows starts at its cursor (the clock's now, for the first page) and
// reads only its own rows, however many shows the movie has played —
// shows by (hall_id, start, end) — bounded below by the hall's
// longest show so that overlap searches scan only nearby shows — and a
// partial index of held bookings by deadline for ExpiredHolds, which lets
// the sweeper of every instance expire holds made by any other, or before
// a restart; and partial indexes of the bookings owing money back (a
// refund or a void the gateway has not paid yet) and of the bookings
// paying, by the bound the instance that started the payment recorded
// with it (payment_live_until, migrations 0011 and 0013: a payment counts
// as abandoned past it, so instances need not share payment settings),
// for OwingBookings and AbandonedPayments (boxoffice.UnsettledBookingLister),
// which lets the sweeper of every instance pay what another instance, or
// this one before a restart, failed to pay, and finish a payment that an
// instance which died mid-payment left paying. AbandonedPayments reads two
// ranges of the bound's index — the bounds already past, and the payments
// stored without one (before 0011), filtered on when they started paying
// — and sorts what it read: a rescan reads the abandoned payments, not
// every payment in flight. Movies by (title, ID) in byte order
// (migration 0009) serve MoviesMatching: a search reads the index from its
// page's cursor, PostgreSQL keeping the movies whose fields match
// regular expressions made from the query's text (each character a class
// of those it folds with), and stops once the page is full. They compare
// characters in a database of UTF-8 (PostgreSQL's default); the
// BookingSystem judges every movie again. MoviesShowingIn
// (boxoffice.CityMovieLister) is one statement: the theaters whose city
// matches such an expression, anchored, which matches exactly the cities
// [strings.EqualFold] takes for the one asked, their halls (by theater),
// their shows to come (by hall and start) and, among those, the cancelled
// ones, from a partial index of the cancelled shows (migration 0010)
// rather than their inventory rows; the BookingSystem takes its answer as
// it is. ShowsOfMovieInCity (boxoffice.CityShowLister) is one statement
// too: the halls of the theaters such an expression matches, and each
// hall's first shows of the movie past the page's cursor, from an index
// of the shows by (movie, hall, start, ID), migration 0014; a page reads
// the city's halls, not the movie's shows in other cities. A partial index of the open bookings (held, paying, confirmed)
// by (show_id, user_id), migration 0012, serves the ShowTx's SeatsOfUser
// ([boxoffice.UserSeatCounter]), which [boxoffice.Config.MaxSeatsPerShow]
// asks on every hold: on the locked path, one statement under the show's
// lock, reading the user's few open bookings of the show, never its ended
// ones, which the cache then keeps with the show's version. On the
// optimistic path the count is taken from the cache (the user's list if
// it has it, else the user's bookings it holds) as a claim that the
// commit statement checks: it updates the show's row only WHERE version =
// v and the user's open seats in the stored rows, counted off the same
// index, are the claimed number. The statement's snapshot holds the
// bookings as of the version its UPDATE finds (every commit that changes
// a booking bumps the version in the same transaction, and a statement
// that waited for the row's lock finds the version moved on), so of two
// holds of one user in two processes the second never writes on a count
// the first changed. A wrong claim writes nothing, and the hold runs again
// on the locked path; a hold with the cap on thus costs one round trip,
// as without it, whenever the cache follows the show.
//
// Times are stored with PostgreSQL's microsecond precision, cut (not
// rounded) to the microsecond, the same way in the inventory and the
// timestamptz columns, and read back in UTC: the times a BookingSystem
// gives are in UTC and cut to the microsecond already, so it reads back
// exactly (==) what it stored (see boxoffice.Store). A booking's free text is
// stored as valid UTF-8 without NUL bytes, cleaned if need be (see Store).
//
// Unique violations map to [boxoffice.ErrAlreadyExists], missing rows and
// missing parents (foreign keys) to [boxoffice.ErrNotFound], both wrapped
// with detail.
//
// # Watch across processes
//
// Store implements boxoffice.ShowChangeListener, so that the Watch streams
// of a BookingSystem also carry the seat changes other processes commit.
// Every UpdateShow that commits a change (not ViewShow, nor an UpdateShow
// that writes nothing or fails) adds its show to a set of the Store's,
// which a goroutine notifies once committed, with pg_notify on the channel
// pgstore_shows:<schema> (pgstore_shows# and a hash of the schema when that
// would be longer than 63 bytes): at most every 10 ms, so that the commits
// of a burst go out together, up to 1,000 show IDs a statement, as JSON
// arrays. The goroutine runs only while there is something to send. A
// NOTIFY inside the show transaction would take PostgreSQL's global
// notify lock at every commit, which halved the throughput of parallel
// transactions; sending after the commit means that a notification is
// lost if its process dies in between, or if the send fails three times
// (then logged to [Options.Logger]), or if the pool is closed first: a
// process that shuts down in good order calls Store.Flush after
// BookingSystem.Close and before closing the pool.
//
// ListenShowChanges listens on a connection of its own, taken out of the
// pool for as long as it listens (pgxpool's Conn.Hijack; the pool may open
// another in its place): a listening BookingSystem holds one connection
// beyond its pool's, to count against max_connections, and the pool must
// give sessions of their own (not a PgBouncer in transaction mode), where
// LISTEN works. A change is reported about 10 ms and a round trip after
// its commit. When the connection is lost, the listener connects again
// (after 50 ms, twice as long after each failed attempt, up to 10
// seconds) and then reports every show (changed("")), since notifications
// may have been lost meanwhile; it does so every [Options.ShowChangeCheck] (30
// seconds by default) in any case, which bounds how long a lost
// notification keeps a seat map out of date. At the same interval it
// notifies a heartbeat of its own through the pool: one that the listener
// has not heard by the next, and at least a second after its send ended (or
// that could not be sent, in three tries of two seconds), means that the
// connection was dropped without a word (by a NAT, firewall or load
// balancer; TCP may take many minutes to notice), and it is replaced. The
// heartbeats also keep it from looking idle to such a box.
//
// # Per-user limits across processes
//
// Store implements boxoffice.UserLimitStore, so that the BookingSystems
// sharing a schema count Config.HoldsPerMinute and
// Config.MaxLiveHoldsPerUser together. Table user_limits (migration 0008)
// has one row per user who held seats lately: the rate's token bucket as
// one timestamp (GCRA: the bucket is full once it is past), and the live
// holds with their deadlines, as two arrays. AdmitHold is one statement,
// INSERT … ON CONFLICT DO UPDATE, which locks the user's row and computes
// from its latest version, even one committed after the statement began:
// it drops the holds that ended, decides, and writes. So concurrent
// requests of one user, from any number of instances, never get past a
// limit together, and a user's requests wait only for each other. The
// limits' statements commit with synchronous_commit off (set for their
// own transaction only), so they do not wait for the disk: a crash of the
// database server may lose a moment's counts, never a seat or a booking,
// which show transactions commit durably. The times are the
// BookingSystem's Clock's, as everywhere; durations are kept to the
// microsecond, deadlines rounded up to it. ForgetIdleUsers, called by
// each instance's sweeper every minute (or every Config.RescanInterval,
// if shorter), deletes the rows of users with no live hold and a full
// bucket: a scan of user_limits, which holds the recently active users
// only.
//
// The limits are judged, like a hold's seats, with the Clock of the
// instance a request reaches: AdmitHold prunes the holds whose LiveUntil
// (the deadline its instance gave the hold, plus a second) has passed on
// that Clock. Clocks that disagree make the counts err, by bounds that
// follow from it. Say the instance a request reaches runs δ ahead of the
// one that made a hold or took a token (δ < 0: behind).
//
//   - Live holds, ahead: when δ > 1 s + [Options.MaxClockSkew], a hold
//     stops counting δ - 1 s - MaxClockSkew before its own instance's
//     clock reaches its deadline. In that window the user may hold up to
//     MaxLiveHoldsPerUser more (twice the cap at once, as the instance
//     behind sees it; the instance ahead takes those holds for lapsed and
//     would give their seats to others). Set MaxClockSkew to the most the
//     clocks may disagree and this never happens.
//   - Live holds, behind: a hold that lapses (nobody ends it; an expiry by
//     the sweeper does not) counts until |δ| + 1 s + MaxClockSkew after
//     its deadline on its own instance's clock, never longer: the cap
//     lifts late by that, and RetryAfter says when, on the requesting
//     instance's clock. An instance ahead may drop the count for everyone
//     sooner, by its own clock, with its ForgetIdleUsers, which spares the
//     holds that MaxClockSkew keeps counting.
//   - The rate: the bucket is one time, written by the clock of the
//     instance that admitted the last request. Reached through an
//     instance δ ahead, it holds δ × HoldsPerMinute / minute more tokens
//     (at most a full bucket's worth): a request passes up to δ sooner,
//     and a user may get that many whole extra requests once (none at
//     the default 3 a minute and 5 s of skew, 5 at 60 a minute); through
//     one behind, as many fewer, and δ later. The rate over
//     time does not change: the bucket is only shifted by δ.
//     MaxClockSkew leaves the rate alone (it would cost every user's
//     burst).
//
// Machines whose clocks NTP keeps within milliseconds of each other see
// none of this at the default settings.
//
// # Connections
//
// An UpdateShow holds one connection of the pool from its first statement
// to its commit, and each BookingSystem runs at most one transaction per
// show at a time; size the pool (pgxpool's MaxConns,
// default max(4, CPUs)) for the shows busy at once plus the plain reads,
// and, while Watch streams are open, up to 4 reads of the shows other
// processes changed.
// pgx's default statement cache prepares each statement once per
// connection.
//
// The pool is the application's, and so are its timeouts: set them in the
// connection string, as in
//
//	postgres://app@db/boxoffice?connect_timeout=10&pool_ping_timeout=5s
//
// connect_timeout (seconds) bounds each connection the pool opens, TCP,
// TLS and authentication together; without it pgxpool allows two minutes,
// which a network that drops packets takes in full. pool_ping_timeout
// bounds pgxpool's ping of a connection idle for over a second before it
// is handed out; without it only the caller's ctx does, and a connection
// that the network dropped without a word keeps the ping as long as TCP
// takes (many minutes). Store calls wait as long as their ctx lets them.
// The Store's own background work is bounded whatever the pool's settings:
// a notification of changed shows, 5 seconds a try; a heartbeat, 2
// seconds a try; ListenShowChanges, 10 seconds for each connection it asks
// of the pool (one still being opened then goes on into the pool, for
// the next attempt).
//
// One show commits one transaction at a time, each with its own durable
// commit, so a single hot show sustains about 1 / (commit latency + a
// round trip) transactions per second however many users it has; different
// shows never wait for each other.
//
// The cached show states are only ever trusted together with the version
// they were read at. Restoring the database from a backup can bring back a
// version number with other contents: restart the instances after a
// restore.
package pgstore
