package boxoffice

// FeedReadersForTest is how many of its reads the Watch feed lets read
// the Store at once.
const FeedReadersForTest = feedReaders

// FeedStateForTest reports whether the Watch feed of bs has taken the show
// to read (and not yet finished) and whether the show is reported for one
// more read.
func FeedStateForTest(bs *BookingSystem, showID string) (reading, dirty bool) {
	f := bs.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	_, reading = f.reading[showID]
	_, dirty = f.dirty[showID]
	return reading, dirty
}
