package boxoffice_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

func TestScheduleShowConflicts(t *testing.T) {
	// S1 runs 19:00–21:28 (148 minutes); the hall is busy until 21:58.
	day := func(h, m int) time.Time { return time.Date(2026, 3, 3, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		start    time.Time
		conflict bool
	}{
		{"right after cleaning", day(21, 58), false},
		{"one minute into cleaning", day(21, 57), true},
		{"overlapping the end", day(21, 0), true},
		{"same start", day(19, 0), true},
		{"its cleaning ends as S1 starts", day(16, 2), false}, // 16:02 + 148 min + 30 min = 19:00
		{"its cleaning ends a minute into S1", day(16, 3), true},
		{"long before", day(10, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			s := boxoffice.Show{ID: "new", MovieID: "M1", HallID: "H1", Start: tt.start, BasePrice: 1000}
			got, err := f.sys.ScheduleShow(f.ctx, s)
			if !tt.conflict {
				if err != nil || !got.End.Equal(tt.start.Add(148*time.Minute)) || got.TheaterID != "T1" {
					t.Fatalf("ScheduleShow = %+v, %v; want scheduled", got, err)
				}
				return
			}
			var ce *boxoffice.ScheduleConflictError
			if !errors.Is(err, boxoffice.ErrScheduleConflict) || !errors.As(err, &ce) || ce.Conflict.ID != "S1" {
				t.Fatalf("err = %v; want a conflict naming S1", err)
			}
			if _, err := f.sys.Show(f.ctx, "new"); !errors.Is(err, boxoffice.ErrNotFound) {
				t.Errorf("the refused show was stored: %v", err)
			}
		})
	}
}

func TestScheduleShowRejectsBadInput(t *testing.T) {
	f := newFixture(t)
	tomorrow := start.Add(24 * time.Hour)
	tests := []struct {
		name string
		show boxoffice.Show
		want error
	}{
		{"in the past", boxoffice.Show{MovieID: "M1", HallID: "H1", Start: start.Add(-time.Minute), BasePrice: 1}, boxoffice.ErrInvalidArgument},
		{"no start", boxoffice.Show{MovieID: "M1", HallID: "H1", BasePrice: 1}, boxoffice.ErrInvalidArgument},
		{"negative price", boxoffice.Show{MovieID: "M1", HallID: "H1", Start: tomorrow, BasePrice: -1}, boxoffice.ErrInvalidArgument},
		{"huge price", boxoffice.Show{MovieID: "M1", HallID: "H1", Start: tomorrow, BasePrice: boxoffice.MaxPrice + 1}, boxoffice.ErrInvalidArgument},
		{"unknown movie", boxoffice.Show{MovieID: "M9", HallID: "H1", Start: tomorrow}, boxoffice.ErrNotFound},
		{"unknown hall", boxoffice.Show{MovieID: "M1", HallID: "H9", Start: tomorrow}, boxoffice.ErrNotFound},
		{"taken ID", boxoffice.Show{ID: "S1", MovieID: "M1", HallID: "H1", Start: tomorrow}, boxoffice.ErrAlreadyExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.sys.ScheduleShow(f.ctx, tt.show); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v; want %v", err, tt.want)
			}
		})
	}
}

func TestAddCatalogRejectsBadInput(t *testing.T) {
	f := newFixture(t)
	if _, err := f.sys.AddMovie(f.ctx, boxoffice.Movie{Title: "", Duration: time.Hour}); !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Errorf("untitled movie: %v", err)
	}
	if _, err := f.sys.AddMovie(f.ctx, boxoffice.Movie{Title: "X", Duration: 0}); !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Errorf("zero duration: %v", err)
	}
	if _, err := f.sys.AddMovie(f.ctx, boxoffice.Movie{ID: "M1", Title: "X", Duration: time.Hour}); !errors.Is(err, boxoffice.ErrAlreadyExists) {
		t.Errorf("duplicate movie: %v", err)
	}
	if _, err := f.sys.AddMovie(f.ctx, boxoffice.Movie{Title: "bad\x07title", Duration: time.Hour}); !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Errorf("control character: %v", err)
	}
	if _, err := f.sys.AddHall(f.ctx, boxoffice.Hall{TheaterID: "T1", Name: "empty"}); !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Errorf("hall without layout: %v", err)
	}
	if _, err := f.sys.AddHall(f.ctx, boxoffice.Hall{TheaterID: "T9", Name: "x", Layout: boxoffice.SeedLayout()}); !errors.Is(err, boxoffice.ErrNotFound) {
		t.Errorf("hall of unknown theater: %v", err)
	}
	m, err := f.sys.AddMovie(f.ctx, boxoffice.Movie{Title: "Generated", Duration: time.Hour})
	if err != nil || m.ID == "" {
		t.Errorf("movie without ID: %+v, %v; want a generated ID", m, err)
	}
}

