package boxoffice_test

// A check of the conformance suite itself: does storetest.Run tell a
// broken Store from a good one? brokenStore wraps the MemoryStore and breaks
// it in one way at a time (its mode). Every mode but the controls "ok",
// "ok-unsettled", "search-ok", "city-ok" and "seats-ok" must FAIL the suite; a broken
// mode that passes is a Store bug the suite would let through. Each mode
// runs in a child process (brokenCheck), so the check passes when all is
// as it should be. It is skipped unless BOXOFFICE_BROKEN_STORES=1:
//
//	BOXOFFICE_BROKEN_STORES=1 go test -timeout 600s -run 'TestBroken(Limit)?Stores' -v .

import (
	"bytes"
	"context"
	"iter"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/storetest"
)

type brokenStore struct {
	inner *boxoffice.MemoryStore
	mode  string

	mu   sync.Mutex
	live map[boxoffice.BookingID][]boxoffice.BookingSeat // Seats returned by Booking in alias modes
	all  map[boxoffice.BookingID]boxoffice.Booking       // committed bookings, for OwingBookings and AbandonedPayments
	// The writes of the running UpdateShow of each show, which views read
	// (mode "view-dirty").
	dirty map[string]*dirtyWrites
	// Shows cancelled, kept outside the inner store's transactions (modes
	// "cancel-no-rollback", "cancel-leaks-to-other-shows").
	cancelled map[string]bool
	// seatCounts are the users' seat counts, never forgotten (mode
	// "seats-cached-across-tx").
	seatCounts map[string]int
}

type dirtyWrites struct {
	seats    map[int]boxoffice.SeatSlot
	bookings map[boxoffice.BookingID]boxoffice.Booking
}

// noteDirty records a write of a running transaction (mode "view-dirty").
func (s *brokenStore) noteDirty(showID string, write func(*dirtyWrites)) {
	if s.mode != "view-dirty" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.dirty[showID]
	if d == nil {
		d = &dirtyWrites{seats: map[int]boxoffice.SeatSlot{}, bookings: map[boxoffice.BookingID]boxoffice.Booking{}}
		s.dirty[showID] = d
	}
	write(d)
}

func newBroken(mode string) *brokenStore {
	return &brokenStore{inner: boxoffice.NewMemoryStore(), mode: mode,
		live: map[boxoffice.BookingID][]boxoffice.BookingSeat{}, all: map[boxoffice.BookingID]boxoffice.Booking{},
		dirty: map[string]*dirtyWrites{}, cancelled: map[string]bool{}, seatCounts: map[string]int{}}
}

// unsettledStore adds UnsettledBookingLister.
type unsettledStore struct{ *brokenStore }

// searchStore adds a MovieSearcher, broken by the modes "search-…".
type searchStore struct{ *brokenStore }

func (s searchStore) MoviesMatching(ctx context.Context, q boxoffice.MovieQuery, after boxoffice.Movie) iter.Seq2[boxoffice.Movie, error] {
	return func(yield func(boxoffice.Movie, error) bool) {
		var all []boxoffice.Movie
		for m, err := range s.inner.Movies(ctx) {
			if err != nil {
				yield(boxoffice.Movie{}, err)
				return
			}
			all = append(all, m)
		}
		key := func(m boxoffice.Movie) string { return m.Title + "\x00" + m.ID }
		if s.mode == "search-by-id" {
			key = func(m boxoffice.Movie) string { return m.ID }
		}
		slices.SortFunc(all, func(a, b boxoffice.Movie) int { return strings.Compare(key(a), key(b)) })
		for _, m := range all {
			past := after.ID == "" || key(m) > key(after)
			if s.mode == "search-cursor-inclusive" {
				past = after.ID == "" || key(m) >= key(after)
			}
			// Lower case is not Unicode case folding: it misses the
			// Kelvin sign and the long s.
			if s.mode == "search-lowercase" && !strings.Contains(strings.ToLower(m.Title), strings.ToLower(q.Title)) {
				continue
			}
			if past && !yield(m, nil) {
				return
			}
		}
	}
}

// cityBrokenStore adds a CityMovieLister, broken by the modes "city-…".
type cityBrokenStore struct{ *brokenStore }

