package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/internal/testservices"
)

// TestCancelledShowHTTP: a show the cinema cancelled is listed and mapped
// with "cancelled": true and nothing free, other shows with false; a hold
// on it is 409 show_cancelled; the show alone, which does not read its
// state, says nothing of it.
func TestCancelledShowHTTP(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	show, err := f.sys.Show(t.Context(), f.show)
	if err != nil {
		t.Fatal(err)
	}
	paid := f.hold("alice", f.freeSeats(f.show, 0, 2)...)
	f.callJSON("POST", "/api/bookings/"+paid.ID+"/confirm", bookingBody("confirm", "alice"), http.StatusOK, nil)
	if _, err := f.sys.CancelShow(t.Context(), f.show); err != nil {
		t.Fatal(err)
	}

	var list struct {
		Shows []showJSON
		Next  string
	}
	f.callJSON("GET", "/api/movies/"+show.MovieID+"/shows", "", http.StatusOK, &list)
	seen := false
	for _, s := range list.Shows {
		if s.Cancelled == nil || s.FreeSeats == nil {
			t.Fatalf("show %s listed without cancelled or freeSeats: %+v", s.ID, s)
		}
		if s.ID == f.show {
			seen = true
			if !*s.Cancelled || *s.FreeSeats != 0 {
				t.Errorf("the cancelled show listed: cancelled %v, %d free; want true, 0", *s.Cancelled, *s.FreeSeats)
			}
		} else if *s.Cancelled {
			t.Errorf("show %s listed as cancelled", s.ID)
		}
	}
	if !seen {
		t.Errorf("the cancelled show is not listed: %+v", list.Shows)
	}

	m := f.seatMap(f.show)
	if m.Show.Cancelled == nil || !*m.Show.Cancelled || m.Free != 0 || *m.Show.FreeSeats != 0 {
		t.Errorf("seat map: cancelled %v, free %d; want true, 0", m.Show.Cancelled, m.Free)
	}
	var one showJSON
	f.callJSON("GET", "/api/shows/"+f.show, "", http.StatusOK, &one)
	if one.Cancelled != nil {
		t.Errorf("GET the show: cancelled %v; want it left out", *one.Cancelled)
	}

	var e errorJSON
	f.callJSON("POST", "/api/shows/"+f.show+"/holds", mustJSON(t, holdRequest{User: "bob", Seats: []string{m.Seats[0].ID}}),
		http.StatusConflict, &e)
	if e.Code != "show_cancelled" {
		t.Errorf("hold on the cancelled show: %+v; want show_cancelled", e)
	}
	var got bookingJSON
	f.callJSON("GET", "/api/bookings/"+paid.ID, "", http.StatusOK, &got)
	if got.Status != "cancelled" || got.Refund == nil || got.Refund.AmountCents != paid.TotalCents || got.Refund.Percent != 100 {
		t.Errorf("the paid booking: %s, refund %+v; want cancelled, refunded in full", got.Status, got.Refund)
	}
}

// TestConfirmStoppedByCancelShow: the show is cancelled while the payment
// is in flight. The answer is 409 show_cancelled saying so, and the
// booking failed with the charge given back.
func TestConfirmStoppedByCancelShow(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	b := f.hold("carol", f.freeSeats(f.show, 0, 2)...)
	f.gateway.mu.Lock()
	f.gateway.beforeCharge = func() {
		if _, err := f.sys.CancelShow(t.Context(), f.show); err != nil {
			t.Error(err)
		}
	}
	f.gateway.mu.Unlock()
	var e errorJSON
	f.callJSON("POST", "/api/bookings/"+b.ID+"/confirm", bookingBody("confirm", "carol"), http.StatusConflict, &e)
	if e.Code != "show_cancelled" || !strings.Contains(e.Error, "the show was cancelled") {
		t.Errorf("confirm: %+v; want show_cancelled saying the show was cancelled", e)
	}
	var got bookingJSON
	f.callJSON("GET", "/api/bookings/"+b.ID, "", http.StatusOK, &got)
	if got.Status != "failed" || got.Payment == nil || got.Payment.Failure != "the show was cancelled" ||
		got.Refund == nil || got.Refund.AmountCents != b.TotalCents {
		t.Errorf("booking: %s, payment %+v, refund %+v; want failed, the show was cancelled, %d given back",
			got.Status, got.Payment, got.Refund, b.TotalCents)
	}
	// Asked again: the same answer, from the record.
	f.callJSON("POST", "/api/bookings/"+b.ID+"/confirm", bookingBody("confirm", "carol"), http.StatusConflict, &e)
	if e.Code != "show_cancelled" {
		t.Errorf("confirm again: %+v; want show_cancelled", e)
	}
}

