package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

var showTests = []subtest{
	{"AddShow", testAddShow},
	{"AddShowCheckGetsOverlapping", testAddShowOverlapping},
	{"AddShowCheckError", testAddShowCheckError},
	{"AddShowLongSchedule", testAddShowLongSchedule},
	{"AddShowSerializedPerHall", testAddShowSerializedPerHall},
	{"AddShowSameIDRace", testAddShowSameIDRace},
	{"ShowsOfMovie", testShowsOfMovie},
	{"ShowsOfMoviePages", testShowsOfMoviePages},
	{"ShowsOfHall", testShowsOfHall},
}

func testAddShow(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	sh := f.addShow(t, show("s1", hallA, movieX, at(18, 0)))

	got, err := s.Show(f.ctx, "s1")
	must(t, err)
	if d := diffShow(sh, got); d != "" {
		t.Error("Show after AddShow:", d)
	}
	_, err = s.Show(f.ctx, "missing")
	wantErr(t, "Show of an unknown ID", err, boxoffice.ErrNotFound)

	// A new show has every seat of the layout, all available, no bookings.
	slots := f.seats(t, "s1")
	if len(slots) != f.layout.Len() {
		t.Fatalf("NumSeats = %d, want the layout's %d", len(slots), f.layout.Len())
	}
	for i, slot := range slots {
		if d := diffSlot(boxoffice.SeatSlot{}, slot); d != "" {
			t.Errorf("seat %d of a new show: %s", i, d)
		}
	}
	must(t, s.ViewShow(f.ctx, "s1", func(tx boxoffice.ShowTx) error {
		if d := diffShow(sh, tx.Show()); d != "" {
			t.Error("ShowTx.Show:", d)
		}
		_, err := tx.Booking(boxoffice.NewBookingID())
		wantErr(t, "ShowTx.Booking of a new show", err, boxoffice.ErrNotFound)
		return nil
	}))

	// A taken ID is refused, in the same hall or another, overlapping or not.
	for _, dup := range []boxoffice.Show{
		show("s1", hallA, movieY, at(18, 0)),
		show("s1", hallB, movieY, at(9, 0)),
	} {
		err := s.AddShow(f.ctx, dup, f.layout, boxoffice.Interval{Start: dup.Start, End: dup.End},
			func([]boxoffice.Show) error { return nil })
		wantErr(t, "AddShow with a taken ID in "+dup.HallID, err, boxoffice.ErrAlreadyExists)
	}
	if got, _ := s.Show(f.ctx, "s1"); got.MovieID != movieX {
		t.Errorf("a refused AddShow replaced the show: %+v", got)
	}

	// The hall and the movie must exist.
	for _, bad := range []boxoffice.Show{
		show("s2", "no-such-hall", movieX, at(9, 0)),
		show("s3", hallB, "no-such-movie", at(9, 0)),
	} {
		err := s.AddShow(f.ctx, bad, f.layout, boxoffice.Interval{Start: bad.Start, End: bad.End},
			func([]boxoffice.Show) error { return nil })
		wantErr(t, fmt.Sprintf("AddShow in hall %q of movie %q", bad.HallID, bad.MovieID), err, boxoffice.ErrNotFound)
		if _, err := s.Show(f.ctx, bad.ID); !errors.Is(err, boxoffice.ErrNotFound) {
			t.Errorf("refused show %s was stored (Show: %v)", bad.ID, err)
		}
	}
}

func testAddShowOverlapping(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	// Hall A: 10–12, 13–15, 16–18; hall B: 11–13 (never overlapping hall A's).
	for _, sh := range []boxoffice.Show{
		show("a10", hallA, movieX, at(10, 0)),
		show("a13", hallA, movieX, at(13, 0)),
		show("a16", hallA, movieY, at(16, 0)),
		show("b11", hallB, movieX, at(11, 0)),
	} {
		f.addShow(t, sh)
	}
	tests := []struct {
		name       string
		start, end time.Time
		want       []string
	}{
		{"across two shows", at(11, 30), at(13, 30), []string{"a10", "a13"}},
		{"inside one show", at(14, 0), at(14, 30), []string{"a13"}},
		{"around all shows", at(9, 0), at(19, 0), []string{"a10", "a13", "a16"}},
		{"touching ends only", at(12, 0), at(13, 0), nil},
		{"before all", at(6, 0), at(10, 0), nil},
		{"after all", at(18, 0), at(23, 0), nil},
	}
	for i, tc := range tests {
		var got []boxoffice.Show
		calls := 0
		sh := show(fmt.Sprintf("new-%d", i), hallA, movieX, tc.start)
		err := s.AddShow(f.ctx, sh, f.layout, boxoffice.Interval{Start: tc.start, End: tc.end}, func(overlapping []boxoffice.Show) error {
			calls++
			got = slices.Clone(overlapping)
			return errReject // keep the schedule as it is for the next case
		})
		if !errors.Is(err, errReject) {
			t.Errorf("%s: AddShow returned %v, want check's error", tc.name, err)
		}
		if calls != 1 {
			t.Errorf("%s: check called %d times, want 1", tc.name, calls)
		}
		ids := showIDs(got)
		slices.Sort(ids)
		if !slices.Equal(ids, tc.want) {
			t.Errorf("%s: check got %v, want %v", tc.name, ids, tc.want)
		}
		for _, o := range got {
			want, err := s.Show(f.ctx, o.ID)
			must(t, err)
			if d := diffShow(want, o); d != "" {
				t.Errorf("%s: overlapping show: %s", tc.name, d)
			}
		}
	}
}

