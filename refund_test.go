package boxoffice_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/boxoffice-go/boxoffice"
)

var (
	_ boxoffice.RefundPolicy = boxoffice.TieredRefund(nil)
	_ boxoffice.RefundPolicy = boxoffice.RefundPolicyFunc(nil)
)

func TestDefaultRefundPolicyBoundaries(t *testing.T) {
	tests := []struct {
		left time.Duration
		want int
	}{
		{48 * time.Hour, 100},
		{6*time.Hour + time.Nanosecond, 100},
		{6 * time.Hour, 50}, // "more than 6 h" is strict
		{2*time.Hour + time.Nanosecond, 50},
		{2 * time.Hour, 25},
		{30*time.Minute + time.Nanosecond, 25},
		{30 * time.Minute, 0},
		{time.Minute, 0},
		{0, 0},
		{-time.Hour, 0}, // the show has started
		{time.Duration(1<<63 - 1), 100},
		{time.Duration(-1 << 63), 0},
	}
	policy := boxoffice.DefaultRefundPolicy()
	for _, tt := range tests {
		t.Run(tt.left.String(), func(t *testing.T) {
			if got := policy.RefundPercent(tt.left); got != tt.want {
				t.Errorf("RefundPercent(%s) = %d, want %d", tt.left, got, tt.want)
			}
		})
	}
}

func TestDefaultRefundPolicyIsFresh(t *testing.T) {
	a := boxoffice.DefaultRefundPolicy()
	a[0].Percent = 0
	if got := boxoffice.DefaultRefundPolicy().RefundPercent(24 * time.Hour); got != 100 {
		t.Errorf("after changing one copy, a new DefaultRefundPolicy refunds %d %%, want 100", got)
	}
}

func TestNewTieredRefund(t *testing.T) {
	tests := []struct {
		name  string
		tiers []boxoffice.RefundTier
		want  boxoffice.TieredRefund
		cases map[time.Duration]int // time left → percent
	}{
		{
			name:  "seed tiers given ascending",
			tiers: []boxoffice.RefundTier{{30 * time.Minute, 25}, {6 * time.Hour, 100}, {2 * time.Hour, 50}},
			want:  boxoffice.DefaultRefundPolicy(),
			cases: map[time.Duration]int{7 * time.Hour: 100, 6 * time.Hour: 50, 3 * time.Hour: 50, time.Hour: 25, 30 * time.Minute: 0},
		},
		{
			name:  "no tiers never refunds",
			tiers: nil,
			want:  boxoffice.TieredRefund{},
			cases: map[time.Duration]int{time.Duration(1<<63 - 1): 0, time.Hour: 0, 0: 0},
		},
		{
			name:  "a zero tier refunds anything before the start",
			tiers: []boxoffice.RefundTier{{0, 10}},
			want:  boxoffice.TieredRefund{{0, 10}},
			cases: map[time.Duration]int{time.Nanosecond: 10, 0: 0, -time.Nanosecond: 0},
		},
		{
			name:  "percent bounds are allowed",
			tiers: []boxoffice.RefundTier{{time.Hour, 0}, {24 * time.Hour, 100}},
			want:  boxoffice.TieredRefund{{24 * time.Hour, 100}, {time.Hour, 0}},
			cases: map[time.Duration]int{25 * time.Hour: 100, 2 * time.Hour: 0, 30 * time.Minute: 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := boxoffice.NewTieredRefund(tt.tiers...)
			if err != nil {
				t.Fatalf("NewTieredRefund: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("NewTieredRefund = %v, want %v", got, tt.want)
			}
			for left, want := range tt.cases {
				if p := got.RefundPercent(left); p != want {
					t.Errorf("RefundPercent(%s) = %d, want %d", left, p, want)
				}
			}
		})
	}
}

func TestNewTieredRefundCopies(t *testing.T) {
	tiers := []boxoffice.RefundTier{{time.Hour, 50}, {2 * time.Hour, 100}}
	policy, err := boxoffice.NewTieredRefund(tiers...)
	if err != nil {
		t.Fatal(err)
	}
	if tiers[0] != (boxoffice.RefundTier{MoreThan: time.Hour, Percent: 50}) {
		t.Errorf("NewTieredRefund reordered the caller's slice: %v", tiers)
	}
	tiers[1].Percent = 0
	if got := policy.RefundPercent(3 * time.Hour); got != 100 {
		t.Errorf("after the caller changed its slice, RefundPercent = %d, want 100", got)
	}
}

func TestNewTieredRefundInvalid(t *testing.T) {
	tests := []struct {
		name  string
		tiers []boxoffice.RefundTier
		field string
	}{
		{"negative duration", []boxoffice.RefundTier{{-time.Nanosecond, 10}}, "RefundTier.MoreThan"},
		{"percent below 0", []boxoffice.RefundTier{{time.Hour, -1}}, "RefundTier.Percent"},
		{"percent above 100", []boxoffice.RefundTier{{6 * time.Hour, 100}, {time.Hour, 101}}, "RefundTier.Percent"},
		{"duplicate duration", []boxoffice.RefundTier{{time.Hour, 50}, {2 * time.Hour, 75}, {time.Hour, 25}}, "RefundTier.MoreThan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := boxoffice.NewTieredRefund(tt.tiers...)
			if !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Fatalf("NewTieredRefund = %v, %v; want ErrInvalidArgument", got, err)
			}
			var argErr *boxoffice.ArgumentError
			if !errors.As(err, &argErr) || argErr.Field != tt.field {
				t.Errorf("error %v: want an *ArgumentError for %s", err, tt.field)
			}
			if got != nil {
				t.Errorf("NewTieredRefund returned tiers %v with its error", got)
			}
		})
	}
}

