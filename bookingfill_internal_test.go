package boxoffice

import (
	"reflect"
	"testing"
	"time"
)

// fillAll sets every field of v (a struct, reached through exported and
// unexported fields alike) to a value of its own, n counting up, so that
// a field added to Booking later is covered too.
func fillAll(t *testing.T, v reflect.Value, n *int) {
	t.Helper()
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + string(rune('a'+*n%26)))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n % 100))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n % 7))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Array:
		for i := range v.Len() {
			fillAll(t, v.Index(i), n)
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fillAll(t, s.Index(i), n)
		}
		v.Set(s)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Unix(int64(*n)*1000, int64(*n)*1000).UTC()))
			return
		}
		for i := range v.NumField() {
			fillAll(t, v.Field(i), n)
		}
	default:
		t.Fatalf("fillAll: no value for %s", v.Type())
	}
}

// TestRecordFillIsBooking holds bookingRecord.fill, which writes a Booking
// field by field, to booking: the same Booking, for a record with a
// payment and one without, written into a zero Booking (what fill asks
// for: it leaves the money of a record without any as it is) and into one
// whose every other field was set.
func TestRecordFillIsBooking(t *testing.T) {
	n := 0
	var full, dirty Booking
	fillAll(t, reflect.ValueOf(&full).Elem(), &n)
	fillAll(t, reflect.ValueOf(&dirty).Elem(), &n)
	dirty.Payment, dirty.Refund = Payment{}, Refund{}
	unpaid := full
	unpaid.Payment, unpaid.Refund = Payment{}, Refund{}
	for _, b := range []Booking{full, unpaid} {
		for _, into := range []Booking{{}, dirty} {
			var r bookingRecord
			r.set(&b, b.Seats)
			got := into
			r.fill(&got)
			if want := r.booking(); !reflect.DeepEqual(got, want) || !reflect.DeepEqual(got, b) {
				t.Errorf("fill gave\n%+v\nbooking gives\n%+v\nset from\n%+v", got, want, b)
			}
		}
	}
}
