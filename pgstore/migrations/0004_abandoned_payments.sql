-- Bookings in state paying, by when they started paying (updated_at: the
-- core sets it when a booking moves to paying, and nothing else writes a
-- paying booking until its payment is settled). A booking paying for
-- longer than any live ConfirmBooking can take was abandoned by an
-- instance that died between its charge and the transaction recording
-- the outcome, or whose Store failed then: the customer may have been
-- charged, and the seats' hold lapses. Every instance's sweeper lists
-- them, with the bookings owing money back (UnsettledBookings, as
-- bookings_owing_money of 0003), at start and every RescanInterval, and
-- resumes the payment by its idempotency key. The index is partial: it
-- holds only the payments in flight at any moment, not the bookings
-- table, and ordered by updated_at it serves the query's range, ORDER BY
-- and LIMIT.
--
-- Migrate runs in one transaction, so the index is built without
-- CONCURRENTLY: building it locks writes to bookings for the time of one
-- scan of the table, once.

CREATE INDEX bookings_paying_since ON bookings (updated_at, id) WHERE status = 'paying';
