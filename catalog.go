package boxoffice

import "time"

// CleaningBuffer is the time a hall needs between the end of one show and
// the start of the next.
const CleaningBuffer = 30 * time.Minute

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
	Location string // street address or area
	City     string
}

// Hall is a screen inside a theater, with its seat layout.
type Hall struct {
	ID        string
	TheaterID string
	Name      string
	Layout    *Layout
}

// Show is one screening of a movie in a hall.
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

// Overlaps reports whether the two half-open intervals share an instant.
func (i Interval) Overlaps(j Interval) bool {
	return i.Start.Before(j.End) && j.Start.Before(i.End)
}
