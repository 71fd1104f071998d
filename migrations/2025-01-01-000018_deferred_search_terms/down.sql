DROP INDEX donations_hold;
CREATE INDEX donations_hold ON donations (status, hold_until);
ALTER TABLE donation_imports DROP COLUMN search_indexed_at;
