package pgstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Timeouts of the statements that end a transaction. They run on a context
// detached from the caller's, so that a commit once sent completes (the
// caller learns its true outcome) and a rollback returns the connection
// clean to the pool. So does the check of a commit whose connection was
// lost (settle, optimisticOutcome), which waits up to stopWait for the
// transaction's backend to end.
const (
	commitTimeout   = 30 * time.Second
	rollbackTimeout = 5 * time.Second
	outcomeTimeout  = 5 * time.Second
	stopWait        = 2 * time.Second
)

// ErrCommitUnknown is what UpdateShow's and AddShow's error matches when
// the transaction may have committed: the connection was lost once its
// commit was sent, and the [Store] could not learn the outcome on another
// connection (see the package documentation). Any other error of theirs
// means that nothing was committed.
var ErrCommitUnknown = fmt.Errorf("pgstore: connection lost during the commit: the transaction may have committed: %w", boxoffice.ErrCommitUnknown)

// UpdateShow implements [boxoffice.Store]: see the package documentation for
// the mechanism. fn may run more than once, each time on fresh state: after
// an optimistic attempt found the show moved on (then under the lock), and
// after a serialization failure or a deadlock, up to [Options.MaxRetries]
// times; then UpdateShow returns an error matching [boxoffice.ErrConflict].
// If fn returns an error, the transaction is rolled back and the error
// returned unchanged. A misuse of the ShowTx (a seat position out of range, a
// booking of another show, a status or seat type outside the lifecycle) rolls
// back with an error matching [boxoffice.ErrInvalidArgument]. Should the
// connection be lost once the commit is sent, UpdateShow learns on another
// connection whether it committed (nil) or not (the error); if it cannot
// tell, it returns an error matching [ErrCommitUnknown].
func (s *Store) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	return s.runShowTx(ctx, showID, false, fn)
}

// ViewShow implements [boxoffice.Store]: fn runs in a read-only REPEATABLE
// READ transaction, so the seats and every booking it reads come from one
// snapshot taken when the inventory is read. It takes no lock and never
// waits for an [Store.UpdateShow]. SetSeat, PutBooking and CancelShow change
// nothing and make ViewShow return an error matching
// [boxoffice.ErrInvalidArgument].
func (s *Store) ViewShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	return s.runShowTx(ctx, showID, true, fn)
}

func (s *Store) runShowTx(ctx context.Context, showID string, readOnly bool, fn func(tx boxoffice.ShowTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !readOnly {
		if show, version, seats, cancelled, ok := s.shows.state(showID); ok {
			if done, err := s.optimistic(ctx, show, version, seats, cancelled, fn); done {
				return s.txResult(ctx, showID, err)
			}
		}
	}
	return s.txResult(ctx, showID, s.retry(ctx, func() error { return s.showTxOnce(ctx, showID, readOnly, fn) }))
}

// txResult is what UpdateShow and ViewShow return for the error of their
// last attempt: fn's error unchanged, the outcome of a lost commit, or
// the Store's error, marked if the database could not be reached.
func (s *Store) txResult(ctx context.Context, showID string, err error) error {
	switch e := err.(type) {
	case *fnError:
		return e.err
	case *lostCommit:
		err := s.settle(ctx, e)
		if errors.Is(err, ErrCommitUnknown) {
			// It may have committed, and no other report of it would
			// come; a show reported that did not change costs one read.
			s.feed.changed(showID)
		}
		return markUnavailable(ctx, err)
	}
	return markUnavailable(ctx, err)
}

// fnError carries the error of the caller's function through the retry
// loop, which must return it unchanged and never retry it.
type fnError struct{ err error }

func (e *fnError) Error() string { return e.err.Error() }

// lostCommit is the error of a commit whose connection was lost once the
// COMMIT may have been sent: transaction xid may have committed before
// the answer was lost. The retry loop returns it as it is; settle then
// learns the outcome, once the connection is back to the pool (so that
// a pool of one connection can do it).
type lostCommit struct {
	err       error
	xid       uint64
	committed func() // if it did commit, caches what it wrote
}

func (e *lostCommit) Error() string { return e.err.Error() }

// settle learns the outcome of a lost commit on another connection of the
// pool: nil if it committed, its error if it did not, an error matching
// ErrCommitUnknown if that cannot be learned. Like the commit, it goes on
// if ctx is cancelled, for outcomeTimeout at most.
func (s *Store) settle(ctx context.Context, lost *lostCommit) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), outcomeTimeout)
	defer cancel()
	committed, err := s.xactCommitted(ctx, lost.xid)
	switch {
	case err != nil:
		return commitUnknown(lost.err, err)
	case !committed:
		return lost.err
	}
	if lost.committed != nil {
		lost.committed()
	}
	return nil
}

