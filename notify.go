package boxoffice

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"time"
)

// This file holds the built-in observers: customer notifications by email
// and SMS, and a structured log of every event. Delivery itself is left to
// small sender interfaces so that any mail or SMS provider can be plugged in.

// EventKind returns the stable snake_case name of an event's type, e.g.
// "seats_held" or "booking_confirmed", for logs, metrics and wire formats.
// It returns "unknown" for nil or for a type this package does not define.
func EventKind(e Event) string {
	switch e.(type) {
	case *SeatsHeld:
		return "seats_held"
	case *HoldExtended:
		return "hold_extended"
	case *HoldReleased:
		return "hold_released"
	case *HoldExpired:
		return "hold_expired"
	case *BookingConfirmed:
		return "booking_confirmed"
	case *PaymentFailed:
		return "payment_failed"
	case *BookingCancelled:
		return "booking_cancelled"
	case *ShowScheduled:
		return "show_scheduled"
	case *ShowCancelled:
		return "show_cancelled"
	}
	return "unknown"
}

// EmailMessage is one email to one recipient.
type EmailMessage struct {
	To      string
	Subject string
	Body    string
	// IdempotencyKey names the message: the same event gives the same key
	// (see MessageKey). A notifier retries a send that failed, and a send
	// that reported failure may have gone out after all: a sender that can
	// should drop a message whose key it has already delivered.
	IdempotencyKey string
}

// EmailSender delivers email, e.g. through SMTP or a provider's API.
type EmailSender interface {
	SendEmail(ctx context.Context, m EmailMessage) error
}

// SMSMessage is one text message to one phone number.
type SMSMessage struct {
	To   string
	Body string
	// IdempotencyKey names the message, as EmailMessage.IdempotencyKey
	// does, for the sender to drop a retried duplicate.
	IdempotencyKey string
}

// MessageKey returns the idempotency key of the customer messages about
// e: its booking ID, kind and commit time, e.g.
// "0b5e6f1a-…:booking_confirmed:2026-03-14T18:00:00Z". Every send and
// retry of the messages about one event carries it. A booking can have
// several [PaymentFailed], which may share a commit time on a fake or coarse
// [Clock]: their key also names the money the message tells of as refunded
// and as owed, e.g. "…:payment_failed:…Z:refunded-22.50:owed-0.00", so
// that the failure owing money and the later refund have distinct keys and
// a sender dropping repeated keys does not drop the refund's notice.
// An event of a show, not of a booking ([ShowScheduled], [ShowCancelled]), is
// named by its show instead: "show:S1:show_cancelled:…Z".
//
// A nil e, or a nil pointer of an event type, has the key "".
func MessageKey(e Event) string {
	if v := reflect.ValueOf(e); e == nil || v.Kind() == reflect.Pointer && v.IsNil() {
		return "" // Meta of a nil *PaymentFailed would panic
	}
	m := e.Meta()
	subject := m.BookingID.String()
	if m.BookingID.IsZero() {
		subject = "show:" + m.ShowID // else every show's event of a commit time would share the key
	}
	key := subject + ":" + EventKind(e) + ":" + m.At.UTC().Format(time.RFC3339Nano)
	if pf, ok := e.(*PaymentFailed); ok {
		key += ":refunded-" + pf.Refund.Amount.String() + ":owed-" + pf.OwedMoney.String()
	}
	return key
}

// SMSSender delivers text messages.
type SMSSender interface {
	SendSMS(ctx context.Context, m SMSMessage) error
}

// Contact is how a customer can be reached. Either field may be empty.
type Contact struct {
	Email string
	Phone string
}

// ContactBook finds a customer's contact from the user ID the bookings
// carry. A user it does not know is reported with an error matching
// [ErrNotFound]; the notifiers skip such users without complaint. The
// notifiers bound each lookup by their send timeout ([WithSendTimeout]).
type ContactBook interface {
	Contact(ctx context.Context, userID string) (Contact, error)
}

// ContactMap is a [ContactBook] held in memory, keyed by user ID. It is safe
// for concurrent reads; do not modify it while notifiers use it.
type ContactMap map[string]Contact

