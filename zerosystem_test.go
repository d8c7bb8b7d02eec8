package boxoffice_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/boxoffice-go/boxoffice"
)

// TestZeroAndNilBookingSystem calls every exported method of a zero and a
// nil *BookingSystem, found by reflection so that a method added later is
// covered too: none may panic, and each error result must match ErrClosed.
func TestZeroAndNilBookingSystem(t *testing.T) {
	ctxType := reflect.TypeFor[context.Context]()
	errType := reflect.TypeFor[error]()
	systems := []struct {
		name string
		bs   *boxoffice.BookingSystem
	}{
		{"zero", new(boxoffice.BookingSystem)},
		{"nil", nil},
	}
	typ := reflect.TypeFor[*boxoffice.BookingSystem]()
	if typ.NumMethod() == 0 {
		t.Fatal("no exported methods found")
	}
	for _, sys := range systems {
		for i := range typ.NumMethod() {
			m := typ.Method(i)
			t.Run(sys.name+"/"+m.Name, func(t *testing.T) {
				args := []reflect.Value{reflect.ValueOf(sys.bs)}
				for j := 1; j < m.Type.NumIn(); j++ {
					in := m.Type.In(j)
					if in == ctxType {
						args = append(args, reflect.ValueOf(t.Context()))
						continue
					}
					args = append(args, reflect.Zero(in))
				}
				var out []reflect.Value
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("%s panicked: %v", m.Name, r)
						}
					}()
					out = m.Func.Call(args)
				}()
				for j := range m.Type.NumOut() {
					if m.Type.Out(j) != errType {
						continue
					}
					err, _ := out[j].Interface().(error)
					if !errors.Is(err, boxoffice.ErrClosed) {
						t.Errorf("%s returned %v, want an error matching ErrClosed", m.Name, err)
					}
				}
			})
		}
	}
}
