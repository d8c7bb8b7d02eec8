package boxoffice_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
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
		name:        "hold ended by the show's start",
		event:       &boxoffice.HoldExpired{EventMeta: notifyMeta, Seats: []string{"B7"}, ShowStarted: true},
		wantSubject: "Your hold for show show-1 has ended",
		wantBody: "Your hold on seats B7 at show show-1 (booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd) ended when the show started, before payment.\n" +
			"Nothing was charged.",
		wantSMS: "Hold on seats B7 for show show-1 ended as the show started (booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd). Nothing was charged.",
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
		wantBody: "Your booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd at show show-1 could not be completed: hold lost during payment.\n" +
			"Seats D1 have been released.\n" +
			"The $15.00 we took has been refunded (refund reference re_7).",
		wantSMS: "Booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd (show show-1) could not be completed: hold lost during payment. " +
			"Seats D1 released. $15.00 refunded, ref re_7.",
	},
	{
		// The void failed: the money is taken and owed; the customer is
		// not told the payment "did not go through".
		name: "payment failed with money owed",
		event: &boxoffice.PaymentFailed{
			EventMeta: notifyMeta, Seats: []string{"D1"}, Reason: "hold lost during payment", OwedMoney: 1500,
		},
		wantSubject: "Payment failed for show show-1",
		wantBody: "Your booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd at show show-1 could not be completed: hold lost during payment.\n" +
			"Seats D1 have been released.\n" +
			"We took $15.00 for it, which is being refunded to you.",
		wantSMS: "Booking 0b5e6f1a-7c2d-4e8f-9a01-23456789abcd (show show-1) could not be completed: hold lost during payment. " +
			"Seats D1 released. $15.00 was taken and is being refunded.",
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
				want := boxoffice.EmailMessage{To: "ann@example.com", Subject: tc.wantSubject, Body: tc.wantBody,
					IdempotencyKey: boxoffice.MessageKey(tc.event)}
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
				want := boxoffice.SMSMessage{To: "+15550100", Body: tc.wantSMS, IdempotencyKey: boxoffice.MessageKey(tc.event)}
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
		t.Fatalf("no time zone database: %v", err) // Go falls back on its own copy: never missing
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
			sender: &recordingSender{err: sendFailure}, wantStep: "send", wantErr: sendFailure.Error() + " (gave up after 3 attempts)", wantSent: 3,
		},
		{
			name: "sms send error", channel: "sms", contacts: notifyContacts,
			sender: &recordingSender{err: sendFailure}, wantStep: "send", wantErr: sendFailure.Error() + " (gave up after 3 attempts)", wantSent: 3,
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
			// The default 3 attempts, retried at once.
			opts := []boxoffice.NotifierOption{boxoffice.WithNotifierLogger(bufferLogger(&logs, slog.LevelDebug)), boxoffice.WithSendBackoff(-1)}
			var n boxoffice.Observer
			switch {
			case tc.channel == "email" && tc.noSender:
				n = boxoffice.NewEmailNotifier(nil, tc.contacts, opts...)
			case tc.channel == "email":
				n = boxoffice.NewEmailNotifier(tc.sender, tc.contacts, opts...)
			case tc.noSender:
				n = boxoffice.NewSMSNotifier(nil, tc.contacts, opts...)
			default:
				n = boxoffice.NewSMSNotifier(tc.sender, tc.contacts, opts...)
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
	n := boxoffice.NewEmailNotifier(&recordingSender{err: errors.New("down")}, notifyContacts, boxoffice.WithSendAttempts(1))
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

// zoned returns m with the theater zone loc.
func zoned(m boxoffice.EventMeta, loc *time.Location) boxoffice.EventMeta {
	m.Location = loc
	return m
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
			event: &boxoffice.PaymentFailed{EventMeta: notifyMeta, Seats: []string{"D1"}, Reason: "hold lost during payment", OwedMoney: 1500},
			want:  `level=WARN msg="boxoffice event" kind=payment_failed ` + meta + ` seats=[D1] reason="hold lost during payment" owed=15.00`,
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
			// What the cancellation did is the record's point: an operator
			// reading "show_cancelled" must see the counts and the money owed.
			event: &boxoffice.ShowCancelled{
				EventMeta:     boxoffice.EventMeta{At: notifyAt, ShowID: "show-1"},
				HoldsReleased: 2, HoldsExpired: 1, BookingsCancelled: 3, PaymentsStopped: 1, RefundTotal: 6750,
			},
			want: `level=INFO msg="boxoffice event" kind=show_cancelled at=2026-03-14T18:00:00.000Z show=show-1 ` +
				`holds_released=2 holds_expired=1 bookings_cancelled=3 payments_stopped=1 refund_total=67.50`,
		},
		{
			event: &boxoffice.BookingCancelled{EventMeta: notifyMeta, Seats: []string{"E5"}, Refund: boxoffice.Refund{Amount: 4500, Percent: 100}, ShowCancelled: true},
			want:  `level=INFO msg="boxoffice event" kind=booking_cancelled ` + meta + ` seats=[E5] refund=45.00 refund_percent=100 show_cancelled=true`,
		},
		{
			event: &boxoffice.HoldExpired{EventMeta: notifyMeta, Seats: []string{"B7"}, ShowStarted: true},
			want:  `level=INFO msg="boxoffice event" kind=hold_expired ` + meta + ` seats=[B7] show_started=true`,
		},
		{
			event: &customEvent{EventMeta: notifyMeta},
			want:  `level=INFO msg="boxoffice event" kind=unknown ` + meta,
		},
		{
			// The theater's zone, by name; the times stay in UTC.
			event: &boxoffice.HoldExpired{EventMeta: zoned(notifyMeta, time.FixedZone("JST", 9*3600)), Seats: []string{"B7"}},
			want:  `level=INFO msg="boxoffice event" kind=hold_expired ` + meta + ` zone=JST seats=[B7]`,
		},
		{event: (*boxoffice.PaymentFailed)(nil)},
		{event: (*boxoffice.ShowCancelled)(nil)},
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
	waitGroup(t, &wg, "the concurrent sends")
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
	for {
		e := recv(t, events, "the marker's SeatsHeld")
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

// scriptedSender is an EmailSender and SMSSender whose answer to each send
// is decided by fail (nil: deliver); it records every attempt.
type scriptedSender struct {
	mu       sync.Mutex
	fail     func(call int, ctx context.Context) error // call counts from 1
	calls    int
	keys     []string // the IdempotencyKey of every attempt
	bodies   []string // the delivered messages
	attempts chan struct{}
}

func newScriptedSender(fail func(call int, ctx context.Context) error) *scriptedSender {
	return &scriptedSender{fail: fail, attempts: make(chan struct{}, 100)}
}

func (s *scriptedSender) send(ctx context.Context, key, body string) error {
	s.mu.Lock()
	s.calls++
	call := s.calls
	s.keys = append(s.keys, key)
	s.mu.Unlock()
	s.attempts <- struct{}{}
	if err := s.fail(call, ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bodies = append(s.bodies, body)
	return nil
}

func (s *scriptedSender) SendEmail(ctx context.Context, m boxoffice.EmailMessage) error {
	return s.send(ctx, m.IdempotencyKey, m.Subject)
}

func (s *scriptedSender) SendSMS(ctx context.Context, m boxoffice.SMSMessage) error {
	return s.send(ctx, m.IdempotencyKey, m.Body)
}

func (s *scriptedSender) snapshot() (calls int, keys, bodies []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls, slices.Clone(s.keys), slices.Clone(s.bodies)
}

// notifiers builds the email and the SMS notifier over one sender.
var notifiers = []struct {
	channel string
	build   func(s *scriptedSender, opts ...boxoffice.NotifierOption) boxoffice.Observer
}{
	{"email", func(s *scriptedSender, opts ...boxoffice.NotifierOption) boxoffice.Observer {
		return boxoffice.NewEmailNotifier(s, notifyContacts, opts...)
	}},
	{"sms", func(s *scriptedSender, opts ...boxoffice.NotifierOption) boxoffice.Observer {
		return boxoffice.NewSMSNotifier(s, notifyContacts, opts...)
	}},
}

// notifyAsync runs n.Notify(ctx, e) on a goroutine; the channel closes
// when it returns.
func notifyAsync(ctx context.Context, n boxoffice.Observer, e boxoffice.Event) <-chan struct{} {
	done := make(chan struct{})
	go func() { defer close(done); n.Notify(ctx, e) }()
	return done
}

// waitDone fails t if done does not close within 10 s of real time.
func waitDone(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not return", what)
	}
}

var errTryLater = errors.New("421 4.7.0 try again later")

// A send that fails once (an SMTP 421, say) is retried after the backoff,
// on the notifier's Clock, and the message is delivered once, under the
// same idempotency key: it used to be lost, only logged.
func TestNotifierRetriesATransientSendFailure(t *testing.T) {
	for _, nt := range notifiers {
		t.Run(nt.channel, func(t *testing.T) {
			clock := fakeclock.New(notifyAt)
			var logs bytes.Buffer
			sender := newScriptedSender(func(call int, _ context.Context) error {
				if call == 1 {
					return errTryLater
				}
				return nil
			})
			n := nt.build(sender, boxoffice.WithNotifierClock(clock), boxoffice.WithSendTimeout(-1),
				boxoffice.WithSendBackoff(5*time.Second), boxoffice.WithNotifierLogger(bufferLogger(&logs, slog.LevelDebug)))
			confirmed := &boxoffice.BookingConfirmed{EventMeta: notifyMeta, Seats: []string{"A1"}, Total: 1500}
			done := notifyAsync(t.Context(), n, confirmed)
			if err := clock.WaitForTimers(t.Context(), 1); err != nil { // the backoff
				t.Fatal(err)
			}
			clock.Advance(5*time.Second - time.Nanosecond)
			select {
			case <-sender.attempts: // the first
			default:
				t.Fatal("no first attempt")
			}
			select {
			case <-sender.attempts:
				t.Fatal("retried before the backoff had passed")
			case <-done:
				t.Fatal("Notify returned before the backoff had passed")
			default:
			}
			clock.Advance(time.Nanosecond)
			waitDone(t, done, "Notify")
			calls, keys, bodies := sender.snapshot()
			if calls != 2 || len(bodies) != 1 {
				t.Errorf("%d attempts, %d delivered; want 2 attempts, 1 delivered", calls, len(bodies))
			}
			if want := boxoffice.MessageKey(confirmed); keys[0] != want || keys[1] != want {
				t.Errorf("idempotency keys %q; want %q on every attempt", keys, want)
			}
			if logs.Len() != 0 {
				t.Errorf("a delivered message was logged as a failure: %s", logs.String())
			}
		})
	}
}

// A send that keeps failing is given up after WithSendAttempts attempts,
// with a backoff doubling between them, and the failure logged once.
func TestNotifierGivesUpAfterSendAttempts(t *testing.T) {
	for _, nt := range notifiers {
		t.Run(nt.channel, func(t *testing.T) {
			clock := fakeclock.New(notifyAt)
			var logs bytes.Buffer
			sender := newScriptedSender(func(int, context.Context) error { return errTryLater })
			n := nt.build(sender, boxoffice.WithNotifierClock(clock), boxoffice.WithSendTimeout(-1), boxoffice.WithSendAttempts(4),
				boxoffice.WithNotifierLogger(bufferLogger(&logs, slog.LevelDebug)))
			done := notifyAsync(t.Context(), n, &boxoffice.HoldExpired{EventMeta: notifyMeta, Seats: []string{"A1"}})
			for _, backoff := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} { // the default, doubling
				if err := clock.WaitForTimers(t.Context(), 1); err != nil {
					t.Fatal(err)
				}
				clock.Advance(backoff)
			}
			waitDone(t, done, "Notify")
			if calls, _, _ := sender.snapshot(); calls != 4 {
				t.Errorf("%d attempts; want 4", calls)
			}
			want := fmt.Sprintf("level=ERROR msg=\"boxoffice: notification not sent\" channel=%s step=send kind=hold_expired "+
				"show=show-1 booking=0b5e6f1a-7c2d-4e8f-9a01-23456789abcd user=ann err=\"%s (gave up after 4 attempts)\"\n", nt.channel, errTryLater)
			if got := logs.String(); got != want {
				t.Errorf("log:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// A send that hangs, ignoring its ctx, times out on the notifier's Clock:
// its ctx is cancelled, it counts as a failed attempt (retried, or logged
// once the attempts are used up), and the next message goes through
// instead of waiting behind it.
func TestNotifierSendTimeout(t *testing.T) {
	tests := []struct {
		name      string
		attempts  int
		delivered int // of the hung message
	}{
		{"given up", 1, 0},
		{"retried", 2, 1},
	}
	for _, nt := range notifiers {
		for _, tt := range tests {
			t.Run(nt.channel+"/"+tt.name, func(t *testing.T) {
				clock := fakeclock.New(notifyAt)
				var logs bytes.Buffer
				release := make(chan struct{})
				cancelled := make(chan bool, 1)
				sender := newScriptedSender(func(call int, ctx context.Context) error {
					if call == 1 {
						<-release // hangs, whatever ctx says
						cancelled <- ctx.Err() != nil
					}
					return nil
				})
				defer func() {
					close(release)
					select {
					case c := <-cancelled:
						if !c {
							t.Error("the timed-out send's ctx was not cancelled")
						}
					case <-time.After(hangBound):
						t.Errorf("waited %v for the hung send to return", hangBound)
					}
				}()
				n := nt.build(sender, boxoffice.WithNotifierClock(clock), boxoffice.WithSendAttempts(tt.attempts),
					boxoffice.WithSendBackoff(-1), boxoffice.WithNotifierLogger(bufferLogger(&logs, slog.LevelDebug)))
				held := &boxoffice.SeatsHeld{EventMeta: notifyMeta, Seats: []string{"A1"}, HeldUntil: notifyAt.Add(10 * time.Minute)}
				done := notifyAsync(t.Context(), n, held)
				recv(t, sender.attempts, "the first send")
				if err := clock.WaitForTimers(t.Context(), 1); err != nil { // the send timeout
					t.Fatal(err)
				}
				wantDoneAtSendTimeout(t, clock, done, "Notify of the hung message")

				confirmed := &boxoffice.BookingConfirmed{EventMeta: notifyMeta, Seats: []string{"A1"}, Total: 1500}
				waitDone(t, notifyAsync(t.Context(), n, confirmed), "Notify of the next message")
				_, _, bodies := sender.snapshot()
				if len(bodies) != tt.delivered+1 {
					t.Errorf("delivered %q; want the hung message %d times, then the next", bodies, tt.delivered)
				}
				logged := strings.Contains(logs.String(), "send timed out")
				if want := tt.delivered == 0; logged != want {
					t.Errorf("log %q; want a timeout logged: %v", logs.String(), want)
				}
			})
		}
	}
}

// wantDoneAtSendTimeout advances clock to a nanosecond before the default
// send timeout of 30 s, then to it, and checks that done closes then and
// not before.
func wantDoneAtSendTimeout(t *testing.T, clock *fakeclock.Clock, done <-chan struct{}, what string) {
	t.Helper()
	clock.Advance(30*time.Second - time.Nanosecond)
	select {
	case <-done:
		t.Fatalf("%s returned before the default send timeout of 30 s", what)
	default:
	}
	clock.Advance(time.Nanosecond)
	waitDone(t, done, what)
}

// hangingContacts is a ContactBook whose first lookup says it entered,
// hangs until release is closed, whatever its ctx says, then reports
// whether that ctx was cancelled; later lookups answer from
// notifyContacts.
type hangingContacts struct {
	calls     atomic.Int32
	entered   chan struct{}
	release   chan struct{}
	cancelled chan bool
}

func (h *hangingContacts) Contact(ctx context.Context, userID string) (boxoffice.Contact, error) {
	if h.calls.Add(1) == 1 {
		close(h.entered)
		<-h.release
		h.cancelled <- ctx.Err() != nil
	}
	return notifyContacts.Contact(ctx, userID)
}

// TestNotifierContactLookupTimeout: a ContactBook lookup that hangs is
// bounded by the send timeout, like a send, so that a contact database
// that stops answering cannot hold up every later message of the
// observer's queue. The message whose lookup timed out is not sent (a
// lookup is not retried), and the failure is logged.
func TestNotifierContactLookupTimeout(t *testing.T) {
	builds := []struct {
		channel string
		build   func(s *scriptedSender, book boxoffice.ContactBook, opts ...boxoffice.NotifierOption) boxoffice.Observer
	}{
		{"email", func(s *scriptedSender, book boxoffice.ContactBook, opts ...boxoffice.NotifierOption) boxoffice.Observer {
			return boxoffice.NewEmailNotifier(s, book, opts...)
		}},
		{"sms", func(s *scriptedSender, book boxoffice.ContactBook, opts ...boxoffice.NotifierOption) boxoffice.Observer {
			return boxoffice.NewSMSNotifier(s, book, opts...)
		}},
	}
	for _, nt := range builds {
		t.Run(nt.channel, func(t *testing.T) {
			clock := fakeclock.New(notifyAt)
			var logs bytes.Buffer
			book := &hangingContacts{entered: make(chan struct{}), release: make(chan struct{}), cancelled: make(chan bool, 1)}
			defer func() {
				close(book.release)
				select {
				case c := <-book.cancelled:
					if !c {
						t.Error("the timed-out lookup's ctx was not cancelled")
					}
				case <-time.After(hangBound):
					t.Errorf("waited %v for the hung lookup to return", hangBound)
				}
			}()
			sender := newScriptedSender(func(int, context.Context) error { return nil })
			n := nt.build(sender, book, boxoffice.WithNotifierClock(clock),
				boxoffice.WithNotifierLogger(bufferLogger(&logs, slog.LevelDebug)))
			held := &boxoffice.SeatsHeld{EventMeta: notifyMeta, Seats: []string{"A1"}, HeldUntil: notifyAt.Add(10 * time.Minute)}
			done := notifyAsync(t.Context(), n, held)
			// This message's lookup is the one that hangs: the next
			// message's, made first, would hang instead.
			waitDone(t, book.entered, "the first lookup")
			// The lookup's timeout; without one, none comes.
			waitCtx, cancel := context.WithTimeout(t.Context(), hangBound)
			defer cancel()
			if err := clock.WaitForTimers(waitCtx, 1); err != nil {
				t.Fatalf("no timer armed for the hung lookup within %v: %v", hangBound, err)
			}
			wantDoneAtSendTimeout(t, clock, done, "Notify of the message whose lookup hangs")
			if !strings.Contains(logs.String(), "contact lookup timed out") {
				t.Errorf("log %q; want the lookup's timeout", logs.String())
			}

			confirmed := &boxoffice.BookingConfirmed{EventMeta: notifyMeta, Seats: []string{"A1"}, Total: 1500}
			waitDone(t, notifyAsync(t.Context(), n, confirmed), "Notify of the next message")
			if _, _, bodies := sender.snapshot(); len(bodies) != 1 {
				t.Errorf("delivered %q; want only the next message", bodies)
			}
		})
	}
}

// Once the notifier's ctx ends (the BookingSystem's Close cancels it when
// it stops waiting), a message waiting for its retry is given up at once.
func TestNotifierStopsRetryingWhenItsContextEnds(t *testing.T) {
	for _, nt := range notifiers {
		t.Run(nt.channel, func(t *testing.T) {
			clock := fakeclock.New(notifyAt)
			var logs bytes.Buffer
			sender := newScriptedSender(func(int, context.Context) error { return errTryLater })
			n := nt.build(sender, boxoffice.WithNotifierClock(clock), boxoffice.WithSendTimeout(-1),
				boxoffice.WithNotifierLogger(bufferLogger(&logs, slog.LevelDebug)))
			ctx, cancel := context.WithCancel(t.Context())
			done := notifyAsync(ctx, n, &boxoffice.HoldExpired{EventMeta: notifyMeta, Seats: []string{"A1"}})
			recv(t, sender.attempts, "the first send")
			if err := clock.WaitForTimers(t.Context(), 1); err != nil { // the backoff
				t.Fatal(err)
			}
			cancel()
			waitDone(t, done, "Notify")
			if calls, _, _ := sender.snapshot(); calls != 1 {
				t.Errorf("%d attempts after the ctx ended; want 1", calls)
			}
			if !strings.Contains(logs.String(), "gave up after 1 attempt: context canceled") {
				t.Errorf("log %q; want the give-up logged", logs.String())
			}
		})
	}
}

// Through a BookingSystem: a confirmation whose first send fails is still
// delivered once Close has drained the observers; and Close, once its ctx
// ends, stops a notifier that would retry for an hour.
func TestNotifierRetriesUnderTheBookingSystem(t *testing.T) {
	t.Run("transient failure", func(t *testing.T) {
		sender := newScriptedSender(func(call int, _ context.Context) error {
			if call == 2 { // the confirmation's first send; the hold's is the first
				return errTryLater
			}
			return nil
		})
		mail := boxoffice.NewEmailNotifier(sender, boxoffice.ContactMap{"alice": {Email: "alice@example.com"}},
			boxoffice.WithSendBackoff(-1), boxoffice.WithNotifierLogger(slog.New(slog.DiscardHandler)))
		f := newFixture(t, func(c *boxoffice.Config) { c.Observers = []boxoffice.Observer{mail} })
		f.confirm(f.hold("alice", "A1"))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := f.sys.Close(ctx); err != nil {
			t.Fatal(err)
		}
		calls, _, bodies := sender.snapshot()
		want := []string{"Seats held for show S1", "Booking confirmed for show S1"}
		if !slices.Equal(bodies, want) || calls != 3 {
			t.Fatalf("%d sends delivered %q; want 3 sends delivering %q", calls, bodies, want)
		}
	})
	t.Run("Close stops retries", func(t *testing.T) {
		var logs syncBuffer
		sender := newScriptedSender(func(int, context.Context) error { return errTryLater })
		f := newFixture(t, func(c *boxoffice.Config) {
			c.Observers = []boxoffice.Observer{boxoffice.NewEmailNotifier(sender, boxoffice.ContactMap{"alice": {Email: "alice@example.com"}},
				boxoffice.WithNotifierClock(c.Clock), boxoffice.WithSendBackoff(time.Hour),
				boxoffice.WithNotifierLogger(slog.New(slog.NewTextHandler(&logs, nil))))}
		})
		f.hold("alice", "A1")
		recv(t, sender.attempts, "the hold's first send") // and now waiting an hour of the fake clock
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := f.sys.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Close: %v; want it to give up on the busy notifier", err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(logs.String(), "context canceled") {
			if time.Now().After(deadline) {
				t.Fatalf("the notifier still retries after Close; log %q", logs.String())
			}
			time.Sleep(time.Millisecond)
		}
		if calls, _, _ := sender.snapshot(); calls != 1 {
			t.Errorf("%d attempts; want 1", calls)
		}
	})
}

// A confirm whose charge went through while its hold was lost, and whose
// void then failed: the customer was charged 22.50 and is owed it.
// PaymentFailed says so (OwedMoney), and the email tells of the money
// taken and being refunded instead of a payment that "did not go
// through"; once the refund is paid, the second email tells of it. The first email used to say nothing of the money.
func TestPaymentFailedTellsOfMoneyTakenThenRefunded(t *testing.T) {
	var out bytes.Buffer
	events := make(chan boxoffice.Event, 100)
	mail := boxoffice.NewEmailNotifier(boxoffice.NewPrintSender(&out), boxoffice.ContactMap{"alice": {Email: "alice@example.com"}})
	f := newFixture(t, func(c *boxoffice.Config) {
		c.PaymentAttempts = 1
		c.PaymentTimeout = time.Hour // the charge lasts 10 minutes on the clock (gateway.before)
		// one observer: the email is written before the event is forwarded
		c.Observers = []boxoffice.Observer{boxoffice.ObserverFunc(func(ctx context.Context, e boxoffice.Event) { mail.Notify(ctx, e); events <- e })}
	})
	f.gateway.refunds = []error{errGatewayDown}
	a := f.hold("alice", "A1") // VIP: 22.50
	f.gateway.before = func() {
		f.gateway.before = nil
		f.clock.Advance(10 * time.Minute)
		f.hold("bob", "A1")
	}
	if _, err := f.sys.ConfirmBooking(f.ctx, a.ID, "card"); !errors.Is(err, boxoffice.ErrPaymentFailed) {
		t.Fatalf("confirm: %v", err)
	}
	nextFailure := func() *boxoffice.PaymentFailed {
		t.Helper()
		for {
			select {
			case e := <-events:
				if pf, ok := e.(*boxoffice.PaymentFailed); ok && pf.BookingID == a.ID {
					return pf
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no PaymentFailed")
			}
		}
	}
	lastEmail := func() string {
		body := out.String()
		return body[strings.LastIndex(body, "Subject: Payment failed"):]
	}

	pf := nextFailure()
	if pf.OwedMoney != 2250 || pf.Refund.Amount != 0 {
		t.Errorf("first PaymentFailed: OwedMoney %s, Refund %s; want 22.50 owed, nothing refunded yet", pf.OwedMoney, pf.Refund.Amount)
	}
	if body := lastEmail(); !strings.Contains(body, "We took $22.50 for it, which is being refunded to you.") ||
		strings.Contains(body, "did not go through") {
		t.Errorf("alice was charged $22.50 and is owed it; her email says:\n%s", body)
	}

	// The customer retries, which retries the void at once, as the
	// background retry would later (both give the money back in
	// voidLostPayment).
	if _, err := f.sys.ConfirmBooking(f.ctx, a.ID, "card"); !errors.Is(err, boxoffice.ErrPaymentFailed) {
		t.Fatalf("confirm again: %v", err)
	}
	pf = nextFailure()
	if pf.OwedMoney != 0 || pf.Refund.Amount != 2250 {
		t.Errorf("PaymentFailed after the refund: OwedMoney %s, Refund %s; want nothing owed, 22.50 refunded", pf.OwedMoney, pf.Refund.Amount)
	}
	if body := lastEmail(); !strings.Contains(body, "The $22.50 we took has been refunded") || strings.Contains(body, "did not go through") {
		t.Errorf("the refund's email says:\n%s", body)
	}
	if n := strings.Count(out.String(), "Subject: Payment failed"); n != 2 {
		t.Errorf("%d 'Payment failed' emails; want 2: the money owed, then refunded", n)
	}
}

// TestMessageKeyTellsPaymentFailuresApart: the PaymentFailed events of one
// booking committed at one instant of the Clock (a fake clock, a coarse
// one) have distinct keys when they tell of different money: nothing
// taken, taken and owed, refunded, refunded again after a late charge.
// They shared the key of booking, kind and time, so a sender dropping a
// key it has delivered dropped the refund's notice. The same event, or a
// copy of it, keeps its key, for a retried send to be dropped.
func TestMessageKeyTellsPaymentFailuresApart(t *testing.T) {
	failed := func(refunded, owed boxoffice.Money) *boxoffice.PaymentFailed {
		pf := &boxoffice.PaymentFailed{EventMeta: notifyMeta, Seats: []string{"A1"}, Reason: "hold lost during payment", OwedMoney: owed}
		if refunded > 0 {
			pf.Refund = boxoffice.Refund{Amount: refunded, Percent: 100, Reference: "re_1", RefundedAt: notifyAt}
		}
		return pf
	}
	events := []struct {
		name string
		e    *boxoffice.PaymentFailed
	}{
		{"nothing taken", failed(0, 0)},
		{"taken, owed", failed(0, 1500)},
		{"refunded", failed(1500, 0)},
		{"a late charge owed", failed(1500, 700)},
		{"the late charge refunded too", failed(2200, 0)},
	}
	seen := map[string]string{}
	for _, ev := range events {
		key := boxoffice.MessageKey(ev.e)
		if other, dup := seen[key]; dup {
			t.Errorf("%q and %q share the key %q", other, ev.name, key)
		}
		seen[key] = ev.name
		clone := *ev.e
		if again, ofCopy := boxoffice.MessageKey(ev.e), boxoffice.MessageKey(&clone); again != key || ofCopy != key {
			t.Errorf("%s: keys %q, then %q, and %q for a copy; want one key", ev.name, key, again, ofCopy)
		}
	}
	// Events of a show: its ID stands for the booking's.
	cancelled := func(show string) *boxoffice.ShowCancelled {
		return &boxoffice.ShowCancelled{EventMeta: boxoffice.EventMeta{At: notifyAt, ShowID: show}}
	}
	if a, b := boxoffice.MessageKey(cancelled("S1")), boxoffice.MessageKey(cancelled("S2")); a == b || a != "show:S1:show_cancelled:2026-03-14T18:00:00Z" {
		t.Errorf("two shows cancelled in one instant: keys %q and %q; want show:S1:show_cancelled:2026-03-14T18:00:00Z and another", a, b)
	}
	// Other events keep the key of booking, kind and time.
	confirmed := &boxoffice.BookingConfirmed{EventMeta: notifyMeta, Seats: []string{"A1"}, Total: 1500}
	if got, want := boxoffice.MessageKey(confirmed), "0b5e6f1a-7c2d-4e8f-9a01-23456789abcd:booking_confirmed:2026-03-14T18:00:00Z"; got != want {
		t.Errorf("MessageKey(BookingConfirmed) = %q, want %q", got, want)
	}
}

// dedupSender is an EmailSender that drops a message whose idempotency
// key it has delivered, as EmailMessage.IdempotencyKey asks.
type dedupSender struct {
	mu        sync.Mutex
	keys      map[string]bool
	delivered []boxoffice.EmailMessage
}

func (s *dedupSender) SendEmail(_ context.Context, m boxoffice.EmailMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.keys[m.IdempotencyKey] {
		s.keys[m.IdempotencyKey] = true
		s.delivered = append(s.delivered, m)
	}
	return nil
}

// TestRefundNoticeNotDroppedAsDuplicate: the charge goes through with its
// answer lost, the void fails, and the customer's retry gives the money
// back, all at one instant of the Clock. A sender that drops repeated
// idempotency keys delivers both PaymentFailed emails: the money owed,
// then refunded. The refund's email had the failure's key and was dropped.
func TestRefundNoticeNotDroppedAsDuplicate(t *testing.T) {
	sender := &dedupSender{keys: map[string]bool{}}
	mail := boxoffice.NewEmailNotifier(sender, boxoffice.ContactMap{"alice": {Email: "alice@example.com"}})
	events := make(chan boxoffice.Event, 100)
	f := newFixture(t, func(c *boxoffice.Config) {
		c.PaymentAttempts = 1
		// one observer: the email is sent before the event is forwarded
		c.Observers = []boxoffice.Observer{boxoffice.ObserverFunc(func(ctx context.Context, e boxoffice.Event) { mail.Notify(ctx, e); events <- e })}
	})
	b := f.hold("alice", "A1")
	f.gateway.script(chargeOutcome{err: errGatewayDown, applied: true}) // charged, answer lost
	f.gateway.mu.Lock()
	f.gateway.refunds = []error{errGatewayDown} // the first void fails
	f.gateway.mu.Unlock()
	for range 2 { // the second retries the void at once
		if _, err := f.sys.ConfirmBooking(f.ctx, b.ID, "card"); !errors.Is(err, boxoffice.ErrPaymentFailed) {
			t.Fatalf("ConfirmBooking: %v", err)
		}
	}
	var failed []*boxoffice.PaymentFailed
	for len(failed) < 2 {
		select {
		case e := <-events:
			if pf, ok := e.(*boxoffice.PaymentFailed); ok && pf.BookingID == b.ID {
				failed = append(failed, pf)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%d PaymentFailed events; want the failure and the refund", len(failed))
		}
	}
	if owed, refunded := failed[0], failed[1]; owed.OwedMoney == 0 || refunded.Refund.Amount == 0 || !owed.At.Equal(refunded.At) {
		t.Fatalf("events: %+v, then %+v; want money owed, then refunded, at one instant", owed, refunded)
	}
	sender.mu.Lock()
	defer sender.mu.Unlock()
	var bodies []string
	for _, m := range sender.delivered {
		if m.Subject == "Payment failed for show "+f.show.ID {
			bodies = append(bodies, m.Body)
		}
	}
	if len(bodies) != 2 || !strings.Contains(bodies[0], "is being refunded to you") || !strings.Contains(bodies[1], "has been refunded") {
		t.Errorf("delivered %d 'Payment failed' emails: %q; want the money owed, then refunded", len(bodies), bodies)
	}
}

func TestMessageKeyOfNilEvents(t *testing.T) {
	for _, e := range []boxoffice.Event{nil, (*boxoffice.PaymentFailed)(nil), (*boxoffice.BookingConfirmed)(nil)} {
		if key := boxoffice.MessageKey(e); key != "" {
			t.Errorf("MessageKey(%#v) = %q, want \"\"", e, key)
		}
	}
}

// returnedClock is a Clock whose timers have fired already, but whose
// channel a select reads only once the send under way has returned: the
// send timeout and the send's success come together.
type returnedClock struct{ returned chan struct{} }

func (c returnedClock) Now() time.Time { return notifyAt }
func (c returnedClock) NewTimer(time.Duration) boxoffice.Timer {
	ch := make(chan time.Time, 1)
	ch <- notifyAt
	return returnedTimer{c: ch, clock: c}
}

type returnedTimer struct {
	c     chan time.Time
	clock returnedClock
}

func (t returnedTimer) C() <-chan time.Time {
	<-t.clock.returned
	// Until the send's goroutine has handed its answer over and ended
	// (bounded: a spin, not a sleep).
	buf := make([]byte, 1<<20)
	for range 10000 {
		if !bytes.Contains(buf[:runtime.Stack(buf, true)], []byte("created by github.com/boxoffice-go/boxoffice.(*notifierConfig).sendOnce")) {
			break
		}
		runtime.Gosched()
	}
	return t.c
}
func (t returnedTimer) Stop() bool                 { return false }
func (t returnedTimer) Reset(d time.Duration) bool { return false }

type countingEmail struct {
	sent     atomic.Int64
	returned chan struct{}
}

func (s *countingEmail) SendEmail(ctx context.Context, m boxoffice.EmailMessage) error {
	s.sent.Add(1)
	close(s.returned)
	return nil
}

// A send that succeeded as its timeout ran out is a success: it is not
// sent again (a second email to the customer, under a sender that cannot
// drop a repeated key).
func TestNotifierDoesNotResendASendThatSucceededAtItsTimeout(t *testing.T) {
	for i := range 100 {
		s := &countingEmail{returned: make(chan struct{})}
		n := boxoffice.NewEmailNotifier(s, notifyContacts, boxoffice.WithNotifierClock(returnedClock{s.returned}),
			boxoffice.WithSendAttempts(2), boxoffice.WithSendBackoff(-1),
			boxoffice.WithNotifierLogger(slog.New(slog.DiscardHandler)))
		held := &boxoffice.SeatsHeld{EventMeta: notifyMeta, Seats: []string{"A1"}, HeldUntil: notifyAt.Add(10 * time.Minute)}
		n.Notify(t.Context(), held) // a second send panics (returned closed): a failed send, counted
		if got := s.sent.Load(); got != 1 {
			t.Fatalf("run %d: the message was sent %d times; want once", i, got)
		}
	}
}
