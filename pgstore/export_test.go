package pgstore

// ShowsOfMovieSQL is the Store's query of a page of a movie's shows, for
// tests that check its plan.
func ShowsOfMovieSQL(s *Store) string { return s.q.showsOfMovie }
