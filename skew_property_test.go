package boxoffice_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
	"pgregory.net/rapid"
)

// TestTwoSkewedSystemsNeverSellASeatTwice runs two BookingSystems on one
// MemoryStore and one gateway, as two processes sharing a database, their
// clocks up to 4 minutes apart (both moved on together), and drives them
// with random holds, extensions, releases, confirms (some declined),
// cancellations and sweeps from either side. Whatever the skew, after
// every action no seat is sold to two confirmed bookings, every sold seat
// belongs to a confirmed booking that lists it, and every confirmed
// booking owns all its seats; at the end, once both clocks are far ahead
// and both systems have swept, the gateway holds for each booking exactly
// the money it kept: its total if confirmed, what the refund policy kept
// if cancelled, nothing otherwise.
//
// Replay a failure with -rapid.seed=SEED.
func TestTwoSkewedSystemsNeverSellASeatTwice(t *testing.T) {
	// Few seats, so that holds on the two clocks meet often.
	layout, err := boxoffice.ParseLayout("A VV\nB RR")
	if err != nil {
		t.Fatal(err)
	}
	rapid.Check(t, func(rt *rapid.T) {
		sk := newSkewRun(t, rt, layout)
		defer sk.close(rt)
		rt.Repeat(map[string]func(*rapid.T){
			"hold":               sk.hold,
			"extend":             sk.extend,
			"release":            sk.release,
			"confirm":            func(rt *rapid.T) { sk.confirm(rt, false) },
			"confirm declined":   func(rt *rapid.T) { sk.confirm(rt, true) },
			"cancel":             sk.cancel,
			"sweep":              sk.sweep,
			"advance clocks":     sk.advance,
			"advance to a gap":   sk.advanceIntoGap,
			"take a lapsed seat": sk.takeLapsedSeat,
			"":                   sk.check,
		})
		sk.settle(rt)
	})
}

// skewRun is one run: the fixture's system and a second one on the same
// Store and gateway, its clock skew off the fixture's.
type skewRun struct {
	f      *fixture
	ctx    context.Context
	layout *boxoffice.Layout
	sys    [2]*boxoffice.BookingSystem
	clocks [2]*fakeclock.Clock
	shows  []string
	ids    []boxoffice.BookingID // every booking made, in order
}

func newSkewRun(t *testing.T, rt *rapid.T, layout *boxoffice.Layout) *skewRun {
	edit := func(generic bool) func(*boxoffice.Config) {
		return func(c *boxoffice.Config) {
			c.MaxLiveHoldsPerUser = -1
			c.SweepInterval = 10000 * time.Hour // the test sweeps by itself
			if generic {
				onGenericPath(c)
			}
		}
	}
	f := newFixture(t, edit(rapid.Bool().Draw(rt, "first system on the generic path")))
	skew := time.Duration(rapid.IntRange(0, 4*60).Draw(rt, "skew seconds")) * time.Second
	if rapid.Bool().Draw(rt, "second clock behind") {
		skew = -skew
	}
	other := fakeclock.New(start.Add(skew))
	cfg := boxoffice.Config{Store: f.store, Clock: other, Gateway: f.gateway, HoldsPerMinute: -1, PaymentBackoff: -1,
		Logger: slog.New(slog.DiscardHandler)}
	edit(rapid.Bool().Draw(rt, "second system on the generic path"))(&cfg)
	sys2, err := boxoffice.New(cfg)
	if err != nil {
		rt.Fatal(err)
	}
	sk := &skewRun{f: f, ctx: context.Background(), layout: layout,
		sys: [2]*boxoffice.BookingSystem{f.sys, sys2}, clocks: [2]*fakeclock.Clock{f.clock, other}}
	if _, err := f.sys.AddHall(sk.ctx, boxoffice.Hall{ID: "sk", TheaterID: "T1", Name: "sk", Layout: layout}); err != nil {
		rt.Fatal(err)
	}
	// One show starts within reach of a few moves of the clocks, so holds
	// and extensions meet its start on both clocks; one later.
	for i, d := range []time.Duration{90 * time.Minute, 8 * time.Hour} {
		s, err := f.sys.ScheduleShow(sk.ctx, boxoffice.Show{ID: fmt.Sprintf("K%d", i+1), MovieID: "M1", HallID: "sk",
			Start: start.Add(d), BasePrice: 1000})
		if err != nil {
			rt.Fatal(err)
		}
		sk.shows = append(sk.shows, s.ID)
	}
	return sk
}

