package pgstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/boxoffice-go/boxoffice"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
)

func TestMarkUnavailable(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("query: %w", &pgconn.PgError{Code: code}) }
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"connection failure (08006)", pg("08006"), true},
		{"too many connections (53300)", pg("53300"), true},
		{"disk full (53100)", pg("53100"), true},
		{"I/O error (58030)", pg("58030"), true},
		{"admin shutdown (57P01)", pg("57P01"), true},
		{"cannot connect now (57P03)", pg("57P03"), true},
		{"unique violation (23505)", pg("23505"), false},
		{"serialization failure (40001)", pg("40001"), false},
		{"query cancelled (57014)", pg("57014"), false},
		{"undefined table (42P01)", pg("42P01"), false},
		{"connection lost mid-read", fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), true},
		{"connection closed", fmt.Errorf("query: %w", pgconn.ErrConnClosed), true},
		{"pool closed", puddle.ErrClosedPool, true},
		{"a bound of the Store's own ran out", fmt.Errorf("commit: %w", context.DeadlineExceeded), true},
		{"not found", fmt.Errorf("pgstore: %w", boxoffice.ErrNotFound), false},
		{"conflict", fmt.Errorf("pgstore: %w", boxoffice.ErrConflict), false},
		{"nil", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := markUnavailable(context.Background(), c.err)
			if is := errors.Is(got, boxoffice.ErrStoreUnavailable); is != c.want {
				t.Errorf("errors.Is(markUnavailable(%v), ErrStoreUnavailable) = %v, want %v", c.err, is, c.want)
			}
			if c.err != nil && !errors.Is(got, c.err) {
				t.Errorf("markUnavailable(%v) = %v, which lost the error", c.err, got)
			}
			if again := markUnavailable(context.Background(), got); again != got {
				t.Errorf("marked twice: %v", again)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if got := markUnavailable(ctx, c.err); got != c.err {
				t.Errorf("with ctx done: %v, want the error unchanged", got)
			}
		})
	}
}
