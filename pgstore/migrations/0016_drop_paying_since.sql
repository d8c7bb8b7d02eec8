-- bookings_paying_since (0004) is read by no statement since 0013:
-- AbandonedPayments reads bookings_paying_until, under custom and generic
-- plans (EXPLAIN in TestAbandonedPaymentsReadOnlyTheAbandoned), and no
-- other statement has its predicate (status = 'paying'; the open bookings
-- of a user ask for status IN ('held', 'paying', 'confirmed'), which it
-- does not imply). Yet every booking write that enters or leaves the
-- paying state, or updates a paying row (a resume), inserts an entry into
-- it. 0013 kept it for instances of older versions running on the schema
-- during an upgrade; the package documentation has every instance of a
-- schema upgraded together, and an older instance that still ran would
-- read bookings_paying_until or the table instead, and list the same
-- payments.
--
-- Migrate runs in one transaction, so the index is dropped without
-- CONCURRENTLY: the drop locks bookings for as long as it takes to remove
-- the index's file, once.

DROP INDEX bookings_paying_since;
