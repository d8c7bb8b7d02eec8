package boxoffice_test

import (
	"context"
	"iter"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"github.com/boxoffice-go/boxoffice/internal/oddclock"
)

var ist = time.FixedZone("IST", 5*3600+1800)

// microStore is the in-memory Store, on the generic path, reading every time
// back as a database that keeps microseconds and no time zone does (as
// pgstore's timestamptz columns do): in UTC, cut down to the microsecond. A
// Store may do that (see boxoffice.Store); the BookingSystem must then
// return what it reads back.
type microStore struct{ genericStore }

type microTx struct{ boxoffice.ShowTx }

func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func microShow(s boxoffice.Show) boxoffice.Show {
	s.Start, s.End = micro(s.Start), micro(s.End)
	return s
}

func microBooking(b boxoffice.Booking) boxoffice.Booking {
	for _, t := range []*time.Time{&b.CreatedAt, &b.HeldUntil, &b.UpdatedAt, &b.Payment.PaidAt, &b.Payment.LiveUntil, &b.Refund.RefundedAt} {
		*t = micro(*t)
	}
	return b
}

func microShows(shows []boxoffice.Show, err error) ([]boxoffice.Show, error) {
	for i := range shows {
		shows[i] = microShow(shows[i])
	}
	return shows, err
}

func (tx microTx) Show() boxoffice.Show { return microShow(tx.ShowTx.Show()) }

func (tx microTx) Seat(i int) boxoffice.SeatSlot {
	s := tx.ShowTx.Seat(i)
	s.HeldUntil = micro(s.HeldUntil)
	return s
}

func (tx microTx) Booking(id boxoffice.BookingID) (boxoffice.Booking, error) {
	b, err := tx.ShowTx.Booking(id)
	return microBooking(b), err
}

func (s microStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	return s.MemoryStore.UpdateShow(ctx, showID, func(tx boxoffice.ShowTx) error { return fn(microTx{tx}) })
}

func (s microStore) ViewShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	return s.MemoryStore.ViewShow(ctx, showID, func(tx boxoffice.ShowTx) error { return fn(microTx{tx}) })
}

func (s microStore) Show(ctx context.Context, id string) (boxoffice.Show, error) {
	sh, err := s.MemoryStore.Show(ctx, id)
	return microShow(sh), err
}

func (s microStore) ShowsOfMovie(ctx context.Context, movieID string, after boxoffice.ShowCursor, limit int) ([]boxoffice.Show, error) {
	return microShows(s.MemoryStore.ShowsOfMovie(ctx, movieID, after, limit))
}

func (s microStore) ShowsOfHall(ctx context.Context, hallID string, window boxoffice.Interval) ([]boxoffice.Show, error) {
	return microShows(s.MemoryStore.ShowsOfHall(ctx, hallID, window))
}

func (s microStore) Booking(ctx context.Context, id boxoffice.BookingID) (boxoffice.Booking, error) {
	b, err := s.MemoryStore.Booking(ctx, id)
	return microBooking(b), err
}

func (s microStore) BookingsOfUser(ctx context.Context, userID string, after boxoffice.BookingCursor, limit int, order boxoffice.Order) ([]boxoffice.Booking, error) {
	bs, err := s.MemoryStore.BookingsOfUser(ctx, userID, after, limit, order)
	for i := range bs {
		bs[i] = microBooking(bs[i])
	}
	return bs, err
}

// isStoredTime reports whether t is as the BookingSystem stores times: in
// UTC, whole microseconds, no monotonic clock reading (which String shows
// as "m=").
func isStoredTime(t time.Time) bool {
	return t == t.UTC().Truncate(time.Microsecond) && !strings.Contains(t.String(), "m=")
}

// bookingTimes yields a booking's times by name.
func bookingTimes(b boxoffice.Booking) iter.Seq2[string, time.Time] {
	return func(yield func(string, time.Time) bool) {
		_ = yield("CreatedAt", b.CreatedAt) && yield("HeldUntil", b.HeldUntil) && yield("UpdatedAt", b.UpdatedAt) &&
			yield("Payment.PaidAt", b.Payment.PaidAt) && yield("Payment.LiveUntil", b.Payment.LiveUntil) &&
			yield("Refund.RefundedAt", b.Refund.RefundedAt)
	}
}

