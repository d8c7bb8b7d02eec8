package boxoffice

// The text form of the enumerated types that a Booking, a SeatMap, an
// event or an error carries: BookingStatus, SeatStatus, SeatType,
// PaymentFailureKind and SeatProblemKind. Each implements
// encoding.TextMarshaler and encoding.TextUnmarshaler, so encoding/json
// (and slog, and any encoder that honours them) writes a Booking as
// "Status":"confirmed", a seat as "Type":"Premium", rather than numbers
// that mean nothing outside this package and change meaning if a value is
// ever added in the middle.
//
// The rule, the same for every type: the text is String's, and its Parse
// function (ParseBookingStatus, ParseSeatStatus, ParseSeatType,
// ParsePaymentFailureKind, ParseSeatProblemKind) reads exactly that text
// back, refusing any other with an *ArgumentError (ErrInvalidArgument);
// UnmarshalText is the Parse function. A value that names nothing
// (BookingStatus(9), say, whose String is "unknown") is refused by
// MarshalText with an *ArgumentError rather than written as text that
// cannot be read back. The zero value is a value like any other where it
// has a name (SeatAvailable "available", Regular "Regular",
// PaymentFailureKind "none"); the zero BookingStatus and SeatProblemKind,
// which name nothing but are what a zero Booking or SeatProblem holds, are
// the empty text both ways, so that a zero Booking encodes and decodes.
// Order is not one of them: it is a query's direction, never stored nor
// returned.
//
// The names are a format: Stores (pgstore) keep them, so they do not
// change.

// nameOf returns names[v], and false if v has no name there.
func nameOf[T ~uint8](names []string, v T) (string, bool) {
	if int(v) < len(names) && names[v] != "" {
		return names[v], true
	}
	return "", false
}

// parseName returns the value that names gives the name s, and false if
// none.
func parseName[T ~uint8](names []string, s string) (T, bool) {
	for i, n := range names {
		if n != "" && n == s {
			return T(i), true
		}
	}
	return 0, false
}

// marshalName is MarshalText for a type whose zero value names nothing
// (zeroEmpty: it is then the empty text) or has a name in names.
func marshalName[T ~uint8](names []string, v T, zeroEmpty bool, typ string) ([]byte, error) {
	if v == 0 && zeroEmpty {
		return []byte{}, nil
	}
	if n, ok := nameOf(names, v); ok {
		return []byte(n), nil
	}
	return nil, invalid(typ, "%s(%d) has no name and cannot be encoded", typ, uint8(v))
}

// unmarshalName is UnmarshalText for a type read by parse, marshalName's
// inverse: with zeroEmpty the empty text is the zero value; dst changes
// only if the text is read.
func unmarshalName[T ~uint8](dst *T, text []byte, zeroEmpty bool, parse func(string) (T, error)) error {
	if zeroEmpty && len(text) == 0 {
		*dst = 0
		return nil
	}
	v, err := parse(string(text))
	if err != nil {
		return err
	}
	*dst = v
	return nil
}

// MarshalText implements [encoding.TextMarshaler]: the status's name, as
// [BookingStatus.String] writes it; the zero status (a zero [Booking]'s) is
// the empty text, and any other value outside the lifecycle an
// [*ArgumentError].
func (s BookingStatus) MarshalText() ([]byte, error) {
	return marshalName(statusNames[:], s, true, "BookingStatus")
}

// UnmarshalText implements [encoding.TextUnmarshaler]: the empty text is the
// zero status, any other is read by [ParseBookingStatus], with its error.
func (s *BookingStatus) UnmarshalText(text []byte) error {
	return unmarshalName(s, text, true, ParseBookingStatus)
}

var seatStatusNames = [...]string{
	SeatAvailable: "available",
	SeatHeld:      "held",
	SeatBooked:    "booked",
}

