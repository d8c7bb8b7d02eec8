package boxoffice

// CachedShowsForTest returns how many show entries bs keeps.
func CachedShowsForTest(bs *BookingSystem) int {
	n := 0
	for i := range bs.shows.shards {
		sh := &bs.shows.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}
