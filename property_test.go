package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"pgregory.net/rapid"
)

// model is the sequential specification the BookingSystem is checked
// against: seats of a few small shows, bookings, and a clock.
type model struct {
	now      time.Time
	ttl      time.Duration
	seats    map[string]map[string]boxoffice.BookingID // show → seat → owning booking (held or confirmed)
	bookings map[boxoffice.BookingID]*modelBooking
}

type modelBooking struct {
	user, show string
	seats      []string
	status     boxoffice.BookingStatus
	until      time.Time
}

// live reports whether the booking owns its seats at m.now.
func (m *model) live(b *modelBooking) bool {
	return b.status == boxoffice.StatusConfirmed || b.status == boxoffice.StatusHeld && m.now.Before(b.until)
}

func (m *model) owner(show, seat string) (boxoffice.BookingID, bool) {
	id, ok := m.seats[show][seat]
	if !ok || !m.live(m.bookings[id]) {
		return boxoffice.BookingID{}, false
	}
	return id, true
}

// lapse marks held bookings past their deadline expired, as the sweeper
// or a lazy check would.
func (m *model) lapse() {
	for _, b := range m.bookings {
		if b.status == boxoffice.StatusHeld && !m.now.Before(b.until) {
			b.status = boxoffice.StatusExpired
		}
	}
}