// jsFunc cuts the source of the top-level function name out of app.js, by
// matching braces (those in its strings and templates are balanced).
func jsFunc(t *testing.T, src, name string) string {
	t.Helper()
	i := strings.Index(src, "\nfunction "+name+"(")
	if i < 0 {
		t.Fatalf("no function %s in app.js", name)
	}
	i++
	depth := 0
	for j := i; j < len(src); j++ {
		switch src[j] {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return src[i : j+1]
			}
		}
	}
	t.Fatalf("function %s not closed", name)
	return ""
}

// cancelledPageJS runs app.js's seat page functions in node on a stand-in
// DOM: the script gets st (a page of show S1 with seat A1 available and
// picked, or held when held is set), seatState, a fake EventSource whose
// listeners fire(name, data) calls, $ (elements by selector, made on first
// use) and seat (A1's button) and prints what it logs.
func cancelledPageJS(t *testing.T, cancelled, held bool, script string) []byte {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		testservices.Missing(t, "node is missing (install it with .ci/chromium.sh): the page's script is not run")
	}
	b, err := os.ReadFile("web/app.js")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	var fns []string
	for _, name := range []string{"friendly", "drawShowHead", "setCancelled", "isMine", "paintSeat", "toggleSeat", "setPanel",
		"drawHold", "drawDone", "tick", "endHold", "connect", "applyStatuses", "dropTakenSelection"} {
		fns = append(fns, jsFunc(t, src, name))
	}
	js := `"use strict";
const stub = () => ({ textContent: "", hidden: false, disabled: false, dataset: {}, style: { setProperty() {} }, attrs: {},
  classList: { toggle() {}, add() {}, remove() {} }, setAttribute(k, v) { this.attrs[k] = v; }, replaceChildren() {}, focus() {} });
const els = new Map();
const $ = (sel) => { if (!els.has(sel)) els.set(sel, stub()); return els.get(sel); };
const el = () => stub(), toast = () => {}, money = (c) => String(c), when = (s) => s, seatLine = () => stub();
const typeName = { regular: "Regular", premium: "Premium", vip: "VIP" };
const listeners = {};
class EventSource { constructor() {} addEventListener(name, fn) { listeners[name] = fn; } close() {} }
const fire = (name, data) => listeners[name]({ data: JSON.stringify(data) });
` + strings.Join(fns, "\n") + `
const seat = stub();
const data = { id: "A1", row: "A", number: 1, type: "regular", priceCents: 1500, status: "available" };
const show = { id: "S1", start: "19:00", hallName: "Audi 1", theaterName: "PVR", city: "Mumbai", cancelled: ` + jsBool(cancelled) + ` };
const st = { showID: "S1", map: { show, maxSeatsPerHold: 10 }, seats: new Map([["A1", { data, el: seat }]]),
  selected: new Set(), hold: null, done: null, holding: false, offset: 0, timer: null };
let seatState = st;
if (` + jsBool(held) + `) {
  data.status = "held";
  st.hold = { id: "B1", heldUntil: null, seats: [{ id: "A1", type: "regular", priceCents: 1500 }], totalCents: 1500, extensions: 0 };
} else if (!show.cancelled) st.selected.add("A1");
paintSeat(st, "A1");
setPanel(st);
` + script
	out, err := exec.Command(node, "-e", js).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	return out
}

func jsBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// pageState is what cancelledPageJS scripts print of the page.
type pageState struct {
	Cancelled   bool   // st.map.show.cancelled
	Disabled    string // A1's aria-disabled
	Label       string // A1's aria-label
	Status      string // A1's data-status
	Selected    int    // seats picked
	Held        bool   // the page shows a hold
	HoldHidden  bool   // the Hold button is hidden
	HoldOff     bool   // the Hold button is disabled
	PanelHold   bool   // the held seats' panel is hidden
	Meta        string // the line under the heading
	Panel       string // the side panel's title
	Transition  string // friendly's message for invalid_transition on this show
	ShowMessage string // friendly's message for show_cancelled
}

