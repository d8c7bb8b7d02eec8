package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/boxoffice-go/boxoffice"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// seatJSON is one element of bookings.seats. Type is the seat type's name
// ("Premium": SeatType's text form, which ParseSeatType reads), as every
// version of this package has stored it; a string here, not a SeatType,
// so that a seat stored without one is refused rather than read as
// Regular.
type seatJSON struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Price int64  `json:"price"`
}

func encodeSeats(seats []boxoffice.BookingSeat) ([]byte, error) {
	js := make([]seatJSON, len(seats))
	for i, s := range seats {
		js[i] = seatJSON{ID: s.ID, Type: s.Type.String(), Price: int64(s.Price)}
	}
	return json.Marshal(js)
}

func decodeSeats(data []byte) ([]boxoffice.BookingSeat, error) {
	var js []seatJSON
	if err := json.Unmarshal(data, &js); err != nil {
		return nil, err
	}
	seats := make([]boxoffice.BookingSeat, len(js))
	for i, s := range js {
		t, err := boxoffice.ParseSeatType(s.Type)
		if err != nil {
			// Not wrapped: a row this package did not write is no
			// caller's invalid argument.
			return nil, fmt.Errorf("seat %q: %v", s.ID, err)
		}
		seats[i] = boxoffice.BookingSeat{ID: s.ID, Type: t, Price: boxoffice.Money(s.Price)}
	}
	return seats, nil
}

// checkBooking reports a booking that the bookings table could not hold.
// Its identifiers and payment method are refused rather than cleaned (see
// cleanText): changed, they would name another user, seat or instrument.
func checkBooking(b *boxoffice.Booking) error {
	if _, err := boxoffice.ParseBookingStatus(b.Status.String()); err != nil {
		return invalid("Booking.Status", "booking %s has status %d", b.ID, b.Status)
	}
	if !storableText(b.UserID) {
		return invalid("Booking.UserID", "booking %s: user %q is not valid UTF-8 without NUL bytes", b.ID, b.UserID)
	}
	if !storableText(string(b.Payment.Method)) {
		return invalid("Booking.Payment.Method", "booking %s: method %q is not valid UTF-8 without NUL bytes", b.ID, b.Payment.Method)
	}
	for _, s := range b.Seats {
		if !s.Type.Valid() {
			return invalid("Booking.Seats", "booking %s: seat %q has type %v", b.ID, s.ID, s.Type)
		}
		if !storableText(s.ID) {
			return invalid("Booking.Seats", "booking %s: seat %q is not valid UTF-8 without NUL bytes", b.ID, s.ID)
		}
	}
	return nil
}