// Contact returns the user's contact, or an error matching [ErrNotFound].
func (m ContactMap) Contact(_ context.Context, userID string) (Contact, error) {
	c, ok := m[userID]
	if !ok {
		return Contact{}, fmt.Errorf("%w: no contact for user %q", ErrNotFound, userID)
	}
	return c, nil
}

// NotifierOption configures an [EmailNotifier] or an [SMSNotifier].
//
// A notifier runs on the observer goroutine the [BookingSystem] gives it, so
// a send that hangs would hold up every later message: each send is bounded
// by a timeout, and a failed one is retried with backoff, both timed by the
// notifier's [Clock] ([WithNotifierClock]).
type NotifierOption func(*notifierConfig)

type notifierConfig struct {
	currency string
	logger   *slog.Logger
	location *time.Location
	clock    Clock
	attempts int           // sends per message, ≥ 1
	timeout  time.Duration // per send; ≤ 0: none
	backoff  time.Duration // before the first retry, doubling; ≤ 0: none
}

// Defaults of the notifiers' sends.
const (
	defaultSendAttempts = 3
	defaultSendTimeout  = 30 * time.Second
	defaultSendBackoff  = time.Second
)

// WithCurrencySymbol sets the symbol written before amounts in messages,
// e.g. "€" or "GBP ". The default is "$".
func WithCurrencySymbol(symbol string) NotifierOption {
	return func(c *notifierConfig) { c.currency = symbol }
}

