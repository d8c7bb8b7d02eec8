package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/boxoffice-go/boxoffice"
)

// declinedCard is the demo's test card that is always declined, named after
// the test tokens real payment providers offer, so that the page can show
// what a failed payment looks like.
const declinedCard boxoffice.PaymentMethod = "card:tok_chargeDeclined"

// demoGateway approves every charge, except that it declines declinedCard.
// Its ledger is the library's in-memory gateway, or, with -postgres, a
// ledger in the database (pgLedger). A real service plugs its payment
// provider in here.
type demoGateway struct {
	boxoffice.PaymentGateway
}

func newDemoGateway() demoGateway { return demoGateway{boxoffice.NewInMemoryGateway()} }

// Charge declines declinedCard and approves everything else.
func (g demoGateway) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	if r.Method == declinedCard {
		return boxoffice.Receipt{}, fmt.Errorf("your card was declined (test card %s): %w", r.Method, boxoffice.ErrPaymentDeclined)
	}
	return g.PaymentGateway.Charge(ctx, r)
}

// pgLedger keeps the demo gateway's charges and refunds in PostgreSQL, in
// the Store's schema, with the in-memory gateway's rules (one charge or
// refund per idempotency key, never more given back than charged). Server
// processes sharing a database share a payment provider, as a real
// service's do: a booking paid through one process is refunded through
// another, and a payment a dead process left is finished by another under
// the same charge key. With a ledger per process, such a refund found no
// charge and stayed owed for ever (retried and logged every few seconds),
// and the money a dead process took was never seen again.
type pgLedger struct {
	pool             *pgxpool.Pool
	charges, refunds string // sanitized table names
}

// newPGLedger creates the ledger's tables in schema if they are missing.
// Processes starting at once take turns on a transaction's advisory lock.
func newPGLedger(ctx context.Context, pool *pgxpool.Pool, schema string) (*pgLedger, error) {
	l := &pgLedger{
		pool:    pool,
		charges: pgx.Identifier{schema, "demo_gateway_charges"}.Sanitize(),
		refunds: pgx.Identifier{schema, "demo_gateway_refunds"}.Sanitize(),
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('boxoffice demo gateway ' || $1))`, schema); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			CREATE TABLE IF NOT EXISTS `+l.charges+` (
				key       text PRIMARY KEY,
				reference text NOT NULL,
				amount    bigint NOT NULL,
				refunded  bigint NOT NULL DEFAULT 0
			);
			CREATE TABLE IF NOT EXISTS `+l.refunds+` (
				key        text PRIMARY KEY,
				charge_key text NOT NULL,
				reference  text NOT NULL,
				amount     bigint NOT NULL
			)`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("demo gateway's tables: %w", err)
	}
	return l, nil
}

// Charge records the charge once per idempotency key.
func (l *pgLedger) Charge(ctx context.Context, r boxoffice.ChargeRequest) (boxoffice.Receipt, error) {
	if r.Amount < 0 {
		return boxoffice.Receipt{}, fmt.Errorf("%w: negative amount %s", boxoffice.ErrPaymentDeclined, r.Amount)
	}
	var rc boxoffice.Receipt
	// The first charge under the key wins; a later one returns its receipt.
	// A charge under the key committed by another process while this
	// statement ran is seen by none of its branches: a second statement
	// sees it.
	var err error
	for range 2 {
		err = l.chargeOnce(ctx, r, &rc)
		if !errors.Is(err, pgx.ErrNoRows) {
			break
		}
	}
	if err != nil {
		return boxoffice.Receipt{}, fmt.Errorf("demo gateway: charge: %w", err)
	}
	return rc, nil
}

func (l *pgLedger) chargeOnce(ctx context.Context, r boxoffice.ChargeRequest, rc *boxoffice.Receipt) error {
	return l.pool.QueryRow(ctx, `
		WITH ins AS (
			INSERT INTO `+l.charges+` (key, reference, amount)
			VALUES ($1, 'ch_' || md5($1), $2)
			ON CONFLICT (key) DO NOTHING
			RETURNING reference, amount)
		SELECT reference, amount FROM ins
		UNION ALL
		SELECT reference, amount FROM `+l.charges+` WHERE key = $1
		LIMIT 1`, r.IdempotencyKey, int64(r.Amount)).Scan(&rc.Reference, &rc.Amount)
}

// Refund records the refund once per idempotency key, never more than was
// charged.
func (l *pgLedger) Refund(ctx context.Context, r boxoffice.RefundRequest) (boxoffice.Receipt, error) {
	var rc boxoffice.Receipt
	err := pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error {
		// The charge's row first: refunds of one charge take turns.
		var charged, refunded int64
		err := tx.QueryRow(ctx, `SELECT amount, refunded FROM `+l.charges+` WHERE key = $1 FOR UPDATE`, r.ChargeKey).Scan(&charged, &refunded)
		if errors.Is(err, pgx.ErrNoRows) {
			return boxoffice.ErrChargeNotFound
		}
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `SELECT reference, amount FROM `+l.refunds+` WHERE key = $1`, r.IdempotencyKey).Scan(&rc.Reference, &rc.Amount)
		if err == nil || !errors.Is(err, pgx.ErrNoRows) {
			return err // the key's refund, made before
		}
		if r.Amount < 0 || refunded+int64(r.Amount) > charged {
			return fmt.Errorf("refund of %s exceeds charge %s", r.Amount, boxoffice.Money(charged))
		}
		rc = boxoffice.Receipt{Reference: "re_" + r.IdempotencyKey, Amount: r.Amount}
		if _, err := tx.Exec(ctx, `INSERT INTO `+l.refunds+` (key, charge_key, reference, amount) VALUES ($1, $2, $3, $4)`,
			r.IdempotencyKey, r.ChargeKey, rc.Reference, int64(r.Amount)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE `+l.charges+` SET refunded = refunded + $2 WHERE key = $1`, r.ChargeKey, int64(r.Amount))
		return err
	})
	if errors.Is(err, boxoffice.ErrChargeNotFound) {
		return boxoffice.Receipt{}, err
	}
	if err != nil {
		return boxoffice.Receipt{}, fmt.Errorf("demo gateway: refund: %w", err)
	}
	return rc, nil
}
