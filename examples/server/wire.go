package main

import (
	"strings"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// The JSON the API speaks. The library's enumerated types encode as their
// names (MarshalText: a BookingStatus as "held", a SeatType as "Premium"),
// but its structs carry no JSON tags on purpose (they are not a wire
// format), so the service maps them here: camelCase fields, money as
// integer cents with the currency, times as RFC 3339, only the fields a
// client needs, and seat types in lower case (see seatTypeName).

type movieJSON struct {
	ID              string   `json:"id"`
	Title           string   `json:"title"`
	DurationMinutes int      `json:"durationMinutes"`
	Genres          []string `json:"genres"`
	Language        string   `json:"language"`
	Rating          string   `json:"rating"`
}

func movieOut(m boxoffice.Movie) movieJSON {
	genres := m.Genres
	if genres == nil {
		genres = []string{}
	}
	return movieJSON{
		ID: m.ID, Title: m.Title, DurationMinutes: int(m.Duration / time.Minute),
		Genres: genres, Language: m.Language, Rating: m.Rating,
	}
}

type showJSON struct {
	ID          string `json:"id"`
	MovieID     string `json:"movieId"`
	MovieTitle  string `json:"movieTitle"`
	HallID      string `json:"hallId"`
	HallName    string `json:"hallName"`
	TheaterID   string `json:"theaterId"`
	TheaterName string `json:"theaterName"`
	City        string `json:"city"`
	// TimeZone is the theater's zone (an IANA name such as
	// "Europe/Lisbon"), in which Start and End are written: show times are
	// the cinema's, whatever the customer's zone. Empty for a theater with
	// none: the times are then in UTC.
	TimeZone       string    `json:"timeZone,omitempty"`
	Start          time.Time `json:"start"`
	End            time.Time `json:"end"`
	BasePriceCents int64     `json:"basePriceCents"`
	FreeSeats      *int      `json:"freeSeats,omitempty"`
	TotalSeats     *int      `json:"totalSeats,omitempty"`
	// Cancelled is set, as the seat counts are, where the answer read the
	// show's state: in a film's list of shows and in a seat map.
	Cancelled *bool `json:"cancelled,omitempty"`
}

type seatJSON struct {
	ID         string `json:"id"`
	Row        string `json:"row"`
	Number     int    `json:"number"`
	Type       string `json:"type"`
	Line       int    `json:"line"`
	Column     int    `json:"column"`
	Status     string `json:"status"`
	PriceCents int64  `json:"priceCents"`
}

type rowJSON struct {
	Label string `json:"label"`
	Line  int    `json:"line"`
}

// seatMapJSON is a show's hall as it is: every seat at its drawn place
// (Line, Column; columns without a seat are aisles or gaps), with type,
// status and price.
type seatMapJSON struct {
	Show            showJSON   `json:"show"`
	At              time.Time  `json:"at"`
	Currency        string     `json:"currency"`
	Width           int        `json:"width"`
	Rows            []rowJSON  `json:"rows"`
	Free            int        `json:"free"`
	MaxSeatsPerHold int        `json:"maxSeatsPerHold"`
	Seats           []seatJSON `json:"seats"`
}

type bookedSeatJSON struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	PriceCents int64  `json:"priceCents"`
}

type paymentJSON struct {
	Method      string     `json:"method,omitempty"`
	AmountCents int64      `json:"amountCents"`
	Reference   string     `json:"reference,omitempty"`
	Attempts    int        `json:"attempts"`
	PaidAt      *time.Time `json:"paidAt,omitempty"`
	Failure     string     `json:"failure,omitempty"`
}

type refundJSON struct {
	AmountCents int64     `json:"amountCents"`
	Percent     int       `json:"percent"`
	Reference   string    `json:"reference,omitempty"`
	RefundedAt  time.Time `json:"refundedAt,omitzero"` // zero while the refund is owed
	Reason      string    `json:"reason"`
}

type bookingJSON struct {
	ID         string           `json:"id"`
	User       string           `json:"user"`
	ShowID     string           `json:"showId"`
	Status     string           `json:"status"`
	Seats      []bookedSeatJSON `json:"seats"`
	TotalCents int64            `json:"totalCents"`
	Currency   string           `json:"currency"`
	CreatedAt  time.Time        `json:"createdAt"`
	UpdatedAt  time.Time        `json:"updatedAt"`
	// HeldUntil is the hold's deadline while the booking is held or paying.
	HeldUntil  *time.Time   `json:"heldUntil,omitempty"`
	Extensions int          `json:"extensions"`
	Payment    *paymentJSON `json:"payment,omitempty"`
	Refund     *refundJSON  `json:"refund,omitempty"`
	// Now is the server's clock when the answer was made, so that a client
	// counts down to HeldUntil without trusting its own clock.
	Now time.Time `json:"now"`
}