// WithNotifierLogger sets where failures to look up a contact or to send a
// message are reported. The default is slog.Default() as it was when the
// notifier was built; a nil logger keeps the default.
func WithNotifierLogger(l *slog.Logger) NotifierOption {
	return func(c *notifierConfig) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithNotifierLocation sets the time zone hold deadlines are written in
// for shows whose theater has none. A deadline is written in the zone of
// the show's theater when the event carries it ([EventMeta.Location], from
// [Theater.TimeZone]): a customer of a Tokyo theater reads Tokyo's time and
// one of a Lisbon theater Lisbon's, whatever this option says, as
// [CalendarPricing] prices a show in its theater's zone before its
// [Calendar.Location]. Without either, a deadline is written in UTC, as the
// event carries it: the [BookingSystem] gives every time it stores in UTC,
// whatever the zone of its [Clock]. A nil loc keeps that default. To write every deadline in one zone whatever the theater's,
// format the messages in an [Observer] of your own.
func WithNotifierLocation(loc *time.Location) NotifierOption {
	return func(c *notifierConfig) { c.location = loc }
}

// WithSendAttempts sets how many times a message is sent before the
// notifier gives up on it and logs the failure: n-1 retries after a send
// that failed or timed out, with backoff ([WithSendBackoff]) between them.
// The default is 3; n < 1 keeps it, and 1 turns retries off. A retry may
// deliver a message twice if a send reported failure but went out: see
// [EmailMessage.IdempotencyKey].
func WithSendAttempts(n int) NotifierOption {
	return func(c *notifierConfig) {
		if n >= 1 {
			c.attempts = n
		}
	}
}

// WithSendTimeout bounds each send, and each [ContactBook] lookup: once d
// has passed on the notifier's [Clock], the call's ctx is cancelled and
// it counts as failed (a lookup is not retried: the message is not sent),
// so a hung provider or contact database cannot block the observer's
// queue. A sender or ContactBook that ignores its ctx is left to return
// on its own goroutine. The default is 30 s; 0 keeps it, and d < 0 turns
// the timeout off.
func WithSendTimeout(d time.Duration) NotifierOption {
	return func(c *notifierConfig) {
		if d != 0 {
			c.timeout = d
		}
	}
}

// WithSendBackoff sets the wait before the first retry of a failed send,
// doubling for each one after. The default is 1 s; 0 keeps it, and d < 0
// retries at once.
func WithSendBackoff(d time.Duration) NotifierOption {
	return func(c *notifierConfig) {
		if d != 0 {
			c.backoff = d
		}
	}
}

// WithNotifierClock sets the [Clock] that times send timeouts and backoff,
// typically the [BookingSystem]'s ([Config.Clock]), so that tests on a fake
// clock never wait. The default is SystemClock(); nil keeps it.
func WithNotifierClock(clock Clock) NotifierOption {
	return func(c *notifierConfig) {
		if clock != nil {
			c.clock = clock
		}
	}
}

func newNotifierConfig(opts []NotifierOption) notifierConfig {
	c := notifierConfig{currency: "$", logger: slog.Default(), clock: SystemClock(),
		attempts: defaultSendAttempts, timeout: defaultSendTimeout, backoff: defaultSendBackoff}
	for _, opt := range opts {
		if opt != nil {
			opt(&c)
		}
	}
	return c
}

// deadlineLayout writes hold deadlines for people, not machines.
const deadlineLayout = "15:04 MST on Mon 2 Jan 2006"

func (c *notifierConfig) amount(m Money) string {
	if m < 0 {
		return "-" + c.currency + (-m).String()
	}
	return c.currency + m.String()
}

// deadline writes t in the zone of the show's theater (theater, from
// EventMeta.Location) if it has one, else in WithNotifierLocation's, else
// as it is (in UTC, as the BookingSystem gives it). The theater's zone
// comes first: it is where the customer goes to the show, while the
// notifier's is one for every theater of the chain.
func (c *notifierConfig) deadline(t time.Time, theater *time.Location) string {
	switch {
	case theater != nil:
		t = t.In(theater)
	case c.location != nil:
		t = t.In(c.location)
	}
	return t.Format(deadlineLayout)
}

// reportFailure logs a notification that could not be delivered. The
// observer has no caller to return the error to, so the log is where it goes.
func (c *notifierConfig) reportFailure(ctx context.Context, channel, step string, e Event, err error) {
	meta := e.Meta()
	c.logger.LogAttrs(ctx, slog.LevelError, "boxoffice: notification not sent",
		slog.String("channel", channel),
		slog.String("step", step),
		slog.String("kind", EventKind(e)),
		slog.String("show", meta.ShowID),
		slog.String("booking", meta.BookingID.String()),
		slog.String("user", meta.UserID),
		slog.String("err", err.Error()),
	)
}

// send delivers one message about e with deliver, up to c.attempts times,
// each bounded by c.timeout, with growing backoff between them, all on
// c.clock. It stops when ctx ends (the BookingSystem closing), and logs the
// last failure once it gives up.
func (c *notifierConfig) send(ctx context.Context, channel string, e Event, deliver func(context.Context) error) {
	backoff := c.backoff
	for attempt := 1; ; attempt++ {
		err := c.sendOnce(ctx, deliver)
		if err == nil {
			return
		}
		if attempt >= c.attempts || ctx.Err() != nil {
			c.reportFailure(ctx, channel, "send", e, gaveUp(ctx, err, attempt))
			return
		}
		if backoff > 0 {
			t := c.clock.NewTimer(backoff)
			select {
			case <-t.C():
			case <-ctx.Done():
				t.Stop()
				c.reportFailure(ctx, channel, "send", e, gaveUp(ctx, err, attempt))
				return
			}
			backoff *= 2
		}
	}
}

// gaveUp is the error logged for a message given up after n attempts, the
// last failing with err: err itself after a single attempt, else with the
// count, and why the retries stopped if ctx ended.
func gaveUp(ctx context.Context, err error, n int) error {
	count := "1 attempt"
	if n > 1 {
		count = fmt.Sprintf("%d attempts", n)
	}
	switch {
	case ctx.Err() != nil && !errors.Is(err, ctx.Err()):
		return fmt.Errorf("%w (gave up after %s: %w)", err, count, ctx.Err())
	case n > 1:
		return fmt.Errorf("%w (gave up after %s)", err, count)
	}
	return err
}

// errSendTimeout is the failure of a send that outlived the send timeout.
var errSendTimeout = fmt.Errorf("boxoffice: send timed out: %w", context.DeadlineExceeded)

// errLookupTimeout is the failure of a ContactBook lookup that outlived
// the send timeout.
var errLookupTimeout = fmt.Errorf("boxoffice: contact lookup timed out: %w", context.DeadlineExceeded)

// sendOnce calls deliver once, giving up on it after c.timeout on c.clock
// or when ctx ends: it then cancels the send's ctx and returns, leaving a
// sender that ignores ctx to finish on its own goroutine. A panic of the
// sender is its failure.
func (c *notifierConfig) sendOnce(ctx context.Context, deliver func(context.Context) error) error {
	if c.timeout <= 0 {
		return deliverSafely(ctx, deliver)
	}
	sendCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(errSendTimeout)
	done := make(chan error, 1)
	go func() { done <- deliverSafely(sendCtx, deliver) }()
	t := c.clock.NewTimer(c.timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C():
	case <-ctx.Done():
	}
	// A send that answered as the time ran out went out, or failed, on
	// its own account: select picks at random among ready cases, and a
	// success taken for a timeout would be sent again.
	select {
	case err := <-done:
		return err
	default:
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return errSendTimeout
}

// deliverSafely calls deliver, turning its panic into an error: the sender
// is user code, and with a send timeout it runs on a goroutine of its own,
// where a panic would end the process.
func deliverSafely(ctx context.Context, deliver func(context.Context) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("boxoffice: sender panicked: %v", v)
		}
	}()
	return deliver(ctx)
}

