-- pgbench script: the statements one POST /api/v1/donations (kind general, 5,000 yen, Osaka donor)
-- sends, in order, as captured with log_statement = 'all' (see README): the pool's check-out test
-- (r2d2 test_on_check_out -> diesel ping), then one INSERT in its own transaction. The service
-- binds 20 parameters and sends the INSERT unprepared (diesel does not cache it), so run_all.sh
-- runs this file with -M extended. Ids and the token hash are random like the service's.
SELECT 1;
BEGIN;
INSERT INTO "donations" ("id", "kind", "status", "amount", "gift_id", "quantity", "organization_id", "purpose_id", "channel", "external_id", "donor_name", "donor_name_kana", "donor_email", "donor_phone", "donor_postal_code", "donor_prefecture", "donor_city", "donor_address_line", "one_stop", "access_token_hash", "created_at", "updated_at", "hold_until", "paid_at", "received_on", "payment_method", "provider_reference", "receipt_number", "receipt_issue_count", "receipt_voided_at", "cancelled_at", "cancel_reason", "refunded_at", "refund_reason", "attention", "import_id", "import_flags") VALUES (gen_random_uuid()::text, 'general', 'pending_payment', 5000, DEFAULT, 1, DEFAULT, DEFAULT, 'official_site', DEFAULT, '品川 花子', 'シナガワ ハナコ', 'hanako@example.jp', '06-1234-5678', '530-0001', '大阪府', '大阪市北区', '梅田1-1-1', true, encode(sha256(gen_random_uuid()::text::bytea), 'hex'), now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC' + interval '60 minutes', DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, 0, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT);
COMMIT;
