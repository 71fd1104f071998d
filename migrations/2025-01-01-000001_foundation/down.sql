DROP TABLE audit_log;
DROP TABLE rate_limits;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE businesses;