// xactCommitted reports whether transaction xid committed. A transaction
// still in progress is one whose backend has not yet noticed that its
// connection is gone, or is reading or running the COMMIT still: it is
// ended, by terminating its backend (which rolls it back unless the
// COMMIT is done first), so that its outcome is final before it is told.
func (s *Store) xactCommitted(ctx context.Context, xid uint64) (bool, error) {
	status, err := s.xactStatus(ctx, xid)
	if err == nil && status == "in progress" {
		err = learn(ctx, func() error {
			_, err := s.pool.Exec(ctx, s.q.stopXact, xid, stopWait.Milliseconds())
			return err
		})
		if err == nil {
			status, err = s.xactStatus(ctx, xid)
		}
	}
	switch {
	case err != nil:
		return false, err
	case status == "committed":
		return true, nil
	case status == "aborted":
		return false, nil
	}
	return false, fmt.Errorf("pgstore: transaction %d is %q", xid, status)
}

// xactStatus returns pg_xact_status of transaction xid.
func (s *Store) xactStatus(ctx context.Context, xid uint64) (string, error) {
	var status pgtype.Text // NULL for a transaction too old to tell
	err := learn(ctx, func() error { return s.pool.QueryRow(ctx, s.q.xactStatus, xid).Scan(&status) })
	return status.String, err
}

// optimisticOutcome learns whether an optimistic commit of show from
// version, which recorded writer as the row's writer, committed, once its
// connection was lost before the answer came. In one READ COMMITTED
// transaction the fence moves the show on from version if it is still
// there, so that the statement, should it still reach the server, can no
// longer write; and returns the version and writer, which tell whether it
// did: the writer is the statement's if it committed and nothing wrote the
// show since; the version one more than version, another writer's, if it
// did not (the fence, or another commit, moved the show on). Beyond that,
// another commit may hide the statement's: the outcome is unknown.
func (s *Store) optimisticOutcome(ctx context.Context, showID string, version int64, writer [16]byte) (bool, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), outcomeTimeout)
	defer cancel()
	var now int64
	var last pgtype.UUID
	err := learn(ctx, func() error {
		return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, s.q.fence, showID, version).Scan(&now, &last)
		})
	})
	switch {
	case err != nil:
		return false, err
	case last.Valid && last.Bytes == writer:
		return true, nil
	case now == version+1:
		return false, nil
	}
	return false, fmt.Errorf("pgstore: show %q has moved on from version %d to %d, written last by another", showID, version, now)
}

