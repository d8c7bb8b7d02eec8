package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice-go/boxoffice"
)

// TestRunPostgresSharedGateway: server processes sharing a database share
// the demo's payment ledger, as they would a real payment provider. A
// booking paid through one process and cancelled through another is
// refunded: in a chaos drill of three processes, each with an in-memory
// ledger, every such refund found no charge ("charge not found") and stayed
// owed for ever, retried and logged every few seconds, and a payment a
// killed process left was finished by another under a charge its ledger
// had never seen.
func TestRunPostgresSharedGateway(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url, _, schema := postgresSchema(ctx, t)
	a := startServer(t, "-postgres", url, "-schema", schema)
	b := startServer(t, "-postgres", url, "-schema", schema)

	// The latest show of the large hall: more than 6 h away, refunded in full.
	var showID string
	var latest time.Time
	for _, m := range demoMovies {
		var shows struct{ Shows []showJSON }
		getJSON(t, a.url+"/api/movies/"+m.ID+"/shows", &shows)
		for _, s := range shows.Shows {
			if s.HallID == "avenida-2" && s.Start.After(latest) {
				showID, latest = s.ID, s.Start
			}
		}
	}
	if time.Until(latest) < 7*time.Hour {
		t.Skipf("the demo's latest show in avenida-2 starts at %s: too soon for a full refund", latest)
	}
	seats := adjacentSeatsVia(t, a.url, showID)
	var held bookingJSON
	status, body := postJSON(t, a.url+"/api/shows/"+showID+"/holds", holdRequest{User: "ana", Seats: seats})
	if status != http.StatusCreated {
		t.Fatalf("hold through A: %d %s", status, body)
	}
	if err := json.Unmarshal([]byte(body), &held); err != nil {
		t.Fatal(err)
	}
	if status, body := postJSON(t, a.url+"/api/bookings/"+held.ID+"/confirm", confirmRequest{User: "ana", PaymentMethod: "card:tok_visa"}); status != http.StatusOK {
		t.Fatalf("confirm through A: %d %s", status, body)
	}
	status, body = postJSON(t, b.url+"/api/bookings/"+held.ID+"/cancel", map[string]string{"user": "ana"})
	if status != http.StatusOK {
		t.Fatalf("cancel through B: %d %s", status, body)
	}
	var cancelled bookingJSON
	if err := json.Unmarshal([]byte(body), &cancelled); err != nil {
		t.Fatal(err)
	}
	if r := cancelled.Refund; r == nil || r.AmountCents != held.TotalCents || r.RefundedAt.IsZero() {
		t.Errorf("booking paid through A and cancelled through B: refund %+v; want %d cents refunded, not owed", r, held.TotalCents)
	}
}

// TestPGLedgerRules: the PostgreSQL ledger keeps the in-memory gateway's
// rules: one charge and one refund per idempotency key, never more given
// back than charged, "not found" for a charge never made.
func TestPGLedgerRules(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url, _, schema := postgresSchema(ctx, t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	l, err := newPGLedger(ctx, pool, schema)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newPGLedger(ctx, pool, schema); err != nil { // a second process
		t.Fatal(err)
	}
	first, err := l.Charge(ctx, boxoffice.ChargeRequest{IdempotencyKey: "c1", Amount: 1000})
	if err != nil || first.Amount != 1000 || first.Reference == "" {
		t.Fatalf("charge: %+v, %v", first, err)
	}
	again, err := l.Charge(ctx, boxoffice.ChargeRequest{IdempotencyKey: "c1", Amount: 1000})
	if err != nil || again != first {
		t.Errorf("the same charge again: %+v, %v; want %+v", again, err, first)
	}
	if _, err := l.Refund(ctx, boxoffice.RefundRequest{IdempotencyKey: "r0", ChargeKey: "none", Amount: 1}); !errors.Is(err, boxoffice.ErrChargeNotFound) {
		t.Errorf("refund of a charge never made: %v; want ErrChargeNotFound", err)
	}
	r1, err := l.Refund(ctx, boxoffice.RefundRequest{IdempotencyKey: "r1", ChargeKey: "c1", Amount: 600})
	if err != nil || r1.Amount != 600 {
		t.Fatalf("refund: %+v, %v", r1, err)
	}
	if again, err := l.Refund(ctx, boxoffice.RefundRequest{IdempotencyKey: "r1", ChargeKey: "c1", Amount: 600}); err != nil || again != r1 {
		t.Errorf("the same refund again: %+v, %v; want %+v", again, err, r1)
	}
	if _, err := l.Refund(ctx, boxoffice.RefundRequest{IdempotencyKey: "r2", ChargeKey: "c1", Amount: 401}); err == nil || errors.Is(err, boxoffice.ErrChargeNotFound) {
		t.Errorf("a refund past the charge: %v; want an error", err)
	}
	if r, err := l.Refund(ctx, boxoffice.RefundRequest{IdempotencyKey: "r3", ChargeKey: "c1", Amount: 400}); err != nil || r.Amount != 400 {
		t.Errorf("the rest of the charge: %+v, %v", r, err)
	}
}