// storableText reports whether a PostgreSQL text (or jsonb) value can hold
// s: valid UTF-8 without NUL bytes.
func storableText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// cleanText makes the free text of a booking storable, as the bookings
// table then holds it: invalid UTF-8 becomes U+FFFD and NUL bytes are
// dropped. This text comes from the payment gateway (a charge's reference,
// its error) or the core; refused, it would fail the transaction that
// settles a payment, and leave the booking paying and the charge unvoided.
func cleanText(b *boxoffice.Booking) {
	for _, p := range []*string{&b.Payment.Reference, &b.Payment.Failure, &b.Refund.Reference, &b.Refund.Reason} {
		if !storableText(*p) {
			*p = strings.ReplaceAll(strings.ToValidUTF8(*p, "\uFFFD"), "\x00", "")
		}
	}
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// bookingArgs returns the arguments of upsertBooking, in bookingColumns order.
func bookingArgs(b *boxoffice.Booking) ([]any, error) {
	seats, err := encodeSeats(b.Seats)
	if err != nil {
		return nil, err
	}
	return []any{
		[16]byte(b.ID), b.ShowID, b.UserID, b.Status.String(), seats, int64(b.Total),
		b.CreatedAt, nullTime(b.HeldUntil), b.Extensions, nullTime(b.UpdatedAt),
		string(b.Payment.Method), int64(b.Payment.Amount), b.Payment.Reference, b.Payment.Attempts,
		nullTime(b.Payment.PaidAt), b.Payment.Failure,
		int64(b.Refund.Amount), b.Refund.Percent, b.Refund.Reference, nullTime(b.Refund.RefundedAt), b.Refund.Reason,
		b.Payment.FailureKind.String(), nullTime(b.Payment.LiveUntil),
	}, nil
}

// scanBooking reads a row of bookingColumns, then the extra columns into
// the extra destinations.
func scanBooking(row pgx.Row, extra ...any) (boxoffice.Booking, error) {
	var (
		b                                boxoffice.Booking
		id                               [16]byte
		status, method, failureKind      string
		seats                            []byte
		total, paid, refunded            int64
		held, updated, paidAt, refundAt  *time.Time
		liveUntil                        *time.Time
		extensions, attempts, refundPerc int32
	)
	dest := []any{&id, &b.ShowID, &b.UserID, &status, &seats, &total, &b.CreatedAt, &held, &extensions, &updated,
		&method, &paid, &b.Payment.Reference, &attempts, &paidAt, &b.Payment.Failure,
		&refunded, &refundPerc, &b.Refund.Reference, &refundAt, &b.Refund.Reason, &failureKind, &liveUntil}
	err := row.Scan(append(dest, extra...)...)
	if err != nil {
		return b, err
	}
	b.ID = boxoffice.BookingID(id)
	if b.Status, err = boxoffice.ParseBookingStatus(status); err != nil {
		return b, fmt.Errorf("pgstore: booking %s: %w", b.ID, err)
	}
	if b.Seats, err = decodeSeats(seats); err != nil {
		return b, fmt.Errorf("pgstore: booking %s: seats: %w", b.ID, err)
	}
	b.Total = boxoffice.Money(total)
	b.CreatedAt = b.CreatedAt.UTC()
	b.HeldUntil = timeOf(held)
	b.Extensions = int(extensions)
	b.UpdatedAt = timeOf(updated)
	b.Payment.Method = boxoffice.PaymentMethod(method)
	b.Payment.Amount = boxoffice.Money(paid)
	b.Payment.Attempts = int(attempts)
	b.Payment.PaidAt = timeOf(paidAt)
	b.Payment.LiveUntil = timeOf(liveUntil)
	if b.Payment.FailureKind, err = boxoffice.ParsePaymentFailureKind(failureKind); err != nil {
		return b, fmt.Errorf("pgstore: booking %s: %w", b.ID, err)
	}
	if b.Status == boxoffice.StatusFailed && b.Payment.FailureKind == 0 {
		inferFailureKind(&b.Payment)
	}
	b.Refund.Amount = boxoffice.Money(refunded)
	b.Refund.Percent = int(refundPerc)
	b.Refund.RefundedAt = timeOf(refundAt)
	return b, nil
}

// inferFailureKind fills in the kind of a failure recorded before
// migration 0002, or since by an instance that predates it: those wrote the
// kind into the text, a decline as a "declined: " prefix.
func inferFailureKind(p *boxoffice.Payment) {
	switch rest, declined := strings.CutPrefix(p.Failure, "declined: "); {
	case declined:
		p.Failure, p.FailureKind = rest, boxoffice.FailureDeclined
	case p.Failure == "hold expired during payment and a seat was taken":
		p.FailureKind = boxoffice.FailureHoldLost
	case strings.HasSuffix(p.Failure, context.DeadlineExceeded.Error()):
		p.FailureKind = boxoffice.FailureTimedOut
	default:
		p.FailureKind = boxoffice.FailureGatewayError
	}
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// Booking implements [boxoffice.Store]. The booking is read with its show's
// version, so that the show transaction a BookingSystem runs next on it
// need not read it again (see "The per-show transaction" in the package
// documentation).
func (s *Store) Booking(ctx context.Context, id boxoffice.BookingID) (boxoffice.Booking, error) {
	var version int64
	b, err := scanBooking(s.pool.QueryRow(ctx, s.q.booking, [16]byte(id)), &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return boxoffice.Booking{}, notFound("booking %s", id)
	} else if err != nil {
		return boxoffice.Booking{}, markUnavailable(ctx, err)
	}
	s.shows.addBooking(b, version)
	b.Seats = slices.Clone(b.Seats) // the cache's are shared with show transactions only
	return b, nil
}

// normalizeTimes cuts a booking's times to the microsecond, in UTC, as the
// bookings table stores them, so that a booking reads the same from a
// transaction, the cache and the table.
func normalizeTimes(b *boxoffice.Booking) {
	for _, t := range []*time.Time{&b.CreatedAt, &b.HeldUntil, &b.UpdatedAt, &b.Payment.PaidAt, &b.Payment.LiveUntil, &b.Refund.RefundedAt} {
		if !t.IsZero() {
			*t = t.Truncate(time.Microsecond).UTC()
		}
	}
}

// BookingsOfUser implements [boxoffice.Store], from the index on (user_id,
// created_at, id), read forward or backward: a page reads limit entries
// of it, wherever it starts.
func (s *Store) BookingsOfUser(ctx context.Context, userID string, after boxoffice.BookingCursor, limit int, order boxoffice.Order) ([]boxoffice.Booking, error) {
	query, from := s.q.bookingsOfUser, cursorTime(after.At, after.IsZero())
	if order == boxoffice.NewestFirst {
		query = s.q.bookingsOfUserNewest
		if after.IsZero() {
			from.InfinityModifier = pgtype.Infinity // after every booking
		}
	}
	return list(ctx, s, limit, query, func(r pgx.CollectableRow) (boxoffice.Booking, error) { return scanBooking(r) },
		userID, from, [16]byte(after.ID), limit)
}

// ExpiredHolds implements [boxoffice.ExpiredHoldLister], from the partial
// index of held bookings by deadline: the longest expired first.
func (s *Store) ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]boxoffice.HoldRef, error) {
	return list(ctx, s, limit, s.q.expiredHolds, func(r pgx.CollectableRow) (boxoffice.HoldRef, error) {
		var ref boxoffice.HoldRef
		var id [16]byte
		err := r.Scan(&ref.ShowID, &id, &ref.HeldUntil)
		ref.Booking = boxoffice.BookingID(id)
		ref.HeldUntil = ref.HeldUntil.UTC()
		return ref, err
	}, now, limit)
}

