package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/internal/testservices"
)

// chromiumPath is Debian's Chromium; .ci/chromium.sh installs it.
const chromiumPath = "/usr/bin/chromium"

// TestBrowserTwoCustomers books seats as two people would, in two browser
// sessions of headless Chromium on one show: the first picks two seats
// (with the mouse, then the keyboard) and holds them; the second, which
// had picked one of them too, sees both turn unavailable without reloading
// and cannot take them; the first pays and sees the confirmation. It
// writes screenshots for review to $BOXOFFICE_SCREENSHOT_DIR, or to a
// temporary directory.
func TestBrowserTwoCustomers(t *testing.T) {
	requireChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ts, sys := startDemo(t, ctx, boxoffice.Config{})

	movieID, showID := grandHallShow(t, ts.URL)
	first, second := adjacentFreeSeats(t, ts.URL, showID, "E")

	browser := startChromium(t, ctx)
	alice, closeAlice := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer closeAlice()
	bob, closeBob := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer closeBob()
	defer checkConsole(t, watchConsole(t, alice), "alice")
	defer checkConsole(t, watchConsole(t, bob), "bob")

	seat := func(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf(`button.seat[data-seat=%q]`, id)) }
	live := chromedp.Poll[bool](`document.querySelector("#live").dataset.state === "live"`, chromedp.WithPollingTimeout(10*time.Second))

	// Alice goes the long way: film, showtime, seat map.
	must(t, chromedp.Do(alice,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[data-movie=%q]`, movieID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[data-show=%q]`, showID))),
		chromedp.WaitVisible(seat(first)),
	))
	mustRun(t, alice, live)
	// Bob follows a link to the show, and picks the first of the seats.
	must(t, chromedp.Do(bob,
		chromedp.Navigate(ts.URL+"/#/show/"+showID),
		chromedp.WaitVisible(seat(first)),
	))
	mustRun(t, bob, live)
	must(t, chromedp.Do(bob,
		chromedp.Evaluate[chromedp.Void](`window.sameDocument = true`),
		chromedp.Click(seat(first)),
	))
	if got := attr(t, bob, first, "aria-pressed"); got != "true" {
		t.Fatalf("bob clicked %s: aria-pressed = %q, want true", first, got)
	}

	// Alice picks the first seat with the mouse, moves right with the
	// keyboard and picks the second with Enter, then holds both.
	must(t, chromedp.Do(alice,
		chromedp.Click(seat(first)),
		chromedp.KeyEvent(kb.ArrowRight),
	))
	focused := mustRun(t, alice, chromedp.Evaluate[string](`document.activeElement.dataset.seat || ""`))
	if focused != second {
		t.Fatalf("after ArrowRight from %s the focus is on %q, want %s", first, focused, second)
	}
	must(t, chromedp.Do(alice,
		chromedp.KeyEvent(kb.Enter),
		chromedp.Click(chromedp.ID("hold-btn")),
		chromedp.WaitVisible(chromedp.ID("panel-hold")),
	))
	held := time.Now()
	countdown := mustRun(t, alice, chromedp.Text(chromedp.ID("countdown")))
	if !regexp.MustCompile(`^(10:00|9:[0-5]\d)$`).MatchString(countdown) {
		t.Errorf("countdown shows %q, want about 10:00", countdown)
	}
	heldSeats := mustRun(t, alice, chromedp.Text(chromedp.ID("held-list")))
	if !regexp.MustCompile(first + `[\s\S]*` + second).MatchString(heldSeats) {
		t.Errorf("held seats panel says %q, want %s and %s", heldSeats, first, second)
	}

	// Bob's page sees both seats go, without a reload, and drops his pick.
	mustRun(t, bob, chromedp.Poll[bool](fmt.Sprintf(`[%q, %q].every(id => {
			const b = document.querySelector('button.seat[data-seat="' + id + '"]');
			return b.dataset.status === "held" && b.getAttribute("aria-disabled") === "true" && b.getAttribute("aria-pressed") === "false";
		}) && window.sameDocument === true`, first, second), chromedp.WithPollingTimeout(5*time.Second), chromedp.WithPollingInterval(20*time.Millisecond)))
	t.Logf("bob saw the hold %v after alice's page showed it", time.Since(held).Round(time.Millisecond))
	toast := mustRun(t, bob, chromedp.Text(chromedp.ID("toasts")))
	if !regexp.MustCompile(`just taken`).MatchString(toast) {
		t.Errorf("bob was told %q, want a word that the seat was just taken", toast)
	}

	// Bob cannot take them: the click does nothing, and the API says 409.
	must(t, chromedp.Do(bob, chromedp.Click(seat(first))))
	if got := attr(t, bob, first, "aria-pressed"); got != "false" {
		t.Errorf("bob clicked a held seat: aria-pressed = %q, want false", got)
	}
	if disabled := mustRun(t, bob, chromedp.Evaluate[bool](`document.querySelector("#hold-btn").disabled`)); !disabled {
		t.Error("bob's hold button is enabled with nothing to hold")
	}
	type answer struct {
		Status int       `json:"status"`
		Body   errorJSON `json:"body"`
	}
	got := mustRun(t, bob, chromedp.Evaluate[answer](fmt.Sprintf(`fetch("/api/shows/%s/holds", {
			method: "POST", headers: {"Content-Type": "application/json"},
			body: JSON.stringify({user: document.querySelector("#user").value, seats: [%q]}),
		}).then(async r => ({status: r.status, body: await r.json()}))`, showID, first), chromedp.EvalAwaitPromise))
	if got.Status != http.StatusConflict || got.Body.Code != "seat_unavailable" || len(got.Body.Seats) != 1 || got.Body.Seats[0] != first {
		t.Errorf("bob's hold of %s: %+v, want 409 seat_unavailable naming %s", first, got, first)
	}

	// Alice pays and sees her confirmation; Bob sees the seats sold.
	must(t, chromedp.Do(alice,
		chromedp.Click(chromedp.ID("pay-btn")),
		chromedp.WaitVisible(chromedp.ID("panel-done")),
	))
	doneSeats := mustRun(t, alice, chromedp.Text(chromedp.ID("done-seats")))
	if doneSeats != first+", "+second {
		t.Errorf("confirmation lists seats %q, want %q", doneSeats, first+", "+second)
	}
	ref := mustRun(t, alice, chromedp.Text(chromedp.ID("done-ref")))
	if !regexp.MustCompile(`^[0-9A-F]{8}$`).MatchString(ref) {
		t.Errorf("confirmation reference %q, want 8 hex digits", ref)
	}
	mustRun(t, bob, chromedp.Poll[bool](fmt.Sprintf(`[%q, %q].every(id =>
			document.querySelector('button.seat[data-seat="' + id + '"]').dataset.status === "booked")`, first, second),
		chromedp.WithPollingTimeout(5*time.Second)))
	user := mustRun(t, alice, chromedp.Value(chromedp.ID("user")))
	bookings, err := sys.BookingsOfUser(ctx, user, boxoffice.BookingPage{})
	if err != nil || len(bookings) != 1 || bookings[0].Status != boxoffice.StatusConfirmed {
		t.Errorf("bookings of %s: %+v, %v; want one confirmed", user, bookings, err)
	}

	// For a picture of a hall in use: Alice holds two more seats, which
	// Bob sees go, and Bob picks two of his own.
	dir := screenshotDir(t)
	screenshot(t, alice, filepath.Join(dir, "confirmation.png"))
	g1, g2 := adjacentFreeSeats(t, ts.URL, showID, "G")
	must(t, chromedp.Do(alice,
		chromedp.Click(chromedp.ID("again-btn")),
		chromedp.Click(seat(g1)), chromedp.Click(seat(g2)),
		chromedp.Click(chromedp.ID("hold-btn")),
		chromedp.WaitVisible(chromedp.ID("panel-hold")),
	))
	mustRun(t, bob, chromedp.Poll[bool](fmt.Sprintf(`document.querySelector('button.seat[data-seat=%q]').dataset.status === "held"`, g2),
		chromedp.WithPollingTimeout(5*time.Second)))
	h1, h2 := adjacentFreeSeats(t, ts.URL, showID, "H")
	must(t, chromedp.Do(bob, chromedp.Click(seat(h1)), chromedp.Click(seat(h2)),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll(".toast").forEach(t => t.remove()); document.activeElement.blur()`),
		chromedp.MouseEvent("mouseMoved", 5, 5)))
	screenshot(t, bob, filepath.Join(dir, "seatmap.png"))
}

// TestBrowserStreamRefused: EventSource reconnects by itself when a stream
// drops, but gives up for good on an answer other than 200, such as the
// 503 of a server holding -max-streams streams. The page must try again
// on its own and go live once a slot is free.
func TestBrowserStreamRefused(t *testing.T) {
	requireChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ts, _ := startDemoWith(t, ctx, boxoffice.Config{}, options{MaxStreams: 1})
	_, showID := grandHallShow(t, ts.URL)

	// Someone else's stream holds the only slot.
	other, leave := context.WithCancel(ctx)
	defer leave()
	req, err := http.NewRequestWithContext(other, "GET", ts.URL+"/api/shows/"+showID+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the first stream: %s", res.Status)
	}

	browser := startChromium(t, ctx)
	tab, closeTab := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer closeTab()
	defer checkConsole(t, watchConsole(t, tab), "tab")
	liveState := func(state string, timeout time.Duration) chromedp.Action[bool] {
		return chromedp.Poll[bool](fmt.Sprintf(`document.querySelector("#live").dataset.state === %q`, state),
			chromedp.WithPollingTimeout(timeout))
	}
	must(t, chromedp.Do(tab,
		chromedp.Navigate(ts.URL+"/#/show/"+showID),
		chromedp.WaitVisible(chromedp.CSS("button.seat")),
	))
	mustRun(t, tab, liveState("down", 10*time.Second)) // refused: 503
	leave()
	// The page waits a few seconds (at random, so that refused pages do
	// not all come back at once) before it asks again.
	mustRun(t, tab, liveState("live", 20*time.Second))
}

// TestBrowserTheaterTime: show times are the theater's (Europe/Lisbon in
// the demo), labelled with its zone, in a browser whose own zone is far
// from it (Asia/Tokyo, nine hours on): the film's next show on the home
// page, the showtimes and the seat map's heading.
func TestBrowserTheaterTime(t *testing.T) {
	requireChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ts, _ := startDemo(t, ctx, boxoffice.Config{})
	movieID, _ := grandHallShow(t, ts.URL)
	var shows struct{ Shows []showJSON }
	getJSON(t, ts.URL+"/api/movies/"+movieID+"/shows", &shows)
	if len(shows.Shows) == 0 {
		t.Fatalf("film %s has no shows", movieID)
	}
	first := shows.Shows[0]
	lisbon := demoLocation(t)
	want := first.Start.In(lisbon).Format("15:04")
	if tokyo := first.Start.In(time.FixedZone("JST", 9*3600)).Format("15:04"); tokyo == want {
		t.Fatalf("the show starts at %s in Lisbon and in Tokyo: the test cannot tell them apart", want)
	}

	tab, closeTab := chromedp.NewContext(startChromium(t, ctx))
	defer closeTab()
	defer checkConsole(t, watchConsole(t, tab), "the page")
	must(t, chromedp.Do(tab, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"})
		return err
	})))
	if zone := mustRun(t, tab, chromedp.Evaluate[string](`Intl.DateTimeFormat().resolvedOptions().timeZone`)); zone != "Asia/Tokyo" {
		t.Fatalf("the browser's zone is %q, want Asia/Tokyo", zone)
	}

	// The home page: the film's next show.
	must(t, chromedp.Do(tab,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`a[data-movie=%q]`, movieID))),
	))
	next := mustRun(t, tab, chromedp.Poll[string](fmt.Sprintf(`(() => {
			const t = document.querySelector('a[data-movie=%q] .next').textContent;
			return t.startsWith("Next") ? t : null;
		})()`, movieID), chromedp.WithPollingTimeout(5*time.Second)))
	if !strings.Contains(next, want+" (Lisbon time)") {
		t.Errorf("the film's card says %q; want its next show at %s (Lisbon time)", next, want)
	}

	// The showtimes: the first show's card.
	must(t, chromedp.Do(tab,
		chromedp.Navigate(ts.URL+"/#/movie/"+movieID),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`a[data-show=%q]`, first.ID))),
	))
	card := mustRun(t, tab, chromedp.Evaluate[[3]string](fmt.Sprintf(`(() => {
			const a = document.querySelector('a[data-show=%q]');
			return [a.querySelector(".t").textContent, a.querySelector(".tz").textContent, a.getAttribute("aria-label")];
		})()`, first.ID)))
	if card[0] != want || card[1] != "Lisbon time" || !strings.Contains(card[2], want+" (Lisbon time)") {
		t.Errorf("show %s's card shows %q, %q, labelled %q; want %s, Lisbon time", first.ID, card[0], card[1], card[2], want)
	}

	// The seat map's heading.
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[data-show=%q]`, first.ID))),
		chromedp.WaitVisible(chromedp.CSS("button.seat")),
	))
	if meta := mustRun(t, tab, chromedp.Text(chromedp.ID("seats-meta"))); !strings.Contains(meta, want+" (Lisbon time)") {
		t.Errorf("the seat map's heading says %q; want %s (Lisbon time)", meta, want)
	}
}

