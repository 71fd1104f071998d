-- Return gifts (返礼品). Money in integer yen; dates are Japan dates.
CREATE TABLE gifts (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('experience', 'product', 'travel', 'on_site')),
    amount BIGINT NOT NULL CHECK (amount > 0),
    procurement_cost BIGINT NOT NULL CHECK (procurement_cost > 0),
    shipping_cost BIGINT NOT NULL CHECK (shipping_cost >= 0),
    vendor_id TEXT NOT NULL REFERENCES businesses (id),
    -- NULL = unlimited.
    stock BIGINT CHECK (stock >= 0),
    available_from DATE,
    available_until DATE,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'suspended')),
    local_basis TEXT,
    image_url TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- The 30% rule, also as a last line of defence in the database.
    CHECK (procurement_cost * 10 <= amount * 3)
);
CREATE INDEX gifts_public ON gifts (status, category, amount);
CREATE INDEX gifts_vendor ON gifts (vendor_id);

-- Support-donation recipients (団体応援寄附): school corporations in the ward.
CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Usage purposes (使い道) a donor may choose.
CREATE TABLE purposes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One row: bumped by every catalogue write so each instance's response cache can tell it is stale.
CREATE TABLE catalogue_version (
    id INTEGER PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO catalogue_version (id, version) VALUES (1, 1);
