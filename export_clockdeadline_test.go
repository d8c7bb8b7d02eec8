package boxoffice

// WithClockTimeoutForTest is withClockTimeout, for the tests of
// clockdeadline_test.go, which drive it with package fakeclock (which
// imports this package, so an internal test cannot).
var WithClockTimeoutForTest = withClockTimeout
