package boxoffice

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"
)

// Store persists the catalog and, per show, the seat slots and bookings.
// It is the only thing that crosses process boundaries: several
// BookingSystems sharing one Store (one PostgreSQL database, say) agree
// because every change to a show happens inside one per-show transaction of
// the Store.
//
// A Store persists; it does not decide. Every rule (is this seat free now,
// may this booking move to that state, does this show overlap another) is
// decided by the core inside the callbacks given to [Store.UpdateShow] and
// [Store.AddShow].
//
// All methods are safe for concurrent use and return an error for a
// cancelled ctx. Methods return errors matching [ErrNotFound] (also for an
// unknown parent: the theater of [Store.AddHall], the hall or movie of AddShow,
// [Store.ShowsOfMovie], [Store.ShowsOfHall], [Store.HallsOfTheater]) and
// [ErrAlreadyExists] where those apply; an error of a Store that could not
// reach its data (a database down, a connection lost) should match
// [ErrStoreUnavailable], so that a caller can tell a fault to retry from a
// failing request; other errors are the backend's own, wrapped or not. The
// storetest package holds the conformance suite every Store must pass.
//
// A Store returns every time exactly as it was given it (== to it): a
// show's Start and End, a booking's CreatedAt, HeldUntil, UpdatedAt,
// [Payment.PaidAt], [Payment.LiveUntil] and [Refund.RefundedAt], a seat's
// HeldUntil. The
// [BookingSystem] gives it only such times in UTC, cut down to the
// microsecond and without a monotonic clock reading (the times it passes
// to the capabilities' queries, such as ExpiredHolds' now, are [Clock]
// readings as they are), so a Store must keep times to the
// microsecond but need not keep anything finer, nor a time zone: it must
// give them back in UTC ([time.Time.UTC]), not in the zone a database driver
// reads them in ([time.Local], say). What a call of the BookingSystem returns
// is then what a later read returns, on every Store alike.
//
// A Store may also have optional capabilities ([ExpiredHoldLister],
// [UnsettledBookingLister], [ShowChangeListener], [UserLimitStore]), which a
// Store shared by several processes needs, and [MovieSearcher] and
// [CityMovieLister], which spare SearchMovies a read of the whole catalog
// and of every hall of a city, and [CityShowLister], which spares
// ShowsOfMovie with a [ShowPage.City] a read of the movie's shows in every
// other city. A Store that wraps another (to
// trace or meter its calls, say) should have a method
//
//	Unwrap() boxoffice.Store
//
// returning the Store it wraps: a capability that the wrapper does not have
// itself is then looked for along the Unwrap chain ([StoreCapability]) and
// called on the Store that has it, bypassing the wrappers, as
// http.ResponseController does for a ResponseWriter; [New] validates every
// Store of the chain. A wrapper with neither the capabilities nor Unwrap
// hides them, and with them the sweeping of other processes' lapsed holds,
// the recovery of their unsettled payments, their changes in Watch and the
// per-user limits counted across processes.
type Store interface {
	// AddMovie stores a new movie; ErrAlreadyExists if its ID is taken.
	AddMovie(ctx context.Context, m Movie) error
	// Movie returns the movie with the given ID.
	Movie(ctx context.Context, id string) (Movie, error)
	// Movies yields every movie, in no particular order. Stop early by
	// breaking out of the loop; the loop body may call the Store.
	Movies(ctx context.Context) iter.Seq2[Movie, error]

	// AddTheater stores a new theater; ErrAlreadyExists if its ID is taken.
	AddTheater(ctx context.Context, t Theater) error
	// Theater returns the theater with the given ID.
	Theater(ctx context.Context, id string) (Theater, error)
	// Theaters yields every theater, in no particular order.
	Theaters(ctx context.Context) iter.Seq2[Theater, error]

	// AddHall stores a new hall; ErrAlreadyExists if its ID is taken.
	AddHall(ctx context.Context, h Hall) error
	// Hall returns the hall with the given ID.
	Hall(ctx context.Context, id string) (Hall, error)
	// HallsOfTheater returns the halls of a theater, ordered by ID.
	HallsOfTheater(ctx context.Context, theaterID string) ([]Hall, error)

	// AddShow stores a new show, with every seat of layout available, if
	// check returns nil. Inside one transaction on the show's hall, it
	// calls check with the hall's shows whose [Start, End) overlaps window;
	// a non-nil error from check is returned unchanged and nothing is
	// stored. ErrAlreadyExists if the show's ID is taken.
	AddShow(ctx context.Context, s Show, layout *Layout, window Interval, check func(overlapping []Show) error) error
	// Show returns the show with the given ID.
	Show(ctx context.Context, id string) (Show, error)
	// ShowsOfMovie returns up to limit (> 0) of the movie's shows that
	// come strictly after the cursor, in the order of (Start, ID): Start
	// compared as instants, ties broken by the IDs' bytes. The zero
	// cursor starts from the movie's first show. None (and no error) past
	// the end; ErrNotFound for an unknown movie. The cursor need not name
	// a stored show (the BookingSystem starts its pages at the clock's
	// now, to skip the shows that have started), and a Store that stores
	// times at a coarser precision compares the cursor's Start as it
	// would store it. Each call should cost about limit reads, however
	// many shows the movie had: a movie that has run for a year has
	// thousands of shows behind the cursor. An index on (movie, Start,
	// ID) serves it.
	ShowsOfMovie(ctx context.Context, movieID string, after ShowCursor, limit int) ([]Show, error)
	// ShowsOfHall returns the shows of a hall whose [Start, End) overlaps
	// window, ordered by start time.
	ShowsOfHall(ctx context.Context, hallID string, window Interval) ([]Show, error)

	// UpdateShow runs fn inside one serializable transaction on the show's
	// seats and bookings. If fn returns nil, every change it made through
	// the ShowTx is committed at once; if fn returns an error, nothing is,
	// and the error is returned unchanged. If fn panics, nothing is
	// committed either: the Store ends the transaction (releasing what it
	// holds, so the show stays usable) and the panic continues to
	// UpdateShow's caller with fn's value. A Store that detects a conflict
	// with another process may run fn again on fresh state, so fn must
	// have no effect outside the ShowTx. The ShowTx is valid only while fn
	// runs, and fn must not call the Store for the same show. ErrNotFound
	// if there is no such show. An error means that nothing was committed,
	// except one matching ErrCommitUnknown (its connection to a database
	// lost during the commit, and the outcome not learned since): the
	// BookingSystem returns that to its caller like any other error, and
	// publishes no event of the transaction.
	UpdateShow(ctx context.Context, showID string, fn func(tx ShowTx) error) error
	// ViewShow runs fn on a consistent read-only snapshot of the show's
	// seats and bookings: every read of one call sees the same committed
	// state, never a change another transaction makes meanwhile, nor one
	// not yet committed. Calling a ShowTx setter inside ViewShow is a
	// programming error: the Store must not persist the change, whatever
	// fn returns, and may return an error for it.
	ViewShow(ctx context.Context, showID string, fn func(tx ShowTx) error) error

	// Booking returns the booking with the given ID.
	Booking(ctx context.Context, id BookingID) (Booking, error)
	// BookingsOfUser returns up to limit (> 0) of the user's bookings
	// that come strictly after the cursor, in the order of
	// (CreatedAt, ID): CreatedAt compared as instants (not by time zone or
	// monotonic reading), ties broken by the IDs' bytes; NewestFirst
	// reverses that order, so that "after" the cursor is then before it in
	// (CreatedAt, ID). The zero cursor starts from the user's first
	// booking in the order asked: the oldest, or the newest. None (and no error) for an
	// unknown user, or past the end. The cursor need not name a stored
	// booking; the BookingSystem makes it from the last booking of the
	// previous page, as read by Booking, so a Store that stores times at a
	// coarser precision compares the cursor's CreatedAt as it would store
	// it. Each call should cost about limit reads, however many bookings
	// the user has: an index on (user, CreatedAt, ID) serves it, read
	// forward or backward.
	BookingsOfUser(ctx context.Context, userID string, after BookingCursor, limit int, order Order) ([]Booking, error)
}

