package boxoffice

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MovieQuery selects movies, a page at a time. Empty text fields match
// everything; set fields must all match. The zero MovieQuery is the first
// page, of [DefaultPageLimit] movies, of the whole catalog.
type MovieQuery struct {
	Title    string // a case-insensitive substring of the title
	Genre    string // one of the movie's genres, case-insensitive
	Language string // the movie's language, case-insensitive
	// City: a city where the movie has a show that has not started yet
	// and was not cancelled (CancelShow).
	City string

	// After is the ID of the last movie of the previous page; "" for the
	// first page.
	After string
	// Limit is the most movies the page holds: 0 means DefaultPageLimit;
	// a negative Limit, or one above MaxPageLimit, is an *ArgumentError.
	Limit int
}

// SearchMovies returns one page of the movies matching q, ordered by title,
// then by ID, both compared byte by byte (so "Zodiac" before "avatar"): at
// most q.Limit of them, the first ones after the movie q.After in that
// order. Read the next page with After set to the ID of
// the last movie returned, and the other fields unchanged; a page shorter
// than its limit (possibly empty) is the last one. As for
// [BookingSystem.BookingsOfUser], pages are cut by a cursor, not an offset:
// movies added while a caller pages through the results do not shift the
// pages, so no movie comes twice (one added before the cursor is not seen).
//
// An After that names no movie is [ErrNotFound]; it may name a movie that
// does not match q (one whose shows in q.City have all started since the
// previous page, say): the page starts after it all the same. A Limit out
// of range, or a field that is not valid text, is an [*ArgumentError]
// ([ErrInvalidArgument]).
//
// On the in-memory [Store] a page reads the catalog in place, from its
// cursor until the page is full; on a Store that is a [MovieSearcher]
// (pgstore), the movies the Store yields from its cursor until the page is
// full; on any other, the whole catalog ([Store.Movies]). With City, a
// search also asks a Store that is a [CityMovieLister] (pgstore) for the
// movies playing in the city, in one call; any other Store is read for
// every theater ([Store.Theaters]), then each of the city's theaters' halls
// and their coming shows. A service that offers search to anonymous users
// bounds its rate or caches its answers.
//
// Text matches by Unicode simple case folding, without normalization: a
// title stored as "Ame\u0301lie" (e and a combining accent) does not match
// the query "Amélie" (one precomposed é). Callers that take text from
// several sources should normalize titles and queries alike, to NFC (with
// golang.org/x/text/unicode/norm), before [BookingSystem.AddMovie] and
// SearchMovies.
func (bs *BookingSystem) SearchMovies(ctx context.Context, q MovieQuery) ([]Movie, error) {
	if err := bs.made(); err != nil {
		return nil, err
	}
	for _, f := range []struct{ name, v string }{{"Title", q.Title}, {"Genre", q.Genre}, {"Language", q.Language}, {"City", q.City}} {
		if err := validText("MovieQuery."+f.name, f.v, false, maxTextLen); err != nil {
			return nil, err
		}
	}
	// An After no movie ID could be is refused as malformed, like the
	// other fields, before a Store is asked about it.
	if err := validText("MovieQuery.After", q.After, false, maxIDLen); err != nil {
		return nil, err
	}
	limit, err := pageLimit("MovieQuery.Limit", q.Limit)
	if err != nil {
		return nil, err
	}
	var after *Movie // the cursor: the page holds movies past it
	if q.After != "" {
		m, err := bs.store.Movie(ctx, q.After)
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("boxoffice: MovieQuery.After: no movie %q: %w", q.After, ErrNotFound)
		} else if err != nil {
			return nil, err
		}
		after = &m
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
	if bs.mem != nil {
		// The in-memory Store keeps its movies in title order and reads
		// them in place: a page starts at the cursor and copies only what
		// it returns.
		return bs.mem.moviesWhere(ctx, after, limit, matches)
	}
	if bs.searcher != nil {
		// The Store yields candidates in page order: the page ends at
		// its limit-th match.
		var from Movie
		if after != nil {
			from = *after
		}
		page := make([]Movie, 0, min(limit, 64))
		q.Limit = limit
		for m, err := range bs.searcher.MoviesMatching(ctx, q, from) {
			if err != nil {
				return nil, err
			}
			if matches(&m, "") {
				if page = append(page, m); len(page) == limit {
					break
				}
			}
		}
		return page, nil
	}
	// Any other Store is read whole, keeping only the page.
	page := newMoviePage(after, limit)
	for m, err := range bs.store.Movies(ctx) {
		if err != nil {
			return nil, err
		}
		if page.wants(&m) && matches(&m, "") {
			page.add(m)
		}
	}
	return page.movies(), nil
}

