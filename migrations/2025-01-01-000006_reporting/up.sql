-- Yearly donation targets (目標額) by fiscal year; a missing row falls back to config `targets.defaults`.
CREATE TABLE targets (
    fiscal_year INTEGER PRIMARY KEY,
    amount BIGINT NOT NULL CHECK (amount > 0),
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT
);

-- Portal CSV imports: who imported what, when, and how many rows went in.
CREATE TABLE donation_imports (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    file_name TEXT,
    row_count INTEGER NOT NULL,
    imported_count INTEGER NOT NULL,
    skipped_count INTEGER NOT NULL,
    flagged_count INTEGER NOT NULL,
    imported_by TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX donation_imports_created ON donation_imports (created_at);

-- The donations one import brought in (to review its flagged rows).
CREATE INDEX donations_import ON donations (import_id);
