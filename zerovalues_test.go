package boxoffice_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// This file holds the tests of the nil and zero values of the package's
// types: each calls every exported method, found by reflection so that a
// method added later is covered too, and none may panic.

// methodCall is what one call of a method returned: its results, and the
// values an iterator among them yielded.
type methodCall struct {
	method  reflect.Method
	args    string // "zero" or "plausible"
	out     []reflect.Value
	yielded [][]reflect.Value // one entry per yield of each iterator result
}

// errs returns the errors among the results and the values yielded.
func (c methodCall) errs() []error {
	errType := reflect.TypeFor[error]()
	var errs []error
	collect := func(vs []reflect.Value) {
		for _, v := range vs {
			if v.Type() == errType {
				err, _ := v.Interface().(error)
				errs = append(errs, err)
			}
		}
	}
	collect(c.out)
	for _, y := range c.yielded {
		collect(y)
	}
	return errs
}

// plausibleArgs are arguments a caller might pass, by type: IDs, a layout,
// requests with amounts, a positive index or limit. A type not listed gets
// its zero value.
func plausibleArgs() map[reflect.Type]reflect.Value {
	layout := boxoffice.SeedLayout()
	start := time.Date(2030, 1, 1, 20, 0, 0, 0, time.UTC)
	return map[reflect.Type]reflect.Value{
		reflect.TypeFor[string]():             reflect.ValueOf("A1"),
		reflect.TypeFor[int]():                reflect.ValueOf(1),
		reflect.TypeFor[[]byte]():             reflect.ValueOf([]byte(layout.String())),
		reflect.TypeFor[*boxoffice.Layout]():  reflect.ValueOf(layout),
		reflect.TypeFor[time.Time]():          reflect.ValueOf(start),
		reflect.TypeFor[boxoffice.Movie]():    reflect.ValueOf(boxoffice.Movie{ID: "m1", Title: "Heat", Duration: 2 * time.Hour, Genres: []string{"crime"}}),
		reflect.TypeFor[boxoffice.Theater]():  reflect.ValueOf(boxoffice.Theater{ID: "t1", Name: "Odeon", City: "Leeds"}),
		reflect.TypeFor[boxoffice.Hall]():     reflect.ValueOf(boxoffice.Hall{ID: "h1", TheaterID: "t1", Layout: layout}),
		reflect.TypeFor[boxoffice.Show]():     reflect.ValueOf(boxoffice.Show{ID: "s1", MovieID: "m1", HallID: "h1", TheaterID: "t1", Start: start, End: start.Add(2 * time.Hour), BasePrice: 1000}),
		reflect.TypeFor[boxoffice.Interval](): reflect.ValueOf(boxoffice.Interval{Start: start, End: start.Add(time.Hour)}),
		reflect.TypeFor[boxoffice.ChargeRequest](): reflect.ValueOf(boxoffice.ChargeRequest{
			IdempotencyKey: "charge:1", UserID: "u1", Amount: 1000}),
		reflect.TypeFor[boxoffice.RefundRequest](): reflect.ValueOf(boxoffice.RefundRequest{
			IdempotencyKey: "refund:1", ChargeKey: "charge:1", Amount: 500}),
	}
}

// callEveryMethod calls every exported method of T on a receiver made by
// recv (fresh for each call), once with zero arguments and once with
// plausible ones, and passes what it returned to check. A panic, in the
// method or in an iterator it returned, fails the test. Function
// arguments (callbacks) return zero values; iterators are run to the end.
func callEveryMethod[T any](t *testing.T, recv func() T, check func(t *testing.T, c methodCall)) {
	t.Helper()
	ctxType := reflect.TypeFor[context.Context]()
	typ := reflect.TypeFor[T]()
	if typ.NumMethod() == 0 {
		t.Fatalf("%v has no exported methods", typ)
	}
	plausible := plausibleArgs()
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		for _, set := range []string{"zero", "plausible"} {
			t.Run(m.Name+"/"+set, func(t *testing.T) {
				args := []reflect.Value{reflect.ValueOf(recv())}
				for j := 1; j < m.Type.NumIn(); j++ {
					in := m.Type.In(j)
					v, ok := plausible[in]
					switch {
					case in == ctxType:
						v = reflect.ValueOf(t.Context())
					case in.Kind() == reflect.Func:
						v = reflect.MakeFunc(in, func([]reflect.Value) []reflect.Value { return zeros(in) })
					case set == "zero" || !ok:
						v = reflect.Zero(in)
					}
					args = append(args, v)
				}
				c := methodCall{method: m, args: set}
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("%s (%s arguments) panicked: %v", m.Name, set, r)
					}
				}()
				c.out = m.Func.Call(args)
				for _, v := range c.out {
					if isIterator(v.Type()) && !v.IsNil() {
						yield := v.Type().In(0)
						v.Call([]reflect.Value{reflect.MakeFunc(yield, func(vs []reflect.Value) []reflect.Value {
							c.yielded = append(c.yielded, vs)
							return []reflect.Value{reflect.ValueOf(true)}
						})})
					}
				}
				check(t, c)
			})
		}
	}
}