func TestSearchMovies(t *testing.T) {
	f := newFixture(t)
	add := func(m boxoffice.Movie) { mustT[boxoffice.Movie](t)(f.sys.AddMovie(f.ctx, m)) }
	add(boxoffice.Movie{ID: "M2", Title: "The Dark Knight", Duration: 152 * time.Minute, Genres: []string{"Action", "Drama"}, Language: "English"})
	add(boxoffice.Movie{ID: "M3", Title: "Dangal", Duration: 161 * time.Minute, Genres: []string{"Drama", "Sport"}, Language: "Hindi"})
	add(boxoffice.Movie{ID: "M4", Title: "Amélie", Duration: 122 * time.Minute, Genres: []string{"Comedy"}, Language: "French"})
	mustT[boxoffice.Theater](t)(f.sys.AddTheater(f.ctx, boxoffice.Theater{ID: "T2", Name: "INOX", City: "Delhi"}))
	mustT[boxoffice.Hall](t)(f.sys.AddHall(f.ctx, boxoffice.Hall{ID: "H2", TheaterID: "T2", Name: "1", Layout: boxoffice.SeedLayout()}))
	mustT[boxoffice.Show](t)(f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "S2", MovieID: "M3", HallID: "H2", Start: start.Add(time.Hour), BasePrice: 900}))

	tests := []struct {
		q    boxoffice.MovieQuery
		want []string
	}{
		{boxoffice.MovieQuery{}, []string{"M4", "M3", "M1", "M2"}},
		{boxoffice.MovieQuery{Title: "dark"}, []string{"M2"}},
		{boxoffice.MovieQuery{Title: "AMÉ"}, []string{"M4"}},
		{boxoffice.MovieQuery{Title: "n"}, []string{"M3", "M1", "M2"}},
		{boxoffice.MovieQuery{Genre: "drama"}, []string{"M3", "M2"}},
		{boxoffice.MovieQuery{Language: "hindi"}, []string{"M3"}},
		{boxoffice.MovieQuery{City: "Mumbai"}, []string{"M1"}},
		{boxoffice.MovieQuery{City: "delhi", Genre: "Sport"}, []string{"M3"}},
		{boxoffice.MovieQuery{City: "Paris"}, nil},
		{boxoffice.MovieQuery{Title: "zzz"}, nil},
	}
	for _, tt := range tests {
		got := mustT[[]boxoffice.Movie](t)(f.sys.SearchMovies(f.ctx, tt.q))
		var ids []string
		for _, m := range got {
			ids = append(ids, m.ID)
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("SearchMovies(%+v) = %v; want %v", tt.q, ids, tt.want)
		}
	}
	f.clock.Set(start.Add(2 * time.Hour)) // S2 has started: Delhi shows nothing now
	if got := mustT[[]boxoffice.Movie](t)(f.sys.SearchMovies(f.ctx, boxoffice.MovieQuery{City: "Delhi"})); len(got) != 0 {
		t.Errorf("city search after the only show started: %v", got)
	}
}

func TestShowsOfMovieCountsFreeSeats(t *testing.T) {
	f := newFixture(t)
	f.hold("alice", "A1", "A2")
	f.confirm(f.hold("bob", "B1"))
	shows := mustT[[]boxoffice.ShowInfo](t)(f.sys.ShowsOfMovie(f.ctx, "M1", boxoffice.ShowPage{}))
	if len(shows) != 1 || shows[0].ID != "S1" || shows[0].TotalSeats != 60 || shows[0].FreeSeats != 57 {
		t.Fatalf("ShowsOfMovie = %+v; want S1 with 57 of 60 free", shows)
	}
	f.clock.Advance(10 * time.Minute)
	shows = mustT[[]boxoffice.ShowInfo](t)(f.sys.ShowsOfMovie(f.ctx, "M1", boxoffice.ShowPage{}))
	if shows[0].FreeSeats != 59 {
		t.Errorf("after alice's hold lapsed: %d free; want 59", shows[0].FreeSeats)
	}
	if _, err := f.sys.ShowsOfMovie(f.ctx, "M9", boxoffice.ShowPage{}); !errors.Is(err, boxoffice.ErrNotFound) {
		t.Errorf("unknown movie: %v", err)
	}
}

