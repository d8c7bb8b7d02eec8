-- The time past which no call of the instance that started a payment, or
-- last resumed it, can still be charging (boxoffice.Payment.LiveUntil),
-- computed by that instance from its own payment settings: every
-- instance takes a payment as abandoned once it has passed, whatever its
-- own settings, so instances need not share them. NULL on bookings never
-- paid for and on payments started before this migration: AbandonedPayments
-- judges those by the cutoff the instance asking computes from its own
-- settings and updated_at, as before. Adding a nullable column with no
-- default rewrites no row.
--
-- AbandonedPayments still reads bookings_paying_since (0004) in
-- (updated_at, id) order, filtering on this column: the index holds only
-- the payments in flight, and a payment's bound is never before its
-- updated_at.

ALTER TABLE bookings ADD COLUMN payment_live_until timestamptz;
