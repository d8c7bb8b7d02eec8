package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// blindStore is a deliberately broken Store: while blind is set, a show
// transaction sees booked seats as free. It double-sells on demand, so
// that the audit can be checked against a double sale.
type blindStore struct {
	boxoffice.Store
	blind atomic.Bool
}

func (s *blindStore) UpdateShow(ctx context.Context, id string, fn func(boxoffice.ShowTx) error) error {
	return s.Store.UpdateShow(ctx, id, func(tx boxoffice.ShowTx) error {
		return fn(blindTx{tx, s})
	})
}

type blindTx struct {
	boxoffice.ShowTx
	s *blindStore
}

func (t blindTx) Seat(i int) boxoffice.SeatSlot {
	slot := t.ShowTx.Seat(i)
	if t.s.blind.Load() && slot.Status == boxoffice.SeatBooked {
		return boxoffice.SeatSlot{}
	}
	return slot
}

// testSystem returns a load test system on store, as run builds it (with
// cfg's eventBuffer and the other observers given), and a sim of one show
// and the users alice and bob.
func testSystem(t *testing.T, store boxoffice.Store, eventBuffer int, others ...boxoffice.Observer) (*loadSystem, *sim) {
	t.Helper()
	cfg, err := parseFlags([]string{"-fail", "0"}, io.Discard)
	must(t, err)
	cfg.eventBuffer = eventBuffer
	ls, err := newLoadSystem(cfg, store, others...)
	must(t, err)
	t.Cleanup(func() { _ = ls.Close(context.Background()) })
	ctx := context.Background()
	movie, err := ls.AddMovie(ctx, boxoffice.Movie{Title: "M", Duration: 90 * time.Minute})
	must(t, err)
	theater, err := ls.AddTheater(ctx, boxoffice.Theater{Name: "T", City: "Pune"})
	must(t, err)
	hall, err := ls.AddHall(ctx, boxoffice.Hall{TheaterID: theater.ID, Name: "H", Layout: boxoffice.SeedLayout()})
	must(t, err)
	show, err := ls.ScheduleShow(ctx, boxoffice.Show{MovieID: movie.ID, HallID: hall.ID,
		Start: ls.Clock().Now().Add(48 * time.Hour), BasePrice: 1000})
	must(t, err)
	return ls, &sim{cfg: cfg, sys: ls.BookingSystem, shows: []boxoffice.Show{show}, users: []string{"alice", "bob"}}
}

// buy holds seats for user and pays.
func buy(t *testing.T, ls *loadSystem, user, show string, seats ...string) boxoffice.Booking {
	t.Helper()
	ctx := context.Background()
	b, err := ls.HoldSeats(ctx, user, show, seats)
	must(t, err)
	b, err = ls.ConfirmBooking(ctx, b.ID, "card:x")
	must(t, err)
	if b.Status != boxoffice.StatusConfirmed {
		t.Fatalf("%s's booking is %s, want confirmed", user, b.Status)
	}
	return b
}

// TestAuditFindsDoubleSaleUndoneByCancel: seat A1 is sold to alice and
// then, while alice's booking is still confirmed, sold again to bob by a
// broken Store. Alice then cancels, as the load test's users do. The final
// state is then clean — one owner per seat, an inventory and money that
// agree — so only the history can tell, and the audit must fail.
func TestAuditFindsDoubleSaleUndoneByCancel(t *testing.T) {
	ctx := context.Background()
	store := &blindStore{Store: boxoffice.NewMemoryStore()}
	ls, s := testSystem(t, store, 0)
	show := s.shows[0].ID

	alice := buy(t, ls, "alice", show, "A1", "A2")
	store.blind.Store(true)
	buy(t, ls, "bob", show, "A1")
	store.blind.Store(false)
	if _, err := ls.CancelBooking(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}

	a, err := audit(ctx, ls, s)
	must(t, err)
	var out bytes.Buffer
	a.print(&out)
	if a.doubleOwned != 0 || a.mapMismatches != 0 || a.wrongPayments != 0 || !a.moneyOK() {
		t.Errorf("setup: the final state is not clean, so the history is not what is tested:\n%s", &out)
	}
	if a.ok() || a.doubleSales != 1 || !a.historyComplete() || !strings.Contains(a.firstDouble, "seat A1 ") {
		t.Errorf("audit of a run that sold A1 twice: ok=%v, %d double sales (want 1), history complete %v, first %q:\n%s",
			a.ok(), a.doubleSales, a.historyComplete(), a.firstDouble, &out)
	}
	if !strings.Contains(out.String(), "seats sold while another confirmed booking owned them: 1 (FAILED)") {
		t.Errorf("the summary does not report the double sale:\n%s", &out)
	}
}

// stuckObserver takes an event and then blocks until released, so that
// the events after it overflow its queue.
type stuckObserver struct{ release chan struct{} }

func (o stuckObserver) Notify(ctx context.Context, _ boxoffice.Event) {
	select {
	case <-o.release:
	case <-ctx.Done():
	}
}