var errReject = errors.New("storetest: rejected by check")

// rejectError is a typed check error: AddShow must return it unchanged.
type rejectError struct{ conflict string }

func (e *rejectError) Error() string { return "conflicts with " + e.conflict }

func testAddShowCheckError(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	f.addShow(t, show("first", hallA, movieX, at(10, 0)))
	late := show("late", hallA, movieY, at(11, 0))
	checkErr := &rejectError{conflict: "first"}
	err := s.AddShow(f.ctx, late, f.layout, boxoffice.Interval{Start: late.Start, End: late.End}, func(overlapping []boxoffice.Show) error {
		if len(overlapping) != 1 || overlapping[0].ID != "first" {
			t.Errorf("check got %v, want [first]", showIDs(overlapping))
		}
		return checkErr
	})
	var got *rejectError
	if !errors.As(err, &got) || got != checkErr {
		t.Errorf("AddShow returned %v, want the check's error unchanged", err)
	}

	// Nothing of the refused show was stored.
	_, err = s.Show(f.ctx, "late")
	wantErr(t, "Show of a refused show", err, boxoffice.ErrNotFound)
	wantErr(t, "UpdateShow of a refused show", s.UpdateShow(f.ctx, "late", func(boxoffice.ShowTx) error { return nil }), boxoffice.ErrNotFound)
	shows, err := s.ShowsOfMovie(f.ctx, movieY, boxoffice.ShowCursor{}, 100)
	must(t, err)
	if len(shows) != 0 {
		t.Errorf("ShowsOfMovie lists refused shows: %v", showIDs(shows))
	}
	shows, err = s.ShowsOfHall(f.ctx, hallA, boxoffice.Interval{Start: at(0, 0), End: at(23, 59)})
	must(t, err)
	if ids := showIDs(shows); !slices.Equal(ids, []string{"first"}) {
		t.Errorf("ShowsOfHall after a refused AddShow: %v, want [first]", ids)
	}

	// The refused ID is still free.
	f.addShow(t, show("late", hallB, movieY, at(11, 0)))
}

// testAddShowLongSchedule fills a hall with 500 shows, and one long show
// among them, and checks the windows every search must find.
func testAddShowLongSchedule(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	const n = 500
	// Show i starts at day + i×3h and lasts 2h; added in a scrambled order.
	for k := range n {
		i := (k * 7) % n // 7 is coprime with 500, so this visits every i
		f.addShow(t, show(fmt.Sprintf("s%03d", i), hallA, movieX, day.Add(time.Duration(i)*3*time.Hour)))
	}
	long := boxoffice.Show{ID: "long", MovieID: movieY, HallID: hallB, TheaterID: theaterID,
		Start: day, End: day.Add(40 * 24 * time.Hour), BasePrice: 5_00}
	f.addShow(t, long)
	for k := range n {
		f.addShow(t, show(fmt.Sprintf("b%03d", k), hallB, movieX, day.Add(time.Duration(k)*3*time.Hour+time.Hour)))
	}

	start := func(i int) time.Time { return day.Add(time.Duration(i) * 3 * time.Hour) }
	tests := []struct {
		name   string
		hall   string
		window boxoffice.Interval
		want   []string
	}{
		{"middle", hallA, boxoffice.Interval{Start: start(250).Add(time.Hour), End: start(251).Add(time.Minute)}, []string{"s250", "s251"}},
		{"gap", hallA, boxoffice.Interval{Start: start(100).Add(2 * time.Hour), End: start(101)}, nil},
		{"last", hallA, boxoffice.Interval{Start: start(n - 1), End: start(n + 10)}, []string{"s499"}},
		{"first", hallA, boxoffice.Interval{Start: day.Add(-time.Hour), End: day.Add(time.Minute)}, []string{"s000"}},
		{"long show found from far", hallB, boxoffice.Interval{Start: start(300), End: start(300).Add(time.Minute)}, []string{"long"}},
		{"long show and a short one", hallB, boxoffice.Interval{Start: start(300).Add(time.Hour), End: start(300).Add(90 * time.Minute)}, []string{"b300", "long"}},
	}
	for _, tc := range tests {
		var got []string
		probe := show("probe", tc.hall, movieX, tc.window.Start)
		err := s.AddShow(f.ctx, probe, f.layout, tc.window, func(overlapping []boxoffice.Show) error {
			got = showIDs(overlapping)
			return errReject
		})
		if !errors.Is(err, errReject) {
			t.Fatalf("%s: AddShow returned %v, want check's error", tc.name, err)
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: check got %v, want %v", tc.name, got, tc.want)
		}
		shows, err := s.ShowsOfHall(f.ctx, tc.hall, tc.window)
		must(t, err)
		ids := showIDs(shows)
		slices.Sort(ids)
		if !slices.Equal(ids, tc.want) {
			t.Errorf("%s: ShowsOfHall got %v, want %v", tc.name, ids, tc.want)
		}
	}
}

