package boxoffice

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// PriceRequest is what a [PricingStrategy] prices: one seat of one show for
// one customer.
type PriceRequest struct {
	Show   Show
	Seat   Seat
	UserID string
	// Location is the time zone of the show's theater (Theater.TimeZone),
	// or nil if the theater has none: read the show's local day or hour
	// as r.Show.Start.In(r.Location) when it is set. The BookingSystem
	// fills it in; CalendarPricing reads it before its own Location.
	Location *time.Location
}

// PricingStrategy prices one seat at hold time. The price is fixed into the
// booking then and never recomputed. It is called outside any lock, so it
// may block (ctx bounds it). A returned error fails the hold.
//
// It is also what [BookingSystem.SeatMap] quotes: a strategy of one's own is
// called there once for every seat of the hall, at every map read, for an
// anonymous customer (UserID ""), so one that looks something up keeps the
// lookup cheap or skips it for "". (Only [DayRatePricing] and
// [*CalendarPricing], whose price depends on the seat type alone, are
// asked once per type.) The price starts from nothing: a strategy that
// keeps the seat types' multipliers wraps [RegularPricing] and changes its
// answer, as ExamplePricingStrategy does.
type PricingStrategy interface {
	Price(ctx context.Context, r PriceRequest) (Money, error)
}

// HoldPriceRequest is what a [HoldPricer] prices: every seat of one hold,
// of one show, for one customer. [HoldPriceRequest.Seats] are in the hold's
// order; treat them as read-only.
type HoldPriceRequest struct {
	Show     Show
	Seats    []Seat
	UserID   string
	Location *time.Location // the theater's time zone, as in PriceRequest
}

// HoldPricer is a [PricingStrategy] that can also price every seat of one
// hold in one call. When the strategy of a [BookingSystem] implements it,
// HoldSeats calls [HoldPricer.PriceHold] once instead of Price once per seat,
// so that what a price depends on besides the seat (a membership, a coupon,
// any lookup) is asked once per hold, and one answer prices all its seats: a
// membership that lapses between two per-seat lookups cannot give one hold
// member and non-member prices. PriceHold returns one price per seat, in
// r.Seats' order, each what Price would return for that seat; an error fails
// the hold. As for Price, a panic is turned into an error and a price outside
// [0, MaxSeatPrice] refuses the hold. [BookingSystem.SeatMap], which prices
// for nobody, still calls Price. [MemberPricing] and [AdjustedPricing]
// implement it.
type HoldPricer interface {
	PricingStrategy
	PriceHold(ctx context.Context, r HoldPriceRequest) ([]Money, error)
}

var (
	_ HoldPricer = MemberPricing{}
	_ HoldPricer = AdjustedPricing{}
)

// checkSeatPrice refuses a price no hold may fix, negative or above
// MaxSeatPrice, naming the seat. HoldSeats and SeatMap check every price
// a strategy returns with it, so that a map never quotes a price a hold
// refuses.
func checkSeatPrice(seatID string, price Money) error {
	if price < 0 || price > MaxSeatPrice {
		return invalid("price", "pricing strategy returned %s for seat %s, outside [0, %s]", price, seatID, MaxSeatPrice)
	}
	return nil
}

// PricingFunc adapts a function to [PricingStrategy].
type PricingFunc func(ctx context.Context, r PriceRequest) (Money, error)

// Price calls f.
func (f PricingFunc) Price(ctx context.Context, r PriceRequest) (Money, error) { return f(ctx, r) }

// How the strategies of this file price a seat
//
// Every multiplication goes through Money.Apply, which rounds half away from
// zero to the cent, and it rounds after each multiplier, so the order is part
// of the price. It is always:
//
//  1. the seat type: BasePrice × SeatType.Multiplier() (Regular ×1.0,
//     Premium ×1.3, VIP ×1.5);
//  2. the day rule, if the strategy has one: weekend or holiday;
//  3. adjustments (Adjust, MemberDiscount), innermost first: a wrapper
//     multiplies the final price of the strategy it wraps.
//
// Every strategy of this file rejects, with an error matching
// ErrInvalidArgument, a request whose base price is negative or above
// MaxPrice or whose seat type is not defined, and never returns a price
// that is negative or above MaxSeatPrice. Rates are bounded to (0, ×100].
// All of them are immutable once built and safe for concurrent use.

