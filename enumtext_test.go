package boxoffice_test

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// enumType is what the text form asks of an enumerated type.
type enumType interface {
	~uint8
	fmt.Stringer
	encoding.TextMarshaler
}

// enumTable is one enumerated type's text form: the name of every value
// that has one (the names are a format Stores keep: pinned here), whether
// its zero value is the empty text, its Parse function, and texts it must
// refuse besides the common ones.
type enumTable[T enumType] struct {
	names     map[T]string
	zeroEmpty bool
	parse     func(string) (T, error)
	bad       []string
}

// TestEnumText round-trips every value of every enumerated type through
// MarshalText and UnmarshalText, its Parse function, and encoding/json, and
// checks that every other uint8 value is refused by MarshalText (and so by
// json.Marshal) with ErrInvalidArgument, as is every text that is not a
// name.
func TestEnumText(t *testing.T) {
	t.Run("BookingStatus", func(t *testing.T) {
		testEnumText(t, enumTable[boxoffice.BookingStatus]{
			names: map[boxoffice.BookingStatus]string{
				boxoffice.StatusHeld: "held", boxoffice.StatusPaying: "paying", boxoffice.StatusConfirmed: "confirmed",
				boxoffice.StatusCancelled: "cancelled", boxoffice.StatusCompleted: "completed",
				boxoffice.StatusExpired: "expired", boxoffice.StatusReleased: "released", boxoffice.StatusFailed: "failed",
			},
			zeroEmpty: true, parse: boxoffice.ParseBookingStatus,
			bad: []string{"unknown", "Held", "HELD", "none", "1"},
		})
	})
	t.Run("SeatStatus", func(t *testing.T) {
		testEnumText(t, enumTable[boxoffice.SeatStatus]{
			names: map[boxoffice.SeatStatus]string{
				boxoffice.SeatAvailable: "available", boxoffice.SeatHeld: "held", boxoffice.SeatBooked: "booked",
			},
			parse: boxoffice.ParseSeatStatus,
			bad:   []string{"Available", "sold", "SeatStatus(3)", "0"},
		})
	})
	t.Run("SeatType", func(t *testing.T) {
		testEnumText(t, enumTable[boxoffice.SeatType]{
			names: map[boxoffice.SeatType]string{
				boxoffice.Regular: "Regular", boxoffice.Premium: "Premium", boxoffice.VIP: "VIP",
			},
			parse: boxoffice.ParseSeatType,
			bad:   []string{"regular", "vip", "Vip", "SeatType(3)", "R", "0"},
		})
	})
	t.Run("PaymentFailureKind", func(t *testing.T) {
		testEnumText(t, enumTable[boxoffice.PaymentFailureKind]{
			names: map[boxoffice.PaymentFailureKind]string{
				0: "none", boxoffice.FailureDeclined: "declined", boxoffice.FailureTimedOut: "timed out",
				boxoffice.FailureGatewayError: "gateway error", boxoffice.FailureHoldLost: "hold lost",
				boxoffice.FailureShowStarted: "show started",
			},
			parse: boxoffice.ParsePaymentFailureKind,
			bad:   []string{"Declined", "timed_out", "timedout", "PaymentFailureKind(6)"},
		})
	})
	t.Run("SeatProblemKind", func(t *testing.T) {
		testEnumText(t, enumTable[boxoffice.SeatProblemKind]{
			names: map[boxoffice.SeatProblemKind]string{
				boxoffice.SeatUnknown: "unknown seat", boxoffice.SeatDuplicate: "listed twice",
				boxoffice.SeatHeldByOther: "held by another customer",
				boxoffice.SeatHeldByYou:   "already held by you in another booking", boxoffice.SeatSold: "sold",
			},
			zeroEmpty: true, parse: boxoffice.ParseSeatProblemKind,
			bad: []string{"Sold", "unknown", "SeatProblemKind(0)"},
		})
	})
}