// screenshotDir is where screenshots for review go:
// $BOXOFFICE_SCREENSHOT_DIR if set, else a temporary directory.
func screenshotDir(t *testing.T) string {
	if dir := os.Getenv("BOXOFFICE_SCREENSHOT_DIR"); dir != "" {
		return dir
	}
	return t.TempDir()
}

// screenshot writes the tab's viewport to a PNG file once the page has no
// running transition.
func screenshot(t *testing.T, tab context.Context, path string) {
	t.Helper()
	mustRun(t, tab, chromedp.Poll[bool](`document.getAnimations().every(a => a.effect.getComputedTiming().iterations === Infinity)`,
		chromedp.WithPollingTimeout(5*time.Second)))
	png := mustRun(t, tab, chromedp.CaptureScreenshot())
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// TestBrowserOneCustomer walks one customer through what can go wrong and
// back: a search, seats picked with the keyboard only, a reload during the
// hold, a declined card, another card, the booking list, a cancellation.
func TestBrowserOneCustomer(t *testing.T) {
	requireChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ts, sys := startDemo(t, ctx, boxoffice.Config{})
	movieID, showID := grandHallShow(t, ts.URL)
	first, second := adjacentFreeSeats(t, ts.URL, showID, "F")

	tab, closeTab := chromedp.NewContext(startChromium(t, ctx))
	defer closeTab()
	defer checkConsole(t, watchConsole(t, tab), "the page")
	seat := func(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf(`button.seat[data-seat=%q]`, id)) }

	// Search narrows the films as one types.
	must(t, chromedp.Do(tab,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`a[data-movie]`)),
		chromedp.SendKeys(chromedp.CSS(`#search input[name=title]`), "harbor"),
	))
	mustRun(t, tab, chromedp.Poll[bool](`document.querySelectorAll("a[data-movie]").length === 1 &&
		document.querySelector("a[data-movie]").dataset.movie === "neon-harbor"`, chromedp.WithPollingTimeout(5*time.Second)))

	// The keyboard alone: focus the first seat, arrows to ours, Space and
	// Enter to pick, Enter on the hold button.
	must(t, chromedp.Do(tab,
		chromedp.Navigate(ts.URL+"/#/movie/"+movieID),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[data-show=%q]`, showID))),
		chromedp.WaitVisible(seat(first)),
		chromedp.Focus(chromedp.CSS(`button.seat[tabindex="0"]`)),
	))
	for range 24 {
		d := mustRun(t, tab, chromedp.Evaluate[[2]int](fmt.Sprintf(`(() => {
			const at = document.activeElement.dataset, to = document.querySelector('button.seat[data-seat=%q]').dataset;
			return [to.line - at.line, to.column - at.column];
		})()`, first)))
		var key string
		switch {
		case d[0] > 0:
			key = kb.ArrowDown
		case d[0] < 0:
			key = kb.ArrowUp
		case d[1] > 0:
			key = kb.ArrowRight
		case d[1] < 0:
			key = kb.ArrowLeft
		}
		if key == "" {
			break
		}
		must(t, chromedp.Do(tab, chromedp.KeyEvent(key)))
	}
	must(t, chromedp.Do(tab, chromedp.KeyEvent(" "), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.Enter)))
	for _, id := range []string{first, second} {
		if got := attr(t, tab, id, "aria-pressed"); got != "true" {
			t.Fatalf("seat %s: aria-pressed %q after the keyboard picked it", id, got)
		}
	}
	must(t, chromedp.Do(tab, chromedp.Focus(chromedp.ID("hold-btn")), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.ID("panel-hold"))))

	// A reload keeps the hold and its countdown.
	must(t, chromedp.Do(tab, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("panel-hold"))))
	dir := screenshotDir(t)
	screenshot(t, tab, filepath.Join(dir, "hold.png"))
	if held := mustRun(t, tab, chromedp.Text(chromedp.ID("held-list"))); !regexp.MustCompile(first + `[\s\S]*` + second).MatchString(held) {
		t.Errorf("after a reload the hold lists %q", held)
	}

	// The declined card: the seats are let go, and picked again for a retry.
	must(t, chromedp.Do(tab,
		chromedp.SetValue(chromedp.ID("payment"), string(declinedCard)),
		chromedp.Click(chromedp.ID("pay-btn")),
		chromedp.WaitVisible(chromedp.ID("panel-select")),
	))
	if toast := mustRun(t, tab, chromedp.Text(chromedp.ID("toasts"))); !regexp.MustCompile(`did not go through`).MatchString(toast) {
		t.Errorf("after a declined card the page says %q", toast)
	}
	// The select panel shows as soon as the hold ends; the seats are picked
	// again only once the page has read the map anew, a request later.
	pickedAgain := fmt.Sprintf(`[%q, %q].every(id => document.querySelector('button.seat[data-seat="' + id + '"]').getAttribute("aria-pressed") === "true")`, first, second)
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](pickedAgain, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("seats %s and %s not picked again after the decline (aria-pressed %q, %q): %v",
			first, second, attr(t, tab, first, "aria-pressed"), attr(t, tab, second, "aria-pressed"), err)
	}
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.ID("hold-btn")),
		chromedp.WaitVisible(chromedp.ID("panel-hold")),
		chromedp.SetValue(chromedp.ID("payment"), "card:tok_visa"),
		chromedp.Click(chromedp.ID("pay-btn")),
		chromedp.WaitVisible(chromedp.ID("panel-done")),
	))

	// My bookings: the failed one and the paid one; cancel the paid one.
	must(t, chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`a[data-nav=bookings]`)),
		chromedp.WaitVisible(chromedp.CSS(`.booking-item`)),
	))
	statuses := mustRun(t, tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".booking-item .status")].map(s => s.textContent)`))
	if strings.Join(statuses, ",") != "confirmed,failed" {
		t.Errorf("bookings page shows %v, want confirmed then failed", statuses)
	}
	screenshot(t, tab, filepath.Join(dir, "bookings.png"))
	must(t, chromedp.Do(tab, chromedp.Click(chromedp.CSS(`.booking-item button`))))
	mustRun(t, tab, chromedp.Poll[bool](`document.querySelector(".booking-item .status").textContent === "cancelled"`,
		chromedp.WithPollingTimeout(5*time.Second)))
	user := mustRun(t, tab, chromedp.Value(chromedp.ID("user")))
	bookings, err := sys.BookingsOfUser(ctx, user, boxoffice.BookingPage{})
	if err != nil || len(bookings) != 2 || bookings[0].Status != boxoffice.StatusFailed || bookings[1].Status != boxoffice.StatusCancelled {
		t.Errorf("bookings of %s: %v, %v; want failed and cancelled", user, bookings, err)
	}
}