// MaxSeatPrice is the largest price a strategy of this package returns for
// one seat. It sits far above any real price ([MaxPrice] with a [VIP] seat
// and a ×100 day rate is 1.5e11 cents) and far below int64 overflow, so that
// totals of many seats can be summed safely.
const MaxSeatPrice Money = MaxPrice * 10_000

// RegularPricing prices a seat at the show's base price times the seat
// type's multiplier: with a base price of 15.00, a [VIP] seat costs 22.50 and
// a [Premium] seat 19.50. It is the default strategy of a [BookingSystem].
func RegularPricing() DayRatePricing { return DayRatePricing{Rate: RateOne} }

// WeekendPricing prices a seat like [RegularPricing] and then applies the
// weekend rate ([RateWeekend], ×1.5), whatever the show's date. Use
// [NewCalendarPricing] to charge it on weekends only.
func WeekendPricing() DayRatePricing { return DayRatePricing{Rate: RateWeekend} }

// HolidayPricing prices a seat like [RegularPricing] and then applies the
// holiday rate ([RateHoliday], ×2.0), whatever the show's date. Use
// [NewCalendarPricing] to charge it on holidays only.
func HolidayPricing() DayRatePricing { return DayRatePricing{Rate: RateHoliday} }

// DayRatePricing prices every show alike: a seat costs the show's base
// price times the seat type's multiplier, times [DayRatePricing.Rate].
// [RegularPricing], [WeekendPricing] and [HolidayPricing] are its Rates of
// [RateOne], [RateWeekend] and [RateHoliday]. A [Rate] outside (0, ×100] is
// reported by [DayRatePricing.Price] as an error matching
// [ErrInvalidArgument].
type DayRatePricing struct{ Rate Rate }

// Price returns base × seat type × [DayRatePricing.Rate].
func (p DayRatePricing) Price(_ context.Context, r PriceRequest) (Money, error) {
	if err := validateRate("DayRatePricing.Rate", p.Rate); err != nil {
		return 0, err
	}
	price, err := seatPrice(r)
	if err != nil {
		return 0, err
	}
	return applyRate("price", price, p.Rate)
}

// Validate reports a [Rate] outside (0, ×100], which [DayRatePricing.Price]
// would report at every request; [New] and SetPricing call it.
func (p DayRatePricing) Validate() error { return validateRate("DayRatePricing.Rate", p.Rate) }

// seatPrice validates the request and returns the base price times the
// seat-type multiplier: step 1 of every strategy.
func seatPrice(r PriceRequest) (Money, error) {
	if err := validateRequest(r); err != nil {
		return 0, err
	}
	return applyRate("price", r.Show.BasePrice, r.Seat.Type.Multiplier())
}

func validateRequest(r PriceRequest) error {
	switch {
	case r.Show.BasePrice < 0:
		return invalid("Show.BasePrice", "%s is negative", r.Show.BasePrice)
	case r.Show.BasePrice > MaxPrice:
		return invalid("Show.BasePrice", "%s is above the maximum %s", r.Show.BasePrice, MaxPrice)
	case !r.Seat.Type.Valid():
		return invalid("Seat.Type", "%s of seat %q is not a defined seat type", r.Seat.Type, r.Seat.ID)
	}
	return nil
}

func validateRate(field string, r Rate) error {
	if r <= 0 || r > maxRate {
		return invalid(field, "%s is outside (x0, %s]", r, maxRate)
	}
	return nil
}

