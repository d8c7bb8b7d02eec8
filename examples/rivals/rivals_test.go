package rivals

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice/internal/testwait"
)

// rival is what the tests ask of each rival.
type rival interface {
	Hold(ctx context.Context, user, show string, seats []string, now time.Time) (string, error)
	Release(ctx context.Context, id string) error
	SeatHolder(ctx context.Context, show, seat string, now time.Time) (string, error)
}

// t0 is the tests' time; holds last DefaultHoldFor from it.
var t0 = time.Date(2031, 1, 1, 20, 0, 0, 0, time.UTC)

const testShow = "show-1"

// rivalCase makes a rival with a show testShow of the given seats.
type rivalCase struct {
	name string
	new  func(t *testing.T, seats []string) rival
}

// rivalCases is every rival, on the test services; in a child process of
// TestBrokenRivals, the one broken variant it runs.
func rivalCases() []rivalCase {
	if c, ok := brokenRivalCase(); ok {
		return []rivalCase{c}
	}
	return []rivalCase{
		{"redis", func(t *testing.T, _ []string) rival {
			return newTestRedisLocks(t, testRedis(t, 16), holdScript)
		}},
		{"sql", func(t *testing.T, seats []string) rival {
			return newTestSQLRows(t, testPool(t, 16), holdSeatsSQL, []string{testShow}, seats)
		}},
	}
}

// TestConcurrentOverlappingHolds races goroutines holding overlapping
// groups of 4 seats of one show, round after round: after each round every
// hold that succeeded must own all 4 of its seats, no seat may belong to a
// hold that was refused (a hold is all or nothing), and the successful
// holds must be disjoint; releasing them must leave every seat free.
func TestConcurrentOverlappingHolds(t *testing.T) {
	const (
		seats      = 12
		goroutines = 8
		rounds     = 6
	)
	ctx := context.Background()
	names := seatNames(seats)
	for _, c := range rivalCases() {
		t.Run(c.name, func(t *testing.T) {
			r := c.new(t, names)
			for round := range rounds {
				type held struct {
					id    string
					seats []string
				}
				var mu sync.Mutex
				var won []held
				var wg sync.WaitGroup
				errs := make([]error, goroutines)
				for g := range goroutines {
					wg.Go(func() {
						// Windows starting at 0..8 overlap each other.
						k := (g*5 + round) % (seats - 3)
						want := names[k : k+4]
						id, err := r.Hold(ctx, "user", testShow, want, t0)
						switch {
						case errors.Is(err, ErrSeatTaken):
						case err != nil:
							errs[g] = err
						default:
							mu.Lock()
							won = append(won, held{id, want})
							mu.Unlock()
						}
					})
				}
				testwait.WaitGroup(t, &wg, fmt.Sprintf("round %d's %d holds", round, goroutines))
				if err := errors.Join(errs...); err != nil {
					t.Fatal(err)
				}
				if len(won) == 0 {
					t.Fatalf("round %d: every hold refused on a free show", round)
				}
				owner := map[string]string{}
				for _, h := range won {
					for _, s := range h.seats {
						if other, ok := owner[s]; ok {
							t.Fatalf("round %d: seat %s held by both %s and %s", round, s, other, h.id)
						}
						owner[s] = h.id
					}
				}
				for _, s := range names {
					got, err := r.SeatHolder(ctx, testShow, s, t0)
					if err != nil {
						t.Fatal(err)
					}
					if got != owner[s] {
						t.Fatalf("round %d: seat %s holder %q, want %q (holds that succeeded: %v)", round, s, got, owner[s], won)
					}
				}
				for _, h := range won {
					if err := r.Release(ctx, h.id); err != nil {
						t.Fatal(err)
					}
				}
				for _, s := range names {
					if got, err := r.SeatHolder(ctx, testShow, s, t0); err != nil || got != "" {
						t.Fatalf("round %d: seat %s held by %q (err %v) after every release", round, s, got, err)
					}
				}
			}
		})
	}
}

// TestReleaseFreesItsSeats: a release frees exactly the seats its booking
// still holds: not its neighbour's, and not its own seats once their hold
// has passed and another booking took them.
func TestReleaseFreesItsSeats(t *testing.T) {
	ctx := context.Background()
	names := seatNames(12)
	a, b, ab := names[0:4], names[4:8], names[2:6]
	for _, c := range rivalCases() {
		t.Run(c.name, func(t *testing.T) {
			r := c.new(t, names)
			idA := mustHold(t, r, a, t0)
			idB := mustHold(t, r, b, t0)
			if err := r.Release(ctx, idA); err != nil {
				t.Fatal(err)
			}
			wantHolders(t, r, t0, a, "")
			wantHolders(t, r, t0, b, idB)
			if err := r.Release(ctx, idA); !errors.Is(err, ErrNotHeld) {
				t.Fatalf("second release: %v, want ErrNotHeld", err)
			}
			if _, err := r.Hold(ctx, "u", testShow, ab, t0); !errors.Is(err, ErrSeatTaken) {
				t.Fatalf("hold over B's seats: %v, want ErrSeatTaken", err)
			}
			// B's hold passes; C takes its seats; B's late release must
			// leave them to C.
			later := t0.Add(DefaultHoldFor)
			idC := mustHold(t, r, b, later)
			if err := r.Release(ctx, idB); err != nil && !errors.Is(err, ErrNotHeld) {
				t.Fatal(err)
			}
			wantHolders(t, r, later, b, idC)
			if err := r.Release(ctx, "no-such-booking"); !errors.Is(err, ErrNotHeld) {
				t.Fatalf("release of an unknown booking: %v, want ErrNotHeld", err)
			}
		})
	}
}