// lookup returns the user's contact. ok is false when the user is unknown
// (silently) or the book failed (logged).
func (c *notifierConfig) lookup(ctx context.Context, book ContactBook, channel string, e Event) (Contact, bool) {
	userID := e.Meta().UserID
	var contact Contact
	var err error
	if m, ok := book.(ContactMap); ok {
		contact, err = m.Contact(ctx, userID) // cannot hang: spare the goroutine
	} else {
		// Bounded like a send: a contact database that hangs must not
		// hold up the observer's queue. contact is read only once the
		// call has answered.
		err = c.sendOnce(ctx, func(ctx context.Context) error {
			var err error
			contact, err = book.Contact(ctx, userID)
			return err
		})
		if errors.Is(err, errSendTimeout) {
			err = errLookupTimeout
		}
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return Contact{}, false
	case err != nil:
		c.reportFailure(ctx, channel, "contact", e, err)
		return Contact{}, false
	}
	return contact, true
}

// notice is the content of one customer notification, before it is shaped
// for a channel.
type notice struct {
	subject string
	lines   []string // email body paragraphs
	short   string   // the SMS text
}

// noticeFor writes the customer notice for e. ok is false for events
// customers are not told about (and for nil events).
// showCancelledHold is the notice of a hold that CancelShow ended: the
// seats are not for sale again, and nothing was charged.
func showCancelledHold(m EventMeta, seats string) notice {
	return notice{
		subject: fmt.Sprintf("Show %s has been cancelled", m.ShowID),
		lines: []string{
			fmt.Sprintf("Show %s has been cancelled by the cinema. Your hold on seats %s (booking %s) has ended.", m.ShowID, seats, m.BookingID),
			"You have not been charged. We are sorry for the trouble.",
		},
		short: fmt.Sprintf("Show %s was cancelled by the cinema; your hold on seats %s (booking %s) has ended. You were not charged.",
			m.ShowID, seats, m.BookingID),
	}
}