// TestBrowserHoldExpires lets a hold run out, with holds of three seconds:
// the countdown reaches zero, the page says so and offers the seat again.
func TestBrowserHoldExpires(t *testing.T) {
	requireChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ts, _ := startDemo(t, ctx, boxoffice.Config{HoldTTL: 3 * time.Second})
	_, showID := grandHallShow(t, ts.URL)
	id, _ := adjacentFreeSeats(t, ts.URL, showID, "D")
	sel := chromedp.CSS(fmt.Sprintf(`button.seat[data-seat=%q]`, id))

	tab, closeTab := chromedp.NewContext(startChromium(t, ctx))
	defer closeTab()
	defer checkConsole(t, watchConsole(t, tab), "the page")
	must(t, chromedp.Do(tab,
		chromedp.Navigate(ts.URL+"/#/show/"+showID),
		chromedp.Click(sel),
		chromedp.Click(chromedp.ID("hold-btn")),
		chromedp.WaitVisible(chromedp.ID("panel-hold")),
	))
	if c := mustRun(t, tab, chromedp.Text(chromedp.ID("countdown"))); !regexp.MustCompile(`^0:0[1-3]$`).MatchString(c) {
		t.Errorf("a 3-second hold shows %q", c)
	}
	mustRun(t, tab, chromedp.Poll[bool](fmt.Sprintf(`!document.querySelector("#panel-select").hidden &&
		/ran out/.test(document.querySelector("#toasts").textContent) &&
		document.querySelector('button.seat[data-seat=%q]').dataset.status === "available"`, id),
		chromedp.WithPollingTimeout(10*time.Second)))
	// The seat can be picked again.
	must(t, chromedp.Do(tab, chromedp.Click(sel)))
	if got := attr(t, tab, id, "aria-pressed"); got != "true" {
		t.Errorf("seat %s after its hold ran out: aria-pressed %q", id, got)
	}
}