// applyRate multiplies m by r as Money.Apply does, refusing any result
// that is negative or above MaxSeatPrice. Callers pass m ≥ 0 (a validated
// base price or a checked inner price) and a validated r > 0.
func applyRate(field string, m Money, r Rate) (Money, error) {
	if r == RateOne {
		return m, nil
	}
	out, ok := mulRate(m, r)
	if !ok {
		return 0, invalid(field, "%s %s overflows", m, r)
	}
	if out < 0 {
		return 0, invalid(field, "%s %s = %s is negative", m, r, out)
	}
	if out > MaxSeatPrice {
		return 0, invalid(field, "%s %s = %s is above the maximum seat price %s", m, r, out, MaxSeatPrice)
	}
	return out, nil
}

// Date is a calendar day without a time or a location, such as a public
// holiday. The zero Date is not a valid day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar day of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Valid reports whether d is a real day of the Gregorian calendar, e.g. not
// February 30.
func (d Date) Valid() bool {
	// time.Date normalizes out-of-range fields (February 30 becomes
	// March 2), so a real day is one that survives the round trip.
	return DateOf(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)) == d
}

// Calendar configures [NewCalendarPricing]. Every zero field takes the default
// in its comment (for [Calendar.WeekendDays], only nil is zero: an empty
// slice asks for no weekend days).
type Calendar struct {
	// Location is where the show's start is read as a calendar day: a show
	// at 23:30 UTC on a Friday is a Saturday show in Tokyo. Default: UTC.
	// It is the zone of the shows whose theater has none: a request's
	// Location (the theater's TimeZone, which the BookingSystem fills in)
	// comes first.
	Location *time.Location
	// Holidays are the days priced at the Holiday rate, in the zone the
	// show's start is read in (the request's Location, else Location).
	// A holiday that falls on a weekend is priced as a holiday.
	Holidays []Date
	// WeekendDays are the days priced at the Weekend rate. Default (nil):
	// Saturday and Sunday. An empty, non-nil slice means no weekend days,
	// for a cinema with holiday pricing alone.
	WeekendDays []time.Weekday
	// Weekend is the weekend multiplier. Default: RateWeekend (×1.5).
	Weekend Rate
	// Holiday is the holiday multiplier. Default: RateHoliday (×2.0).
	Holiday Rate
}

// CalendarPricing prices a seat like [RegularPricing] and then applies the
// holiday rate when the show starts on a holiday, else the weekend rate when
// it starts on a weekend day, else nothing. The day is the show's start in
// the request's Location, the time zone of the show's theater
// ([Theater.TimeZone]), when it is set, else in the configured
// [Calendar.Location]: one chain whose theaters span zones prices each
// show by its own local day. Build it with [NewCalendarPricing]; it is
// immutable and safe for concurrent use.
type CalendarPricing struct {
	loc      *time.Location
	holidays map[Date]struct{}
	weekend  [7]bool // indexed by time.Weekday
	weekRate Rate
	holRate  Rate
}

// NewCalendarPricing validates cfg and returns its strategy. An invalid
// field (a rate outside (0, ×100], an impossible holiday date, an unknown
// weekday) is an error matching [ErrInvalidArgument]. cfg is copied: changing
// it afterwards does not change the strategy.
func NewCalendarPricing(cfg Calendar) (*CalendarPricing, error) {
	p := &CalendarPricing{
		loc:      cfg.Location,
		holidays: make(map[Date]struct{}, len(cfg.Holidays)),
		weekRate: cfg.Weekend,
		holRate:  cfg.Holiday,
	}
	if p.loc == nil {
		p.loc = time.UTC
	}
	if p.weekRate == 0 {
		p.weekRate = RateWeekend
	}
	if p.holRate == 0 {
		p.holRate = RateHoliday
	}
	if err := validateRate("Calendar.Weekend", p.weekRate); err != nil {
		return nil, err
	}
	if err := validateRate("Calendar.Holiday", p.holRate); err != nil {
		return nil, err
	}
	for _, d := range cfg.Holidays {
		if !d.Valid() {
			return nil, invalid("Calendar.Holidays", "%s is not a calendar day", d)
		}
		p.holidays[d] = struct{}{}
	}
	days := cfg.WeekendDays
	if days == nil { // empty but not nil: no weekend days
		days = []time.Weekday{time.Saturday, time.Sunday}
	}
	for _, wd := range days {
		if wd < time.Sunday || wd > time.Saturday {
			return nil, invalid("Calendar.WeekendDays", "%d is not a weekday", int(wd))
		}
		p.weekend[wd] = true
	}
	return p, nil
}