// testAddShowSerializedPerHall starts, from inside one AddShow's check, an
// AddShow of an overlapping show into the same hall, each with a check that
// refuses any overlap. The checks run inside the hall's transaction, so the
// second either waits for the first or, started too soon, is seen by it:
// exactly one show may be added.
func testAddShowSerializedPerHall(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	refuseOverlap := func(overlapping []boxoffice.Show) error {
		if len(overlapping) > 0 {
			return errReject
		}
		return nil
	}
	add := func(sh boxoffice.Show, check func([]boxoffice.Show) error) error {
		return s.AddShow(f.ctx, sh, f.layout, boxoffice.Interval{Start: sh.Start, End: sh.End}, check)
	}
	var wait func() error
	errA := add(show("a", hallA, movieX, at(10, 0)), func(overlapping []boxoffice.Show) error {
		if wait == nil { // a Store may run the check again: start the other once
			wait = startAndWait(func() error { return add(show("b", hallA, movieY, at(11, 0)), refuseOverlap) })
		}
		return refuseOverlap(overlapping)
	})
	var errB error
	if wait != nil {
		errB = wait()
	}
	for name, err := range map[string]error{"a": errA, "b": errB} {
		if err != nil && !errors.Is(err, errReject) {
			t.Errorf("AddShow(%s): %v", name, err)
		}
	}
	if (errA == nil) == (errB == nil) {
		t.Errorf("overlapping AddShows into one hall, one started inside the other's check: a=%v b=%v, want exactly one added", errA, errB)
	}
	shows, err := s.ShowsOfHall(f.ctx, hallA, boxoffice.Interval{Start: at(0, 0), End: at(23, 0)})
	must(t, err)
	if len(shows) != 1 {
		t.Errorf("ShowsOfHall lists %v, want one show", showIDs(shows))
	}
}

// testAddShowSameIDRace starts, from inside one AddShow's check, an AddShow
// of the very same show (as two requests of one seeding job do), with a
// check that refuses any overlap. The second must learn that the ID is
// taken, not that the show overlaps itself: a Store that checks the ID
// before waiting for the hall must check it again once it has the hall.
func testAddShowSameIDRace(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	sh := show("s1", hallA, movieX, at(18, 0))
	add := func(check func([]boxoffice.Show) error) error {
		return s.AddShow(f.ctx, sh, f.layout, boxoffice.Interval{Start: sh.Start, End: sh.End}, check)
	}
	errOverlap := errors.New("overlaps")
	var wait func() error
	errA := add(func(overlapping []boxoffice.Show) error {
		if wait == nil { // a Store may run the check again: start the other once
			wait = startAndWait(func() error {
				return add(func(overlapping []boxoffice.Show) error {
					if len(overlapping) > 0 {
						return errOverlap
					}
					return nil
				})
			})
		}
		return nil
	})
	if wait == nil {
		t.Fatalf("AddShow did not call check: %v", errA)
	}
	errB := wait()
	must(t, errA)
	if !errors.Is(errB, boxoffice.ErrAlreadyExists) {
		t.Errorf("AddShow of the same show, started inside the first one's check: %v, want ErrAlreadyExists", errB)
	}
	shows, err := s.ShowsOfHall(f.ctx, hallA, boxoffice.Interval{Start: at(0, 0), End: at(23, 0)})
	must(t, err)
	if ids := showIDs(shows); !slices.Equal(ids, []string{"s1"}) {
		t.Errorf("ShowsOfHall lists %v, want [s1]", ids)
	}
}

