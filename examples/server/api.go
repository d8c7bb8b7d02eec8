package main

import (
	"cmp"
	"context"
	"crypto/subtle"
	"errors"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/boxoffice-go/boxoffice"
)

// options tune a server; zero fields take the defaults in their comments.
type options struct {
	// Currency is the ISO 4217 code prices are shown in. Default: "USD".
	Currency string
	// MaxSeatsPerHold is told to the page, which stops selecting past it;
	// the BookingSystem enforces its own Config.MaxSeatsPerHold. Default: 10.
	MaxSeatsPerHold int
	// Heartbeat is how often an idle event stream sends a comment, so that
	// proxies and browsers keep it open. Default (also for zero or less):
	// 15 seconds.
	Heartbeat time.Duration
	// Resync is how often an event stream re-reads the seat map and sends
	// it again if it changed without an update: a change the stream
	// missed (on a Store that reports other processes' commits, such as
	// pgstore's, Watch brings them; on one that does not, they come only
	// this way). Default: 15 seconds (also for zero or less).
	Resync time.Duration
	// Logger reports server errors. Default: slog.Default().
	Logger *slog.Logger
	// MaxStreams caps the live event streams the server holds at once:
	// each is a goroutine, a connection and a Watch with its own buffer,
	// so without a cap a client could open thousands. A stream past it is
	// refused with 503 "busy" and Retry-After. Default (also for zero or
	// less): 1000.
	MaxStreams int
	// AdminToken, if set, opens the cinema's own endpoint, POST
	// /api/shows/{show}/cancel, to requests that carry it as
	// "Authorization: Bearer <AdminToken>". Empty: there is no such
	// endpoint (404).
	AdminToken string
}

// server is the HTTP face of a BookingSystem: the JSON API under /api/, the
// live seat stream, and the page.
type server struct {
	sys  *boxoffice.BookingSystem
	opts options
	log  *slog.Logger
	web  fs.FS

	// closing is closed when the server shuts down, to end event streams:
	// http.Server.Shutdown waits for handlers, and a stream never ends by
	// itself.
	closing   chan struct{}
	closeOnce sync.Once

	// streams holds a token for each live event stream, MaxStreams at most.
	streams chan struct{}

	// zones are the theaters' time zones, loaded once each.
	zones zones
}

func newServer(sys *boxoffice.BookingSystem, opts options) *server {
	opts.Currency = cmp.Or(opts.Currency, "USD")
	opts.MaxSeatsPerHold = cmp.Or(opts.MaxSeatsPerHold, 10)
	// A timer of zero or less fires at once: a stream re-armed with one
	// would spin, so those take the defaults too.
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 15 * time.Second
	}
	if opts.Resync <= 0 {
		opts.Resync = 15 * time.Second
	}
	if opts.MaxStreams <= 0 {
		opts.MaxStreams = 1000
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &server{sys: sys, opts: opts, log: opts.Logger, web: webFS(), closing: make(chan struct{}),
		streams: make(chan struct{}, opts.MaxStreams)}
}

// closeStreams ends every event stream; browsers reconnect on their own
// (to another server process, or to this one once it is back).
func (s *server) closeStreams() { s.closeOnce.Do(func() { close(s.closing) }) }

// routes returns the service's handler.
func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	// Each GET names the query parameters it takes (the README's table):
	// any other is refused, not ignored.
	mux.HandleFunc("GET /api/movies", s.query(s.searchMovies, "title", "genre", "language", "city", "after", "limit"))
	mux.HandleFunc("GET /api/movies/{movie}", s.query(s.getMovie))
	mux.HandleFunc("GET /api/movies/{movie}/shows", s.query(s.showsOfMovie, "city", "after", "limit"))
	mux.HandleFunc("GET /api/shows/{show}", s.query(s.getShow))
	mux.HandleFunc("GET /api/shows/{show}/seats", s.query(s.seatMap))
	mux.HandleFunc("GET /api/shows/{show}/events", s.query(s.seatEvents))
	mux.HandleFunc("POST /api/shows/{show}/holds", s.holdSeats)
	if s.opts.AdminToken != "" {
		mux.HandleFunc("POST /api/shows/{show}/cancel", s.admin(s.cancelShow))
	}
	mux.HandleFunc("GET /api/bookings/{booking}", s.query(s.getBooking))
	mux.HandleFunc("POST /api/bookings/{booking}/confirm", s.confirmBooking)
	mux.HandleFunc("POST /api/bookings/{booking}/extend", s.bookingCall(s.sys.ExtendHold))
	mux.HandleFunc("POST /api/bookings/{booking}/release", s.bookingCall(s.sys.ReleaseHold))
	mux.HandleFunc("POST /api/bookings/{booking}/cancel", s.bookingCall(s.cancelBooking))
	mux.HandleFunc("GET /api/users/{user}/bookings", s.query(s.bookingsOfUser, "after", "limit", "order"))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		// Tell a wrong method from a wrong path, in JSON like every other
		// API error: ask the mux which methods this path has.
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/api/" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.writeError(w, r, &apiError{status: http.StatusMethodNotAllowed, code: "method_not_allowed",
				msg: r.Method + " " + r.URL.Path + " is not allowed; use " + strings.Join(allow, " or ")})
			return
		}
		s.writeError(w, r, &apiError{status: http.StatusNotFound, code: "not_found", msg: "no such API endpoint: " + r.Method + " " + r.URL.Path})
	})
	mux.Handle("/", s.page())
	return s.recoverPanics(securityHeaders(mux))
}

