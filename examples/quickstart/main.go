// Command quickstart is a guided tour of package boxoffice. It builds a
// small catalog of movies, theaters, halls and shows, then searches it,
// holds seats, prices them with each pricing strategy, walks one booking
// through hold, payment and cancellation while email and SMS notifiers tell
// the customer what happened, and cancels a whole show.
//
// Run it from the repository root:
//
//	go run ./examples/quickstart
//
// Everything runs in memory on the system clock, and shows are scheduled
// for tomorrow, so the demo works on any day. The theaters are in India
// (Theater.TimeZone "Asia/Kolkata"): shows are scheduled and printed at
// their hours there, whatever the machine's zone, and priced by their day
// there.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	// The theaters have a TimeZone, which AddTheater refuses if this
	// program cannot load it: the demo carries its own copy of the zone
	// database (some 450 KB), so that it runs on a machine without one
	// (a minimal container, Windows without Go installed). The library
	// leaves that choice to the program.
	_ "time/tzdata"

	"github.com/boxoffice-go/boxoffice"
)

// theaterZone is the time zone of the demo's theaters, all in India.
const theaterZone = "Asia/Kolkata"

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run plays the six scenes of the demo and writes what happens to w.
func run(ctx context.Context, w io.Writer) error {
	// Observers run on their own goroutines, so their messages would land in
	// the middle of whatever the demo is printing. They write to outboxes
	// instead, which are printed once Close has delivered every event.
	var emails, texts bytes.Buffer
	contacts := boxoffice.ContactMap{
		// Only Priya gave her contact details; the notifiers skip everyone else.
		"priya": {Email: "priya@example.com", Phone: "+91 98200 12345"},
	}
	sys, err := boxoffice.New(boxoffice.Config{
		Observers: []boxoffice.Observer{
			boxoffice.NewEmailNotifier(boxoffice.NewPrintSender(&emails), contacts),
			boxoffice.NewSMSNotifier(boxoffice.NewPrintSender(&texts), contacts),
		},
	})
	if err != nil {
		return err
	}
	defer sys.Close(ctx) // on an early return; a second Close does nothing

	zone, err := time.LoadLocation(theaterZone)
	if err != nil {
		return err
	}
	d := &demo{w: w, sys: sys, zone: zone}
	scenes := []struct {
		title string
		play  func(context.Context) error
	}{
		{"1. Setup: the catalog, a seat map and a schedule conflict", d.setup},
		{"2. Search", d.search},
		{"3. Holding seats: Alice and Bob want the same seats", d.holds},
		{"4. Pricing strategies, switched at run time", d.pricing},
		{"5. The full flow: hold, pay, cancel, with email and SMS notifications", d.fullFlow},
		{"6. The cinema cancels a show", d.cancelShow},
	}
	for _, s := range scenes {
		fmt.Fprintf(w, "\n=== %s\n\n", s.title)
		if err := s.play(ctx); err != nil {
			return fmt.Errorf("scene %q: %w", s.title, err)
		}
	}

	// Close stops the hold sweeper and waits until every queued event has
	// reached the observers, so the outboxes are complete afterwards.
	closeCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sys.Close(closeCtx); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nThe system is closed; every event has reached the notifiers.")
	fmt.Fprintf(w, "\nEmails sent:\n\n%s", &emails)
	fmt.Fprintf(w, "\nText messages sent:\n\n%s", &texts)

	st := sys.Stats()
	fmt.Fprintf(w, "\nStats: %d holds, %d refused for taken seats, %d released, %d confirmed, %d cancelled.\n",
		st.Holds, st.HoldConflicts, st.Released, st.Confirmed, st.Cancelled)
	return nil
}

// demo carries what the scenes share: the system and the catalog built by
// setup.
type demo struct {
	w    io.Writer
	sys  *boxoffice.BookingSystem
	zone *time.Location // the theaters' (theaterZone): shows are scheduled and printed in it

	movies      map[string]boxoffice.Movie // by ID
	inception   boxoffice.Show             // Mumbai, seed hall: scenes 3 and 4
	threeIdiots boxoffice.Show             // Mumbai, hall with an aisle: scene 5
	dangal      boxoffice.Show             // Delhi, seed hall: scene 6
}

