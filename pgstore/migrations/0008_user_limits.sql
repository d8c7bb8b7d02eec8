-- The per-user limits against ticket hoarding (boxoffice.UserLimitStore),
-- shared by every instance on the schema: one row per user who held seats
-- lately. All of a user's state is in their row, so that one statement,
-- which locks it, decides an admission exactly however many instances
-- admit the user's requests at once.
--
-- next_at is the token bucket of hold requests as a theoretical arrival
-- time (GCRA): at or before now, the bucket is full. live_ids and
-- live_until are the user's live holds and their deadlines, in
-- step, earliest deadline first. admitted is a random mark of the last
-- request admitted, so that the statement that admits can say whether it
-- did.

CREATE TABLE user_limits (
	user_id    text PRIMARY KEY,
	next_at    timestamptz NOT NULL,
	live_ids   uuid[] NOT NULL,
	live_until timestamptz[] NOT NULL,
	admitted   uuid NOT NULL
);