// TestAuditInconclusiveWhenEventsDropped: with queues of one event and an
// observer that stops taking them, events are dropped; the history may
// then miss a double sale, so the audit must fail although nothing else
// is wrong.
func TestAuditInconclusiveWhenEventsDropped(t *testing.T) {
	stuck := stuckObserver{release: make(chan struct{})}
	ls, s := testSystem(t, boxoffice.NewMemoryStore(), 1, stuck)
	show := s.shows[0].ID
	// Six events, of which the stuck observer holds at most two.
	buy(t, ls, "alice", show, "A1")
	buy(t, ls, "bob", show, "A2")
	buy(t, ls, "bob", show, "A3")
	close(stuck.release)

	a, err := audit(context.Background(), ls, s)
	must(t, err)
	var out bytes.Buffer
	a.print(&out)
	if a.eventsDropped == 0 || a.historyComplete() || a.ok() {
		t.Errorf("audit after dropped events: %d dropped, history complete %v, ok %v; want dropped, incomplete, failed:\n%s",
			a.eventsDropped, a.historyComplete(), a.ok(), &out)
	}
	if !strings.Contains(out.String(), "inconclusive") {
		t.Errorf("the summary does not call the audit inconclusive:\n%s", &out)
	}
}

// TestSaleLedger replays histories: a seat sold while another confirmed
// booking owns it is a double sale, whatever happens next.
func TestSaleLedger(t *testing.T) {
	a, b, c := boxoffice.NewBookingID(), boxoffice.NewBookingID(), boxoffice.NewBookingID()
	type step struct {
		cancel  bool
		booking boxoffice.BookingID
		show    string
		seats   []string
	}
	for _, tc := range []struct {
		name  string
		steps []step
		want  int
	}{
		{"resold after a cancel", []step{{false, a, "s", []string{"A1", "A2"}}, {true, a, "s", []string{"A1", "A2"}}, {false, b, "s", []string{"A1"}}}, 0},
		{"same seat, other shows", []step{{false, a, "s", []string{"A1"}}, {false, b, "t", []string{"A1"}}}, 0},
		{"confirmation replayed", []step{{false, a, "s", []string{"A1"}}, {false, a, "s", []string{"A1"}}}, 0},
		{"sold twice, first cancelled", []step{{false, a, "s", []string{"A1"}}, {false, b, "s", []string{"A1", "A2"}}, {true, a, "s", []string{"A1"}}}, 1},
		{"sold twice, second cancelled, sold again", []step{
			{false, a, "s", []string{"A1"}}, {false, b, "s", []string{"A1"}}, {true, b, "s", []string{"A1"}}, {false, c, "s", []string{"A1"}}}, 2},
		{"two seats sold twice", []step{{false, a, "s", []string{"A1", "A2"}}, {false, b, "s", []string{"A2", "A1"}}}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newSaleLedger()
			for _, st := range tc.steps {
				if st.cancel {
					l.cancel(st.show, st.booking, st.seats)
				} else {
					l.confirm(st.show, st.booking, st.seats)
				}
			}
			if l.doubleSales != tc.want || (tc.want > 0) != (l.firstDouble != "") {
				t.Errorf("double sales %d (first %q), want %d", l.doubleSales, l.firstDouble, tc.want)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestAllBookingsOfUserReadsEveryPage: the audit reads every booking of a
// user with more than a page of them, some created at the same instant.
func TestAllBookingsOfUserReadsEveryPage(t *testing.T) {
	ctx := t.Context()
	store := boxoffice.NewMemoryStore()
	layout := boxoffice.SeedLayout()
	start := time.Date(2031, 1, 1, 20, 0, 0, 0, time.UTC)
	show := boxoffice.Show{ID: "s", MovieID: "m", HallID: "h", TheaterID: "t", Start: start, End: start.Add(time.Hour)}
	must(t, store.AddTheater(ctx, boxoffice.Theater{ID: "t"}))
	must(t, store.AddHall(ctx, boxoffice.Hall{ID: "h", TheaterID: "t", Layout: layout}))
	must(t, store.AddMovie(ctx, boxoffice.Movie{ID: "m", Duration: time.Hour}))
	must(t, store.AddShow(ctx, show, layout, boxoffice.Interval{Start: show.Start, End: show.End}, nil))
	n := 2*boxoffice.MaxPageLimit + 1
	want := map[boxoffice.BookingID]bool{}
	must(t, store.UpdateShow(ctx, "s", func(tx boxoffice.ShowTx) error {
		for i := range n {
			at := start.Add(-time.Duration(i/3) * time.Second)
			b := boxoffice.Booking{ID: boxoffice.NewBookingID(), UserID: "u", ShowID: "s",
				Status: boxoffice.StatusReleased, CreatedAt: at, UpdatedAt: at}
			tx.PutBooking(b)
			want[b.ID] = true
		}
		return nil
	}))
	got, err := allBookingsOfUser(ctx, store, "u")
	must(t, err)
	seen := map[boxoffice.BookingID]bool{}
	for _, b := range got {
		if !want[b.ID] || seen[b.ID] {
			t.Fatalf("booking %v read twice or never stored", b.ID)
		}
		seen[b.ID] = true
	}
	if len(seen) != n {
		t.Errorf("read %d bookings of %d", len(seen), n)
	}
}