// TestShowsOfMovieFreeSeatsFollowTheShow moves a show through holds that
// lapse at different times, a clock moved back, an extension, a release,
// a payment and a sweep, and checks after each step that ShowsOfMovie's
// count (which the in-memory Store keeps between changes) agrees with the
// seat map, asking twice so that the kept count is what is checked.
func TestShowsOfMovieFreeSeatsFollowTheShow(t *testing.T) {
	clock := newBenchClock(start) // a clock that can move back; its timers never fire
	advance := func(d time.Duration) { clock.Set(clock.Now().Add(d)) }
	f := newFixture(t, func(c *boxoffice.Config) { c.Clock = clock; c.MaxHoldExtensions = 1 })
	var late boxoffice.Booking
	steps := []struct {
		name string
		do   func()
		free int
	}{
		{"nothing held", func() {}, 60},
		{"a hold of two", func() { f.hold("alice", "A1", "A2") }, 58},
		{"a later hold of three", func() { advance(4 * time.Minute); late = f.hold("bob", "C1", "C2", "C3") }, 55},
		{"time passes, nothing lapses", func() { advance(5 * time.Minute) }, 55},
		{"the first hold lapses", func() { advance(time.Minute) }, 57},
		{"the clock moves back before it lapsed", func() { advance(-2 * time.Minute) }, 55},
		{"the clock moves forward again", func() { advance(2 * time.Minute) }, 57},
		{"the later hold is extended", func() {
			if _, err := f.sys.ExtendHold(f.ctx, late.ID); err != nil {
				t.Fatal(err)
			}
		}, 57},
		{"past the later hold's first deadline", func() { advance(5 * time.Minute) }, 57},
		{"one seat paid", func() { f.confirm(f.hold("carol", "E1")) }, 56},
		{"the later hold released", func() {
			if _, err := f.sys.ReleaseHold(f.ctx, late.ID); err != nil {
				t.Fatal(err)
			}
		}, 59},
		{"a sweep", func() {
			if _, err := f.sys.Sweep(f.ctx); err != nil {
				t.Fatal(err)
			}
		}, 59},
	}
	for _, step := range steps {
		step.do()
		for range 2 {
			shows := mustT[[]boxoffice.ShowInfo](t)(f.sys.ShowsOfMovie(f.ctx, "M1", boxoffice.ShowPage{}))
			if len(shows) != 1 || shows[0].FreeSeats != step.free {
				t.Fatalf("%s: ShowsOfMovie = %+v; want %d free", step.name, shows, step.free)
			}
		}
		sm := mustT[boxoffice.SeatMap](t)(f.sys.SeatMap(f.ctx, f.show.ID))
		free := 0
		for _, s := range sm.Seats {
			if s.Status == boxoffice.SeatAvailable {
				free++
			}
		}
		if free != step.free {
			t.Fatalf("%s: the seat map has %d free; the test expects %d", step.name, free, step.free)
		}
	}
}

func TestSeatMap(t *testing.T) {
	f := newFixture(t)
	f.hold("alice", "A1")
	f.confirm(f.hold("bob", "C3"))
	m := mustT[boxoffice.SeatMap](t)(f.sys.SeatMap(f.ctx, f.show.ID))
	if len(m.Seats) != 60 || m.Free != 58 {
		t.Fatalf("seat map: %d seats, %d free; want 60, 58", len(m.Seats), m.Free)
	}
	want := map[string]struct {
		typ    boxoffice.SeatType
		status boxoffice.SeatStatus
		price  boxoffice.Money
	}{
		"A1":  {boxoffice.VIP, boxoffice.SeatHeld, 2250},
		"B10": {boxoffice.VIP, boxoffice.SeatAvailable, 2250},
		"C3":  {boxoffice.Premium, boxoffice.SeatBooked, 1950},
		"F10": {boxoffice.Regular, boxoffice.SeatAvailable, 1500},
	}
	for _, s := range m.Seats {
		if w, ok := want[s.ID]; ok && (s.Type != w.typ || s.Status != w.status || s.Price != w.price) {
			t.Errorf("seat %s: %s %s %s; want %s %s %s", s.ID, s.Type, s.Status, s.Price, w.typ, w.status, w.price)
		}
	}
	f.SetWeekend()
	m = mustT[boxoffice.SeatMap](t)(f.sys.SeatMap(f.ctx, f.show.ID))
	if m.Seats[0].Price != 3375 {
		t.Errorf("A1 under weekend pricing: %s; want 33.75", m.Seats[0].Price)
	}
}

func (f *fixture) SetWeekend() {
	if err := f.sys.SetPricing(boxoffice.WeekendPricing()); err != nil {
		f.t.Fatal(err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  boxoffice.Config
	}{
		{"short TTL", boxoffice.Config{HoldTTL: time.Millisecond}},
		{"negative TTL", boxoffice.Config{HoldTTL: -time.Minute}},
		{"negative attempts", boxoffice.Config{PaymentAttempts: -1}},
		{"nil observer", boxoffice.Config{Observers: []boxoffice.Observer{nil}}},
		{"negative sweep", boxoffice.Config{SweepInterval: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys, err := boxoffice.New(tt.cfg)
			var ae *boxoffice.ArgumentError
			if !errors.Is(err, boxoffice.ErrInvalidArgument) || !errors.As(err, &ae) || sys != nil {
				t.Fatalf("New = %v, %v; want an *ArgumentError", sys, err)
			}
		})
	}
}
