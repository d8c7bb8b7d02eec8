package pgstore_test

import (
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/internal/seatcapload"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// TestSeatCapAcrossInstances: two BookingSystems on one schema, as two
// processes, with goroutines of one user holding, paying, releasing and
// cancelling seats of one show at once. Config.MaxSeatsPerShow is counted
// in the show's transaction, so together they never let the user past it:
// a watcher reading snapshots of the show never sees more, nor does the
// count at the end.
func TestSeatCapAcrossInstances(t *testing.T) {
	t.Parallel()
	const (
		limit   = 5
		workers = 6 // per instance
		ops     = 30
	)
	pool, schema, show := schemaWithShow(t)
	base := show.Start.Add(-8 * time.Hour)
	gateway := boxoffice.NewInMemoryGateway()
	var instances []*instance
	for range 2 {
		instances = append(instances, newInstance(t, schema, base, 0, gateway, func(c *boxoffice.Config) {
			c.MaxSeatsPerShow = limit
			c.HoldsPerMinute = -1
			c.MaxLiveHoldsPerUser = -1
		}))
	}
	watcher, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	must(t, err)
	var ids []string
	for _, s := range boxoffice.SeedLayout().Seats()[:20] { // a few seats, for conflicts too
		ids = append(ids, s.ID)
	}
	seatcapload.Run{Systems: []*boxoffice.BookingSystem{instances[0].sys, instances[1].sys}, Watcher: watcher,
		ShowID: show.ID, UserID: "alice", SeatIDs: ids, Now: base,
		Limit: limit, Workers: workers, Ops: ops, Seed: 7}.Check(t)
}