func (s cityBrokenStore) MoviesShowingIn(ctx context.Context, city string, after time.Time) ([]string, error) {
	if s.mode == "city-no-ctx" {
		ctx = context.Background()
	} else if err := ctx.Err(); err != nil {
		return nil, err
	}
	sameCity := strings.EqualFold
	switch s.mode {
	case "city-lowercase":
		// What SQL's lower(a) = lower(b) does: not EqualFold, on purpose.
		//lint:ignore SA6005 the broken mode
		sameCity = func(a, b string) bool { return strings.ToLower(a) == strings.ToLower(b) }
	case "city-uppercase":
		//lint:ignore SA6005 the broken mode
		sameCity = func(a, b string) bool { return strings.ToUpper(a) == strings.ToUpper(b) }
	case "city-full-folding":
		ss := strings.NewReplacer("ß", "ss", "ẞ", "ss")
		sameCity = func(a, b string) bool { return strings.EqualFold(ss.Replace(a), ss.Replace(b)) }
	case "city-prefix":
		sameCity = func(a, b string) bool { return len(a) >= len(b) && strings.EqualFold(a[:len(b)], b) }
	case "city-start-rounded":
		after = after.Round(time.Microsecond)
	case "city-wall-clock":
		after = time.Date(after.Year(), after.Month(), after.Day(), after.Hour(), after.Minute(), after.Second(), after.Nanosecond(), time.UTC)
	}
	found := map[string]bool{}
	cancelledMovie := map[string]bool{}
	for th, err := range s.Theaters(ctx) {
		if err != nil {
			return nil, err
		}
		if !sameCity(th.City, city) {
			continue
		}
		halls, err := s.HallsOfTheater(ctx, th.ID)
		if err != nil {
			return nil, err
		}
		if s.mode == "city-first-hall" {
			halls = halls[:min(len(halls), 1)]
		}
		for _, h := range halls {
			shows, err := s.ShowsOfHall(ctx, h.ID, boxoffice.Interval{Start: after.Add(-24 * time.Hour), End: after.Add(1000 * time.Hour)})
			if err != nil {
				return nil, err
			}
			for _, sh := range shows {
				switch {
				case s.mode == "city-start-inclusive" && sh.Start.Equal(after):
				case s.mode == "city-running" && sh.End.After(after):
				case !sh.Start.After(after):
					continue
				}
				var cancelled bool
				if err := s.ViewShow(ctx, sh.ID, func(tx boxoffice.ShowTx) error {
					cancelled = tx.ShowCancelled()
					return nil
				}); err != nil {
					return nil, err
				}
				if cancelled {
					cancelledMovie[sh.MovieID] = true
				}
				if !cancelled || s.mode == "city-cancelled-included" {
					found[sh.MovieID] = true
				}
			}
		}
	}
	ids := []string{}
	for id := range found {
		if s.mode != "city-cancel-per-movie" || !cancelledMovie[id] {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// cityShowBrokenStore adds a CityShowLister, broken by the modes
// "cityshows-…".
type cityShowBrokenStore struct{ *brokenStore }

func (s cityShowBrokenStore) ShowsOfMovieInCity(ctx context.Context, movieID, city string, after boxoffice.ShowCursor, limit int) ([]boxoffice.Show, error) {
	if s.mode == "cityshows-no-ctx" {
		ctx = context.Background()
	} else if err := ctx.Err(); err != nil {
		return nil, err
	}
	sameCity := strings.EqualFold
	switch s.mode {
	case "cityshows-lowercase":
		//lint:ignore SA6005 the broken mode
		sameCity = func(a, b string) bool { return strings.ToLower(a) == strings.ToLower(b) }
	case "cityshows-start-only":
		// From the cursor's Start alone: the cursor's show and those tied
		// with it before it come again.
		after.ID = ""
	}
	var out []boxoffice.Show
	for {
		page, err := s.inner.ShowsOfMovie(ctx, movieID, after, 100)
		if err != nil {
			return nil, err
		}
		for _, sh := range page {
			h, err := s.inner.Hall(ctx, sh.HallID)
			if err != nil {
				return nil, err
			}
			th, err := s.inner.Theater(ctx, h.TheaterID)
			if err != nil {
				return nil, err
			}
			if !sameCity(th.City, city) {
				continue
			}
			if s.mode == "cityshows-cancelled-dropped" {
				var cancelled bool
				if err := s.inner.ViewShow(ctx, sh.ID, func(tx boxoffice.ShowTx) error {
					cancelled = tx.ShowCancelled()
					return nil
				}); err != nil {
					return nil, err
				}
				if cancelled {
					continue
				}
			}
			out = append(out, sh)
		}
		if len(page) < 100 {
			break
		}
		after = boxoffice.ShowCursor{Start: page[len(page)-1].Start, ID: page[len(page)-1].ID}
	}
	if s.mode != "cityshows-no-limit" {
		out = out[:min(len(out), limit)]
	}
	return out, nil
}

// ---- catalog: delegated ----

func (s *brokenStore) AddMovie(ctx context.Context, m boxoffice.Movie) error {
	return s.inner.AddMovie(ctx, m)
}
func (s *brokenStore) Movie(ctx context.Context, id string) (boxoffice.Movie, error) {
	return s.inner.Movie(ctx, id)
}
func (s *brokenStore) Movies(ctx context.Context) iter.Seq2[boxoffice.Movie, error] {
	return s.inner.Movies(ctx)
}
func (s *brokenStore) AddTheater(ctx context.Context, t boxoffice.Theater) error {
	return s.inner.AddTheater(ctx, t)
}
func (s *brokenStore) Theater(ctx context.Context, id string) (boxoffice.Theater, error) {
	return s.inner.Theater(ctx, id)
}
func (s *brokenStore) Theaters(ctx context.Context) iter.Seq2[boxoffice.Theater, error] {
	return s.inner.Theaters(ctx)
}
func (s *brokenStore) AddHall(ctx context.Context, h boxoffice.Hall) error {
	return s.inner.AddHall(ctx, h)
}
func (s *brokenStore) Hall(ctx context.Context, id string) (boxoffice.Hall, error) {
	return s.inner.Hall(ctx, id)
}
func (s *brokenStore) HallsOfTheater(ctx context.Context, id string) ([]boxoffice.Hall, error) {
	return s.inner.HallsOfTheater(ctx, id)
}
func (s *brokenStore) Show(ctx context.Context, id string) (boxoffice.Show, error) {
	sh, err := s.inner.Show(ctx, id)
	if s.mode == "times-in-zone" {
		sh.Start, sh.End = sh.Start.In(brokenZone), sh.End.In(brokenZone)
	}
	return sh, err
}

// brokenZone is the zone mode "times-in-zone" reads times back in: the same
// instants, but not the UTC times given.
var brokenZone = time.FixedZone("UTC+5", 5*3600)

// brokenTimes passes a booking's times through fn (modes "times-*").
func brokenTimes(b *boxoffice.Booking, fn func(time.Time) time.Time) {
	for _, t := range []*time.Time{&b.CreatedAt, &b.HeldUntil, &b.UpdatedAt, &b.Payment.PaidAt, &b.Payment.LiveUntil, &b.Refund.RefundedAt} {
		*t = fn(*t)
	}
}

func toMillis(t time.Time) time.Time { return t.Truncate(time.Millisecond) }

func (s *brokenStore) ShowsOfMovie(ctx context.Context, id string, after boxoffice.ShowCursor, limit int) ([]boxoffice.Show, error) {
	if !strings.HasPrefix(s.mode, "movie-shows-") {
		return s.inner.ShowsOfMovie(ctx, id, after, limit)
	}
	all, err := s.inner.ShowsOfMovie(ctx, id, boxoffice.ShowCursor{}, 1<<30)
	if err != nil {
		return nil, err
	}
	var out []boxoffice.Show
	for _, sh := range all {
		c := sh.Start.Compare(after.Start)
		keep := after.IsZero() || c > 0 || c == 0 && sh.ID > after.ID
		switch s.mode {
		case "movie-shows-cursor-ignored":
			keep = true
		case "movie-shows-inclusive":
			keep = after.IsZero() || c > 0 || c == 0 && sh.ID >= after.ID
		case "movie-shows-start-only": // (start) > (cursor's start): skips the rest of a tie
			keep = after.IsZero() || c > 0
		case "movie-shows-tie-by-id-desc":
			keep = after.IsZero() || c > 0 || c == 0 && sh.ID < after.ID
		}
		if keep {
			out = append(out, sh)
		}
	}
	if s.mode == "movie-shows-tie-by-id-desc" {
		slices.SortStableFunc(out, func(a, b boxoffice.Show) int {
			if c := a.Start.Compare(b.Start); c != 0 {
				return c
			}
			return -strings.Compare(a.ID, b.ID)
		})
	}
	if s.mode != "movie-shows-no-limit" {
		out = out[:min(limit, len(out))]
	}
	return out, nil
}
func (s *brokenStore) ShowsOfHall(ctx context.Context, id string, w boxoffice.Interval) ([]boxoffice.Show, error) {
	return s.inner.ShowsOfHall(ctx, id, w)
}

// AddShow, mode "addshow-racy": check outside any lock, then insert.
func (s *brokenStore) AddShow(ctx context.Context, sh boxoffice.Show, l *boxoffice.Layout, w boxoffice.Interval, check func([]boxoffice.Show) error) error {
	if s.mode == "times-milliseconds" {
		sh.Start, sh.End = toMillis(sh.Start), toMillis(sh.End)
	}
	if s.mode != "addshow-racy" && s.mode != "addshow-racy-rtt" {
		return s.inner.AddShow(ctx, sh, l, w, check)
	}
	if _, err := s.inner.Hall(ctx, sh.HallID); err != nil {
		return err
	}
	over, err := s.inner.ShowsOfHall(ctx, sh.HallID, w)
	if err != nil {
		return err
	}
	if err := check(over); err != nil {
		return err
	}
	if s.mode == "addshow-racy-rtt" {
		time.Sleep(200 * time.Microsecond)
	}
	return s.inner.AddShow(ctx, sh, l, w, func([]boxoffice.Show) error { return nil })
}

// ---- transactions ----

type wtx struct {
	boxoffice.ShowTx
	s         *brokenStore
	cancel    bool // CancelShow was called
	puts      []boxoffice.Booking
	cache     map[boxoffice.BookingID]boxoffice.Booking
	seatCache map[int]boxoffice.SeatSlot
}

func (t *wtx) SetSeat(i int, slot boxoffice.SeatSlot) {
	switch t.s.mode {
	case "setseat-no-helduntil":
		slot.HeldUntil = time.Time{}
	case "times-milliseconds":
		slot.HeldUntil = toMillis(slot.HeldUntil)
	}
	t.ShowTx.SetSeat(i, slot)
	t.s.noteDirty(t.Show().ID, func(d *dirtyWrites) { d.seats[i] = slot })
}

func (t *wtx) Seat(i int) boxoffice.SeatSlot {
	if t.s.mode == "tx-seat-stale" {
		if sl, ok := t.seatCache[i]; ok {
			return sl
		}
		sl := t.ShowTx.Seat(i)
		t.seatCache[i] = sl
		return sl
	}
	return t.ShowTx.Seat(i)
}

func (t *wtx) Booking(id boxoffice.BookingID) (boxoffice.Booking, error) {
	if t.s.mode == "tx-booking-stale" {
		if b, ok := t.cache[id]; ok {
			return b, nil
		}
	}
	b, err := t.ShowTx.Booking(id)
	if err == nil && t.s.mode == "tx-booking-stale" {
		t.cache[id] = b
	}
	return b, err
}

func (t *wtx) PutBooking(b boxoffice.Booking) {
	switch t.s.mode {
	case "drop-FailureKind":
		b.Payment.FailureKind = 0
	case "drop-RefundedAt":
		b.Refund.RefundedAt = time.Time{}
	case "drop-Extensions":
		b.Extensions = 0
	case "drop-HeldUntil":
		b.HeldUntil = time.Time{}
	case "drop-LiveUntil":
		b.Payment.LiveUntil = time.Time{}
	case "times-milliseconds":
		brokenTimes(&b, toMillis)
	case "drop-SeatType":
		b.Seats = slices.Clone(b.Seats)
		for i := range b.Seats {
			b.Seats[i].Type = boxoffice.Regular
		}
	case "drop-PaymentReference-when-failed":
		if b.Status == boxoffice.StatusFailed {
			b.Payment.Reference = ""
		}
	}
	t.puts = append(t.puts, b)
	t.ShowTx.PutBooking(b)
	t.s.noteDirty(t.Show().ID, func(d *dirtyWrites) { d.bookings[b.ID] = b })
}

func (t *wtx) CancelShow() {
	t.cancel = true
	switch t.s.mode {
	case "cancel-forgotten":
		return
	case "cancel-no-rollback":
		t.s.noteCancelled(t.Show().ID)
	}
	t.ShowTx.CancelShow()
}

func (t *wtx) ShowCancelled() bool { return t.s.showCancelled(t.Show().ID, t.ShowTx) }

// noteCancelled records a cancelled show outside the inner store.
func (s *brokenStore) noteCancelled(showID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelled[showID] = true
}

// showCancelled is the cancelled state of the show, as the mode breaks it.
func (s *brokenStore) showCancelled(showID string, inner boxoffice.ShowTx) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.mode {
	case "cancel-no-rollback":
		return s.cancelled[showID] || inner.ShowCancelled()
	case "cancel-leaks-to-other-shows":
		return len(s.cancelled) > 0 || inner.ShowCancelled()
	}
	return inner.ShowCancelled()
}

// vtx is the ShowTx of ViewShow in the modes that break the cancelled
// state.
type vtx struct {
	boxoffice.ShowTx
	s *brokenStore
}

func (t *vtx) ShowCancelled() bool {
	if t.s.mode == "cancel-not-in-view" {
		return false
	}
	return t.s.showCancelled(t.Show().ID, t.ShowTx)
}

func (s *brokenStore) wrap(tx boxoffice.ShowTx) *wtx {
	return &wtx{ShowTx: tx, s: s, cache: map[boxoffice.BookingID]boxoffice.Booking{}, seatCache: map[int]boxoffice.SeatSlot{}}
}

// committed records a committed transaction's bookings.
func (s *brokenStore) committed(puts []boxoffice.Booking) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range puts {
		switch s.mode {
		case "put-keeps-caller-seats":
			s.live[b.ID] = b.Seats // not copied
		case "booking-returns-shared-seats":
			s.live[b.ID] = slices.Clone(b.Seats)
		}
		b.Seats = slices.Clone(b.Seats)
		s.all[b.ID] = b
	}
}

// bufTx buffers writes over a read-only view (mode "no-serialize").
type bufTx struct {
	view     boxoffice.ShowTx
	cancel   bool
	seats    map[int]boxoffice.SeatSlot
	bookings map[boxoffice.BookingID]boxoffice.Booking
	order    []boxoffice.BookingID
}

func (t *bufTx) Show() boxoffice.Show { return t.view.Show() }
func (t *bufTx) NumSeats() int        { return t.view.NumSeats() }
func (t *bufTx) Seat(i int) boxoffice.SeatSlot {
	if s, ok := t.seats[i]; ok {
		return s
	}
	return t.view.Seat(i)
}
func (t *bufTx) SetSeat(i int, s boxoffice.SeatSlot) { t.seats[i] = s }
func (t *bufTx) Booking(id boxoffice.BookingID) (boxoffice.Booking, error) {
	if b, ok := t.bookings[id]; ok {
		return b, nil
	}
	return t.view.Booking(id)
}
func (t *bufTx) ShowCancelled() bool { return t.cancel || t.view.ShowCancelled() }
func (t *bufTx) CancelShow()         { t.cancel = true }
func (t *bufTx) PutBooking(b boxoffice.Booking) {
	if _, ok := t.bookings[b.ID]; !ok {
		t.order = append(t.order, b.ID)
	}
	b.Seats = slices.Clone(b.Seats)
	t.bookings[b.ID] = b
}

func (s *brokenStore) UpdateShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	switch s.mode {
	case "no-rollback":
		var ferr error
		var w *wtx
		err := s.inner.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error {
			w = s.wrap(tx)
			ferr = fn(w)
			return nil // commits whatever fn did
		})
		if err != nil {
			return err
		}
		s.committed(w.puts)
		return ferr
	case "commit-on-panic":
		var p any
		var w *wtx
		err := s.inner.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) (err error) {
			w = s.wrap(tx)
			defer func() {
				if v := recover(); v != nil {
					p, err = v, nil
				}
			}()
			return fn(w)
		})
		if err == nil {
			s.committed(w.puts)
		}
		if p != nil {
			panic(p)
		}
		return err
	case "no-serialize", "no-serialize-rtt":
		buf := &bufTx{seats: map[int]boxoffice.SeatSlot{}, bookings: map[boxoffice.BookingID]boxoffice.Booking{}}
		var ferr error
		err := s.inner.ViewShow(ctx, showID, func(v boxoffice.ShowTx) error {
			buf.view = v
			ferr = fn(buf)
			return nil
		})
		if err != nil {
			return err
		}
		if ferr != nil {
			return ferr
		}
		if s.mode == "no-serialize-rtt" {
			time.Sleep(200 * time.Microsecond) // a network round trip between read and write
		}
		return s.inner.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error {
			for i, slot := range buf.seats {
				tx.SetSeat(i, slot)
			}
			for _, id := range buf.order {
				tx.PutBooking(buf.bookings[id])
			}
			if buf.cancel {
				tx.CancelShow()
			}
			return nil
		})
	}
	defer func() {
		s.mu.Lock()
		delete(s.dirty, showID)
		s.mu.Unlock()
	}()
	var w *wtx
	err := s.inner.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error {
		w = s.wrap(tx)
		if strings.HasPrefix(s.mode, "seats-") {
			return fn(&seatsTx{wtx: w})
		}
		return fn(w)
	})
	if err == nil {
		s.committed(w.puts)
		if w.cancel && s.mode == "cancel-leaks-to-other-shows" {
			s.noteCancelled(showID)
		}
	}
	return err
}