// demoMovies is the catalog. The IDs are chosen by us so the output stays
// readable; an empty ID would be filled with a random UUID.
func demoMovies() []boxoffice.Movie {
	return []boxoffice.Movie{
		{ID: "inception", Title: "Inception", Duration: 148 * time.Minute, Genres: []string{"Sci-Fi", "Thriller"}, Language: "English", Rating: "PG-13"},
		{ID: "dark-knight", Title: "The Dark Knight", Duration: 152 * time.Minute, Genres: []string{"Action", "Crime", "Drama"}, Language: "English", Rating: "PG-13"},
		{ID: "interstellar", Title: "Interstellar", Duration: 169 * time.Minute, Genres: []string{"Sci-Fi", "Drama", "Adventure"}, Language: "English", Rating: "PG-13"},
		{ID: "3-idiots", Title: "3 Idiots", Duration: 170 * time.Minute, Genres: []string{"Comedy", "Drama"}, Language: "Hindi", Rating: "UA"},
		{ID: "dangal", Title: "Dangal", Duration: 161 * time.Minute, Genres: []string{"Biography", "Drama", "Sport"}, Language: "Hindi", Rating: "U"},
	}
}

// screen2 is a hall that is not a rectangle: short front rows and a centre
// aisle. Each line is a row label then one cell per place: R, P and V are
// Regular, Premium and VIP seats, '.' is an aisle or a gap.
const screen2 = `
# the screen is here
A  ..RRRRRR..
B  .RRRRRRRR.
C  RRRR..RRRR
D  PPPP..PPPP
E  PPPP..PPPP
F  VVVV..VVVV
`

// basePrice is the price of a Regular seat before pricing rules: 15.00.
const basePrice boxoffice.Money = 15_00

func (d *demo) setup(ctx context.Context) error {
	movies := demoMovies()
	d.movies = make(map[string]boxoffice.Movie)
	for _, m := range movies {
		m, err := d.sys.AddMovie(ctx, m)
		if err != nil {
			return err
		}
		d.movies[m.ID] = m
	}

	aisleLayout, err := boxoffice.ParseLayout(screen2)
	if err != nil {
		return err
	}
	theaters := []struct {
		theater boxoffice.Theater
		halls   []boxoffice.Hall
	}{
		{boxoffice.Theater{ID: "pvr-phoenix", Name: "PVR Phoenix", Location: "Lower Parel", City: "Mumbai", TimeZone: theaterZone},
			[]boxoffice.Hall{{ID: "pvr-audi-1", Name: "Audi 1", Layout: boxoffice.SeedLayout()}}},
		{boxoffice.Theater{ID: "inox-nariman", Name: "INOX Nariman Point", Location: "Nariman Point", City: "Mumbai", TimeZone: theaterZone},
			[]boxoffice.Hall{{ID: "inox-screen-2", Name: "Screen 2", Layout: aisleLayout}}},
		{boxoffice.Theater{ID: "pvr-saket", Name: "PVR Select City Walk", Location: "Saket", City: "Delhi", TimeZone: theaterZone},
			[]boxoffice.Hall{{ID: "saket-audi-3", Name: "Audi 3", Layout: boxoffice.SeedLayout()}}},
	}
	fmt.Fprintln(d.w, "Theaters and halls:")
	for _, t := range theaters {
		if _, err := d.sys.AddTheater(ctx, t.theater); err != nil {
			return err
		}
		for _, h := range t.halls {
			h.TheaterID = t.theater.ID
			if _, err := d.sys.AddHall(ctx, h); err != nil {
				return err
			}
			fmt.Fprintf(d.w, "  %s, %s, %s: %s, %d seats in %d rows\n",
				t.theater.Name, t.theater.Location, t.theater.City, h.Name, h.Layout.Len(), len(h.Layout.Rows()))
		}
	}

	// Shows start tomorrow in India, counted from the system's clock, so
	// the demo works on any day.
	now := d.sys.Clock().Now().In(d.zone)
	tomorrow := func(hour, minute int) time.Time {
		return time.Date(now.Year(), now.Month(), now.Day()+1, hour, minute, 0, 0, d.zone)
	}
	shows := []boxoffice.Show{
		{ID: "pvr-audi-1-1400", MovieID: "dark-knight", HallID: "pvr-audi-1", Start: tomorrow(14, 0)},
		{ID: "pvr-audi-1-1900", MovieID: "inception", HallID: "pvr-audi-1", Start: tomorrow(19, 0)},
		{ID: "inox-screen-2-1500", MovieID: "interstellar", HallID: "inox-screen-2", Start: tomorrow(15, 0)},
		{ID: "inox-screen-2-1830", MovieID: "3-idiots", HallID: "inox-screen-2", Start: tomorrow(18, 30)},
		{ID: "saket-audi-3-1700", MovieID: "dangal", HallID: "saket-audi-3", Start: tomorrow(17, 0)},
		{ID: "saket-audi-3-2030", MovieID: "inception", HallID: "saket-audi-3", Start: tomorrow(20, 30)},
	}
	for i := range shows {
		shows[i].BasePrice = basePrice
		s, err := d.sys.ScheduleShow(ctx, shows[i])
		if err != nil {
			return err
		}
		shows[i] = s // now with End and TheaterID filled in
	}
	d.inception, d.threeIdiots, d.dangal = shows[1], shows[3], shows[4]

	if err := d.printCatalog(ctx, movies, shows); err != nil {
		return err
	}

	fmt.Fprintf(d.w, "\nSeat map of %s:\n\n", d.showName(ctx, d.threeIdiots))
	if err := d.printSeatMap(ctx, d.threeIdiots.ID); err != nil {
		return err
	}

	// Inception ends at 21:28 and the hall is cleaned for 30 minutes, so a
	// show at 21:30 in the same hall is refused, and one at 22:00 fits.
	late := boxoffice.Show{ID: "pvr-audi-1-late", MovieID: "interstellar", HallID: "pvr-audi-1", Start: tomorrow(21, 30), BasePrice: basePrice}
	fmt.Fprintf(d.w, "\nScheduling Interstellar in Audi 1 at 21:30, while the hall is being cleaned after Inception (ends %s):\n",
		d.clock(d.inception.End))
	_, err = d.sys.ScheduleShow(ctx, late)
	var conflict *boxoffice.ScheduleConflictError
	if !errors.As(err, &conflict) {
		return fmt.Errorf("overlapping show: got %v, want a schedule conflict", err)
	}
	fmt.Fprintf(d.w, "  refused: %v\n", err)
	fmt.Fprintf(d.w, "  errors.Is(err, boxoffice.ErrScheduleConflict) = %t; the hall is free from %s\n",
		errors.Is(err, boxoffice.ErrScheduleConflict), d.clock(conflict.Conflict.End.Add(boxoffice.CleaningBuffer)))
	late.Start = tomorrow(22, 0)
	if late, err = d.sys.ScheduleShow(ctx, late); err != nil {
		return err
	}
	fmt.Fprintf(d.w, "  at 22:00 instead: scheduled, %s–%s\n", d.clock(late.Start), d.clock(late.End))
	return nil
}

