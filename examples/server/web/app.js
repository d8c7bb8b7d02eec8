// Boxoffice demo page: plain JavaScript, no build step, no dependencies.
// It talks to the JSON API under /api/ and follows a show's seats live
// through the Server-Sent Events stream /api/shows/{id}/events.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);

// el builds an element: el("a", {href: "#", class: "x"}, "text", child...).
// Text goes through text nodes, never innerHTML.
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== undefined && c !== null && c !== false) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// ---- The customer ------------------------------------------------------
// The demo has no sign-in: each browser tab is a customer with a made-up
// name, kept for the tab's life. A real cinema takes it from the session.

const userInput = $("#user");
function currentUser() {
  return userInput.value.trim() || "guest";
}
(function initUser() {
  let name = sessionStorage.getItem("boxoffice.user");
  if (!name) {
    name = "guest-" + Math.floor(1000 + Math.random() * 9000);
    sessionStorage.setItem("boxoffice.user", name);
  }
  userInput.value = name;
  userInput.addEventListener("change", () => {
    userInput.value = currentUser();
    sessionStorage.setItem("boxoffice.user", userInput.value);
    route();
  });
})();

// ---- API ---------------------------------------------------------------

class APIError extends Error {
  constructor(status, body) {
    super(body.error || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || "";
    this.seats = body.seats || [];
    this.retryAfter = body.retryAfterSeconds || 0;
  }
}

async function api(method, path, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new APIError(0, { error: "The cinema cannot be reached. Check your connection.", code: "network" });
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

// friendly turns an API error into a sentence for people. show, if given,
// is the show the error is about: on a cancelled show, a booking that can
// no longer change was ended by the cancellation, and the customer is told
// so rather than that they did something wrong.
function friendly(err, show) {
  const seats = err.seats && err.seats.length ? err.seats.join(", ") : "";
  switch (err.code) {
    case "seat_unavailable":
      return `Sorry, ${seats ? (err.seats.length > 1 ? "seats " : "seat ") + seats : "a seat"} ${err.seats.length > 1 ? "were" : "was"} just taken. Please pick another.`;
    case "rate_limited":
      return err.retryAfter ? `Too many holds in a short time. Try again in ${err.retryAfter} s.` : "You have reached a booking limit for now.";
    case "hold_expired":
      return "Your hold ran out and the seats went back on sale.";
    case "payment_failed":
      return "The payment did not go through, so your seats were released. Try another card.";
    case "show_started":
      return "This show has already started, so its seats are no longer on sale.";
    case "show_cancelled":
      return "This show has been cancelled, so its seats are no longer on sale. Any payment is given back in full.";
    case "invalid_transition":
      if (show && show.cancelled) return friendly({ code: "show_cancelled" });
      return "That booking can no longer be changed that way.";
    case "not_found":
      return "We could not find that.";
    default:
      return err.message;
  }
}

// ---- Formatting ----------------------------------------------------------

let currency = "USD";
const moneyFmt = new Map();
function money(cents) {
  if (!moneyFmt.has(currency)) moneyFmt.set(currency, new Intl.NumberFormat("en-US", { style: "currency", currency }));
  return moneyFmt.get(currency).format(cents / 100);
}
// refundNote says what a cancellation refunds; a refund not yet paid
// (no refundedAt: the payment provider failed for now) is on its way, as
// the server retries it by itself.
function refundNote(r) {
  if (!r) return `Refund: ${money(0)}.`;
  if (r.amountCents > 0 && !r.refundedAt) return `Your refund of ${money(r.amountCents)} (${r.percent} %) is on its way.`;
  return `Refund: ${money(r.amountCents)} (${r.percent} %).`;
}
// Show times are the cinema's: a show's start in its theater's zone
// (show.timeZone), labelled with it ("Lisbon time"), whatever the zone of
// the customer's browser; "Today" and "Tomorrow" are the theater's too. A
// show without a zone is in the browser's, labelled "your time".
const zoneFmts = new Map();
function zoneFmt(tz) {
  const key = tz || "";
  if (!zoneFmts.has(key)) {
    const zone = tz ? { timeZone: tz } : {};
    zoneFmts.set(key, {
      time: new Intl.DateTimeFormat(undefined, { ...zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }),
      day: new Intl.DateTimeFormat(undefined, { ...zone, weekday: "long", day: "numeric", month: "short" }),
      date: new Intl.DateTimeFormat("en-CA", { ...zone, year: "numeric", month: "2-digit", day: "2-digit" }), // YYYY-MM-DD
    });
  }
  return zoneFmts.get(key);
}
function zoneLabel(tz) {
  return tz ? `${tz.slice(tz.lastIndexOf("/") + 1).replaceAll("_", " ")} time` : "your time";
}
// dayKey is the show's date in its zone.
function dayKey(s) {
  return zoneFmt(s.timeZone).date.format(new Date(s.start));
}
function dayName(s) {
  const today = zoneFmt(s.timeZone).date.format(new Date()); // in the show's zone
  const [y, m, d] = today.split("-").map(Number);
  const tomorrow = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  const k = dayKey(s);
  if (k === today) return "Today";
  if (k === tomorrow) return "Tomorrow";
  return zoneFmt(s.timeZone).day.format(new Date(s.start));
}
// showTime is the show's start, "21:00", in its zone.
function showTime(s) {
  return zoneFmt(s.timeZone).time.format(new Date(s.start));
}
// when is the show's day and start with its zone: "Today 21:00 (Lisbon time)".
function when(s) {
  return `${dayName(s)} ${showTime(s)} (${zoneLabel(s.timeZone)})`;
}
function duration(min) {
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, "0")} min`;
}
const typeName = { regular: "Regular", premium: "Premium", vip: "VIP" };

function hash(s) {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.codePointAt(0), 16777619);
  return h >>> 0;
}
// poster draws a stand-in poster from the title: the demo ships no images.
function poster(movie, small = false) {
  const h = hash(movie.title);
  const p = el("div", { class: "poster" + (small ? " small" : ""), "aria-hidden": "true" },
    el("span", { class: "rating" }, movie.rating),
    el("span", { class: "ptitle" }, movie.title));
  p.style.setProperty("--h1", String(h % 360));
  p.style.setProperty("--h2", String((h >> 9) % 360));
  return p;
}

// ---- Toasts --------------------------------------------------------------

function toast(message, kind = "") {
  const t = el("div", { class: "toast " + kind }, message);
  $("#toasts").append(t);
  setTimeout(() => t.remove(), 5200);
}

// ---- Routing -------------------------------------------------------------
// #/ movies · #/movie/{id} showtimes · #/show/{id} seats · #/bookings

const views = ["movies", "shows", "seats", "bookings", "missing"];
function showView(name) {
  for (const v of views) $(`#view-${v}`).hidden = v !== name;
  for (const a of document.querySelectorAll("[data-nav]")) {
    if ((a.dataset.nav === "movies" && (name === "movies" || name === "shows")) || a.dataset.nav === name) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

let leaveView = () => {};
async function route() {
  leaveView();
  leaveView = () => {};
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  try {
    if (parts[0] === "" || parts[0] === undefined) await moviesView();
    else if (parts[0] === "movie" && parts[1]) await showsView(parts[1]);
    else if (parts[0] === "show" && parts[1]) await seatsView(parts[1]);
    else if (parts[0] === "bookings") await bookingsView();
    else missing("That page does not exist.");
  } catch (err) {
    if (err instanceof APIError && err.status === 404) missing(friendly(err));
    else {
      missing("Something went wrong.");
      toast(friendly(err), "error");
    }
  }
}
function missing(text) {
  $("#missing-text").textContent = text;
  showView("missing");
}
window.addEventListener("hashchange", route);

// ---- Movies ----------------------------------------------------------------

let filtersLoaded = false;
let searchSeq = 0;

async function moviesView() {
  showView("movies");
  document.title = "Boxoffice · Now showing";
  const form = $("#search");
  if (!filtersLoaded) {
    filtersLoaded = true;
    const all = await allPages("/api/movies?limit=1000", "movies");
    fillSelect(form.genre, all.flatMap((m) => m.genres));
    fillSelect(form.language, all.map((m) => m.language));
    // Cities come from where the films are shown.
    const shows = await Promise.all(all.map((m) => api("GET", `/api/movies/${encodeURIComponent(m.id)}/shows`).then((r) => r.shows)));
    fillSelect(form.city, shows.flat().map((s) => s.city));
    let timer;
    form.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(searchMovies, 150);
    });
    form.addEventListener("submit", (e) => e.preventDefault());
    $("#movies-more").addEventListener("click", moreMovies);
  }
  await searchMovies();
}

