package boxoffice_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/boxoffice-go/boxoffice"
)

var (
	notifyBooking = boxoffice.BookingID(uuid.MustParse("0b5e6f1a-7c2d-4e8f-9a01-23456789abcd"))
	notifyAt      = time.Date(2026, 3, 14, 18, 0, 0, 0, time.UTC)
	notifyMeta    = boxoffice.EventMeta{At: notifyAt, ShowID: "show-1", BookingID: notifyBooking, UserID: "ann"}
)

// recordingSender is an EmailSender and SMSSender that keeps what it is
// given and fails with err when err is set.
type recordingSender struct {
	mu    sync.Mutex
	err   error
	email []boxoffice.EmailMessage
	sms   []boxoffice.SMSMessage
}

func (s *recordingSender) SendEmail(_ context.Context, m boxoffice.EmailMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.email = append(s.email, m)
	return s.err
}

func (s *recordingSender) SendSMS(_ context.Context, m boxoffice.SMSMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sms = append(s.sms, m)
	return s.err
}

// bufferLogger returns a logger writing text records without time into buf.
func bufferLogger(buf *bytes.Buffer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// notifyEvents has one event of every kind, with what each notifier should
// send for it ("" when the event is not sent to customers).
var notifyEvents = []struct {
	name        string
	event       boxoffice.Event
	wantSubject string
	wantBody    string
	wantSMS     string
}{
	{
		name: "seats held",
		event: &boxoffice.SeatsHeld{
			EventMeta: notifyMeta, Seats: []string{"A1", "A2"}, Total: 3000,
			HeldUntil: notifyAt.Add(10 * time.Minute),
		},
		wantSubject: "Seats held for show show-1",
		wantBody: "We are holding seats A1, A2 for you at show show-1 (booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd).\n" +
			"Total: $30.00.\n" +
			"Please pay before 18:10 UTC on Sat 14 Mar 2026; after that the seats are released.",
		wantSMS: "Seats A1, A2 held for show show-1, booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd. Total $30.00. " +
			"Pay before 18:10 UTC on Sat 14 Mar 2026 or they are released.",
	},
	{
		name: "hold extended",
		event: &boxoffice.HoldExtended{
			EventMeta: notifyMeta, Seats: []string{"A1"}, HeldUntil: notifyAt.Add(20 * time.Minute),
		},
	},
	{
		name:  "hold released",
		event: &boxoffice.HoldReleased{EventMeta: notifyMeta, Seats: []string{"A1"}},
	},
	{
		name:        "hold expired",
		event:       &boxoffice.HoldExpired{EventMeta: notifyMeta, Seats: []string{"B7"}},
		wantSubject: "Your hold for show show-1 has expired",
		wantBody: "Your hold on seats B7 at show show-1 (booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd) expired before payment.\n" +
			"The seats have been released; you are welcome to book again.",
		wantSMS: "Hold on seats B7 for show show-1 expired (booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd). The seats were released.",
	},
	{
		name: "booking confirmed",
		event: &boxoffice.BookingConfirmed{
			EventMeta: notifyMeta, Seats: []string{"C3", "C4"}, Total: 5850,
			Payment: boxoffice.Payment{Amount: 5850, Reference: "ch_42"},
		},
		wantSubject: "Booking confirmed for show show-1",
		wantBody: "Your booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd for show show-1 is confirmed.\n" +
			"Seats: C3, C4.\n" +
			"Total paid: $58.50 (payment reference ch_42).\n" +
			"Enjoy the show!",
		wantSMS: "Booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd confirmed: seats C3, C4 for show show-1. Paid $58.50, ref ch_42.",
	},
	{
		name: "payment failed",
		event: &boxoffice.PaymentFailed{
			EventMeta: notifyMeta, Seats: []string{"D1"}, Reason: "card declined",
		},
		wantSubject: "Payment failed for show show-1",
		wantBody: "The payment for booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd at show show-1 did not go through: card declined.\n" +
			"Seats D1 have been released.",
		wantSMS: "Payment for booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd (show show-1) failed: card declined. Seats D1 released.",
	},
	{
		name: "payment failed with refund",
		event: &boxoffice.PaymentFailed{
			EventMeta: notifyMeta, Seats: []string{"D1"}, Reason: "hold lost during payment",
			Refund: boxoffice.Refund{Amount: 1500, Percent: 100, Reference: "re_7"},
		},
		wantSubject: "Payment failed for show show-1",
		wantBody: "The payment for booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd at show show-1 did not go through: hold lost during payment.\n" +
			"Seats D1 have been released.\n" +
			"The $15.00 we took has been refunded (refund reference re_7).",
		wantSMS: "Payment for booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd (show show-1) failed: hold lost during payment. " +
			"Seats D1 released. $15.00 refunded, ref re_7.",
	},
	{
		name: "booking cancelled",
		event: &boxoffice.BookingCancelled{
			EventMeta: notifyMeta, Seats: []string{"E5", "E6"},
			Refund: boxoffice.Refund{Amount: 2250, Percent: 50, Reference: "re_9"},
		},
		wantSubject: "Booking cancelled for show show-1",
		wantBody: "Your booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd for show show-1 (seats E5, E6) is cancelled.\n" +
			"Refund: $22.50 (50% of the total), reference re_9.",
		wantSMS: "Booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd (show show-1, seats E5, E6) cancelled. " +
			"Refund: $22.50 (50% of the total), reference re_9.",
	},
	{
		name: "booking cancelled without refund",
		event: &boxoffice.BookingCancelled{
			EventMeta: notifyMeta, Seats: []string{"E5"},
			Refund: boxoffice.Refund{Percent: 0},
		},
		wantSubject: "Booking cancelled for show show-1",
		wantBody: "Your booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd for show show-1 (seats E5) is cancelled.\n" +
			"No refund is due (0% of the total).",
		wantSMS: "Booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd (show show-1, seats E5) cancelled. No refund is due (0% of the total).",
	},
	{
		name: "show scheduled",
		event: &boxoffice.ShowScheduled{
			EventMeta: boxoffice.EventMeta{At: notifyAt, ShowID: "show-1"},
			Show:      boxoffice.Show{ID: "show-1", MovieID: "m1", HallID: "h1", Start: notifyAt.Add(48 * time.Hour)},
		},
	},
	{name: "nil seats held", event: (*boxoffice.SeatsHeld)(nil)},
	{name: "nil booking confirmed", event: (*boxoffice.BookingConfirmed)(nil)},
	{name: "nil event", event: nil},
}

var notifyContacts = boxoffice.ContactMap{"ann": {Email: "ann@example.com", Phone: "+15550100"}}

func TestEmailNotifier(t *testing.T) {
	for _, tc := range notifyEvents {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			sender := &recordingSender{}
			n := boxoffice.NewEmailNotifier(sender, notifyContacts, boxoffice.WithNotifierLogger(bufferLogger(&logs, slog.LevelDebug)))
			n.Notify(t.Context(), tc.event)

			if tc.wantSubject == "" {
				if len(sender.email) != 0 {
					t.Fatalf("sent %+v, want nothing", sender.email)
				}
			} else {
				want := boxoffice.EmailMessage{To: "ann@example.com", Subject: tc.wantSubject, Body: tc.wantBody}
				if len(sender.email) != 1 || sender.email[0] != want {
					t.Fatalf("sent %+v,\nwant [%+v]", sender.email, want)
				}
			}
			if len(sender.sms) != 0 {
				t.Errorf("email notifier sent SMS %+v", sender.sms)
			}
			if logs.Len() != 0 {
				t.Errorf("unexpected log: %s", logs.String())
			}
		})
	}
}

