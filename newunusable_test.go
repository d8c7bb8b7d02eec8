package boxoffice_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/fakeclock"
)

// TestNewRefusesUnusableZeroValues: New refuses, with an *ArgumentError
// and a hint, a part of the Config that is not usable: a zero MemoryStore
// (every call then panicked on its nil maps), a zero fakeclock.Clock (the
// sweeper panicked on its first timer), a zero or nil strategy (every
// request failed), a nil pointer, or no gateway with a Store other than
// the in-memory one (every payment was approved, and nothing charged).
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
		{"zero CalendarPricing", boxoffice.Config{Pricing: &boxoffice.CalendarPricing{}}, "Config.Pricing", "NewCalendarPricing"},
		{"nil *CalendarPricing", boxoffice.Config{Pricing: (*boxoffice.CalendarPricing)(nil)}, "Config.Pricing", "NewCalendarPricing"},
		{"zero DayRatePricing", boxoffice.Config{Pricing: boxoffice.DayRatePricing{}}, "Config.Pricing", "Rate"},
		{"nil *DayRatePricing", boxoffice.Config{Pricing: (*boxoffice.DayRatePricing)(nil)}, "Config.Pricing", "nil *boxoffice.DayRatePricing"},
		{"nil PricingFunc", boxoffice.Config{Pricing: boxoffice.PricingFunc(nil)}, "Config.Pricing", "nil"},
		{"Adjust of nil", boxoffice.Config{Pricing: boxoffice.Adjust(nil, boxoffice.RateOne)}, "Config.Pricing", "inner"},
		{"Adjust of a zero CalendarPricing", boxoffice.Config{Pricing: boxoffice.Adjust(&boxoffice.CalendarPricing{}, boxoffice.RateOne)},
			"Config.Pricing", "NewCalendarPricing"},
		{"MemberDiscount without isMember", boxoffice.Config{Pricing: boxoffice.MemberDiscount(boxoffice.RegularPricing(), boxoffice.RateOne, nil)},
			"Config.Pricing", "isMember"},
		{"valid strategies", boxoffice.Config{Pricing: boxoffice.Adjust(boxoffice.MemberDiscount(boxoffice.WeekendPricing(), boxoffice.RatePercent(90),
			func(context.Context, string) (bool, error) { return true, nil }), boxoffice.RatePercent(110))}, "", ""},
		{"nil *InMemoryGateway", boxoffice.Config{Gateway: (*boxoffice.InMemoryGateway)(nil)}, "Config.Gateway", "nil"},
		{"nil *LogObserver", boxoffice.Config{Observers: []boxoffice.Observer{(*boxoffice.LogObserver)(nil)}}, "Config.Observers[0]", "nil"},
		// A nil interface is named by its index too, as a nil pointer is.
		{"nil Observer", boxoffice.Config{Observers: []boxoffice.Observer{boxoffice.NewLogObserver(nil), nil}}, "Config.Observers[1]", "nil"},
		{"an observer that says it is not usable", boxoffice.Config{Observers: []boxoffice.Observer{boxoffice.NewLogObserver(nil), unconfiguredObserver{}}},
			"Config.Observers[1]", "no address"},
		{"a Validate that panics", boxoffice.Config{Pricing: embeddedRate{}}, "Config.Pricing", "panicked"},
		// New checks every Store of a wrapper's chain, which it calls too.
		{"zero MemoryStore wrapped", boxoffice.Config{Store: tracedStore{&boxoffice.MemoryStore{}}}, "Config.Store", "NewMemoryStore"},
		{"nil *MemoryStore wrapped twice", boxoffice.Config{Store: tracedStore{tracedStore{(*boxoffice.MemoryStore)(nil)}}}, "Config.Store", "NewMemoryStore"},
		// The default gateway takes no money: it goes with the in-memory
		// Store only, found through wrappers too.
		{"another Store, no Gateway", boxoffice.Config{Store: genericStore{boxoffice.NewMemoryStore()}}, "Config.Gateway", "NewInMemoryGateway"},
		{"another Store, a Gateway", boxoffice.Config{Store: genericStore{boxoffice.NewMemoryStore()}, Gateway: boxoffice.NewInMemoryGateway()}, "", ""},
		{"the in-memory Store wrapped, no Gateway", boxoffice.Config{Store: tracedStore{boxoffice.NewMemoryStore()}}, "", ""},
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

// unconfiguredObserver says, by its Validate, that it cannot send.
type unconfiguredObserver struct{}

func (unconfiguredObserver) Notify(context.Context, boxoffice.Event) {}
func (unconfiguredObserver) Validate() error                         { return errors.New("no address to send to") }

// embeddedRate has the Validate of the nil *DayRatePricing it embeds,
// which panics.
type embeddedRate struct{ *boxoffice.DayRatePricing }