func (c *notifierConfig) noticeFor(e Event) (n notice, ok bool) {
	seats := func(ids []string) string { return strings.Join(ids, ", ") }
	switch e := e.(type) {
	case *SeatsHeld:
		if e == nil {
			return notice{}, false
		}
		return notice{
			subject: fmt.Sprintf("Seats held for show %s", e.ShowID),
			lines: []string{
				fmt.Sprintf("We are holding seats %s for you at show %s (booking %s).", seats(e.Seats), e.ShowID, e.BookingID),
				fmt.Sprintf("Total: %s.", c.amount(e.Total)),
				fmt.Sprintf("Please pay before %s; after that the seats are released.", c.deadline(e.HeldUntil, e.Location)),
			},
			short: fmt.Sprintf("Seats %s held for show %s, booking %s. Total %s. Pay before %s or they are released.",
				seats(e.Seats), e.ShowID, e.BookingID, c.amount(e.Total), c.deadline(e.HeldUntil, e.Location)),
		}, true
	case *BookingConfirmed:
		if e == nil {
			return notice{}, false
		}
		return notice{
			subject: fmt.Sprintf("Booking confirmed for show %s", e.ShowID),
			lines: []string{
				fmt.Sprintf("Your booking %s for show %s is confirmed.", e.BookingID, e.ShowID),
				fmt.Sprintf("Seats: %s.", seats(e.Seats)),
				fmt.Sprintf("Total paid: %s (payment reference %s).", c.amount(e.Total), e.Payment.Reference),
				"Enjoy the show!",
			},
			short: fmt.Sprintf("Booking %s confirmed: seats %s for show %s. Paid %s, ref %s.",
				e.BookingID, seats(e.Seats), e.ShowID, c.amount(e.Total), e.Payment.Reference),
		}, true
	case *PaymentFailed:
		if e == nil {
			return notice{}, false
		}
		reason := e.Reason
		if reason == "" {
			reason = "no reason given"
		}
		if e.Refund.Amount == 0 && e.OwedMoney <= 0 {
			return notice{
				subject: fmt.Sprintf("Payment failed for show %s", e.ShowID),
				lines: []string{
					fmt.Sprintf("The payment for booking %s at show %s did not go through: %s.", e.BookingID, e.ShowID, reason),
					fmt.Sprintf("Seats %s have been released.", seats(e.Seats)),
				},
				short: fmt.Sprintf("Payment for booking %s (show %s) failed: %s. Seats %s released.",
					e.BookingID, e.ShowID, reason, seats(e.Seats)),
			}, true
		}
		// Money was taken: saying the payment "did not go through" would
		// hide it. It is either refunded (Refund) or still owed and being
		// refunded (OwedMoney), in which case a later PaymentFailed, with
		// Refund set, tells of the refund.
		n := notice{
			subject: fmt.Sprintf("Payment failed for show %s", e.ShowID),
			lines: []string{
				fmt.Sprintf("Your booking %s at show %s could not be completed: %s.", e.BookingID, e.ShowID, reason),
				fmt.Sprintf("Seats %s have been released.", seats(e.Seats)),
			},
			short: fmt.Sprintf("Booking %s (show %s) could not be completed: %s. Seats %s released.",
				e.BookingID, e.ShowID, reason, seats(e.Seats)),
		}
		if e.Refund.Amount != 0 {
			n.lines = append(n.lines, fmt.Sprintf("The %s we took has been refunded (refund reference %s).",
				c.amount(e.Refund.Amount), e.Refund.Reference))
			n.short += fmt.Sprintf(" %s refunded, ref %s.", c.amount(e.Refund.Amount), e.Refund.Reference)
		}
		if e.OwedMoney > 0 {
			n.lines = append(n.lines, fmt.Sprintf("We took %s for it, which is being refunded to you.", c.amount(e.OwedMoney)))
			n.short += fmt.Sprintf(" %s was taken and is being refunded.", c.amount(e.OwedMoney))
		}
		return n, true
	case *HoldReleased:
		if e == nil || !e.ShowCancelled {
			return notice{}, false // the customer released it: they know
		}
		return showCancelledHold(e.EventMeta, seats(e.Seats)), true
	case *HoldExpired:
		if e == nil {
			return notice{}, false
		}
		if e.ShowCancelled {
			return showCancelledHold(e.EventMeta, seats(e.Seats)), true
		}
		if e.ShowStarted {
			// Not "book again": the show is under way.
			return notice{
				subject: fmt.Sprintf("Your hold for show %s has ended", e.ShowID),
				lines: []string{
					fmt.Sprintf("Your hold on seats %s at show %s (booking %s) ended when the show started, before payment.", seats(e.Seats), e.ShowID, e.BookingID),
					"Nothing was charged.",
				},
				short: fmt.Sprintf("Hold on seats %s for show %s ended as the show started (booking %s). Nothing was charged.",
					seats(e.Seats), e.ShowID, e.BookingID),
			}, true
		}
		return notice{
			subject: fmt.Sprintf("Your hold for show %s has expired", e.ShowID),
			lines: []string{
				fmt.Sprintf("Your hold on seats %s at show %s (booking %s) expired before payment.", seats(e.Seats), e.ShowID, e.BookingID),
				"The seats have been released; you are welcome to book again.",
			},
			short: fmt.Sprintf("Hold on seats %s for show %s expired (booking %s). The seats were released.",
				seats(e.Seats), e.ShowID, e.BookingID),
		}, true
	case *BookingCancelled:
		if e == nil {
			return notice{}, false
		}
		if e.ShowCancelled {
			// The cinema cancelled, not the customer: say so, and that
			// the whole total comes back.
			return notice{
				subject: fmt.Sprintf("Show %s has been cancelled", e.ShowID),
				lines: []string{
					fmt.Sprintf("We are sorry: show %s has been cancelled, and with it your booking %s (seats %s).", e.ShowID, e.BookingID, seats(e.Seats)),
					fmt.Sprintf("You are refunded %s in full.", c.amount(e.Refund.Amount)),
				},
				short: fmt.Sprintf("Show %s was cancelled; booking %s (seats %s) too. You are refunded %s in full.",
					e.ShowID, e.BookingID, seats(e.Seats), c.amount(e.Refund.Amount)),
			}, true
		}
		return notice{
			subject: fmt.Sprintf("Booking cancelled for show %s", e.ShowID),
			lines: []string{
				fmt.Sprintf("Your booking %s for show %s (seats %s) is cancelled.", e.BookingID, e.ShowID, seats(e.Seats)),
				c.refundLine(e.Refund),
			},
			short: fmt.Sprintf("Booking %s (show %s, seats %s) cancelled. %s",
				e.BookingID, e.ShowID, seats(e.Seats), c.refundLine(e.Refund)),
		}, true
	}
	return notice{}, false
}