// readTx reads each seat and booking in a view of its own (mode
// "view-not-snapshot").
type readTx struct {
	s      *brokenStore
	ctx    context.Context
	showID string
	boxoffice.ShowTx
}

func (t *readTx) Seat(i int) (slot boxoffice.SeatSlot) {
	t.s.mu.Lock()
	d, ok := t.s.dirty[t.showID]
	if ok {
		slot, ok = d.seats[i]
	}
	t.s.mu.Unlock()
	if ok {
		return slot
	}
	if t.s.mode == "view-not-snapshot-rtt" {
		time.Sleep(200 * time.Microsecond)
	}
	_ = t.s.inner.ViewShow(t.ctx, t.showID, func(v boxoffice.ShowTx) error { slot = v.Seat(i); return nil })
	return slot
}
func (t *readTx) Booking(id boxoffice.BookingID) (b boxoffice.Booking, err error) {
	t.s.mu.Lock()
	d, ok := t.s.dirty[t.showID]
	if ok {
		b, ok = d.bookings[id]
	}
	t.s.mu.Unlock()
	if ok {
		return b, nil
	}
	_ = t.s.inner.ViewShow(t.ctx, t.showID, func(v boxoffice.ShowTx) error { b, err = v.Booking(id); return nil })
	return b, err
}

