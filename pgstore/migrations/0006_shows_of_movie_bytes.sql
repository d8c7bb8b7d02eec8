-- A movie's shows by start, then by the bytes of their IDs, for
-- ShowsOfMovie's pages: the query starts at a cursor (the clock's now for
-- a first page, so that a year of shows already played is skipped, not
-- read) and reads one page of the index. Ties on the start are broken as
-- the core and every Store break them, by the IDs' bytes (COLLATE "C"),
-- not by the database's collation, which may order "B" after "a" or
-- ignore punctuation; shows_of_movie of 0001 orders IDs by the database's
-- collation, so it cannot serve that order, and nothing else uses it.
--
-- Migrate runs in one transaction, so the index is built without
-- CONCURRENTLY: building it locks writes to shows for the time of one
-- scan of the table, once.

CREATE INDEX shows_of_movie_by_start ON shows (movie_id, starts_at, id COLLATE "C");
DROP INDEX shows_of_movie;
