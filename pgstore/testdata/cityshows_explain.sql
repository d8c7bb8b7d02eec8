-- The data set and statements of BENCHMARKS.md, "pgstore: a movie's shows
-- in one city": psql -f this file on a scratch database. It makes schema
-- pgcity_explain with pgstore's migrations (run from pgstore/, see the
-- \i lines), 20 cities of 5 theaters x 4 halls (19 of them) or 1 hall
-- (Tinytown), 5 movies of 10,000 shows each over 26 days (movie m0 also
-- 6 shows in Tinytown), and "Sparse", 5 theaters x 4 halls playing the
-- other movies daily and m0 6 times; then EXPLAINs the statement of
-- ShowsOfMovieInCity with and without migration 0014's index, and the
-- plain join tried first; and drops the schema.
DROP SCHEMA IF EXISTS pgcity_explain CASCADE;
CREATE SCHEMA pgcity_explain;
SET search_path = pgcity_explain;
\i migrations/0001_init.sql
\i migrations/0002_payment_failure_kind.sql
\i migrations/0003_owed_refunds.sql
\i migrations/0004_abandoned_payments.sql
\i migrations/0005_show_writer.sql
\i migrations/0006_shows_of_movie_bytes.sql
\i migrations/0007_show_cancelled.sql
\i migrations/0008_user_limits.sql
\i migrations/0009_movies_by_title.sql
\i migrations/0010_show_seats_cancelled.sql
\i migrations/0011_payment_live_until.sql
\i migrations/0012_open_bookings_of_user.sql
\i migrations/0013_abandoned_payments_by_bound.sql
-- 20 cities: 19 of 5 theaters x 4 halls, and "Tinytown" of 1 theater, 1 hall.
INSERT INTO theaters (id, city) SELECT 'c'||c||'-t'||t, 'City'||c FROM generate_series(1,19) c, generate_series(1,5) t;
INSERT INTO theaters (id, city) VALUES ('tiny-t1', 'Tinytown');
INSERT INTO halls (id, theater_id, layout) SELECT t.id||'-h'||h, t.id, 'x' FROM theaters t, generate_series(1,4) h WHERE t.city <> 'Tinytown';
INSERT INTO halls (id, theater_id, layout) VALUES ('tiny-t1-h1', 'tiny-t1', 'x');
INSERT INTO movies (id, title, duration) SELECT 'm'||i, 'Movie '||i, interval '2 hours' FROM generate_series(0,4) i;
-- m0: 10,000 shows across the 380 big halls over ~ 26 days + 6 shows in Tinytown; m1..m4: 10,000 each too.
INSERT INTO shows (id, movie_id, hall_id, theater_id, starts_at, ends_at, base_price)
SELECT 'm'||mv||'-'||h.id||'-'||n, 'm'||mv, h.id, h.theater_id, ts, ts + interval '2 hours', 1000
FROM (SELECT id, theater_id, row_number() OVER (ORDER BY id) - 1 AS k FROM halls WHERE id <> 'tiny-t1-h1') h,
     generate_series(0,4) mv,
     LATERAL (SELECT n, timestamptz '2030-03-01 00:00+00' + (n * interval '1 day') + ((mv*5 + h.k % 5) * interval '1 hour') + (h.k * interval '1 second') AS ts
              FROM generate_series(0, 25 + CASE WHEN h.k < 120 THEN 1 ELSE 0 END) n) g
WHERE (mv <> 5);
INSERT INTO shows (id, movie_id, hall_id, theater_id, starts_at, ends_at, base_price)
SELECT 'tiny-s'||n, 'm0', 'tiny-t1-h1', 'tiny-t1', timestamptz '2030-03-02 20:00+00' + n * interval '4 days', timestamptz '2030-03-02 22:00+00' + n * interval '4 days', 1000 FROM generate_series(0,5) n;
INSERT INTO show_seats (show_id, seats) SELECT id, '\x00' FROM shows;
ANALYZE;
-- "Sparse": 5 theaters x 4 halls playing m1..m4 every day, and m0 only 6 times.
INSERT INTO theaters (id, city) SELECT 'sp-t'||t, 'Sparse' FROM generate_series(1,5) t;
INSERT INTO halls (id, theater_id, layout) SELECT t.id||'-h'||h, t.id, 'x' FROM theaters t, generate_series(1,4) h WHERE t.city = 'Sparse';
INSERT INTO shows (id, movie_id, hall_id, theater_id, starts_at, ends_at, base_price)
SELECT 'm'||mv||'-'||h.id||'-'||n, 'm'||mv, h.id, h.theater_id, ts, ts + interval '2 hours', 1000
FROM (SELECT id, theater_id, row_number() OVER (ORDER BY id) - 1 AS k FROM halls WHERE theater_id LIKE 'sp-%') h,
     generate_series(1,4) mv,
     LATERAL (SELECT n, timestamptz '2030-03-01 00:00+00' + (n * interval '1 day') + ((mv*5) * interval '1 hour') + (h.k * interval '1 second') AS ts
              FROM generate_series(0, 25) n) g;