func (s *brokenStore) ViewShow(ctx context.Context, showID string, fn func(boxoffice.ShowTx) error) error {
	switch s.mode {
	case "view-allows-writes":
		return s.UpdateShow(ctx, showID, fn)
	case "view-not-snapshot", "view-not-snapshot-rtt":
		var sh boxoffice.Show
		var n int
		err := s.inner.ViewShow(ctx, showID, func(v boxoffice.ShowTx) error { sh, n = v.Show(), v.NumSeats(); return nil })
		if err != nil {
			return err
		}
		return fn(&readTx{s: s, ctx: ctx, showID: showID, ShowTx: fixedTx{sh, n}})
	case "view-dirty": // reads what a running UpdateShow wrote
		sh, err := s.inner.Show(ctx, showID)
		if err != nil {
			return err
		}
		h, err := s.inner.Hall(ctx, sh.HallID)
		if err != nil {
			return err
		}
		return fn(&readTx{s: s, ctx: ctx, showID: showID, ShowTx: fixedTx{sh, h.Layout.Len()}})
	}
	if strings.HasPrefix(s.mode, "cancel-") {
		return s.inner.ViewShow(ctx, showID, func(tx boxoffice.ShowTx) error { return fn(&vtx{ShowTx: tx, s: s}) })
	}
	return s.inner.ViewShow(ctx, showID, fn)
}

