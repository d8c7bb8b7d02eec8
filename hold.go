package boxoffice

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// maxUserIDLen bounds user IDs so that bad input cannot grow indexes.
const maxUserIDLen = 256

func validUserID(userID string) error {
	if printableASCII(userID) && len(userID) <= maxUserIDLen {
		return nil // the common case, in one pass
	}
	switch {
	case userID == "":
		return invalid("userID", "empty")
	case len(userID) > maxUserIDLen:
		return invalid("userID", "longer than %d bytes", maxUserIDLen)
	case !utf8.ValidString(userID):
		return invalid("userID", "not valid UTF-8")
	case strings.ContainsFunc(userID, isControl):
		return invalid("userID", "contains control characters")
	}
	return nil
}

// printableASCII reports whether s is non-empty and every byte of it is
// printable ASCII. It tests eight bytes at a time (printable8), the last
// word overlapping the one before, and an ID of 4 to 7 bytes as two
// 4-byte halves that overlap: a byte at a time was some 8 instructions a
// byte, 240 a hold on a 30-byte user ID (BenchmarkHoldReleaseLongUserID).
func printableASCII(s string) bool {
	n := len(s)
	switch {
	case n >= 8:
		for t := s; len(t) > 8; t = t[8:] {
			if !printable8(le64(t)) {
				return false
			}
		}
		return printable8(le64(s[n-8:]))
	case n >= 4:
		return printable8(uint64(le32(s))<<32 | uint64(le32(s[n-4:])))
	}
	for i := 0; i < n; i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return n > 0
}

