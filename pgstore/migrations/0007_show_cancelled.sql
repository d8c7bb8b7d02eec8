-- Whether the show was cancelled (boxoffice.BookingSystem.CancelShow):
-- part of the show's state like its seats, read with the inventory by
-- every show transaction (so a hold in any instance sees a cancellation
-- made by another), and written in the statement that writes the
-- inventory, by the transaction that cancels the show only.
--
-- A constant default: adding the column rewrites no row (PostgreSQL 11
-- and later).

ALTER TABLE show_seats ADD COLUMN cancelled boolean NOT NULL DEFAULT false;