type fixedTx struct {
	sh boxoffice.Show
	n  int
}

func (f fixedTx) Show() boxoffice.Show            { return f.sh }
func (f fixedTx) NumSeats() int                   { return f.n }
func (f fixedTx) Seat(int) boxoffice.SeatSlot     { return boxoffice.SeatSlot{} }
func (f fixedTx) SetSeat(int, boxoffice.SeatSlot) {}
func (f fixedTx) Booking(boxoffice.BookingID) (boxoffice.Booking, error) {
	return boxoffice.Booking{}, boxoffice.ErrNotFound
}
func (f fixedTx) PutBooking(boxoffice.Booking) {}
func (f fixedTx) ShowCancelled() bool          { return false }
func (f fixedTx) CancelShow()                  {}

// seatsTx adds a UserSeatCounter, broken by the modes "seats-…", that
// counts the committed bookings overlaid with the transaction's puts.
type seatsTx struct {
	*wtx
	first map[string]int // the first count of each user (mode "seats-committed-only")
}

func (t *seatsTx) SeatsOfUser(userID string, now time.Time) (int, error) {
	s := t.s
	switch s.mode {
	case "seats-ok":
		return t.wtx.ShowTx.(boxoffice.UserSeatCounter).SeatsOfUser(userID, now)
	case "seats-by-slots": // the BookingSystem's fallback: misses a paying booking whose seats were taken
		n, seen := 0, map[boxoffice.BookingID]bool{}
		for i := range t.NumSeats() {
			slot := t.Seat(i)
			if slot.Status == boxoffice.SeatAvailable || seen[slot.Booking] {
				continue
			}
			seen[slot.Booking] = true
			if b, err := t.Booking(slot.Booking); err == nil && b.UserID == userID && brokenCounts(s.mode, b, now) {
				n += len(b.Seats)
			}
		}
		return n, nil
	case "seats-committed-only":
		if n, ok := t.first[userID]; ok {
			return n, nil
		}
	case "seats-cached-across-tx":
		s.mu.Lock()
		n, ok := s.seatCounts[userID]
		s.mu.Unlock()
		if ok {
			return n, nil
		}
	}
	bookings := map[boxoffice.BookingID]boxoffice.Booking{}
	s.mu.Lock()
	for id, b := range s.all {
		if b.ShowID == t.Show().ID {
			bookings[id] = b
		}
	}
	s.mu.Unlock()
	for _, b := range t.puts {
		bookings[b.ID] = b
	}
	n := 0
	for _, b := range bookings {
		if (b.UserID == userID || s.mode == "seats-all-users") && brokenCounts(s.mode, b, now) {
			n += len(b.Seats)
		}
	}
	switch s.mode {
	case "seats-committed-only":
		if t.first == nil {
			t.first = map[string]int{}
		}
		t.first[userID] = n
	case "seats-cached-across-tx":
		s.mu.Lock()
		s.seatCounts[userID] = n
		s.mu.Unlock()
	}
	return n, nil
}