func testEnumText[T enumType, P interface {
	*T
	encoding.TextUnmarshaler
}](t *testing.T, tt enumTable[T]) {
	t.Helper()
	for i := range 256 {
		v := T(i)
		name, named := tt.names[v]
		empty := v == 0 && tt.zeroEmpty
		text, err := v.MarshalText()
		js, jsErr := json.Marshal(v)
		switch {
		case named || empty:
			if err != nil || string(text) != name {
				t.Errorf("%d: MarshalText = %q, %v; want %q", i, text, err, name)
			}
			if named && v.String() != name {
				t.Errorf("%d: String = %q; MarshalText writes %q", i, v.String(), name)
			}
			if want := strconv.Quote(name); jsErr != nil || string(js) != want {
				t.Errorf("%d: json.Marshal = %s, %v; want %s", i, js, jsErr, want)
			}
			back := T(0xff) // not a value of any of these types
			if err := P(&back).UnmarshalText([]byte(name)); err != nil || back != v {
				t.Errorf("UnmarshalText(%q) = %v, %v; want %v", name, back, err, v)
			}
			back = T(0xff)
			if err := json.Unmarshal(js, &back); err != nil || back != v {
				t.Errorf("json.Unmarshal(%s) = %v, %v; want %v", js, back, err, v)
			}
			parsed, err := tt.parse(name)
			switch {
			case named && (err != nil || parsed != v):
				t.Errorf("Parse(%q) = %v, %v; want %v", name, parsed, err, v)
			case empty && !errors.Is(err, boxoffice.ErrInvalidArgument):
				t.Errorf("Parse(%q) = %v, %v; the empty text is the zero value for UnmarshalText only", name, parsed, err)
			}
		default:
			if !errors.Is(err, boxoffice.ErrInvalidArgument) {
				t.Errorf("%d (String %q): MarshalText = %q, %v; want ErrInvalidArgument", i, v.String(), text, err)
			}
			if !errors.Is(jsErr, boxoffice.ErrInvalidArgument) {
				t.Errorf("%d: json.Marshal = %s, %v; want ErrInvalidArgument", i, js, jsErr)
			}
		}
	}
	bad := append([]string{" ", "\x00", "null"}, tt.bad...)
	if !tt.zeroEmpty {
		bad = append(bad, "")
	}
	for _, name := range tt.names {
		bad = append(bad, name+" ", " "+name, name+"\x00")
	}
	for _, s := range bad {
		v := T(0xff)
		if err := P(&v).UnmarshalText([]byte(s)); !errors.Is(err, boxoffice.ErrInvalidArgument) || v != 0xff {
			t.Errorf("UnmarshalText(%q) = %v, %v; want ErrInvalidArgument and the value unchanged", s, v, err)
		}
		if _, err := tt.parse(s); !errors.Is(err, boxoffice.ErrInvalidArgument) {
			t.Errorf("Parse(%q): %v; want ErrInvalidArgument", s, err)
		}
		js, _ := json.Marshal(s)
		if err := json.Unmarshal(js, &v); !errors.Is(err, boxoffice.ErrInvalidArgument) {
			t.Errorf("json.Unmarshal(%s): %v; want ErrInvalidArgument", js, err)
		}
	}
}

// TestBookingJSONRoundTrip: a Booking, as a Store returns it, survives
// encoding/json whole, its enumerated fields as names; the zero Booking
// too (the one that comes with most errors).
func TestBookingJSONRoundTrip(t *testing.T) {
	for _, b := range []boxoffice.Booking{declinedBooking(), {}} {
		js, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("json.Marshal(%+v): %v", b, err)
		}
		var back boxoffice.Booking
		if err := json.Unmarshal(js, &back); err != nil {
			t.Fatalf("json.Unmarshal(%s): %v", js, err)
		}
		if !reflect.DeepEqual(back, b) {
			t.Errorf("round trip of %s gave\n%+v\nwant\n%+v", js, back, b)
		}
	}
	// A status outside the lifecycle is not written as a number, nor as
	// "unknown", which would not read back.
	bad := declinedBooking()
	bad.Status = 9
	if js, err := json.Marshal(bad); !errors.Is(err, boxoffice.ErrInvalidArgument) {
		t.Errorf("json.Marshal of a booking of status 9 = %s, %v; want ErrInvalidArgument", js, err)
	}
}

// FuzzEnumText: whatever text a type's UnmarshalText accepts, its
// MarshalText writes back exactly: one name per value, none accepted that
// is not written.
func FuzzEnumText(f *testing.F) {
	for _, s := range []string{"", "held", "Premium", "premium", "timed out", "sold", "available", "none", "unknown"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enumRoundTrip(t, s, new(boxoffice.BookingStatus))
		enumRoundTrip(t, s, new(boxoffice.SeatStatus))
		enumRoundTrip(t, s, new(boxoffice.SeatType))
		enumRoundTrip(t, s, new(boxoffice.PaymentFailureKind))
		enumRoundTrip(t, s, new(boxoffice.SeatProblemKind))
	})
}

func enumRoundTrip[P interface {
	encoding.TextUnmarshaler
	encoding.TextMarshaler
}](t *testing.T, s string, v P) {
	if err := v.UnmarshalText([]byte(s)); err != nil {
		if !errors.Is(err, boxoffice.ErrInvalidArgument) {
			t.Errorf("%T.UnmarshalText(%q): %v; want ErrInvalidArgument", v, s, err)
		}
		return
	}
	text, err := v.MarshalText()
	if err != nil || string(text) != s {
		t.Errorf("%T: UnmarshalText(%q), then MarshalText = %q, %v", v, s, text, err)
	}
}
