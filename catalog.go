package boxoffice

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// CleaningBuffer is the time a hall needs between the end of one show and
// the start of the next.
const CleaningBuffer = 30 * time.Minute

// MaxScheduleAhead is how far after the [Clock]'s now a show may start: ten
// years of 365 days. A later start is almost surely a typo (a year 20260),
// and times near [time.Time]'s maximum do not add up: Start plus the movie's
// duration would saturate and the show would block its hall for no time.
const MaxScheduleAhead = 10 * 365 * 24 * time.Hour

// Movie is a film that can be scheduled.
type Movie struct {
	ID       string
	Title    string
	Duration time.Duration
	Genres   []string
	Language string
	Rating   string // e.g. "PG-13"
}

// Theater is a cinema building in a city.
type Theater struct {
	ID       string
	Name     string
	Location string // street address or area, for people; the time zone is TimeZone
	City     string
	// TimeZone is the IANA name of the theater's time zone, such as
	// "Asia/Tokyo", or empty for none. The BookingSystem gives it to the
	// pricing strategy of every seat of the theater's shows
	// (PriceRequest.Location), so that CalendarPricing reads a show's day
	// where the show is: a show at 23:30 on a Friday in Tokyo is a
	// Saturday show there, wherever the process runs. Loading a zone
	// needs the system's zoneinfo database or a program that imports
	// time/tzdata; boxoffice does not import it for you (it adds some
	// 450 KB to every binary), so a program that may run where there is
	// no zoneinfo (a scratch container, Windows) should.
	TimeZone string
}

// Hall is a screen inside a theater, with its seat layout.
type Hall struct {
	ID        string
	TheaterID string
	Name      string
	Layout    *Layout
}

// Show is one screening of a movie in a hall. Its [Show.Start] and
// [Show.End], as the [BookingSystem] returns them, are in UTC, to the
// microsecond (see ScheduleShow): compare Shows with ==, or format Start in
// the theater's zone with [time.Time.In].
type Show struct {
	ID        string
	MovieID   string
	HallID    string
	TheaterID string
	Start     time.Time
	End       time.Time // Start + the movie's duration
	BasePrice Money     // price of a Regular seat before pricing rules
}

// blockedUntil is when the hall is free again after the show.
func (s Show) blockedUntil() time.Time { return s.End.Add(CleaningBuffer) }

// Interval is the half-open time range [Start, End).
type Interval struct {
	Start, End time.Time
}

// Overlaps reports whether the two half-open intervals share an instant;
// an empty interval overlaps nothing.
func (i Interval) Overlaps(j Interval) bool {
	return i.Start.Before(j.End) && j.Start.Before(i.End) && i.Start.Before(i.End) && j.Start.Before(j.End)
}

// Input bounds for catalog entries, so that bad input gets an error rather
// than unbounded memory.
const (
	maxIDLen       = 128
	maxTextLen     = 512
	maxGenres      = 16
	maxMovieLength = 12 * time.Hour
)

func validText(field, s string, required bool, max int) error {
	switch {
	case s == "" && required:
		return invalid(field, "empty")
	case len(s) > max:
		return invalid(field, "longer than %d bytes", max)
	case !utf8.ValidString(s):
		return invalid(field, "not valid UTF-8")
	case strings.ContainsFunc(s, isControl):
		return invalid(field, "contains control characters")
	}
	return nil
}

// overlongID refuses, as not found, an ID longer than any the catalog
// takes, before a Store is asked about it: IDs to look up come from end
// users (a URL's path), and neither the database nor the error should get
// a megabyte of one back.
func overlongID(kind, id string) error {
	if len(id) <= maxIDLen {
		return nil
	}
	return fmt.Errorf("boxoffice: no %s with an ID of %d bytes (IDs have at most %d): %w", kind, len(id), maxIDLen, ErrNotFound)
}

// newID fills an empty catalog ID with a random one.
func newID(id string) string {
	if id == "" {
		return uuid.NewString()
	}
	return id
}