function fillSelect(select, values) {
  for (const v of [...new Set(values.filter(Boolean))].sort()) select.append(el("option", { value: v }, v));
}

// The search shows a page of films at a time; "More films" asks for the
// page after (the API's next), with the same filters.
let searchQuery = "";
let searchNext = "";

async function searchMovies() {
  const seq = ++searchSeq;
  showMore(""); // no "More films" of the old filters while the new ones load
  const form = $("#search");
  const q = new URLSearchParams();
  for (const name of ["title", "genre", "language", "city"]) {
    const v = form[name].value.trim();
    if (v) q.set(name, v);
  }
  const page = await api("GET", "/api/movies?" + q);
  if (seq !== searchSeq) return; // a newer search is on its way
  searchQuery = q.toString();
  $("#movie-grid").replaceChildren(...page.movies.map((m) => movieCard(m, form.city.value)));
  $("#movies-empty").hidden = page.movies.length > 0;
  showMore(page.next);
}

async function moreMovies() {
  if (!searchNext) return; // a new search is loading
  const seq = searchSeq;
  const query = searchQuery;
  const q = new URLSearchParams(query);
  q.set("after", searchNext);
  $("#movies-more").disabled = true;
  try {
    const page = await api("GET", "/api/movies?" + q);
    if (seq !== searchSeq || query !== searchQuery) return; // the filters changed meanwhile
    $("#movie-grid").append(...page.movies.map((m) => movieCard(m, q.get("city") || "")));
    showMore(page.next);
  } catch (err) {
    toast(friendly(err));
  } finally {
    $("#movies-more").disabled = false;
  }
}

