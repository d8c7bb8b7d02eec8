-- Bookings with money owed back (boxoffice.Booking.RefundOwed): a
-- cancellation whose refund the gateway has not paid yet, or a failed
-- booking whose charge (one that went through, or may have) is not yet
-- voided. Every instance's sweeper lists them (OwedRefunds) at start and
-- every RescanInterval and pays them, so that money a crashed or
-- restarted instance owed is paid by another. The index is partial: it
-- holds only the few bookings owing money at any moment, not the
-- bookings table, and ordered by updated_at it serves the query's ORDER
-- BY and LIMIT. Its predicate is the same expression as owingMoney in
-- queries.go, which the query uses, so that the planner picks the index.
--
-- Migrate runs in one transaction, so the index is built without
-- CONCURRENTLY: building it locks writes to bookings for the time of one
-- scan of the table, once.

CREATE INDEX bookings_owing_money ON bookings (updated_at, id)
    WHERE ((status = 'cancelled' AND refund_amount > 0 AND refunded_at IS NULL)
       OR (status = 'failed' AND payment_amount > refund_amount));