// A Show or Booking a call returns is the one a later read returns (== on
// every time, reflect.DeepEqual on the whole), on every Store, whatever the
// zone and precision of the Clock's readings and of the Start given:
// every time stored is in UTC, to the microsecond, with no monotonic
// reading. It used to keep the zone, nanoseconds and monotonic reading it
// was given, which a Store that keeps microseconds in UTC (pgstore) then
// read back otherwise.
func TestReturnedTimesAreStoredTimes(t *testing.T) {
	clocks := []struct {
		name string
		wrap func(*fakeclock.Clock) boxoffice.Clock
	}{
		{"monotonic local clock", func(c *fakeclock.Clock) boxoffice.Clock { return oddclock.NewMono(c) }},
		{"IST clock", func(c *fakeclock.Clock) boxoffice.Clock { return oddclock.Zoned{Clock: c, Loc: ist} }},
	}
	paths := append(storePaths[:len(storePaths):len(storePaths)], struct {
		name string
		edit func(*boxoffice.Config)
	}{"microseconds in UTC", func(c *boxoffice.Config) {
		c.Store = microStore{genericStore{c.Store.(*boxoffice.MemoryStore)}}
	}})
	// 06:30:00.123456789 IST is 01:00:00.123456 UTC, and 789 ns.
	showStart := time.Date(2026, 3, 4, 6, 30, 0, 123456789, ist)
	wantStart := time.Date(2026, 3, 4, 1, 0, 0, 123456000, time.UTC)
	for _, c := range clocks {
		for _, p := range paths {
			t.Run(c.name+"/"+p.name, func(t *testing.T) {
				f := newFixture(t, p.edit, func(cfg *boxoffice.Config) { cfg.Clock = c.wrap(cfg.Clock.(*fakeclock.Clock)) })
				clock := f.sys.Clock()
				f.clock.Advance(1234567891 * time.Nanosecond)
				if now := clock.Now(); c.name == "monotonic local clock" && !strings.Contains(now.String(), "m=") {
					t.Fatalf("the clock reads %s: no monotonic reading", now)
				}

				show, err := f.sys.ScheduleShow(f.ctx, boxoffice.Show{ID: "TZ", MovieID: "M1", HallID: "H1", Start: showStart, BasePrice: 1500})
				if err != nil {
					t.Fatal(err)
				}
				if show.Start != wantStart || show.End != wantStart.Add(148*time.Minute) {
					t.Errorf("ScheduleShow returned %s–%s; want %s–%s", show.Start, show.End, wantStart, wantStart.Add(148*time.Minute))
				}
				if got := mustT[boxoffice.Show](t)(f.sys.Show(f.ctx, show.ID)); got != show {
					t.Errorf("Show returns %+v; ScheduleShow returned %+v", got, show)
				}
				infos := mustT[[]boxoffice.ShowInfo](t)(f.sys.ShowsOfMovie(f.ctx, "M1", boxoffice.ShowPage{}))
				if i := len(infos) - 1; i < 0 || infos[i].Show != show {
					t.Errorf("ShowsOfMovie lists %+v; want last %+v", infos, show)
				}
				if m := mustT[boxoffice.SeatMap](t)(f.sys.SeatMap(f.ctx, show.ID)); m.Show != show {
					t.Errorf("SeatMap's show is %+v; ScheduleShow returned %+v", m.Show, show)
				}

				// Each step returns a booking, which must be as stored and
				// read back the same.
				var held boxoffice.Booking
				steps := []struct {
					name    string
					advance time.Duration
					call    func() (boxoffice.Booking, error)
				}{
					{"HoldSeats", 333 * time.Nanosecond, func() (boxoffice.Booking, error) {
						b, err := f.sys.HoldSeats(f.ctx, "alice", show.ID, []string{"A1", "A2"})
						held = b
						return b, err
					}},
					{"ExtendHold", time.Minute + 2500*time.Nanosecond, func() (boxoffice.Booking, error) { return f.sys.ExtendHold(f.ctx, held.ID) }},
					{"ConfirmBooking", 1001 * time.Nanosecond, func() (boxoffice.Booking, error) {
						return f.sys.ConfirmBooking(f.ctx, held.ID, "card:tok_visa")
					}},
					{"CancelBooking", 7*time.Second + 999*time.Nanosecond, func() (boxoffice.Booking, error) {
						return f.sys.CancelBooking(f.ctx, held.ID)
					}},
					{"HoldSeats again", 17 * time.Nanosecond, func() (boxoffice.Booking, error) {
						b, err := f.sys.HoldSeats(f.ctx, "alice", show.ID, []string{"B1"})
						held = b
						return b, err
					}},
					{"ReleaseHold", 3 * time.Nanosecond, func() (boxoffice.Booking, error) { return f.sys.ReleaseHold(f.ctx, held.ID) }},
				}
				for _, s := range steps {
					f.clock.Advance(s.advance)
					now := clock.Now()
					b, err := s.call()
					if err != nil {
						t.Fatalf("%s: %v", s.name, err)
					}
					for name, tm := range bookingTimes(b) {
						if !isStoredTime(tm) {
							t.Errorf("%s returned %s %s; want it in UTC, whole microseconds, no monotonic reading", s.name, name, tm)
						}
					}
					if want := now.UTC().Truncate(time.Microsecond); b.UpdatedAt != want {
						t.Errorf("%s returned UpdatedAt %s; want the clock's %s cut to %s", s.name, b.UpdatedAt, now, want)
					}
					if got := mustT[boxoffice.Booking](t)(f.sys.Booking(f.ctx, b.ID)); !reflect.DeepEqual(got, b) {
						t.Errorf("%s returned\n\t%+v\nBooking reads\n\t%+v", s.name, b, got)
					}
					if s.name == "CancelBooking" && (b.Payment.PaidAt.IsZero() || b.Refund.RefundedAt.IsZero()) {
						t.Errorf("CancelBooking returned PaidAt %s, RefundedAt %s; want both set", b.Payment.PaidAt, b.Refund.RefundedAt)
					}
					page := mustT[[]boxoffice.Booking](t)(f.sys.BookingsOfUser(f.ctx, "alice", boxoffice.BookingPage{Order: boxoffice.NewestFirst, Limit: 1}))
					if len(page) != 1 || !reflect.DeepEqual(page[0], b) {
						t.Errorf("%s returned\n\t%+v\nBookingsOfUser reads\n\t%+v", s.name, b, page)
					}
				}
			})
		}
	}
}