// compareMovies orders movies as a search returns them: by title, then ID.
func compareMovies(a, b *Movie) int {
	return cmp.Or(cmp.Compare(a.Title, b.Title), cmp.Compare(a.ID, b.ID))
}

// moviePage selects the first limit movies after a cursor, in
// compareMovies order, from movies offered in any order, keeping at most
// 2×limit of them: when that many are kept, it sorts them and drops the
// second half, whose movies can no longer be on the page, nor can any
// offered later that sorts after the last one kept. Selecting a page of k
// from n matches then takes O(n log k) time and O(k) memory, where sorting
// every match took O(n log n) and held them all.
type moviePage struct {
	after *Movie // nil: from the first movie
	limit int
	kept  []Movie
	full  bool // kept[limit-1] bounds the page: kept was cut to limit
}

func newMoviePage(after *Movie, limit int) *moviePage {
	return &moviePage{after: after, limit: limit}
}

// wants reports whether m may be on the page, as far as its order says.
func (p *moviePage) wants(m *Movie) bool {
	return (p.after == nil || compareMovies(m, p.after) > 0) &&
		(!p.full || compareMovies(m, &p.kept[p.limit-1]) < 0)
}

// add keeps m, which wants accepted.
func (p *moviePage) add(m Movie) {
	p.kept = append(p.kept, m)
	if len(p.kept) == 2*p.limit {
		p.cut()
		p.full = true
	}
}

// cut sorts the movies kept and keeps the first limit.
func (p *moviePage) cut() {
	slices.SortFunc(p.kept, func(a, b Movie) int { return compareMovies(&a, &b) })
	if len(p.kept) > p.limit {
		clear(p.kept[p.limit:]) // let their Genres go
		p.kept = p.kept[:p.limit]
	}
}

// movies returns the page.
func (p *moviePage) movies() []Movie {
	p.cut()
	return p.kept
}