// ShowTx is one show's state inside a [Store] transaction. [ShowTx.Seat]
// positions are those of the show's hall [Layout].
type ShowTx interface {
	// Show returns the show the transaction is on.
	Show() Show
	// NumSeats returns the number of seats of the show.
	NumSeats() int
	// Seat returns the slot of the seat at position i. A position
	// outside [0, NumSeats) is asked for only of a show stored with fewer
	// seats than its hall's Layout (stored data the BookingSystem did not
	// write); the Store must not panic then, but return the zero
	// SeatSlot and fail the transaction (UpdateShow's, or ViewShow's)
	// with an error matching ErrInvalidArgument, as the in-memory Store
	// and pgstore do: the BookingSystem returns that error to its caller.
	Seat(i int) SeatSlot
	// SetSeat replaces the slot of the seat at position i; a position
	// outside [0, NumSeats) fails the transaction as Seat's does.
	SetSeat(i int, s SeatSlot)
	// Booking returns a booking of this show; ErrNotFound if there is none.
	// Its Seats may be shared with the Store: replace the slice, never
	// modify its elements.
	Booking(id BookingID) (Booking, error)
	// PutBooking inserts or replaces a booking of this show.
	PutBooking(b Booking)
	// ShowCancelled reports whether the show is cancelled (see
	// BookingSystem.CancelShow), as of this transaction: committed by an
	// earlier one, or set by CancelShow in this one.
	ShowCancelled() bool
	// CancelShow marks the show cancelled. Like SetSeat it is part of the
	// transaction: committed with it, rolled back with it (on an error or
	// a panic of fn), seen by later transactions and by ViewShow, and by
	// no other show. There is no way back: a cancelled show stays
	// cancelled. Calling it inside ViewShow is the same programming error
	// as calling SetSeat there.
	CancelShow()
}