func TestBookingMatchesModel(t *testing.T) {
	shows := []string{"P1", "P2"}
	layout, err := boxoffice.ParseLayout("A VV.VV\nB PPPP\nC R.R")
	if err != nil {
		t.Fatal(err)
	}
	var seatIDs []string
	for _, s := range layout.Seats() {
		seatIDs = append(seatIDs, s.ID)
	}
	users := []string{"ann", "ben", "cat"}

	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		generic := rapid.Bool().Draw(rt, "generic store path")
		f := newFixture(t, func(c *boxoffice.Config) {
			c.MaxLiveHoldsPerUser = -1
			c.SweepInterval = 10000 * time.Hour // the test sweeps by itself
			if generic {
				onGenericPath(c)
			}
		})
		defer f.sys.Close(ctx)
		mustT[boxoffice.Hall](t)(f.sys.AddHall(ctx, boxoffice.Hall{ID: "small", TheaterID: "T1", Name: "small", Layout: layout}))
		for i, id := range shows {
			mustT[boxoffice.Show](t)(f.sys.ScheduleShow(ctx, boxoffice.Show{ID: id, MovieID: "M1", HallID: "small",
				Start: start.Add(48*time.Hour + time.Duration(i)*4*time.Hour), BasePrice: 1000}))
		}
		m := &model{now: start, ttl: 10 * time.Minute, seats: map[string]map[string]boxoffice.BookingID{},
			bookings: map[boxoffice.BookingID]*modelBooking{}}
		for _, s := range shows {
			m.seats[s] = map[string]boxoffice.BookingID{}
		}
		var ids []boxoffice.BookingID
		pickBooking := func(rt *rapid.T) (boxoffice.BookingID, bool) {
			if len(ids) == 0 {
				return boxoffice.BookingID{}, false
			}
			return rapid.SampledFrom(ids).Draw(rt, "booking"), true
		}

		rt.Repeat(map[string]func(*rapid.T){
			"hold": func(rt *rapid.T) {
				user := rapid.SampledFrom(users).Draw(rt, "user")
				show := rapid.SampledFrom(shows).Draw(rt, "show")
				seats := rapid.SliceOfNDistinct(rapid.SampledFrom(seatIDs), 1, 3, rapid.ID[string]).Draw(rt, "seats")
				got, err := f.sys.HoldSeats(ctx, user, show, seats)

				var taken []string
				var mine boxoffice.BookingID
				allMine := true
				for _, s := range seats {
					if id, ok := m.owner(show, s); ok {
						taken = append(taken, s)
						b := m.bookings[id]
						if b.user != user || b.status != boxoffice.StatusHeld || (!mine.IsZero() && mine != id) {
							allMine = false
						}
						mine = id
					}
				}
				switch {
				case len(taken) == 0:
					if err != nil {
						rt.Fatalf("hold %v on %s by %s: %v; model: all free", seats, show, user, err)
					}
					m.lapse()
					m.bookings[got.ID] = &modelBooking{user: user, show: show, seats: seats, status: boxoffice.StatusHeld, until: m.now.Add(m.ttl)}
					for _, s := range seats {
						m.seats[show][s] = got.ID
					}
					ids = append(ids, got.ID)
				case allMine && len(taken) == len(seats) && len(m.bookings[mine].seats) == len(seats):
					if err != nil || got.ID != mine {
						rt.Fatalf("repeating hold %s: got %s, %v", mine, got.ID, err)
					}
				default:
					var se *boxoffice.SeatError
					if !errors.Is(err, boxoffice.ErrSeatUnavailable) || !errors.As(err, &se) {
						rt.Fatalf("hold %v: %v; model: %v taken", seats, err, taken)
					}
					if got := se.Seats(); !slices.Equal(got, taken) {
						rt.Fatalf("hold %v: refused %v; model: %v taken", seats, got, taken)
					}
				}
			},
			"release": func(rt *rapid.T) {
				id, ok := pickBooking(rt)
				if !ok {
					rt.Skip("no bookings")
				}
				b := m.bookings[id]
				_, err := f.sys.ReleaseHold(ctx, id)
				m.lapse()
				switch b.status {
				case boxoffice.StatusHeld:
					if err != nil {
						rt.Fatalf("release of live hold: %v", err)
					}
					b.status = boxoffice.StatusReleased
				case boxoffice.StatusReleased:
					if err != nil {
						rt.Fatalf("second release: %v", err)
					}
				case boxoffice.StatusExpired:
					if !errors.Is(err, boxoffice.ErrHoldExpired) {
						rt.Fatalf("release of lapsed hold: %v; want ErrHoldExpired", err)
					}
				default:
					if !errors.Is(err, boxoffice.ErrInvalidTransition) {
						rt.Fatalf("release of %s booking: %v", b.status, err)
					}
				}
			},
			"confirm": func(rt *rapid.T) {
				id, ok := pickBooking(rt)
				if !ok {
					rt.Skip("no bookings")
				}
				b := m.bookings[id]
				got, err := f.sys.ConfirmBooking(ctx, id, "card")
				m.lapse()
				switch b.status {
				case boxoffice.StatusHeld, boxoffice.StatusConfirmed:
					if err != nil || got.Status != boxoffice.StatusConfirmed {
						rt.Fatalf("confirm of %s booking: %s, %v", b.status, got.Status, err)
					}
					b.status = boxoffice.StatusConfirmed
				case boxoffice.StatusExpired:
					if !errors.Is(err, boxoffice.ErrHoldExpired) {
						rt.Fatalf("confirm of lapsed hold: %v", err)
					}
				default:
					if !errors.Is(err, boxoffice.ErrInvalidTransition) {
						rt.Fatalf("confirm of %s booking: %v", b.status, err)
					}
				}
			},
			"cancel": func(rt *rapid.T) {
				id, ok := pickBooking(rt)
				if !ok {
					rt.Skip("no bookings")
				}
				b := m.bookings[id]
				_, err := f.sys.CancelBooking(ctx, id)
				switch b.status {
				case boxoffice.StatusConfirmed, boxoffice.StatusCancelled:
					if err != nil {
						rt.Fatalf("cancel of %s booking: %v", b.status, err)
					}
					b.status = boxoffice.StatusCancelled
				default:
					if !errors.Is(err, boxoffice.ErrInvalidTransition) {
						rt.Fatalf("cancel of %s booking: %v", b.status, err)
					}
				}
			},
			"advance clock": func(rt *rapid.T) {
				d := time.Duration(rapid.IntRange(0, 12*60).Draw(rt, "seconds")) * time.Second
				f.clock.Advance(d)
				m.now = m.now.Add(d)
			},
			"sweep": func(rt *rapid.T) {
				if _, err := f.sys.Sweep(ctx); err != nil {
					rt.Fatal(err)
				}
				m.lapse()
			},
			"": func(rt *rapid.T) { // after every action: the seat maps agree with the model
				for _, show := range shows {
					sm, err := f.sys.SeatMap(ctx, show)
					if err != nil {
						rt.Fatal(err)
					}
					for _, s := range sm.Seats {
						want := boxoffice.SeatAvailable
						if id, ok := m.owner(show, s.ID); ok {
							want = boxoffice.SeatHeld
							if m.bookings[id].status == boxoffice.StatusConfirmed {
								want = boxoffice.SeatBooked
							}
						}
						if s.Status != want {
							rt.Fatalf("%s/%s is %s; model says %s", show, s.ID, s.Status, want)
						}
					}
				}
				for id, b := range m.bookings {
					got := f.booking(id)
					want := b.status
					if want == boxoffice.StatusExpired && got.Status == boxoffice.StatusHeld {
						continue // lapsed but not yet swept: the same thing
					}
					if got.Status != want {
						rt.Fatalf("booking %s is %s; model says %s", id, got.Status, want)
					}
				}
				assertOneOwnerPerSeat(rt, f.sys, users, f.clock.Now())
				infos, err := f.sys.ShowsOfMovie(ctx, "M1", boxoffice.ShowPage{})
				if err != nil {
					rt.Fatal(err)
				}
				for _, info := range infos {
					if !slices.Contains(shows, info.ID) {
						continue
					}
					free := 0
					for _, seat := range seatIDs {
						if _, owned := m.owner(info.ID, seat); !owned {
							free++
						}
					}
					if info.FreeSeats != free || info.TotalSeats != len(seatIDs) {
						rt.Fatalf("ShowsOfMovie: %s has %d of %d free; model says %d of %d", info.ID, info.FreeSeats, info.TotalSeats, free, len(seatIDs))
					}
				}
			},
		})
	})
}

// assertOneOwnerPerSeat checks, from the users' bookings, that no seat of
// any show belongs to two live bookings at now.
func assertOneOwnerPerSeat(t interface{ Fatalf(string, ...any) }, sys *boxoffice.BookingSystem, users []string, now time.Time) {
	owners := map[string]boxoffice.BookingID{}
	for _, u := range users {
		bs, err := allBookingsOfUser(context.Background(), sys, u)
		if err != nil {
			t.Fatalf("BookingsOfUser: %v", err)
		}
		for _, b := range bs {
			live := b.Status == boxoffice.StatusConfirmed || b.Status == boxoffice.StatusPaying ||
				b.Status == boxoffice.StatusHeld && now.Before(b.HeldUntil)
			if !live {
				continue
			}
			for _, s := range b.Seats {
				key := fmt.Sprintf("%s/%s", b.ShowID, s.ID)
				if other, dup := owners[key]; dup {
					t.Fatalf("seat %s has two owners: %s and %s", key, other, b.ID)
				}
				owners[key] = b.ID
			}
		}
	}
}