func (sk *skewRun) close(rt *rapid.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sk.sys[1].Close(ctx); err != nil {
		rt.Fatalf("Close: %v", err)
	}
}

// pick draws which system acts.
func (sk *skewRun) pick(rt *rapid.T) *boxoffice.BookingSystem {
	return sk.sys[rapid.IntRange(0, 1).Draw(rt, "system")]
}

// drawBooking draws a booking made so far; before any, it makes one (a
// skipped action would cut the run short: rapid stops a Repeat after too
// many).
//
// It mostly draws a booking still held: most actions do something only
// to those, and the races between the clocks are between holds.
func (sk *skewRun) drawBooking(rt *rapid.T) boxoffice.BookingID {
	for len(sk.ids) == 0 {
		sk.hold(rt)
	}
	var held []boxoffice.BookingID
	for _, id := range sk.ids {
		if b, err := sk.f.store.Booking(sk.ctx, id); err == nil && b.Status == boxoffice.StatusHeld {
			held = append(held, id)
		}
	}
	if len(held) > 0 && rapid.IntRange(0, 3).Draw(rt, "a held booking") > 0 {
		return rapid.SampledFrom(held).Draw(rt, "held booking")
	}
	return rapid.SampledFrom(sk.ids).Draw(rt, "booking")
}

// expectKnown fails on errors no action on a known booking may give:
// every answer is the booking or a domain error, never a lost booking.
func expectKnown(rt *rapid.T, what string, err error) {
	if errors.Is(err, boxoffice.ErrNotFound) || errors.Is(err, boxoffice.ErrClosed) {
		rt.Fatalf("%s: %v", what, err)
	}
}

func (sk *skewRun) hold(rt *rapid.T) {
	sys := sk.pick(rt)
	user := rapid.SampledFrom(smUsers).Draw(rt, "user")
	show := rapid.SampledFrom(sk.shows).Draw(rt, "show")
	var seats []string
	for _, s := range sk.layout.Seats() {
		seats = append(seats, s.ID)
	}
	want := rapid.SliceOfNDistinct(rapid.SampledFrom(seats), 1, 2, rapid.ID[string]).Draw(rt, "seats")
	b, err := sys.HoldSeats(sk.ctx, user, show, want)
	if err != nil {
		expectKnown(rt, "hold", err)
		return
	}
	if !slices.Contains(sk.ids, b.ID) {
		sk.ids = append(sk.ids, b.ID)
	}
}

func (sk *skewRun) extend(rt *rapid.T) {
	sys, id := sk.pick(rt), sk.drawBooking(rt)
	_, err := sys.ExtendHold(sk.ctx, id)
	expectKnown(rt, "extend", err)
}

func (sk *skewRun) release(rt *rapid.T) {
	sys, id := sk.pick(rt), sk.drawBooking(rt)
	_, err := sys.ReleaseHold(sk.ctx, id)
	expectKnown(rt, "release", err)
}

func (sk *skewRun) confirm(rt *rapid.T, declined bool) {
	sys, id := sk.pick(rt), sk.drawBooking(rt)
	g := sk.f.gateway
	if declined {
		g.script(chargeOutcome{err: boxoffice.ErrPaymentDeclined})
	}
	b, err := sys.ConfirmBooking(sk.ctx, id, "card")
	g.mu.Lock()
	g.charges = nil // an outcome the confirm did not use
	g.mu.Unlock()
	expectKnown(rt, "confirm", err)
	if err == nil && b.Status != boxoffice.StatusConfirmed {
		rt.Fatalf("confirm of %s answered a %s booking and no error", id, b.Status)
	}
}