// TestHoldPasses: a seat is taken until its hold's end and free from then
// on, by the time the caller passes in.
func TestHoldPasses(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration
		free  bool
	}{
		{"just started", 0, false},
		{"a millisecond before the end", DefaultHoldFor - time.Millisecond, false},
		{"at the end", DefaultHoldFor, true},
		{"a day later", 24 * time.Hour, true},
	}
	ctx := context.Background()
	names := seatNames(8)
	for _, c := range rivalCases() {
		t.Run(c.name, func(t *testing.T) {
			r := c.new(t, names)
			for i, tt := range tests {
				// Each case on a group of seats of its own, with an overlap.
				seats := names[i : i+4]
				at := t0.Add(time.Duration(i) * 48 * time.Hour)
				first := mustHold(t, r, seats[1:], at)
				now := at.Add(tt.after)
				id, err := r.Hold(ctx, "second", testShow, seats, now)
				switch {
				case tt.free && err != nil:
					t.Fatalf("%s: hold over a passed hold: %v", tt.name, err)
				case !tt.free && !errors.Is(err, ErrSeatTaken):
					t.Fatalf("%s: hold over a live hold: %v, want ErrSeatTaken", tt.name, err)
				case tt.free:
					wantHolders(t, r, now, seats, id)
					mustRelease(t, r, id)
				default:
					wantHolders(t, r, now, seats[1:], first)
					wantHolders(t, r, now, seats[:1], "")
				}
				mustRelease(t, r, first)
			}
		})
	}
}

// TestHoldLeavesOtherSeats: a hold of free seats takes those seats and no
// others, while other seats of the show have holds that passed and were
// never released (and one that is live): it neither fails for them nor
// takes them.
func TestHoldLeavesOtherSeats(t *testing.T) {
	names := seatNames(8)
	for _, c := range rivalCases() {
		t.Run(c.name, func(t *testing.T) {
			r := c.new(t, names)
			mustHold(t, r, names[0:2], t0) // passes, never released
			later := t0.Add(DefaultHoldFor)
			live := mustHold(t, r, names[6:8], later)
			id, err := r.Hold(context.Background(), "user", testShow, names[2:4], later)
			if err != nil {
				t.Fatalf("hold of free seats beside a passed hold: %v", err)
			}
			wantHolders(t, r, later, names[0:2], "")
			wantHolders(t, r, later, names[2:4], id)
			wantHolders(t, r, later, names[4:6], "")
			wantHolders(t, r, later, names[6:8], live)
		})
	}
}

// TestRepeatedSeatRefused: a hold that lists a seat twice is refused by
// both rivals alike, with ErrRepeatedSeat naming the seat, before storage
// is touched (a cancelled context does not change the answer), and holds
// nothing; as boxoffice's HoldSeats refuses one.
func TestRepeatedSeatRefused(t *testing.T) {
	names := seatNames(4)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range rivalCases() {
		t.Run(c.name, func(t *testing.T) {
			r := c.new(t, names)
			for _, seats := range [][]string{{"S1", "S2", "S1"}, {"S3", "S3"}} {
				for _, ctx := range []context.Context{context.Background(), cancelled} {
					_, err := r.Hold(ctx, "user", testShow, seats, t0)
					if !errors.Is(err, ErrRepeatedSeat) || errors.Is(err, ErrSeatTaken) || !strings.Contains(err.Error(), `"`+seats[len(seats)-1]+`"`) {
						t.Errorf("Hold(%v) = %v; want ErrRepeatedSeat naming %s", seats, err, seats[len(seats)-1])
					}
				}
			}
			wantHolders(t, r, t0, names, "")
			// The seats are free: a hold of them, once each, succeeds.
			mustRelease(t, r, mustHold(t, r, names, t0))
		})
	}
}

func mustHold(t *testing.T, r rival, seats []string, now time.Time) string {
	t.Helper()
	id, err := r.Hold(context.Background(), "user", testShow, seats, now)
	if err != nil {
		t.Fatalf("hold %v at %v: %v", seats, now, err)
	}
	return id
}

// mustRelease releases the booking; ErrNotHeld is fine, as a passed hold
// may be gone (Redis expires it) or not.
func mustRelease(t *testing.T, r rival, id string) {
	t.Helper()
	if err := r.Release(context.Background(), id); err != nil && !errors.Is(err, ErrNotHeld) {
		t.Fatal(err)
	}
}

func wantHolders(t *testing.T, r rival, now time.Time, seats []string, want string) {
	t.Helper()
	for _, s := range seats {
		got, err := r.SeatHolder(context.Background(), testShow, s, now)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("seat %s (of %v) held by %q at %v, want %q", s, seats, got, now, want)
		}
	}
}