// printable8 reports whether the eight bytes of w are printable ASCII,
// 0x20 to 0x7e: a byte below 0x20 borrows into its top bit when 0x20 is
// taken from it, one of 0x7f or more carries into its top bit, or has it
// set, when 1 is added. A borrow or a carry can only set the top bit of
// a byte above one that set its own, so none is reported wrongly.
func printable8(w uint64) bool {
	const ones, tops = 0x0101010101010101, 0x8080808080808080
	return ((w-0x20*ones)&^w|(w+ones)|w)&tops == 0
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// HoldSeats holds all the given seats of a show for the user, or none of
// them, for [Config.HoldTTL]. It returns the new booking in state held, with
// its total fixed now by the current pricing strategy.
//
// A seat that is unknown or listed twice fails the whole request with a
// [*SeatError] naming every such seat ([errors.Is] [ErrInvalidArgument]); a
// well-formed request with seats held by a live booking or sold fails with
// a *SeatError naming every taken seat ([ErrSeatUnavailable]). Either way
// nothing changes.
//
// Holding again exactly the seats of a live hold of the same user on the
// same show returns that hold unchanged, whatever the limits (so a
// retried request is harmless, though it counts against HoldsPerMinute
// as every request does); asking for some seats the user already
// holds in another booking is refused with [SeatHeldByYou]. Every request
// that passes the input checks counts against [Config.HoldsPerMinute]
// (3 a minute by default), except one refused by the live-hold cap (one
// whose pricing fails counts); [Config.MaxSeatsPerHold] (default 10) and
// [Config.MaxLiveHoldsPerUser] (default 5) cap its size and the user's live
// holds. The limits are asked before the seats are
// priced: a request they refuse calls no [PricingStrategy] (nor
// [MembershipFunc]). A request that reaches the show's transaction a
// HoldTTL or more after the limits admitted it (a slow MembershipFunc, a
// long wait for the show), when they may no longer count it, is admitted
// again and priced again, once: the live-hold cap may refuse it now, but
// it takes no second HoldsPerMinute token, as the delay was the service's.
// Should that lapse too, HoldSeats gives up with an error matching
// [ErrAdmissionLapsed], having changed nothing and holding no live-hold
// slot. [Config.MaxSeatsPerShow], if set, is judged
// last, in the show's transaction, once the seats are found free: a
// request that would take the user's seats of the show past it gets a
// [*RateLimitError] of [LimitSeatsPerShow] ([ErrLimitReached]) and nothing
// changes.
//
// Seats are sold until the show starts, so from the start on (judged with
// the [Clock] inside the show's transaction, like a hold's expiry) HoldSeats
// returns a [*ShowStartedError] ([ErrShowStarted]) and nothing changes; the
// request still counts against HoldsPerMinute, like any refused one. So
// does a request for a show that was cancelled ([BookingSystem.CancelShow]),
// which gets a [*ShowCancelledError] ([ErrShowCancelled]), judged in the same
// transaction on the [Store]'s state, so a cancellation by another process
// counts. A hold made less than HoldTTL before the start lasts only until the
// start ([Booking.HeldUntil] says so): it could not be paid for later.
//
// The user ID must be 1 to 256 bytes of valid UTF-8 without control
// characters, and seatIDs hold at least one seat and at most
// Config.MaxSeatsPerHold: else the error is an [*ArgumentError]
// (ErrInvalidArgument). An unknown show is [ErrNotFound]. A request refused
// by HoldsPerMinute or MaxLiveHoldsPerUser gets a *RateLimitError
// ([ErrRateLimited]) whose RetryAfter says when to try again.
func (bs *BookingSystem) HoldSeats(ctx context.Context, userID, showID string, seatIDs []string) (b Booking, err error) {
	if err := bs.refuseClosed(); err != nil {
		return Booking{}, err
	}
	if err := validUserID(userID); err != nil {
		return Booking{}, err
	}
	switch {
	case len(seatIDs) == 0:
		return Booking{}, invalid("seatIDs", "no seats requested")
	case bs.cfg.MaxSeatsPerHold > 0 && len(seatIDs) > bs.cfg.MaxSeatsPerHold:
		return Booking{}, invalid("seatIDs", "%d seats requested; at most %d per hold", len(seatIDs), bs.cfg.MaxSeatsPerHold)
	}
	e, err := bs.entry(ctx, showID)
	if err != nil {
		return Booking{}, err
	}
	gs, err := bs.enterShow(e) // the show's stripe: see callGate
	if err != nil {
		return Booking{}, err
	}
	defer bs.leave(gs)
	// Resolve the seats, then ask the per-user limits, then price the
	// seats: pricing is user code (a MembershipFunc may be a database
	// lookup per seat), which a request the limits refuse must not cost.
	// All of it before taking any lock.
	var idxBuf [16]int
	idx, err := resolveSeats(e, seatIDs, idxBuf[:0])
	if err != nil {
		return Booking{}, err
	}

	// A request whose admission lapsed before its transaction is admitted
	// again, up to maxHoldAdmissions times in all (see HoldSeats).
	for admission := 1; ; admission++ {
		// Into b: a Booking returned by value would be copied, hundreds
		// of bytes, on every hold.
		if err = bs.holdAdmitted(ctx, e, userID, showID, idx, admission == 1, &b); err == nil || !errors.Is(err, ErrAdmissionLapsed) {
			return b, err
		}
		if admission == maxHoldAdmissions {
			return Booking{}, fmt.Errorf("boxoffice: hold of user %q on show %q not stored within HoldTTL of its admission, %d times: %w",
				userID, showID, admission, err)
		}
	}
}

// maxHoldAdmissions bounds how many times HoldSeats admits one request
// whose admission lapses before its transaction: once, and once again.
// A one-off delay (a long wait for the show's lock) lapses once; pricing
// or a Store that keeps taking a HoldTTL would lapse every time, and
// each try costs the user a HoldTTL of waiting.
const maxHoldAdmissions = 2

// holdAdmitted is HoldSeats once the seats are resolved (at positions
// idx): it admits the request (taking a HoldsPerMinute token only if
// first is set: a request admitted again took its token the first time),
// prices the seats and runs the hold's transaction. An error matching
// ErrAdmissionLapsed means the request's admission lapsed before its
// transaction stored the hold; nothing is counted for it then. The
// booking goes into *out, which must be a zero Booking, and is left so on
// an error.
func (bs *BookingSystem) holdAdmitted(ctx context.Context, e *showEntry, userID, showID string, idx []int, first bool, out *Booking) error {
	// On the in-memory Store the ID gets its slot in the show only once
	// the hold is stored (memTx.addHold): until then, and for the limits,
	// id is the booking's provisional ID. From admit on, every way out
	// but a stored hold (or one whose commit is unknown) must forget id,
	// freeing its live-hold slot (an admission that failed frees it only
	// if it may have been counted: admitMayHaveCounted); a
	// pricing failure keeps its HoldsPerMinute token, like any refused
	// request: x/time/rate can give a token back only at the instant it
	// was taken, and giving it back later would count the refill since
	// twice.
	id, key := bs.newBookingID(e)
	var err error
	var admittedUntil, admittedDeadline time.Time
	var slot liveSlot
	if bs.users.enabled() { // else admit does nothing: spare the clock read
		admitAt := bs.clock.Now()
		deadline := holdDeadline(admitAt, bs.cfg.HoldTTL, e.show.Start)
		admittedUntil = bs.users.liveUntil(deadline)
		if bs.users.maxLive > 0 {
			admittedDeadline = deadline
		}
		if first {
			slot, err = bs.users.admit(ctx, userID, id, admitAt, admittedUntil)
		} else {
			slot, err = bs.users.readmit(ctx, userID, id, admitAt, admittedUntil)
		}
		if err != nil {
			if admitMayHaveCounted(err) {
				bs.users.forget(ctx, userID, id)
			}
			b, err := bs.retriedAtLimit(ctx, e, userID, idx, admitAt, err, first)
			if err != nil {
				if _, ok := err.(*RateLimitError); ok {
					bs.stats.rateLimited.Add(1)
				}
				return err
			}
			*out = b.snapshot()
			return nil
		}
	}
	seats, total, rec, err := bs.priceHold(ctx, e, userID, idx)
	if err != nil {
		bs.users.forget(ctx, userID, id)
		return err
	}
	// The booking is written once, into *out, and its Seats are cloned in
	// place: a holdOp built here to pass the request, a Booking returned
	// through snapshot, each a copy or a zeroing of hundreds of bytes,
	// were a twentieth of a hold and release. req is set field by field:
	// a literal was built in a temporary, then copied.
	var req holdReq
	if rec != nil {
		// Here rather than in the transaction: every instruction under
		// the show's lock is one more that all the show's callers wait for.
		rec.setHold(id, userID, showID, seats, total, idx)
		rec.users = 1 + bs.mem.userShardIndex(userID)
	}
	req.userID, req.showID, req.seats, req.total = userID, showID, seats, total
	req.id, req.key, req.rec, req.admitted, req.slot = id, key, rec, admittedDeadline, slot
	if err = bs.runHold(ctx, e, &req, idx, out); err != nil {
		// Behind err != nil: errors.Is is not inlined, and twice a call.
		switch {
		case errors.Is(err, errSameHold):
			bs.users.forget(ctx, userID, id)
			out.Seats = cloneSeats(out.Seats)
			return nil
		case errors.Is(err, ErrAdmissionLapsed):
			// HoldSeats admits the request again, as a new one (the user
			// may have reached the cap meanwhile), or gives up.
			bs.users.forget(ctx, userID, id)
			bs.stats.admissionLapses.Add(1)
		case errors.Is(err, ErrCommitUnknown):
			// The hold may exist: the user stays counted for it (the slot
			// lapses a HoldTTL after admission, as the hold would), so that
			// a retry that finds it, or a new request, cannot pass the cap.
		default:
			bs.users.forget(ctx, userID, id)
			if _, ok := err.(*SeatError); ok {
				bs.stats.holdConflicts.Add(1)
			}
		}
		*out = Booking{} // for the next try, and the caller
		return err
	}
	bs.users.stored(ctx, userID, admittedUntil, out)
	bs.holds.Push(out.HeldUntil, holdKey{show: e, id: out.ID})
	e.hot.holds.Add(1)
	out.Seats = cloneSeats(out.Seats) // see snapshot
	return nil
}

// admitMayHaveCounted reports whether a request that admit refused with
// err may still hold a live-hold slot, which the request must then free.
// A limit's refusal counted nothing. Nor did a UserLimitStore that could
// not reach its data (ErrStoreUnavailable, without ErrCommitUnknown: such
// a Store call committed nothing): undoing it would only be one more call
// to a Store that is down, and one more warning, for every request of an
// outage. Any other error may have been counted, and is undone. Should a
// Store have counted an unavailable admission all the same, the slot still
// lapses at the LiveUntil it was given, as every count whose end the Store
// could not be told.
func admitMayHaveCounted(err error) bool {
	if _, ok := err.(*RateLimitError); ok {
		return false
	}
	return !errors.Is(err, ErrStoreUnavailable) || errors.Is(err, ErrCommitUnknown)
}

// snapshot returns b with Seats of its own, as every Booking the
// BookingSystem returns must be (see Booking): the Store keeps the Seats
// it is given (the in-memory Store keeps a hold's own slice) and
// ShowTx.Booking may share them. One allocation, of the seats alone.
func (b Booking) snapshot() Booking {
	b.Seats = cloneSeats(b.Seats)
	return b
}

// priceHold prices the seats at positions idx of a hold for the user
// (calling the pricing strategy, user code, unless the prices by seat type
// are known: once for the whole hold if it is a HoldPricer, else once per
// seat) and returns them with their total. On the in-memory Store it
// also returns the record the Store will keep for the hold, allocated
// here, before the show's lock is taken, together with the seats.
func (bs *BookingSystem) priceHold(ctx context.Context, e *showEntry, userID string, idx []int) (seats []BookingSeat, total Money, rec *bookingRecord, err error) {
	pricing := bs.pricing.Load()
	byType := e.typePrices(pricing) // nil if the theater's zone did not load
	var prices []Money              // a HoldPricer's, for the whole hold at once
	var loc *time.Location          // the theater's zone, for the strategy's calls
	if byType == nil {
		if loc, err = e.location(&bs.zones); err != nil {
			return nil, 0, nil, err
		}
		if hp := pricing.hold; hp != nil {
			if prices, err = priceWholeHold(ctx, hp, e, loc, idx, userID); err != nil {
				return nil, 0, nil, err
			}
		}
	}
	if e.rec != nil {
		// The in-memory Store keeps this record itself (memTx.addHold).
		rec, seats = newHoldRecord(len(idx))
	} else {
		seats = make([]BookingSeat, len(idx))
	}
	if byType != nil {
		// The common case, in a loop of its own: without the strategy's
		// calls in it, its values stay in registers instead of being
		// reloaded from the stack for every seat.
		layoutSeats := e.layout.seats
		for k, i := range idx {
			seat := &layoutSeats[i]
			price := byType.price[seat.Type] // checked when they were computed
			seats[k] = BookingSeat{ID: seat.ID, Type: seat.Type, Price: price}
			total += price
		}
		return seats, total, rec, nil
	}
	for k, i := range idx {
		seat := &e.layout.seats[i]
		var price Money
		if prices != nil {
			price = prices[k]
		} else if price, err = priceSeat(ctx, pricing.PricingStrategy, PriceRequest{Show: e.show, Seat: *seat, UserID: userID, Location: loc}); err != nil {
			return nil, 0, nil, err
		}
		if err := checkSeatPrice(seat.ID, price); err != nil {
			return nil, 0, nil, err
		}
		seats[k] = BookingSeat{ID: seat.ID, Type: seat.Type, Price: price}
		total += price
	}
	return seats, total, rec, nil
}

// retriedAtLimit answers a request for the seats at positions idx that
// the per-user limits refused at time at. If it repeats a live hold of the
// user (exactly its seats), it is a retry: it gets that hold, as it would
// below the limits, so that a client retrying after a lost reply is never
// refused. It takes a HoldsPerMinute token if one is left, like any
// request (if token is set: a request admitted again took its token when
// first admitted). Any other request gets refused back.
//
// The check runs only once a limit has refused, after admit: the common
// hold path pays nothing for it.
func (bs *BookingSystem) retriedAtLimit(ctx context.Context, e *showEntry, userID string, idx []int, at time.Time, refused error, token bool) (Booking, error) {
	if rl, ok := refused.(*RateLimitError); !ok || rl.Limit != LimitLiveHolds && rl.Limit != LimitHoldsPerMinute {
		return Booking{}, refused
	}
	// A copy for fn, which escapes: else idx would, and HoldSeats' buffer
	// for it with it, on every hold.
	seats := slices.Clone(idx)
	var same Booking
	var found bool
	err := bs.store.ViewShow(ctx, e.show.ID, func(tx ShowTx) error {
		found = false // a Store may run fn again
		now := bs.clock.Now()
		var id BookingID
		for _, i := range seats {
			s := tx.Seat(i)
			if s.StatusAt(now) != SeatHeld || !id.IsZero() && s.Booking != id {
				return nil
			}
			id = s.Booking
		}
		b, err := tx.Booking(id)
		switch {
		case isNotFound(err):
			return nil
		case err != nil:
			return err
		}
		// The request has no repeats (resolveSeats): as many seats are
		// the same seats.
		if b.Status == StatusHeld && b.UserID == userID && len(b.Seats) == len(seats) {
			same, found = b, true
		}
		return nil
	})
	switch {
	case err != nil:
		return Booking{}, err
	case !found:
		return Booking{}, refused
	}
	if token {
		_ = bs.users.take(ctx, userID, same.ID, at) // none left is why a rate-limited retry got here
	}
	return same, nil
}

// typePrices is the price of each seat type of one show under one of the
// built-in strategies (RegularPricing, WeekendPricing, HolidayPricing,
// CalendarPricing), whose price depends on the show (with its theater's
// zone, fixed in the entry) and the seat type alone. A hold then prices
// its seats by looking them up, instead of calling the strategy for every
// seat with a PriceRequest of over 200 bytes that it validates each time:
// that was a tenth of a hold's cost.
// Any other strategy (user code, or one that depends on the user, like
// MemberDiscount) is called as before: once for the whole hold if it is a
// HoldPricer, else for every seat.
type typePrices struct {
	strategy *pricingHolder // the strategy the prices are of
	price    [VIP + 1]Money
}

// typePrices returns the show's prices by seat type under the strategy,
// or nil if the strategy must be called for every seat.
func (e *showEntry) typePrices(p *pricingHolder) *typePrices {
	if tp := e.prices.Load(); tp != nil && tp.strategy == p {
		return tp
	}
	zone := e.zone.Load()
	if zone != nil && zone.err != nil {
		return nil // the show is priced in its theater's zone or not at all
	}
	switch s := p.PricingStrategy.(type) {
	case DayRatePricing:
	case *CalendarPricing:
		if s == nil {
			return nil
		}
	default:
		return nil
	}
	var loc *time.Location
	if zone != nil {
		loc = zone.loc
	}
	tp := &typePrices{strategy: p}
	for t := Regular; t <= VIP; t++ {
		price, err := p.Price(context.Background(), PriceRequest{Show: e.show, Seat: Seat{Type: t}, Location: loc})
		if err != nil || price < 0 || price > MaxSeatPrice {
			return nil // the per-seat calls report it, naming the seat
		}
		tp.price[t] = price
	}
	e.prices.Store(tp)
	return tp
}

// priceSeat asks the strategy p for a price. p is user code, or wraps some
// (MemberPricing's MembershipFunc): its panic becomes an error here, as a
// RefundPolicy's does in refundPercent, rather than crossing the API. The
// prices by seat type of the built-in strategies (typePrices) are looked
// up without calling it.
func priceSeat(ctx context.Context, p PricingStrategy, r PriceRequest) (price Money, err error) {
	defer func() {
		if v := recover(); v != nil {
			price, err = 0, fmt.Errorf("boxoffice: pricing strategy %T panicked pricing seat %q: %v", p, r.Seat.ID, v)
		}
	}()
	return p.Price(ctx, r)
}

// priceWholeHold asks the HoldPricer p for the prices of the seats at
// positions idx, in one call, turning its panic into an error as
// priceSeat does. It checks that p gave one price per seat; priceHold
// checks each price's bounds.
func priceWholeHold(ctx context.Context, p HoldPricer, e *showEntry, loc *time.Location, idx []int, userID string) (prices []Money, err error) {
	r := HoldPriceRequest{Show: e.show, Seats: make([]Seat, len(idx)), UserID: userID, Location: loc}
	for k, i := range idx {
		r.Seats[k] = e.layout.seats[i]
	}
	defer func() {
		if v := recover(); v != nil {
			prices, err = nil, fmt.Errorf("boxoffice: pricing strategy %T panicked pricing a hold of %d seats: %v", p, len(idx), v)
		}
	}()
	prices, err = p.PriceHold(ctx, r)
	if err == nil && len(prices) != len(idx) {
		return nil, invalid("price", "pricing strategy %T returned %d prices for a hold of %d seats", p, len(prices), len(idx))
	}
	return prices, err
}

// holdOp is the transaction of HoldSeats. It lives in the show entry's
// scratch and is reused under the show's lock, run as a txOp: a closure
// capturing the request and the resulting booking would put both on the
// heap on every hold.
type holdOp struct {
	bs             *BookingSystem
	entry          *showEntry // whose scratch it is: the zone of its events
	start          time.Time  // the show's start, set with bs: a show's start never changes
	startAt        instant    // start's instant, for comparisons without a Time.Before call
	userID, showID string
	idx            []int // layout positions of seats; the buffer is reused
	seats          []BookingSeat
	total          Money
	id             BookingID      // on the in-memory Store, all but its slot
	key            slotKey        // gives id its slot in the in-memory Store (memTx.addHold)
	rec            *bookingRecord // for the in-memory Store to keep, setHold's fields set; nil once taken
	kept           *bookingRecord // the record the in-memory Store kept: the result
	b              Booking        // the result, when kept is nil
	// admitted is the deadline the live-hold cap admitted the request
	// for, and counts it until (a UserLimitStore a margin longer); zero
	// without the cap.
	admitted time.Time
	slot     liveSlot // the live-hold slot admit reserved, to confirm
}

// result returns the booking the hold made (or found, for errSameHold).
// The show's lock must be held: the kept record changes in place.
func (h *holdOp) result() Booking {
	if h.kept != nil {
		return h.kept.booking()
	}
	return h.b
}

// holdReq is what HoldSeats asks of the hold transaction (holdOp).
type holdReq struct {
	userID, showID string
	seats          []BookingSeat
	total          Money
	id             BookingID
	key            slotKey
	rec            *bookingRecord
	admitted       time.Time // see holdOp
	slot           liveSlot
}

// runHold runs the hold transaction req on the seats at positions idx and
// stores the booking it made (or found) in *out. It fills and clears the
// entry's holdOp field by field: copying whole holdOps in and out, each a
// write of some 300 bytes with pointers into a long-lived object, cost a
// tenth of a hold. *out must be a zero Booking (bookingRecord.fill).
func (bs *BookingSystem) runHold(ctx context.Context, e *showEntry, req *holdReq, idx []int, out *Booking) error {
	if err := e.lockCtx(ctx); err != nil {
		return err
	}
	defer e.unlock()
	h := &e.tx.hold
	h.userID, h.showID, h.seats, h.total, h.id, h.key, h.rec = req.userID, req.showID, req.seats, req.total, req.id, req.key, req.rec
	h.idx = append(h.idx[:0], idx...)
	h.admitted, h.slot = req.admitted, req.slot
	err := bs.updateLocked(ctx, e, &e.tx.hold)
	if h.kept != nil {
		h.kept.fill(out)
	} else {
		*out = h.b
		h.b = Booking{}
	}
	// Keep nothing of this hold alive.
	h.userID, h.showID, h.seats, h.rec, h.kept, h.slot = "", "", nil, nil, nil, liveSlot{}
	return err
}

func (h *holdOp) run(tx ShowTx, now time.Time, ev *[]Event) error {
	h.kept = nil // a Store may run the transaction again
	// now as an instant, compared with the show's start and the seats'
	// deadlines in place: now comes from storedTime, without a monotonic
	// reading, so Time.Before would compare the same seconds and
	// nanoseconds, at a call each.
	at := instantOf(now)
	if !at.before(h.startAt) {
		// Judged here, on the transaction's clock reading, like a seat's
		// expiry: a check before the lock could pass a moment too early.
		return &ShowStartedError{ShowID: h.showID, Start: h.start}
	}
	if !h.admitted.IsZero() && !now.Before(h.admitted) {
		// The request came to its transaction a HoldTTL after its
		// admission (a slow pricing, a long wait for the lock), when the
		// user's count of it may have lapsed and let another request in:
		// stored now, the hold would not count, and the user could pass
		// the cap. (A deadline cut at the start never gets here: the
		// show has started.)
		return ErrAdmissionLapsed
	}
	// Judged here too, on the Store's state, never a cache: another
	// process may have cancelled the show a moment ago.
	mt, _ := tx.(*memTx)
	if tx.ShowCancelled() {
		return &ShowCancelledError{ShowID: h.showID}
	}
	var problems []SeatProblem
	var mine BookingID // the user's own live booking holding a requested seat
	// Each seat is asked for, unless the in-memory Store finds them all
	// free (the common case) in place, without a Seat call per seat.
	ask := h.idx
	if mt != nil && mt.seatsFree(h.idx, at) {
		ask = nil
	}
	for k, i := range ask {
		slot := tx.Seat(i)
		if slot.StatusAt(now) == SeatAvailable || h.bs.skipSeatCheck {
			continue
		}
		p := SeatProblem{SeatID: h.seats[k].ID, Kind: SeatHeldByOther}
		if slot.Status == SeatBooked {
			p.Kind = SeatSold
		} else if other, err := tx.Booking(slot.Booking); err == nil && other.UserID == h.userID {
			p.Kind, p.Booking, mine = SeatHeldByYou, other.ID, other.ID
		} else if err != nil && !isNotFound(err) {
			return err
		}
		problems = append(problems, p)
	}
	if len(problems) > 0 {
		if same, ok := sameHold(tx, mine, h.userID, problems, h.seats); ok {
			h.b = same
			return errSameHold
		}
		return &SeatError{ShowID: h.showID, Problems: problems}
	}
	if limit := h.bs.cfg.MaxSeatsPerShow; limit > 0 {
		// Counted here, on the Store's state in the show's transaction,
		// so that concurrent holds of the user, in any process, cannot
		// pass the cap together.
		var held int
		var err error
		if mt != nil {
			held = mt.seatsOfUser(h.userID, now)
		} else if held, err = seatsOfUser(tx, h.userID, now); err != nil {
			return err
		}
		if held+len(h.idx) > limit {
			return &RateLimitError{UserID: h.userID, Limit: LimitSeatsPerShow}
		}
	}
	until := holdDeadlineAt(now, h.bs.cfg.HoldTTL, h.start, h.startAt)
	slot := SeatSlot{Status: SeatHeld, Booking: h.id, HeldUntil: until}
	if mt != nil {
		// The in-memory Store keeps the record HoldSeats allocated,
		// filled in place, with the seats' positions and h.seats itself
		// (this hold's own), rather than a copy of a Booking.
		rec := h.rec
		h.rec = nil // a transaction run again gets a record of its own
		if rec == nil {
			rec = new(bookingRecord)
			rec.setHold(h.id, h.userID, h.showID, h.seats, h.total, h.idx)
		}
		// What the transaction decides; the rest HoldSeats set before
		// the lock (setHold). Field by field, as a literal would zero and
		// write all the record's 192 bytes again.
		rec.status, rec.createdAt, rec.heldUntil, rec.updatedAt = StatusHeld, now, until, now
		if err := mt.addHold(rec, h.key); err != nil {
			return err
		}
		slot.Booking = rec.id // with its slot now
		mt.holdSeats(h.idx, slot)
		if mt.err != nil {
			// A seat past the show's stored ones (a show stored with fewer
			// than its hall has): rolled back, so the limits must not
			// learn the hold's own ID, which HoldSeats would not forget.
			return mt.err
		}
		// The limits know the hold by its provisional ID: give them its
		// own before the show's lock is released and its events go out,
		// or a release or extension quick enough to come first would miss
		// it, and the user would stay counted for a hold long gone.
		if !h.slot.made(h.id, rec.id, until) {
			return ErrAdmissionLapsed // see the generic path below
		}
		h.kept = rec
	} else {
		h.b = Booking{
			ID: h.id, UserID: h.userID, ShowID: h.showID, Seats: h.seats, Total: h.total,
			Status: StatusHeld, CreatedAt: now, HeldUntil: until, UpdatedAt: now,
		}
		for _, i := range h.idx {
			tx.SetSeat(i, slot)
		}
		tx.PutBooking(h.b)
		// As above: told once HoldSeats has the commit back, the limits
		// could drop the hold meanwhile, its admission lapsed, and let
		// another request of the user pass the cap. The check of
		// h.admitted above does not close that: the Store may wait on
		// its database (Booking, SeatsOfUser) between the transaction's
		// clock reading and here, and the count may lapse meanwhile; if
		// it did, the request is admitted again.
		if !h.slot.made(h.id, h.id, until) {
			return ErrAdmissionLapsed
		}
	}
	if ev != nil {
		b := h.result()
		e := new(struct {
			SeatsHeld
			ids smallSeatIDs
		})
		e.SeatsHeld = SeatsHeld{EventMeta: b.meta(now, h.entry.eventZone()), Seats: e.ids.of(&b), Total: h.total, HeldUntil: b.HeldUntil}
		*ev = append(*ev, &e.SeatsHeld)
	}
	return nil
}

// seatsOfUser counts the user's seats of the show in tx as
// UserSeatCounter.SeatsOfUser does: by the ShowTx's own count if it has
// one, else through the seats. Each seat that is held or booked names its
// booking (a held seat whose deadline passed too: its booking may be
// paying), and each such booking is read once, so the cost is bounded by
// the layout, not by the show's history. The one booking this misses is a
// paying one whose seats were all taken by others after its hold ran out:
// it can no longer be confirmed, only fail.
func seatsOfUser(tx ShowTx, userID string, now time.Time) (int, error) {
	if c, ok := tx.(UserSeatCounter); ok {
		return c.SeatsOfUser(userID, now)
	}
	seen := make(map[BookingID]struct{})
	n := 0
	for i := range tx.NumSeats() {
		slot := tx.Seat(i)
		if slot.Status == SeatAvailable {
			continue
		}
		if _, ok := seen[slot.Booking]; ok {
			continue
		}
		seen[slot.Booking] = struct{}{}
		b, err := tx.Booking(slot.Booking)
		switch {
		case isNotFound(err):
			continue
		case err != nil:
			return 0, err
		}
		if b.UserID == userID && seatCapCounts(b.Status, b.HeldUntil, now) {
			n += len(b.Seats)
		}
	}
	return n, nil
}

// seatCapCounts reports whether a booking in status, held until
// heldUntil, counts against Config.MaxSeatsPerShow at now: held with its
// deadline after now (as its seats are: SeatSlot.StatusAt), paying, or
// confirmed.
func seatCapCounts(status BookingStatus, heldUntil, now time.Time) bool {
	switch status {
	case StatusHeld:
		return now.Before(heldUntil)
	case StatusPaying, StatusConfirmed:
		return true
	}
	return false
}

// smallSeatIDs is room for the seat IDs of an event of a small booking,
// allocated with the event: the hold and release events of most holds are
// then one allocation each instead of two, which was a tenth of the cost
// of a hold and release with an observer.
type smallSeatIDs [4]string

// of returns b's seat IDs, in ids if they fit.
func (ids *smallSeatIDs) of(b *Booking) []string {
	if len(b.Seats) > len(ids) {
		return b.SeatIDs()
	}
	out := ids[:len(b.Seats):len(b.Seats)]
	for i, s := range b.Seats {
		out[i] = s.ID
	}
	return out
}

// errSameHold ends a hold transaction that found the request repeats a
// live hold; it never leaves HoldSeats.
var errSameHold = errors.New("boxoffice: same hold")

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// sameHold reports whether the refused seats are exactly the seats of the
// user's own live hold mine, and returns that hold.
func sameHold(tx ShowTx, mine BookingID, userID string, problems []SeatProblem, seats []BookingSeat) (Booking, bool) {
	if mine.IsZero() || len(problems) != len(seats) {
		return Booking{}, false
	}
	for _, p := range problems {
		if p.Kind != SeatHeldByYou || p.Booking != mine {
			return Booking{}, false
		}
	}
	b, err := tx.Booking(mine)
	if err != nil || b.Status != StatusHeld || len(b.Seats) != len(seats) || b.UserID != userID {
		return Booking{}, false
	}
	return b, true
}

// resolveSeats maps seat IDs to layout positions, reporting every unknown
// or repeated ID in one *SeatError. Small requests (the common case) are
// checked for repeats pairwise without allocating; large ones with a set,
// so that a request of thousands of seats costs linear time.
func resolveSeats(e *showEntry, seatIDs []string, idx []int) ([]int, error) {
	if len(seatIDs) <= 16 {
		if few, ok := e.layout.appendShort(idx, seatIDs); ok {
			return few, nil // the common case: few seats, IDs like "F12"
		}
		if few, ok := resolveFew(e.layout, seatIDs, idx); ok {
			return few, nil
		}
	}
	var problems []SeatProblem
	var seen map[int]struct{}
	if len(seatIDs) > 16 {
		seen = make(map[int]struct{}, len(seatIDs))
	}
	for _, sid := range seatIDs {
		i, ok := e.layout.Index(sid)
		if !ok {
			problems = append(problems, SeatProblem{SeatID: sid, Kind: SeatUnknown})
			continue
		}
		repeated := false
		if seen != nil {
			_, repeated = seen[i]
			seen[i] = struct{}{}
		} else {
			repeated = slices.Contains(idx, i)
		}
		if repeated {
			problems = append(problems, SeatProblem{SeatID: sid, Kind: SeatDuplicate})
			continue
		}
		idx = append(idx, i)
	}
	if len(problems) > 0 {
		return nil, &SeatError{ShowID: e.show.ID, Problems: problems}
	}
	return idx, nil
}

// resolveFew is resolveSeats for a small request whose seats are all
// known and distinct but not all in the form Layout.appendShort reads
// (rows of two or three letters): it reports false at the first unknown
// or repeated seat, for resolveSeats to name them all. Its loop
// keeps fewer values live across each Index call than resolveSeats' own,
// which saved and reloaded them around every call.
func resolveFew(l *Layout, seatIDs []string, idx []int) ([]int, bool) {
	for _, sid := range seatIDs {
		i, ok := l.Index(sid)
		if !ok || slices.Contains(idx, i) {
			return nil, false
		}
		idx = append(idx, i)
	}
	return idx, true
}

// meta returns the EventMeta of an event of b committed at now, in the
// zone loc of its show's theater (showEntry.eventZone).
func (b *Booking) meta(now time.Time, loc *time.Location) EventMeta {
	return EventMeta{At: now, ShowID: b.ShowID, BookingID: b.ID, UserID: b.UserID, Location: loc}
}

// ReleaseHold gives the seats of a held booking back for sale. Releasing a
// booking that is already released is a no-op; any other state is a
// [*TransitionError] ([ErrHoldExpired] once the hold has run out). It never
// returns a [*ShowStartedError]: no hold outlives the show's start, so from
// then on releasing a held booking is the error of a hold that has run
// out. An unknown booking is [ErrNotFound]. It releases for whoever asks: a
// service checks [Booking.UserID] against its session first (see "Who may do
// what" in the package documentation).
func (bs *BookingSystem) ReleaseHold(ctx context.Context, bookingID BookingID) (b Booking, err error) {
	// The booking is written once, into b, and its Seats cloned in place:
	// passed up by value through three levels, a Booking of 360 bytes was
	// copied eight times, a tenth of a hold and release.
	if err = bs.refuseClosed(); err != nil {
		return Booking{}, err
	}
	// Unchecked: the booking is looked up once, under the show's write
	// lock (MemoryStore.numberedPlace).
	if err = bs.endHoldAt(ctx, bookingID, StatusReleased, true, &b); err == errNotInPlace {
		// Not in the show its ID is numbered with: as the bookings index
		// says (a booking another show's transaction put), or not found.
		err = bs.endHoldAt(ctx, bookingID, StatusReleased, false, &b)
	}
	b.Seats = cloneSeats(b.Seats)
	return b, err
}

// ExtendHold moves a live hold's deadline to HoldTTL from now (it does not
// add HoldTTL to the old deadline), at most [Config.MaxHoldExtensions] times
// per booking (no limit when it is negative), so that nobody keeps seats
// forever by refreshing; every extension granted uses one up. Past the cap
// it returns a [*RateLimitError] of [LimitHoldExtensions], which matches
// [ErrLimitReached] and not [ErrRateLimited] (waiting does not lift it) and is
// not counted in [Stats.RateLimited]. It extends for whoever asks: a service
// checks [Booking.UserID] against its session first (see "Who may do what" in
// the package documentation).
//
// As with [BookingSystem.HoldSeats], the new deadline is never later than the
// show's start: the seats cannot be paid for after it, so holding them longer
// would only show as held, to the seat map and to observers, seats that
// nobody can buy any more.
//
// It is safe to repeat, like the other calls on a booking: an extension
// that would move the deadline by less than a minute (a quarter of
// HoldTTL, if that is less), not at all (already at the start) or back (a
// process whose clock is behind the one that extended) returns the hold
// unchanged, does not count against the cap and emits no event.
// So a retry after [ErrCommitUnknown] or a timeout, or a double click,
// answers the hold as the first call left it, not a second extension or,
// at the cap, a *RateLimitError. Such a call never moves the deadline: it
// holds no seat longer than the last extension granted.
// From the start on it returns a [*ShowStartedError] ([ErrShowStarted]), for
// any booking of the show; a hold that has run out or a booking that is no
// longer held is a [*TransitionError] ([ErrHoldExpired],
// [ErrInvalidTransition]). An unknown booking is [ErrNotFound].
func (bs *BookingSystem) ExtendHold(ctx context.Context, bookingID BookingID) (Booking, error) {
	gs, err := bs.enter()
	if err != nil {
		return Booking{}, err
	}
	defer bs.leave(gs)
	e, err := bs.entryOfBooking(ctx, bookingID)
	if err != nil {
		return Booking{}, err
	}
	var b Booking
	var extended, repeated bool
	var counted Booking // the hold as the limits counted it before they were told of the extension
	extend := func(tx ShowTx, now time.Time, ev *[]Event) error {
		extended, repeated = false, false // a Store may run the transaction again
		var err error
		if b, err = tx.Booking(bookingID); err != nil {
			return err
		}
		if !now.Before(e.show.Start) {
			return &ShowStartedError{ShowID: e.show.ID, Start: e.show.Start}
		}
		if b.Status != StatusHeld || !now.Before(b.HeldUntil) {
			return &TransitionError{Booking: b.ID, From: b.Status, To: StatusHeld, Expired: b.Status == StatusHeld || b.Status == StatusExpired}
		}
		if !bookingOwnsSeats(tx, e.layout, &b) {
			// Another process, its clock ahead of ours, saw the hold run
			// out and gave a seat to someone else: for it the hold is
			// over, and writing it back over the seats would sell a seat
			// twice.
			return &TransitionError{Booking: b.ID, From: b.Status, To: StatusHeld, Expired: true}
		}
		until := holdDeadline(now, bs.cfg.HoldTTL, e.show.Start)
		if until.Before(b.HeldUntil.Add(extendRepeatWindow(bs.cfg.HoldTTL))) {
			// Held until the start already, or extended a moment ago (a
			// retry, a double click): nothing worth an extension. The
			// limits learn the deadline the hold has, as an extension
			// would have told them, in case the one that set it was
			// reported as failed (ErrCommitUnknown) and told them nothing.
			bs.users.extended(b.UserID, b.ID, b.HeldUntil)
			repeated = true
			return nil
		}
		// Zero is left here only by Config.NoHoldExtensions (else it
		// takes the default, Config.withDefaults): a cap of none. A
		// negative limit means no cap.
		if limit := bs.cfg.MaxHoldExtensions; limit >= 0 && b.Extensions >= limit {
			return &RateLimitError{UserID: b.UserID, Limit: LimitHoldExtensions}
		}
		// The limits counted here learn the new deadline under the
		// show's lock, as a new hold's do (holdOp): told after the
		// commit, they let a request of the user at the old deadline,
		// in between, drop the hold as over and pass the live-hold cap,
		// and the hold then went uncounted. (A UserLimitStore counts a
		// hold sharedLiveMargin longer instead: extended skips it.)
		counted = b
		bs.users.extended(b.UserID, b.ID, until)
		b.Extensions++
		b.HeldUntil = until
		b.UpdatedAt = now
		slot := SeatSlot{Status: SeatHeld, Booking: b.ID, HeldUntil: b.HeldUntil}
		for _, s := range b.Seats {
			i, _ := e.layout.Index(s.ID)
			tx.SetSeat(i, slot)
		}
		tx.PutBooking(b)
		if ev != nil {
			*ev = append(*ev, &HoldExtended{EventMeta: b.meta(now, e.eventZone()), Seats: b.SeatIDs(), HeldUntil: b.HeldUntil})
		}
		extended = true
		return nil
	}
	err = func() error {
		if err := e.lockCtx(ctx); err != nil {
			return err
		}
		defer e.unlock()
		err := bs.updateLocked(ctx, e, txFunc(extend))
		if err != nil && !counted.ID.IsZero() && !errors.Is(err, ErrCommitUnknown) {
			// Not extended after all: the old deadline counts again,
			// still under the lock, lest it overwrite the deadline of
			// an extension of the hold that ran since.
			bs.users.extended(counted.UserID, counted.ID, counted.HeldUntil)
		}
		return err
	}()
	if err != nil {
		return Booking{}, err
	}
	switch {
	case extended:
		bs.users.track(ctx, b.UserID, b.ID, b.HeldUntil)
		bs.holds.Push(b.HeldUntil, holdKey{show: e, id: b.ID})
	case repeated:
		// Told again for the same reason as made above. Not pushed to the
		// sweeper's queue, which does not deduplicate: a client repeating
		// the call would grow it without bound; a hold whose extension's
		// push was lost still lapses at its deadline (lazy expiry) and is
		// swept by the rescan of a shared Store.
		bs.users.track(ctx, b.UserID, b.ID, b.HeldUntil)
	}
	return b.snapshot(), nil
}

// extendRepeatWindow is how much an ExtendHold must move a hold's deadline
// to count as an extension: one that would move it less (or not at all, or
// back) returns the hold unchanged and uses up none of
// Config.MaxHoldExtensions. A minute is far longer than a double click or
// a client's retry after a timeout or ErrCommitUnknown take, so those find
// the deadline they set; a quarter of the TTL, when that is less, keeps
// short holds extendable (an extension of a live hold moves it by less
// than the TTL). Whoever asks again within it loses at most that much of
// the hold's time now and keeps the extension for later; and since a
// refused extension moves nothing, it cannot hold seats any longer.
func extendRepeatWindow(ttl time.Duration) time.Duration {
	return min(time.Minute, ttl/4)
}

// holdDeadline is the deadline of a hold made or extended at now: ttl from
// now, but not past the show's start, when the seats can no longer be sold.
func holdDeadline(now time.Time, ttl time.Duration, start time.Time) time.Time {
	return holdDeadlineAt(now, ttl, start, instantOf(start))
}

// holdDeadlineAt is holdDeadline with start's instant, startAt, known (a
// hold's transaction keeps its show's): the deadline is compared with it
// as an instant, not through a Time.Before call. The deadline built has
// no monotonic reading, so Time.Before compared the same seconds and
// nanoseconds.
func holdDeadlineAt(now time.Time, ttl time.Duration, start time.Time, startAt instant) time.Time {
	// storedTime(now.Add(ttl)) (a ttl finer than a microsecond would take
	// the deadline off the grid), built from now's seconds and nanoseconds
	// as storedTime builds its time: Time.Add, not inlined, with its
	// monotonic reading and overflow checks, and a second cut of the
	// nanoseconds made it half as dear again.
	sec := now.Unix() + int64(ttl/time.Second)
	ns := int64(now.Nanosecond()) + int64(ttl%time.Second) // in (-1e9, 2e9)
	if ns < 0 {
		sec, ns = sec-1, ns+1e9
	}
	// Cut to the microsecond, then carry a whole second of ns into sec as
	// time.Unix would: a microsecond divides a second, so cutting first
	// cuts the same.
	if ns = ns / 1000 * 1000; ns >= 1e9 {
		sec, ns = sec+1, ns-1e9
	}
	if (instant{sec: sec + unixToInternal, nsec: int32(ns)}).before(startAt) {
		return time.Unix(sec, ns).UTC()
	}
	return start
}

// endHoldAt releases (to StatusReleased, ReleaseHold) a held booking,
// found by placeOfBooking, and frees its seats. It stores the booking in
// *out (sharing its Seats with the Store), or leaves *out as it is on an
// error. *out must be a zero Booking (bookingRecord.fill).
func (bs *BookingSystem) endHoldAt(ctx context.Context, bookingID BookingID, to BookingStatus, unchecked bool, out *Booking) error {
	var e *showEntry
	var pl bookingPlace
	if unchecked && bs.mem != nil {
		// The common case, placeOfBooking's answer in one frame of two.
		if err := ctx.Err(); err != nil {
			return err
		}
		e, pl = bs.numberedEntry(bookingID)
	}
	if e == nil {
		var err error
		if e, pl, err = bs.placeOfBooking(ctx, bookingID, unchecked); err != nil {
			if pl.unchecked {
				// The show the ID names, whose entry did not load, may not
				// have the booking: the error is the checked lookup's. Only
				// then: any other error is the checked lookup's already (the
				// in-memory Store's index, another Store's read, which a
				// second lookup would only repeat).
				return errNotInPlace
			}
			return err
		}
	}
	if to == StatusReleased {
		gs, err := bs.enterShow(e) // the show's stripe: see callGate
		if err != nil {
			return err
		}
		defer bs.leave(gs)
	}
	_, err := bs.endHoldIn(ctx, e, bookingID, pl, to, out)
	return err
}

// errNotInPlace is the error of an end of a hold whose booking was not in
// the show of its unchecked place (bookingPlace.unchecked), or whose
// show's entry did not load: to be looked for again where the bookings
// index says.
var errNotInPlace = errors.New("boxoffice: booking not in the show its ID names")

// endHoldIn ends the hold, stores the booking in *out (left as it is on
// an error) and reports whether this call changed it (and not an earlier
// release, confirm or sweep). pl is where the in-memory Store found the
// booking (placeOfBooking), if known. *out must be a zero Booking
// (bookingRecord.fill).
func (bs *BookingSystem) endHoldIn(ctx context.Context, e *showEntry, bookingID BookingID, pl bookingPlace, to BookingStatus, out *Booking) (bool, error) {
	changed, err := bs.runEndHold(ctx, e, bookingID, pl, to, out)
	if err != nil {
		return false, err
	}
	b := out
	if b.Status != StatusHeld && !(to == StatusExpired && bs.users.shared != nil) {
		// Not a live hold, whoever ended it: an earlier call may have
		// ended it in a transaction that committed but reported an
		// error, and left the user counted. (The sweeper comes at the
		// hold's deadline, when a UserLimitStore stops counting it by
		// itself: no need to call one for every hold swept.)
		bs.users.forget(ctx, b.UserID, b.ID)
	}
	if changed {
		if to == StatusReleased {
			e.hot.released.Add(1)
		} else {
			bs.stats.expired.Add(1)
		}
	}
	return changed, nil
}

// endHoldOp is the transaction of endHoldIn, kept in the show entry's
// scratch like holdOp and for the same reason.
type endHoldOp struct {
	bs      *BookingSystem
	entry   *showEntry // whose scratch it is: the zone of its events
	layout  *Layout
	start   time.Time // the show's
	id      BookingID
	place   bookingPlace // where the in-memory Store has it, if known
	to      BookingStatus
	kept    *bookingRecord // the in-memory Store's record of the booking: the result
	b       Booking        // the result, when kept is nil
	changed bool
	freed   freedSeats // the seats the move gave back
}

// result returns the booking the move left (or found). The show's lock
// must be held: the kept record changes in place.
func (op *endHoldOp) result() Booking {
	if op.kept != nil {
		return op.kept.booking()
	}
	return op.b
}

// runEndHold runs the endHoldOp and stores the booking in *out, unless it
// fails. The booking is built from the in-memory Store's record once,
// here, under the show's lock, rather than in the transaction and copied
// out through the entry's scratch. *out must be a zero Booking
// (bookingRecord.fill).
func (bs *BookingSystem) runEndHold(ctx context.Context, e *showEntry, id BookingID, pl bookingPlace, to BookingStatus, out *Booking) (bool, error) {
	if err := e.lockCtx(ctx); err != nil {
		return false, err
	}
	defer e.unlock()
	op := &e.tx.end
	op.id, op.place, op.to = id, pl, to
	err := bs.updateLocked(ctx, e, &e.tx.end)
	if err == nil {
		if op.kept != nil {
			op.kept.fill(out)
		} else {
			*out = op.b
		}
	}
	changed := op.changed
	if op.kept == nil {
		op.b = Booking{}
	}
	op.kept, op.freed, op.place = nil, freedSeats{}, bookingPlace{} // keep nothing of this booking alive
	return changed, err
}

func (op *endHoldOp) run(tx ShowTx, now time.Time, ev *[]Event) error {
	op.changed, op.kept = false, nil // a Store may run the transaction again
	if mt, ok := tx.(*memTx); ok {
		// The in-memory Store moves its record in place (memTx.endHold).
		p := mt.rec.recordIn(op.id, op.place)
		if p == nil {
			if op.place.unchecked {
				return errNotInPlace
			}
			return ErrNotFound
		}
		op.kept = p // released twice: the booking, as it is
		if move, err := endHoldAllowed(p.id, p.status, p.heldUntil, op.to, now); !move {
			return err
		}
		op.freed = mt.endHold(p, op.to, now, op.layout)
	} else {
		var err error
		if op.b, err = tx.Booking(op.id); err != nil {
			return err
		}
		b := &op.b
		if move, err := endHoldAllowed(b.ID, b.Status, b.HeldUntil, op.to, now); !move {
			return err
		}
		b.Status, b.UpdatedAt = op.to, now
		op.freed = freeSeats(tx, op.layout, b)
		tx.PutBooking(*b)
	}
	op.changed = true
	if ev != nil {
		res := op.result()
		b := &res
		meta := b.meta(now, op.entry.eventZone())
		if op.to == StatusReleased {
			e := new(struct {
				HoldReleased
				ids smallSeatIDs
			})
			e.HoldReleased = HoldReleased{EventMeta: meta, Seats: e.ids.of(b), freed: op.freed}
			*ev = append(*ev, &e.HoldReleased)
		} else {
			e := new(struct {
				HoldExpired
				ids smallSeatIDs
			})
			e.HoldExpired = HoldExpired{EventMeta: meta, Seats: e.ids.of(b), ShowStarted: !b.HeldUntil.Before(op.start), freed: op.freed}
			*ev = append(*ev, &e.HoldExpired)
		}
	}
	return nil
}

// endHoldAllowed reports whether a booking in status, held until
// heldUntil, moves to to (released or expired) at now. It returns false
// and no error when there is nothing to do: released twice, expired by
// two sweepers, or paid, released or extended before the sweeper came.
func endHoldAllowed(id BookingID, status BookingStatus, heldUntil time.Time, to BookingStatus, now time.Time) (bool, error) {
	if status == to {
		return false, nil
	}
	// As instants: now comes from storedTime, without a monotonic
	// reading, so Time.Before compares the same, at a call.
	expired := !instantOf(now).before(instantOf(heldUntil))
	switch {
	case to == StatusReleased && (status == StatusHeld && expired || status == StatusExpired):
		return false, &TransitionError{Booking: id, From: status, To: to, Expired: true}
	case to == StatusExpired && (status != StatusHeld || !expired):
		return false, nil
	case !status.CanMoveTo(to):
		return false, &TransitionError{Booking: id, From: status, To: to}
	}
	return true, nil
}

// freeSeats makes the booking's seats available again, where the booking
// still owns them (an expired hold's seat may belong to someone else now),
// and says which it freed.
func freeSeats(tx ShowTx, layout *Layout, b *Booking) freedSeats {
	var f freedSeats
	for k, s := range b.Seats {
		i, ok := layout.Index(s.ID)
		if ok && tx.Seat(i).ownedBy(b.ID) {
			tx.SetSeat(i, SeatSlot{})
			if f.partial {
				f.seats = append(f.seats, s.ID)
			}
			continue
		}
		f.partial, f.seats = partlyFreed(f, b.Seats[:k])
	}
	return f
}

// partlyFreed is f once a seat was found not to be freed, the seats
// before it all freed: the first such seat turns "all" into a list.
func partlyFreed(f freedSeats, before []BookingSeat) (bool, []string) {
	if f.partial {
		return true, f.seats
	}
	seats := make([]string, 0, len(before))
	for _, s := range before {
		seats = append(seats, s.ID)
	}
	return true, seats
}

// entryOfBooking finds the show entry of a booking.
func (bs *BookingSystem) entryOfBooking(ctx context.Context, bookingID BookingID) (*showEntry, error) {
	e, _, err := bs.placeOfBooking(ctx, bookingID, false)
	return e, err
}

// numberedEntry is placeOfBooking(ctx, id, true) on the in-memory Store
// when the show the ID is numbered with has its entry loaded (every
// release of a hold made in this process), less its check of ctx: the
// entry and the unchecked place (MemoryStore.numberedPlace), or a nil
// entry for placeOfBooking to answer. The calls placeOfBooking makes to
// get there (showOfBooking, numberedPlace, numberedShow) were a fiftieth
// of a hold and release, in frames and in passing the place up.
func (bs *BookingSystem) numberedEntry(id BookingID) (*showEntry, bookingPlace) {
	// MemoryStore.numberedShow, written out: a frame less.
	s := bs.mem
	n, slot, ok := s.mask.numbered(id)
	if !ok {
		return nil, bookingPlace{}
	}
	p := s.numbered.Load()
	if p == nil || int64(n) >= int64(len(*p)) {
		return nil, bookingPlace{}
	}
	r := (*p)[n]
	if r == nil {
		return nil, bookingPlace{}
	}
	e := bs.shows.numbered.get(r.number)
	if e == nil || e.rec != r {
		return nil, bookingPlace{}
	}
	pl := bookingPlace{rec: r, slot: placeNoSlot, unchecked: true}
	if slot != noSlot {
		pl.slot = int32(slot) // under 1<<24 (noSlot)
	}
	return e, pl
}

// placeOfBooking finds the show entry of a booking and, on the in-memory
// Store, where the Store has it (for memTx lookups by bookingPlace);
// unchecked, where it may have it (see MemoryStore.numberedPlace). An
// entry that fails to load still comes with the place (endHoldAt looks
// again when it is unchecked).
func (bs *BookingSystem) placeOfBooking(ctx context.Context, bookingID BookingID, unchecked bool) (*showEntry, bookingPlace, error) {
	if bs.mem != nil {
		// The in-memory Store's booking index names the show: copying the
		// whole booking and cloning its seats, as Store.Booking does, only
		// to read its show ID, was a fifth of the cost of a release.
		pl, err := bs.mem.showOfBooking(ctx, bookingID, unchecked)
		if err != nil {
			return nil, bookingPlace{}, err
		}
		r := pl.rec
		if e := bs.shows.numbered.get(r.number); e != nil && e.rec == r {
			return e, pl, nil // without hashing the show's ID (showCache.numbered)
		}
		e, err := bs.entry(ctx, r.show.ID)
		return e, pl, err
	}
	b, err := bs.store.Booking(ctx, bookingID)
	if err != nil {
		return nil, bookingPlace{}, err
	}
	e, err := bs.entry(ctx, b.ShowID)
	return e, bookingPlace{}, err
}
