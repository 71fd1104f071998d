-- My page without passwords: a one-time sign-in link sent to a donor's email address, and the
-- session it opens. Only hashes of the link and session tokens are kept.
CREATE TABLE donor_sign_in_links (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    -- Set when the link is used: a link opens one session, once.
    used_at TIMESTAMP
);
CREATE TABLE donor_sessions (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
-- A donor's donations, found by the address they gave.
CREATE INDEX donations_donor_email ON donations (donor_email);