func (d *demo) search(ctx context.Context) error {
	queries := []struct {
		label string
		q     boxoffice.MovieQuery
	}{
		{`title contains "dark"`, boxoffice.MovieQuery{Title: "dark"}},
		{`genre "sci-fi"`, boxoffice.MovieQuery{Genre: "sci-fi"}},
		{`language "Hindi"`, boxoffice.MovieQuery{Language: "Hindi"}},
		{`showing in "Delhi"`, boxoffice.MovieQuery{City: "Delhi"}},
		{`Sci-Fi in Mumbai`, boxoffice.MovieQuery{Genre: "Sci-Fi", City: "Mumbai"}},
	}
	tw := newTable(d.w)
	for _, q := range queries {
		found, err := d.sys.SearchMovies(ctx, q.q)
		if err != nil {
			return err
		}
		titles := make([]string, len(found))
		for i, m := range found {
			titles[i] = m.Title
		}
		fmt.Fprintf(tw, "%s:\t%s\n", q.label, strings.Join(titles, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(d.w, "\nShows of Inception that have not started, with their free seats:")
	infos, err := d.sys.ShowsOfMovie(ctx, "inception", boxoffice.ShowPage{}) // the first page, of up to 100
	if err != nil {
		return err
	}
	tw = newTable(d.w)
	for _, s := range infos {
		fmt.Fprintf(tw, "  %s\t%s\t%d of %d seats free\n", d.day(s.Start), d.venue(ctx, s.Show), s.FreeSeats, s.TotalSeats)
	}
	return tw.Flush()
}

func (d *demo) holds(ctx context.Context) error {
	show := d.inception.ID
	fmt.Fprintf(d.w, "Show: %s. Holds last 10 minutes unless paid.\n\n", d.showName(ctx, d.inception))

	alice, err := d.sys.HoldSeats(ctx, "alice", show, []string{"A1", "A2"})
	if err != nil {
		return err
	}
	fmt.Fprintf(d.w, "Alice holds A1, A2 (VIP):     %s\n", d.bookingLine(alice))

	// Bob asks for the same seats: the whole request is refused and the
	// *SeatError names every seat he cannot have.
	_, err = d.sys.HoldSeats(ctx, "bob", show, []string{"A1", "A2"})
	var refused *boxoffice.SeatError
	if !errors.As(err, &refused) {
		return fmt.Errorf("bob's hold of A1, A2: got %v, want a *SeatError", err)
	}
	fmt.Fprintf(d.w, "Bob asks for A1, A2:          refused seats %s\n", strings.Join(refused.Seats(), ", "))
	fmt.Fprintf(d.w, "                              %v\n", err)
	fmt.Fprintf(d.w, "                              errors.Is(err, boxoffice.ErrSeatUnavailable) = %t\n",
		errors.Is(err, boxoffice.ErrSeatUnavailable))

	bob, err := d.sys.HoldSeats(ctx, "bob", show, []string{"C5", "C6"})
	if err != nil {
		return err
	}
	fmt.Fprintf(d.w, "Bob holds C5, C6 (Premium):   %s\n", d.bookingLine(bob))

	fmt.Fprintln(d.w, "\nThe seat map now:")
	fmt.Fprintln(d.w)
	return d.printSeatMap(ctx, show)
}

func (d *demo) pricing(ctx context.Context) error {
	// Tomorrow is a public holiday in this calendar, so the calendar
	// strategy charges the holiday rate for tomorrow's shows. Their day
	// is read in their theater's zone (Theater.TimeZone), which the
	// BookingSystem passes to the strategy: no Calendar.Location needed.
	holiday := boxoffice.DateOf(d.inception.Start.In(d.zone))
	calendar, err := boxoffice.NewCalendarPricing(boxoffice.Calendar{Holidays: []boxoffice.Date{holiday}})
	if err != nil {
		return err
	}
	// Members get 10 % off whatever the inner strategy charges.
	isMember := func(_ context.Context, userID string) (bool, error) { return userID == "alice", nil }
	members := boxoffice.MemberDiscount(boxoffice.RegularPricing(), boxoffice.RatePercent(90), isMember)

	strategies := []struct {
		name     string
		strategy boxoffice.PricingStrategy
		user     string
	}{
		{"RegularPricing", boxoffice.RegularPricing(), ""},
		{"WeekendPricing (×1.5)", boxoffice.WeekendPricing(), ""},
		{"HolidayPricing (×2.0)", boxoffice.HolidayPricing(), ""},
		{fmt.Sprintf("CalendarPricing (tomorrow, %s, a holiday)", holiday), calendar, ""},
		{"MemberDiscount 10% off, alice (member)", members, "alice"},
		{"MemberDiscount 10% off, bob (not a member)", members, "bob"},
	}
	groups := []struct {
		label string
		seats []string
	}{
		{"2 VIP (A3, A4)", []string{"A3", "A4"}},
		{"2 Premium (C1, C2)", []string{"C1", "C2"}},
		{"2 Regular (E1, E2)", []string{"E1", "E2"}},
	}

	fmt.Fprintf(d.w, "Prices of the same seats of %s, base price %s:\n\n", d.showName(ctx, d.inception), basePrice)
	tw := newTable(d.w)
	fmt.Fprint(tw, "strategy")
	for _, g := range groups {
		fmt.Fprintf(tw, "\t%s", g.label)
	}
	fmt.Fprintln(tw)
	for _, s := range strategies {
		// SetPricing switches the strategy of the running system; holds
		// made from now on are priced by it. It refuses a strategy that
		// could price nothing (a zero CalendarPricing, say).
		if err := d.sys.SetPricing(s.strategy); err != nil {
			return err
		}
		fmt.Fprint(tw, s.name)
		for _, g := range groups {
			total, err := d.quote(ctx, d.inception, s.user, g.seats)
			if err != nil {
				return err
			}
			fmt.Fprintf(tw, "\t%s", total)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	// A hold fixes its price: switching strategies changes new holds only.
	if err := d.sys.SetPricing(boxoffice.HolidayPricing()); err != nil {
		return err
	}
	carol, err := d.sys.HoldSeats(ctx, "carol", d.inception.ID, []string{"A3", "A4"})
	if err != nil {
		return err
	}
	alice, err := d.sys.BookingsOfUser(ctx, "alice", boxoffice.BookingPage{})
	if err != nil {
		return err
	}
	fmt.Fprintf(d.w, "\nUnder HolidayPricing Carol holds A3, A4 for %s; Alice's hold of A1, A2, made earlier, still costs %s.\n",
		carol.Total, alice[0].Total)
	if _, err := d.sys.ReleaseHold(ctx, carol.ID); err != nil {
		return err
	}
	fmt.Fprintln(d.w, "Carol releases her hold, and the system goes back to RegularPricing.")
	return d.sys.SetPricing(boxoffice.RegularPricing())
}

func (d *demo) fullFlow(ctx context.Context) error {
	show := d.threeIdiots
	fmt.Fprintf(d.w, "Priya books 2 Premium seats of %s.\n\n", d.showName(ctx, show))

	b, err := d.sys.HoldSeats(ctx, "priya", show.ID, []string{"D3", "D4"})
	if err != nil {
		return err
	}
	fmt.Fprintf(d.w, "booking %s\n", b.ID)
	fmt.Fprintf(d.w, "  1. hold     %s\n", d.bookingLine(b))

	// The payment method means something to the PaymentGateway; the
	// default in-memory gateway approves everything.
	if b, err = d.sys.ConfirmBooking(ctx, b.ID, "card:tok_visa"); err != nil {
		return err
	}
	fmt.Fprintf(d.w, "  2. confirm  %s\n", d.bookingLine(b))

	fmt.Fprintln(d.w, "\nThe seat map once Priya has paid:")
	fmt.Fprintln(d.w)
	if err := d.printSeatMap(ctx, show.ID); err != nil {
		return err
	}
	fmt.Fprintln(d.w)

	// More than 6 hours before the show, the default policy refunds it all.
	if b, err = d.sys.CancelBooking(ctx, b.ID); err != nil {
		return err
	}
	fmt.Fprintf(d.w, "  3. cancel   %s\n", d.bookingLine(b))

	policy := boxoffice.DefaultRefundPolicy()
	var tiers []string
	for _, left := range []time.Duration{24 * time.Hour, 3 * time.Hour, time.Hour, 10 * time.Minute} {
		tiers = append(tiers, fmt.Sprintf("%s → %d%%", shortDuration(left), policy.RefundPercent(left)))
	}
	fmt.Fprintf(d.w, "\nThe default refund policy, by time left before the show: %s.\n", strings.Join(tiers, ", "))

	free, err := d.sys.SeatMap(ctx, show.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.w, "D3 and D4 are for sale again: %d of %d seats free.\n", free.Free, len(free.Seats))
	return nil
}

// cancelShow has the cinema cancel a show with a paid booking: the
// booking is cancelled and refunded in full, whatever the refund policy,
// and the show sells no more seats.
func (d *demo) cancelShow(ctx context.Context) error {
	show := d.dangal
	fmt.Fprintf(d.w, "Dev pays for 2 Regular seats of %s; then its projector breaks.\n\n", d.showName(ctx, show))
	b, err := d.sys.HoldSeats(ctx, "dev", show.ID, []string{"E1", "E2"})
	if err != nil {
		return err
	}
	if b, err = d.sys.ConfirmBooking(ctx, b.ID, "card:tok_visa"); err != nil {
		return err
	}
	fmt.Fprintf(d.w, "  paid:       %s\n", d.bookingLine(b))

	c, err := d.sys.CancelShow(ctx, show.ID)
	if err != nil {
		return err
	}
	if b, err = d.sys.Booking(ctx, b.ID); err != nil {
		return err
	}
	fmt.Fprintf(d.w, "  CancelShow: %d booking cancelled, %d refunds still owed\n", c.BookingsCancelled, c.RefundsOwed)
	fmt.Fprintf(d.w, "  refunded:   %s\n", d.bookingLine(b))

	infos, err := d.sys.ShowsOfMovie(ctx, show.MovieID, boxoffice.ShowPage{})
	if err != nil {
		return err
	}
	for _, s := range infos {
		if s.Cancelled { // still listed, so that its customers find it
			fmt.Fprintf(d.w, "  listed:     %s, cancelled, %d of %d seats free\n", d.day(s.Start), s.FreeSeats, s.TotalSeats)
		}
	}

	_, err = d.sys.HoldSeats(ctx, "erin", show.ID, []string{"E3"})
	if !errors.Is(err, boxoffice.ErrShowCancelled) {
		return fmt.Errorf("a hold on the cancelled show: got %v, want ErrShowCancelled", err)
	}
	fmt.Fprintf(d.w, "  a new hold: %v\n", err)
	return nil
}

// quote prices seats the way a hold would, with the system's current
// strategy, without holding them.
func (d *demo) quote(ctx context.Context, show boxoffice.Show, userID string, seatIDs []string) (boxoffice.Money, error) {
	hall, err := d.sys.Hall(ctx, show.HallID)
	if err != nil {
		return 0, err
	}
	pricing := d.sys.Pricing()
	var total boxoffice.Money
	for _, id := range seatIDs {
		seat, ok := hall.Layout.Lookup(id)
		if !ok {
			return 0, fmt.Errorf("no seat %s in hall %s", id, hall.Name)
		}
		price, err := pricing.Price(ctx, boxoffice.PriceRequest{Show: show, Seat: seat, UserID: userID})
		if err != nil {
			return 0, err
		}
		total += price
	}
	return total, nil
}
