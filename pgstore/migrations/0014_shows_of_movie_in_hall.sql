-- A movie's shows by hall, then by start and the bytes of their IDs, for
-- ShowsOfMovieInCity (boxoffice.CityShowLister): a page of a movie's
-- shows in one city reads, for each hall of the city's theaters, the
-- hall's first shows of the movie past the cursor, then keeps the first
-- of them all. Without it the planner either read the movie's shows of
-- every city from the cursor (shows_of_movie_by_start of 0006: every
-- show to come of the movie, for a city with few of them) or every show
-- of the city's halls, whatever their movie (shows_of_hall), whichever
-- the estimate of the city's regular expression favoured: on 10,000
-- shows of a movie in 20 cities, a page of 20 read 11,446 buffers
-- (33 ms) for a city of 20 halls and 6 of its shows, 70 with it (0.4 ms).
-- As for 0006, the index is built without CONCURRENTLY, in Migrate's
-- transaction.

CREATE INDEX shows_of_movie_in_hall ON shows (movie_id, hall_id, starts_at, id COLLATE "C");