// UserSeatCounter is an optional capability of a [ShowTx] (of UpdateShow's,
// and of ViewShow's if the [Store] likes): it counts one user's seats of the
// show, so that [Config.MaxSeatsPerShow] costs a hold one query, not a read
// of every booking that owns a seat. Without it the [BookingSystem] counts
// through the ShowTx: every seat, and every booking that owns one (on a
// database, a query each), so a wrapper that wraps the ShowTx should
// pass the method on.
type UserSeatCounter interface {
	// SeatsOfUser returns the number of seats (len(Booking.Seats)) of
	// the user's bookings of this show that, in this transaction (its own
	// writes included), are in state held with a HeldUntil after now, or
	// in state paying or confirmed, whatever their HeldUntil. A hold
	// whose deadline is at or before now does not count, though it is
	// still held until it is swept: its seats are free (SeatSlot.StatusAt).
	// Its cost must not grow with the bookings the show had that ended
	// (released, expired, failed, cancelled), which pile up. An error is
	// the Store's: the transaction then fails as a failed Booking read
	// does.
	SeatsOfUser(userID string, now time.Time) (int, error)
}

// maxUnwrap bounds the Unwrap chain followed, so that a wrapper that
// unwraps to itself, or a cycle of them, cannot hang New.
const maxUnwrap = 64

// storeChain yields s and the Stores it wraps, along the Unwrap chain (see
// Store), up to maxUnwrap of them; a typed nil is yielded, and ends it.
func storeChain(s Store) iter.Seq[Store] {
	return func(yield func(Store) bool) {
		for range maxUnwrap {
			if s == nil || !yield(s) || isNil(s) {
				return
			}
			w, ok := s.(interface{ Unwrap() Store })
			if !ok {
				return
			}
			s = w.Unwrap()
		}
	}
}

// StoreCapability returns the capability C of s (an optional interface
// such as [ExpiredHoldLister], or a concrete type): s itself if it has it,
// else the first [Store] along the Unwrap chain that has it (see Store), as
// [errors.As] finds an error. It is how the [BookingSystem] finds a Store's
// capabilities; a wrapper's own conformance tests (storetest) and callers
// that need a method of the Store under a wrapper (pgstore.Store.Flush,
// say) find them the same way. A nil Store in the chain has none.
func StoreCapability[C any](s Store) (C, bool) {
	for layer := range storeChain(s) {
		if c, ok := layer.(C); ok && !isNil(layer) {
			return c, true
		}
	}
	var none C
	return none, false
}

// HoldRef names one hold for the sweeper.
type HoldRef struct {
	ShowID    string
	Booking   BookingID
	HeldUntil time.Time
}

// MovieSearcher is an optional [Store] capability: a Store that narrows a
// movie search itself, so that SearchMovies reads what a page needs
// rather than the whole catalog. The [BookingSystem] still judges each movie
// yielded by SearchMovies' rules, so a Store may yield movies that do not
// match, but must yield every one that does.
type MovieSearcher interface {
	// MoviesMatching yields the movies that come strictly after the
	// cursor in the order of (Title, ID), both compared byte by byte —
	// from the first if the cursor is the zero Movie — in that order,
	// among them every movie that matches q.Title, q.Genre and q.Language
	// as SearchMovies matches them (Unicode simple case folding). q.Limit
	// is how many matches the caller wants (it stops after that many), so
	// a Store may read that many at a time; q.City and q.After are to be
	// ignored. Stop early by breaking out of the loop; the loop body may
	// call the Store.
	MoviesMatching(ctx context.Context, q MovieQuery, after Movie) iter.Seq2[Movie, error]
}

