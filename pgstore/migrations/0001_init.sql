-- The catalog, one seat inventory row per show, and the bookings.
-- Migrate runs this with search_path set to the store's schema.

CREATE TABLE movies (
    id       text PRIMARY KEY,
    title    text NOT NULL,
    duration interval NOT NULL,
    genres   text[] NOT NULL DEFAULT '{}',
    language text NOT NULL DEFAULT '',
    rating   text NOT NULL DEFAULT ''
);

CREATE TABLE theaters (
    id       text PRIMARY KEY,
    name     text NOT NULL DEFAULT '',
    location text NOT NULL DEFAULT '',
    city     text NOT NULL DEFAULT ''
);

CREATE TABLE halls (
    id           text PRIMARY KEY,
    theater_id   text NOT NULL REFERENCES theaters (id),
    name         text NOT NULL DEFAULT '',
    layout       text NOT NULL,             -- boxoffice.Layout.MarshalText
    longest_show_us bigint NOT NULL DEFAULT 0  -- the hall's longest show in µs: bounds overlap searches
);
CREATE INDEX halls_of_theater ON halls (theater_id, id);

-- Shows never change once added.
CREATE TABLE shows (
    id         text PRIMARY KEY,
    movie_id   text NOT NULL REFERENCES movies (id),
    hall_id    text NOT NULL REFERENCES halls (id),
    theater_id text NOT NULL,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    base_price bigint NOT NULL
);
CREATE INDEX shows_of_movie ON shows (movie_id, starts_at, id);
CREATE INDEX shows_of_hall ON shows (hall_id, starts_at, ends_at);

-- One row per show holding its whole seat inventory (25 bytes a seat in
-- layout order; see inventory.go). Every show transaction locks this row
-- (SELECT ... FOR UPDATE) before it reads anything else of the show.
-- version counts the committed transactions that changed the show.
-- The low fillfactor leaves room on the page for HOT updates.
CREATE TABLE show_seats (
    show_id text PRIMARY KEY REFERENCES shows (id),
    version bigint NOT NULL DEFAULT 0,
    seats   bytea NOT NULL
) WITH (fillfactor = 50);

-- Bookings are written only inside their show's transaction, which has
-- locked the show's show_seats row: the show exists, and a foreign key
-- check (which would lock the shows row too) would only cost time.
CREATE TABLE bookings (
    id                uuid PRIMARY KEY,
    show_id           text NOT NULL,
    user_id           text NOT NULL,
    status            text NOT NULL CHECK (status IN
                          ('held', 'paying', 'confirmed', 'cancelled', 'completed', 'expired', 'released', 'failed')),
    seats             jsonb NOT NULL,  -- [{"id": "A1", "type": "VIP", "price": 1800}, ...]
    total             bigint NOT NULL, -- cents
    created_at        timestamptz NOT NULL,
    held_until        timestamptz,
    extensions        integer NOT NULL DEFAULT 0,
    updated_at        timestamptz,
    payment_method    text NOT NULL DEFAULT '',
    payment_amount    bigint NOT NULL DEFAULT 0,
    payment_reference text NOT NULL DEFAULT '',
    payment_attempts  integer NOT NULL DEFAULT 0,
    paid_at           timestamptz,
    payment_failure   text NOT NULL DEFAULT '',
    refund_amount     bigint NOT NULL DEFAULT 0,
    refund_percent    integer NOT NULL DEFAULT 0,
    refund_reference  text NOT NULL DEFAULT '',
    refunded_at       timestamptz,
    refund_reason     text NOT NULL DEFAULT ''
) WITH (fillfactor = 80);
CREATE INDEX bookings_of_user ON bookings (user_id, created_at, id);
CREATE INDEX bookings_held_by_deadline ON bookings (held_until) WHERE status = 'held';