// watchConsole collects the tab's uncaught exceptions and console errors
// (a violation of the content security policy is one) from now on. Failed
// requests are left out: some of them (a 409) are what a test wants.
func watchConsole(t *testing.T, tab context.Context) func() []string {
	t.Helper()
	must(t, chromedp.Do(tab)) // opens the tab
	messages := chromedp.Console(tab)
	var mu sync.Mutex
	var bad []string
	go func() {
		for m, err := range messages {
			if err != nil {
				return // the tab is closed
			}
			if m.IsException() || m.Type == chromedp.ConsoleError && m.Source != "network" {
				mu.Lock()
				bad = append(bad, m.String())
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(bad)
	}
}

func checkConsole(t *testing.T, messages func() []string, who string) {
	t.Helper()
	for _, m := range messages() {
		t.Errorf("%s's console: %s", who, m)
	}
}

// requireChromium skips the test when Chromium is missing, unless the run
// requires it.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		testservices.Missing(t, "%s is missing (install it with .ci/chromium.sh)", chromiumPath)
	}
}

// startDemo serves the demo on the real clock, as `go run` does.
func startDemo(t *testing.T, ctx context.Context, cfg boxoffice.Config) (*httptest.Server, *boxoffice.BookingSystem) {
	t.Helper()
	return startDemoWith(t, ctx, cfg, options{})
}

