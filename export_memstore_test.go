package boxoffice

// NumberedIDForTest makes random the booking ID of the given show number
// and slot in s, as a hold on s would, so that tests can reach the
// fallbacks for IDs put in with PutBooking.
func NumberedIDForTest(s *MemoryStore, random BookingID, show, slot uint32) BookingID {
	s.mask.numberShow(&random, show).setSlot(&random, slot)
	return random
}

// IDNumbersForTest returns the show number and slot the ID carries in s.
func IDNumbersForTest(s *MemoryStore, id BookingID) (show, slot uint32, ok bool) {
	return s.mask.numbered(id)
}

// bookingID is showRecord.numberedID from a whole random UUID, or the UUID
// as it is for a show with no number, as BookingSystem.newBookingID makes
// IDs: for the internal tests that store holds by hand.
func (r *showRecord) bookingID(random [16]byte) (BookingID, slotKey) {
	if r.number == noShowNumber {
		return BookingID(random), slotKey{}
	}
	return r.numberedID([10]byte(random[6:]))
}

// ShowNumberForTest returns the number s gave the show (MemoryStore.number).
func ShowNumberForTest(s *MemoryStore, showID string) uint32 {
	s.catalogMu.RLock()
	defer s.catalogMu.RUnlock()
	return s.shows[showID].number
}
