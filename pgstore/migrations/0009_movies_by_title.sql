-- The movies by title, then ID, by their bytes (COLLATE "C", the order
-- SearchMovies pages in): MoviesMatching reads the index from a page's
-- cursor and stops once the page is full, where a search read the whole
-- table. As for 0006, the index is built without CONCURRENTLY, in
-- Migrate's transaction.

CREATE INDEX movies_by_title ON movies (title COLLATE "C", id COLLATE "C");