// brokenCounts is whether b counts against the seat cap at now, as the
// mode breaks it.
func brokenCounts(mode string, b boxoffice.Booking, now time.Time) bool {
	switch b.Status {
	case boxoffice.StatusHeld:
		switch mode {
		case "seats-held-any-deadline":
			return true
		case "seats-held-inclusive":
			return !now.After(b.HeldUntil)
		}
		return now.Before(b.HeldUntil)
	case boxoffice.StatusPaying:
		return mode != "seats-no-paying"
	case boxoffice.StatusConfirmed:
		return mode != "seats-no-confirmed"
	}
	return false
}

// ---- reads outside transactions ----

func (s *brokenStore) alias(b boxoffice.Booking) boxoffice.Booking {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.live[b.ID]; ok {
		b.Seats = l
	}
	return b
}

func (s *brokenStore) Booking(ctx context.Context, id boxoffice.BookingID) (boxoffice.Booking, error) {
	b, err := s.inner.Booking(ctx, id)
	if err != nil {
		return b, err
	}
	if s.mode == "times-in-zone" {
		brokenTimes(&b, func(t time.Time) time.Time { return t.In(brokenZone) })
	}
	return s.alias(b), nil
}

func (s *brokenStore) BookingsOfUser(ctx context.Context, userID string, after boxoffice.BookingCursor, limit int, order boxoffice.Order) ([]boxoffice.Booking, error) {
	var bs []boxoffice.Booking
	var err error
	switch {
	case s.mode == "user-page-ignores-order":
		bs, err = s.inner.BookingsOfUser(ctx, userID, after, limit, boxoffice.OldestFirst)
	case strings.HasPrefix(s.mode, "user-page-"):
		bs, err = s.brokenPage(ctx, userID, after, limit)
	default:
		bs, err = s.inner.BookingsOfUser(ctx, userID, after, limit, order)
	}
	if err != nil {
		return nil, err
	}
	for i := range bs {
		bs[i] = s.alias(bs[i])
	}
	switch s.mode {
	case "user-no-cancelled":
		bs = slices.DeleteFunc(bs, func(b boxoffice.Booking) bool { return b.Status == boxoffice.StatusCancelled })
	case "user-no-failed-expired":
		bs = slices.DeleteFunc(bs, func(b boxoffice.Booking) bool {
			return b.Status == boxoffice.StatusFailed || b.Status == boxoffice.StatusExpired
		})
	case "user-dup-per-seat": // a join on seats without DISTINCT
		var out []boxoffice.Booking
		for _, b := range bs {
			for range max(1, len(b.Seats)) {
				out = append(out, b)
			}
		}
		bs = out
	case "user-tie-by-id-desc":
		slices.SortStableFunc(bs, func(a, b boxoffice.Booking) int {
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			return -bytes.Compare(a.ID[:], b.ID[:])
		})
	}
	return bs, nil
}