func (c *notifierConfig) refundLine(r Refund) string {
	if r.Amount == 0 {
		return fmt.Sprintf("No refund is due (%d%% of the total).", r.Percent)
	}
	line := fmt.Sprintf("Refund: %s (%d%% of the total)", c.amount(r.Amount), r.Percent)
	if r.Reference != "" {
		line += ", reference " + r.Reference
	}
	return line + "."
}

// EmailNotifier is an [Observer] that emails customers about their
// bookings: seats held (with the payment deadline), booking confirmed,
// payment failed, hold expired, booking cancelled, and a hold released
// because CancelShow cancelled its show ([HoldReleased.ShowCancelled]; a
// customer who released a hold is not told). Other events are ignored.
// Users without a contact or an email address are skipped. A send
// that fails or hangs is retried ([WithSendAttempts], [WithSendTimeout],
// [WithSendBackoff]); lookup failures, and sends that failed for good, are
// logged. Safe for concurrent use.
//
// Its messages are fixed English text naming the show and the booking by
// their IDs ("Booking confirmed for show 6eaa8792-…"), since a booking's
// events carry no movie title, theater or show time: a service whose
// customers should read those formats its own messages in an [Observer]
// that looks them up (see the Observer example), as for another language.
type EmailNotifier struct {
	sender   EmailSender
	contacts ContactBook
	cfg      notifierConfig
}

var _ Observer = (*EmailNotifier)(nil)

// NewEmailNotifier returns an [EmailNotifier] that sends through sender to
// the addresses in contacts. It writes a hold's payment deadline in the
// time zone of the show's theater ([EventMeta.Location]), else in
// [WithNotifierLocation]'s, else in UTC.
func NewEmailNotifier(sender EmailSender, contacts ContactBook, opts ...NotifierOption) *EmailNotifier {
	return &EmailNotifier{sender: sender, contacts: contacts, cfg: newNotifierConfig(opts)}
}

// Notify emails the customer of e, if e is an event customers hear about.
// ctx is passed to the [ContactBook] and the sender; once it ends (the
// [BookingSystem] closing) no send is retried.
func (n *EmailNotifier) Notify(ctx context.Context, e Event) {
	note, ok := n.cfg.noticeFor(e)
	if !ok {
		return
	}
	if n.sender == nil || n.contacts == nil {
		n.cfg.reportFailure(ctx, "email", "setup", e, errors.New("EmailNotifier needs a sender and a contact book"))
		return
	}
	contact, ok := n.cfg.lookup(ctx, n.contacts, "email", e)
	if !ok || contact.Email == "" {
		return
	}
	msg := EmailMessage{
		To:             contact.Email,
		Subject:        note.subject,
		Body:           strings.Join(note.lines, "\n"),
		IdempotencyKey: MessageKey(e),
	}
	n.cfg.send(ctx, "email", e, func(ctx context.Context) error { return n.sender.SendEmail(ctx, msg) })
}

// SMSNotifier is an [Observer] that texts customers about their bookings,
// for the same events as [EmailNotifier], in one short message each. Users
// without a contact or a phone number are skipped; sends are retried, and
// failures logged, as EmailNotifier's are. Safe for concurrent use.
type SMSNotifier struct {
	sender   SMSSender
	contacts ContactBook
	cfg      notifierConfig
}