// moviesShowingIn returns the IDs of movies with a show not yet started,
// nor cancelled, in a theater of the city: the Store's answer, if it is a
// CityMovieLister. Else a show's cancelled state is read only while its
// movie has no other show found: one read per movie playing there, plus
// one per cancelled show.
func (bs *BookingSystem) moviesShowingIn(ctx context.Context, city string) (map[string]bool, error) {
	now := bs.clock.Now()
	ids := make(map[string]bool)
	if bs.cityMovies != nil {
		found, err := bs.cityMovies.MoviesShowingIn(ctx, city, now)
		if err != nil {
			return nil, err
		}
		for _, id := range found {
			ids[id] = true
		}
		return ids, nil
	}
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
				if !s.Start.After(now) || ids[s.MovieID] {
					continue
				}
				cancelled, err := bs.showCancelled(ctx, s.ID)
				if err != nil {
					return nil, err
				}
				if !cancelled {
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
	// FreeSeats and TotalSeats count the seats of the layout of the
	// show's hall, those SeatMap lists: a show a Store holds with more
	// seats (written by other means than ScheduleShow) is counted without
	// those past the layout; one with fewer makes ShowsOfMovie an error
	// matching ErrInvalidArgument, as it makes SeatMap and Watch.
	FreeSeats  int
	TotalSeats int
	// Cancelled: the show was cancelled (CancelShow). It is still listed,
	// so that its customers find it, with FreeSeats 0.
	Cancelled bool
	// Location is the time zone of the show's theater (Theater.TimeZone),
	// as EventMeta.Location is, for a page to print the show's local
	// start, Start.In(Location), without reading the theater. The theater
	// is the one of the show's hall (Hall.TheaterID), as for its events,
	// pricing and ShowPage.City, whatever Show.TheaterID a Store returns
	// (ScheduleShow makes them the same). Location is nil, and Start is
	// then to be printed in UTC (time.Time.In panics on nil), when the
	// theater has no zone, when the Store does not have the theater, or
	// when its zone does not load in this process (an IANA name its
	// zoneinfo lacks). Such a zone is not loaded again for a listing, as
	// for an event (and the theater not read again): its shows are listed
	// without a zone, their events carry none, and their pricing fails,
	// naming the zone, each pricing call loading it again; once one has
	// loaded it, listings and events carry it. Never another zone, UTC
	// included: a page would print a wrong local time as if right.
	// Listings of two BookingSystems may hold two Locations of one zone:
	// compare them by name (String).
	Location *time.Location
}

// ShowPage selects one page of a movie's shows (see ShowsOfMovie). The
// zero ShowPage is the first page, of [DefaultPageLimit] shows, in every
// city.
type ShowPage struct {
	// City, if set, keeps only the shows in a theater of that city
	// (Theater.City), compared as MovieQuery.City is: ignoring case. ""
	// lists the shows of every city.
	City string
	// After is the ID of the last show of the previous page; "" for the
	// first page.
	After string
	// Limit is the most shows the page holds: 0 means DefaultPageLimit;
	// a negative Limit, or one above MaxPageLimit, is an *ArgumentError.
	Limit int
}

// ShowsOfMovie returns one page of the movie's shows that have not started
// yet, each with its count of free seats: ordered by Start, then by ID, at
// most page.Limit of them, the first ones after the show page.After in
// that order. Read the next page with After set to the ID of the last
// show returned, and City unchanged; a page shorter than its limit
// (possibly empty) is the last one. As for [BookingSystem.BookingsOfUser],
// pages are cut by a cursor, not an offset, and a page costs about its limit
// in reads however many shows the movie has had: the shows that have started
// are skipped by the [Store]'s index, not read. A show cancelled
// ([BookingSystem.CancelShow]) is listed all the same, with Cancelled set and
// FreeSeats 0. Each show comes with its theater's time zone
// ([ShowInfo.Location]): the theater of its hall. A theater and a hall are
// read from the Store the first time the process needs them (a listing,
// [BookingSystem.ScheduleShow], a show's first use; a listing on the
// in-memory Store reads no hall), and kept for the process's life: they never
// change once added. A theater whose zone does not load here is kept too
// (ShowInfo.Location is nil for it), not read again. If the Store fails to
// read a theater or a hall the page needs (a passing error such as
// [ErrStoreUnavailable]), the call fails with that error, as it does when a
// show's seats cannot be read, rather than list the shows without a zone,
// which would say they have none; nothing is kept, and the next call reads it
// again. A theater or hall the Store does not have ([ErrNotFound]: a catalog
// written to a Store by other means) is no failure: its shows are listed
// without a zone (with City, it is an error matching ErrNotFound, as the
// show's city cannot be told).
//
// With page.City set, the page holds only the shows in theaters of that
// city, and is still full (page.Limit of them) unless it is the last. It
// costs more: the movie's shows to come are read from the cursor, a
// Store page at a time, and those of other cities dropped, until the
// page is full or the movie has no more. The first read asks for the
// shows the page lacks and each further read for twice as many as the
// one before, up to [MaxPageLimit]: a city with a share p of the movie's
// shows costs about page.Limit/p shows read, in a few reads, and at worst
// (a city with none or few) every show to come of the movie past the
// cursor. A show is in the city of the theater of its hall; each theater
// and hall is read once for the process's life, as above, and only the
// shows kept have their seats counted. On a Store that is a
// [CityShowLister] (pgstore), none of that: the Store is asked for the
// city's shows alone, and a page costs one call, as without City (and,
// as any listing, one read of each hall and theater the first time the
// process needs them, for the zone). A
// service offering every city's pages to anonymous users bounds their
// rate, as for [BookingSystem.SearchMovies].
//
// An After that names no show of this movie, whether unknown or another
// movie's, is ErrNotFound; it may name a show that has started since the
// previous page: the page then starts at the first show not started. With
// City, After may name a show of the movie in any city: the page starts
// after it in (Start, ID) order all the same. A Limit out of range, or a
// City or After that is not valid text, is an [*ArgumentError]
// ([ErrInvalidArgument]). An unknown movie is ErrNotFound.
func (bs *BookingSystem) ShowsOfMovie(ctx context.Context, movieID string, page ShowPage) ([]ShowInfo, error) {
	if err := bs.made(); err != nil {
		return nil, err
	}
	if err := overlongID("movie", movieID); err != nil {
		return nil, err
	}
	if err := validText("page.City", page.City, false, maxTextLen); err != nil {
		return nil, err
	}
	// An After no show ID could be is refused as malformed before a Store
	// is asked about it, as MovieQuery.After is.
	if err := validText("page.After", page.After, false, maxIDLen); err != nil {
		return nil, err
	}
	limit, err := pageLimit("page.Limit", page.Limit)
	if err != nil {
		return nil, err
	}
	var after ShowCursor
	if page.After != "" {
		s, err := bs.store.Show(ctx, page.After)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if err != nil || s.MovieID != movieID {
			return nil, fmt.Errorf("boxoffice: page.After: no show %q of movie %q: %w", page.After, movieID, ErrNotFound)
		}
		after = ShowCursor{Start: s.Start, ID: s.ID}
	}
	now := bs.clock.Now()
	if bs.mem != nil {
		// The in-memory Store keeps each show's count of free seats
		// (showRecord.freeSeats) and lends its records.
		var keep func(*showRecord) (bool, error)
		if page.City != "" {
			in := newCityShows(page.City)
			keep = func(r *showRecord) (bool, error) {
				return in.holds(&r.show, r.theaterID, func() (*keptTheater, error) { return bs.theater(ctx, r.theaterID) })
			}
		}
		recs, err := futureShows(now, after, limit, func(r *showRecord) ShowCursor { return ShowCursor{r.show.Start, r.show.ID} }, keep,
			func(after ShowCursor, limit int) ([]*showRecord, error) {
				return bs.mem.showRecordsOfMovie(ctx, movieID, after, limit)
			})
		if err != nil {
			return nil, err
		}
		out := make([]ShowInfo, len(recs))
		var zone listedZone
		for i, r := range recs {
			if !zone.of(r.theaterID) {
				t, err := bs.theater(ctx, r.theaterID)
				if err != nil {
					return nil, fmt.Errorf("boxoffice: theater %q of show %q: %w", r.theaterID, r.show.ID, err)
				}
				zone.set(r.theaterID, t.location(&bs.zones))
			}
			if r.hallSeats > len(r.seats) {
				return nil, fewerSeats(r.show.ID, len(r.seats), r.hallSeats)
			}
			free, total, cancelled := r.freeSeats(now)
			out[i] = ShowInfo{Show: r.show, FreeSeats: free, TotalSeats: total, Cancelled: cancelled, Location: zone.loc}
		}
		return out, nil
	}
	var keep func(Show) (bool, error)
	read := func(after ShowCursor, limit int) ([]Show, error) {
		return bs.store.ShowsOfMovie(ctx, movieID, after, limit)
	}
	switch {
	case page.City != "" && bs.cityShows != nil:
		// The Store keeps the city's shows itself: the reads are those of
		// a page without City.
		read = func(after ShowCursor, limit int) ([]Show, error) {
			return bs.cityShows.ShowsOfMovieInCity(ctx, movieID, page.City, after, limit)
		}
	case page.City != "":
		in := newCityShows(page.City)
		keep = func(s Show) (bool, error) {
			return in.holds(&s, s.HallID, func() (*keptTheater, error) {
				t, _, err := bs.hallTheater(ctx, s.HallID)
				return t, err
			})
		}
	}
	shows, err := futureShows(now, after, limit, func(s Show) ShowCursor { return ShowCursor{s.Start, s.ID} }, keep, read)
	if err != nil {
		return nil, err
	}
	out := make([]ShowInfo, 0, len(shows))
	// One closure for every show, counting into free and total: a closure
	// made per show, capturing that show's ShowInfo, put every ShowInfo on
	// the heap.
	var free, total int
	var cancelled bool
	var listed string // the show counted
	hallSeats := -1   // the seat count of its hall's layout; -1 unknown
	count := func(tx ShowTx) error {
		total = tx.NumSeats()
		if hallSeats >= 0 { // the layout's seats, as SeatMap
			if total < hallSeats {
				return fewerSeats(listed, total, hallSeats)
			}
			total = hallSeats
		}
		free, cancelled = 0, tx.ShowCancelled()
		if cancelled {
			return nil // no seat for sale
		}
		seats := newSeatReader(tx, now)
		for i := range total {
			if seats.statusAt(i) == SeatAvailable {
				free++
			}
		}
		return nil
	}
	// The zone is the one of the theater of the show's hall, as for the
	// show's events (a Store may return a Show without its TheaterID);
	// kept by hall ID.
	var zone listedZone
	for _, s := range shows {
		if !zone.of(s.HallID) {
			t, seats, err := bs.hallTheater(ctx, s.HallID)
			if err != nil {
				return nil, fmt.Errorf("boxoffice: hall %q of show %q: %w", s.HallID, s.ID, err)
			}
			zone.set(s.HallID, t.location(&bs.zones))
			hallSeats = seats
		}
		listed = s.ID
		if err := bs.store.ViewShow(ctx, s.ID, count); err != nil {
			return nil, err
		}
		out = append(out, ShowInfo{Show: s, FreeSeats: free, TotalSeats: total, Cancelled: cancelled, Location: zone.loc})
	}
	return out, nil
}

// fewerSeats is the error of a listing of a show stored with fewer seats
// than its hall's layout has (a Store written by other means than
// ScheduleShow): SeatMap and Watch cannot read the layout's seats either,
// and fail.
func fewerSeats(showID string, stored, layout int) error {
	return invalid("show", "show %q is stored with %d seats, its hall's layout has %d", showID, stored, layout)
}

// listedZone is the time zone of the show listed last (ShowInfo.Location),
// by the theater or the hall it was found by: a theater's shows often come
// in a row, and then cost a comparison each.
type listedZone struct {
	key   string
	loc   *time.Location
	known bool
}

// of reports whether z is the zone of that theater or hall.
func (z *listedZone) of(key string) bool { return z.known && z.key == key }

func (z *listedZone) set(key string, loc *time.Location) {
	*z = listedZone{key: key, loc: loc, known: true}
}

// futureShows reads, a Store page at a time by read, the first limit shows
// after the cursor that have not started at now (Start after now: a show
// whose Start is now has started, and holds refuse it) and that keep, if
// not nil, keeps.
//
// The Store is asked from the later of the cursor and (now, ""), so that
// the shows that have started, a year of them for a long-running movie,
// are skipped by its index rather than read. That cursor still lets
// through the shows whose Start is exactly now (every ID is after ""),
// and, from a Store that cuts the cursor to its coarser precision, those
// that started within that precision before now: they are dropped here,
// and the page is read on from the last show the Store returned, so that
// it is never short by accident (a short page says it is the last). Only
// those few shows are read beyond the page.
//
// Without keep, each read asks for the shows the page lacks. With keep
// (a city's shows), the shows it drops may be most of them: each read
// after the first asks for twice as many as the one before, up to
// MaxPageLimit, so that a page costs a few reads, not one per show kept,
// and keep is not asked about the shows past the page's last.
func futureShows[T any](now time.Time, after ShowCursor, limit int, key func(T) ShowCursor,
	keep func(T) (bool, error), read func(after ShowCursor, limit int) ([]T, error)) ([]T, error) {
	if !after.Start.After(now) {
		after = ShowCursor{Start: now}
	}
	var out []T
	ask := 0
	for reads := 0; ; reads++ {
		want := limit - len(out)
		if keep != nil && reads > 0 {
			ask = min(MaxPageLimit, max(want, 2*ask))
		} else {
			ask = want
		}
		got, err := read(after, ask)
		if err != nil {
			return nil, err
		}
		got = got[:min(len(got), ask)]
		n := len(got)
		if n == 0 {
			return out, nil
		}
		last := key(got[n-1])
		// Kept as read, up to the page's end, while nothing is dropped:
		// the common case without keep (appending a page of 1,000 shows
		// one by one grew it ten times). got is never written: a Store may
		// answer with a slice it keeps.
		var kept []T
		own := false // kept is a copy, no longer a prefix of got
		for i, x := range got {
			ok := key(x).Start.After(now)
			if ok && keep != nil {
				if ok, err = keep(x); err != nil {
					return nil, err
				}
			}
			switch {
			case !ok && !own:
				kept, own = slices.Clone(got[:i]), true
			case ok && own:
				kept = append(kept, x)
			case ok:
				kept = got[:i+1]
			}
			if len(kept) == want {
				break
			}
		}
		if out == nil {
			out = kept
		} else {
			out = append(slices.Clip(out), kept...) // never into a Store's array
		}
		if n < ask || len(out) == limit {
			return out, nil
		}
		// A Store that does not move past the cursor would be asked for
		// the same shows again, forever. (The first cursor is not
		// compared: a Store may round it, see Store.ShowsOfMovie.)
		if reads > 0 && last.compare(after) <= 0 {
			return nil, fmt.Errorf("boxoffice: the Store returned show %q in a page of a movie's shows (ShowsOfMovie or ShowsOfMovieInCity), not after the cursor (%s, %q)",
				last.ID, after.Start.Format(time.RFC3339Nano), after.ID)
		}
		after = last
	}
}

// cityShows tells the shows of one city from the others, for one call of
// ShowsOfMovie. A show is in the theater of its hall (Hall.TheaterID, as
// for a Store's CityShowLister), whatever Show.TheaterID the Store
// returned; the theaters and halls are those the BookingSystem keeps
// (theater, hallTheater: read from the Store once for the process's
// life), and the map remembers, for this call, those met, so that a page
// passing many shows of one theater or hall asks once. It holds at most
// the theaters or halls of the shows the call read.
type cityShows struct {
	city string
	in   map[string]bool // theater or hall ID → in the city
}

func newCityShows(city string) *cityShows {
	return &cityShows{city: city, in: map[string]bool{}}
}

// holds reports whether show s, whose theater is known by key (its
// theater's ID, or its hall's), is in a theater of the city; theater
// returns that theater, nil if the Store has not it.
func (c *cityShows) holds(s *Show, key string, theater func() (*keptTheater, error)) (bool, error) {
	in, ok := c.in[key]
	if !ok {
		t, err := theater()
		switch {
		case err != nil:
			return false, fmt.Errorf("boxoffice: theater of show %q (hall %q): %w", s.ID, s.HallID, err)
		case t == nil:
			return false, fmt.Errorf("boxoffice: theater of show %q (hall %q): %w", s.ID, s.HallID, ErrNotFound)
		}
		in = strings.EqualFold(t.city, c.city)
		c.in[key] = in
	}
	return in, nil
}
