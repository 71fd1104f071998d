-- Gift fulfilment: delivery details given at donation time, one order per paid gift line for its
-- vendor, and vendor logins.

-- Whether a donor may ask for a delivery time slot (時間帯指定) for this gift.
ALTER TABLE gifts ADD COLUMN accepts_delivery_window BOOLEAN NOT NULL DEFAULT FALSE;

-- The gift's procurement cost per unit when the donation was made: what the ward owes its vendor.
ALTER TABLE donations ADD COLUMN gift_unit_cost BIGINT CHECK (gift_unit_cost > 0);

-- What the donor asked for the delivery of a gift (お届け先, のし, time slot). No row: the gift
-- goes to the donor's own address, without のし or time slot.
CREATE TABLE deliveries (
    donation_id TEXT PRIMARY KEY REFERENCES donations (id),
    recipient_name TEXT,
    recipient_name_kana TEXT,
    recipient_phone TEXT,
    recipient_postal_code TEXT,
    recipient_prefecture TEXT,
    recipient_city TEXT,
    recipient_address_line TEXT,
    noshi_type TEXT CHECK (noshi_type IN ('orei', 'ochugen', 'oseibo', 'uchiiwai', 'muji')),
    noshi_name TEXT,
    delivery_window TEXT CHECK (delivery_window IN ('morning', '14-16', '16-18', '18-20', '19-21')),
    -- A recipient is given whole or not at all.
    CHECK ((recipient_name IS NULL) = (recipient_address_line IS NULL)),
    CHECK (noshi_name IS NULL OR noshi_type IS NOT NULL)
);

-- One order per paid gift line, for the gift's vendor.
CREATE TABLE gift_orders (
    id TEXT PRIMARY KEY,
    -- One gift line per donation today, so one order per donation: a replayed payment finds it.
    donation_id TEXT NOT NULL UNIQUE REFERENCES donations (id),
    gift_id TEXT NOT NULL REFERENCES gifts (id),
    vendor_id TEXT NOT NULL REFERENCES businesses (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_cost BIGINT NOT NULL CHECK (unit_cost > 0),
    fulfilment TEXT NOT NULL CHECK (fulfilment IN ('parcel', 'booking')),
    status TEXT NOT NULL CHECK (status IN ('new', 'accepted', 'held', 'shipped', 'delivered', 'cancelled', 'returned')),
    accepted_at TIMESTAMP,
    carrier TEXT,
    tracking_number TEXT,
    booking_reference TEXT,
    shipped_on DATE,
    delivered_on DATE,
    held_reason TEXT,
    cancelled_at TIMESTAMP,
    -- Something staff must resolve (e.g. refunded after shipping), without changing the state.
    attention TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (status NOT IN ('shipped', 'delivered', 'returned') OR shipped_on IS NOT NULL)
);
CREATE INDEX gift_orders_vendor_status ON gift_orders (vendor_id, status, created_at);
CREATE INDEX gift_orders_vendor_shipped ON gift_orders (vendor_id, shipped_on);

-- Logins gain the vendor role. The role rule is a table constraint, which SQLite cannot alter:
-- the table is rebuilt (with sessions, which refer to it) the same way on both engines.
CREATE TABLE users_v2 (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'partner', 'vendor')),
    -- The business a partner or vendor login belongs to.
    partner_id TEXT REFERENCES businesses (id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    CHECK ((role = 'admin') = (partner_id IS NULL))
);
INSERT INTO users_v2 (id, email, password_hash, role, partner_id, active, created_at)
    SELECT id, email, password_hash, role, partner_id, active, created_at FROM users;
CREATE TABLE sessions_v2 (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users_v2 (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
INSERT INTO sessions_v2 (token_hash, user_id, created_at, expires_at, revoked_at)
    SELECT token_hash, user_id, created_at, expires_at, revoked_at FROM sessions;
DROP TABLE sessions;
DROP TABLE users;
ALTER TABLE users_v2 RENAME TO users;
ALTER TABLE sessions_v2 RENAME TO sessions;
CREATE INDEX sessions_user ON sessions (user_id);