var _ Observer = (*SMSNotifier)(nil)

// NewSMSNotifier returns an [SMSNotifier] that sends through sender to the
// phone numbers in contacts. It writes deadlines in the zones
// [NewEmailNotifier]'s do: the theater's, else [WithNotifierLocation]'s, else
// UTC.
func NewSMSNotifier(sender SMSSender, contacts ContactBook, opts ...NotifierOption) *SMSNotifier {
	return &SMSNotifier{sender: sender, contacts: contacts, cfg: newNotifierConfig(opts)}
}

// Notify texts the customer of e, if e is an event customers hear about.
// ctx is passed to the [ContactBook] and the sender; once it ends no send is
// retried.
func (n *SMSNotifier) Notify(ctx context.Context, e Event) {
	note, ok := n.cfg.noticeFor(e)
	if !ok {
		return
	}
	if n.sender == nil || n.contacts == nil {
		n.cfg.reportFailure(ctx, "sms", "setup", e, errors.New("SMSNotifier needs a sender and a contact book"))
		return
	}
	contact, ok := n.cfg.lookup(ctx, n.contacts, "sms", e)
	if !ok || contact.Phone == "" {
		return
	}
	msg := SMSMessage{To: contact.Phone, Body: note.short, IdempotencyKey: MessageKey(e)}
	n.cfg.send(ctx, "sms", e, func(ctx context.Context) error { return n.sender.SendSMS(ctx, msg) })
}

// PrintSender is an [EmailSender] and an [SMSSender] that writes each message
// to an [io.Writer] instead of delivering it: for demos, development and
// tests. Each message is written whole by one Write call, one call at a
// time, so messages from concurrent notifiers sharing one PrintSender never
// interleave and w need not be safe for concurrent use (a bytes.Buffer,
// read once the BookingSystems are closed, will do).
type PrintSender struct {
	mu sync.Mutex
	w  io.Writer
}

var (
	_ EmailSender = (*PrintSender)(nil)
	_ SMSSender   = (*PrintSender)(nil)
)

// NewPrintSender returns a [PrintSender] writing to w, e.g. [os.Stdout].
func NewPrintSender(w io.Writer) *PrintSender { return &PrintSender{w: w} }

// SendEmail writes m as a short mail header and its body.
func (s *PrintSender) SendEmail(ctx context.Context, m EmailMessage) error {
	return s.write(ctx, fmt.Sprintf("--- email to %s\nSubject: %s\n\n%s\n", m.To, m.Subject, strings.TrimRight(m.Body, "\n")))
}

// SendSMS writes m on one header line and its text.
func (s *PrintSender) SendSMS(ctx context.Context, m SMSMessage) error {
	return s.write(ctx, fmt.Sprintf("--- sms to %s\n%s\n", m.To, strings.TrimRight(m.Body, "\n")))
}