func testShowsOfMovie(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	// Added out of start order, across two halls and two days.
	for _, sh := range []boxoffice.Show{
		show("x3", hallA, movieX, at(20, 0)),
		show("x1", hallB, movieX, at(9, 0)),
		show("y1", hallA, movieY, at(9, 0)),
		show("x4", hallA, movieX, at(20, 0).Add(24*time.Hour)),
		show("x2", hallA, movieX, at(12, 0)),
	} {
		f.addShow(t, sh)
	}
	shows, err := s.ShowsOfMovie(f.ctx, movieX, boxoffice.ShowCursor{}, 100)
	must(t, err)
	if ids, want := showIDs(shows), []string{"x1", "x2", "x3", "x4"}; !slices.Equal(ids, want) {
		t.Errorf("ShowsOfMovie(%s) = %v, want %v", movieX, ids, want)
	}
	for _, sh := range shows {
		want, err := s.Show(f.ctx, sh.ID)
		must(t, err)
		if d := diffShow(want, sh); d != "" {
			t.Error("ShowsOfMovie:", d)
		}
	}

	must(t, s.AddMovie(f.ctx, boxoffice.Movie{ID: "unscheduled", Duration: time.Hour}))
	shows, err = s.ShowsOfMovie(f.ctx, "unscheduled", boxoffice.ShowCursor{}, 100)
	must(t, err)
	if len(shows) != 0 {
		t.Errorf("ShowsOfMovie of an unscheduled movie = %v", showIDs(shows))
	}
	_, err = s.ShowsOfMovie(f.ctx, "no-such-movie", boxoffice.ShowCursor{}, 100)
	wantErr(t, "ShowsOfMovie of an unknown movie", err, boxoffice.ErrNotFound)
	_, err = s.ShowsOfMovie(f.ctx, "no-such-movie", boxoffice.ShowCursor{Start: at(10, 0), ID: "x2"}, 1)
	wantErr(t, "ShowsOfMovie of an unknown movie, from a cursor", err, boxoffice.ErrNotFound)
}

