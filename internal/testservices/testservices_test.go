package testservices

import "testing"

func TestRequired(t *testing.T) {
	for _, c := range []struct {
		require, ci string
		want        bool
	}{
		{"", "", false},
		{"0", "false", false},
		{"1", "", true},
		{"", "true", true},
		{"1", "true", true},
	} {
		t.Setenv("BOXOFFICE_REQUIRE_SERVICES", c.require)
		t.Setenv("CI", c.ci)
		if got := Required(); got != c.want {
			t.Errorf("BOXOFFICE_REQUIRE_SERVICES=%q CI=%q: Required() = %v, want %v", c.require, c.ci, got, c.want)
		}
	}
}

// outcome records which of Fatalf and Skipf Missing called.
type outcome struct {
	testing.TB
	fatal, skip bool
}

func (o *outcome) Helper()               { o.TB.Helper() }
func (o *outcome) Fatalf(string, ...any) { o.fatal = true }
func (o *outcome) Skipf(string, ...any)  { o.skip = true }

func TestMissing(t *testing.T) {
	for _, c := range []struct {
		require, ci string
		fatal       bool
	}{
		{"", "", false},
		{"1", "", true},
		{"", "true", true},
	} {
		t.Setenv("BOXOFFICE_REQUIRE_SERVICES", c.require)
		t.Setenv("CI", c.ci)
		o := &outcome{TB: t}
		Missing(o, "PostgreSQL at %s: %v", "x", "refused")
		if o.fatal != c.fatal || o.skip == c.fatal {
			t.Errorf("BOXOFFICE_REQUIRE_SERVICES=%q CI=%q: failed %v, skipped %v; want failed %v, not both",
				c.require, c.ci, o.fatal, o.skip, c.fatal)
		}
	}
}