// DayRate returns the day multiplier of a show starting at start, read in
// [Calendar.Location]: the holiday rate, the weekend rate or [RateOne]. It is
// DayRateIn(start, nil), the rate of a show whose theater has no
// TimeZone; for a theater that has one, use [CalendarPricing.DayRateIn]. A
// nil or zero [CalendarPricing] (one not built by [NewCalendarPricing]) has
// no holidays and no weekend days: its DayRate is RateOne, but its
// [CalendarPricing.Price] is an error.
func (p *CalendarPricing) DayRate(start time.Time) Rate { return p.DayRateIn(start, nil) }

// DayRateIn returns the day multiplier of a show starting at start, read
// in loc, or in [Calendar.Location] if loc is nil: the rate
// [CalendarPricing.Price] applies to a request whose Location is loc. Pass
// the zone of the show's theater, time.LoadLocation(theater.TimeZone), or nil
// for a theater without one, to show what the [BookingSystem] charges for the
// show (a "weekend rate" label): the BookingSystem passes that zone to Price.
// A nil or zero [CalendarPricing] returns [RateOne], as
// [CalendarPricing.DayRate] does.
func (p *CalendarPricing) DayRateIn(start time.Time, loc *time.Location) Rate {
	if !p.valid() {
		return RateOne
	}
	if loc == nil {
		loc = p.loc
	}
	local := start.In(loc)
	if _, ok := p.holidays[DateOf(local)]; ok {
		return p.holRate
	}
	if p.weekend[local.Weekday()] {
		return p.weekRate
	}
	return RateOne
}

// valid reports whether p was built by NewCalendarPricing, which always
// sets a location.
func (p *CalendarPricing) valid() bool { return p != nil && p.loc != nil }

// Validate reports a nil or zero [CalendarPricing], whose
// [CalendarPricing.Price] fails at every request; [New] and SetPricing call
// it.
func (p *CalendarPricing) Validate() error {
	if !p.valid() {
		return invalid("CalendarPricing", "not built by NewCalendarPricing (nil or zero value)")
	}
	return nil
}

// Holidays returns the configured holidays in chronological order.
func (p *CalendarPricing) Holidays() []Date {
	if !p.valid() {
		return nil
	}
	days := make([]Date, 0, len(p.holidays))
	for d := range p.holidays {
		days = append(days, d)
	}
	slices.SortFunc(days, func(a, b Date) int {
		return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.Month, b.Month), cmp.Compare(a.Day, b.Day))
	})
	return days
}

// Price returns the seat's price: base × seat type, then × the day rate
// of the show's start, read in r.Location if it is set, else in
// [Calendar.Location] (DayRateIn(r.Show.Start, r.Location)). A nil or zero
// [CalendarPricing] is reported as an error matching [ErrInvalidArgument], as
// the zero values of the other strategies are.
func (p *CalendarPricing) Price(_ context.Context, r PriceRequest) (Money, error) {
	if !p.valid() {
		return 0, invalid("CalendarPricing", "not built by NewCalendarPricing (nil or zero value)")
	}
	price, err := seatPrice(r)
	if err != nil {
		return 0, err
	}
	return applyRate("price", price, p.DayRateIn(r.Show.Start, r.Location))
}

// Adjust returns a strategy that multiplies the price of inner by rate, e.g.
// Adjust(RegularPricing(), RatePercent(110)) for a 10 % surcharge. The
// adjustment comes after everything inner does, with its own rounding.
// A nil inner or a rate outside (0, ×100] is reported by Price as an error
// matching [ErrInvalidArgument].
func Adjust(inner PricingStrategy, rate Rate) AdjustedPricing {
	return AdjustedPricing{Inner: inner, Rate: rate}
}

