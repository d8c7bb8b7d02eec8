package pgstore_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
)

// TestNewRefusesUnusableStore: boxoffice.New refuses a nil or zero Store,
// which pgstore.New returns with its error (and which a caller who drops
// that error passes on), with an *ArgumentError and a hint. It used to
// take it, and its sweeper crashed the process a second later on a nil
// pool. So it does behind a wrapper, whose Store it calls too. It also
// refuses to default the gateway with this Store.
func TestNewRefusesUnusableStore(t *testing.T) {
	nilStore, err := pgstore.New(nil, pgstore.Options{})
	if err == nil || !strings.Contains(err.Error(), "pgstore") {
		t.Fatalf("pgstore.New(nil) = %v; want an error naming pgstore", err)
	}
	gw := boxoffice.NewInMemoryGateway()
	tests := []struct {
		name  string
		cfg   boxoffice.Config
		field string
		hint  string
	}{
		{"zero Store", boxoffice.Config{Store: &pgstore.Store{}, Gateway: gw}, "Config.Store", "pgstore.New"},
		{"nil Store from New", boxoffice.Config{Store: nilStore, Gateway: gw}, "Config.Store", "pgstore.New"},
		{"zero Store wrapped", boxoffice.Config{Store: tracedStore{&pgstore.Store{}}, Gateway: gw}, "Config.Store", "pgstore.New"},
		{"nil Store wrapped", boxoffice.Config{Store: tracedStore{nilStore}, Gateway: gw}, "Config.Store", "pgstore.New"},
		{"no Gateway", boxoffice.Config{Store: newStore(t)}, "Config.Gateway", "InMemoryGateway"},
		{"no Gateway, wrapped", boxoffice.Config{Store: tracedStore{newStore(t)}}, "Config.Gateway", "InMemoryGateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys, err := boxoffice.New(tt.cfg)
			var ae *boxoffice.ArgumentError
			if !errors.As(err, &ae) || ae.Field != tt.field || sys != nil {
				if sys != nil {
					_ = sys.Close(t.Context())
				}
				t.Fatalf("New: system %v, error %v; want only an *ArgumentError for %s", sys != nil, err, tt.field)
			}
			if !strings.Contains(ae.Reason, tt.hint) {
				t.Errorf("New: %v; want a hint of %s", err, tt.hint)
			}
		})
	}
}