func TestSMSNotifier(t *testing.T) {
	for _, tc := range notifyEvents {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			sender := &recordingSender{}
			n := boxoffice.NewSMSNotifier(sender, notifyContacts, boxoffice.WithNotifierLogger(bufferLogger(&logs, slog.LevelDebug)))
			n.Notify(t.Context(), tc.event)

			if tc.wantSMS == "" {
				if len(sender.sms) != 0 {
					t.Fatalf("sent %+v, want nothing", sender.sms)
				}
			} else {
				want := boxoffice.SMSMessage{To: "+15550100", Body: tc.wantSMS}
				if len(sender.sms) != 1 || sender.sms[0] != want {
					t.Fatalf("sent %+v,\nwant [%+v]", sender.sms, want)
				}
			}
			if len(sender.email) != 0 {
				t.Errorf("SMS notifier sent email %+v", sender.email)
			}
			if logs.Len() != 0 {
				t.Errorf("unexpected log: %s", logs.String())
			}
		})
	}
}

func TestNotifierOptions(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	held := &boxoffice.SeatsHeld{
		EventMeta: notifyMeta, Seats: []string{"A1"}, Total: 1250, HeldUntil: notifyAt.Add(10 * time.Minute),
	}
	tests := []struct {
		name string
		opts []boxoffice.NotifierOption
		want string
	}{
		{
			name: "defaults",
			want: "Seats A1 held for show show-1, booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd. Total $12.50. " +
				"Pay before 18:10 UTC on Sat 14 Mar 2026 or they are released.",
		},
		{
			name: "currency symbol and location",
			opts: []boxoffice.NotifierOption{boxoffice.WithCurrencySymbol("€"), boxoffice.WithNotifierLocation(paris)},
			want: "Seats A1 held for show show-1, booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd. Total €12.50. " +
				"Pay before 19:10 CET on Sat 14 Mar 2026 or they are released.",
		},
		{
			name: "nil options and nil logger are ignored",
			opts: []boxoffice.NotifierOption{nil, boxoffice.WithNotifierLogger(nil)},
			want: "Seats A1 held for show show-1, booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd. Total $12.50. " +
				"Pay before 18:10 UTC on Sat 14 Mar 2026 or they are released.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sender := &recordingSender{}
			boxoffice.NewSMSNotifier(sender, notifyContacts, tc.opts...).Notify(t.Context(), held)
			if len(sender.sms) != 1 || sender.sms[0].Body != tc.want {
				t.Fatalf("sent %+v,\nwant body %q", sender.sms, tc.want)
			}
		})
	}
}