// brokenPage reads every booking of the user from the inner store and
// pages them the wrong way of the mode.
func (s *brokenStore) brokenPage(ctx context.Context, userID string, after boxoffice.BookingCursor, limit int) ([]boxoffice.Booking, error) {
	all, err := storeBookingsOfUser(ctx, s.inner, userID)
	if err != nil {
		return nil, err
	}
	cmp := func(b boxoffice.Booking) int { // b against the cursor
		if c := b.CreatedAt.Compare(after.At); c != 0 {
			return c
		}
		return bytes.Compare(b.ID[:], after.ID[:])
	}
	var out []boxoffice.Booking
	for _, b := range all {
		keep := after.IsZero() || cmp(b) > 0
		switch s.mode {
		case "user-page-inclusive":
			keep = after.IsZero() || cmp(b) >= 0
		case "user-page-time-only":
			keep = after.IsZero() || b.CreatedAt.After(after.At)
		}
		if keep {
			out = append(out, b)
		}
	}
	if s.mode != "user-page-no-limit" {
		out = out[:min(limit, len(out))]
	}
	return out, nil
}

// ---- optional capabilities ----

func (s *brokenStore) ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]boxoffice.HoldRef, error) {
	switch s.mode {
	case "expired-no-limit":
		return s.inner.ExpiredHolds(ctx, now, 1<<30)
	case "expired-strict-before":
		refs, err := s.inner.ExpiredHolds(ctx, now.Add(-time.Nanosecond), limit)
		return refs, err
	case "expired-any-status":
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		var refs []boxoffice.HoldRef
		for _, b := range s.all {
			if !b.HeldUntil.IsZero() && !b.HeldUntil.After(now) && b.Status != boxoffice.StatusExpired {
				refs = append(refs, boxoffice.HoldRef{ShowID: b.ShowID, Booking: b.ID, HeldUntil: b.HeldUntil})
			}
		}
		if len(refs) > limit {
			refs = refs[:limit]
		}
		return refs, nil
	case "expired-newest-first":
		refs, err := s.inner.ExpiredHolds(ctx, now, 1<<30)
		slices.Reverse(refs)
		if len(refs) > limit {
			refs = refs[:limit]
		}
		return refs, err
	}
	return s.inner.ExpiredHolds(ctx, now, limit)
}

func (s unsettledStore) OwingBookings(ctx context.Context, after boxoffice.BookingCursor, limit int) ([]boxoffice.BookingRef, error) {
	if s.mode == "owing-cursor-ignored" {
		after = boxoffice.BookingCursor{}
	}
	return s.list(ctx, limit, func(b boxoffice.Booking) bool {
		if b.RefundOwed() == 0 && (s.mode != "unsettled-failed-ignores-refund" || b.Status != boxoffice.StatusFailed || b.Payment.Amount == 0) {
			return false
		}
		switch d := b.UpdatedAt.Compare(after.At); {
		case d != 0 || s.mode == "owing-cursor-time-only":
			return d > 0
		case s.mode == "owing-cursor-inclusive":
			return bytes.Compare(b.ID[:], after.ID[:]) >= 0
		default:
			return bytes.Compare(b.ID[:], after.ID[:]) > 0
		}
	})
}