func (s *server) bookingOut(b boxoffice.Booking, now time.Time) bookingJSON {
	out := bookingJSON{
		ID: b.ID.String(), User: b.UserID, ShowID: b.ShowID, Status: b.Status.String(),
		Seats: make([]bookedSeatJSON, len(b.Seats)), TotalCents: int64(b.Total), Currency: s.opts.Currency,
		CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt, Extensions: b.Extensions, Now: now,
	}
	for i, seat := range b.Seats {
		out.Seats[i] = bookedSeatJSON{ID: seat.ID, Type: seatTypeName(seat.Type), PriceCents: int64(seat.Price)}
	}
	if b.Status == boxoffice.StatusHeld || b.Status == boxoffice.StatusPaying {
		until := b.HeldUntil
		out.HeldUntil = &until
	}
	if p := b.Payment; p != (boxoffice.Payment{}) {
		out.Payment = &paymentJSON{Method: string(p.Method), AmountCents: int64(p.Amount), Reference: p.Reference,
			Attempts: p.Attempts, Failure: failureText(p)}
		if !p.PaidAt.IsZero() {
			paid := p.PaidAt
			out.Payment.PaidAt = &paid
		}
	}
	if r := b.Refund; r != (boxoffice.Refund{}) {
		out.Refund = &refundJSON{AmountCents: int64(r.Amount), Percent: r.Percent, Reference: r.Reference,
			RefundedAt: r.RefundedAt, Reason: r.Reason}
	}
	return out
}

// seatTypeName is a seat type as this API has always named it, in lower
// case ("premium"), which the page's script and style sheet key on; the
// library's text form is "Premium". Booking and seat statuses are the
// library's text as they are (String, which MarshalText writes).
func seatTypeName(t boxoffice.SeatType) string { return strings.ToLower(t.String()) }

// seatUpdateJSON is one live change of a show's seats, sent as the SSE
// event "update".
type seatUpdateJSON struct {
	Seats  []string  `json:"seats"`
	Status string    `json:"status"`
	At     time.Time `json:"at"`
}

// holdRequest asks for seats of a show. User comes from the request because
// the demo has no sign-in; a real service takes it from its session.
type holdRequest struct {
	User  string   `json:"user"`
	Seats []string `json:"seats"`
}

// bookingRequest is the body of the calls on one booking. User must be the
// booking's owner (see server.ownBooking).
type bookingRequest struct {
	User string `json:"user"`
}

type confirmRequest struct {
	User          string `json:"user"`
	PaymentMethod string `json:"paymentMethod"`
}

// errorJSON is every error's body.
type errorJSON struct {
	Error string   `json:"error"`
	Code  string   `json:"code"`
	Seats []string `json:"seats,omitempty"`
	// RetryAfterSeconds repeats the Retry-After header for clients that
	// cannot read headers easily.
	RetryAfterSeconds int `json:"retryAfterSeconds,omitempty"`
}

type showCancellationJSON struct {
	Show              string `json:"show"`
	HoldsReleased     int    `json:"holdsReleased"`
	HoldsExpired      int    `json:"holdsExpired"`
	BookingsCancelled int    `json:"bookingsCancelled"`
	PaymentsStopped   int    `json:"paymentsStopped"`
	RefundsOwed       int    `json:"refundsOwed"`
}

func showCancellationOut(showID string, c boxoffice.ShowCancellation) showCancellationJSON {
	return showCancellationJSON{Show: showID, HoldsReleased: c.HoldsReleased, HoldsExpired: c.HoldsExpired,
		BookingsCancelled: c.BookingsCancelled, PaymentsStopped: c.PaymentsStopped, RefundsOwed: c.RefundsOwed}
}

// failureText is what a booking's payment says of its failure: the
// library's own text (a lost hold, a cancelled show), or the provider's
// refusal of a declined card; a provider's failure in words of ours, as
// paymentText says it.
func failureText(p boxoffice.Payment) string {
	switch p.FailureKind {
	case boxoffice.FailureDeclined, boxoffice.FailureHoldLost, boxoffice.FailureShowStarted:
		return p.Failure
	case boxoffice.FailureTimedOut:
		return failureTimedOut
	}
	if p.Failure == "" {
		return ""
	}
	return failureProvider // a gateway error, or a kind this server does not know
}