const printPageJS = `console.log(JSON.stringify({ cancelled: !!st.map.show.cancelled, disabled: seat.attrs["aria-disabled"],
  label: seat.attrs["aria-label"], status: seat.dataset.status, selected: st.selected.size, held: !!st.hold,
  holdHidden: $("#hold-btn").hidden, holdOff: $("#hold-btn").disabled, panelHold: $("#panel-hold").hidden,
  meta: $("#seats-meta").textContent, panel: $("#panel-title").textContent,
  transition: friendly({ code: "invalid_transition" }, st.map.show), showMessage: friendly({ code: "show_cancelled" }) }));
`

func decodePage(t *testing.T, out []byte) pageState {
	t.Helper()
	var p pageState
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return p
}

// wantNotForSale checks a page that knows its show is cancelled: its seat
// drawn as not for sale (disabled, and not "available" to a screen
// reader or to the hover style), nothing picked or held, no Hold button,
// the heading and panel saying why, and a refusal of a booking change
// explained by the cancellation.
func wantNotForSale(t *testing.T, p pageState) {
	t.Helper()
	if !p.Cancelled || p.Disabled != "true" || strings.HasSuffix(p.Label, "available") || p.Status == "available" {
		t.Errorf("seat of the cancelled show: cancelled %v, aria-disabled %q, label %q, data-status %q; want disabled, not for sale",
			p.Cancelled, p.Disabled, p.Label, p.Status)
	}
	if p.Selected != 0 || p.Held || !p.HoldHidden || !p.HoldOff || !p.PanelHold {
		t.Errorf("cancelled show: %d seats picked, hold shown %v, Hold button hidden %v disabled %v, hold panel hidden %v; want none, none, hidden and disabled",
			p.Selected, p.Held, p.HoldHidden, p.HoldOff, p.PanelHold)
	}
	if !strings.Contains(p.Meta, "Cancelled") || !strings.Contains(p.Panel, "cancelled") {
		t.Errorf("cancelled show: heading %q, panel %q; want both to say it is cancelled", p.Meta, p.Panel)
	}
	if p.Transition != p.ShowMessage {
		t.Errorf("invalid_transition on the cancelled show says %q; want %q", p.Transition, p.ShowMessage)
	}
}

// TestWebCancelledShowSeatsNotForSale: the seat map of a cancelled show
// has every seat "available" (nobody's) but none for sale. The page draws
// them disabled, a click picks none, the Hold button is gone and the
// heading says the show is cancelled. A page open when the show is
// cancelled learns it from the live stream's seatmap event and drops the
// seats picked and the hold it showed (released by the cancellation). A
// show not cancelled is drawn for sale, as before.
func TestWebCancelledShowSeatsNotForSale(t *testing.T) {
	t.Run("loaded cancelled", func(t *testing.T) {
		out := cancelledPageJS(t, true, false, `drawShowHead(st); toggleSeat(st, "A1"); `+printPageJS)
		wantNotForSale(t, decodePage(t, out))
	})
	for _, held := range []bool{false, true} {
		name := map[bool]string{false: "cancelled while seats are picked", true: "cancelled while a hold is shown"}[held]
		t.Run(name, func(t *testing.T) {
			out := cancelledPageJS(t, false, held, `connect(st);
fire("seatmap", { show: Object.assign({}, show, { cancelled: true }), seats: [{ id: "A1", status: "available" }] });
toggleSeat(st, "A1");
`+printPageJS)
			wantNotForSale(t, decodePage(t, out))
		})
	}
	t.Run("not cancelled", func(t *testing.T) {
		out := cancelledPageJS(t, false, false, `connect(st);
fire("seatmap", { show: Object.assign({}, show, { cancelled: false }), seats: [{ id: "A1", status: "available" }] });
`+printPageJS)
		p := decodePage(t, out)
		if p.Cancelled || p.Disabled != "false" || !strings.HasSuffix(p.Label, "selected") || p.Selected != 1 || p.HoldHidden || p.HoldOff ||
			strings.Contains(p.Meta, "Cancelled") || p.Transition == p.ShowMessage {
			t.Errorf("a show on sale: %+v; want its seat for sale and picked, the Hold button on, nothing said of a cancellation", p)
		}
	})
}

