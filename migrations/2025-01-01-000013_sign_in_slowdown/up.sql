-- Failed sign-ins, per account and per (account, client), for the growing delay that replaces
-- the lockout: a bucket is a hash, never an email or address in clear.
CREATE TABLE sign_in_failures (
    bucket TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failed_at TIMESTAMP NOT NULL
);