INSERT INTO shows (id, movie_id, hall_id, theater_id, starts_at, ends_at, base_price)
SELECT 'sp-s'||n, 'm0', 'sp-t'||(1+n%5)||'-h1', 'sp-t'||(1+n%5), timestamptz '2030-03-02 01:00+00' + n * interval '4 days', timestamptz '2030-03-02 03:00+00' + n * interval '4 days', 1000 FROM generate_series(0,5) n;
INSERT INTO show_seats (show_id, seats) SELECT id, '\x00' FROM shows WHERE id LIKE '%sp-%' ON CONFLICT DO NOTHING;
ANALYZE;

-- Before 0014: the plain join, on shows_of_movie_by_start or shows_of_hall
-- as the estimate of the city's expression goes.
PREPARE joined(text, timestamptz, text, text, int) AS
SELECT sh.id, sh.movie_id, sh.hall_id, sh.theater_id, sh.starts_at, sh.ends_at, sh.base_price
FROM shows sh JOIN halls h ON h.id = sh.hall_id JOIN theaters t ON t.id = h.theater_id
WHERE sh.movie_id = $1 AND (sh.starts_at, sh.id COLLATE "C") > ($2, $3) AND t.city ~ $4
ORDER BY sh.starts_at, sh.id COLLATE "C" LIMIT $5;
-- The statement of ShowsOfMovieInCity (pgstore/queries.go).
PREPARE lateral_page(text, timestamptz, text, text, int) AS
SELECT sh.id, sh.movie_id, sh.hall_id, sh.theater_id, sh.starts_at, sh.ends_at, sh.base_price
FROM theaters t JOIN halls h ON h.theater_id = t.id
CROSS JOIN LATERAL (SELECT s.id, s.movie_id, s.hall_id, s.theater_id, s.starts_at, s.ends_at, s.base_price FROM shows s
   WHERE s.movie_id = $1 AND s.hall_id = h.id AND (s.starts_at, s.id COLLATE "C") > ($2, $3)
   ORDER BY s.starts_at, s.id COLLATE "C" LIMIT $5) sh
WHERE t.city ~ $4
ORDER BY sh.starts_at, sh.id COLLATE "C" LIMIT $5;

SET plan_cache_mode = force_custom_plan; -- then again with force_generic_plan (pgx prepares statements)
EXPLAIN (ANALYZE, BUFFERS) EXECUTE joined('m0', '2030-03-01 00:00+00', '', '^[sS][pP][aA][rR][sS][eE]$', 20);
EXPLAIN (ANALYZE, BUFFERS) EXECUTE joined('m0', '2030-03-01 00:00+00', '', '^[cC][iI][tT][yY]7$', 20);
EXPLAIN (ANALYZE, BUFFERS) EXECUTE lateral_page('m0', '2030-03-01 00:00+00', '', '^[sS][pP][aA][rR][sS][eE]$', 20);
EXPLAIN (ANALYZE, BUFFERS) EXECUTE lateral_page('m0', '2030-03-01 00:00+00', '', '^[cC][iI][tT][yY]7$', 20);
\i migrations/0014_shows_of_movie_in_hall.sql
ANALYZE shows;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE lateral_page('m0', '2030-03-01 00:00+00', '', '^[sS][pP][aA][rR][sS][eE]$', 20);
EXPLAIN (ANALYZE, BUFFERS) EXECUTE lateral_page('m0', '2030-03-01 00:00+00', '', '^[cC][iI][tT][yY]7$', 20);
EXPLAIN (ANALYZE, BUFFERS) EXECUTE lateral_page('m0', '2030-03-01 00:00+00', '', '^[tT][iI][nN][yY][tT][oO][wW][nN]$', 20);

DROP SCHEMA pgcity_explain CASCADE;
