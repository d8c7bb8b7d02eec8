package pgstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestInventoryRoundTrip(t *testing.T) {
	loc := time.FixedZone("UTC+5", 5*3600)
	tests := []struct {
		name string
		slot boxoffice.SeatSlot
		want time.Time // the deadline read back
	}{
		{"available", boxoffice.SeatSlot{}, time.Time{}},
		{"held", boxoffice.SeatSlot{Status: boxoffice.SeatHeld, Booking: boxoffice.NewBookingID(),
			HeldUntil: time.Date(2030, 3, 8, 18, 0, 0, 123456789, loc)}, time.Date(2030, 3, 8, 13, 0, 0, 123456000, time.UTC)},
		{"booked", boxoffice.SeatSlot{Status: boxoffice.SeatBooked, Booking: boxoffice.NewBookingID()}, time.Time{}},
		{"before 1970", boxoffice.SeatSlot{Status: boxoffice.SeatHeld, HeldUntil: time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC)},
			time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC)},
		{"the epoch", boxoffice.SeatSlot{Status: boxoffice.SeatHeld, HeldUntil: time.Unix(0, 0)}, time.Unix(0, 0).UTC()},
	}
	for _, tc := range tests {
		inv := newInventory(3)
		if inv.setSlot(1, boxoffice.SeatSlot{}) {
			t.Errorf("%s: writing an available slot over an available one reports a change", tc.name)
		}
		changed := inv.setSlot(1, tc.slot)
		if changed != (tc.slot != boxoffice.SeatSlot{}) {
			t.Errorf("%s: setSlot reported changed=%v", tc.name, changed)
		}
		got := inv.slot(1)
		if got.Status != tc.slot.Status || got.Booking != tc.slot.Booking || !got.HeldUntil.Equal(tc.want) ||
			got.HeldUntil.IsZero() != tc.want.IsZero() {
			t.Errorf("%s: read back %+v, want %+v with deadline %v", tc.name, got, tc.slot, tc.want)
		}
		if inv.slot(0) != (boxoffice.SeatSlot{}) || inv.slot(2) != (boxoffice.SeatSlot{}) {
			t.Errorf("%s: writing slot 1 changed its neighbours", tc.name)
		}
	}
	if err := checkInventory("s", make([]byte, 2*slotSize+1)); err == nil {
		t.Error("an inventory of a partial slot passed the check")
	}
}

func FuzzInventory(f *testing.F) {
	f.Add(uint8(1), int64(0), []byte("0123456789abcdef"))
	f.Fuzz(func(t *testing.T, status uint8, nanos int64, id []byte) {
		var slot boxoffice.SeatSlot
		slot.Status = boxoffice.SeatStatus(status)
		copy(slot.Booking[:], id)
		if nanos != 0 {
			slot.HeldUntil = time.Unix(0, nanos)
		}
		inv := newInventory(1)
		inv.setSlot(0, slot)
		got := inv.slot(0)
		if got.Status != slot.Status || got.Booking != slot.Booking || !got.HeldUntil.Equal(slot.HeldUntil.Truncate(time.Microsecond)) {
			t.Fatalf("round trip of %+v gave %+v", slot, got)
		}
	})
}

func TestRetry(t *testing.T) {
	serialization := &pgconn.PgError{Code: codeSerializationFailure}
	deadlock := &pgconn.PgError{Code: codeDeadlockDetected}
	other := &pgconn.PgError{Code: codeUniqueViolation}
	tests := []struct {
		name       string
		maxRetries int
		errs       []error // returned by successive attempts; nil after the last
		wantCalls  int
		wantIs     []error
	}{
		{"success", 10, nil, 1, nil},
		{"retried then success", 10, []error{serialization, deadlock}, 3, nil},
		{"exhausted", 2, []error{serialization, deadlock, serialization, serialization}, 3, []error{boxoffice.ErrConflict, serialization}},
		{"no retries", -1, []error{deadlock}, 1, []error{boxoffice.ErrConflict}},
		{"other errors are not retried", 10, []error{other}, 1, []error{other}},
		{"fn's errors are not retried", 10, []error{&fnError{serialization}}, 1, nil},
	}
	for _, tc := range tests {
		opts, err := Options{MaxRetries: tc.maxRetries}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		s := &Store{maxRetries: opts.MaxRetries}
		calls := 0
		err = s.retry(context.Background(), func() error {
			calls++
			if calls <= len(tc.errs) {
				return tc.errs[calls-1]
			}
			return nil
		})
		if calls != tc.wantCalls {
			t.Errorf("%s: %d attempts, want %d", tc.name, calls, tc.wantCalls)
		}
		for _, target := range tc.wantIs {
			if !errors.Is(err, target) {
				t.Errorf("%s: error %v does not match %v", tc.name, err, target)
			}
		}
		if tc.wantIs == nil && tc.name != "fn's errors are not retried" && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}

	// A cancelled context stops the backoff.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := &Store{maxRetries: 10}
	if err := s.retry(ctx, func() error { return serialization }); !errors.Is(err, context.Canceled) {
		t.Errorf("retry with a cancelled context: %v", err)
	}
}

// TestStoredSeatTypes pins bookings.seats as every version of this package
// has written it: the seat type by name, as SeatType.String (and its text
// form) writes it. Rows already stored must keep reading back; a type
// that is not one of those names, or none, is refused, not read as
// Regular.
func TestStoredSeatTypes(t *testing.T) {
	const stored = `[{"id":"A1","type":"Regular","price":1000},{"id":"C4","type":"Premium","price":1300},{"id":"F9","type":"VIP","price":1500}]`
	want := []boxoffice.BookingSeat{{ID: "A1", Type: boxoffice.Regular, Price: 1000},
		{ID: "C4", Type: boxoffice.Premium, Price: 1300}, {ID: "F9", Type: boxoffice.VIP, Price: 1500}}
	got, err := decodeSeats([]byte(stored))
	if err != nil || len(got) != len(want) {
		t.Fatalf("decodeSeats(%s) = %v, %v", stored, got, err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("seat %d: %+v; want %+v", i, got[i], want[i])
		}
	}
	if enc, err := encodeSeats(want); err != nil || string(enc) != `[{"id":"A1","type":"Regular","price":1000},{"id":"C4","type":"Premium","price":1300},{"id":"F9","type":"VIP","price":1500}]` {
		t.Errorf("encodeSeats = %s, %v; want the stored form", enc, err)
	}
	for _, bad := range []string{`[{"id":"A1","type":"premium","price":1}]`, `[{"id":"A1","type":"","price":1}]`,
		`[{"id":"A1","price":1}]`, `[{"id":"A1","type":1,"price":1}]`, `[{"id":"A1","type":"SeatType(3)","price":1}]`} {
		if seats, err := decodeSeats([]byte(bad)); err == nil || errors.Is(err, boxoffice.ErrInvalidArgument) {
			t.Errorf("decodeSeats(%s) = %v, %v; want an error that is no caller's invalid argument", bad, seats, err)
		}
	}
}