func (s *PrintSender) write(ctx context.Context, text string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s == nil || s.w == nil {
		return errors.New("boxoffice: PrintSender has no writer")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := io.WriteString(s.w, text)
	return err
}

// LogObserver is an [Observer] that writes every event as one structured
// log record with the message "boxoffice event": [PaymentFailed] at Warn,
// everything else at Info. Attributes: kind, at (the commit time), show,
// booking and user where set, zone (the theater's time zone,
// [EventMeta.Location], by name) where set, then the event's own fields
// (seats, total, held_until, payment_ref, reason, refund, refund_percent,
// refund_ref, owed (a PaymentFailed's OwedMoney, when not zero),
// show_cancelled and show_started when set; movie, hall, start, base_price
// for a scheduled show; holds_released, holds_expired, bookings_cancelled,
// payments_stopped and refund_total for a cancelled one). Amounts are in
// major units without a currency symbol, e.g. "45.00".
type LogObserver struct {
	logger *slog.Logger
}

var _ Observer = (*LogObserver)(nil)

// NewLogObserver returns a [LogObserver] writing to logger, or to
// slog.Default() (as it is now) when logger is nil.
func NewLogObserver(logger *slog.Logger) *LogObserver {
	if logger == nil {
		logger = slog.Default()
	}
	return &LogObserver{logger: logger}
}

// Notify logs e.
func (o *LogObserver) Notify(ctx context.Context, e Event) {
	if e == nil {
		return
	}
	level := slog.LevelInfo
	if _, failed := e.(*PaymentFailed); failed {
		level = slog.LevelWarn
	}
	attrs, ok := eventAttrs(e)
	if !ok {
		return
	}
	o.logger.LogAttrs(ctx, level, "boxoffice event", attrs...)
}

// eventAttrs returns the log attributes of e; ok is false for a nil
// pointer event, which carries nothing to log.
func eventAttrs(e Event) (attrs []slog.Attr, ok bool) {
	seats := func(ids []string) slog.Attr { return slog.Any("seats", ids) }
	money := func(key string, m Money) slog.Attr { return slog.String(key, m.String()) }
	refund := func(r Refund) []slog.Attr {
		out := []slog.Attr{money("refund", r.Amount), slog.Int("refund_percent", r.Percent)}
		if r.Reference != "" {
			out = append(out, slog.String("refund_ref", r.Reference))
		}
		return out
	}

	var own []slog.Attr
	switch e := e.(type) {
	case *SeatsHeld:
		if e == nil {
			return nil, false
		}
		own = []slog.Attr{seats(e.Seats), money("total", e.Total), slog.Time("held_until", e.HeldUntil)}
	case *HoldExtended:
		if e == nil {
			return nil, false
		}
		own = []slog.Attr{seats(e.Seats), slog.Time("held_until", e.HeldUntil)}
	case *HoldReleased:
		if e == nil {
			return nil, false
		}
		own = []slog.Attr{seats(e.Seats)}
		if e.ShowCancelled {
			own = append(own, slog.Bool("show_cancelled", true))
		}
	case *HoldExpired:
		if e == nil {
			return nil, false
		}
		own = []slog.Attr{seats(e.Seats)}
		if e.ShowCancelled {
			own = append(own, slog.Bool("show_cancelled", true))
		}
		if e.ShowStarted {
			own = append(own, slog.Bool("show_started", true))
		}
	case *BookingConfirmed:
		if e == nil {
			return nil, false
		}
		own = []slog.Attr{seats(e.Seats), money("total", e.Total), slog.String("payment_ref", e.Payment.Reference)}
	case *PaymentFailed:
		if e == nil {
			return nil, false
		}
		own = []slog.Attr{seats(e.Seats), slog.String("reason", e.Reason)}
		if e.Refund.Amount != 0 || e.Refund.Reference != "" {
			own = append(own, refund(e.Refund)...)
		}
		if e.OwedMoney != 0 {
			own = append(own, money("owed", e.OwedMoney))
		}
	case *BookingCancelled:
		if e == nil {
			return nil, false
		}
		own = append([]slog.Attr{seats(e.Seats)}, refund(e.Refund)...)
		if e.ShowCancelled {
			own = append(own, slog.Bool("show_cancelled", true))
		}
	case *ShowScheduled:
		if e == nil {
			return nil, false
		}
		own = []slog.Attr{
			slog.String("movie", e.Show.MovieID),
			slog.String("hall", e.Show.HallID),
			slog.Time("start", e.Show.Start),
			money("base_price", e.Show.BasePrice),
		}
	case *ShowCancelled:
		if e == nil {
			return nil, false
		}
		own = []slog.Attr{
			slog.Int("holds_released", e.HoldsReleased),
			slog.Int("holds_expired", e.HoldsExpired),
			slog.Int("bookings_cancelled", e.BookingsCancelled),
			slog.Int("payments_stopped", e.PaymentsStopped),
			money("refund_total", e.RefundTotal),
		}
	}

	meta := e.Meta()
	attrs = make([]slog.Attr, 0, 6+len(own))
	attrs = append(attrs, slog.String("kind", EventKind(e)), slog.Time("at", meta.At), slog.String("show", meta.ShowID))
	if !meta.BookingID.IsZero() {
		attrs = append(attrs, slog.String("booking", meta.BookingID.String()))
	}
	if meta.UserID != "" {
		attrs = append(attrs, slog.String("user", meta.UserID))
	}
	if meta.Location != nil {
		// Times stay in UTC, which log tools sort and compare; the zone
		// says how the theater's customers read them.
		attrs = append(attrs, slog.String("zone", meta.Location.String()))
	}
	return append(attrs, own...), true
}
