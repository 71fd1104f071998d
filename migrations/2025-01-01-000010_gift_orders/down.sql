DROP TABLE gift_orders;
DROP TABLE deliveries;
ALTER TABLE donations DROP COLUMN gift_unit_cost;
ALTER TABLE gifts DROP COLUMN accepts_delivery_window;
-- Vendor logins cannot go back to a table without the role; they are removed with their sessions.
DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE role = 'vendor');
DELETE FROM users WHERE role = 'vendor';
