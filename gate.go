package boxoffice

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
)

// callGate lets Close refuse new calls and then wait for the ones already
// past the door. Checking a flag when a call begins is not enough: a
// ConfirmBooking that began before Close commits after it, and its
// BookingConfirmed must still reach the observers.
//
// The count of calls in flight is striped, like the hot counters: one
// shared counter would be a cache line that every call on every core
// writes twice. A call adds one to a random stripe and then checks the
// closing flag; Close sets the flag and then sums the stripes. With
// sequentially consistent atomics, a call that saw the flag clear had
// counted itself before Close set it, so every read of Close sees it; a
// call that counted itself later sees the flag set and takes its one back
// from the same stripe, doing no work. A call that leaves subtracts from
// any stripe, so single stripes may go negative, but a sum Close reads is
// never below the number of admitted calls still in flight at the end of
// its reads: it is zero only when they have all left.
//
// HoldSeats and ReleaseHold count themselves on their show's stripe
// (enterShow), not a random one: a core writing random stripes writes
// all of them, and each write then finds the line on the other core about
// half the time, even when the cores never meet on a show. closing, read
// by every call, is kept off the stripes' lines for the same reason.
type callGate struct {
	closing atomic.Bool
	_       [60]byte // closing on a line of its own (see gateStripe)
	stripes [gateStripes]gateStripe
	wake    chan struct{} // capacity 1: "a call left while closing"
}

type gateStripe struct {
	n atomic.Int64
	_ [56]byte // a cache line each
}

const gateStripes = 16

func (g *callGate) init() { g.wake = make(chan struct{}, 1) }

func (g *callGate) stripe() *gateStripe { return &g.stripes[rand.Uint32()%gateStripes] }

// enter admits a call, or returns ErrClosed once Close has begun. An
// admitted call must call leave with the stripe enter returned when it
// returns (defer), so that Close knows the events it commits have been
// published. Leaving by the stripe it came in by spares the call a second
// random number (the two were 2 % of a hold and release).
func (bs *BookingSystem) enter() (*gateStripe, error) {
	if err := bs.made(); err != nil {
		return nil, err
	}
	return bs.enterOn(bs.calls.stripe())
}

// enterShow is enter for a call on the show of entry e, counted on the
// show's stripe (see callGate). A call finds its show before it enters,
// so it calls refuseClosed first: after Close it gets ErrClosed whatever
// its arguments, as from enter.
func (bs *BookingSystem) enterShow(e *showEntry) (*gateStripe, error) {
	return bs.enterOn(&bs.calls.stripes[e.stripe%gateStripes])
}

// refuseClosed returns the error enter would if Close has begun (or bs
// was not made by New), else nil. It admits nothing: it lets a call that
// enters late (enterShow) refuse as early as enter does.
func (bs *BookingSystem) refuseClosed() error {
	if err := bs.made(); err != nil {
		return err
	}
	if bs.calls.closing.Load() {
		return ErrClosed
	}
	return nil
}

// enterOn admits a call counted on stripe s.
func (bs *BookingSystem) enterOn(s *gateStripe) (*gateStripe, error) {
	g := &bs.calls
	s.n.Add(1)
	if g.closing.Load() {
		s.n.Add(-1) // the same stripe: see callGate
		g.left()
		return nil, ErrClosed
	}
	return s, nil
}

// errNotMade is what the methods of a BookingSystem not made by New (a
// zero one, or a nil pointer) return: it acts as a closed one.
var errNotMade = fmt.Errorf("boxoffice: the BookingSystem was not made by New: %w", ErrClosed)

// made returns errNotMade if bs was not made by New. closeDone is the
// flag: New always makes it, and nothing clears it.
func (bs *BookingSystem) made() error {
	if bs == nil || bs.closeDone == nil {
		return errNotMade
	}
	return nil
}

// leave ends a call admitted by enter, on the stripe enter returned.
func (bs *BookingSystem) leave(s *gateStripe) {
	s.n.Add(-1)
	bs.calls.left()
}

// left wakes a waiting Close after a call has taken itself off the count.
func (g *callGate) left() {
	if g.closing.Load() {
		select {
		case g.wake <- struct{}{}:
		default: // Close has a wake-up pending already
		}
	}
}

// close makes enter refuse calls from now on; it reports false if an
// earlier call did so already.
func (g *callGate) close() bool { return g.closing.CompareAndSwap(false, true) }

// wait returns once no admitted call is in flight, or an error matching
// ctx.Err() if ctx ends first. Call it after close.
func (g *callGate) wait(ctx context.Context) error {
	for {
		var n int64
		for i := range g.stripes {
			n += g.stripes[i].n.Load()
		}
		if n <= 0 { // never below zero; see callGate
			return nil
		}
		select {
		case <-g.wake:
		case <-ctx.Done():
			return fmt.Errorf("boxoffice: close: calls still in flight: %w", ctx.Err())
		}
	}
}
