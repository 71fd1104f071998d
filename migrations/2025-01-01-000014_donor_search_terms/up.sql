-- The staff donor search (#14): each donation's donor terms (`domain::search::donor_terms`:
-- name and its parts, kana, email, phone, postal code, receipt number, portal order id), folded
-- for width and kana, written in the transaction that writes the donation. A search compares
-- `term` by equality, the primary key's leading column: an index lookup on both engines.
-- Donations from before this table are indexed at start-up (`donations::search_terms::backfill`).
-- No foreign key: the terms are written only beside their donation, in its transaction, and a
-- foreign-key check per term (about ten a donation) doubled the time of a 100,000-row import.
-- Donations are never deleted; code that ever deletes one deletes its terms too.
CREATE TABLE donor_search_terms (
    donation_id TEXT NOT NULL,
    term TEXT NOT NULL,
    PRIMARY KEY (term, donation_id)
);
-- A donation's own terms: found missing by the backfill.
CREATE INDEX donor_search_terms_donation ON donor_search_terms (donation_id);
