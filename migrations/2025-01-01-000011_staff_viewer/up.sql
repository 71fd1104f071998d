-- Staff logins gain a read-only role (`viewer`): tax-division staff who see the console and the
-- staff API but change nothing. As in migration 10, SQLite cannot alter the role's CHECK, so the
-- table is rebuilt (with sessions, which refer to it) the same way on both engines.
CREATE TABLE users_v3 (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'viewer', 'partner', 'vendor')),
    -- The business a partner or vendor login belongs to; staff logins have none.
    partner_id TEXT REFERENCES businesses (id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    CHECK ((role IN ('admin', 'viewer')) = (partner_id IS NULL))
);
INSERT INTO users_v3 (id, email, password_hash, role, partner_id, active, created_at)
    SELECT id, email, password_hash, role, partner_id, active, created_at FROM users;
CREATE TABLE sessions_v3 (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users_v3 (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
INSERT INTO sessions_v3 (token_hash, user_id, created_at, expires_at, revoked_at)
    SELECT token_hash, user_id, created_at, expires_at, revoked_at FROM sessions;
DROP TABLE sessions;
DROP TABLE users;
ALTER TABLE users_v3 RENAME TO users;
ALTER TABLE sessions_v3 RENAME TO sessions;
CREATE INDEX sessions_user ON sessions (user_id);
