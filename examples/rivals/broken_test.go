package rivals

// A check of the rival tests themselves: do they tell a broken hold from
// a good one? Each variant below is a rival built with a deliberately
// broken hold script (RedisLocks) or statement (SQLRows); the rival tests
// run against it in a child process of the test binary (rivalCases
// returns that one rival there), and TestBrokenRivals passes only when
// every broken variant fails them and the controls, the real script and
// statement, pass. It follows the root module's brokenCheck
// (brokencheck_test.go), without its switch: the rivals' tests take a
// second, so it runs with the README's test command, which needs Redis
// and PostgreSQL anyway.

import (
	"errors"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// brokenRivalEnv names the variant a child process runs the tests on.
const brokenRivalEnv = "RIVALS_BROKEN_VARIANT"

// brokenRivalTries is how many times a broken variant may pass the tests
// before the check calls it missed: TestConcurrentOverlappingHolds may
// miss a race on a stalled machine; a control gets one run.
const brokenRivalTries = 3

// brokenRival is a rival ("redis" or "sql") with the given hold script or
// statement; control marks the real ones.
type brokenRival struct {
	name, rival, hold string
	control           bool
}

// brokenRivals returns the variants: the real script and statement, then
// one break at a time.
func brokenRivals() []brokenRival {
	const redisTail = `
redis.call('HSET', KEYS[1], 'user', ARGV[5], 'show', ARGV[6], 'seats', ARGV[7], 'held_until', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`
	// checkThenSet is the real script's shape with the check given:
	// every seat checked, then every seat set.
	checkThenSet := func(taken string) string {
		return `
local now = tonumber(ARGV[1])
for i = 2, #KEYS do
	local v = redis.call('GET', KEYS[i])
	if ` + taken + ` then
		return 0
	end
end
local owner = ARGV[3] .. ':' .. ARGV[2]
for i = 2, #KEYS do
	redis.call('SET', KEYS[i], owner, 'PX', ARGV[4])
end` + redisTail
	}
	// The real statement with another condition for a free seat.
	sqlFree := func(free string) string {
		return strings.Replace(holdSeatsSQL, "AND (holder IS NULL OR held_until <= $5)", free, 1)
	}
	return []brokenRival{
		{"redis-ok", "redis", holdScript, true},
		{"sql-ok", "sql", holdSeatsSQL, true},

		// Each seat checked and set in turn: a hold refused at its
		// second seat keeps its first.
		{"redis-seat-by-seat", "redis", `
local now = tonumber(ARGV[1])
local owner = ARGV[3] .. ':' .. ARGV[2]
for i = 2, #KEYS do
	local v = redis.call('GET', KEYS[i])
	if v and tonumber(string.match(v, '^(%d+):')) > now then
		return 0
	end
	redis.call('SET', KEYS[i], owner, 'PX', ARGV[4])
end` + redisTail, false},
		// Each seat set first, its old value checked after (SET ... GET):
		// a refused hold has overwritten the live one.
		{"redis-set-before-check", "redis", `
local now = tonumber(ARGV[1])
local owner = ARGV[3] .. ':' .. ARGV[2]
for i = 2, #KEYS do
	local v = redis.call('SET', KEYS[i], owner, 'PX', ARGV[4], 'GET')
	if v and tonumber(string.match(v, '^(%d+):')) > now then
		return 0
	end
end` + redisTail, false},
		{"redis-no-check", "redis", checkThenSet("false"), false},
		// A key is taken whatever its time: a passed hold keeps its seats
		// until Redis expires the key.
		{"redis-ignores-time", "redis", checkThenSet("v"), false},
		// A hold still taken at its end.
		{"redis-end-inclusive", "redis", checkThenSet("v and tonumber(string.match(v, '^(%d+):')) >= now"), false},

		// No free condition: a hold takes seats held by another.
		{"sql-no-free-condition", "sql", sqlFree(""), false},
		// A passed hold keeps its seats (only NULL is free).
		{"sql-holder-only", "sql", sqlFree("AND holder IS NULL"), false},
		// A hold still taken at its end.
		{"sql-end-inclusive", "sql", sqlFree("AND (holder IS NULL OR held_until < $5)"), false},
		// Without the parentheses, AND binds first: any row of any show
		// whose hold passed is taken too.
		{"sql-or-precedence", "sql", sqlFree("AND holder IS NULL OR held_until <= $5"), false},
	}
}

// brokenRivalCase is the rival of the variant this child process runs, if
// it is one.
func brokenRivalCase() (rivalCase, bool) {
	name, ok := os.LookupEnv(brokenRivalEnv)
	if !ok {
		return rivalCase{}, false
	}
	i := slices.IndexFunc(brokenRivals(), func(v brokenRival) bool { return v.name == name })
	if i < 0 {
		return rivalCase{name: name, new: func(t *testing.T, _ []string) rival {
			t.Fatalf("no broken rival %q", name)
			return nil
		}}, true
	}
	v := brokenRivals()[i]
	return rivalCase{v.name, func(t *testing.T, seats []string) rival {
		if v.rival == "redis" {
			return newTestRedisLocks(t, testRedis(t, 16), v.hold)
		}
		return newTestSQLRows(t, testPool(t, 16), v.hold, []string{testShow}, seats)
	}}, true
}

// TestBrokenRivals runs the rival tests on every variant, each in a child
// process, and wants the broken ones caught and the controls passed.
func TestBrokenRivals(t *testing.T) {
	if _, ok := os.LookupEnv(brokenRivalEnv); ok {
		t.Skip("a child process of TestBrokenRivals")
	}
	// Skip here, not in the children, when the services are missing
	// (and not required): a child that skips passes.
	testRedis(t, 1)
	testPool(t, 1)
	for _, v := range brokenRivals() {
		t.Run(v.name, func(t *testing.T) {
			tries := brokenRivalTries
			if v.control {
				tries = 1
			}
			for range tries {
				cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^Test", "-test.skip=^TestBrokenRivals$", "-test.count=1", "-test.v", "-test.timeout=2m")
				cmd.Env = append(os.Environ(), brokenRivalEnv+"="+v.name)
				out, err := cmd.CombinedOutput()
				var exit *exec.ExitError
				switch {
				case err == nil && v.control:
					return
				case err == nil:
					t.Logf("broken rival passed the tests; running them again")
				case errors.As(err, &exit) && exit.ExitCode() == 1 && !v.control:
					t.Logf("caught by %s", strings.Join(failedTests(out), ", "))
					return
				case errors.As(err, &exit) && exit.ExitCode() == 1:
					t.Errorf("control failed the tests (%s):\n%s", strings.Join(failedTests(out), ", "), out)
					return
				default: // not a verdict: a panic, a timeout
					t.Errorf("child process: %v\n%s", err, out)
					return
				}
			}
			t.Errorf("broken rival passed the tests %d times in %d: they miss it", tries, tries)
		})
	}
}

// failedTests returns the failed tests and subtests of a child's verbose
// output.
func failedTests(out []byte) []string {
	var failed []string
	for _, m := range regexp.MustCompile(`--- FAIL: (\S+)`).FindAllSubmatch(out, -1) {
		failed = append(failed, string(m[1]))
	}
	if len(failed) == 0 {
		return []string{"no test named"}
	}
	return failed
}