// steppingClock is a fake clock that moves a nanosecond at each reading,
// as a real one moves between two readings.
type steppingClock struct {
	*fakeclock.Clock
	reads atomic.Int64
}

func (c *steppingClock) Now() time.Time {
	return c.Clock.Now().Add(time.Duration(c.reads.Add(1)))
}

// TestNothingDatedBeforeAMapReadAheadOfIt: a hold made after a seat map
// was read, or after a Watch stream began with the map, is not dated
// before the map. SeatMap.At and the map's updates were raw readings, with
// nanoseconds, and the hold's times stored ones, cut to the microsecond:
// a client keeping only what is newer than its map dropped the hold.
func TestNothingDatedBeforeAMapReadAheadOfIt(t *testing.T) {
	clock := &steppingClock{Clock: fakeclock.New(start)}
	f := newFixture(t, func(c *boxoffice.Config) { c.Clock = clock })
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	m := mustT[boxoffice.SeatMap](t)(f.sys.SeatMap(f.ctx, f.show.ID))
	updates := mustT[<-chan boxoffice.SeatUpdate](t)(f.sys.Watch(ctx, f.show.ID))
	_, begun := firstMap(t, updates, f.hall.Layout)
	b := f.hold("alice", "A1")
	if b.CreatedAt.Before(m.At) {
		t.Errorf("a hold after the seat map is dated %v, before the map's %v", b.CreatedAt, m.At)
	}
	if at := begun[len(begun)-1].At; b.CreatedAt.Before(at) {
		t.Errorf("a hold after the stream began is dated %v, before its map's %v", b.CreatedAt, at)
	}
	if u := recv(t, updates, "the stream's change"); u.At.Before(begun[len(begun)-1].At) {
		t.Errorf("the stream's change %v is dated %v, before its map's %v", u.Seats, u.At, begun[len(begun)-1].At)
	}
}