func (sk *skewRun) cancel(rt *rapid.T) {
	sys, id := sk.pick(rt), sk.drawBooking(rt)
	_, err := sys.CancelBooking(sk.ctx, id)
	expectKnown(rt, "cancel", err)
}

func (sk *skewRun) sweep(rt *rapid.T) {
	if _, err := sk.pick(rt).Sweep(sk.ctx); err != nil {
		rt.Fatalf("Sweep: %v", err)
	}
}

func (sk *skewRun) advance(rt *rapid.T) {
	d := time.Duration(rapid.IntRange(0, 5*60).Draw(rt, "seconds")) * time.Second
	for _, c := range sk.clocks {
		c.Advance(d)
	}
}

// advanceIntoGap moves both clocks to where a held booking's deadline
// has passed on the clock ahead and not on the one behind (just past it
// when they agree): the moment the two systems disagree about the hold.
func (sk *skewRun) advanceIntoGap(rt *rapid.T) {
	b, err := sk.f.store.Booking(sk.ctx, sk.drawBooking(rt))
	if err != nil {
		rt.Fatal(err)
	}
	ahead, behind := sk.clocks[0].Now(), sk.clocks[1].Now()
	if behind.After(ahead) {
		ahead, behind = behind, ahead
	}
	lo, hi := b.HeldUntil.Sub(ahead), b.HeldUntil.Sub(behind) // ahead past it, behind not: [lo, hi)
	if b.Status != boxoffice.StatusHeld || lo < 0 {
		return // not held, or already past on the clock ahead
	}
	d := lo
	if hi > lo {
		d += time.Duration(rapid.Int64Range(0, int64(hi-lo)-1).Draw(rt, "into the gap"))
	}
	for _, c := range sk.clocks {
		c.Advance(d)
	}
}

// takeLapsedSeat moves the clocks until a hold has lapsed on the clock
// ahead, and has the system on that clock hold one of its seats for
// another user: the other system, behind, still sees the first hold live,
// so the two disagree about who holds the seat, which every later action
// from either must survive.
func (sk *skewRun) takeLapsedSeat(rt *rapid.T) {
	b, err := sk.f.store.Booking(sk.ctx, sk.drawBooking(rt))
	if err != nil {
		rt.Fatal(err)
	}
	a := 0
	if sk.clocks[1].Now().After(sk.clocks[0].Now()) {
		a = 1
	}
	if b.Status != boxoffice.StatusHeld {
		return
	}
	if d := b.HeldUntil.Sub(sk.clocks[a].Now()); d >= 0 {
		// Live on both clocks: move them to where the one ahead sees it
		// lapse (into the gap, if the other does not yet).
		for _, c := range sk.clocks {
			c.Advance(d)
		}
	}
	users := slices.DeleteFunc(slices.Clone(smUsers), func(u string) bool { return u == b.UserID })
	user := rapid.SampledFrom(users).Draw(rt, "thief")
	seat := rapid.SampledFrom(b.SeatIDs()).Draw(rt, "lapsed seat")
	got, err := sk.sys[a].HoldSeats(sk.ctx, user, b.ShowID, []string{seat})
	if err != nil {
		expectKnown(rt, "take a lapsed seat", err)
		return
	}
	if !slices.Contains(sk.ids, got.ID) {
		sk.ids = append(sk.ids, got.ID)
	}
}

