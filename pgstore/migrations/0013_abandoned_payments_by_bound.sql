-- The payments in flight by their recorded bound (payment_live_until,
-- 0011): AbandonedPayments reads the abandoned ones as two ranges of it —
-- the bounds before now, and the NULL ones (payments started before 0011)
-- filtered on when they started paying — and sorts what it read by
-- (updated_at, id). Reading bookings_paying_since (0004) in that order and
-- filtering on the bound read every payment in flight on each sweeper
-- rescan of every instance, to find the few abandoned. A B-tree keeps
-- NULLs (last), so one index serves both ranges. Partial, as 0004: it
-- holds only the payments in flight.
--
-- bookings_paying_since stays, for the instances of older versions still
-- running on this schema during an upgrade; this version does not read it.

CREATE INDEX bookings_paying_until ON bookings (payment_live_until) WHERE status = 'paying';
