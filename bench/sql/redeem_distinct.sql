-- pgbench script, distinct vouchers: client c uses bench vouchers c+1, c+1+nclients, ... (the
-- service run never has two requests on one voucher at once; neither does this). The code hash
-- comes from the helper table bench_codes (n -> code_hash) in a subquery: one extra primary-key
-- probe inside the voucher lookup, since pgbench cannot hold a list of strings.
\set n 1 + :client_id + :nclients * random(0, :nvouchers / :nclients - 1)
-- The statements one POST /api/v1/partner/redemptions (1 yen) sends, in order, as captured with
-- log_statement = 'all' (see README): three pool check-outs, each tested with SELECT 1 (r2d2
-- test_on_check_out -> diesel ping): (1) the role gate's session lookup for the bearer token;
-- (2) the partner's lookup rate-limit bucket and the voucher by its keyed code hash; (3) the write
-- transaction: conditional UPDATE ... RETURNING balance, INSERT INTO redemptions. Timestamps the
-- service binds are computed by the server here; variables come from run_all.sh (-D).
SELECT 1;
SELECT "users"."id", "users"."email", "users"."password_hash", "users"."role", "users"."partner_id", "users"."active" FROM ("sessions" INNER JOIN "users" ON ("sessions"."user_id" = "users"."id")) WHERE (((("sessions"."token_hash" = :token_hash) AND ("sessions"."revoked_at" IS NULL)) AND ("sessions"."expires_at" > now() AT TIME ZONE 'UTC')) AND ("users"."active" = true)) LIMIT 1;
SELECT 1;
SELECT "rate_limits"."window_start", "rate_limits"."hits" FROM "rate_limits" WHERE ("rate_limits"."bucket" = :bucket) LIMIT 1;
SELECT "vouchers"."id", "vouchers"."donation_id", "vouchers"."code_hash", "vouchers"."face_value", "vouchers"."balance", "vouchers"."status", "vouchers"."issued_at", "vouchers"."expires_at", "vouchers"."voided_at", "vouchers"."updated_at" FROM "vouchers" WHERE ("vouchers"."code_hash" = (SELECT code_hash FROM bench_codes WHERE n = :n)) LIMIT 1 \gset v_
SELECT 1;
BEGIN;
UPDATE "vouchers" SET "balance" = ("vouchers"."balance" - 1), "updated_at" = now() AT TIME ZONE 'UTC' WHERE (((("vouchers"."id" = :v_id) AND ("vouchers"."status" = 'active')) AND ("vouchers"."expires_at" >= now() AT TIME ZONE 'UTC')) AND ("vouchers"."balance" >= 1)) RETURNING "vouchers"."balance" \gset r_
INSERT INTO "redemptions" ("id", "voucher_id", "partner_id", "amount", "balance_after", "redeemed_at", "redeemed_on", "redeemed_month") VALUES (gen_random_uuid()::text, :v_id, :partner_id, 1, :r_balance, now() AT TIME ZONE 'UTC', (now() AT TIME ZONE 'Asia/Tokyo')::date, to_char(now() AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM'));
COMMIT;
