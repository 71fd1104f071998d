-- A portal import's donations get their donor search terms after the import commits
-- (`donations::search_terms::catch_up`): NULL until they have all been written. Imports before
-- this migration wrote their terms in their own transaction.
ALTER TABLE donation_imports ADD COLUMN search_indexed_at TIMESTAMP;
UPDATE donation_imports SET search_indexed_at = created_at;

-- Only donations waiting for payment have a hold (`hold_until` is cleared when one is paid or
-- cancelled): the sweeper's index holds just those, so a paid donation, an imported one above
-- all, writes no entry to it. `hold_until < ?` implies NOT NULL on both engines.
DROP INDEX donations_hold;
CREATE INDEX donations_hold ON donations (hold_until) WHERE hold_until IS NOT NULL;