// check reads the stored seats and bookings: every sold seat belongs to a
// confirmed booking that lists it, no seat is listed by two confirmed
// bookings, and every confirmed booking owns each of its seats, sold.
func (sk *skewRun) check(rt *rapid.T) {
	for _, show := range sk.shows {
		err := sk.f.store.ViewShow(sk.ctx, show, func(tx boxoffice.ShowTx) error {
			for i := range tx.NumSeats() {
				slot := tx.Seat(i)
				if slot.Status != boxoffice.SeatBooked {
					continue
				}
				seat := sk.layout.Seat(i).ID
				b, err := tx.Booking(slot.Booking)
				if err != nil {
					return fmt.Errorf("%s/%s is sold to unknown booking %s: %v", show, seat, slot.Booking, err)
				}
				if b.Status != boxoffice.StatusConfirmed {
					return fmt.Errorf("%s/%s is sold to a %s booking %s", show, seat, b.Status, b.ID)
				}
				if !slices.ContainsFunc(b.Seats, func(s boxoffice.BookingSeat) bool { return s.ID == seat }) {
					return fmt.Errorf("%s/%s is sold to booking %s, which does not list it", show, seat, b.ID)
				}
			}
			return nil
		})
		if err != nil {
			rt.Fatal(err)
		}
	}
	sold := map[string]boxoffice.BookingID{} // show/seat → the confirmed booking listing it
	for _, id := range sk.ids {
		b, err := sk.f.store.Booking(sk.ctx, id)
		if err != nil {
			rt.Fatal(err)
		}
		if b.Status != boxoffice.StatusConfirmed {
			continue
		}
		err = sk.f.store.ViewShow(sk.ctx, b.ShowID, func(tx boxoffice.ShowTx) error {
			for _, s := range b.Seats {
				key := b.ShowID + "/" + s.ID
				if other, ok := sold[key]; ok {
					return fmt.Errorf("%s is sold to two confirmed bookings, %s and %s", key, other, b.ID)
				}
				sold[key] = b.ID
				i, ok := sk.layout.Index(s.ID)
				if !ok {
					return fmt.Errorf("booking %s lists unknown seat %s", b.ID, s.ID)
				}
				if slot := tx.Seat(i); slot.Status != boxoffice.SeatBooked || slot.Booking != b.ID {
					return fmt.Errorf("confirmed booking %s lacks %s: it is %s by %s", b.ID, key, slot.Status, slot.Booking)
				}
			}
			return nil
		})
		if err != nil {
			rt.Fatal(err)
		}
	}
}

// settle moves both clocks far past every show, sweeps on both systems
// and checks the money: for each booking the gateway kept (charged −
// refunded) its total if confirmed, what the cancellation kept if
// cancelled (the refund policy's share of it was refunded), and nothing
// for a booking that never became one; and there is no charge for
// anything else.
func (sk *skewRun) settle(rt *rapid.T) {
	for _, c := range sk.clocks {
		c.Advance(48 * time.Hour)
	}
	for _, sys := range sk.sys {
		if _, err := sys.Sweep(sk.ctx); err != nil {
			rt.Fatalf("Sweep: %v", err)
		}
	}
	sk.check(rt)
	g := sk.f.gateway
	var keys []string
	var kept boxoffice.Money
	for _, id := range sk.ids {
		b, err := sk.f.store.Booking(sk.ctx, id)
		if err != nil {
			rt.Fatal(err)
		}
		if b.RefundOwed() != 0 {
			rt.Fatalf("booking %s (%s) still owes %s back", id, b.Status, b.RefundOwed())
		}
		key := "charge:" + id.String()
		rc, charged := g.Charged(key)
		if charged {
			keys = append(keys, key)
		}
		net := rc.Amount - g.Refunded(key)
		want := boxoffice.Money(0)
		switch b.Status {
		case boxoffice.StatusConfirmed:
			want = b.Total
		case boxoffice.StatusCancelled:
			if b.Refund.Amount > b.Total || b.Payment.Amount != b.Total {
				rt.Fatalf("cancelled booking %s paid %s, refunded %s of a total %s", id, b.Payment.Amount, b.Refund.Amount, b.Total)
			}
			want = b.Total - b.Refund.Amount
		}
		if net != want {
			rt.Fatalf("booking %s (%s, total %s): the gateway charged %s (%v) and refunded %s; want %s kept",
				id, b.Status, b.Total, rc.Amount, charged, g.Refunded(key), want)
		}
		kept += net
	}
	if all := g.ChargeKeys(); !slices.Equal(slices.Sorted(slices.Values(all)), slices.Sorted(slices.Values(keys))) {
		rt.Fatalf("gateway charges %v; bookings charged %v", all, keys)
	}
	if charged, refunded := g.Totals(); charged-refunded != kept {
		rt.Fatalf("gateway charged %s − refunded %s; the bookings kept %s", charged, refunded, kept)
	}
}
