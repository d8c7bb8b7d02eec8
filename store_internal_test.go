package boxoffice

import (
	"context"
	"testing"
	"time"
)

// unwrapper wraps a Store, hiding its capabilities but for Unwrap.
type unwrapper struct{ Store }

func (u unwrapper) Unwrap() Store { return u.Store }

// selfUnwrapper unwraps to itself, as a wrapper with a bug might.
type selfUnwrapper struct{ Store }

func (u *selfUnwrapper) Unwrap() Store { return u }

// nilUnwrapper wraps nothing.
type nilUnwrapper struct{ Store }

func (nilUnwrapper) Unwrap() Store { return nil }

// listerOf is a wrapper that has ExpiredHoldLister itself.
type listerOf struct{ Store }

func (listerOf) ExpiredHolds(context.Context, time.Time, int) ([]HoldRef, error) { return nil, nil }

// TestStoreCapability checks which Store along the Unwrap chain
// StoreCapability finds, and that a chain with no end does not hang it.
func TestStoreCapability(t *testing.T) {
	mem := NewMemoryStore() // has ExpiredHoldLister, not ShowChangeListener
	own := listerOf{unwrapper{mem}}
	tests := []struct {
		name  string
		store Store
		want  ExpiredHoldLister // nil: none found
	}{
		{"the Store itself", mem, mem},
		{"one wrapper down", unwrapper{mem}, mem},
		{"three wrappers down", unwrapper{unwrapper{unwrapper{mem}}}, mem},
		{"a wrapper with it first", own, own},
		{"hidden by a wrapper without Unwrap", struct{ Store }{mem}, nil},
		{"Unwrap gives nil", nilUnwrapper{mem}, nil},
		{"Unwrap gives a typed nil", unwrapper{(*MemoryStore)(nil)}, nil},
		{"Unwrap gives the wrapper", &selfUnwrapper{mem}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := StoreCapability[ExpiredHoldLister](tt.store)
			if ok != (tt.want != nil) || got != tt.want {
				t.Errorf("StoreCapability = %T %v, %v; want %T", got, got, ok, tt.want)
			}
		})
	}
	if l, ok := StoreCapability[ShowChangeListener](unwrapper{mem}); ok {
		t.Errorf("found a ShowChangeListener %T in a Store with none", l)
	}
}
