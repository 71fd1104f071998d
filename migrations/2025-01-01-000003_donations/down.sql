DROP TABLE idempotency_keys;
DROP TABLE payment_events;
DROP TABLE receipt_counters;
DROP TABLE donations;
