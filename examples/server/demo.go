package main

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// The demo catalog: two theaters in two cities, three halls (the seed's
// rectangular hall and two drawn with ParseLayout, with aisles), five
// movies, and shows today and tomorrow with some seats already sold.

var demoMovies = []boxoffice.Movie{
	{ID: "neon-harbor", Title: "Neon Harbor", Duration: 132 * time.Minute, Genres: []string{"Sci-Fi", "Thriller"}, Language: "English", Rating: "PG-13"},
	{ID: "the-last-projectionist", Title: "The Last Projectionist", Duration: 118 * time.Minute, Genres: []string{"Drama"}, Language: "English", Rating: "PG-13"},
	{ID: "paper-moons", Title: "Paper Moons", Duration: 94 * time.Minute, Genres: []string{"Animation", "Family"}, Language: "English", Rating: "G"},
	{ID: "a-noite-longa", Title: "A Noite Longa", Duration: 107 * time.Minute, Genres: []string{"Drama", "Romance"}, Language: "Portuguese", Rating: "M/12"},
	{ID: "velvet-heist", Title: "Velvet Heist", Duration: 112 * time.Minute, Genres: []string{"Comedy", "Crime"}, Language: "English", Rating: "R"},
}

// demoZone is the time zone of the demo's theaters, both in Portugal:
// main schedules the demo's shows at their hours there.
const demoZone = "Europe/Lisbon"

var demoTheaters = []boxoffice.Theater{
	{ID: "avenida", Name: "Cinema Avenida", Location: "Av. da Liberdade 175", City: "Lisbon", TimeZone: demoZone},
	{ID: "ribeira", Name: "Cinema Ribeira", Location: "Cais da Ribeira 12", City: "Porto", TimeZone: demoZone},
}

// grandHall is a hall as a person would draw it: short front rows, two
// aisles through the middle block, and a row of VIP seats at the back.
const grandHall = `
# screen
A  ....RRRRRRRR....
B  ..RRRRRRRRRRRR..
C  RRRR.RRRRRR.RRRR
D  RRRR.RRRRRR.RRRR
E  PPPP.PPPPPP.PPPP
F  PPPP.PPPPPP.PPPP
G  PPPP.PPPPPP.PPPP
H  ....VVVVVVVV....
`

// studioHall is a small hall with a centre aisle.
const studioHall = `
# screen
A  RRRRR.RRRRR
B  RRRRR.RRRRR
C  PPPPP.PPPPP
D  PPPPP.PPPPP
E  VVVV...VVVV
`

type demoHall struct {
	id, theater, name string
	layout            func() (*boxoffice.Layout, error)
}

var demoHalls = []demoHall{
	{"avenida-1", "avenida", "Sala 1", func() (*boxoffice.Layout, error) { return boxoffice.SeedLayout(), nil }},
	{"avenida-2", "avenida", "Sala Grande", func() (*boxoffice.Layout, error) { return boxoffice.ParseLayout(grandHall) }},
	{"ribeira-1", "ribeira", "Estúdio", func() (*boxoffice.Layout, error) { return boxoffice.ParseLayout(studioHall) }},
}

// Demo prices: matinees are cheaper. Seat types multiply them (VIP ×1.5,
// Premium ×1.3) through the library's default pricing.
const (
	matineePrice boxoffice.Money = 9_50
	eveningPrice boxoffice.Money = 12_50
)

// seedDemo fills the BookingSystem with the demo catalog and shows. It is
// safe to run from several processes sharing one Store at once, and again
// on a Store it already filled: the catalog is added when the Store has
// no movies or has the demo's (completing what another process seeding at
// the same time may not have added yet; a Store with other movies is left
// as it is), and a hall gets shows only when it has none to come. Shows
// are scheduled at hours in loc (main passes demoZone, the theaters').
// Entries have fixed IDs, so a process that loses a race to another gets
// ErrAlreadyExists or ErrScheduleConflict, and leaves it at that.
func seedDemo(ctx context.Context, sys *boxoffice.BookingSystem, loc *time.Location) (shows int, err error) {
	movies, err := sys.SearchMovies(ctx, boxoffice.MovieQuery{Limit: 1}) // any at all?
	if err != nil {
		return 0, err
	}
	if len(movies) > 0 {
		if _, err := sys.Movie(ctx, demoMovies[0].ID); errors.Is(err, boxoffice.ErrNotFound) {
			return 0, nil // someone else's catalog: leave it alone
		} else if err != nil {
			return 0, err
		}
	}
	// Ours, or none yet: complete it, since another process may be adding
	// it right now and not have got to the halls.
	if err := addDemoCatalog(ctx, sys); err != nil {
		return 0, err
	}
	busy, err := hallsWithShows(ctx, sys)
	if err != nil {
		return 0, err
	}
	now := sys.Clock().Now().In(loc)
	for h, hall := range demoHalls {
		if busy[hall.id] {
			continue
		}
		for _, show := range demoSchedule(h, hall.id, now) {
			show, err := sys.ScheduleShow(ctx, show)
			if errors.Is(err, boxoffice.ErrAlreadyExists) || errors.Is(err, boxoffice.ErrScheduleConflict) {
				continue // another process is seeding this hall
			}
			if err != nil {
				return shows, fmt.Errorf("scheduling %s: %w", show.ID, err)
			}
			if err := sellDemoSeats(ctx, sys, show.ID); err != nil {
				return shows, fmt.Errorf("selling seats of %s: %w", show.ID, err)
			}
			shows++
		}
	}
	return shows, nil
}

