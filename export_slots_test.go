package boxoffice

import "context"

// ShowSlotsForTest returns the length of the show's slots in s: one past
// the last slot a booking of the show was stored at.
func ShowSlotsForTest(s *MemoryStore, showID string) int {
	r, err := s.showRecord(context.Background(), showID)
	if err != nil {
		panic(err)
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.slots)
}
