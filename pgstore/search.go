package pgstore

import (
	"context"
	"iter"
	"strings"
	"time"
	"unicode"

	"github.com/boxoffice-go/boxoffice"
	"github.com/jackc/pgx/v5"
)

// MoviesMatching implements [boxoffice.MovieSearcher]: it reads the movies
// past the cursor in (Title, ID) byte order, a page of the index at a
// time, holding no connection while the loop body runs: q.Limit of them
// first, then twice as many each time, up to 256. PostgreSQL
// filters them by a regular expression for each of q's fields that
// matches exactly as SearchMovies does (see moviePattern); the
// BookingSystem still judges every movie yielded.
func (s *Store) MoviesMatching(ctx context.Context, q boxoffice.MovieQuery, after boxoffice.Movie) iter.Seq2[boxoffice.Movie, error] {
	title := moviePattern(q.Title)
	genre, language := anchored(moviePattern(q.Genre)), anchored(moviePattern(q.Language))
	return func(yield func(boxoffice.Movie, error) bool) {
		cursor := after
		size := pageSize
		if q.Limit > 0 {
			size = min(q.Limit, pageSize)
		}
		for {
			// The page is read off the index in order, never by sorting
			// the matches: the planner cannot tell a selective pattern
			// from one that keeps most movies, and with statistics or
			// without, for one query or another, it sorted every match
			// past the cursor to return 20 of them (2.5 to 9 ms of
			// 10,000 movies, against 0.2 ms). enable_sort is set for this
			// batch's implicit transaction alone.
			var page []boxoffice.Movie
			batch := new(pgx.Batch)
			batch.Queue("SELECT set_config('enable_sort', 'off', true)")
			batch.Queue(s.q.moviesMatching, cursor.Title, cursor.ID, title, genre, language, size).Query(func(rows pgx.Rows) error {
				var err error
				page, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (boxoffice.Movie, error) { return scanMovie(r) })
				return err
			})
			err := s.pool.SendBatch(ctx, batch).Close()
			if err != nil {
				yield(boxoffice.Movie{}, markUnavailable(ctx, err))
				return
			}
			for _, m := range page {
				if !yield(m, nil) {
					return
				}
			}
			if len(page) < size {
				return
			}
			cursor = page[len(page)-1]
			size = min(2*size, pageSize)
		}
	}
}

// MoviesShowingIn implements [boxoffice.CityMovieLister] in one statement:
// the theaters whose city matches a regular expression that matches
// exactly the text [strings.EqualFold] takes for city (see moviePattern),
// joined with their halls, their shows starting after after and not
// cancelled. Shows start at whole microseconds, so comparing them with
// after cut down to the microsecond changes nothing.
func (s *Store) MoviesShowingIn(ctx context.Context, city string, after time.Time) ([]string, error) {
	pattern := "^$" // moviePattern("") is "", which matches every city
	if city != "" {
		pattern = anchored(moviePattern(city))
	}
	rows, err := s.pool.Query(ctx, s.q.moviesShowingIn, pattern, after.Truncate(time.Microsecond))
	if err != nil {
		return nil, markUnavailable(ctx, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, markUnavailable(ctx, err)
}

// ShowsOfMovieInCity implements [boxoffice.CityShowLister] in one
// statement: the theaters whose city matches the expression of
// [Store.MoviesShowingIn] (exactly the cities [strings.EqualFold] takes for
// city), their halls, and each hall's first limit shows of the movie past the
// cursor, read off the index on (movie_id, hall_id, starts_at, id COLLATE
// "C") of migration 0014, of which it keeps the first limit. A page then
// reads the city's halls and at most limit shows of each, never the
// movie's shows in other cities. As for [Store.ShowsOfMovie], an empty page
// costs one more statement, telling an unknown movie.
func (s *Store) ShowsOfMovieInCity(ctx context.Context, movieID, city string, after boxoffice.ShowCursor, limit int) ([]boxoffice.Show, error) {
	pattern := "^$" // moviePattern("") is "", which matches every city
	if city != "" {
		pattern = anchored(moviePattern(city))
	}
	shows, err := list(ctx, s, limit, s.q.showsOfMovieInCity, func(r pgx.CollectableRow) (boxoffice.Show, error) { return scanShow(r) },
		movieID, cursorTime(after.Start, after.IsZero()), after.ID, pattern, limit)
	if err != nil || len(shows) > 0 {
		return shows, err
	}
	return shows, s.mustExist(ctx, s.q.movieExists, movieID, "movie %q")
}

// moviePattern returns a PostgreSQL regular expression that finds text in
// a string ignoring case exactly as SearchMovies does (Unicode simple case
// folding, a character at a time), or "" if text is empty. A character
// that folds with others becomes the class of all of them (k with K and
// the Kelvin sign K, σ with ς and Σ), any other character outside ASCII a
// class of itself, an ASCII digit itself, and any other ASCII character
// itself behind a backslash: no character is then special. In a UTF-8
// database (PostgreSQL's default) the expression compares characters.
func moviePattern(text string) string {
	if text == "" {
		return ""
	}
	var b strings.Builder
	for _, r := range text {
		switch {
		case unicode.SimpleFold(r) != r || r > unicode.MaxASCII:
			b.WriteByte('[')
			for f := r; ; {
				b.WriteRune(f)
				if f = unicode.SimpleFold(f); f == r {
					break
				}
			}
			b.WriteByte(']')
		case '0' <= r && r <= '9':
			b.WriteRune(r)
		default:
			// A backslash before a character other than a letter or a
			// digit stands for that character (an ARE escape).
			b.WriteByte('\\')
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchored makes a pattern of moviePattern match the whole text.
func anchored(pattern string) string {
	if pattern == "" {
		return ""
	}
	return "^" + pattern + "$"
}
