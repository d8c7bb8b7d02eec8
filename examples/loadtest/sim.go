package main

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// opKind is a kind of operation whose latency is measured.
type opKind int

const (
	opSearch opKind = iota
	opShows
	opSeatMap
	opHold
	opRelease
	opConfirm
	opCancel
	numOps
)

var opNames = [numOps]string{"search", "shows", "seat map", "hold", "release", "confirm", "cancel"}

// sim is the catalog and the users running against one BookingSystem.
type sim struct {
	cfg          config
	sys          *boxoffice.BookingSystem
	cities       []string
	movies       []boxoffice.Movie
	shows        []boxoffice.Show
	seatsPerShow int
	users        []string
	userPrefix   string // of every user ID: users are userPrefix + "user-00042"

	done [16]struct { // operations done, for the progress bar
		n atomic.Int64
		_ [56]byte
	}
}

var (
	cities    = []string{"Mumbai", "Pune", "Delhi", "Bengaluru"}
	genres    = []string{"Drama", "Comedy", "Action", "Thriller", "Sci-Fi", "Romance"}
	languages = []string{"Hindi", "English", "Marathi", "Tamil"}
	words     = []string{"Silent", "River", "Midnight", "Empire", "Golden", "Shadow", "Monsoon", "Iron", "Crimson", "Winter"}
)

// fullRefundLead is how long before a show the default RefundPolicy still
// refunds a cancellation in full, as the audit requires (more than 6 h),
// with a margin for the audit's close.
const fullRefundLead = 6*time.Hour + 10*time.Minute

// newSim builds the catalog: a theater per city, 20 movies, and cfg.shows
// shows of 600 seats, four per hall, all starting tomorrow or later so that
// a cancellation is refunded in full.
//
// Under -postgres, the shows may be an earlier run's, on the schema it
// left: newSim refuses them if they start too soon for a full refund at
// the end of this run. And the user IDs carry a random tag of this run, so
// that its audit reads only its own bookings, not those an earlier run, or
// another process, made on the schema.
func newSim(ctx context.Context, cfg config, sys *boxoffice.BookingSystem) (*sim, error) {
	if cfg.clock == nil {
		cfg.clock = boxoffice.SystemClock()
	}
	s := &sim{cfg: cfg, sys: sys, cities: cities}
	layout, err := boxoffice.GridLayout(20, 30, func(row, _ int) boxoffice.SeatType {
		switch {
		case row < 2:
			return boxoffice.VIP
		case row < 5:
			return boxoffice.Premium
		}
		return boxoffice.Regular
	})
	if err != nil {
		return nil, err
	}
	s.seatsPerShow = layout.Len()
	var theaters []boxoffice.Theater
	// Under -postgres the catalog has fixed IDs, shared by every process
	// on the schema; else IDs are random.
	id := func(format string, args ...any) string {
		if !cfg.shared() {
			return ""
		}
		return fmt.Sprintf("loadtest-"+format, args...)
	}
	for _, c := range cities {
		t, err := getOrAdd(ctx, sys.AddTheater, sys.Theater, id("theater-%s", c), boxoffice.Theater{ID: id("theater-%s", c), Name: "Cinema " + c, City: c})
		if err != nil {
			return nil, err
		}
		theaters = append(theaters, t)
	}
	for i := range 20 {
		m, err := getOrAdd(ctx, sys.AddMovie, sys.Movie, id("movie-%02d", i), boxoffice.Movie{
			ID:       id("movie-%02d", i),
			Title:    fmt.Sprintf("The %s %s", words[i%len(words)], words[(i/len(words)+i+1)%len(words)]),
			Duration: 100*time.Minute + time.Duration(i)*3*time.Minute,
			Genres:   []string{genres[i%len(genres)], genres[(i+2)%len(genres)]},
			Language: languages[i%len(languages)],
			Rating:   "U/A",
		})
		if err != nil {
			return nil, err
		}
		s.movies = append(s.movies, m)
	}
	now := sys.Clock().Now()
	tomorrow := now.Add(24 * time.Hour).Truncate(time.Hour)
	var hall boxoffice.Hall
	for i := range cfg.shows {
		if i%4 == 0 {
			if hall, err = getOrAdd(ctx, sys.AddHall, sys.Hall, id("hall-%03d", i/4), boxoffice.Hall{ID: id("hall-%03d", i/4),
				TheaterID: theaters[(i/4)%len(theaters)].ID, Name: fmt.Sprintf("Audi %d", i/4+1), Layout: layout}); err != nil {
				return nil, err
			}
		}
		show, err := getOrAdd(ctx, sys.ScheduleShow, sys.Show, id("show-%03d", i), boxoffice.Show{ID: id("show-%03d", i), MovieID: s.movies[i%len(s.movies)].ID, HallID: hall.ID,
			Start: tomorrow.Add(time.Duration(i%4) * 4 * time.Hour), BasePrice: boxoffice.Money(1000 + 100*(i%10))})
		if err != nil {
			return nil, err
		}
		if soon := now.Add(cfg.duration + fullRefundLead); show.Start.Before(soon) {
			return nil, fmt.Errorf("show %s starts at %s, less than 6 hours after the run's end, too soon for the full refunds the audit requires: schema %q holds the catalog of a run a day or more ago; drop the schema or pass another -schema",
				show.ID, show.Start.Format(time.DateTime+" MST"), cfg.schema)
		}
		s.shows = append(s.shows, show)
	}
	s.userPrefix = cfg.instance
	if cfg.shared() {
		var tag [4]byte
		_, _ = crand.Read(tag[:]) // never fails
		s.userPrefix += hex.EncodeToString(tag[:]) + "-"
	}
	for u := range cfg.users {
		s.users = append(s.users, fmt.Sprintf("%suser-%05d", s.userPrefix, u))
	}
	return s, nil
}