function showMore(next) {
  searchNext = next || "";
  $("#movies-more").hidden = !searchNext;
}

function movieCard(m, city) {
  const next = el("p", { class: "next" }, "\u00a0");
  // The next show in the city: the API keeps that city's shows, so the
  // first of a page of one is it, however many other cities come first.
  const q = new URLSearchParams({ limit: "1" });
  if (city) q.set("city", city);
  api("GET", `/api/movies/${encodeURIComponent(m.id)}/shows?` + q).then(({ shows }) => {
    const s = shows[0];
    next.replaceChildren(s ? el("span", {}, "Next: ", el("strong", {}, when(s)), ` · ${s.city}`) : "No upcoming shows");
  }).catch(() => {});
  return el("li", { class: "movie-card" },
    el("a", { href: `#/movie/${encodeURIComponent(m.id)}`, "data-movie": m.id },
      poster(m),
      el("div", { class: "body" },
        el("h2", {}, m.title),
        el("p", { class: "sub" }, `${duration(m.durationMinutes)} · ${m.language}`),
        el("div", { class: "chips" }, m.genres.map((g) => el("span", { class: "chip" }, g))),
        next)));
}

// ---- Showtimes ---------------------------------------------------------------

async function showsView(movieID) {
  const [movie, { shows }] = await Promise.all([
    api("GET", `/api/movies/${encodeURIComponent(movieID)}`),
    api("GET", `/api/movies/${encodeURIComponent(movieID)}/shows`),
  ]);
  showView("shows");
  document.title = `Boxoffice · ${movie.title}`;
  $("#shows-poster").replaceWith(Object.assign(poster(movie, true), { id: "shows-poster" }));
  $("#shows-title").textContent = movie.title;
  $("#shows-meta").textContent = `${movie.rating} · ${duration(movie.durationMinutes)} · ${movie.language} · ${movie.genres.join(", ")}`;
  const days = new Map();
  for (const s of shows) {
    const k = dayKey(s);
    if (!days.has(k)) days.set(k, []);
    days.get(k).push(s);
  }
  $("#show-days").replaceChildren(...[...days.values()].map((list) => el("section", { class: "day" },
    el("h2", {}, dayName(list[0])),
    el("ul", { class: "times" }, list.map(showCard)))));
  $("#shows-empty").hidden = shows.length > 0;
}

function showCard(s) {
  const share = s.totalSeats ? s.freeSeats / s.totalSeats : 0;
  const fill = el("span");
  fill.style.width = `${Math.round(share * 100)}%`;
  const free = s.cancelled ? "Cancelled" : `${s.freeSeats} of ${s.totalSeats} seats free`;
  return el("li", {},
    el("a", { class: "time-card" + (share < 0.2 ? " low" : ""), href: `#/show/${encodeURIComponent(s.id)}`, "data-show": s.id,
      "aria-label": `${when(s)}, ${s.hallName}, ${s.theaterName}, ${s.city}, ${free}` },
    el("div", { class: "t" }, showTime(s)),
    el("div", { class: "tz" }, zoneLabel(s.timeZone)),
    el("div", { class: "where" }, `${s.hallName} · ${s.theaterName}, ${s.city}`),
    el("div", { class: "fill" }, fill),
    el("div", { class: "free" }, !s.cancelled && share < 0.2 ? `Almost full · ${s.freeSeats} seats left` : free)));
}

// ---- Seats -------------------------------------------------------------------

// seatState is the page's state for the show on screen.
let seatState = null;

