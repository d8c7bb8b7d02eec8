package boxoffice_test

import (
	"errors"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The broken-store checks (TestBrokenStores, TestBrokenLimitStores) hold
// storetest to failing deliberately broken Stores. A store is run through
// the suite in a child process of the test binary, so that the check's
// own verdict is an ordinary one: it passes when every broken store fails
// the suite and every control passes it, and can run in CI.

// brokenModeEnv names the one mode a child process runs.
const brokenModeEnv = "BOXOFFICE_BROKEN_MODE"

// brokenTries is how many times a broken mode may pass the suite before
// the check calls it missed. The concurrency tests catch a racy Store only
// if the machine does not stall its other transaction longer than their
// grace, so a loaded machine may let one through once; a correct Store
// never fails, so the controls get one run.
const brokenTries = 3

// brokenCheck runs the named check. In a child process it runs the suite
// against the one mode given by brokenModeEnv through runMode, with the
// ordinary verdict. Otherwise, with BOXOFFICE_BROKEN_STORES=1, it runs a
// child for each mode and checks the controls pass and the rest fail.
func brokenCheck(t *testing.T, name string, modes, controls []string, runMode func(t *testing.T, mode string)) {
	if mode, ok := os.LookupEnv(brokenModeEnv); ok {
		runMode(t, mode)
		return
	}
	if os.Getenv("BOXOFFICE_BROKEN_STORES") != "1" {
		t.Skip("a check of storetest, run each store in a child process: set BOXOFFICE_BROKEN_STORES=1")
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			control := slices.Contains(controls, mode)
			tries := brokenTries
			if control {
				tries = 1
			}
			for range tries {
				out, err := runBrokenChild(t, name, mode)
				var exit *exec.ExitError
				switch {
				case err == nil && control:
					return
				case err == nil: // passed the suite: maybe the machine stalled
					t.Logf("broken store passed the suite; running it again")
					continue
				case errors.As(err, &exit) && exit.ExitCode() == 1 && !control:
					t.Logf("caught by %s", strings.Join(failedLeaves(out, name, mode), ", "))
					return
				case errors.As(err, &exit) && exit.ExitCode() == 1:
					t.Errorf("control failed the suite (%s):\n%s", strings.Join(failedLeaves(out, name, mode), ", "), out)
					return
				default: // not a verdict: a panic, a timeout, no binary
					t.Errorf("child process: %v\n%s", err, out)
					return
				}
			}
			t.Errorf("broken store passed the suite %d times in %d: storetest misses it", tries, tries)
		})
	}
}

// runBrokenChild runs the test binary on one mode of the named check.
func runBrokenChild(t *testing.T, name, mode string) ([]byte, error) {
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+name+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), brokenModeEnv+"="+mode)
	return cmd.CombinedOutput()
}

// failedLeaves returns the suite's innermost failed subtests in a child's
// verbose output, without the test's name.
func failedLeaves(out []byte, name, mode string) []string {
	var failed []string
	for _, m := range regexp.MustCompile(`--- FAIL: `+name+`/(\S+)`).FindAllSubmatch(out, -1) {
		failed = append(failed, string(m[1]))
	}
	var leaves []string
	for _, f := range failed {
		if !slices.ContainsFunc(failed, func(g string) bool { return strings.HasPrefix(g, f+"/") }) {
			leaves = append(leaves, f)
		}
	}
	if len(leaves) == 0 {
		return []string{"no subtest named (mode " + mode + ")"}
	}
	return leaves
}
