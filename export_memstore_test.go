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