async function seatsView(showID) {
  const map = await api("GET", `/api/shows/${encodeURIComponent(showID)}/seats`);
  currency = map.currency;
  showView("seats");
  const st = {
    showID,
    map,
    seats: new Map(), // id → {data, el}
    selected: new Set(),
    hold: null, // the held booking, while there is one
    holding: false, // a hold request is on its way
    done: null, // the confirmed booking
    offset: 0, // server clock − this clock, in ms
    timer: null,
    source: null,
    retry: null, // the timer of a reconnect the page makes itself
  };
  seatState = st;
  const s = map.show;
  document.title = `Boxoffice · ${s.movieTitle} · ${showTime(s)}`;
  $("#seats-title").textContent = s.movieTitle;
  drawShowHead(st);
  $("#seats-back").href = `#/movie/${encodeURIComponent(s.movieId)}`;
  drawHall(st);
  drawLegend(st);
  setPanel(st);
  await restoreHold(st);
  connect(st);
  leaveView = () => {
    if (st.source) st.source.close();
    clearTimeout(st.retry);
    clearInterval(st.timer);
    if (seatState === st) seatState = null;
  };
}

// drawShowHead writes when and where the show is, and whether it was
// cancelled.
function drawShowHead(st) {
  const s = st.map.show;
  $("#seats-meta").textContent = `${when(s)} · ${s.hallName} · ${s.theaterName}, ${s.city}` +
    (s.cancelled ? " · Cancelled: no seats on sale" : "");
}

// setCancelled keeps st.map.show.cancelled as the server last told it (a
// seat map, read or streamed, or an answer show_cancelled) and redraws what
// depends on it. A cancelled show has nothing for sale: the API's seat
// status is nobody's, "available", but no seat can be picked or held, and
// a hold the page still shows was released by the cancellation.
function setCancelled(st, cancelled) {
  cancelled = !!cancelled;
  if (!!st.map.show.cancelled === cancelled) return;
  st.map.show.cancelled = cancelled;
  if (cancelled) {
    st.selected.clear();
    st.hold = null;
    clearInterval(st.timer);
  }
  drawShowHead(st);
  for (const id of st.seats.keys()) paintSeat(st, id);
  setPanel(st);
}

// afterRefusal brings the page up to date after an answer that a
// cancelled show may explain, before the customer is told of it.
async function afterRefusal(st, err) {
  if (err.code === "show_cancelled") setCancelled(st, true);
  else if (err.code === "invalid_transition" && !st.map.show.cancelled) await refreshSeats(st);
}

// drawHall lays the seats out as the hall is: each seat at its line and
// column, columns without a seat left empty (aisles), row labels both sides.
function drawHall(st) {
  const { map } = st;
  const hall = $("#hall");
  hall.replaceChildren();
  hall.style.gridTemplateColumns = `1.6rem repeat(${map.width}, var(--seat)) 1.6rem`;
  for (const row of map.rows) {
    for (const col of [1, map.width + 2]) {
      const label = el("span", { class: "row-label", "aria-hidden": "true" }, row.label);
      label.style.gridRow = String(row.line + 1);
      label.style.gridColumn = String(col);
      hall.append(label);
    }
  }
  let first = null;
  for (const seat of map.seats) {
    const b = el("button", {
      type: "button", class: "seat", tabindex: "-1", "aria-pressed": "false",
      dataset: { seat: seat.id, type: seat.type, line: seat.line, column: seat.column },
    }, String(seat.number));
    b.style.gridRow = String(seat.line + 1);
    b.style.gridColumn = String(seat.column + 2);
    b.addEventListener("click", () => toggleSeat(st, seat.id));
    st.seats.set(seat.id, { data: seat, el: b });
    hall.append(b);
    if (!first && seat.status === "available") first = b;
  }
  (first || hall.querySelector(".seat"))?.setAttribute("tabindex", "0");
  hall.onkeydown = (e) => moveFocus(st, e);
  for (const id of st.seats.keys()) paintSeat(st, id);
}

function drawLegend(st) {
  const cheapest = {};
  for (const s of st.map.seats) {
    if (!(s.type in cheapest) || s.priceCents < cheapest[s.type]) cheapest[s.type] = s.priceCents;
  }
  const types = ["regular", "premium", "vip"].filter((t) => t in cheapest).map((t) => {
    const sw = el("span", { class: "swatch" });
    sw.style.setProperty("--c", `var(--${t})`);
    return el("li", {}, sw, `${typeName[t]} `, el("strong", {}, money(cheapest[t])));
  });
  $("#legend").replaceChildren(
    el("ul", { class: "legend-row", "aria-label": "Seat types and prices" }, types),
    el("ul", { class: "legend-row", "aria-label": "Seat states" },
      el("li", {}, el("span", { class: "swatch selected" }), "Your seats"),
      el("li", {}, el("span", { class: "swatch held" }), "Being booked"),
      el("li", {}, el("span", { class: "swatch taken" }), "Sold")));
}

