-- The theater's time zone (boxoffice.Theater.TimeZone): an IANA name such
-- as 'Asia/Tokyo', or '' for none, which the BookingSystem loads to price
-- a show by its local day. Checked by the BookingSystem (AddTheater), as
-- the theater's other text is, not here: PostgreSQL's own zone names are
-- its own build's, not the program's.
--
-- A constant default: adding the column rewrites no row (PostgreSQL 11
-- and later), and every theater added before has no zone.

ALTER TABLE theaters ADD COLUMN time_zone text NOT NULL DEFAULT '';
