package boxoffice

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MovieQuery selects movies. Empty fields match everything; set fields must
// all match.
type MovieQuery struct {
	Title    string // a case-insensitive substring of the title
	Genre    string // one of the movie's genres, case-insensitive
	Language string // the movie's language, case-insensitive
	City     string // a city where the movie has a show that has not started yet
}

// SearchMovies returns the movies matching q, ordered by title then ID.
//
// Text matches by Unicode simple case folding, without normalization: a
// title stored as "Ame\u0301lie" (e and a combining accent) does not match
// the query "Amélie" (one precomposed é). Callers that take text from
// several sources should normalize titles and queries alike, to NFC (with
// golang.org/x/text/unicode/norm), before AddMovie and SearchMovies.
func (bs *BookingSystem) SearchMovies(ctx context.Context, q MovieQuery) ([]Movie, error) {
	for _, f := range []struct{ name, v string }{{"Title", q.Title}, {"Genre", q.Genre}, {"Language", q.Language}, {"City", q.City}} {
		if err := validText("MovieQuery."+f.name, f.v, false, maxTextLen); err != nil {
			return nil, err
		}
	}
	var inCity map[string]bool
	if q.City != "" {
		var err error
		if inCity, err = bs.moviesShowingIn(ctx, q.City); err != nil {
			return nil, err
		}
	}
	// titleKey is the title in lower case, when the store keeps it (see
	// titleKey): an ASCII title then contains an ASCII query, ignoring
	// case, exactly when its key contains the query's.
	queryKey := titleKey(q.Title)
	matches := func(m *Movie, key string) bool {
		if q.Title != "" {
			if key != "" && queryKey != "" {
				if !strings.Contains(key, queryKey) {
					return false
				}
			} else if !containsFold(m.Title, q.Title) {
				return false
			}
		}
		return !(q.Language != "" && !strings.EqualFold(m.Language, q.Language) ||
			q.Genre != "" && !slices.ContainsFunc(m.Genres, func(g string) bool { return strings.EqualFold(g, q.Genre) }) ||
			inCity != nil && !inCity[m.ID])
	}
	var out []Movie
	if bs.mem != nil {
		// The in-memory Store reads its movies in place and copies only
		// the matches, already sorted: copying all 10,000 of a catalog took
		// most of a search.
		var err error
		if out, err = bs.mem.moviesWhere(ctx, matches); err != nil {
			return nil, err
		}
	} else {
		for m, err := range bs.store.Movies(ctx) {
			if err != nil {
				return nil, err
			}
			if matches(&m, "") {
				out = append(out, m)
			}
		}
		slices.SortFunc(out, func(a, b Movie) int {
			return cmp.Or(cmp.Compare(a.Title, b.Title), cmp.Compare(a.ID, b.ID))
		})
	}
	return out, nil
}

// moviesShowingIn returns the IDs of movies with a show not yet started in
// a theater of the city.
func (bs *BookingSystem) moviesShowingIn(ctx context.Context, city string) (map[string]bool, error) {
	now := bs.clock.Now()
	ids := make(map[string]bool)
	for t, err := range bs.store.Theaters(ctx) {
		if err != nil {
			return nil, err
		}
		if !strings.EqualFold(t.City, city) {
			continue
		}
		halls, err := bs.store.HallsOfTheater(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		for _, h := range halls {
			shows, err := bs.store.ShowsOfHall(ctx, h.ID, Interval{Start: now, End: farFuture})
			if err != nil {
				return nil, err
			}
			for _, s := range shows {
				if s.Start.After(now) {
					ids[s.MovieID] = true
				}
			}
		}
	}
	return ids, nil
}

// farFuture ends open time windows. ScheduleShow refuses a show starting
// at or after it, so a window up to it sees every show.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// containsFold reports whether substr is within s, ignoring case, without
// allocating (strings.ToLower would copy every title of a search).
func containsFold(s, substr string) bool {
	if substr == "" {
		return true
	}
	if isASCII(substr) {
		if found, ascii := containsFoldASCII(s, substr); found || ascii {
			return found // most titles: 10× faster
		}
	}
	first, _ := utf8.DecodeRuneInString(substr)
	first = unicode.SimpleFold(first)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if equalFoldRune(r, first) && hasPrefixFold(s[i:], substr) {
			return true
		}
		i += size
	}
	return false
}

