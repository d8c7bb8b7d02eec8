// Package testservices decides what a test does when something it needs
// from the machine (PostgreSQL, Redis, Chromium, node) is missing: a
// developer's run skips it, but a run that requires services fails it, so
// that CI cannot go green on tests that never ran. The root package's,
// pgstore's and the examples' tests share it.
package testservices

import (
	"os"
	"testing"
)

// Required reports whether this run must have every service:
// BOXOFFICE_REQUIRE_SERVICES=1 (what .ci/run exports), or CI=true (what CI
// sets), in case a CI script forgets the first.
func Required() bool {
	return os.Getenv("BOXOFFICE_REQUIRE_SERVICES") == "1" || os.Getenv("CI") == "true"
}

// Missing fails tb when services are Required, else skips it, with the
// message format and args give, saying which it was and why.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if Required() {
		tb.Fatalf(format+" (required: BOXOFFICE_REQUIRE_SERVICES=1 or CI=true)", args...)
		return
	}
	tb.Skipf(format+" (skipped; set BOXOFFICE_REQUIRE_SERVICES=1 to fail instead)", args...)
}