function isMine(st, id) {
  const b = st.hold || st.done;
  return !!b && b.seats.some((s) => s.id === id);
}

function paintSeat(st, id) {
  const seat = st.seats.get(id);
  if (!seat) return;
  const { data, el: b } = seat;
  const mine = isMine(st, id) && data.status !== "available";
  const selected = st.selected.has(id);
  const closed = !!st.map.show.cancelled; // nothing for sale, whatever the status
  b.dataset.status = closed && data.status === "available" ? "closed" : data.status;
  b.classList.toggle("mine", mine);
  b.setAttribute("aria-pressed", String(selected || mine));
  const free = !closed && data.status === "available";
  b.setAttribute("aria-disabled", String(!free && !mine));
  const state = mine ? (data.status === "booked" ? "booked by you" : "held by you")
    : selected ? "selected" : free ? "available" : closed ? "not on sale, the show is cancelled"
    : data.status === "held" ? "being booked by someone else" : "sold";
  b.setAttribute("aria-label", `Row ${data.row}, seat ${data.number}, ${typeName[data.type]}, ${money(data.priceCents)}, ${state}`);
  b.title = `${data.id} · ${typeName[data.type]} · ${money(data.priceCents)}`;
}

function toggleSeat(st, id) {
  const seat = st.seats.get(id);
  if (!seat || st.holding || st.map.show.cancelled) return;
  if (st.hold || st.done) {
    toast(st.hold ? "Release your held seats to choose others." : "Choose “Book more seats” to start a new booking.");
    return;
  }
  if (seat.data.status !== "available") return;
  if (st.selected.has(id)) st.selected.delete(id);
  else if (st.selected.size >= st.map.maxSeatsPerHold) {
    toast(`You can book up to ${st.map.maxSeatsPerHold} seats at a time.`);
    return;
  } else st.selected.add(id);
  paintSeat(st, id);
  setPanel(st);
}

// moveFocus moves between seats with the arrow keys (skipping aisles),
// Home and End to the ends of the row.
function moveFocus(st, e) {
  const cur = e.target.closest(".seat");
  if (!cur) return;
  const line = +cur.dataset.line, col = +cur.dataset.column;
  const all = [...st.seats.values()].map((s) => s.data);
  let best = null;
  const pick = (cands, score) => {
    for (const c of cands) if (!best || score(c) < score(best)) best = c;
  };
  switch (e.key) {
    case "ArrowLeft": pick(all.filter((s) => s.line === line && s.column < col), (s) => col - s.column); break;
    case "ArrowRight": pick(all.filter((s) => s.line === line && s.column > col), (s) => s.column - col); break;
    case "ArrowUp": pick(all.filter((s) => s.line < line), (s) => (line - s.line) * 1000 + Math.abs(s.column - col)); break;
    case "ArrowDown": pick(all.filter((s) => s.line > line), (s) => (s.line - line) * 1000 + Math.abs(s.column - col)); break;
    case "Home": pick(all.filter((s) => s.line === line), (s) => s.column); break;
    case "End": pick(all.filter((s) => s.line === line), (s) => -s.column); break;
    default: return;
  }
  e.preventDefault();
  if (!best) return;
  const next = st.seats.get(best.id).el;
  cur.setAttribute("tabindex", "-1");
  next.setAttribute("tabindex", "0");
  next.focus();
}

// setPanel shows the side panel for where the customer is: choosing,
// holding, or done.
function setPanel(st) {
  $("#panel-select").hidden = !!(st.hold || st.done);
  $("#panel-hold").hidden = !st.hold;
  $("#panel-done").hidden = !st.done;
  if (st.done) return drawDone(st);
  if (st.hold) return drawHold(st);
  const cancelled = !!st.map.show.cancelled;
  const chosen = [...st.selected].map((id) => st.seats.get(id).data);
  $("#panel-title").textContent = cancelled ? "Show cancelled" : "Your seats";
  $("#select-hint").textContent = cancelled ? "This show has been cancelled, so no seats are on sale. Any payment is given back in full."
    : chosen.length ? `${chosen.length} of up to ${st.map.maxSeatsPerHold} seats` : `Pick up to ${st.map.maxSeatsPerHold} seats on the map.`;
  $("#selected-list").replaceChildren(...chosen.map((s) => seatLine(s.id, s.type, s.priceCents,
    el("button", { class: "remove", type: "button", "aria-label": `Remove seat ${s.id}`, onclick: () => toggleSeat(st, s.id) }, "×"))));
  const total = chosen.reduce((sum, s) => sum + s.priceCents, 0);
  $("#select-total").textContent = money(total);
  const btn = $("#hold-btn");
  btn.hidden = cancelled;
  btn.disabled = cancelled || chosen.length === 0 || st.holding;
  btn.textContent = chosen.length ? `Hold ${chosen.length} seat${chosen.length > 1 ? "s" : ""} · ${money(total)}` : "Hold seats";
}

