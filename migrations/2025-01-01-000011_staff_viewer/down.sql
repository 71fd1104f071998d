-- Read-only logins cannot go back to a table without the role; they are removed with their sessions.
DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE role = 'viewer');
DELETE FROM users WHERE role = 'viewer';