// AdjustedPricing is the strategy [Adjust] returns: [AdjustedPricing.Inner]'s
// price times [AdjustedPricing.Rate].
type AdjustedPricing struct {
	Inner PricingStrategy
	Rate  Rate
}

// Price returns [AdjustedPricing.Inner]'s price times [AdjustedPricing.Rate].
func (a AdjustedPricing) Price(ctx context.Context, r PriceRequest) (Money, error) {
	if err := validateRate("Adjust rate", a.Rate); err != nil {
		return 0, err
	}
	price, err := innerPrice(ctx, a.Inner, r)
	if err != nil {
		return 0, err
	}
	return applyRate("price", price, a.Rate)
}

// PriceHold returns [AdjustedPricing.Inner]'s price of every seat of the
// hold, times [AdjustedPricing.Rate]: Inner's PriceHold if it is a
// [HoldPricer] (a [MemberDiscount] asks its membership once), else its
// [AdjustedPricing.Price] for each seat.
func (a AdjustedPricing) PriceHold(ctx context.Context, r HoldPriceRequest) ([]Money, error) {
	if err := validateRate("Adjust rate", a.Rate); err != nil {
		return nil, err
	}
	prices, err := innerHoldPrices(ctx, a.Inner, r)
	if err != nil {
		return nil, err
	}
	return applyRates(prices, a.Rate)
}

// Validate reports what [AdjustedPricing.Price] would report at every
// request: a rate outside (0, ×100], a nil [AdjustedPricing.Inner], or what
// Inner's own Validate reports; [New] and SetPricing call it.
func (a AdjustedPricing) Validate() error {
	if err := validateRate("Adjust rate", a.Rate); err != nil {
		return err
	}
	return validateInner("Adjust inner", a.Inner)
}

// MembershipFunc reports whether a user is a member. It may block (a
// database lookup); ctx bounds it, and its error fails the hold.
type MembershipFunc func(ctx context.Context, userID string) (bool, error)

// MemberDiscount returns a strategy that prices like inner and then, when
// isMember says the request's user is a member, multiplies the price by
// rate: MemberDiscount(s, RatePercent(90), isMember) gives members 10 % off.
// Non-members pay inner's price, and so does a request without a user
// (the quotes of a [SeatMap]): isMember is not asked about "". A nil inner
// or isMember, or a rate outside (0, ×100], is reported by Price as an
// error matching [ErrInvalidArgument].
func MemberDiscount(inner PricingStrategy, rate Rate, isMember MembershipFunc) MemberPricing {
	return MemberPricing{Inner: inner, Rate: rate, IsMember: isMember}
}

// MemberPricing is the strategy [MemberDiscount] returns:
// [MemberPricing.Inner]'s price, times [MemberPricing.Rate] for the users
// [MemberPricing.IsMember] names.
type MemberPricing struct {
	Inner    PricingStrategy
	Rate     Rate
	IsMember MembershipFunc
}

// Price returns [MemberPricing.Inner]'s price, times [MemberPricing.Rate] if
// the request's user is a member.
func (m MemberPricing) Price(ctx context.Context, r PriceRequest) (Money, error) {
	if err := validateRate("MemberDiscount rate", m.Rate); err != nil {
		return 0, err
	}
	if m.IsMember == nil {
		return 0, invalid("MemberDiscount isMember", "is nil")
	}
	price, err := innerPrice(ctx, m.Inner, r)
	if err != nil || r.UserID == "" {
		return price, err // no user, no member: a seat map's quote asks nobody
	}
	member, err := m.IsMember(ctx, r.UserID)
	if err != nil {
		return 0, fmt.Errorf("boxoffice: membership of user %q: %w", r.UserID, err)
	}
	if !member {
		return price, nil
	}
	return applyRate("price", price, m.Rate)
}

