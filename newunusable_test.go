package boxoffice_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// TestNewRefusesUnusableZeroValues: New refuses, with an *ArgumentError
// and a hint, a Config.Store or Config.Clock whose zero value is not
// usable: a zero MemoryStore (every call then panicked on its nil maps)
// or a zero fakeclock.Clock (the sweeper panicked on its first timer).
// No panic crosses the API, and New is where the mistake is made.
func TestNewRefusesUnusableZeroValues(t *testing.T) {
	tests := []struct {
		name  string
		cfg   boxoffice.Config
		field string // "" if New accepts it
		hint  string
	}{
		{"zero MemoryStore", boxoffice.Config{Store: &boxoffice.MemoryStore{}}, "Config.Store", "NewMemoryStore"},
		{"nil *MemoryStore", boxoffice.Config{Store: (*boxoffice.MemoryStore)(nil)}, "Config.Store", "NewMemoryStore"},
		{"NewMemoryStore", boxoffice.Config{Store: boxoffice.NewMemoryStore()}, "", ""},
		{"zero fakeclock.Clock", boxoffice.Config{Clock: &fakeclock.Clock{}}, "Config.Clock", "fakeclock.New"},
		{"nil *fakeclock.Clock", boxoffice.Config{Clock: (*fakeclock.Clock)(nil)}, "Config.Clock", "fakeclock.New"},
		{"fakeclock.New", boxoffice.Config{Clock: fakeclock.New(start)}, "", ""},
		{"zero MachineClock", boxoffice.Config{Clock: boxoffice.MachineClock{}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sys *boxoffice.BookingSystem
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("New panicked: %v", r)
					}
				}()
				sys, err = boxoffice.New(tt.cfg)
			}()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				mustT[boxoffice.Movie](t)(sys.AddMovie(t.Context(), boxoffice.Movie{Title: "Inception", Duration: time.Hour}))
				if err := sys.Close(t.Context()); err != nil {
					t.Fatal(err)
				}
				return
			}
			var ae *boxoffice.ArgumentError
			if !errors.As(err, &ae) || ae.Field != tt.field || !errors.Is(err, boxoffice.ErrInvalidArgument) || sys != nil {
				if sys != nil {
					_ = sys.Close(t.Context())
				}
				t.Fatalf("New: system %v, error %v; want only an *ArgumentError for %s", sys != nil, err, tt.field)
			}
			if !strings.Contains(ae.Reason, tt.hint) {
				t.Errorf("New: %v; want a hint to use %s", err, tt.hint)
			}
		})
	}
}