// failingBook is a ContactBook that always fails.
type failingBook struct{ err error }

func (b failingBook) Contact(context.Context, string) (boxoffice.Contact, error) {
	return boxoffice.Contact{}, b.err
}

func TestNotifiersSkipUsersWithoutContact(t *testing.T) {
	confirmed := &boxoffice.BookingConfirmed{EventMeta: notifyMeta, Seats: []string{"A1"}, Total: 1000}
	tests := []struct {
		name     string
		contacts boxoffice.ContactBook
	}{
		{name: "unknown user", contacts: boxoffice.ContactMap{"bob": {Email: "bob@example.com", Phone: "+15550199"}}},
		{name: "empty contact", contacts: boxoffice.ContactMap{"ann": {}}},
		{name: "book reports not found", contacts: failingBook{err: fmt.Errorf("directory: %w", boxoffice.ErrNotFound)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			logger := bufferLogger(&logs, slog.LevelDebug)
			sender := &recordingSender{}
			boxoffice.NewEmailNotifier(sender, tc.contacts, boxoffice.WithNotifierLogger(logger)).Notify(t.Context(), confirmed)
			boxoffice.NewSMSNotifier(sender, tc.contacts, boxoffice.WithNotifierLogger(logger)).Notify(t.Context(), confirmed)
			if len(sender.email)+len(sender.sms) != 0 {
				t.Errorf("sent email %+v and SMS %+v, want nothing", sender.email, sender.sms)
			}
			if logs.Len() != 0 {
				t.Errorf("skipping a user was logged: %s", logs.String())
			}
		})
	}
}

func TestNotifiersOnlyNeedTheirOwnChannel(t *testing.T) {
	confirmed := &boxoffice.BookingConfirmed{EventMeta: notifyMeta, Seats: []string{"A1"}, Total: 1000}
	contacts := boxoffice.ContactMap{"ann": {Phone: "+15550100"}}
	sender := &recordingSender{}
	boxoffice.NewEmailNotifier(sender, contacts).Notify(t.Context(), confirmed)
	boxoffice.NewSMSNotifier(sender, contacts).Notify(t.Context(), confirmed)
	if len(sender.email) != 0 || len(sender.sms) != 1 || sender.sms[0].To != "+15550100" {
		t.Errorf("sent email %+v and SMS %+v, want only one SMS to +15550100", sender.email, sender.sms)
	}
}