// PriceHold prices every seat of the hold as [MemberPricing.Price] does,
// asking [MemberPricing.IsMember] once for the whole hold: one lookup, one
// answer for all its seats.
func (m MemberPricing) PriceHold(ctx context.Context, r HoldPriceRequest) ([]Money, error) {
	if err := validateRate("MemberDiscount rate", m.Rate); err != nil {
		return nil, err
	}
	if m.IsMember == nil {
		return nil, invalid("MemberDiscount isMember", "is nil")
	}
	prices, err := innerHoldPrices(ctx, m.Inner, r)
	if err != nil || r.UserID == "" || len(prices) == 0 {
		return prices, err
	}
	member, err := m.IsMember(ctx, r.UserID)
	if err != nil {
		return nil, fmt.Errorf("boxoffice: membership of user %q: %w", r.UserID, err)
	}
	if !member {
		return prices, nil
	}
	return applyRates(prices, m.Rate)
}

// Validate reports what [MemberPricing.Price] would report at every request:
// a rate outside (0, ×100], a nil [MemberPricing.IsMember] or
// [MemberPricing.Inner], or what Inner's own Validate reports; [New] and
// SetPricing call it.
func (m MemberPricing) Validate() error {
	if err := validateRate("MemberDiscount rate", m.Rate); err != nil {
		return err
	}
	if m.IsMember == nil {
		return invalid("MemberDiscount isMember", "is nil")
	}
	return validateInner("MemberDiscount inner", m.Inner)
}

// validateInner is validatePart for a strategy's inner strategy, which
// must be set.
func validateInner(field string, inner PricingStrategy) error {
	if inner == nil {
		return invalid(field, "is nil")
	}
	return validatePart(field, inner)
}

// applyRates multiplies each price by r in place, as applyRate does.
func applyRates(prices []Money, r Rate) ([]Money, error) {
	for k, p := range prices {
		var err error
		if prices[k], err = applyRate("price", p, r); err != nil {
			return nil, err
		}
	}
	return prices, nil
}

// innerHoldPrices is innerPrice for every seat of a hold: inner's
// PriceHold if it has one, else its Price seat by seat. The slice is new,
// so a wrapper may change it whatever inner keeps.
func innerHoldPrices(ctx context.Context, inner PricingStrategy, r HoldPriceRequest) ([]Money, error) {
	hp, ok := inner.(HoldPricer)
	if !ok {
		prices := make([]Money, len(r.Seats))
		for k, seat := range r.Seats {
			var err error
			if prices[k], err = innerPrice(ctx, inner, PriceRequest{Show: r.Show, Seat: seat, UserID: r.UserID, Location: r.Location}); err != nil {
				return nil, err
			}
		}
		return prices, nil
	}
	for _, seat := range r.Seats {
		if err := validateRequest(PriceRequest{Show: r.Show, Seat: seat, UserID: r.UserID, Location: r.Location}); err != nil {
			return nil, err
		}
	}
	got, err := hp.PriceHold(ctx, r)
	if err != nil {
		return nil, err
	}
	if len(got) != len(r.Seats) {
		return nil, invalid("price", "inner strategy returned %d prices for %d seats", len(got), len(r.Seats))
	}
	prices := make([]Money, len(got))
	for k, p := range got {
		if p < 0 || p > MaxSeatPrice {
			return nil, invalid("price", "inner strategy returned %s for seat %s, outside [0, %s]", p, r.Seats[k].ID, MaxSeatPrice)
		}
		prices[k] = p
	}
	return prices, nil
}

// innerPrice validates r, whatever inner does with it, and checks that
// inner's price is one a wrapper can multiply.
func innerPrice(ctx context.Context, inner PricingStrategy, r PriceRequest) (Money, error) {
	if inner == nil {
		return 0, invalid("inner strategy", "is nil")
	}
	if err := validateRequest(r); err != nil {
		return 0, err
	}
	price, err := inner.Price(ctx, r)
	if err != nil {
		return 0, err
	}
	if price < 0 || price > MaxSeatPrice {
		return 0, invalid("price", "inner strategy returned %s, outside [0, %s]", price, MaxSeatPrice)
	}
	return price, nil
}