function seatLine(id, type, cents, extra) {
  return el("li", {}, el("span", { class: "tag", dataset: { type } }), el("span", { class: "name" }, id),
    el("span", { class: "kind" }, typeName[type]), el("span", { class: "price" }, money(cents)), extra);
}

function drawHold(st) {
  const b = st.hold;
  $("#held-list").replaceChildren(...b.seats.map((s) => seatLine(s.id, s.type, s.priceCents)));
  $("#held-total").textContent = money(b.totalCents);
  $("#pay-btn").textContent = `Pay ${money(b.totalCents)}`;
  $("#extend-btn").disabled = b.extensions >= 2;
  tick(st);
}

function drawDone(st) {
  const b = st.done;
  const gone = !!st.map.show.cancelled; // the booking was cancelled with the show, and refunded
  $("#done-title").textContent = gone ? "Show cancelled: your payment is given back in full"
    : b.status === "cancelled" ? "Booking cancelled" : "You're going to the movies";
  $("#done-ref").textContent = b.id.slice(0, 8).toUpperCase();
  $("#done-seats").textContent = b.seats.map((s) => s.id).join(", ");
  $("#done-total").textContent = money(b.totalCents);
  $("#done-payment").textContent = b.payment ? b.payment.reference : "";
  $("#cancel-btn").hidden = gone || b.status !== "confirmed";
  $("#again-btn").hidden = gone;
}

// The countdown runs on the server's clock: offset corrects this one.
function startHold(st, booking) {
  st.hold = booking;
  st.offset = Date.parse(booking.now) - Date.now();
  st.holdStart = Date.parse(booking.now);
  st.selected.clear();
  clearInterval(st.timer);
  st.timer = setInterval(() => tick(st), 250);
  for (const id of st.seats.keys()) paintSeat(st, id);
  setPanel(st);
}

function tick(st) {
  if (!st.hold || !st.hold.heldUntil) return;
  const until = Date.parse(st.hold.heldUntil);
  const now = Date.now() + st.offset;
  const left = Math.max(0, until - now);
  const secs = Math.ceil(left / 1000);
  $("#countdown").textContent = `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, "0")}`;
  $("#countdown-bar").style.width = `${Math.min(100, (left / Math.max(1, until - st.holdStart)) * 100)}%`;
  const box = $("#countdown-box");
  box.classList.toggle("soon", secs <= 60 && secs > 0);
  box.classList.toggle("over", secs === 0);
  if (secs === 60) $("#countdown-sr").textContent = "One minute left to pay.";
  if (left === 0) {
    const seats = st.hold.seats.map((s) => s.id);
    endHold(st);
    toast("Your hold ran out and the seats went back on sale.", "error");
    for (const id of seats) paintSeat(st, id);
  }
}

function endHold(st) {
  st.hold = null;
  clearInterval(st.timer);
  for (const id of st.seats.keys()) paintSeat(st, id);
  setPanel(st);
}

// restoreHold picks up a live hold of this customer on this show, so that a
// reload does not lose it.
async function restoreHold(st) {
  try {
    const bookings = await allBookings(currentUser());
    const live = bookings.filter((b) => b.showId === st.showID && (b.status === "held" || b.status === "paying"));
    if (live.length && seatState === st) startHold(st, live[live.length - 1]);
  } catch (_) {
    /* nothing to restore */
  }
}

async function busy(btn, fn) {
  btn.disabled = true;
  btn.classList.add("busy");
  try {
    await fn();
  } finally {
    btn.classList.remove("busy");
    btn.disabled = false;
  }
}

$("#hold-btn").addEventListener("click", () => {
  const st = seatState;
  if (!st || st.selected.size === 0) return;
  return busy($("#hold-btn"), async () => {
    st.holding = true;
    setPanel(st);
    try {
      const b = await api("POST", `/api/shows/${encodeURIComponent(st.showID)}/holds`, { user: currentUser(), seats: [...st.selected] });
      if (seatState !== st) return;
      for (const s of b.seats) st.seats.get(s.id).data.status = "held";
      startHold(st, b);
      $("#countdown-sr").textContent = `${b.seats.length} seats held. You have 10 minutes to pay.`;
    } catch (err) {
      await afterRefusal(st, err);
      toast(friendly(err, st.map.show), "error");
      for (const id of err.seats || []) {
        st.seats.get(id)?.el.classList.add("flash");
        if (err.code === "seat_unavailable" && st.seats.has(id) && st.seats.get(id).data.status === "available") st.seats.get(id).data.status = "held";
      }
      dropTakenSelection(st, false);
    } finally {
      st.holding = false;
      setPanel(st);
    }
  });
});

