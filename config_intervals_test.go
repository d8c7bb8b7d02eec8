package boxoffice_test

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// A sweeper interval of a nanosecond would have the sweeper spin: New
// refuses intervals below a floor, and takes the floor itself.
func TestNewRefusesSpinningIntervals(t *testing.T) {
	tests := []struct {
		name  string
		cfg   boxoffice.Config
		field string // "" if New accepts it
	}{
		{"sweep of 1ns", boxoffice.Config{SweepInterval: time.Nanosecond}, "Config.SweepInterval"},
		{"sweep just below 10ms", boxoffice.Config{SweepInterval: 10*time.Millisecond - 1}, "Config.SweepInterval"},
		{"sweep of 10ms", boxoffice.Config{SweepInterval: 10 * time.Millisecond}, ""},
		{"rescan of 1ns", boxoffice.Config{RescanInterval: time.Nanosecond}, "Config.RescanInterval"},
		{"rescan just below 1s", boxoffice.Config{RescanInterval: time.Second - 1}, "Config.RescanInterval"},
		{"rescan of 1s", boxoffice.Config{RescanInterval: time.Second}, ""},
		{"defaults", boxoffice.Config{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Clock = fakeclock.New(start) // the sweeper never runs
			tt.cfg.Logger = slog.New(slog.DiscardHandler)
			sys, err := boxoffice.New(tt.cfg)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if err := sys.Close(t.Context()); err != nil {
					t.Fatal(err)
				}
				return
			}
			var ae *boxoffice.ArgumentError
			if !errors.As(err, &ae) || ae.Field != tt.field || !errors.Is(err, boxoffice.ErrInvalidArgument) || sys != nil {
				t.Fatalf("New: system %v, error %v; want only an *ArgumentError for %s", sys != nil, err, tt.field)
			}
		})
	}
}
