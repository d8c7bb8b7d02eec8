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

// NumberedShowsForTest returns how many show entries bs keeps by show
// number (showCache.numbered).
func NumberedShowsForTest(bs *BookingSystem) int {
	n := 0
	if p := bs.shows.numbered.list.Load(); p != nil {
		for i := range *p {
			if (*p)[i].Load() != nil {
				n++
			}
		}
	}
	return n
}

// DroppedShowLocksForTest returns how many locks of dropped show entries
// bs keeps for the shows' next entries (showShard.locks).
func DroppedShowLocksForTest(bs *BookingSystem) int {
	n := 0
	for i := range bs.shows.shards {
		sh := &bs.shows.shards[i]
		sh.mu.RLock()
		n += len(sh.locks)
		sh.mu.RUnlock()
	}
	return n
}