func (s unsettledStore) AbandonedPayments(ctx context.Context, now, payingBefore time.Time, limit int) ([]boxoffice.BookingRef, error) {
	return s.list(ctx, limit, func(b boxoffice.Booking) bool {
		if b.Status != boxoffice.StatusPaying {
			return false
		}
		if lu := b.Payment.LiveUntil; !lu.IsZero() && s.mode != "unsettled-ignores-live-until" {
			return lu.Before(now) || s.mode == "unsettled-live-until-inclusive" && lu.Equal(now)
		}
		return b.UpdatedAt.Before(payingBefore) || s.mode == "unsettled-cutoff-inclusive" && b.UpdatedAt.Equal(payingBefore)
	})
}

// list returns up to limit committed bookings that match, ordered by
// UpdatedAt, then ID.
func (s unsettledStore) list(ctx context.Context, limit int, match func(boxoffice.Booking) bool) ([]boxoffice.BookingRef, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var found []boxoffice.Booking
	for _, b := range s.all {
		if match(b) {
			found = append(found, b)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(found, func(a, b boxoffice.Booking) int {
		if d := a.UpdatedAt.Compare(b.UpdatedAt); d != 0 {
			return d
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
	refs := []boxoffice.BookingRef{}
	for _, b := range found[:min(limit, len(found))] {
		ref := boxoffice.BookingRef{ShowID: b.ShowID, Booking: b.ID, UpdatedAt: b.UpdatedAt}
		if s.mode == "unsettled-no-updated-at" {
			ref.UpdatedAt = time.Time{}
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

var brokenModes = []string{
	"ok", "ok-unsettled", "search-ok", "seats-ok",
	"seats-by-slots", "seats-held-any-deadline", "seats-held-inclusive", "seats-no-paying", "seats-no-confirmed",
	"seats-all-users", "seats-committed-only", "seats-cached-across-tx",
	"search-by-id", "search-cursor-inclusive", "search-lowercase",
	"city-ok",
	"city-lowercase", "city-uppercase", "city-full-folding", "city-prefix", "city-start-rounded", "city-wall-clock",
	"city-first-hall", "city-start-inclusive", "city-running", "city-cancelled-included", "city-cancel-per-movie", "city-no-ctx",
	"cityshows-ok",
	"cityshows-lowercase", "cityshows-start-only", "cityshows-cancelled-dropped", "cityshows-no-limit", "cityshows-no-ctx",
	"no-rollback", "commit-on-panic", "no-serialize", "no-serialize-rtt",
	"tx-booking-stale", "put-keeps-caller-seats", "booking-returns-shared-seats",
	"drop-FailureKind", "drop-RefundedAt", "drop-Extensions", "drop-HeldUntil", "drop-LiveUntil", "drop-SeatType",
	"drop-PaymentReference-when-failed",
	"setseat-no-helduntil", "times-milliseconds", "times-in-zone",
	"user-no-cancelled", "user-no-failed-expired", "user-dup-per-seat", "user-tie-by-id-desc",
	"user-page-inclusive", "user-page-time-only", "user-page-no-limit", "user-page-ignores-order",
	"movie-shows-cursor-ignored", "movie-shows-inclusive", "movie-shows-start-only", "movie-shows-tie-by-id-desc",
	"movie-shows-no-limit",
	"view-allows-writes", "view-not-snapshot", "view-not-snapshot-rtt", "view-dirty", "tx-seat-stale",
	"addshow-racy", "addshow-racy-rtt",
	"expired-no-limit", "expired-strict-before", "expired-any-status", "expired-newest-first",
	"unsettled-cutoff-inclusive", "unsettled-failed-ignores-refund", "unsettled-no-updated-at",
	"unsettled-ignores-live-until", "unsettled-live-until-inclusive",
	"owing-cursor-ignored", "owing-cursor-inclusive", "owing-cursor-time-only",
	"cancel-forgotten", "cancel-no-rollback", "cancel-leaks-to-other-shows", "cancel-not-in-view",
}

func TestBrokenStores(t *testing.T) {
	controls := []string{"ok", "ok-unsettled", "search-ok", "seats-ok", "city-ok", "cityshows-ok"}
	brokenCheck(t, "TestBrokenStores", brokenModes, controls, func(t *testing.T, mode string) {
		unsettled := mode == "ok-unsettled" || strings.HasPrefix(mode, "unsettled-") || strings.HasPrefix(mode, "owing-") || mode == "expired-any-status"
		search := strings.HasPrefix(mode, "search-")
		city := strings.HasPrefix(mode, "city-")
		cityShows := strings.HasPrefix(mode, "cityshows-")
		storetest.Run(t, func(*testing.T) boxoffice.Store {
			s := newBroken(mode)
			switch {
			case unsettled:
				return unsettledStore{s}
			case search:
				return searchStore{s}
			case city:
				return cityBrokenStore{s}
			case cityShows:
				return cityShowBrokenStore{s}
			}
			return s
		}, storetest.Features{ExpiredHolds: true, UnsettledBookings: unsettled, MovieSearch: search, CityMovies: city, CityShows: cityShows,
			SeatsOfUser: strings.HasPrefix(mode, "seats-")})
	})
}