$("#pay-btn").addEventListener("click", () => {
  const st = seatState;
  if (!st || !st.hold) return;
  const hold = st.hold;
  return busy($("#pay-btn"), async () => {
    try {
      const b = await api("POST", `/api/bookings/${hold.id}/confirm`, { user: hold.user, paymentMethod: $("#payment").value });
      clearInterval(st.timer);
      st.hold = null;
      st.done = b;
      for (const s of b.seats) st.seats.get(s.id).data.status = "booked";
      for (const id of st.seats.keys()) paintSeat(st, id);
      setPanel(st);
      toast(`Paid ${money(b.totalCents)}. Enjoy the film!`, "ok");
      $("#done-title").focus();
    } catch (err) {
      await afterRefusal(st, err);
      toast(friendly(err, st.map.show), "error");
      if (st.map.show.cancelled) {
        endHold(st);
        await refreshSeats(st);
      } else if (err.code === "payment_failed" || err.code === "hold_expired") {
        endHold(st);
        // The seats went back on sale: read the map as it is now, and pick
        // those still free again, to try another card.
        await refreshSeats(st);
        if (err.code === "payment_failed") {
          for (const s of hold.seats) {
            if (st.seats.get(s.id)?.data.status === "available") st.selected.add(s.id);
          }
        }
        for (const s of hold.seats) paintSeat(st, s.id);
        setPanel(st);
      }
    }
  });
});

$("#release-btn").addEventListener("click", () => {
  const st = seatState;
  if (!st || !st.hold) return;
  const hold = st.hold;
  return busy($("#release-btn"), async () => {
    try {
      await api("POST", `/api/bookings/${hold.id}/release`, { user: hold.user });
      for (const s of hold.seats) st.seats.get(s.id).data.status = "available";
      endHold(st);
      toast("Seats released.");
    } catch (err) {
      await afterRefusal(st, err);
      toast(friendly(err, st.map.show), "error");
      if (err.code === "hold_expired") endHold(st);
    }
  });
});

$("#extend-btn").addEventListener("click", () => {
  const st = seatState;
  if (!st || !st.hold) return;
  const hold = st.hold;
  return busy($("#extend-btn"), async () => {
    try {
      const b = await api("POST", `/api/bookings/${hold.id}/extend`, { user: hold.user });
      startHold(st, b);
      toast("You have 10 more minutes.", "ok");
    } catch (err) {
      await afterRefusal(st, err);
      toast(err.code === "limit_reached" ? "This hold cannot be extended again." : friendly(err, st.map.show), "error");
    }
  });
});

$("#again-btn").addEventListener("click", () => {
  const st = seatState;
  if (!st) return;
  st.done = null;
  for (const id of st.seats.keys()) paintSeat(st, id);
  setPanel(st);
});

$("#cancel-btn").addEventListener("click", () => {
  const st = seatState;
  if (!st || !st.done) return;
  const done = st.done;
  return busy($("#cancel-btn"), async () => {
    try {
      const b = await api("POST", `/api/bookings/${done.id}/cancel`, { user: done.user });
      st.done = null;
      for (const s of b.seats) st.seats.get(s.id).data.status = "available";
      for (const id of st.seats.keys()) paintSeat(st, id);
      setPanel(st);
      toast(`Booking cancelled. ${refundNote(b.refund)}`, "ok");
    } catch (err) {
      await afterRefusal(st, err);
      toast(friendly(err, st.map.show), "error");
    }
  });
});

// refreshSeats reads the seat map again, for when the page cannot tell
// from what it has seen what the seats are now.
async function refreshSeats(st) {
  try {
    const m = await api("GET", `/api/shows/${encodeURIComponent(st.showID)}/seats`);
    if (seatState === st) setCancelled(st, m.show.cancelled);
    applyStatuses(st, m.seats.map((s) => [s.id, s.status]));
  } catch (_) {
    /* the live stream will tell */
  }
}

// dropTakenSelection unselects seats someone else took meanwhile.
function dropTakenSelection(st, tell) {
  const lost = [...st.selected].filter((id) => st.seats.get(id).data.status !== "available");
  for (const id of lost) {
    st.selected.delete(id);
    paintSeat(st, id);
  }
  if (tell && lost.length) toast(`Seat${lost.length > 1 ? "s" : ""} ${lost.join(", ")} ${lost.length > 1 ? "were" : "was"} just taken by someone else.`, "error");
  setPanel(st);
}

// ---- Live updates --------------------------------------------------------------

