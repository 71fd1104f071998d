-- Designation rules (指定制度): each gift's 地場産品 basis goes through approval before it can be
-- published, and a cost ledger keeps the costs of raising donations (募集に要する費用) per year.

-- The gift's state gains the approval steps. SQLite cannot alter a CHECK, so the state moves to
-- a new column (the same statements on both engines); the old one is dropped with its index.
ALTER TABLE gifts ADD COLUMN state TEXT NOT NULL DEFAULT 'draft'
    CHECK (state IN ('draft', 'submitted', 'approved', 'published', 'suspended', 'withdrawn'));
-- No gift had an approved basis before this rule: every gift starts again from a draft, and staff
-- submit its basis (the demo catalogue is seeded already approved).
DROP INDEX gifts_public;
ALTER TABLE gifts DROP COLUMN status;
ALTER TABLE gifts RENAME COLUMN state TO status;
CREATE INDEX gifts_public ON gifts (status, category, amount);
-- 地場産品基準 (告示第5条): the numbered criterion, why the gift meets it, and what shows it.
ALTER TABLE gifts ADD COLUMN basis_criterion INTEGER CHECK (basis_criterion BETWEEN 1 AND 9);
ALTER TABLE gifts RENAME COLUMN local_basis TO basis_justification;
ALTER TABLE gifts ADD COLUMN basis_evidence TEXT;
-- Who submitted the basis (the approver must be someone else) and who approved it, when.
ALTER TABLE gifts ADD COLUMN basis_submitted_by TEXT REFERENCES users (id);
ALTER TABLE gifts ADD COLUMN basis_approved_by TEXT REFERENCES users (id);
ALTER TABLE gifts ADD COLUMN basis_approved_at TIMESTAMP;

-- The shipping cost per unit when the donor gave, beside the procurement cost already kept.
ALTER TABLE donations ADD COLUMN gift_unit_shipping_cost BIGINT;

-- The cost ledger: what raising donations cost, in the ministry's categories, in integer yen.
-- Nothing is deleted or changed: a refund or a mistake is a reversal entry of the opposite sign.
CREATE TABLE cost_entries (
    id TEXT PRIMARY KEY,
    -- The Japan date that decides the fiscal year the cost counts in.
    booked_on DATE NOT NULL,
    category TEXT NOT NULL
        CHECK (category IN ('procurement', 'shipping', 'publicity', 'payment', 'administration')),
    amount BIGINT NOT NULL,
    source TEXT NOT NULL
        CHECK (source IN ('gift', 'shipping', 'voucher_settlement', 'portal_fee', 'card_fee', 'manual')),
    -- What an automatic entry was booked for; unique, so each is booked exactly once.
    booking_key TEXT UNIQUE,
    donation_id TEXT REFERENCES donations (id),
    channel TEXT,
    gift_id TEXT REFERENCES gifts (id),
    vendor_id TEXT REFERENCES businesses (id),
    note TEXT NOT NULL DEFAULT '',
    -- A reversal names the entry it cancels; an entry is reversed at most once.
    reverses_id TEXT UNIQUE REFERENCES cost_entries (id),
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX cost_entries_booked ON cost_entries (booked_on);
CREATE INDEX cost_entries_donation ON cost_entries (donation_id);
