-- The transactional outbox: an email is written here in the same transaction as the event that causes
-- it (donation paid, voucher issued, refund, partner created) and sent later by the delivery worker.
CREATE TABLE email_outbox (
    id TEXT PRIMARY KEY,
    -- Stable per row (<id@sender-domain>), so receivers can drop a duplicate sent after a crash.
    message_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMP NOT NULL,
    -- Set while a worker holds the row ('sending'); once passed, another worker may claim it again.
    locked_until TIMESTAMP,
    last_error TEXT,
    -- The donation, voucher or partner the email is about.
    related_id TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX email_outbox_due ON email_outbox (status, next_attempt_at);
CREATE INDEX email_outbox_related ON email_outbox (related_id);