// A TieredRefund written as a literal need not be sorted, and its percents
// stay in 0–100.
func TestTieredRefundLiteral(t *testing.T) {
	policy := boxoffice.TieredRefund{
		{MoreThan: 30 * time.Minute, Percent: -20},
		{MoreThan: 6 * time.Hour, Percent: 150},
		{MoreThan: 2 * time.Hour, Percent: 50},
	}
	tests := []struct {
		left time.Duration
		want int
	}{
		{7 * time.Hour, 100},
		{6 * time.Hour, 50},
		{time.Hour, 0},
		{time.Minute, 0},
	}
	for _, tt := range tests {
		if got := policy.RefundPercent(tt.left); got != tt.want {
			t.Errorf("RefundPercent(%s) = %d, want %d", tt.left, got, tt.want)
		}
	}
}

func TestRefundPolicyFunc(t *testing.T) {
	var got time.Duration
	policy := boxoffice.RefundPolicyFunc(func(left time.Duration) int {
		got = left
		return 42
	})
	if p := policy.RefundPercent(90 * time.Minute); p != 42 || got != 90*time.Minute {
		t.Errorf("RefundPercent = %d with %s passed on; want 42 with 1h30m0s", p, got)
	}
}

// TestTieredRefundProperty checks a validated policy against the rule in
// its plainest form (the first matching tier of the sorted list) and that
// it never refunds more for less time left when percents grow with time.
func TestTieredRefundProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		durations := rapid.SliceOfNDistinct(rapid.Int64Range(0, int64(48*time.Hour)), 0, 6, rapid.ID).Draw(rt, "durations")
		tiers := make([]boxoffice.RefundTier, len(durations))
		for i, d := range durations {
			tiers[i] = boxoffice.RefundTier{MoreThan: time.Duration(d), Percent: rapid.IntRange(0, 100).Draw(rt, fmt.Sprint("percent", i))}
		}
		policy, err := boxoffice.NewTieredRefund(tiers...)
		if err != nil {
			rt.Fatalf("NewTieredRefund(%v): %v", tiers, err)
		}
		if !slices.IsSortedFunc(policy, func(a, b boxoffice.RefundTier) int { return int(b.MoreThan - a.MoreThan) }) {
			rt.Fatalf("tiers not sorted descending: %v", policy)
		}
		left := time.Duration(rapid.Int64Range(-int64(time.Hour), int64(50*time.Hour)).Draw(rt, "left"))
		want := 0
		for _, tier := range policy {
			if tier.MoreThan < left {
				want = tier.Percent
				break
			}
		}
		if got := policy.RefundPercent(left); got != want {
			rt.Fatalf("RefundPercent(%s) = %d, want %d (tiers %v)", left, got, want, policy)
		}
		def := boxoffice.DefaultRefundPolicy()
		more := left + time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(rt, "more"))
		if def.RefundPercent(left) > def.RefundPercent(more) {
			rt.Fatalf("default policy refunds %d %% at %s but %d %% at %s", def.RefundPercent(left), left, def.RefundPercent(more), more)
		}
	})
}

