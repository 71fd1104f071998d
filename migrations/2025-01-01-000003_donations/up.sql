-- Donations (寄附) from every channel, one ledger. Personal data lives only here.
CREATE TABLE donations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('gift', 'support', 'on_site', 'general')),
    status TEXT NOT NULL CHECK (status IN ('pending_payment', 'paid', 'cancelled', 'refunded')),
    amount BIGINT NOT NULL CHECK (amount > 0),
    gift_id TEXT REFERENCES gifts (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    organization_id TEXT REFERENCES organizations (id),
    purpose_id TEXT REFERENCES purposes (id),
    channel TEXT NOT NULL,
    -- The portal's own id for imported donations.
    external_id TEXT,
    donor_name TEXT NOT NULL,
    donor_name_kana TEXT NOT NULL,
    donor_email TEXT NOT NULL,
    donor_phone TEXT NOT NULL,
    donor_postal_code TEXT NOT NULL,
    donor_prefecture TEXT NOT NULL,
    donor_city TEXT NOT NULL,
    donor_address_line TEXT NOT NULL,
    one_stop BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- An unpaid donation is cancelled (and its stock released) after this instant.
    hold_until TIMESTAMP,
    paid_at TIMESTAMP,
    -- 受領日: the Japan date that decides the fiscal year a donation counts in.
    received_on DATE,
    payment_method TEXT,
    provider_reference TEXT,
    receipt_number TEXT UNIQUE,
    receipt_issue_count INTEGER NOT NULL DEFAULT 0,
    receipt_voided_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    cancel_reason TEXT,
    refunded_at TIMESTAMP,
    refund_reason TEXT,
    -- Something staff must look at (e.g. a payment that arrived after cancellation).
    attention TEXT,
    import_id TEXT,
    import_flags TEXT,
    UNIQUE (channel, external_id),
    CHECK ((kind = 'gift') = (gift_id IS NOT NULL)),
    CHECK ((kind = 'support') = (organization_id IS NOT NULL)),
    CHECK ((status = 'paid' OR status = 'refunded') = (received_on IS NOT NULL))
);
-- Reports: paid donations by receipt date, covering the amount.
CREATE INDEX donations_by_received_on ON donations (status, received_on, amount);
CREATE INDEX donations_gift ON donations (gift_id, status, paid_at);
CREATE INDEX donations_hold ON donations (status, hold_until);
CREATE INDEX donations_organization ON donations (organization_id);
CREATE INDEX donations_created ON donations (created_at);

-- Gapless receipt numbers per fiscal year, taken inside the paying transaction.
CREATE TABLE receipt_counters (
    fiscal_year INTEGER PRIMARY KEY,
    last_number BIGINT NOT NULL
);

-- Payment-provider events, deduplicated by their id.
CREATE TABLE payment_events (
    id TEXT PRIMARY KEY,
    donation_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    amount BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX payment_events_donation ON payment_events (donation_id);

-- Idempotency-Key: the key is claimed and the response stored in the request's own transaction.
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER,
    response_body TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