// OwingBookings implements [boxoffice.UnsettledBookingLister] from a
// partial index (migration 0003) that stays as small as the refunds the
// gateway has yet to pay.
func (s *Store) OwingBookings(ctx context.Context, after boxoffice.BookingCursor, limit int) ([]boxoffice.BookingRef, error) {
	return list(ctx, s, limit, s.q.owing, scanBookingRef, cursorTime(after.At, after.IsZero()), [16]byte(after.ID), limit)
}

// AbandonedPayments implements [boxoffice.UnsettledBookingLister] from a
// partial index of the payments in flight by the bound recorded with each
// (payment_live_until, migrations 0011 and 0013): it reads the payments
// whose bound is before now, and those with none (started before 0011)
// that started paying before payingBefore, and no payment still live.
func (s *Store) AbandonedPayments(ctx context.Context, now, payingBefore time.Time, limit int) ([]boxoffice.BookingRef, error) {
	return list(ctx, s, limit, s.q.paying, scanBookingRef, now, payingBefore, limit)
}

// cursorTime is the time of a cursor (a BookingCursor's At, a
// ShowCursor's Start) as a query compares it with a stored time: the zero
// cursor (first) is before every row, whatever its time and ID; any other
// is cut to the microsecond as the tables store times (normalizeTimes,
// before every write), so that it compares as its row is stored. Rounded
// rather than cut, a cursor with nanoseconds would land after the rows
// stored in its microsecond with greater IDs, and skip them.
func cursorTime(at time.Time, first bool) pgtype.Timestamptz {
	if first {
		return pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}
	}
	return pgtype.Timestamptz{Time: at.Truncate(time.Microsecond), Valid: true}
}

// list runs a query listing up to limit rows (none when limit ≤ 0), each
// read by scan.
func list[T any](ctx context.Context, s *Store, limit int, query string, scan pgx.RowToFunc[T], args ...any) ([]T, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return []T{}, nil
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, markUnavailable(ctx, err)
	}
	page, err := pgx.AppendRows([]T{}, rows, scan)
	return page, markUnavailable(ctx, err)
}

// scanBookingRef reads a row of (show_id, id, updated_at).
func scanBookingRef(r pgx.CollectableRow) (boxoffice.BookingRef, error) {
	var ref boxoffice.BookingRef
	var id [16]byte
	err := r.Scan(&ref.ShowID, &id, &ref.UpdatedAt)
	ref.Booking = boxoffice.BookingID(id)
	ref.UpdatedAt = ref.UpdatedAt.UTC()
	return ref, err
}
