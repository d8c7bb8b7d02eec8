-- The open bookings (held, paying, confirmed) of one user in one show:
-- boxoffice.Config.MaxSeatsPerShow counts their seats inside the show's
-- transaction on every hold (showTx.SeatsOfUser). Partial, so that a
-- show's ended bookings (released, expired, failed, cancelled), which pile
-- up, are neither read nor kept in it; a booking leaves it when it ends.

CREATE INDEX bookings_open_of_show_user ON bookings (show_id, user_id)
    WHERE status IN ('held', 'paying', 'confirmed');
