// Package testwait bounds a test's wait on something the code under test
// must do (a fake gateway reached, a call's answer, a stream closed), so
// that a broken library fails the test that waited, naming what it waited
// for, instead of hanging the package's run until its timeout, which names
// no test. The bound is a hang guard, never timing logic: the fake clock
// drives that, and the bound is generous enough not to fire on a correct
// but loaded machine. The root package's, pgstore's and the examples'
// tests share it (examples/ is a module of its own, under this one's path,
// so it may import this package).
package testwait

import (
	"sync"
	"testing"
	"time"
)

// Bound is how long a wait lasts before it fails the test.
const Bound = time.Minute

// Recv receives from c, failing the test with what it waited for if
// nothing comes within Bound. Call it from the test's goroutine.
func Recv[T any](t testing.TB, c <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(Bound)
	defer timer.Stop()
	select {
	case v := <-c:
		return v
	case <-timer.C:
		t.Fatalf("waited %v for %s", Bound, what)
		var zero T
		return zero
	}
}

// WaitGroup waits for wg as Recv does for a channel.
func WaitGroup(t testing.TB, wg *sync.WaitGroup, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	Recv(t, done, what)
}

// Drain reads c until it is closed, failing the test with what it waited
// for if c is still open after Bound.
func Drain[T any](t testing.TB, c <-chan T, what string) {
	t.Helper()
	timer := time.NewTimer(Bound)
	defer timer.Stop()
	for {
		select {
		case _, ok := <-c:
			if !ok {
				return
			}
		case <-timer.C:
			t.Fatalf("waited %v for %s", Bound, what)
			return
		}
	}
}
