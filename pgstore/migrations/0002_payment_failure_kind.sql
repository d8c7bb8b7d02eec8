-- Why a payment failed, for programs: boxoffice.PaymentFailureKind.String()
-- ('none', 'declined', 'timed out', 'gateway error', 'hold lost'). Until now
-- a decline was marked only by a "declined: " prefix of payment_failure.
-- Rows written by an instance older than this migration keep 'none' and
-- are classified when read (see inferFailureKind); the rows already here
-- are classified now, the same way.

ALTER TABLE bookings ADD COLUMN payment_failure_kind text NOT NULL DEFAULT 'none';

UPDATE bookings SET
    payment_failure_kind = CASE
        WHEN payment_failure LIKE 'declined: %' THEN 'declined'
        WHEN payment_failure = 'hold expired during payment and a seat was taken' THEN 'hold lost'
        WHEN payment_failure LIKE '%context deadline exceeded' THEN 'timed out'
        ELSE 'gateway error'
    END,
    payment_failure = CASE
        WHEN payment_failure LIKE 'declined: %' THEN substr(payment_failure, length('declined: ') + 1)
        ELSE payment_failure
    END
WHERE status = 'failed';
