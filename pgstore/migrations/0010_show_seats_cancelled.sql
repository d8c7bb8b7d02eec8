-- The cancelled shows (migration 0007), for MoviesShowingIn
-- (boxoffice.CityMovieLister), which lists the movies with a show not
-- cancelled in a city: without the index, telling the cancelled shows
-- from the others read every show's inventory row, seats and all. Few
-- shows are cancelled, so the index is small, and a show's transactions
-- keep their HOT updates: only the one that cancels it changes cancelled.
-- As for 0006, the index is built without CONCURRENTLY, in Migrate's
-- transaction.

CREATE INDEX show_seats_cancelled ON show_seats (show_id) WHERE cancelled;
