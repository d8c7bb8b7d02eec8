// Package rivals holds the two architectures services commonly use for
// seat holds instead of an in-process engine, written plainly, so that
// boxoffice can be measured against them side by side (see the benchmarks
// in this package and BENCHMARKS.md, "Rivals: Redis seat locks and
// PostgreSQL row updates"):
//
//   - RedisLocks: a key per seat of a show, set to the booking's ID with a
//     PX TTL of the hold's length by one Lua script (loaded once, run by
//     EVALSHA) that checks every seat before setting any, all or nothing,
//     and writes a small booking hash (user, show, seats, held-until) with
//     the same TTL. Release is a second script: a compare-and-delete of the
//     seat keys the booking still owns, and the booking hash deleted.
//   - SQLRows: a PostgreSQL table of seat rows (show_id, seat_id, holder,
//     held_until) and a bookings table. A hold is one transaction that
//     UPDATEs the seats WHERE they are free (no holder, or its hold has
//     passed), rolls back if fewer rows changed than seats were asked for,
//     and inserts the booking row; a release UPDATEs the seats WHERE the
//     booking still holds them and marks the booking released.
//
// Both take the time from their caller (Hold and Release have a now
// parameter), so that tests move it with fakeclock or explicit times; a
// seat whose hold has passed is free to the next hold whether or not Redis
// has expired its key yet.
//
// What they do not do, so that nobody reads the benchmark ratio as like for
// like: no price, no per-user limits or rate limits, no seat cap, no events
// or watch streams, no payment, confirmation, cancellation or refund, no
// sweeper (an expired hold is simply overwritten by the next one), no check
// that the show exists, has not started, or has the seats asked for
// (RedisLocks takes any seat ID; SQLRows refuses an unknown seat only
// because it finds no row for it), no listing of a user's bookings, and
// errors are plain. boxoffice does all of those in a hold and a release.
// RedisLocks's release script builds seat key names from the booking hash,
// so it runs on one Redis server, not on Redis Cluster.
//
// What they do as boxoffice does: a hold listing a seat twice is refused
// (ErrRepeatedSeat) before storage is touched. The tests run on both
// rivals and, in TestBrokenRivals, on deliberately broken hold scripts
// and statements, which they must fail.
package rivals
