// Package boxoffice is an embeddable cinema seat-booking engine for Go
// services.
//
// It keeps a catalog of movies, theaters, halls and shows; makes
// all-or-nothing seat holds that expire; prices them; takes payment with
// retries and idempotency; cancels with refunds; and reports what happened
// as typed events and live seat updates. Its one promise above all others:
// no seat is ever sold twice, under any load, with any [Store], across any
// number of processes.
//
// # Getting started
//
// A [BookingSystem] is made by [New] from a [Config] whose zero fields take
// defaults, so a zero Config is a working system:
//
//	sys, err := boxoffice.New(boxoffice.Config{})
//	...
//	defer sys.Close(ctx) // stops the sweeper, delivers queued events
//	b, err := sys.HoldSeats(ctx, "alice", showID, []string{"A1", "A2"})
//	b, err = sys.ConfirmBooking(ctx, b.ID, "card:tok_visa")
//	b, err = sys.CancelBooking(ctx, b.ID)
//
// The defaults are an in-memory Store, the system clock, regular pricing,
// an in-memory payment gateway that approves everything (with the
// in-memory Store only: another Store needs [Config.Gateway] set), 10-minute
// holds, and limits against bots: 3 hold requests a minute, 5 live holds
// and 10 seats a hold per user, so a test or a load generator that holds
// often for one user sets [Config.HoldsPerMinute].
//
// The package's example is a customer's path through a service, from a
// show in a city to a cancellation; the others take one step each, shown
// with the call they illustrate ([BookingSystem.ScheduleShow] builds the
// catalog), and the package's httpStatus example maps every error a
// client can get to an HTTP status.
//
// IDs of the catalog (movies, theaters, halls, shows) are strings, which
// the caller may choose; a booking's is a [BookingID], which the
// BookingSystem makes. Seat IDs are a row label and a number ("A1"),
// compared exactly.
//
// # Holds and expiry
//
// A hold ([BookingSystem.HoldSeats]) is all or nothing and lasts
// [Config.HoldTTL], but never past the show's start, after which no seat
// of the show is held. A held seat is free again the instant its deadline
// passes, judged with the Clock inside the show's transaction (lazy
// expiry); a sweeper also expires lapsed holds so that observers, watchers
// and queries see it, popping deadlines off a queue in deadline order
// rather than scanning seats. Per-user limits (holds per minute, live
// holds, seats per hold, hold extensions) keep bots from hoarding seats; a
// Store shared by several processes may count the first two for all of
// them together ([UserLimitStore]). They bound live holds only:
// [Config.MaxSeatsPerShow] (off by default) caps the seats a user may have
// at one show, held, being paid for and sold together, counted inside the
// show's transaction, so exactly across processes.
//
// # Bookings
//
// A booking moves through these states:
//
//	held → paying → confirmed → cancelled | completed
//	held → expired | released
//	paying → failed
//
// Every move is checked in one place, and an illegal one is a
// [*TransitionError] that changes nothing. Payment
// ([BookingSystem.ConfirmBooking]) never runs inside a show's lock: the
// booking is marked paying, charged through the [PaymentGateway] with an
// idempotency key derived from its ID (transient failures retried with
// exponential backoff), then confirmed in a new transaction if its seats
// are still its own — otherwise the charge is refunded. A hold that
// expires while its payment is in flight thus ends with one owner per seat
// and no money kept without a ticket. Money owed back that the gateway
// fails to pay — a cancellation's refund, a failed payment's void
// ([Booking.RefundOwed]) — is retried by the sweeper with growing backoff
// until it is paid, by any process when the Store implements
// [UnsettledBookingLister]. A payment left paying — its process died
// between the charge and the transaction that records it, or that
// transaction failed — is resumed by the sweeper once no live call can
// still be finishing it (a time the process that started it recorded with
// the booking, so processes need not share payment settings), by the same
// idempotency key.
//
// A cinema cancels a whole show with [BookingSystem.CancelShow], before
// its start: in one show transaction its holds end, its confirmed bookings
// are cancelled with a full refund, and its payments in flight lose their
// seats (and void their charges); later holds fail with [ErrShowCancelled]
// in every process sharing the Store.
//
// Lists come a page at a time, cut by a cursor rather than an offset:
// [BookingSystem.BookingsOfUser] (oldest or newest first),
// [BookingSystem.SearchMovies] and [BookingSystem.ShowsOfMovie].
// A city's programme takes both: SearchMovies with [MovieQuery.City] for
// the movies playing there, then ShowsOfMovie of each with the same
// [ShowPage.City] (the SearchMovies example "city" does so).
//
// # Money
//
// [Money] is an integer count of cents. Multipliers are [Rate] values in basis
// points, applied one at a time by [Money.Apply], which rounds half away
// from zero: the one rounding rule of the package. A booking's price is
// fixed when its seats are held, by the Config's [PricingStrategy].
//
// # Events
//
// Observers receive typed events ([*SeatsHeld], [*BookingConfirmed], ...)
// after the transaction commits, each [Observer] on its own goroutine, in
// commit order per show; a slow, blocking or panicking observer never
// delays a booking. [BookingSystem.Watch] streams one show's seat map,
// then its seat changes, for live seat maps; on a Store that reports other
// processes' commits (a [ShowChangeListener], such as pgstore's), it
// streams theirs too. [NewEmailNotifier], [NewSMSNotifier] and
// [NewLogObserver] are ready-made observers.
//
// # The consistency boundary
//
// All seats and bookings of one show change together in one per-show
// transaction of the Store. In one process, work on a show is serialized by
// that show's own lock (shows never wait on each other, and a call waits
// for the lock only as long as its ctx lets it, however long the
// transaction ahead of it waits on its Store); across processes
// sharing a Store, the Store makes the transaction serializable. The rules
// (is this seat free now, may this booking move to that state) are written
// once, in this package, as plain code run inside the transaction: a Store
// persists, it does not decide.
//
// # Errors
//
// Errors match sentinels with errors.Is ([ErrNotFound],
// [ErrSeatUnavailable], [ErrHoldExpired], [ErrInvalidTransition],
// [ErrScheduleConflict], [ErrRateLimited], [ErrPaymentFailed],
// [ErrInvalidArgument], ...) and carry detail in typed errors ([*SeatError]
// names the refused seats: the unknown or repeated ones if there are any,
// else every taken one). Bad input changes nothing, and no panic crosses
// the API.
//
// # Time
//
// All time comes from the Config's [Clock]; package fakeclock provides a
// clock tests can move by hand. Every time the BookingSystem stores, from
// the Clock or given (a show's Start), it stores in UTC, cut down to the
// microsecond (PostgreSQL's precision) and without a monotonic clock
// reading, so that what a call returns equals what a later read returns,
// on every Store (see [Store]).
//
// # Storage
//
// [NewMemoryStore] is the default Store. Package pgstore (its own module)
// keeps everything in PostgreSQL so that several processes can share it;
// package storetest is the conformance suite every Store passes.
//
// # Who may do what
//
// The library trusts its caller about users. A user ID is compared byte
// for byte: "Ana", "ana" and "ana" with a zero-width space are three users
// with limits of their own, so a service whose logins ignore case or
// accept lookalikes passes the canonical ID of the login, never text the
// client typed. The calls on a booking (ExtendHold, ReleaseHold,
// ConfirmBooking, CancelBooking, Booking) take its ID alone, which holds at
// least 74 random bits and so cannot be guessed, but a service that shows
// IDs to anyone but their owner checks [Booking.UserID] against its session
// before calling (examples/server answers 404 for another user's booking).
// The text of a PaymentGateway's errors reaches the caller ([PaymentError],
// [Payment.Failure], the notifiers): a gateway adapter keeps internal
// detail out of it.
package boxoffice
