package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
	"github.com/boxoffice-go/boxoffice/pgstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TestMultiProcess runs three loadtest processes at once on one PostgreSQL
// schema — three BookingSystems that share nothing but the database — and
// then audits the schema with SQL: no seat has two owners, every booked
// seat belongs to a confirmed booking that lists it, every confirmed
// booking's seats are booked to it, and each process's own audit (its
// users, its gateway's money, its own history) passed. Each process sees
// only its own commits, so a seat sold by two processes and then given
// back by one would escape all that: the schema therefore records the
// shared history itself (recordSharedHistory), and auditSharedHistory
// replays it.
//
// It takes about 15 seconds, so it runs only with BOXOFFICE_MULTIPROCESS=1:
//
//	BOXOFFICE_MULTIPROCESS=1 go test -run TestMultiProcess -v ./examples/loadtest
func TestMultiProcess(t *testing.T) {
	if os.Getenv("BOXOFFICE_MULTIPROCESS") != "1" {
		t.Skip("set BOXOFFICE_MULTIPROCESS=1 to run three loadtest processes on PostgreSQL")
	}
	url := os.Getenv("BOXOFFICE_TEST_DATABASE_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		t.Fatalf("PostgreSQL at %s: %v", url, err)
	}
	defer pool.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "loadtest_mp_" + hex.EncodeToString(b[:])
	defer func() {
		if _, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	}()

	recordSharedHistory(t, pool, url, schema)

	bin := filepath.Join(t.TempDir(), "loadtest")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const processes = 3
	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, processes)
	errs := make([]error, processes)
	// A user pays right after its hold, but each call waits its turn for
	// one of the pool's 16 connections, so the gap between the two grows
	// with the users per process. With 150 users and a 1s TTL, a loaded CI
	// machine saw every payment arrive after its hold had expired (0
	// confirmed of 35). 50 users and a 2s TTL keep that gap a small part of
	// the TTL (no payment late with four busy loops beside the test),
	// while 150 users still contend for 4 shows.
	for p := range processes {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(cctx, bin, "-postgres", url, "-schema", schema, "-instance", fmt.Sprintf("p%d-", p),
				"-users", "50", "-shows", "4", "-duration", "4s", "-ttl", "2s", "-seed", fmt.Sprint(p+1))
			cmd.Stdout, cmd.Stderr = &outs[p], &outs[p]
			errs[p] = cmd.Run()
		})
	}
	wg.Wait()
	for p := range processes {
		if errs[p] != nil {
			t.Errorf("process %d: %v\n%s", p, errs[p], outs[p].String())
		} else {
			t.Logf("process %d:\n%s", p, lastLines(outs[p].String(), 10))
		}
	}
	auditSharedSchema(t, pool, schema)
	auditSharedHistory(t, pool, schema)
}

// historyLockClass is the first key of the advisory locks that order the
// shared history (the second is the show's hash): "load".
const historyLockClass = 0x6c6f6164

// recordSharedHistory migrates the schema and adds to it a trigger that
// records, in booking_history, every booking that becomes confirmed or
// cancelled, whichever process commits it, numbered in commit order per
// show.
//
// Commit order without comparing clocks: before numbering a change, the
// trigger takes a per-show advisory lock that its transaction holds until
// it ends, so that of two transactions changing bookings of one show, the
// second numbers its changes only once the first has committed (or rolled
// back, taking its rows with it). This does not rely on pgstore's own show
// lock, which is what is under test. Sequence numbers are handed out in
// the order asked for (an identity column caches none).
func recordSharedHistory(t *testing.T, pool *pgxpool.Pool, url, schema string) {
	ctx := context.Background()
	if err := pgstore.Migrate(ctx, pool, pgstore.Options{Schema: schema}); err != nil {
		t.Fatal(err)
	}
	s := pgx.Identifier{schema}.Sanitize()
	_, err := pool.Exec(ctx, `
		CREATE TABLE `+s+`.booking_history (
			seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			tx         bigint NOT NULL,
			show_id    text NOT NULL,
			booking_id uuid NOT NULL,
			status     text NOT NULL,
			seats      jsonb NOT NULL
		);
		CREATE FUNCTION `+s+`.record_booking_history() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.status IN ('confirmed', 'cancelled') AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status) THEN
				PERFORM pg_advisory_xact_lock(`+fmt.Sprint(historyLockClass)+`, hashtext(NEW.show_id));
				INSERT INTO `+s+`.booking_history (tx, show_id, booking_id, status, seats)
				VALUES (txid_current(), NEW.show_id, NEW.id, NEW.status, NEW.seats);
			END IF;
			RETURN NULL;
		END $$;
		CREATE TRIGGER record_booking_history AFTER INSERT OR UPDATE ON `+s+`.bookings
			FOR EACH ROW EXECUTE FUNCTION `+s+`.record_booking_history();`)
	if err != nil {
		t.Fatalf("recording the history of %s at %s: %v", schema, url, err)
	}
}