// CityMovieLister is an optional [Store] capability: a Store that finds the
// movies playing in a city itself, so that a SearchMovies with
// [MovieQuery.City] reads one answer rather than every hall of the city's
// theaters, each hall's coming shows and the cancelled state of some of
// them (on pgstore, a round trip each). The [BookingSystem] takes the answer
// as it is, for checking it would take the reads it spares: a Store must
// list every such movie, and no other.
type CityMovieLister interface {
	// MoviesShowingIn returns the IDs of the movies, in any order, that
	// have a show that starts strictly after the instant after, is not
	// cancelled (ShowTx.ShowCancelled), and is in a hall of a theater
	// whose City equals city under Unicode simple case folding
	// (strings.EqualFold: not lower case, nor full case folding, so "ß"
	// is not "SS"). A show is in the theater of its hall
	// (Hall.TheaterID). after is the Clock's now as it is, finer than a
	// microsecond perhaps: since the BookingSystem gives shows starts cut
	// to the microsecond, a Store that keeps times to the microsecond may
	// compare them with after cut down to it. A movie may be listed more
	// than once.
	MoviesShowingIn(ctx context.Context, city string, after time.Time) ([]string, error)
}

// CityShowLister is an optional [Store] capability: a Store that pages a
// movie's shows in one city itself, so that a ShowsOfMovie with
// [ShowPage.City] reads one answer a page rather than the movie's shows of
// every city from the cursor, a Store page at a time, and each of their
// theaters (on pgstore, a round trip each; every show to come of the
// movie for a city with few of them). The [BookingSystem] takes the answer
// as it is, as for [CityMovieLister]: a Store must list every such show,
// and no other.
type CityShowLister interface {
	// ShowsOfMovieInCity is Store.ShowsOfMovie (same cursor, order,
	// precision, limit, and ErrNotFound for an unknown movie) keeping
	// only the shows in a hall of a theater whose City equals city under
	// Unicode simple case folding (strings.EqualFold, as MoviesShowingIn):
	// up to limit of them, the first after the cursor. A show is in the
	// theater of its hall (Hall.TheaterID), which is the Show.TheaterID
	// ScheduleShow gives it. Cancelled shows are listed like the others.
	// Each call should cost about limit reads, plus one per hall of the
	// city, however many shows the movie has in other cities.
	ShowsOfMovieInCity(ctx context.Context, movieID, city string, after ShowCursor, limit int) ([]Show, error)
}

// ExpiredHoldLister is an optional [Store] capability: a Store shared by
// several processes implements it so that each process's sweeper also
// expires holds made elsewhere, or before a restart. The [BookingSystem]'s
// sweeper asks for it at start and then every [Config.RescanInterval].
type ExpiredHoldLister interface {
	// ExpiredHolds returns up to limit bookings in state held whose
	// HeldUntil is at or before now, those that expired first first, so
	// that with more than limit the oldest are not kept waiting by newer
	// ones.
	ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]HoldRef, error)
}

// ShowChangeListener is an optional [Store] capability: a Store shared by
// several processes implements it so that Watch also streams the seat
// changes that other processes commit. The [BookingSystem] listens from the
// first Watch until Close; on each report about a show that has open
// streams, it reads the show again and sends the streams the seats whose
// status changed since it last looked.
type ShowChangeListener interface {
	// ListenShowChanges starts listening and returns once it listens:
	// from then on, until ctx is done, every UpdateShow that commits a
	// change to a show, in any process sharing the Store (this one too),
	// is followed by a call changed(showID). The calls come from a
	// goroutine of the Store's, one at a time. A call may stand for
	// several commits of the show, and a show may be reported that did
	// not change. The call comes after the commit, so it is lost if the
	// committing process dies in between; a Store covers such losses by
	// calling changed with the empty ID, which stands for every show,
	// now and then, and whenever changes may have been missed (the
	// connection that listens was lost and made again). An error means
	// the Store is not listening and will not call changed.
	ListenShowChanges(ctx context.Context, changed func(showID string)) error
}