func addDemoCatalog(ctx context.Context, sys *boxoffice.BookingSystem) error {
	ignoreExisting := func(err error) error {
		if errors.Is(err, boxoffice.ErrAlreadyExists) {
			return nil
		}
		return err
	}
	for _, m := range demoMovies {
		if _, err := sys.AddMovie(ctx, m); ignoreExisting(err) != nil {
			return err
		}
	}
	for _, t := range demoTheaters {
		if _, err := sys.AddTheater(ctx, t); ignoreExisting(err) != nil {
			return err
		}
	}
	for _, h := range demoHalls {
		layout, err := h.layout()
		if err != nil {
			return fmt.Errorf("hall %s: %w", h.id, err)
		}
		if _, err := sys.AddHall(ctx, boxoffice.Hall{ID: h.id, TheaterID: h.theater, Name: h.name, Layout: layout}); ignoreExisting(err) != nil {
			return err
		}
	}
	return nil
}

// hallsWithShows reports the halls that have a show still to come.
func hallsWithShows(ctx context.Context, sys *boxoffice.BookingSystem) (map[string]bool, error) {
	busy := map[string]bool{}
	for _, m := range demoMovies {
		page := boxoffice.ShowPage{Limit: boxoffice.MaxPageLimit}
		for {
			shows, err := sys.ShowsOfMovie(ctx, m.ID, page)
			if errors.Is(err, boxoffice.ErrNotFound) {
				break
			}
			if err != nil {
				return nil, err
			}
			for _, s := range shows {
				busy[s.HallID] = true
			}
			if len(shows) < page.Limit {
				break
			}
			page.After = shows[len(shows)-1].ID
		}
	}
	return busy, nil
}

// demoSchedule plans the shows of hall number h for the rest of today and
// for tomorrow, back to back with the cleaning buffer between them, from
// 10:00 (or twenty minutes from now) to a last start at 23:00. Halls start
// staggered so that the day's show times differ from hall to hall.
func demoSchedule(h int, hallID string, now time.Time) []boxoffice.Show {
	var shows []boxoffice.Show
	for day := range 2 {
		date := now.AddDate(0, 0, day)
		open := time.Date(date.Year(), date.Month(), date.Day(), 10, 0, 0, 0, now.Location()).Add(time.Duration(h) * 40 * time.Minute)
		last := time.Date(date.Year(), date.Month(), date.Day(), 23, 0, 0, 0, now.Location())
		start := open
		if earliest := now.Add(20 * time.Minute); start.Before(earliest) {
			start = roundUp(earliest, 15*time.Minute)
		}
		for k := 0; !start.After(last); k++ {
			movie := demoMovies[(2*h+k+day)%len(demoMovies)]
			price := eveningPrice
			if start.Hour() < 17 {
				price = matineePrice
			}
			shows = append(shows, boxoffice.Show{
				ID:      fmt.Sprintf("%s-%s", hallID, start.Format("20060102-1504")),
				MovieID: movie.ID, HallID: hallID, Start: start, BasePrice: price,
			})
			start = roundUp(start.Add(movie.Duration+boxoffice.CleaningBuffer), 15*time.Minute)
		}
	}
	return shows
}

func roundUp(t time.Time, d time.Duration) time.Time {
	if r := t.Truncate(d); !r.Equal(t) {
		return r.Add(d)
	}
	return t
}

// sellDemoSeats sells about a fifth of a new show's seats, in groups of one
// to four neighbours chosen by a hash of the show's and the seat's IDs, so
// that the page shows a hall people are already buying into. Each group is
// one booking of its own demo customer.
func sellDemoSeats(ctx context.Context, sys *boxoffice.BookingSystem, showID string) error {
	m, err := sys.SeatMap(ctx, showID)
	if err != nil {
		return err
	}
	seats := m.Seats
	for i := 0; i < len(seats); i++ {
		h := fnv.New32a()
		h.Write([]byte(showID + "/" + seats[i].ID))
		n := h.Sum32()
		if n%100 >= 8 {
			continue
		}
		group := []string{seats[i].ID}
		for size := 1 + int(n>>8)%4; len(group) < size && i+1 < len(seats); i++ {
			next, cur := seats[i+1], seats[i]
			if next.Line != cur.Line || next.Column != cur.Column+1 {
				break
			}
			group = append(group, next.ID)
		}
		b, err := sys.HoldSeats(ctx, fmt.Sprintf("demo-%s-%s", showID, group[0]), showID, group)
		if err != nil {
			return err
		}
		if _, err := sys.ConfirmBooking(ctx, b.ID, "card:tok_visa"); err != nil {
			return err
		}
	}
	return nil
}