// query refuses a request whose query string is malformed or has a
// parameter other than known, before next sees it: a client's typo or a
// parameter it hopes exists (offset, sort) gets a 400 that says so, not an
// answer that silently differs from what it asked for.
func (s *server) query(next http.HandlerFunc, known ...string) http.HandlerFunc {
	take := "takes no query parameters"
	switch len(known) {
	case 0:
	case 1:
		take = "use " + known[0]
	default:
		take = "use " + strings.Join(known[:len(known)-1], ", ") + " or " + known[len(known)-1]
	}
	return func(w http.ResponseWriter, r *http.Request) {
		// r.URL.Query drops what it cannot parse; ParseQuery says so.
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			s.writeError(w, r, badRequest("malformed query string: %v", err))
			return
		}
		for _, key := range slices.Sorted(maps.Keys(q)) {
			if !slices.Contains(known, key) {
				s.writeError(w, r, badRequest("unknown query parameter %q; %s %s", key, r.URL.Path, take))
				return
			}
		}
		next(w, r)
	}
}

// searchMovies answers one page of the films matching title, genre,
// language and city, by title: at most ?limit= of them after the film
// ?after= names, with "next" on a full page, as bookingsOfUser does.
func (s *server) searchMovies(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, limit, err := pageOf(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	movies, err := s.sys.SearchMovies(r.Context(), boxoffice.MovieQuery{
		Title: q.Get("title"), Genre: q.Get("genre"), Language: q.Get("language"), City: q.Get("city"),
		After: after, Limit: limit,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]movieJSON, len(movies))
	for i, m := range movies {
		out[i] = movieOut(m)
	}
	writeJSON(w, http.StatusOK, pageBody("movies", out, len(movies), limit, func() string { return movies[len(movies)-1].ID }))
}

func (s *server) getMovie(w http.ResponseWriter, r *http.Request) {
	m, err := s.sys.Movie(r.Context(), r.PathValue("movie"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, movieOut(m))
}

// showsOfMovie answers one page of the film's shows to come, by start: at
// most ?limit= of them after the show ?after= names, with "next" on a full
// page, as bookingsOfUser does; with ?city=, only the shows in that city
// (ShowPage.City), whose pages are full but the last all the same.
func (s *server) showsOfMovie(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	after, limit, err := pageOf(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if values := r.URL.Query()["city"]; len(values) > 1 {
		s.writeError(w, r, badRequest("query parameter \"city\" given %d times; give it once", len(values)))
		return
	}
	shows, err := s.sys.ShowsOfMovie(ctx, r.PathValue("movie"), boxoffice.ShowPage{City: r.URL.Query().Get("city"), After: after, Limit: limit})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	names := s.newCatalogNames()
	out := make([]showJSON, 0, len(shows))
	for _, info := range shows {
		// The listing carries each show's zone (ShowInfo.Location): no
		// zone to look up.
		sj, err := names.showIn(ctx, info.Show, info.Location)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		free, total, cancelled := info.FreeSeats, info.TotalSeats, info.Cancelled
		sj.FreeSeats, sj.TotalSeats, sj.Cancelled = &free, &total, &cancelled
		out = append(out, sj)
	}
	writeJSON(w, http.StatusOK, pageBody("shows", out, len(shows), limit, func() string { return shows[len(shows)-1].ID }))
}

func (s *server) getShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	show, err := s.sys.Show(ctx, r.PathValue("show"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sj, err := s.newCatalogNames().show(ctx, show)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sj)
}

func (s *server) seatMap(w http.ResponseWriter, r *http.Request) {
	m, err := s.readSeatMap(r.Context(), r.PathValue("show"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *server) readSeatMap(ctx context.Context, showID string) (seatMapJSON, error) {
	m, err := s.sys.SeatMap(ctx, showID)
	if err != nil {
		return seatMapJSON{}, err
	}
	sj, err := s.newCatalogNames().show(ctx, m.Show)
	if err != nil {
		return seatMapJSON{}, err
	}
	free, total, cancelled := m.Free, len(m.Seats), m.Cancelled
	sj.FreeSeats, sj.TotalSeats, sj.Cancelled = &free, &total, &cancelled
	out := seatMapJSON{
		Show: sj, At: m.At, Currency: s.opts.Currency, Width: m.Layout.Width(), Free: m.Free,
		MaxSeatsPerHold: s.opts.MaxSeatsPerHold, Seats: make([]seatJSON, len(m.Seats)),
	}
	for line, label := range m.Layout.Rows() {
		out.Rows = append(out.Rows, rowJSON{Label: label, Line: line})
	}
	for i, v := range m.Seats {
		out.Seats[i] = seatJSON{
			ID: v.ID, Row: v.Row, Number: v.Number, Type: seatTypeName(v.Type), Line: v.Line, Column: v.Column,
			Status: v.Status.String(), PriceCents: int64(v.Price),
		}
	}
	return out, nil
}

func (s *server) holdSeats(w http.ResponseWriter, r *http.Request) {
	var req holdRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkUser(req.User); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(req.Seats) == 0 {
		s.writeError(w, r, badRequest("seats: pick at least one seat"))
		return
	}
	b, err := s.sys.HoldSeats(r.Context(), req.User, r.PathValue("show"), req.Seats)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/bookings/"+b.ID.String())
	writeJSON(w, http.StatusCreated, s.bookingOut(b, s.sys.Clock().Now()))
}

func (s *server) getBooking(w http.ResponseWriter, r *http.Request) {
	id, err := boxoffice.ParseBookingID(r.PathValue("booking"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b, err := s.sys.Booking(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.bookingOut(b, s.sys.Clock().Now()))
}

func (s *server) confirmBooking(w http.ResponseWriter, r *http.Request) {
	var req confirmRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.PaymentMethod == "" || len(req.PaymentMethod) > 128 || !utf8.ValidString(req.PaymentMethod) {
		s.writeError(w, r, badRequest("paymentMethod: want a payment token such as \"card:tok_visa\""))
		return
	}
	id, err := s.ownBooking(r, req.User)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b, err := s.sys.ConfirmBooking(r.Context(), id, boxoffice.PaymentMethod(req.PaymentMethod))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.bookingOut(b, s.sys.Clock().Now()))
}

// bookingCall runs one of the calls on a booking that take only its owner.
func (s *server) bookingCall(call func(context.Context, boxoffice.BookingID) (boxoffice.Booking, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req bookingRequest
		if err := decodeJSON(w, r, &req); err != nil {
			s.writeError(w, r, err)
			return
		}
		id, err := s.ownBooking(r, req.User)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		b, err := call(r.Context(), id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s.bookingOut(b, s.sys.Clock().Now()))
	}
}

// cancelBooking is CancelBooking, except that a refund that fails after
// the booking is cancelled does not fail the call. CancelBooking then
// returns the cancelled booking with an error matching ErrRefundOwed
// (and the gateway's error): the ticket is gone and the seats are for
// sale again either way, the refund is recorded as owed (refundedAt empty
// in the answer), and the BookingSystem's sweeper pays it. Answering 500,
// or the 503 the gateway's timeout would get, would tell the customer the
// cancellation failed when it did not.
func (s *server) cancelBooking(ctx context.Context, id boxoffice.BookingID) (boxoffice.Booking, error) {
	b, err := s.sys.CancelBooking(ctx, id)
	if errors.Is(err, boxoffice.ErrRefundOwed) {
		s.log.Warn("booking cancelled; its refund is owed and will be retried", "booking", id, "owed", b.RefundOwed(), "err", err)
		return b, nil
	}
	return b, err
}

// admin lets through only requests with the admin token (options.AdminToken),
// compared in constant time.
func (s *server) admin(next http.HandlerFunc) http.HandlerFunc {
	want := []byte("Bearer " + s.opts.AdminToken)
	return func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="boxoffice admin"`)
			s.writeError(w, r, &apiError{status: http.StatusUnauthorized, code: "unauthorized",
				msg: "this endpoint is the cinema's: send Authorization: Bearer with the server's admin token"})
			return
		}
		next(w, r)
	}
}

// cancelShow is CancelShow: the show's holds are released, its bookings
// cancelled with their whole price refunded, its seats no longer for
// sale. Refunds the payment provider fails to pay are counted in
// refundsOwed and paid in the background. Cancelling a cancelled show
// answers zero counts.
func (s *server) cancelShow(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength != 0 {
		s.writeError(w, r, badRequest("cancelling a show takes no body"))
		return
	}
	c, err := s.sys.CancelShow(r.Context(), r.PathValue("show"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, showCancellationOut(r.PathValue("show"), c))
}

// ownBooking parses the booking in the path and checks that user owns it.
// Someone else's booking is reported as not found, so that an ID alone
// tells nothing. (The demo trusts the user the request names; a real
// service takes it from its session.)
func (s *server) ownBooking(r *http.Request, user string) (boxoffice.BookingID, error) {
	if err := checkUser(user); err != nil {
		return boxoffice.BookingID{}, err
	}
	id, err := boxoffice.ParseBookingID(r.PathValue("booking"))
	if err != nil {
		return boxoffice.BookingID{}, err
	}
	b, err := s.sys.Booking(r.Context(), id)
	if err != nil {
		return boxoffice.BookingID{}, err
	}
	if b.UserID != user {
		return boxoffice.BookingID{}, &apiError{status: http.StatusNotFound, code: "not_found",
			msg: "no booking " + id.String() + " of user " + user}
	}
	return id, nil
}

// bookingsOfUser answers one page of the user's bookings, oldest first
// (?order=newest: newest first): at most ?limit= of them (default
// boxoffice.DefaultPageLimit, at most boxoffice.MaxPageLimit), after the
// booking ?after= names (none: from the first). A full page carries
// "next", the after of the next page in the same order; a shorter one is
// the last, and has none.
func (s *server) bookingsOfUser(w http.ResponseWriter, r *http.Request) {
	page, err := bookingPageOf(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	bookings, err := s.sys.BookingsOfUser(r.Context(), r.PathValue("user"), page)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.sys.Clock().Now()
	out := make([]bookingJSON, len(bookings))
	for i, b := range bookings {
		out[i] = s.bookingOut(b, now)
	}
	writeJSON(w, http.StatusOK, pageBody("bookings", out, len(bookings), page.Limit,
		func() string { return bookings[len(bookings)-1].ID.String() }))
}

// pageBody is the answer of one page of n items, out under key. A full page
// (of limit items; 0 is the library's default) carries "next", the ID of
// its last item (last), which the client passes as after for the next
// page; a shorter one is the last, and has none.
func pageBody(key string, out any, n, limit int, last func() string) map[string]any {
	body := map[string]any{key: out}
	if n == cmp.Or(limit, boxoffice.DefaultPageLimit) {
		body["next"] = last()
	}
	return body
}

// bookingPageOf reads the query parameters of a page of bookings (see
// pageOf); after must be a booking ID.
func bookingPageOf(q url.Values) (boxoffice.BookingPage, error) {
	after, limit, err := pageOf(q)
	if err != nil {
		return boxoffice.BookingPage{}, err
	}
	page := boxoffice.BookingPage{Limit: limit}
	if values := q["order"]; len(values) > 1 {
		return boxoffice.BookingPage{}, badRequest("query parameter \"order\" given %d times; give it once", len(values))
	}
	switch v := q.Get("order"); v {
	case "", "oldest":
	case "newest":
		page.Order = boxoffice.NewestFirst
	default:
		return boxoffice.BookingPage{}, badRequest("order: %q is neither oldest nor newest (leave it out for oldest)", v)
	}
	if after == "" {
		return page, nil
	}
	if page.After, err = boxoffice.ParseBookingID(after); err != nil {
		return boxoffice.BookingPage{}, badRequest("after: %q is not a booking ID; use the next of the previous page", after)
	}
	return page, nil
}

// pageOf reads the query parameters of a page, after and limit, each at
// most once; an empty one is as if absent (the first page, the default
// limit), for a client that fills in a template. A limit below 1 is
// refused here, because the library takes a zero Limit for the default;
// the library judges the top of the range.
func pageOf(q url.Values) (after string, limit int, err error) {
	for _, key := range []string{"after", "limit"} {
		if values := q[key]; len(values) > 1 {
			return "", 0, badRequest("query parameter %q given %d times; give it once", key, len(values))
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return "", 0, badRequest("limit: %q is not a number from 1 to %d (leave it out for %d)", v,
				boxoffice.MaxPageLimit, boxoffice.DefaultPageLimit)
		}
		limit = n
	}
	return q.Get("after"), limit, nil
}

// checkUser refuses a missing user before the library would, with a hint.
func checkUser(user string) error {
	if strings.TrimSpace(user) == "" {
		return badRequest("user: name the customer (the demo has no sign-in)")
	}
	return nil
}

// catalogNames resolves the names a show's JSON carries, remembering them
// for the rest of one request.
type catalogNames struct {
	sys      *boxoffice.BookingSystem
	zones    *zones
	movies   map[string]boxoffice.Movie
	halls    map[string]boxoffice.Hall
	theaters map[string]boxoffice.Theater
}

func (s *server) newCatalogNames() *catalogNames {
	return &catalogNames{sys: s.sys, zones: &s.zones, movies: map[string]boxoffice.Movie{}, halls: map[string]boxoffice.Hall{},
		theaters: map[string]boxoffice.Theater{}}
}

// show is the show's JSON, its times in its theater's zone.
func (c *catalogNames) show(ctx context.Context, sh boxoffice.Show) (showJSON, error) {
	return c.showIn(ctx, sh, nil)
}

// showIn is show, given the theater's zone (loc; nil: looked up by the
// theater's TimeZone).
func (c *catalogNames) showIn(ctx context.Context, sh boxoffice.Show, loc *time.Location) (showJSON, error) {
	m, ok := c.movies[sh.MovieID]
	if !ok {
		var err error
		if m, err = c.sys.Movie(ctx, sh.MovieID); err != nil {
			return showJSON{}, err
		}
		c.movies[sh.MovieID] = m
	}
	h, ok := c.halls[sh.HallID]
	if !ok {
		var err error
		if h, err = c.sys.Hall(ctx, sh.HallID); err != nil {
			return showJSON{}, err
		}
		c.halls[sh.HallID] = h
	}
	t, ok := c.theaters[sh.TheaterID]
	if !ok {
		var err error
		if t, err = c.sys.Theater(ctx, sh.TheaterID); err != nil {
			return showJSON{}, err
		}
		c.theaters[sh.TheaterID] = t
	}
	if loc == nil {
		loc = c.zones.load(t.TimeZone)
	}
	out := showJSON{
		ID: sh.ID, MovieID: sh.MovieID, MovieTitle: m.Title, HallID: sh.HallID, HallName: h.Name,
		TheaterID: sh.TheaterID, TheaterName: t.Name, City: t.City, Start: sh.Start, End: sh.End,
		BasePriceCents: int64(sh.BasePrice),
	}
	if loc != nil {
		// The cinema's clock, not the customer's: a show at 21:00 in
		// Lisbon is at 21:00 for everyone who goes to it.
		out.TimeZone, out.Start, out.End = loc.String(), sh.Start.In(loc), sh.End.In(loc)
	}
	return out, nil
}

// zones loads theaters' time zones by name once each: time.LoadLocation
// reads the zone's file on every call.
type zones struct{ m sync.Map } // name → *time.Location

// load returns the zone of that name, or nil for none ("") or one that
// does not load (the library refuses those at AddTheater; a Store written
// by another program could still hold one, and its shows are then shown
// in the customer's zone rather than not at all).
func (z *zones) load(name string) *time.Location {
	if name == "" {
		return nil
	}
	if loc, ok := z.m.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	actual, _ := z.m.LoadOrStore(name, loc)
	return actual.(*time.Location)
}

// securityHeaders sets the headers every answer carries. The page loads
// only its own files, so the content security policy can be strict.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a handler's panic into a 500 and a log line instead
// of a dropped connection.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("handler panicked", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
				writeJSON(w, http.StatusInternalServerError, errorJSON{Error: "internal error", Code: "internal"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}
