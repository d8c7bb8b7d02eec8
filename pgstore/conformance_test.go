package pgstore_test

import (
	"testing"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/storetest"
)

// TestConformance runs the Store conformance suite, each subtest on a
// schema of its own.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) boxoffice.Store { return newStore(t) }, storetest.Features{ExpiredHolds: true, UnsettledBookings: true, UserLimits: true, MovieSearch: true, CityMovies: true, CityShows: true, SeatsOfUser: true})
}