// UserLimitStore is an optional [Store] capability: a Store shared by
// several processes implements it so that the per-user limits against
// ticket hoarding ([Config.HoldsPerMinute], [Config.MaxLiveHoldsPerUser])
// count a user's holds in all of them together. Without it each
// [BookingSystem] counts its own, and N processes let a user have N times
// as much.
//
// The Store keeps, per user, a bucket of hold tokens and the live holds it
// admitted, each until its deadline. It decides each admission atomically
// per user: concurrent requests of one user, from any process, never get
// past a limit together. The BookingSystem passes the limits and the
// times with each call (from its [Config] and its [Clock]), so the Store
// needs no configuration and reads no clock. The BookingSystem counts a
// hold a second past its deadline, for the moment between its admission
// and its transaction, which fixes the deadline (and the same second past
// an extended one). A call that fails changes nothing the BookingSystem
// relies on for seats; a hold it could not end counts until the time it
// was counted until (its deadline and the second), and one whose
// extension it could not report, or reported more than a second after the
// old deadline, only until then.
type UserLimitStore interface {
	// AdmitHold counts one hold request. If a.LiveUntil is set,
	// a.MaxLiveHolds > 0 and the user has that many live holds at a.Now,
	// it returns a *RateLimitError with Limit LimitLiveHolds and
	// RetryAfter until the first of them ends, and takes no token. Else,
	// if a.HoldsPerMinute > 0 and the user's bucket has no token at a.Now,
	// it returns a *RateLimitError with Limit LimitHoldsPerMinute and
	// RetryAfter until the next token. Else it takes a token (if there is
	// a rate) and, if a.LiveUntil is set, counts a.Hold as live until
	// then. An error matching ErrStoreUnavailable (and not
	// ErrCommitUnknown) must mean, as for every Store call, that it
	// counted nothing: the BookingSystem does not undo such an admission
	// (an outage would cost one more failing call per request), so one
	// counted all the same counts until a.LiveUntil. Any other error means
	// it may or may not have counted the request, and the BookingSystem
	// ends the count with SetLiveHold.
	AdmitHold(ctx context.Context, a HoldAdmission) error
	// SetLiveHold moves the deadline of the user's live hold to until, if
	// that is later than the deadline it counts, or stops counting the
	// hold if until is zero. A hold's deadline only moves forward, but the
	// calls telling of it may arrive out of order (from two processes, or
	// a repeated ExtendHold's after a later extension's): an earlier until
	// changes nothing. A hold that is not counted (never admitted, or
	// ended) stays so: an extension that comes after the hold's end must
	// not count it again. (A hold whose deadline passed may be moved while
	// the Store still keeps it, until it drops it: the call says no time.)
	SetLiveHold(ctx context.Context, userID string, hold BookingID, until time.Time) error
	// ForgetIdleUsers drops what it keeps of users with no live hold and
	// a full bucket at now, so that it does not grow with every user who
	// ever held a seat. A user it drops starts afresh, as they would have
	// anyway.
	ForgetIdleUsers(ctx context.Context, now time.Time) error
}

// HoldAdmission is one hold request, as [UserLimitStore.AdmitHold] counts it.
type HoldAdmission struct {
	UserID string
	// Hold is the ID the hold will have if it is made; for a request
	// that only takes a token, the ID of the live hold it repeats.
	Hold BookingID
	Now  time.Time
	// HoldsPerMinute is the user's rate of hold requests, with bursts of
	// as many (Config.HoldsPerMinute); ≤ 0: no rate limit.
	HoldsPerMinute int
	// MaxLiveHolds caps the user's live holds
	// (Config.MaxLiveHoldsPerUser); ≤ 0: no cap.
	MaxLiveHolds int
	// LiveUntil is when the hold stops counting, if it is to count as
	// live: its deadline as reckoned at admission plus a second, for the
	// hold's transaction, which fixes the deadline, to come; zero for a
	// request that only takes a token (one that repeats a live hold).
	LiveUntil time.Time
}

// BookingRef names one booking and its show, with when it last changed.
type BookingRef struct {
	ShowID    string
	Booking   BookingID
	UpdatedAt time.Time // the booking's UpdatedAt
}

// BookingCursor is a position in a list of bookings ordered by a time
// (CreatedAt for [Store.BookingsOfUser], UpdatedAt for
// [UnsettledBookingLister.OwingBookings]) and then by [BookingCursor.ID]: a
// page goes on with the bookings strictly after ([BookingCursor.At], ID) in
// that order. The zero BookingCursor is before the first booking.
type BookingCursor struct {
	At time.Time
	ID BookingID
}

// Order is the direction of a page of bookings by CreatedAt and then ID.
// The zero Order is [OldestFirst].
type Order uint8