// result is what the users did.
type result struct {
	// elapsed is the run's span on the run's clock (config.clock), from the
	// users' start until the last one stopped: about the -duration, the
	// operations in flight at the deadline included, or less if the run
	// was interrupted.
	elapsed time.Duration
	// interrupted says the run's context ended (^C) before the users did.
	interrupted bool
	rec         recorder // all users' recorders merged
	// firstUnexpected is the first error no user action explains.
	firstUnexpected error
}

func (r *result) unexpected() int64 {
	var n int64
	for _, c := range r.rec.errors {
		n += c
	}
	return n
}

// run starts the users, draws the progress until they are done, and
// returns what they did.
func (s *sim) run(ctx context.Context) result {
	start := s.cfg.clock.Now()
	deadline := start.Add(s.cfg.duration)
	recs := make([]recorder, len(s.users))
	var wg sync.WaitGroup
	for u := range s.users {
		wg.Go(func() { s.user(ctx, u, deadline, &recs[u]) })
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	s.showProgress(ctx, start, deadline, finished)
	res := result{elapsed: s.cfg.clock.Now().Sub(start), interrupted: ctx.Err() != nil}
	for i := range recs {
		res.rec.merge(&recs[i])
		if res.firstUnexpected == nil {
			res.firstUnexpected = recs[i].firstErr
		}
	}
	return res
}

// user is one customer's loop: browse, hold, then pay, release or walk
// away, and sometimes cancel a booking.
func (s *sim) user(ctx context.Context, u int, deadline time.Time, rec *recorder) {
	rng := rand.New(rand.NewPCG(s.cfg.seed, uint64(u)))
	userID := s.users[u]
	done := &s.done[u%len(s.done)].n
	var confirmed []boxoffice.BookingID
	clock := s.cfg.clock
	// The latencies are the machine's, whatever the run's clock: a load
	// generator reports how long the operations really took, which a fake
	// clock, standing still while they run, cannot tell. The deadline and
	// the pauses are the run's clock's, so that a test drives them.
	stopwatch := boxoffice.SystemClock()
	var pause boxoffice.Timer
	if s.cfg.think > 0 {
		pause = clock.NewTimer(0)
		<-pause.C()
		// An interrupt leaves a pause armed: disarm it, so that no timer
		// of the run outlives it on a fake clock.
		defer pause.Stop()
	}
	// over says the time is up (or the run interrupted): the user starts
	// no other operation, so that the run ends at the deadline, not a
	// visit or a pause later.
	over := false
	// timed runs one operation, records its latency and, with -think,
	// pauses, but never past the deadline: a pause of a few times -think
	// would otherwise stretch the run far beyond -duration, and the
	// operations per second with it. It sets over once the deadline has
	// passed.
	timed := func(kind opKind, op func() error) error {
		t0 := stopwatch.Now()
		err := op()
		rec.observe(kind, stopwatch.Now().Sub(t0))
		done.Add(1)
		left := deadline.Sub(clock.Now())
		if pause != nil && left > 0 {
			pause.Reset(min(time.Duration(rng.ExpFloat64()*float64(s.cfg.think)), left))
			select {
			case <-pause.C():
			case <-ctx.Done():
			}
			left = deadline.Sub(clock.Now())
		}
		over = left <= 0 || ctx.Err() != nil
		return err
	}
	// Every continue comes back here, which stops the user once the time is
	// up or the run is interrupted.
	for !over && ctx.Err() == nil && clock.Now().Before(deadline) {
		movie := s.movies[rng.IntN(len(s.movies))]
		var q boxoffice.MovieQuery
		switch rng.IntN(3) {
		case 0:
			q.Title = words[rng.IntN(len(words))]
		case 1:
			q.Genre = genres[rng.IntN(len(genres))]
		default:
			q.City = s.cities[rng.IntN(len(s.cities))]
		}
		if err := timed(opSearch, func() error { _, err := s.sys.SearchMovies(ctx, q); return err }); err != nil {
			rec.fail(ctx, opSearch, err)
			continue
		}
		if over {
			continue
		}
		var infos []boxoffice.ShowInfo
		if err := timed(opShows, func() (err error) { infos, err = s.sys.ShowsOfMovie(ctx, movie.ID, boxoffice.ShowPage{}); return err }); err != nil {
			rec.fail(ctx, opShows, err)
			continue
		}
		if over || len(infos) == 0 {
			continue
		}
		show := infos[rng.IntN(len(infos))]
		var m boxoffice.SeatMap
		if err := timed(opSeatMap, func() (err error) { m, err = s.sys.SeatMap(ctx, show.ID); return err }); err != nil {
			rec.fail(ctx, opSeatMap, err)
			continue
		}
		if over {
			continue
		}
		var free []string
		for _, v := range m.Seats {
			if v.Status == boxoffice.SeatAvailable {
				free = append(free, v.ID)
			}
		}
		n := min(1+rng.IntN(s.cfg.seats), len(free))
		if n == 0 {
			s.cancelOne(ctx, &confirmed, rec, timed) // sold out: give a seat back
			continue
		}
		// Seats next to each other in the map, as people choose them.
		k := rng.IntN(len(free) - n + 1)
		var b boxoffice.Booking
		err := timed(opHold, func() (err error) { b, err = s.sys.HoldSeats(ctx, userID, show.ID, free[k:k+n]); return err })
		switch {
		case errors.Is(err, boxoffice.ErrSeatUnavailable):
			rec.conflicts++
			continue
		case err != nil:
			rec.fail(ctx, opHold, err)
			continue
		}
		rec.holds++
		if over {
			rec.abandoned++ // the time is up: the hold is left to expire
			continue
		}
		switch r := rng.Float64(); {
		case r < 0.15:
			err := timed(opRelease, func() error { _, err := s.sys.ReleaseHold(ctx, b.ID); return err })
			switch {
			case err == nil:
				rec.released++
			case errors.Is(err, boxoffice.ErrHoldExpired):
				rec.lateRelease++
			default:
				rec.fail(ctx, opRelease, err)
			}
		case r < 0.30:
			rec.abandoned++ // walk away: the hold expires
		default:
			err := timed(opConfirm, func() error {
				_, err := s.sys.ConfirmBooking(ctx, b.ID, "card:tok_loadtest")
				return err
			})
			switch {
			case err == nil:
				rec.confirmed++
				confirmed = append(confirmed, b.ID)
			case errors.Is(err, boxoffice.ErrHoldExpired):
				rec.latePayment++
			case errors.Is(err, boxoffice.ErrPaymentDeclined):
				rec.declined++
			default:
				rec.fail(ctx, opConfirm, err)
			}
		}
		if !over && rng.IntN(3) == 0 {
			s.cancelOne(ctx, &confirmed, rec, timed)
		}
	}
}

// cancelOne cancels the user's oldest confirmed booking, if any.
func (s *sim) cancelOne(ctx context.Context, confirmed *[]boxoffice.BookingID, rec *recorder, timed func(opKind, func() error) error) {
	if len(*confirmed) == 0 {
		return
	}
	id := (*confirmed)[0]
	*confirmed = (*confirmed)[1:]
	if err := timed(opCancel, func() error { _, err := s.sys.CancelBooking(ctx, id); return err }); err != nil {
		rec.fail(ctx, opCancel, err)
		return
	}
	rec.cancelled++
}

// decliningGateway declines a fixed share of charges, chosen by a hash of
// the idempotency key, so that every retry of a payment gets the same
// answer; everything else goes to an in-memory gateway, whose ledger the
// audit reads.
type decliningGateway struct {
	*boxoffice.InMemoryGateway
	threshold uint64 // a key whose hash is below it is declined
	seed      uint64
}

func newDecliningGateway(share float64, seed uint64) *decliningGateway {
	g := &decliningGateway{InMemoryGateway: boxoffice.NewInMemoryGateway(), seed: seed}
	switch {
	case share >= 1:
		g.threshold = ^uint64(0)
	case share > 0:
		g.threshold = uint64(share * (1 << 63) * 2)
	}
	return g
}

func (g *decliningGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s", g.seed, r.IdempotencyKey)
	if h.Sum64() < g.threshold {
		return boxoffice.Receipt{}, fmt.Errorf("card refused: %w", boxoffice.ErrPaymentDeclined)
	}
	return g.InMemoryGateway.Charge(ctx, r)
}