// ParseSeatStatus is the inverse of [SeatStatus.String] for the three seat
// states, "available", "held" and "booked"; any other text is an
// [*ArgumentError] ([ErrInvalidArgument]).
func ParseSeatStatus(s string) (SeatStatus, error) {
	if v, ok := parseName[SeatStatus](seatStatusNames[:], s); ok {
		return v, nil
	}
	return 0, invalid("seatStatus", "%q is not a seat status", s)
}

// MarshalText implements [encoding.TextMarshaler]: "available", "held" or
// "booked", as [SeatStatus.String] writes them; any other value is an
// [*ArgumentError].
func (s SeatStatus) MarshalText() ([]byte, error) {
	return marshalName(seatStatusNames[:], s, false, "SeatStatus")
}

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseSeatStatus].
func (s *SeatStatus) UnmarshalText(text []byte) error {
	return unmarshalName(s, text, false, ParseSeatStatus)
}

var seatTypeNames = [...]string{
	Regular: "Regular",
	Premium: "Premium",
	VIP:     "VIP",
}

// ParseSeatType is the inverse of [SeatType.String] for the Valid types,
// "Regular", "Premium" and "VIP", case-sensitive as every Parse function
// here is ("premium" is refused); any other text is an [*ArgumentError]
// ([ErrInvalidArgument]).
func ParseSeatType(s string) (SeatType, error) {
	if v, ok := parseName[SeatType](seatTypeNames[:], s); ok {
		return v, nil
	}
	return 0, invalid("seatType", "%q is not a seat type", s)
}

// MarshalText implements [encoding.TextMarshaler]: "Regular", "Premium" or
// "VIP", as [SeatType.String] writes them; a type that is not
// [SeatType.Valid] is an [*ArgumentError].
func (t SeatType) MarshalText() ([]byte, error) {
	return marshalName(seatTypeNames[:], t, false, "SeatType")
}

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseSeatType].
func (t *SeatType) UnmarshalText(text []byte) error {
	return unmarshalName(t, text, false, ParseSeatType)
}

// MarshalText implements [encoding.TextMarshaler]: the kind's name, as
// [PaymentFailureKind.String] writes it ("none" for the zero kind); any other
// value is an [*ArgumentError].
func (k PaymentFailureKind) MarshalText() ([]byte, error) {
	return marshalName(failureKindNames[:], k, false, "PaymentFailureKind")
}

// UnmarshalText implements [encoding.TextUnmarshaler] with
// [ParsePaymentFailureKind].
func (k *PaymentFailureKind) UnmarshalText(text []byte) error {
	return unmarshalName(k, text, false, ParsePaymentFailureKind)
}

var seatProblemNames = [...]string{
	SeatUnknown:     "unknown seat",
	SeatDuplicate:   "listed twice",
	SeatHeldByOther: "held by another customer",
	SeatHeldByYou:   "already held by you in another booking",
	SeatSold:        "sold",
}

// ParseSeatProblemKind is the inverse of [SeatProblemKind.String] for every
// kind, e.g. "sold" or "listed twice"; any other text is an [*ArgumentError]
// ([ErrInvalidArgument]).
func ParseSeatProblemKind(s string) (SeatProblemKind, error) {
	if v, ok := parseName[SeatProblemKind](seatProblemNames[:], s); ok {
		return v, nil
	}
	return 0, invalid("seatProblemKind", "%q is not a seat problem", s)
}

// MarshalText implements [encoding.TextMarshaler]: the kind's name, as
// [SeatProblemKind.String] writes it; the zero kind (a zero [SeatProblem]'s)
// is the empty text, and any other value an [*ArgumentError].
func (k SeatProblemKind) MarshalText() ([]byte, error) {
	return marshalName(seatProblemNames[:], k, true, "SeatProblemKind")
}

// UnmarshalText implements [encoding.TextUnmarshaler]: the empty text is the
// zero kind, any other is read by [ParseSeatProblemKind], with its error.
func (k *SeatProblemKind) UnmarshalText(text []byte) error {
	return unmarshalName(k, text, true, ParseSeatProblemKind)
}