const (
	// OldestFirst lists bookings from the earliest created on.
	OldestFirst Order = iota
	// NewestFirst lists bookings from the latest created on: a customer's
	// booking history, where the latest matters most.
	NewestFirst
)

// String returns "oldest first" or "newest first".
func (o Order) String() string {
	switch o {
	case OldestFirst:
		return "oldest first"
	case NewestFirst:
		return "newest first"
	}
	return fmt.Sprintf("Order(%d)", uint8(o))
}

// IsZero reports whether c is the zero cursor, before the first booking.
func (c BookingCursor) IsZero() bool {
	return c.At.IsZero() && c.ID.IsZero()
}

// ShowCursor is a position in a movie's shows ordered by [ShowCursor.Start],
// then [ShowCursor.ID] (see [Store.ShowsOfMovie]): a page goes on with the
// shows strictly after (Start, ID) in that order. The zero ShowCursor is
// before the first show.
type ShowCursor struct {
	Start time.Time
	ID    string
}

// IsZero reports whether c is the zero cursor, before the first show.
func (c ShowCursor) IsZero() bool {
	return c.Start.IsZero() && c.ID == ""
}

// compare orders cursors as Store.ShowsOfMovie orders shows.
func (c ShowCursor) compare(d ShowCursor) int {
	if n := c.Start.Compare(d.Start); n != 0 {
		return n
	}
	return strings.Compare(c.ID, d.ID)
}

// UnsettledBookingLister is an optional [Store] capability: a Store that
// outlives the process (or is shared by several) implements it so that
// every booking a call left unsettled is settled even when the process
// that left it is gone, with nobody calling again. Two kinds of booking
// are unsettled:
//
//   - [Money] owed back, while [Booking.RefundOwed] is positive: a
//     cancellation whose refund the gateway has not paid yet, or a failed
//     booking whose charge is still to be voided.
//   - A payment abandoned in state paying: the ConfirmBooking that started
//     it died (or failed to record its outcome) after marking the booking
//     paying, so the customer may have been charged while the seats' hold
//     lapses. The [BookingSystem] takes a payment as abandoned once it has
//     been paying for longer than any live ConfirmBooking can take: past
//     [Payment.LiveUntil], which the process that started the payment, or
//     last resumed it, computed from its own [Config.PaymentAttempts],
//     PaymentTimeout and PaymentBackoff plus five minutes, counted from
//     then, and stored with the booking. It then resumes the payment as
//     ConfirmBooking would, by the same idempotency key. Every process
//     judges by the stored bound, so processes sharing the Store need not
//     use the same settings. A booking that started paying under a
//     version that did not record LiveUntil (zero) is judged by the
//     [Config] of the process that looks, counted from [Booking.UpdatedAt].
//
// The process that fails to settle retries on its own, with backoff, in
// its background sweeper; the sweeper of every process also asks the
// Store at start and every [Config.RescanInterval], and queues what it
// finds (the gateway pays and charges once per idempotency key, and a
// booking's outcome is recorded in its show's transaction, so processes
// settling the same booking at once settle it once).
//
// The in-memory Store does not implement it: its bookings die with the
// process, whose own retry queue already knows every booking it left
// unsettled.
type UnsettledBookingLister interface {
	// OwingBookings returns up to limit bookings owing money back — in
	// state cancelled with a pending refund (Refund.Amount > 0, zero
	// RefundedAt), or in state failed with Payment.Amount above
	// Refund.Amount — ordered by UpdatedAt, then ID, starting after the
	// cursor (At is an UpdatedAt). The sweeper pages through them, one
	// page a rescan, and starts again from the zero cursor after a page
	// shorter than limit: a refund the gateway keeps refusing stays owed
	// with its UpdatedAt unchanged, and without paging, enough of them
	// would hide every booking owing money after them from every rescan.
	OwingBookings(ctx context.Context, after BookingCursor, limit int) ([]BookingRef, error)
	// AbandonedPayments returns up to limit bookings in state paying
	// whose payment is abandoned at now: those whose Payment.LiveUntil is
	// before now, and those without one (zero: stored by a version that
	// did not record it) whose UpdatedAt (set when the booking moved to
	// paying, or its payment was resumed) is before payingBefore; the
	// longest paying (by UpdatedAt, then ID) first. A payment leaves the
	// list once it is resumed (which moves LiveUntil past the resume) or
	// settled, so the first page is the one to ask for.
	AbandonedPayments(ctx context.Context, now, payingBefore time.Time, limit int) ([]BookingRef, error)
}