// titleKey returns s in lower case if it is all ASCII, else "": case
// folding is then a byte at a time, and the lower case of a string
// contains the lower case of another exactly when the first contains the
// second ignoring case. (Not so beyond ASCII: 'k' and 's' also fold to
// the non-ASCII K (Kelvin) and ſ.)
func titleKey(s string) string {
	if !isASCII(s) {
		return ""
	}
	return strings.ToLower(s)
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// containsFoldASCII is containsFold for an ASCII substr while s is ASCII
// too: at the first byte of s that is not, it gives up and reports ascii
// false, for only the general path is right then ('k' and 's' also fold to
// the non-ASCII K (Kelvin) and ſ). A match found before that byte is a
// match either way.
func containsFoldASCII(s, substr string) (found, ascii bool) {
	// c|0x20 is the lower case of a letter: a cheap filter of the places
	// where substr may start; strings.EqualFold decides.
	first := substr[0] | 0x20
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return false, false
		}
		if c|0x20 == first && len(s)-i >= len(substr) && strings.EqualFold(s[i:i+len(substr)], substr) {
			return true, true
		}
	}
	return false, true
}

func equalFoldRune(a, b rune) bool {
	if a == b {
		return true
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

// hasPrefixFold reports whether s starts with prefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	for prefix != "" {
		if s == "" {
			return false
		}
		a, na := utf8.DecodeRuneInString(s)
		b, nb := utf8.DecodeRuneInString(prefix)
		if !equalFoldRune(a, b) {
			return false
		}
		s, prefix = s[na:], prefix[nb:]
	}
	return true
}

// ShowInfo is a show with its seats free at the time of the query.
type ShowInfo struct {
	Show
	FreeSeats  int
	TotalSeats int
}

// ShowsOfMovie returns the movie's shows that have not started yet, in
// start order, each with its count of free seats.
func (bs *BookingSystem) ShowsOfMovie(ctx context.Context, movieID string) ([]ShowInfo, error) {
	if bs.mem != nil {
		return bs.memShowsOfMovie(ctx, movieID)
	}
	if _, err := bs.store.Movie(ctx, movieID); err != nil {
		return nil, err
	}
	shows, err := bs.store.ShowsOfMovie(ctx, movieID)
	if err != nil {
		return nil, err
	}
	now := bs.clock.Now()
	out := make([]ShowInfo, 0, len(shows))
	// One closure for every show, counting into free and total: a closure
	// made per show, capturing that show's ShowInfo, put every ShowInfo on
	// the heap.
	var free, total int
	count := func(tx ShowTx) error {
		free, total = 0, tx.NumSeats()
		for i := range total {
			if tx.Seat(i).StatusAt(now) == SeatAvailable {
				free++
			}
		}
		return nil
	}
	for _, s := range shows {
		if !s.Start.After(now) {
			continue
		}
		if err := bs.store.ViewShow(ctx, s.ID, count); err != nil {
			return nil, err
		}
		out = append(out, ShowInfo{Show: s, FreeSeats: free, TotalSeats: total})
	}
	return out, nil
}

// memShowsOfMovie is ShowsOfMovie on the in-memory Store, which keeps each
// show's count of free seats (showRecord.freeSeats) and lends its records.
func (bs *BookingSystem) memShowsOfMovie(ctx context.Context, movieID string) ([]ShowInfo, error) {
	recs, err := bs.mem.showRecordsOfMovie(ctx, movieID)
	if err != nil {
		return nil, err
	}
	now := bs.clock.Now()
	out := make([]ShowInfo, 0, len(recs))
	for _, r := range recs {
		if !r.show.Start.After(now) {
			continue
		}
		free, total := r.freeSeats(now)
		out = append(out, ShowInfo{Show: r.show, FreeSeats: free, TotalSeats: total})
	}
	return out, nil
}