// auditSharedHistory replays the history recordSharedHistory recorded,
// show by show in commit order: no seat may be sold while another
// confirmed booking owns it, even if that was later undone. Changes of
// one transaction are replayed at once, cancellations first, since only
// the state at its commit was ever visible. The history must hold every
// confirmed and cancelled booking of the schema, or it proves nothing.
func auditSharedHistory(t *testing.T, pool *pgxpool.Pool, schema string) {
	ctx := context.Background()
	s := pgx.Identifier{schema}.Sanitize()
	type change struct {
		tx      int64
		show    string
		booking boxoffice.BookingID
		cancel  bool
		seats   []string
	}
	rows, err := pool.Query(ctx, `SELECT tx, show_id, booking_id, status = 'cancelled', ARRAY(SELECT jsonb_array_elements(seats)->>'id')
		FROM `+s+`.booking_history ORDER BY show_id, seq`)
	if err != nil {
		t.Fatal(err)
	}
	var history []change
	for rows.Next() {
		var c change
		var id [16]byte
		if err := rows.Scan(&c.tx, &c.show, &id, &c.cancel, &c.seats); err != nil {
			t.Fatal(err)
		}
		c.booking = boxoffice.BookingID(id)
		history = append(history, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	l := newSaleLedger()
	for len(history) > 0 {
		n := 1 // the changes of one transaction on one show
		for n < len(history) && history[n].tx == history[0].tx && history[n].show == history[0].show {
			n++
		}
		for _, cancel := range []bool{true, false} {
			for _, c := range history[:n] {
				switch {
				case c.cancel != cancel:
				case cancel:
					l.cancel(c.show, c.booking, c.seats)
				default:
					l.confirm(c.show, c.booking, c.seats)
				}
			}
		}
		history = history[n:]
	}
	if l.doubleSales > 0 {
		t.Errorf("the shared history has %d seats sold while another confirmed booking owned them; first: %s", l.doubleSales, l.firstDouble)
	}

	rows, err = pool.Query(ctx, `SELECT id, status = 'cancelled' FROM `+s+`.bookings WHERE status IN ('confirmed', 'cancelled')`)
	if err != nil {
		t.Fatal(err)
	}
	var sold, cancelled, gaps int
	for rows.Next() {
		var id [16]byte
		var isCancelled bool
		if err := rows.Scan(&id, &isCancelled); err != nil {
			t.Fatal(err)
		}
		sold++
		if _, ok := l.confirmed[boxoffice.BookingID(id)]; !ok {
			gaps++
		}
		if isCancelled {
			cancelled++
			if _, ok := l.cancelled[boxoffice.BookingID(id)]; !ok {
				gaps++
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if gaps > 0 || len(l.confirmed) != sold || len(l.cancelled) != cancelled {
		t.Errorf("the shared history is incomplete: it replayed %d confirmations and %d cancellations, the bookings show %d and %d, %d of them missing",
			len(l.confirmed), len(l.cancelled), sold, cancelled, gaps)
	}
	t.Logf("shared history: %d confirmations and %d cancellations replayed, %d double sales", len(l.confirmed), len(l.cancelled), l.doubleSales)
}

// auditSharedSchema checks a pgstore schema with SQL alone, whoever wrote it.
func auditSharedSchema(t *testing.T, pool *pgxpool.Pool, schema string) {
	ctx := context.Background()
	s := pgx.Identifier{schema}.Sanitize()
	store, err := pgstore.New(pool, pgstore.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}

	// Every inventory, decoded in SQL (25 bytes a seat: status, booking).
	rows, err := pool.Query(ctx, `
		SELECT v.show_id, sh.hall_id, i, get_byte(v.seats, i * 25),
		       encode(substring(v.seats FROM i * 25 + 2 FOR 16), 'hex')::uuid
		FROM `+s+`.show_seats v JOIN `+s+`.shows sh ON sh.id = v.show_id,
		     generate_series(0, length(v.seats) / 25 - 1) AS i`)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ show, seat string }
	bookedTo := map[key][16]byte{}
	heldBy := map[key][16]byte{}
	layouts := map[string]*boxoffice.Layout{}
	var slots int
	for rows.Next() {
		var show, hall string
		var i, status int32
		var id [16]byte
		if err := rows.Scan(&show, &hall, &i, &status, &id); err != nil {
			t.Fatal(err)
		}
		l := layouts[hall]
		if l == nil {
			h, err := store.Hall(ctx, hall)
			if err != nil {
				t.Fatal(err)
			}
			l, layouts[hall] = h.Layout, h.Layout
		}
		k := key{show, l.Seat(int(i)).ID}
		switch boxoffice.SeatStatus(status) {
		case boxoffice.SeatBooked:
			bookedTo[k] = id
		case boxoffice.SeatHeld:
			heldBy[k] = id
		}
		slots++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	// Every booking.
	type booking struct {
		show, status string
		seats        []string
	}
	bookings := map[[16]byte]booking{}
	rows, err = pool.Query(ctx, `SELECT id, show_id, status, ARRAY(SELECT jsonb_array_elements(seats)->>'id') FROM `+s+`.bookings`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id [16]byte
		var b booking
		if err := rows.Scan(&id, &b.show, &b.status, &b.seats); err != nil {
			t.Fatal(err)
		}
		bookings[id] = b
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	confirmed, owners := 0, map[key]int{}
	for id, b := range bookings {
		if b.status != "confirmed" {
			continue
		}
		confirmed++
		for _, seat := range b.seats {
			k := key{b.show, seat}
			owners[k]++
			if bookedTo[k] != id {
				t.Errorf("confirmed booking %x lists seat %v, which is not booked to it", id, k)
			}
		}
	}
	for k, n := range owners {
		if n > 1 {
			t.Errorf("seat %v is in %d confirmed bookings", k, n)
		}
	}
	for k, id := range bookedTo {
		if b, ok := bookings[id]; !ok || b.status != "confirmed" || b.show != k.show || !slices.Contains(b.seats, k.seat) {
			t.Errorf("seat %v is booked to %x, which is not a confirmed booking listing it (%+v)", k, id, b)
		}
	}
	for k, id := range heldBy {
		if b, ok := bookings[id]; !ok || (b.status != "held" && b.status != "paying") || !slices.Contains(b.seats, k.seat) {
			t.Errorf("seat %v is held by %x, which is not a live hold listing it (%+v)", k, id, b)
		}
	}
	t.Logf("audit: %d seats, %d bookings, %d confirmed, %d seats booked, %d held", slots, len(bookings), confirmed, len(bookedTo), len(heldBy))
	if confirmed == 0 {
		t.Error("no booking was confirmed: the processes did not run")
	}
	var users int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT split_part(user_id, '-', 1)) FROM `+s+`.bookings`).Scan(&users); err != nil {
		t.Fatal(err)
	}
	if users != 3 {
		t.Errorf("bookings come from %d processes, want 3", users)
	}
}

func lastLines(s string, n int) string {
	lines := bytes.Split(bytes.TrimRight([]byte(s), "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