// learn runs op, a statement that learns the outcome of a lost commit,
// again should its connection fail too: the pool's other connections may
// be as dead as the lost one (a connection idle for less than a second is
// handed out without a ping). Each such statement can run twice.
func learn(ctx context.Context, op func() error) error {
	var err error
	for range 3 {
		if err = op(); err == nil || pgCode(err) != "" || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// commitUnknown is the error of a lost commit whose outcome could not be
// learned: err, the commit's, and why (check).
func commitUnknown(err, check error) error {
	return fmt.Errorf("%w (%w; learning the outcome: %w)", ErrCommitUnknown, err, check)
}

// showTxOnce runs one attempt of a show transaction on one connection.
func (s *Store) showTxOnce(ctx context.Context, showID string, readOnly bool, fn func(tx boxoffice.ShowTx) error) (err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// Release destroys a connection left inside a transaction, which only
	// happens if fn panics or a rollback fails.
	defer conn.Release()

	tx := &showTx{ctx: ctx, conn: conn, q: &s.q, shows: s.shows, feed: s.feed, readOnly: readOnly}
	if err := tx.begin(showID); err != nil {
		tx.rollback()
		return err
	}
	fnErr := fn(tx)
	switch {
	case tx.dbErr != nil && retryable(tx.dbErr):
		err = tx.dbErr // fn saw a failed read: run it again
	case fnErr != nil:
		err = &fnError{fnErr}
	case tx.misuse != nil:
		err = tx.misuse
	case tx.dbErr != nil:
		err = tx.dbErr
	case readOnly:
		return tx.end(s.q.commit)
	default:
		if err := ctx.Err(); err != nil {
			tx.rollback()
			return err
		}
		return tx.commit()
	}
	tx.rollback()
	return err
}

// optimistic runs fn on the show's cached state, without a lock, and
// commits in one statement that writes only if the show is still at the
// cached version; an answer that writes nothing is checked the same way.
// It reports done false, having changed nothing, when the show has moved on,
// fn asked for a booking the cache does not hold at that version, or the
// statement lost a race (a serialization failure or a deadlock): the
// caller then runs fn again under the lock. Within one process the
// BookingSystem's per-show mutex keeps the cache current, so a transaction
// costs one round trip; another process writing the show costs one more.
func (s *Store) optimistic(ctx context.Context, show boxoffice.Show, version int64, seats []byte, cancelled bool, fn func(tx boxoffice.ShowTx) error) (done bool, err error) {
	tx := &showTx{ctx: ctx, q: &s.q, shows: s.shows, feed: s.feed, optimistic: true,
		show: show, version: version, seats: inventory(slices.Clone(seats)), cancelled: cancelled}
	fnErr := fn(tx)
	switch {
	case tx.stale || len(tx.puts) > maxOptimisticPuts:
		return false, nil
	case fnErr == nil && tx.misuse != nil:
		return true, tx.misuse // wrong whatever the state
	case tx.claim != nil && (fnErr != nil || !tx.changed()):
		// The answer rests on a guess of the user's seats, which only a
		// commit statement checks.
		return false, nil
	case fnErr != nil || !tx.changed():
		// An answer read from the cache holds if the show has not moved on.
		var now int64
		if err := s.pool.QueryRow(ctx, s.q.showVersion, show.ID).Scan(&now); err != nil {
			if retryable(err) {
				return false, nil // a serialization failure of the server's default isolation
			}
			return true, err
		}
		if now != version {
			return false, nil
		}
		if fnErr != nil {
			return true, &fnError{fnErr}
		}
		return true, nil
	}
	if err := ctx.Err(); err != nil {
		return true, err
	}
	// The statement's own ID, recorded as the show's writer: should its
	// answer be lost, whether it is still there tells whether the
	// statement committed. Unique with overwhelming odds, as a random
	// UUID: it is not a secret.
	var writer [16]byte
	binary.LittleEndian.PutUint64(writer[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(writer[8:], rand.Uint64())
	args := []any{show.ID, tx.seatsArg(), version, writer, tx.cancelledArg()}
	for _, id := range tx.puts {
		bargs, err := bookingArgs(&tx.bookings[id].b)
		if err != nil {
			return true, err
		}
		args = append(args, bargs...)
	}
	// Nothing is sent yet: wait for a connection as long as the caller
	// does. Like a commit, the statement then runs to its end once sent.
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return true, err
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	// One statement, its own transaction at the server's default
	// isolation. Under REPEATABLE READ or SERIALIZABLE, a statement that
	// waited for another transaction's row lock fails with 40001 where READ
	// COMMITTED would re-read the row and find the version moved on; either
	// way the transaction goes to the locked path, which sets READ
	// COMMITTED itself. (A BEGIN … COMMIT pipelined around the statement
	// cost 10–15 % of the throughput with 16 to 64 goroutines.)
	sql := s.q.optimistic[len(tx.puts)]
	if tx.claim != nil {
		sql = s.q.optimisticClaim[len(tx.puts)]
		args = append(args, tx.claim.args()...)
	}
	var written int
	err = conn.QueryRow(wctx, sql, args...).Scan(&written)
	lost := err != nil && conn.Conn().IsClosed()
	if err != nil && !lost {
		rollback(ctx, conn)
	}
	conn.Release() // before learning a lost statement's outcome, which takes a connection
	switch {
	case lost:
		// Perhaps after the statement committed.
		committed, oerr := s.optimisticOutcome(ctx, show.ID, version, writer)
		switch {
		case oerr != nil:
			s.feed.changed(show.ID) // as in runShowTx
			return true, commitUnknown(tx.commitError(err), oerr)
		case !committed && retryable(err):
			return false, nil
		case !committed:
			return true, tx.commitError(err)
		}
	case err != nil:
		if retryable(err) {
			return false, nil // rolled back: nothing was written
		}
		return true, tx.commitError(err)
	case written == 0:
		return false, nil
	}
	tx.committed()
	return true, nil
}

// retry runs op until it succeeds, fails with an error other than a
// serialization failure or a deadlock, or has been retried maxRetries
// times, waiting a short random backoff between attempts.
func (s *Store) retry(ctx context.Context, op func() error) error {
	for attempt := 0; ; attempt++ {
		err := op()
		if err == nil || !retryable(err) {
			return err
		}
		if attempt >= s.maxRetries {
			return fmt.Errorf("pgstore: gave up after %d attempts: %w: %w", attempt+1, boxoffice.ErrConflict, err)
		}
		// Full jitter over an exponential ceiling: 1 ms, 2 ms, ... 64 ms.
		// A machine timer, not the Store's Clock: it spreads in real time
		// transactions that lost a race, contention back-off rather than
		// business time, and must not stall UpdateShow on a fake Clock.
		ceiling := time.Millisecond << min(attempt, 6)
		t := time.NewTimer(rand.N(ceiling) + time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// retryable reports a serialization failure or a deadlock: the transaction
// lost a race and may succeed if run again.
func retryable(err error) bool {
	if _, ok := err.(*fnError); ok {
		return false
	}
	switch pgCode(err) {
	case codeSerializationFailure, codeDeadlockDetected:
		return true
	}
	return false
}

// showTx is the boxoffice.ShowTx of UpdateShow and ViewShow: the show's
// inventory decoded on demand, the bookings read so far (lazily, cached for
// the transaction), and the changes to write at commit.
type showTx struct {
	ctx      context.Context
	conn     *pgxpool.Conn
	q        *queries
	shows    *showCache
	feed     *showFeed
	readOnly bool
	// optimistic: the state is the cached one, and there is no connection;
	// stale: fn asked for a booking the cache does not hold at version.
	optimistic, stale bool
	claim             *seatClaim // an optimistic SeatsOfUser's, for the commit to check

	show         boxoffice.Show
	version      int64  // of the show's inventory row, as read
	xid          uint64 // the transaction's ID, under the lock
	seats        inventory
	seatsChanged bool
	bookings     map[boxoffice.BookingID]*txBooking
	puts         []boxoffice.BookingID // bookings to write, in first-put order

	// cancelled is the show's cancelled state: as read, or set by
	// CancelShow (cancelNow), which the commit then writes.
	cancelled, cancelNow bool

	misuse error // the first misuse of the ShowTx
	dbErr  error // the first failed read: the transaction is aborted
}

// txBooking is a booking as this transaction knows it.
type txBooking struct {
	b      boxoffice.Booking
	exists bool // false: not found, and not put since
	put    bool
}

var (
	_ boxoffice.ShowTx          = (*showTx)(nil)
	_ boxoffice.UserSeatCounter = (*showTx)(nil)
)

// errStale is what an optimistic transaction's Booking returns for a
// booking it cannot vouch for; the transaction is then run again under the
// lock, whatever fn did with the error.
var errStale = errors.New("pgstore: booking not cached at this version")

// begin starts the transaction and reads (and, for an update, locks) the
// show's inventory row, in one round trip.
func (tx *showTx) begin(showID string) error {
	b := &pgx.Batch{}
	begin, read := tx.q.beginUpdate, tx.q.lockShow
	if tx.readOnly {
		begin, read = tx.q.beginView, tx.q.viewShow
	}
	b.Queue(begin)
	var seats []byte
	b.Queue(read, showID).QueryRow(func(row pgx.Row) error {
		var price int64
		sh := &tx.show
		dest := []any{&sh.ID, &sh.MovieID, &sh.HallID, &sh.TheaterID, &sh.Start, &sh.End, &price, &seats, &tx.version, &tx.cancelled}
		if !tx.readOnly {
			dest = append(dest, &tx.xid)
		}
		err := row.Scan(dest...)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("show %q", showID)
		}
		sh.BasePrice = boxoffice.Money(price)
		sh.Start, sh.End = sh.Start.UTC(), sh.End.UTC()
		return err
	})
	if err := tx.conn.SendBatch(tx.ctx, b).Close(); err != nil {
		return err
	}
	if err := checkInventory(showID, seats); err != nil {
		return err
	}
	tx.seats = inventory(seats)
	tx.shows.read(tx.show, tx.version, slices.Clone(seats), tx.cancelled)
	return nil
}

// changed reports whether the transaction has anything to write.
func (tx *showTx) changed() bool { return tx.seatsChanged || tx.cancelNow || len(tx.puts) > 0 }

// seatsArg is the inventory to write: NULL keeps the stored one.
func (tx *showTx) seatsArg() any {
	if tx.seatsChanged {
		return []byte(tx.seats)
	}
	return nil
}

// cancelledArg is the cancelled state to write: NULL keeps the stored
// one, as every transaction but the one that cancels the show does.
func (tx *showTx) cancelledArg() any {
	if tx.cancelNow {
		return true
	}
	return nil
}

// committed caches what the transaction wrote (the show is now at
// version+1), and has the feed tell the listeners of every Store on the
// schema. The transaction must not be used afterwards.
func (tx *showTx) committed() {
	tx.feed.changed(tx.show.ID)
	puts := make([]boxoffice.Booking, len(tx.puts))
	for k, id := range tx.puts {
		puts[k] = tx.bookings[id].b
	}
	tx.shows.committed(tx.show, tx.version, tx.seats, tx.cancelled, puts)
}

// commitError explains the error of a statement that wrote the changes.
func (tx *showTx) commitError(err error) error {
	if pgCode(err) == codeNotNullViolation { // see upsertBooking
		return invalid("ShowTx.PutBooking", "a booking put in show %q belongs to another show: %v", tx.show.ID, err)
	}
	return err
}

// commit writes the changes, if any, and commits, in one round trip: the
// inventory and the first booking put in one statement, any other booking
// in one statement each, then COMMIT.
func (tx *showTx) commit() error {
	if !tx.changed() {
		return tx.end(tx.q.commit)
	}
	seats, cancelled := tx.seatsArg(), tx.cancelledArg()
	b := &pgx.Batch{}
	for k, id := range tx.puts {
		args, err := bookingArgs(&tx.bookings[id].b)
		if err != nil {
			tx.rollback()
			return err
		}
		if k == 0 {
			b.Queue(tx.q.touchAndUpsert, append([]any{tx.show.ID, seats, cancelled}, args...)...)
		} else {
			b.Queue(tx.q.upsertBooking, args...)
		}
	}
	if len(tx.puts) == 0 {
		b.Queue(tx.q.touchShow, tx.show.ID, seats, cancelled)
	}
	b.Queue(tx.q.commit)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(tx.ctx), commitTimeout)
	defer cancel()
	if err := tx.conn.SendBatch(ctx, b).Close(); err != nil {
		if tx.conn.Conn().IsClosed() {
			// Perhaps after the server committed: settle learns the
			// outcome. (Had the server answered with an error, the
			// transaction would be rolled back, and the connection open.)
			return &lostCommit{err: tx.commitError(err), xid: tx.xid, committed: tx.committed}
		}
		tx.rollback()
		return tx.commitError(err)
	}
	tx.committed()
	return nil
}

// end sends commit or rollback.
func (tx *showTx) end(sql string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(tx.ctx), commitTimeout)
	defer cancel()
	_, err := tx.conn.Exec(ctx, sql)
	return err
}

// rollback ends a transaction that failed, if the connection is still in
// one. If it cannot, the connection is destroyed when released.
func (tx *showTx) rollback() { rollback(tx.ctx, tx.conn) }

// rollback ends the transaction a failed statement left the connection in,
// if any, on a context detached from ctx. If it cannot, the connection is
// destroyed when released.
func rollback(ctx context.Context, conn *pgxpool.Conn) {
	c := conn.Conn()
	if c.IsClosed() || c.PgConn().TxStatus() == 'I' {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	_, _ = c.Exec(rctx, "rollback")
}

func (tx *showTx) Show() boxoffice.Show { return tx.show }
func (tx *showTx) NumSeats() int        { return tx.seats.len() }

func (tx *showTx) Seat(i int) boxoffice.SeatSlot {
	if i < 0 || i >= tx.seats.len() {
		tx.misused(tx.outOfRange(i))
		return boxoffice.SeatSlot{}
	}
	return tx.seats.slot(i)
}

func (tx *showTx) SetSeat(i int, slot boxoffice.SeatSlot) {
	switch {
	case tx.readOnly:
		tx.misused(invalid("ShowTx", "SetSeat called inside ViewShow of show %q; use UpdateShow", tx.show.ID))
	case i < 0 || i >= tx.seats.len():
		tx.misused(tx.outOfRange(i))
	case tx.seats.setSlot(i, slot):
		tx.seatsChanged = true
	}
}

func (tx *showTx) outOfRange(i int) error {
	return invalid("seat", "position %d is outside show %q's %d seats", i, tx.show.ID, tx.seats.len())
}

// ShowCancelled reports the show's cancelled state, read with the
// inventory (or set by CancelShow in this transaction).
func (tx *showTx) ShowCancelled() bool { return tx.cancelled }

// CancelShow marks the show cancelled; the commit writes it.
func (tx *showTx) CancelShow() {
	switch {
	case tx.readOnly:
		tx.misused(invalid("ShowTx", "CancelShow called inside ViewShow of show %q; use UpdateShow", tx.show.ID))
	case !tx.cancelled:
		tx.cancelled, tx.cancelNow = true, true
	}
}

// Booking returns a booking of the show: from this transaction's cache, or
// read once from the bookings table. A failed read aborts the transaction:
// UpdateShow then returns the error (or retries) whatever fn returns.
func (tx *showTx) Booking(id boxoffice.BookingID) (boxoffice.Booking, error) {
	if tb, ok := tx.bookings[id]; ok {
		if !tb.exists {
			return boxoffice.Booking{}, notFound("booking %s of show %q", id, tx.show.ID)
		}
		return tb.b, nil
	}
	if b, ok := tx.shows.booking(tx.show.ID, tx.version, id); ok {
		tx.remember(id, &txBooking{b: b, exists: true})
		return b, nil
	}
	if tx.optimistic {
		tx.stale = true
		return boxoffice.Booking{}, errStale
	}
	if tx.dbErr != nil {
		return boxoffice.Booking{}, tx.dbErr
	}
	b, err := scanBooking(tx.conn.QueryRow(tx.ctx, tx.q.bookingOfShow, [16]byte(id), tx.show.ID))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		tx.remember(id, &txBooking{})
		return boxoffice.Booking{}, notFound("booking %s of show %q", id, tx.show.ID)
	case err != nil:
		// Marked here, not only when UpdateShow returns: fn returns it,
		// and fn's error is returned unchanged.
		tx.dbErr = markUnavailable(tx.ctx, err)
		return boxoffice.Booking{}, tx.dbErr
	}
	tx.remember(id, &txBooking{b: b, exists: true})
	tx.shows.addBooking(b, tx.version)
	return b, nil
}

// SeatsOfUser implements boxoffice.UserSeatCounter: one statement reads
// the user's open bookings of the show (held, paying or confirmed: a few,
// off an index, whatever the show's history), and the bookings this
// transaction put replace their rows. Under UpdateShow's lock on the
// show's row no other transaction can change them, so the count is exact
// across every process sharing the schema; the cache keeps the list, at
// the show's version, for optimistic transactions.
//
// An optimistic transaction counts the stored rows from the cache
// instead: the user's list if the cache has it, else the user's cached
// bookings, a guess either way. It records the guess as a seatClaim, which
// its commit statement checks against the rows (see optimisticCommit):
// a wrong guess writes nothing, and the transaction runs again under the
// lock. An optimistic transaction that counts and then writes nothing, or
// fails, runs again under the lock too: only a commit checks the claim.
func (tx *showTx) SeatsOfUser(userID string, now time.Time) (int, error) {
	switch {
	case tx.optimistic && tx.claim != nil: // one claim a statement
		tx.stale = true
		return 0, errStale
	case tx.optimistic:
		c := &seatClaim{user: userID, now: now}
		for _, id := range tx.puts {
			c.excluded = append(c.excluded, [16]byte(id))
		}
		for _, r := range tx.shows.openOf(tx.show.ID, tx.version, userID) {
			if tb := tx.bookings[r.id]; tb != nil && tb.put {
				continue // counted below, as put
			}
			if r.status != boxoffice.StatusHeld || now.Before(r.heldUntil) {
				c.seats += r.seats
			}
		}
		tx.claim = c
		return c.seats + tx.putSeatsOf(userID, now), nil
	case tx.dbErr != nil:
		return 0, tx.dbErr
	}
	n := 0
	var list []openRef
	rows, err := tx.conn.Query(tx.ctx, tx.q.openOfUser, tx.show.ID, userID)
	if err == nil {
		var (
			id     [16]byte
			status string
			held   *time.Time
			seats  int
		)
		_, err = pgx.ForEachRow(rows, []any{&id, &status, &held, &seats}, func() error {
			st, err := boxoffice.ParseBookingStatus(status)
			if err != nil {
				return err
			}
			r := openRef{id: boxoffice.BookingID(id), status: st, seats: seats}
			if held != nil {
				r.heldUntil = *held
			}
			list = append(list, r)
			if tb := tx.bookings[r.id]; tb != nil && tb.put {
				return nil // counted below, as put
			}
			if st != boxoffice.StatusHeld || held != nil && now.Before(*held) {
				n += seats
			}
			return nil
		})
	}
	if err != nil {
		tx.dbErr = markUnavailable(tx.ctx, err)
		return 0, tx.dbErr
	}
	// The rows as of the version read: this transaction's puts are not
	// written yet.
	tx.shows.setOpen(tx.show.ID, tx.version, userID, list)
	return n + tx.putSeatsOf(userID, now), nil
}

// seatClaim is what an optimistic transaction's SeatsOfUser took for the
// user's seats in the stored rows (other than the bookings the
// transaction had put by then, excluded): its commit statement writes
// only if the rows, as of the version it writes from, hold exactly that.
type seatClaim struct {
	user     string
	now      time.Time
	excluded [][16]byte
	seats    int
}

// args are the claim's parameters of the commit statement, after the
// bookings'.
func (c *seatClaim) args() []any {
	excluded := c.excluded
	if excluded == nil {
		excluded = [][16]byte{} // an empty array, not NULL: <> ALL of NULL is NULL
	}
	return []any{c.user, c.now, excluded, int64(c.seats)}
}

// putSeatsOf counts the seats of the bookings this transaction put for
// user that count against the cap at now.
func (tx *showTx) putSeatsOf(userID string, now time.Time) int {
	n := 0
	for _, id := range tx.puts {
		b := &tx.bookings[id].b
		if b.UserID != userID {
			continue
		}
		switch b.Status {
		case boxoffice.StatusHeld:
			if now.Before(b.HeldUntil) {
				n += len(b.Seats)
			}
		case boxoffice.StatusPaying, boxoffice.StatusConfirmed:
			n += len(b.Seats)
		}
	}
	return n
}

func (tx *showTx) remember(id boxoffice.BookingID, tb *txBooking) {
	if tx.bookings == nil {
		tx.bookings = make(map[boxoffice.BookingID]*txBooking, 2)
	}
	tx.bookings[id] = tb
}

// PutBooking records b, with a copy of its Seats, to be written at commit.
func (tx *showTx) PutBooking(b boxoffice.Booking) {
	switch {
	case tx.readOnly:
		tx.misused(invalid("ShowTx", "PutBooking called inside ViewShow of show %q; use UpdateShow", tx.show.ID))
		return
	case b.ShowID != tx.show.ID:
		tx.misused(invalid("Booking.ShowID", "booking %s of show %q put in show %q", b.ID, b.ShowID, tx.show.ID))
		return
	}
	if err := checkBooking(&b); err != nil {
		tx.misused(err)
		return
	}
	b.Seats = slices.Clone(b.Seats)
	normalizeTimes(&b) // as the bookings table will hold them
	cleanText(&b)      // likewise
	tb := tx.bookings[b.ID]
	if tb == nil {
		tb = &txBooking{}
		tx.remember(b.ID, tb)
	}
	if !tb.put {
		tb.put = true
		tx.puts = append(tx.puts, b.ID)
	}
	tb.b, tb.exists = b, true
}

func (tx *showTx) misused(err error) {
	if tx.misuse == nil {
		tx.misuse = err
	}
}
