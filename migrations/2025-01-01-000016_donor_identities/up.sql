-- Donor matching (名寄せ, #14): one person who gives through several channels is one identity.
-- Every donation is linked to exactly one identity by `identities::link_pending`, which runs
-- off the request path (the background sweeper, and before identity reads and the one-stop
-- notices), so creating or importing a donation writes nothing more.
-- `merged_into` keeps a merged identity's row so that its id still resolves after a merge.
CREATE TABLE donor_identities (
    id TEXT PRIMARY KEY,
    merged_into TEXT REFERENCES donor_identities (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One row per donation: its identity and the two match keys of `domain::identity` (the
-- postal-code-and-address key and the phone key), so that a new donation finds its candidates
-- by index. `pinned`: staff put it there by hand (merge or split); matching never moves it.
CREATE TABLE donor_identity_links (
    donation_id TEXT PRIMARY KEY REFERENCES donations (id),
    identity_id TEXT NOT NULL REFERENCES donor_identities (id),
    match_key TEXT NOT NULL,
    phone_key TEXT,
    pinned BOOLEAN NOT NULL DEFAULT FALSE,
    linked_at TIMESTAMP NOT NULL
);
CREATE INDEX donor_identity_links_identity ON donor_identity_links (identity_id);
CREATE INDEX donor_identity_links_match ON donor_identity_links (match_key);
CREATE INDEX donor_identity_links_phone ON donor_identity_links (phone_key);
