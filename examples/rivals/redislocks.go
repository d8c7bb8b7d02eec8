package rivals

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// holdScript sets every seat key to "<held-until ms>:<booking ID>" with a
// PX TTL, all or nothing: it reads every seat first and sets none if one is
// held by a hold that has not passed at ARGV[1] (the caller's time, so that
// a test can move it; the TTL is Redis's own clock and only reclaims the
// keys). Then it writes the booking hash with the same TTL.
//
//	KEYS: booking key, seat keys...
//	ARGV: now ms, booking ID, held-until ms, TTL ms, user, show, seats joined by ","
const holdScript = `
local now = tonumber(ARGV[1])
for i = 2, #KEYS do
	local v = redis.call('GET', KEYS[i])
	if v and tonumber(string.match(v, '^(%d+):')) > now then
		return 0
	end
end
local owner = ARGV[3] .. ':' .. ARGV[2]
for i = 2, #KEYS do
	redis.call('SET', KEYS[i], owner, 'PX', ARGV[4])
end
redis.call('HSET', KEYS[1], 'user', ARGV[5], 'show', ARGV[6], 'seats', ARGV[7], 'held_until', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`

// releaseScript deletes the seat keys the booking still owns (a seat whose
// hold passed may belong to another booking by now: it is left alone) and
// the booking hash. It names the seat keys from the hash, which is why it
// needs one Redis server rather than a cluster.
//
//	KEYS: booking key
//	ARGV: booking ID, seat key prefix
const releaseScript = `
local b = redis.call('HMGET', KEYS[1], 'show', 'seats')
if not b[1] then
	return 0
end
for seat in string.gmatch(b[2], '[^,]+') do
	local k = ARGV[2] .. b[1] .. ':' .. seat
	local v = redis.call('GET', k)
	if v and string.match(v, '^%d+:(.*)$') == ARGV[1] then
		redis.call('DEL', k)
	end
end
redis.call('DEL', KEYS[1])
return 1
`

// redisClient is what RedisLocks needs of a go-redis client (*redis.Client
// has it).
type redisClient interface {
	redis.Scripter
	Get(ctx context.Context, key string) *redis.StringCmd
}

// RedisLocks holds seats as Redis keys, one per seat of a show. See the
// package documentation for what it does not do.
type RedisLocks struct {
	client  redisClient
	prefix  string
	holdFor time.Duration
	hold    *redis.Script
	release *redis.Script
}

// NewRedisLocks loads the two scripts into the server (so that every hold
// and release is one EVALSHA) and returns a RedisLocks whose keys all start
// with prefix (e.g. "rivals:"); holds last holdFor (DefaultHoldFor if 0).
// Show IDs must not contain ':' and seat IDs must not contain ','.
func NewRedisLocks(ctx context.Context, client redisClient, prefix string, holdFor time.Duration) (*RedisLocks, error) {
	return newRedisLocks(ctx, client, prefix, holdFor, holdScript)
}

func newRedisLocks(ctx context.Context, client redisClient, prefix string, holdFor time.Duration, hold string) (*RedisLocks, error) {
	if holdFor <= 0 {
		holdFor = DefaultHoldFor
	}
	r := &RedisLocks{client: client, prefix: prefix, holdFor: holdFor,
		hold: redis.NewScript(hold), release: redis.NewScript(releaseScript)}
	for _, s := range []*redis.Script{r.hold, r.release} {
		if err := s.Load(ctx, client).Err(); err != nil {
			return nil, fmt.Errorf("rivals: loading a Redis script: %w", err)
		}
	}
	return r, nil
}

func (r *RedisLocks) seatKey(show, seat string) string { return r.prefix + "seat:" + show + ":" + seat }
func (r *RedisLocks) bookingKey(id string) string      { return r.prefix + "booking:" + id }

// Hold holds every seat of seats on show for user, or none; it returns the
// booking's ID, or ErrSeatTaken. A seat listed twice fails it with
// ErrRepeatedSeat before Redis is asked.
func (r *RedisLocks) Hold(ctx context.Context, user, show string, seats []string, now time.Time) (string, error) {
	if err := checkSeats(seats); err != nil {
		return "", err
	}
	id := rand.Text()
	keys := make([]string, 1+len(seats))
	keys[0] = r.bookingKey(id)
	for i, s := range seats {
		keys[1+i] = r.seatKey(show, s)
	}
	nowMs := now.UnixMilli()
	ok, err := r.hold.Run(ctx, r.client, keys, nowMs, id, nowMs+r.holdFor.Milliseconds(), r.holdFor.Milliseconds(),
		user, show, strings.Join(seats, ",")).Int()
	if err != nil {
		return "", fmt.Errorf("rivals: Redis hold: %w", err)
	}
	if ok == 0 {
		return "", ErrSeatTaken
	}
	return id, nil
}

// Release frees the seats of the booking that it still holds and forgets
// the booking; ErrNotHeld if Redis does not know it.
func (r *RedisLocks) Release(ctx context.Context, id string) error {
	ok, err := r.release.Run(ctx, r.client, []string{r.bookingKey(id)}, id, r.prefix+"seat:").Int()
	if err != nil {
		return fmt.Errorf("rivals: Redis release: %w", err)
	}
	if ok == 0 {
		return ErrNotHeld
	}
	return nil
}

// SeatHolder returns the booking holding the seat at now ("" if free): for
// tests and audits, one GET.
func (r *RedisLocks) SeatHolder(ctx context.Context, show, seat string, now time.Time) (string, error) {
	v, err := r.client.Get(ctx, r.seatKey(show, seat)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	until, id, ok := strings.Cut(v, ":")
	ms, perr := strconv.ParseInt(until, 10, 64)
	if !ok || perr != nil {
		return "", fmt.Errorf("rivals: seat key %q holds %q", r.seatKey(show, seat), v)
	}
	if ms <= now.UnixMilli() {
		return "", nil
	}
	return id, nil
}