// testShowsOfMoviePages pages through a movie's shows, three of them at
// the same start (so that pages end inside the tie, whose IDs differ in
// case: their order is that of the IDs' bytes, which a database's
// language collation would not give), among another movie's shows at the
// same times, with pages of several sizes, each next page after the last
// show of the previous one as read back by Show, the way the BookingSystem
// makes its cursors. Cursors that name no show (the BookingSystem starts
// its pages at the clock's now), in another time zone, or past the end
// work too.
func testShowsOfMoviePages(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	tie := at(15, 0)
	var want []boxoffice.Show // movieX's, added out of order, in hall A or B
	for i, sh := range []boxoffice.Show{
		show("t-c", hallA, movieX, tie),
		show("early", hallB, movieX, at(9, 0).Add(-30*24*time.Hour)), // a month before: long past, for the core
		show("t-B", hallB, movieX, tie),
		show("late", hallA, movieX, at(9, 0).Add(24*time.Hour)),
		show("noon", hallA, movieX, at(12, 0)),
		show("t-a", hallA, movieX, tie),
		show("ten", hallB, movieX, at(10, 0)),
	} {
		want = append(want, f.addShow(t, sh))
		// The other movie at the same times, in the other ID order.
		f.addShow(t, show(fmt.Sprintf("y%d-%s", 9-i, sh.ID), hallA, movieY, sh.Start))
	}
	slices.SortFunc(want, func(a, b boxoffice.Show) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	wantIDs := showIDs(want) // early ten noon t-B t-a t-c late
	page := func(after boxoffice.ShowCursor, limit int) []string {
		t.Helper()
		got, err := s.ShowsOfMovie(f.ctx, movieX, after, limit)
		must(t, err)
		for _, sh := range got {
			if sh.MovieID != movieX {
				t.Fatalf("ShowsOfMovie(%s) lists %s, a show of %s", movieX, sh.ID, sh.MovieID)
			}
		}
		return showIDs(got)
	}
	cursorOf := func(id string) boxoffice.ShowCursor {
		t.Helper()
		sh, err := s.Show(f.ctx, id)
		must(t, err)
		return boxoffice.ShowCursor{Start: sh.Start, ID: sh.ID}
	}

	for _, size := range []int{1, 2, 3, 4, len(want) - 1, len(want), len(want) + 1, 1000} {
		var all []string
		var after boxoffice.ShowCursor
		for pages := 1; ; pages++ {
			ids := page(after, size)
			if len(ids) > size {
				t.Fatalf("page %d of %d: %d shows %v", pages, size, len(ids), ids)
			}
			all = append(all, ids...)
			if len(ids) < size {
				break
			}
			if pages > len(want)+1 {
				t.Fatalf("pages of %d: no short page after %d pages", size, pages)
			}
			after = cursorOf(ids[len(ids)-1])
		}
		if !slices.Equal(all, wantIDs) {
			t.Errorf("pages of %d: %v, want, by Start then the IDs' bytes, %v", size, all, wantIDs)
		}
	}

	firstTied := slices.Index(wantIDs, "t-B")
	for _, c := range []struct {
		name  string
		after boxoffice.ShowCursor
		limit int
		from  int // index in want of the page's first show
	}{
		{"zero cursor", boxoffice.ShowCursor{}, 2, 0},
		{"at a time, before the first show", boxoffice.ShowCursor{Start: at(0, 0)}, 100, 1},
		{"between two shows", boxoffice.ShowCursor{Start: at(11, 0)}, 100, 2},
		{"on a show's start, before its ID", boxoffice.ShowCursor{Start: at(12, 0)}, 100, 2},
		{"on a show's start and ID", boxoffice.ShowCursor{Start: at(12, 0), ID: "noon"}, 100, 3},
		{"on a show's start, after its ID", boxoffice.ShowCursor{Start: at(12, 0), ID: "noon0"}, 100, 3},
		{"before the tie", boxoffice.ShowCursor{Start: tie}, 2, firstTied},
		{"inside the tie, between IDs", boxoffice.ShowCursor{Start: tie, ID: "t-b"}, 100, firstTied + 2},
		{"on the first tied show", boxoffice.ShowCursor{Start: tie, ID: "t-B"}, 1, firstTied + 1},
		{"after the tie", boxoffice.ShowCursor{Start: tie, ID: "\U0010ffff"}, 100, firstTied + 3},
		{"in another zone", boxoffice.ShowCursor{Start: tie.In(time.FixedZone("UTC+5", 5*3600))}, 100, firstTied},
		{"on the last show", cursorOf(wantIDs[len(wantIDs)-1]), 100, len(want)},
		{"past the end", boxoffice.ShowCursor{Start: at(9, 0).Add(48 * time.Hour)}, 100, len(want)},
	} {
		wantPage := wantIDs[c.from:min(c.from+c.limit, len(wantIDs))]
		if ids := page(c.after, c.limit); !slices.Equal(ids, wantPage) {
			t.Errorf("page of %d after a cursor %s = %v, want %v", c.limit, c.name, ids, wantPage)
		}
	}
}

func testShowsOfHall(t *testing.T, s boxoffice.Store) {
	f := newFixture(t, s)
	for _, sh := range []boxoffice.Show{
		show("a16", hallA, movieX, at(16, 0)),
		show("a10", hallA, movieY, at(10, 0)),
		show("a13", hallA, movieX, at(13, 0)),
		show("b10", hallB, movieX, at(10, 0)),
	} {
		f.addShow(t, sh)
	}
	tests := []struct {
		name       string
		hall       string
		start, end time.Time
		want       []string // in order
	}{
		{"whole day", hallA, at(0, 0), at(23, 59), []string{"a10", "a13", "a16"}},
		{"partial", hallA, at(11, 59), at(16, 1), []string{"a10", "a13", "a16"}},
		{"half-open at both ends", hallA, at(12, 0), at(16, 0), []string{"a13"}},
		{"in a gap", hallA, at(15, 0), at(16, 0), nil},
		{"other hall", hallB, at(0, 0), at(23, 59), []string{"b10"}},
	}
	for _, tc := range tests {
		shows, err := s.ShowsOfHall(f.ctx, tc.hall, boxoffice.Interval{Start: tc.start, End: tc.end})
		must(t, err)
		if ids := showIDs(shows); !slices.Equal(ids, tc.want) {
			t.Errorf("%s: ShowsOfHall = %v, want %v", tc.name, ids, tc.want)
		}
	}
	_, err := s.ShowsOfHall(f.ctx, "no-such-hall", boxoffice.Interval{Start: at(0, 0), End: at(23, 0)})
	wantErr(t, "ShowsOfHall of an unknown hall", err, boxoffice.ErrNotFound)
}
