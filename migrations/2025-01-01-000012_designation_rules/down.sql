DROP TABLE cost_entries;
ALTER TABLE donations DROP COLUMN gift_unit_shipping_cost;
ALTER TABLE gifts DROP COLUMN basis_approved_at;
ALTER TABLE gifts DROP COLUMN basis_approved_by;
ALTER TABLE gifts DROP COLUMN basis_submitted_by;
ALTER TABLE gifts DROP COLUMN basis_evidence;
ALTER TABLE gifts RENAME COLUMN basis_justification TO local_basis;
ALTER TABLE gifts DROP COLUMN basis_criterion;
-- The approval steps fold back into the three states the table had.
ALTER TABLE gifts ADD COLUMN state TEXT NOT NULL DEFAULT 'draft'
    CHECK (state IN ('draft', 'published', 'suspended'));
UPDATE gifts SET state = CASE status
    WHEN 'published' THEN 'published'
    WHEN 'suspended' THEN 'suspended'
    WHEN 'withdrawn' THEN 'suspended'
    ELSE 'draft' END;
DROP INDEX gifts_public;
ALTER TABLE gifts DROP COLUMN status;
ALTER TABLE gifts RENAME COLUMN state TO status;
CREATE INDEX gifts_public ON gifts (status, category, amount);
