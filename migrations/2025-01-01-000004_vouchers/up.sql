-- On-site e-vouchers (しながわe街ギフト). Only a keyed hash of each code is stored.
CREATE TABLE vouchers (
    id TEXT PRIMARY KEY,
    donation_id TEXT NOT NULL UNIQUE REFERENCES donations (id),
    code_hash TEXT NOT NULL UNIQUE,
    face_value BIGINT NOT NULL CHECK (face_value > 0),
    balance BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'voided')),
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    voided_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    -- Never spent twice: the balance can neither go below zero nor above the face value.
    CHECK (balance >= 0),
    CHECK (balance <= face_value)
);
CREATE INDEX vouchers_issued ON vouchers (issued_at);
CREATE INDEX vouchers_expires ON vouchers (expires_at);

-- One row per redemption at a partner's till; a reversal marks it, never deletes it.
CREATE TABLE redemptions (
    id TEXT PRIMARY KEY,
    voucher_id TEXT NOT NULL REFERENCES vouchers (id),
    partner_id TEXT NOT NULL REFERENCES businesses (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    balance_after BIGINT NOT NULL CHECK (balance_after >= 0),
    redeemed_at TIMESTAMP NOT NULL,
    -- Japan date and month of the redemption (statements, settlement, same-day reversal).
    redeemed_on DATE NOT NULL,
    redeemed_month TEXT NOT NULL,
    reversed_at TIMESTAMP
);
CREATE INDEX redemptions_partner_month ON redemptions (partner_id, redeemed_month);
CREATE INDEX redemptions_voucher ON redemptions (voucher_id);
CREATE INDEX redemptions_month ON redemptions (redeemed_month);

-- A partner-month paid out by the municipality; its redemptions can no longer be reversed.
CREATE TABLE settlements (
    partner_id TEXT NOT NULL REFERENCES businesses (id),
    month TEXT NOT NULL,
    redemption_count BIGINT NOT NULL,
    net_amount BIGINT NOT NULL,
    paid_at TIMESTAMP NOT NULL,
    paid_by TEXT,
    PRIMARY KEY (partner_id, month)
);
