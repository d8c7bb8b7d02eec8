package boxoffice

// LimitUsersForTest returns how many users the per-user limits of bs
// keep state for, so a test can see idle users forgotten.
func LimitUsersForTest(bs *BookingSystem) int {
	n := 0
	for i := range bs.users.shards {
		sh := &bs.users.shards[i]
		sh.mu.Lock()
		n += len(sh.users)
		sh.mu.Unlock()
	}
	return n
}