// AddMovie adds a movie to the catalog and returns it as stored; an empty
// ID is filled with a random one. Its text — the ID (at most 128 bytes),
// Title, Language, Rating and each of at most 16 Genres (at most 512 bytes
// each) — must be valid UTF-8 without control characters, the Title and
// the genres not empty, and its Duration at least a microsecond and at most
// 12 hours, cut down to the microsecond (a finer part is dropped, as from a
// show's Start); otherwise the error is an [*ArgumentError]
// ([ErrInvalidArgument]). An ID already taken is [ErrAlreadyExists].
func (bs *BookingSystem) AddMovie(ctx context.Context, m Movie) (Movie, error) {
	gs, err := bs.enter()
	if err != nil {
		return Movie{}, err
	}
	defer bs.leave(gs)
	m.ID = newID(m.ID)
	m.Genres = slices.Clone(m.Genres)
	err = errors.Join(
		validText("Movie.ID", m.ID, true, maxIDLen),
		validText("Movie.Title", m.Title, true, maxTextLen),
		validText("Movie.Language", m.Language, false, maxTextLen),
		validText("Movie.Rating", m.Rating, false, maxTextLen),
	)
	if err != nil {
		return Movie{}, err
	}
	// Kept to the microsecond, as show times are (storedTime): PostgreSQL's
	// interval holds no finer, and a show then ends exactly Duration after
	// it starts. Below a microsecond a show would end as it starts.
	d := m.Duration.Truncate(time.Microsecond)
	if d <= 0 || d > maxMovieLength {
		return Movie{}, invalid("Movie.Duration", "%s; want at least 1µs and at most %s", m.Duration, maxMovieLength)
	}
	m.Duration = d
	if len(m.Genres) > maxGenres {
		return Movie{}, invalid("Movie.Genres", "%d genres; at most %d", len(m.Genres), maxGenres)
	}
	for _, g := range m.Genres {
		if err := validText("Movie.Genres", g, true, maxTextLen); err != nil {
			return Movie{}, err
		}
	}
	if err := bs.store.AddMovie(ctx, m); err != nil {
		return Movie{}, err
	}
	return m, nil
}

// AddTheater adds a theater to the catalog and returns it as stored; an
// empty ID is filled with a random one. Its Name and City are required;
// its text follows [BookingSystem.AddMovie]'s rules (an [*ArgumentError]
// otherwise), and an ID already taken is [ErrAlreadyExists]. A TimeZone, if
// set, must be a zone this program can load ([time.LoadLocation]), other than
// "Local", the process's own zone, which differs from one process to the
// next, or "localtime", the machine's, and written as its clean name
// ("Asia/Tokyo", not "Asia//Tokyo", which loads only from a zoneinfo
// directory), nor a file only such a directory has ("posixrules",
// "posix/...", "right/..."): otherwise the error is an *ArgumentError naming
// the zone.
func (bs *BookingSystem) AddTheater(ctx context.Context, t Theater) (Theater, error) {
	gs, err := bs.enter()
	if err != nil {
		return Theater{}, err
	}
	defer bs.leave(gs)
	t.ID = newID(t.ID)
	err = errors.Join(
		validText("Theater.ID", t.ID, true, maxIDLen),
		validText("Theater.Name", t.Name, true, maxTextLen),
		validText("Theater.Location", t.Location, false, maxTextLen),
		validText("Theater.City", t.City, true, maxTextLen),
		validText("Theater.TimeZone", t.TimeZone, false, maxIDLen),
	)
	if err != nil {
		return Theater{}, err
	}
	if t.TimeZone != "" {
		if _, err := bs.zones.load(t.TimeZone); err != nil {
			return Theater{}, err
		}
	}
	if err := bs.store.AddTheater(ctx, t); err != nil {
		return Theater{}, err
	}
	bs.keepTheater(t.ID, t)
	return t, nil
}

// AddHall adds a hall with its seat layout to a theater and returns it as
// stored; an empty ID is filled with a random one. Its Name, TheaterID and
// a [Layout] with seats are required, its text following
// [BookingSystem.AddMovie]'s rules (an [*ArgumentError] otherwise); an
// unknown theater is [ErrNotFound], and an ID already taken
// [ErrAlreadyExists].
func (bs *BookingSystem) AddHall(ctx context.Context, h Hall) (Hall, error) {
	gs, err := bs.enter()
	if err != nil {
		return Hall{}, err
	}
	defer bs.leave(gs)
	h.ID = newID(h.ID)
	err = errors.Join(
		validText("Hall.ID", h.ID, true, maxIDLen),
		validText("Hall.Name", h.Name, true, maxTextLen),
		validText("Hall.TheaterID", h.TheaterID, true, maxIDLen),
	)
	if err != nil {
		return Hall{}, err
	}
	if h.Layout == nil || h.Layout.Len() == 0 {
		return Hall{}, invalid("Hall.Layout", "no seats; build one with SeedLayout, GridLayout or ParseLayout")
	}
	t, err := bs.store.Theater(ctx, h.TheaterID)
	if err != nil {
		return Hall{}, err
	}
	if err := bs.store.AddHall(ctx, h); err != nil {
		return Hall{}, err
	}
	bs.hallTheaters.Store(h.ID, &keptHall{theater: bs.keepTheater(h.TheaterID, t), seats: layoutSeats(h)})
	return h, nil
}

