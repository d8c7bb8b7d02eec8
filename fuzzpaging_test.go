package boxoffice_test

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// FuzzSearchPage fuzzes MovieQuery's paging fields: a Limit out of range
// or an After that cannot be an ID is ErrInvalidArgument, an After that
// names no movie ErrNotFound, and otherwise the page is exactly the next
// Limit movies after After in (title, ID) order; nothing ever changes.
func FuzzSearchPage(f *testing.F) {
	for _, s := range []struct {
		after string
		limit int
	}{{"", 0}, {"", 1}, {"M3", 2}, {"M9", 1000}, {"nope", 5}, {"", -1}, {"", 1001}, {"a\x00", 3}, {"\xff", 1}} {
		f.Add(s.after, s.limit)
	}
	f.Fuzz(func(t *testing.T, after string, limit int) {
		e := newFuzzEnv(t)
		var all []boxoffice.Movie
		for i := range 12 {
			// Equal titles, so that ties are ordered by ID across pages.
			m := mustT[boxoffice.Movie](t)(e.sys.AddMovie(e.ctx, boxoffice.Movie{ID: fmt.Sprintf("M%d", i+2),
				Title: fmt.Sprintf("Film %d", i%4), Duration: time.Hour}))
			all = append(all, m)
		}
		all = append(all, mustT[boxoffice.Movie](t)(e.sys.Movie(e.ctx, "M1")))
		slices.SortFunc(all, func(a, b boxoffice.Movie) int { return cmp.Or(cmp.Compare(a.Title, b.Title), cmp.Compare(a.ID, b.ID)) })

		before := e.fingerprint()
		got, err := e.sys.SearchMovies(e.ctx, boxoffice.MovieQuery{After: after, Limit: limit})
		if e.fingerprint() != before {
			t.Fatalf("SearchMovies(After %q, Limit %d) changed the state", after, limit)
		}
		at := slices.IndexFunc(all, func(m boxoffice.Movie) bool { return m.ID == after })
		switch {
		case limit < 0 || limit > boxoffice.MaxPageLimit || !validTextRef(after, 128):
			if !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Fatalf("SearchMovies(After %q, Limit %d) = %d movies, %v; want ErrInvalidArgument", after, limit, len(got), err)
			}
			return
		case after != "" && at < 0:
			if !errors.Is(err, boxoffice.ErrNotFound) {
				t.Fatalf("SearchMovies(After %q, unknown) = %d movies, %v; want ErrNotFound", after, len(got), err)
			}
			return
		case err != nil:
			t.Fatalf("SearchMovies(After %q, Limit %d): %v", after, limit, err)
		}
		if limit == 0 {
			limit = boxoffice.DefaultPageLimit
		}
		want := all[at+1:]
		want = want[:min(limit, len(want))]
		if !slices.EqualFunc(got, want, func(a, b boxoffice.Movie) bool { return a.ID == b.ID }) {
			t.Fatalf("SearchMovies(After %q, Limit %d) = %v; want %v", after, limit, movieIDs(got), movieIDs(want))
		}
	})
}

// FuzzPaymentMethod fuzzes ConfirmBooking's method: text that is not at
// most 256 bytes of valid UTF-8 without control characters is
// ErrInvalidArgument and changes nothing; any other is recorded as given.
func FuzzPaymentMethod(f *testing.F) {
	for _, m := range []string{"card", "", "card:tok_visa", "\x00", "\xff\xfe", "a\nb", "é", "\u0085"} {
		f.Add(m)
	}
	f.Add(string(make([]byte, 257)))
	f.Fuzz(func(t *testing.T, method string) {
		e := newFuzzEnv(t)
		before := e.fingerprint()
		b, err := e.sys.ConfirmBooking(e.ctx, e.held.ID, boxoffice.PaymentMethod(method))
		if !validTextRef(method, 256) {
			if !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Fatalf("ConfirmBooking(method %q) = %s, %v; want ErrInvalidArgument", method, b.Status, err)
			}
			if e.fingerprint() != before {
				t.Fatalf("ConfirmBooking(method %q) was refused but changed the state", method)
			}
			return
		}
		if err != nil || b.Status != boxoffice.StatusConfirmed || string(b.Payment.Method) != method {
			t.Fatalf("ConfirmBooking(method %q) = %s (method %q), %v; want confirmed with the method as given", method, b.Status, b.Payment.Method, err)
		}
	})
}
