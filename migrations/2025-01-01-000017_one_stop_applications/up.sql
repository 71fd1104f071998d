-- One-stop applications (ワンストップ特例申請, #14), as received by the ward on paper or online:
-- one open application per donor identity per tax year. Withdrawn and invalid ones are final and
-- do not count (`one_stop_applications_open`, a partial unique index both engines support), so a
-- donor who changes their mind again sends a new application, and a staff merge of two
-- identities moves the absorbed one's applications. The applicant's name and address are the
-- application's own (the home municipality that receives the notice is derived from them);
-- `municipality_code` is that body's 全国地方公共団体コード (6 digits with its check digit).
--
-- `my_number_sealed` is the applicant's 個人番号 sealed with AES-256-GCM
-- (`crypto::sealed`, `v1:<key id>:<base64>`, bound to the application's id): a database dump
-- shows no number. It is emptied when the retention period ends (`my_number_purged_at`).
CREATE TABLE one_stop_applications (
    id TEXT PRIMARY KEY,
    identity_id TEXT NOT NULL REFERENCES donor_identities (id),
    tax_year INTEGER NOT NULL,
    received_on DATE NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('paper', 'online')),
    status TEXT NOT NULL CHECK (status IN ('received', 'incomplete', 'valid', 'withdrawn', 'invalid')),
    invalid_reason TEXT CHECK (invalid_reason IN ('more_than_five_municipalities', 'tax_return_filed', 'received_after_deadline')),
    applicant_name TEXT NOT NULL,
    applicant_name_kana TEXT NOT NULL,
    birth_date DATE,
    postal_code TEXT NOT NULL,
    prefecture TEXT NOT NULL,
    city TEXT NOT NULL,
    address_line TEXT NOT NULL,
    municipality_code TEXT NOT NULL,
    my_number_sealed TEXT,
    my_number_purged_at TIMESTAMP,
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((status = 'invalid') = (invalid_reason IS NOT NULL))
);
CREATE UNIQUE INDEX one_stop_applications_open ON one_stop_applications (identity_id, tax_year) WHERE status NOT IN ('withdrawn', 'invalid');
CREATE INDEX one_stop_applications_year ON one_stop_applications (tax_year, municipality_code);

-- The dedicated permission to read a My Number: granted per staff login from the command line
-- (`furusato admin my-number-access`), never through the API, and recorded in the audit log.
ALTER TABLE users ADD COLUMN my_number_access BOOLEAN NOT NULL DEFAULT FALSE;

-- An identity's applications (the "already exists" check, a merge moving them).
CREATE INDEX one_stop_applications_identity ON one_stop_applications (identity_id);
