package boxoffice

import (
	"testing"
	"unsafe"
)

// TestBookingRecordSize keeps the in-memory Store's record of a booking
// in its size class: every booking a process ever made keeps one, and a
// field added where the record has no spare bytes (users took two of
// them) would put it in the next class, 208 bytes.
func TestBookingRecordSize(t *testing.T) {
	if got := unsafe.Sizeof(bookingRecord{}); got != 192 {
		t.Errorf("bookingRecord is %d bytes, want 192", got)
	}
	if got := unsafe.Sizeof(smallHold{}); got != 320 {
		t.Errorf("smallHold is %d bytes, want 320", got)
	}
}