function connect(st) {
  const live = $("#live");
  const setLive = (state, text) => {
    live.dataset.state = state;
    $(".live-text", live).textContent = text;
  };
  const src = new EventSource(`/api/shows/${encodeURIComponent(st.showID)}/events`);
  st.source = src;
  src.addEventListener("open", () => setLive("live", "Live"));
  src.addEventListener("error", () => {
    setLive("down", "Reconnecting…");
    // EventSource reconnects a dropped stream by itself, but gives up for
    // good on an answer other than 200: the 503 of a server holding as
    // many streams as it may, a proxy's 502. Try again in a few seconds,
    // at a random moment, so that refused pages do not all come back at
    // once.
    if (src.readyState !== EventSource.CLOSED || st.source !== src) return;
    clearTimeout(st.retry);
    st.retry = setTimeout(() => {
      if (seatState === st && st.source === src) connect(st);
    }, 3000 + Math.random() * 4000);
  });
  src.addEventListener("seatmap", (e) => {
    const m = JSON.parse(e.data);
    if (seatState === st) setCancelled(st, m.show.cancelled);
    applyStatuses(st, m.seats.map((s) => [s.id, s.status]));
    setLive("live", "Live");
  });
  src.addEventListener("update", (e) => {
    const u = JSON.parse(e.data);
    applyStatuses(st, u.seats.map((id) => [id, u.status]));
  });
}

function applyStatuses(st, changes) {
  if (seatState !== st) return;
  for (const [id, status] of changes) {
    const seat = st.seats.get(id);
    if (!seat || seat.data.status === status) continue;
    seat.data.status = status;
    if (status !== "available" && !isMine(st, id) && !st.holding) seat.el.classList.add("flash");
    paintSeat(st, id);
    setTimeout(() => seat.el.classList.remove("flash"), 1000);
  }
  // While our own hold request is on its way, its seats turn held here
  // before the answer comes back: they are not "taken by someone else".
  if (!st.holding) dropTakenSelection(st, true);
}

// ---- Bookings --------------------------------------------------------------

// allBookings reads every booking of the user, oldest first.
async function allBookings(user) {
  return allPages(`/api/users/${encodeURIComponent(user)}/bookings?limit=1000`, "bookings");
}

// allPages reads every item of a paged list (path has a query string), the
// items of each page under key, following the pages the API cuts it into.
async function allPages(path, key) {
  const all = [];
  let next = "";
  do {
    const page = await api("GET", next ? `${path}&after=${encodeURIComponent(next)}` : path);
    all.push(...page[key]);
    next = page.next || "";
  } while (next);
  return all;
}

async function bookingsView() {
  const user = currentUser();
  const bookings = await allBookings(user);
  showView("bookings");
  document.title = "Boxoffice · My bookings";
  $("#bookings-who").textContent = `Bookings of ${user}, newest first.`;
  const shows = new Map();
  await Promise.all([...new Set(bookings.map((b) => b.showId))].map(async (id) => {
    shows.set(id, await api("GET", `/api/shows/${encodeURIComponent(id)}`).catch(() => null));
  }));
  if (bookings.length) {
    const c = bookings[0].currency;
    if (c) currency = c;
  }
  $("#booking-list").replaceChildren(...bookings.slice().reverse().map((b) => bookingItem(b, shows.get(b.showId))));
  $("#bookings-empty").hidden = bookings.length > 0;
}

function bookingItem(b, show) {
  const actions = el("div", { class: "actions" });
  if (show && (b.status === "held" || b.status === "confirmed")) {
    actions.append(el("a", { class: "btn ghost", href: `#/show/${encodeURIComponent(b.showId)}` }, b.status === "held" ? "Pay now" : "Seat map"));
  }
  if (b.status === "confirmed") {
    actions.append(el("button", {
      class: "btn ghost", type: "button", onclick: async (e) => {
        try {
          const c = await api("POST", `/api/bookings/${b.id}/cancel`, { user: b.user });
          toast(`Booking cancelled. ${refundNote(c.refund)}`, "ok");
          bookingsView();
        } catch (err) {
          toast(friendly(err), "error");
        }
      },
    }, "Cancel"));
  }
  return el("li", { class: "booking-item" },
    el("h2", {}, show ? show.movieTitle : b.showId, el("span", { class: "status", dataset: { status: b.status } }, b.status)),
    actions,
    el("p", { class: "meta" }, [
      show ? `${when(show)} · ${show.hallName}, ${show.theaterName}` : "",
      `Seats ${b.seats.map((s) => s.id).join(", ")}`,
      money(b.totalCents),
      `Ref ${b.id.slice(0, 8).toUpperCase()}`,
    ].filter(Boolean).join(" · ")));
}

route();