// zeros returns the zero values of fn's results.
func zeros(fn reflect.Type) []reflect.Value {
	out := make([]reflect.Value, fn.NumOut())
	for i := range out {
		out[i] = reflect.Zero(fn.Out(i))
	}
	return out
}

// isIterator reports whether t is a func(yield func(...) bool), as
// iter.Seq and iter.Seq2 are.
func isIterator(t reflect.Type) bool {
	if t.Kind() != reflect.Func || t.NumIn() != 1 || t.NumOut() != 0 {
		return false
	}
	y := t.In(0)
	return y.Kind() == reflect.Func && y.NumOut() == 1 && y.Out(0).Kind() == reflect.Bool
}

// refusedAsClosed checks that a call returned errors, every one of them
// matching ErrClosed: what was never made acts as closed.
func refusedAsClosed(t *testing.T, c methodCall) {
	errs := c.errs()
	if len(errs) == 0 && reportsErrors(c.method.Type) {
		t.Errorf("%s returned no error", c.method.Name)
	}
	for _, err := range errs {
		if !errors.Is(err, boxoffice.ErrClosed) {
			t.Errorf("%s returned %v, want an error matching ErrClosed", c.method.Name, err)
		}
	}
}

// reportsErrors reports whether a method of type fn returns an error, or
// an iterator that yields one.
func reportsErrors(fn reflect.Type) bool {
	errType := reflect.TypeFor[error]()
	for i := range fn.NumOut() {
		out := fn.Out(i)
		if out == errType {
			return true
		}
		if isIterator(out) {
			yield := out.In(0)
			for j := range yield.NumIn() {
				if yield.In(j) == errType {
					return true
				}
			}
		}
	}
	return false
}

// TestZeroAndNilBookingSystem: every method of a BookingSystem not made by
// New (a zero one, or a nil pointer) that returns an error returns one
// matching ErrClosed; the others (Pricing, Clock, Config, Stats) return
// zero values.
func TestZeroAndNilBookingSystem(t *testing.T) {
	t.Run("zero", func(t *testing.T) {
		callEveryMethod(t, func() *boxoffice.BookingSystem { return new(boxoffice.BookingSystem) }, refusedAsClosed)
	})
	t.Run("nil", func(t *testing.T) {
		callEveryMethod(t, func() *boxoffice.BookingSystem { return nil }, refusedAsClosed)
	})
}

// TestZeroAndNilMemoryStore: every method of a MemoryStore not made by
// NewMemoryStore (a zero one, or a nil pointer) returns an error matching
// ErrClosed, and an iterator yields one such error.
func TestZeroAndNilMemoryStore(t *testing.T) {
	t.Run("zero", func(t *testing.T) {
		callEveryMethod(t, func() *boxoffice.MemoryStore { return new(boxoffice.MemoryStore) }, refusedAsClosed)
	})
	t.Run("nil", func(t *testing.T) {
		callEveryMethod(t, func() *boxoffice.MemoryStore { return nil }, refusedAsClosed)
	})
}

// TestZeroAndNilInMemoryGateway: a nil *InMemoryGateway refuses charges
// and refunds with an error matching ErrClosed and reads as empty; a zero
// one is an empty gateway (see inmemorygateway_test.go), which must not
// panic either.
func TestZeroAndNilInMemoryGateway(t *testing.T) {
	t.Run("nil", func(t *testing.T) {
		callEveryMethod(t, func() *boxoffice.InMemoryGateway { return nil }, func(t *testing.T, c methodCall) {
			errs := c.errs()
			for _, err := range errs {
				if !errors.Is(err, boxoffice.ErrClosed) {
					t.Errorf("%s returned %v, want an error matching ErrClosed", c.method.Name, err)
				}
			}
			if len(errs) == 0 {
				for i, v := range c.out {
					if !v.IsZero() {
						t.Errorf("%s result %d = %v, want the zero value", c.method.Name, i, v)
					}
				}
			}
		})
	})
	t.Run("zero", func(t *testing.T) {
		callEveryMethod(t, func() *boxoffice.InMemoryGateway { return new(boxoffice.InMemoryGateway) }, func(*testing.T, methodCall) {})
	})
}

// TestZeroAndNilLayout: a nil *Layout, like a zero one (what UnmarshalText
// fills, which it may do here), reads as a layout with no seats, as a nil
// map does: counts are 0, lookups find nothing, lists are empty, String is
// "", and the text methods return an error or fill the zero one.
func TestZeroAndNilLayout(t *testing.T) {
	for _, l := range []struct {
		name string
		new  func() *boxoffice.Layout
	}{
		{"zero", func() *boxoffice.Layout { return new(boxoffice.Layout) }},
		{"nil", func() *boxoffice.Layout { return nil }},
	} {
		t.Run(l.name, func(t *testing.T) {
			callEveryMethod(t, l.new, func(t *testing.T, c methodCall) {
				if c.method.Name == "Equal" && c.args == "zero" {
					return // Equal(nil): two nil layouts are equal
				}
				if len(c.errs()) > 0 {
					return
				}
				for i, v := range c.out {
					if !v.IsZero() {
						t.Errorf("%s result %d = %v, want the zero value", c.method.Name, i, v)
					}
				}
			})
		})
	}
}