func TestNotifiersLogFailures(t *testing.T) {
	cancelled := &boxoffice.BookingCancelled{
		EventMeta: notifyMeta, Seats: []string{"A1"}, Refund: boxoffice.Refund{Amount: 500, Percent: 50},
	}
	sendFailure := errors.New("smtp: 451 try again later")
	tests := []struct {
		name     string
		channel  string
		contacts boxoffice.ContactBook
		sender   *recordingSender
		noSender bool
		wantStep string
		wantErr  string
		wantSent int
	}{
		{
			name: "email send error", channel: "email", contacts: notifyContacts,
			sender: &recordingSender{err: sendFailure}, wantStep: "send", wantErr: sendFailure.Error(), wantSent: 1,
		},
		{
			name: "sms send error", channel: "sms", contacts: notifyContacts,
			sender: &recordingSender{err: sendFailure}, wantStep: "send", wantErr: sendFailure.Error(), wantSent: 1,
		},
		{
			name: "email contact book error", channel: "email", contacts: failingBook{err: errors.New("directory down")},
			sender: &recordingSender{}, wantStep: "contact", wantErr: "directory down",
		},
		{
			name: "sms contact book error", channel: "sms", contacts: failingBook{err: errors.New("directory down")},
			sender: &recordingSender{}, wantStep: "contact", wantErr: "directory down",
		},
		{
			name: "email without sender", channel: "email", contacts: notifyContacts, noSender: true,
			wantStep: "setup", wantErr: "EmailNotifier needs a sender and a contact book",
		},
		{
			name: "sms without sender", channel: "sms", contacts: notifyContacts, noSender: true,
			wantStep: "setup", wantErr: "SMSNotifier needs a sender and a contact book",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			opt := boxoffice.WithNotifierLogger(bufferLogger(&logs, slog.LevelDebug))
			var n boxoffice.Observer
			switch {
			case tc.channel == "email" && tc.noSender:
				n = boxoffice.NewEmailNotifier(nil, tc.contacts, opt)
			case tc.channel == "email":
				n = boxoffice.NewEmailNotifier(tc.sender, tc.contacts, opt)
			case tc.noSender:
				n = boxoffice.NewSMSNotifier(nil, tc.contacts, opt)
			default:
				n = boxoffice.NewSMSNotifier(tc.sender, tc.contacts, opt)
			}
			n.Notify(t.Context(), cancelled)

			if tc.sender != nil {
				if sent := len(tc.sender.email) + len(tc.sender.sms); sent != tc.wantSent {
					t.Errorf("sender was called %d times, want %d", sent, tc.wantSent)
				}
			}
			want := fmt.Sprintf("level=ERROR msg=\"boxoffice: notification not sent\" channel=%s step=%s kind=booking_cancelled "+
				"show=show-1 booking=0b5e6f1a-7c2d-4e8f-9a01-23456789abcd user=ann err=%q\n", tc.channel, tc.wantStep, tc.wantErr)
			if got := logs.String(); got != want {
				t.Errorf("log:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestNotifierLoggerIsFixedAtConstruction(t *testing.T) {
	var before, after bytes.Buffer
	old := slog.Default()
	t.Cleanup(func() { slog.SetDefault(old) })

	slog.SetDefault(bufferLogger(&before, slog.LevelDebug))
	n := boxoffice.NewEmailNotifier(&recordingSender{err: errors.New("down")}, notifyContacts)
	slog.SetDefault(bufferLogger(&after, slog.LevelDebug))

	n.Notify(t.Context(), &boxoffice.HoldExpired{EventMeta: notifyMeta, Seats: []string{"A1"}})
	if !strings.Contains(before.String(), "err=down") || after.Len() != 0 {
		t.Errorf("send error went to the wrong logger: construction-time default got %q, later default got %q",
			before.String(), after.String())
	}
}

func TestContactMap(t *testing.T) {
	book := boxoffice.ContactMap{"ann": {Email: "ann@example.com"}}
	tests := []struct {
		user    string
		want    boxoffice.Contact
		wantErr error
	}{
		{user: "ann", want: boxoffice.Contact{Email: "ann@example.com"}},
		{user: "bob", wantErr: boxoffice.ErrNotFound},
		{user: "", wantErr: boxoffice.ErrNotFound},
	}
	for _, tc := range tests {
		got, err := book.Contact(t.Context(), tc.user)
		if got != tc.want || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
			t.Errorf("Contact(%q) = %+v, %v; want %+v, %v", tc.user, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestLogObserver(t *testing.T) {
	const meta = `at=2026-03-14T18:00:00.000Z show=show-1 booking=0b5e6f1a-7c2d-4e8f-9a01-23456789abcd user=ann`
	tests := []struct {
		event boxoffice.Event
		want  string // "" when nothing is logged
	}{
		{
			event: &boxoffice.SeatsHeld{EventMeta: notifyMeta, Seats: []string{"A1", "A2"}, Total: 3000, HeldUntil: notifyAt.Add(10 * time.Minute)},
			want:  `level=INFO msg="boxoffice event" kind=seats_held ` + meta + ` seats="[A1 A2]" total=30.00 held_until=2026-03-14T18:10:00.000Z`,
		},
		{
			event: &boxoffice.HoldExtended{EventMeta: notifyMeta, Seats: []string{"A1"}, HeldUntil: notifyAt.Add(20 * time.Minute)},
			want:  `level=INFO msg="boxoffice event" kind=hold_extended ` + meta + ` seats=[A1] held_until=2026-03-14T18:20:00.000Z`,
		},
		{
			event: &boxoffice.HoldReleased{EventMeta: notifyMeta, Seats: []string{"A1"}},
			want:  `level=INFO msg="boxoffice event" kind=hold_released ` + meta + ` seats=[A1]`,
		},
		{
			event: &boxoffice.HoldExpired{EventMeta: notifyMeta, Seats: []string{"B7"}},
			want:  `level=INFO msg="boxoffice event" kind=hold_expired ` + meta + ` seats=[B7]`,
		},
		{
			event: &boxoffice.BookingConfirmed{EventMeta: notifyMeta, Seats: []string{"C3"}, Total: 5850, Payment: boxoffice.Payment{Reference: "ch_42"}},
			want:  `level=INFO msg="boxoffice event" kind=booking_confirmed ` + meta + ` seats=[C3] total=58.50 payment_ref=ch_42`,
		},
		{
			event: &boxoffice.PaymentFailed{EventMeta: notifyMeta, Seats: []string{"D1"}, Reason: "card declined"},
			want:  `level=WARN msg="boxoffice event" kind=payment_failed ` + meta + ` seats=[D1] reason="card declined"`,
		},
		{
			event: &boxoffice.PaymentFailed{
				EventMeta: notifyMeta, Seats: []string{"D1"}, Reason: "hold lost during payment",
				Refund: boxoffice.Refund{Amount: 1500, Percent: 100, Reference: "re_7"},
			},
			want: `level=WARN msg="boxoffice event" kind=payment_failed ` + meta +
				` seats=[D1] reason="hold lost during payment" refund=15.00 refund_percent=100 refund_ref=re_7`,
		},
		{
			event: &boxoffice.BookingCancelled{EventMeta: notifyMeta, Seats: []string{"E5"}, Refund: boxoffice.Refund{Amount: 2250, Percent: 50, Reference: "re_9"}},
			want:  `level=INFO msg="boxoffice event" kind=booking_cancelled ` + meta + ` seats=[E5] refund=22.50 refund_percent=50 refund_ref=re_9`,
		},
		{
			event: &boxoffice.BookingCancelled{EventMeta: notifyMeta, Seats: []string{"E5"}},
			want:  `level=INFO msg="boxoffice event" kind=booking_cancelled ` + meta + ` seats=[E5] refund=0.00 refund_percent=0`,
		},
		{
			event: &boxoffice.ShowScheduled{
				EventMeta: boxoffice.EventMeta{At: notifyAt, ShowID: "show-1"},
				Show:      boxoffice.Show{ID: "show-1", MovieID: "m1", HallID: "h1", Start: notifyAt.Add(48 * time.Hour), BasePrice: 1200},
			},
			want: `level=INFO msg="boxoffice event" kind=show_scheduled at=2026-03-14T18:00:00.000Z show=show-1 ` +
				`movie=m1 hall=h1 start=2026-03-16T18:00:00.000Z base_price=12.00`,
		},
		{
			event: &customEvent{EventMeta: notifyMeta},
			want:  `level=INFO msg="boxoffice event" kind=unknown ` + meta,
		},
		{event: (*boxoffice.PaymentFailed)(nil)},
		{event: nil},
	}
	for _, tc := range tests {
		t.Run(boxoffice.EventKind(tc.event), func(t *testing.T) {
			var buf bytes.Buffer
			boxoffice.NewLogObserver(bufferLogger(&buf, slog.LevelDebug)).Notify(t.Context(), tc.event)
			want := tc.want
			if want != "" {
				want += "\n"
			}
			if got := buf.String(); got != want {
				t.Errorf("logged:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestLogObserverLevels(t *testing.T) {
	// A logger at Warn keeps payment failures and drops the routine events.
	var buf bytes.Buffer
	o := boxoffice.NewLogObserver(bufferLogger(&buf, slog.LevelWarn))
	o.Notify(t.Context(), &boxoffice.BookingConfirmed{EventMeta: notifyMeta, Seats: []string{"A1"}})
	o.Notify(t.Context(), &boxoffice.PaymentFailed{EventMeta: notifyMeta, Seats: []string{"A1"}, Reason: "declined"})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "level=WARN ") || !strings.Contains(lines[0], "kind=payment_failed") {
		t.Errorf("logged %q, want one WARN payment_failed record", buf.String())
	}
}

// customEvent is an Event type the package does not define.
type customEvent struct{ boxoffice.EventMeta }

func TestEventKind(t *testing.T) {
	tests := []struct {
		event boxoffice.Event
		want  string
	}{
		{&boxoffice.SeatsHeld{}, "seats_held"},
		{&boxoffice.HoldExtended{}, "hold_extended"},
		{&boxoffice.HoldReleased{}, "hold_released"},
		{&boxoffice.HoldExpired{}, "hold_expired"},
		{&boxoffice.BookingConfirmed{}, "booking_confirmed"},
		{&boxoffice.PaymentFailed{}, "payment_failed"},
		{&boxoffice.BookingCancelled{}, "booking_cancelled"},
		{&boxoffice.ShowScheduled{}, "show_scheduled"},
		{(*boxoffice.HoldExpired)(nil), "hold_expired"},
		{&customEvent{}, "unknown"},
		{nil, "unknown"},
	}
	for _, tc := range tests {
		if got := boxoffice.EventKind(tc.event); got != tc.want {
			t.Errorf("EventKind(%T) = %q, want %q", tc.event, got, tc.want)
		}
	}
}

func TestPrintSender(t *testing.T) {
	tests := []struct {
		name string
		send func(context.Context, *boxoffice.PrintSender) error
		want string
	}{
		{
			name: "email",
			send: func(ctx context.Context, s *boxoffice.PrintSender) error {
				return s.SendEmail(ctx, boxoffice.EmailMessage{To: "ann@example.com", Subject: "Hi", Body: "line 1\nline 2\n"})
			},
			want: "--- email to ann@example.com\nSubject: Hi\n\nline 1\nline 2\n",
		},
		{
			name: "sms",
			send: func(ctx context.Context, s *boxoffice.PrintSender) error {
				return s.SendSMS(ctx, boxoffice.SMSMessage{To: "+15550100", Body: "Hello"})
			},
			want: "--- sms to +15550100\nHello\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.send(t.Context(), boxoffice.NewPrintSender(&buf)); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.want {
				t.Errorf("wrote %q, want %q", buf.String(), tc.want)
			}

			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			buf.Reset()
			if err := tc.send(ctx, boxoffice.NewPrintSender(&buf)); !errors.Is(err, context.Canceled) || buf.Len() != 0 {
				t.Errorf("with a cancelled context: err %v, wrote %q; want context.Canceled and nothing", err, buf.String())
			}

			if err := tc.send(t.Context(), boxoffice.NewPrintSender(nil)); err == nil {
				t.Error("a PrintSender without a writer reported no error")
			}
		})
	}
}

// TestPrintSenderConcurrent checks that messages sent at once through one
// writer (as an email and an SMS notifier sharing os.Stdout do) come out
// whole: bytes.Buffer is not safe for concurrent use, so the race detector
// also catches a missing lock.
func TestPrintSenderConcurrent(t *testing.T) {
	var buf bytes.Buffer
	s := boxoffice.NewPrintSender(&buf)
	const senders, each = 8, 25
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				body := fmt.Sprintf("message %d-%d", g, i)
				var err error
				if i%2 == 0 {
					err = s.SendEmail(t.Context(), boxoffice.EmailMessage{To: "x@example.com", Subject: "s", Body: body})
				} else {
					err = s.SendSMS(t.Context(), boxoffice.SMSMessage{To: "+1", Body: body})
				}
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	out := buf.String()
	for g := range senders {
		for i := range each {
			var whole string
			if i%2 == 0 {
				whole = fmt.Sprintf("--- email to x@example.com\nSubject: s\n\nmessage %d-%d\n", g, i)
			} else {
				whole = fmt.Sprintf("--- sms to +1\nmessage %d-%d\n", g, i)
			}
			if !strings.Contains(out, whole) {
				t.Fatalf("message %d-%d is missing or torn in output:\n%s", g, i, out)
			}
		}
	}
}

func ExampleNewEmailNotifier() {
	contacts := boxoffice.ContactMap{"ann": {Email: "ann@example.com"}}
	notifier := boxoffice.NewEmailNotifier(boxoffice.NewPrintSender(os.Stdout), contacts,
		boxoffice.WithCurrencySymbol("€"))

	// The BookingSystem calls Notify after the booking commits; here the
	// event is built by hand.
	notifier.Notify(context.Background(), &boxoffice.BookingConfirmed{
		EventMeta: boxoffice.EventMeta{
			ShowID:    "show-42",
			BookingID: boxoffice.BookingID(uuid.MustParse("6f1c2a9e-0d4b-4c8e-9b7a-3e2f1d0c9b8a")),
			UserID:    "ann",
		},
		Seats:   []string{"F7", "F8"},
		Total:   3000,
		Payment: boxoffice.Payment{Amount: 3000, Reference: "ch_1"},
	})
	// Output:
	// --- email to ann@example.com
	// Subject: Booking confirmed for show show-42
	//
	// Your booking 6f1c2a9e-0d4b-4c8e-9b7a-3e2f1d0c9b8a for show show-42 is confirmed.
	// Seats: F7, F8.
	// Total paid: €30.00 (payment reference ch_1).
	// Enjoy the show!
}

// A confirm whose hold was lost and whose void fails is retried by the
// customer (ConfirmBooking again, as the docs invite), and the void fails
// again. PaymentFailed comes again only once the money is back, with
// Refund set: not once per retry, which would mail the customer "Payment
// failed" each time.
func TestPaymentFailedOnceWhileTheVoidFails(t *testing.T) {
	var out bytes.Buffer
	events := make(chan boxoffice.Event, 100)
	sender := boxoffice.NewPrintSender(&out)
	mail := boxoffice.NewEmailNotifier(sender, boxoffice.ContactMap{"alice": {Email: "alice@example.com"}})
	f := newFixture(t, func(c *boxoffice.Config) {
		c.PaymentAttempts = 1
		// one observer: the email is written before the event is forwarded
		c.Observers = []boxoffice.Observer{boxoffice.ObserverFunc(func(ctx context.Context, e boxoffice.Event) { mail.Notify(ctx, e); events <- e })}
	})
	down := errors.New("gateway down")
	f.gateway.refunds = []error{down, down, down}
	a := f.hold("alice", "A1")
	f.gateway.before = func() {
		f.gateway.before = nil
		f.clock.Advance(10 * time.Minute)
		f.hold("bob", "A1")
	}
	for i := 0; i < 3; i++ {
		if _, err := f.sys.ConfirmBooking(f.ctx, a.ID, "card"); !errors.Is(err, boxoffice.ErrPaymentFailed) {
			t.Fatalf("confirm %d: %v", i, err)
		}
	}
	f.hold("carol", "F1") // marker
	n := 0
	for e := range events {
		if pf, ok := e.(*boxoffice.PaymentFailed); ok && pf.BookingID == a.ID {
			n++
		}
		if sh, ok := e.(*boxoffice.SeatsHeld); ok && sh.UserID == "carol" {
			break
		}
	}
	mails := strings.Count(out.String(), "Subject: Payment failed")
	if n != 1 || mails != 1 {
		t.Fatalf("%d PaymentFailed events and %d 'Payment failed' emails for one failed payment whose money is not back yet; want 1 each", n, mails)
	}
}
