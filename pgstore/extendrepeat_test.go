package pgstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// TestExtendHoldRepeatAcrossInstances: an extension sent again to another
// instance a second later (a client's retry) is a repeat: it answers the
// hold as extended, does not use up the hold's one extension, and the
// limits counted in PostgreSQL keep the hold live until its new deadline.
func TestExtendHoldRepeatAcrossInstances(t *testing.T) {
	_, schema, show := schemaWithShow(t)
	base := show.Start.Add(-3 * time.Hour)
	tune := func(c *boxoffice.Config) { c.MaxLiveHoldsPerUser, c.HoldsPerMinute, c.MaxHoldExtensions = 1, -1, 1 }
	a := newInstance(t, schema, base, 0, nil, tune)
	b := newInstance(t, schema, base, 0, nil, tune)
	ctx := t.Context()
	set := func(at time.Time) { a.clock.Set(at); b.clock.Set(at) }

	h, err := a.sys.HoldSeats(ctx, "alice", show.ID, []string{"A1"})
	must(t, err)
	set(base.Add(5 * time.Minute))
	ext, err := a.sys.ExtendHold(ctx, h.ID)
	must(t, err)
	set(base.Add(5*time.Minute + time.Second))
	again, err := b.sys.ExtendHold(ctx, h.ID)
	if err != nil || again.Extensions != 1 || !again.HeldUntil.Equal(ext.HeldUntil) {
		t.Fatalf("the extension sent again: %d extensions until %s, %v; want the first's: 1 until %s", again.Extensions, again.HeldUntil, err, ext.HeldUntil)
	}
	if stored, err := b.sys.Booking(ctx, h.ID); err != nil || stored.Extensions != 1 || !stored.HeldUntil.Equal(ext.HeldUntil) {
		t.Fatalf("the booking: %d extensions until %s, %v; want 1 until %s", stored.Extensions, stored.HeldUntil, err, ext.HeldUntil)
	}

	set(h.HeldUntil.Add(2 * time.Second)) // past the old deadline and the limits' margin
	var rl *boxoffice.RateLimitError
	if _, err := b.sys.HoldSeats(ctx, "alice", show.ID, []string{"A2"}); !errors.As(err, &rl) || rl.Limit != boxoffice.LimitLiveHolds {
		t.Fatalf("a second hold after the old deadline, the first extended: %v; want a RateLimitError of the live-hold cap", err)
	}
	set(ext.HeldUntil.Add(2 * time.Second))
	_, err = b.sys.HoldSeats(ctx, "alice", show.ID, []string{"A2"})
	must(t, err)
}