// ScheduleShow adds a show of a movie in a hall and returns it as stored,
// with End (start plus the movie's duration) and TheaterID filled in and
// an empty ID filled with a random one. Start and End are stored as every
// time the [BookingSystem] stores: in UTC, without a monotonic clock reading
// (see [time.Time.Round]) and cut down to the microsecond, a finer part of
// Start being dropped rather than refused. The [Show] returned is then the
// one Show returns, on every [Store]: == to it, whatever the zone and
// precision of the Start given. If a show of that ID already exists, the
// error matches [ErrAlreadyExists]. A show may not start in the past or
// more than [MaxScheduleAhead] after the [Clock]'s now (an [*ArgumentError]),
// and may not overlap another show of the hall, counting [CleaningBuffer]
// after each: that fails with a [*ScheduleConflictError] naming the other
// show. A cancelled show ([BookingSystem.CancelShow]) is not in the way: its
// slot is free again. A BasePrice outside [0, MaxPrice] is an *ArgumentError;
// an unknown movie or hall is [ErrNotFound]. It also needs the hall's
// theater, for the zone of its [ShowScheduled] ([EventMeta.Location]), with
// or without observers, so that the call has one outcome either way: the
// theater is read from the Store the first time the process needs it
// ([BookingSystem.ShowsOfMovie]), a Store error reading it fails the call
// with nothing stored, as for the movie and the hall, and a theater the Store
// does not have gives the event no zone.
func (bs *BookingSystem) ScheduleShow(ctx context.Context, s Show) (Show, error) {
	gs, err := bs.enter()
	if err != nil {
		return Show{}, err
	}
	defer bs.leave(gs)
	s.ID = newID(s.ID)
	// A Start built from time.Now() carries a monotonic reading, which
	// comparisons with another such time follow instead of the wall clock;
	// the show starts at a wall time, on every Store alike.
	s.Start = s.Start.Round(0)
	if err := validText("Show.ID", s.ID, true, maxIDLen); err != nil {
		return Show{}, err
	}
	if s.BasePrice < 0 || s.BasePrice > MaxPrice {
		return Show{}, invalid("Show.BasePrice", "%s; want 0 to %s", s.BasePrice, MaxPrice)
	}
	now := bs.clock.Now()
	if s.Start.IsZero() || s.Start.Before(now) {
		return Show{}, invalid("Show.Start", "%s is in the past (now %s)", s.Start.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	// Nor at farFuture or later, whatever the clock says: the searches
	// that look ahead (SearchMovies by City) stop there.
	latest := now.Add(MaxScheduleAhead)
	if !latest.Before(farFuture) {
		latest = farFuture.Add(-time.Nanosecond)
	}
	if s.Start.After(latest) {
		return Show{}, invalid("Show.Start", "%s is more than 10 years ahead (latest %s); check the year",
			s.Start.Format(time.RFC3339), latest.Format(time.RFC3339))
	}
	// Judged as given, stored as every stored time (storedTime): in UTC,
	// cut down to the microsecond. Cut down, a Start at or after the
	// Clock's now is still at or after a transaction's reading of the same
	// now, which is cut down as well.
	s.Start = storedTime(s.Start)
	if err := errors.Join(overlongID("movie", s.MovieID), overlongID("hall", s.HallID)); err != nil {
		return Show{}, err
	}
	movie, err := bs.store.Movie(ctx, s.MovieID)
	if err != nil {
		return Show{}, err
	}
	hall, err := bs.store.Hall(ctx, s.HallID)
	if err != nil {
		return Show{}, err
	}
	s.TheaterID = hall.TheaterID
	// The theater, for ShowScheduled's Location, whether or not someone
	// listens, so that the call has one outcome either way; read from the
	// Store once per theater for the process's life (and kept for the
	// theater's listings), before the show is stored: a Store failing to
	// read it fails the call with nothing stored, as for the movie and the
	// hall.
	theater, err := bs.keepHall(ctx, hall)
	if err != nil {
		return Show{}, err
	}
	s.End = storedTime(s.Start.Add(movie.Duration)) // a movie stored by other means may have nanoseconds
	if !s.End.After(s.Start) || !s.blockedUntil().After(s.End) {
		// Unreachable below the horizon; an empty interval would overlap
		// nothing and let two shows share the hall.
		return Show{}, invalid("Show.Start", "%s is too late to add the movie's duration", s.Start.Format(time.RFC3339))
	}
	// A show blocks the hall over [Start, End+buffer); another overlaps it
	// exactly when its [Start, End) meets [Start-buffer, End+buffer).
	window := Interval{Start: s.Start.Add(-CleaningBuffer), End: s.blockedUntil()}
	// ShowScheduled must reach observers before any event of the show
	// (commit order per show), but the show's own lock cannot be taken
	// before the show exists: on the in-memory Store it is the record's,
	// which AddShow makes. A request reaches a show through its entry;
	// marked as being scheduled from before it is stored until
	// ShowScheduled is published, the show gets no entry meanwhile, so a
	// request that finds it waits (entry). Only requests for this show
	// wait, and only those that come while it is being added. Requests of
	// other BookingSystems sharing the Store do not wait, but their
	// observers do not get this ShowScheduled.
	end, err := bs.shows.startScheduling(ctx, s.ID)
	if err != nil {
		return Show{}, err
	}
	defer end()
	if err := bs.addShow(ctx, s, hall.Layout, window); err != nil {
		return Show{}, err
	}
	meta := EventMeta{At: storedTime(now), ShowID: s.ID}
	meta.Location = theater.location(&bs.zones) // as the show's listings give it
	bs.events.publish(s.ID, []Event{&ShowScheduled{EventMeta: meta, Show: s}})
	return s, nil
}

// addShow stores s if no show of the hall that is not cancelled overlaps
// it. A cancelled show no longer holds its slot, but the Store lists it
// like any other, and its cancelled state is in its own transaction, not
// in the hall's; so the cancelled state of a show is read only when it is
// in the way, and AddShow tried again without it. Once cancelled, a show
// stays cancelled, so what was read stays true.
func (bs *BookingSystem) addShow(ctx context.Context, s Show, layout *Layout, window Interval) error {
	var cancelled map[string]bool
	for {
		err := bs.store.AddShow(ctx, s, layout, window, func(overlapping []Show) error {
			for _, o := range overlapping {
				if !cancelled[o.ID] && (Interval{o.Start, o.blockedUntil()}).Overlaps(Interval{s.Start, s.blockedUntil()}) {
					return &ScheduleConflictError{Show: s, Conflict: o}
				}
			}
			return nil
		})
		var conflict *ScheduleConflictError
		if !errors.As(err, &conflict) {
			return err
		}
		gone, cerr := bs.showCancelled(ctx, conflict.Conflict.ID)
		if cerr != nil || !gone {
			return err // the conflict stands, as far as can be told
		}
		if cancelled == nil {
			cancelled = make(map[string]bool)
		}
		cancelled[conflict.Conflict.ID] = true
	}
}

// showCancelled reports whether the show has been cancelled (CancelShow).
func (bs *BookingSystem) showCancelled(ctx context.Context, showID string) (bool, error) {
	var cancelled bool
	err := bs.store.ViewShow(ctx, showID, func(tx ShowTx) error {
		cancelled = tx.ShowCancelled()
		return nil
	})
	return cancelled, err
}

// Movie returns a movie by ID; [ErrNotFound] if there is none.
func (bs *BookingSystem) Movie(ctx context.Context, id string) (Movie, error) {
	if err := bs.made(); err != nil {
		return Movie{}, err
	}
	if err := overlongID("movie", id); err != nil {
		return Movie{}, err
	}
	return bs.store.Movie(ctx, id)
}

// Theater returns a theater by ID; [ErrNotFound] if there is none.
func (bs *BookingSystem) Theater(ctx context.Context, id string) (Theater, error) {
	if err := bs.made(); err != nil {
		return Theater{}, err
	}
	if err := overlongID("theater", id); err != nil {
		return Theater{}, err
	}
	return bs.store.Theater(ctx, id)
}

// Hall returns a hall by ID; [ErrNotFound] if there is none.
func (bs *BookingSystem) Hall(ctx context.Context, id string) (Hall, error) {
	if err := bs.made(); err != nil {
		return Hall{}, err
	}
	if err := overlongID("hall", id); err != nil {
		return Hall{}, err
	}
	return bs.store.Hall(ctx, id)
}

// Show returns a show by ID; [ErrNotFound] if there is none.
func (bs *BookingSystem) Show(ctx context.Context, id string) (Show, error) {
	if err := bs.made(); err != nil {
		return Show{}, err
	}
	e, err := bs.entry(ctx, id)
	if err != nil {
		return Show{}, err
	}
	return e.show, nil
}