func ExampleDefaultRefundPolicy() {
	policy := boxoffice.DefaultRefundPolicy()
	for _, left := range []time.Duration{
		24 * time.Hour,
		6 * time.Hour, // not more than 6 h
		3 * time.Hour,
		45 * time.Minute,
		30 * time.Minute,
	} {
		percent := policy.RefundPercent(left)
		total := boxoffice.Money(4500)
		fmt.Printf("%s before: %d%% of %s = %s\n", left, percent, total, total.Apply(boxoffice.RatePercent(percent)))
	}
	// Output:
	// 24h0m0s before: 100% of 45.00 = 45.00
	// 6h0m0s before: 50% of 45.00 = 22.50
	// 3h0m0s before: 50% of 45.00 = 22.50
	// 45m0s before: 25% of 45.00 = 11.25
	// 30m0s before: 0% of 45.00 = 0.00
}

// TestRefundPolicyRunsOutsideTheShowLock checks that CancelBooking asks its
// RefundPolicy before it takes the show's lock: a policy that reads the
// show's seat map (user code may call back into the system) must not
// deadlock, and its percent is the one recorded.
func TestRefundPolicyRunsOutsideTheShowLock(t *testing.T) {
	var f *fixture
	f = newFixture(t, func(c *boxoffice.Config) {
		c.RefundPolicy = boxoffice.RefundPolicyFunc(func(time.Duration) int {
			if _, err := f.sys.SeatMap(f.ctx, f.show.ID); err != nil {
				t.Errorf("SeatMap from the policy: %v", err)
			}
			return 40
		})
	})
	b := f.confirm(f.hold("ann", "A1"))
	done := make(chan error, 1)
	go func() {
		got, err := f.sys.CancelBooking(f.ctx, b.ID)
		if err == nil && (got.Refund.Percent != 40 || got.Status != boxoffice.StatusCancelled) {
			err = fmt.Errorf("cancelled booking %s with a refund of %d %%; want cancelled, 40 %%", got.Status, got.Refund.Percent)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second): // a bound for the failure only: a deadlock never ends
		t.Fatal("CancelBooking did not return: the policy ran under the show's lock")
	}
}

// NewTieredRefund builds a policy of one's own; Config.RefundPolicy puts it
// in force. Each tier applies when strictly more than MoreThan is left.
func ExampleNewTieredRefund() {
	policy, err := boxoffice.NewTieredRefund(
		boxoffice.RefundTier{MoreThan: 24 * time.Hour, Percent: 100},
		boxoffice.RefundTier{MoreThan: time.Hour, Percent: 50},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, left := range []time.Duration{48 * time.Hour, 24 * time.Hour, 90 * time.Minute, time.Hour} {
		fmt.Printf("%v before: %d%%\n", left, policy.RefundPercent(left))
	}
	_, err = boxoffice.NewTieredRefund(boxoffice.RefundTier{MoreThan: time.Hour, Percent: 150})
	fmt.Println(errors.Is(err, boxoffice.ErrInvalidArgument))
	// Output:
	// 48h0m0s before: 100%
	// 24h0m0s before: 50%
	// 1h30m0s before: 50%
	// 1h0m0s before: 0%
	// true
}