// TestCancelShowEndpoint: POST /api/shows/{show}/cancel exists only when
// the server has an admin token, and answers only requests that carry it;
// then it cancels the show, releases its hold and refunds its paid
// booking, and a second call answers zero counts.
func TestCancelShowEndpoint(t *testing.T) {
	f := newFixture(t, boxoffice.Config{})
	held := f.hold("alice", f.freeSeats(f.show, 0, 1)...)
	paid := f.hold("bob", f.freeSeats(f.show, 0, 2)...)
	f.callJSON("POST", "/api/bookings/"+paid.ID+"/confirm", bookingBody("confirm", "bob"), http.StatusOK, nil)

	admin := newServer(f.sys, options{Logger: quietLogger(), AdminToken: "s3cret"}).routes()
	cancel := func(h http.Handler, method, auth, body string) *httptest.ResponseRecorder {
		req := newRequest(method, "/api/shows/"+f.show+"/cancel", body, "")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return serve(h, req)
	}
	tests := []struct {
		name    string
		handler http.Handler
		method  string
		auth    string
		body    string
		status  int
		code    string
	}{
		{"no admin token on the server", f.handler, "POST", "Bearer s3cret", "", http.StatusNotFound, "not_found"},
		{"no token", admin, "POST", "", "", http.StatusUnauthorized, "unauthorized"},
		{"a wrong token", admin, "POST", "Bearer s3cre", "", http.StatusUnauthorized, "unauthorized"},
		{"the token, not as Bearer", admin, "POST", "s3cret", "", http.StatusUnauthorized, "unauthorized"},
		{"GET", admin, "GET", "Bearer s3cret", "", http.StatusMethodNotAllowed, "method_not_allowed"},
		{"a body", admin, "POST", "Bearer s3cret", "{}", http.StatusBadRequest, "invalid_argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := cancel(tt.handler, tt.method, tt.auth, tt.body)
			var e errorJSON
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != tt.status || e.Code != tt.code {
				t.Fatalf("status %d, body %s; want %d %s", rec.Code, rec.Body, tt.status, tt.code)
			}
			if tt.status == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	if m := f.seatMap(f.show); m.Show.Cancelled == nil || *m.Show.Cancelled {
		t.Fatalf("the show was cancelled by a refused request: %+v", m.Show.Cancelled)
	}

	var got showCancellationJSON
	rec := cancel(admin, "POST", "Bearer s3cret", "")
	// bob's booking, and those the demo's seeding sold.
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &got) != nil ||
		got.Show != f.show || got.HoldsReleased != 1 || got.BookingsCancelled < 1 || got.RefundsOwed != 0 {
		t.Fatalf("cancel: status %d, body %s; want 200, alice's hold released, bookings cancelled, no refund owed", rec.Code, rec.Body)
	}
	rec = cancel(admin, "POST", "Bearer s3cret", "")
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got != (showCancellationJSON{Show: f.show}) {
		t.Fatalf("cancel again: status %d, body %s; want 200 and nothing done", rec.Code, rec.Body)
	}
	var b bookingJSON
	f.callJSON("GET", "/api/bookings/"+held.ID, "", http.StatusOK, &b)
	if b.Status != "released" {
		t.Errorf("alice's hold: %s; want released", b.Status)
	}
	f.callJSON("GET", "/api/bookings/"+paid.ID, "", http.StatusOK, &b)
	if b.Status != "cancelled" || b.Refund == nil || b.Refund.AmountCents != paid.TotalCents {
		t.Errorf("bob's booking: %s, refund %+v; want cancelled, refunded in full", b.Status, b.Refund)
	}
	if rec := serve(admin, newRequest("POST", "/api/shows/no-such-show/cancel", "", "")); rec.Code != http.StatusUnauthorized {
		t.Errorf("an unknown show without the token: %d; want 401 before anything is looked up", rec.Code)
	}
}