// startDemoWith is startDemo with the server's options (its Logger is
// quiet).
func startDemoWith(t *testing.T, ctx context.Context, cfg boxoffice.Config, opts options) (*httptest.Server, *boxoffice.BookingSystem) {
	t.Helper()
	cfg.Gateway, cfg.HoldsPerMinute, cfg.Logger = newDemoGateway(), 10, quietLogger()
	sys, err := boxoffice.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sys.Close(context.Background()) })
	if _, err := seedDemo(ctx, sys, demoLocation(t)); err != nil {
		t.Fatal(err)
	}
	opts.Logger = quietLogger()
	srv := newServer(sys, opts)
	ts := httptest.NewServer(srv.routes())
	t.Cleanup(ts.Close)
	t.Cleanup(srv.closeStreams) // before ts.Close, which waits for the streams
	return ts, sys
}

// startChromium starts headless Chromium and returns a context whose tabs
// are in it.
func startChromium(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // the CI runs as root, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	must(t, chromedp.Do(browser)) // starts the browser
	return browser
}

// demoLocation is the demo theaters' zone, in which main seeds the demo.
func demoLocation(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(demoZone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// grandHallShow finds a show in the demo's large hall through the API.
func grandHallShow(t *testing.T, base string) (movieID, showID string) {
	t.Helper()
	for _, m := range demoMovies {
		var shows struct{ Shows []showJSON }
		getJSON(t, base+"/api/movies/"+m.ID+"/shows", &shows)
		for _, s := range shows.Shows {
			if s.HallID == "avenida-2" {
				return m.ID, s.ID
			}
		}
	}
	t.Fatal("the demo has no show in hall avenida-2")
	return "", ""
}

// adjacentFreeSeats finds two free seats side by side, in the row if it
// has two, else in any row: which seats the demo sold depends on the day.
func adjacentFreeSeats(t *testing.T, base, showID, row string) (string, string) {
	t.Helper()
	var m seatMapJSON
	getJSON(t, base+"/api/shows/"+showID+"/seats", &m)
	for _, inRow := range []bool{true, false} {
		for i := 1; i < len(m.Seats); i++ {
			a, b := m.Seats[i-1], m.Seats[i]
			if (a.Row == row || !inRow) && a.Row == b.Row && b.Column == a.Column+1 && a.Status == "available" && b.Status == "available" {
				return a.ID, b.ID
			}
		}
	}
	t.Fatalf("no two free seats side by side in %s", showID)
	return "", ""
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustRun[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func attr(t *testing.T, ctx context.Context, seatID, name string) string {
	t.Helper()
	return mustRun(t, ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`document.querySelector('button.seat[data-seat=%q]').getAttribute(%q) || ""`, seatID, name)))
}
