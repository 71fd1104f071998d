-- pgbench script, one hot voucher: every client redeems from the voucher whose code hash is
-- :code_hash, so the UPDATEs queue on one row lock, as in the service's hot run.
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
SELECT "vouchers"."id", "vouchers"."donation_id", "vouchers"."code_hash", "vouchers"."face_value", "vouchers"."balance", "vouchers"."status", "vouchers"."issued_at", "vouchers"."expires_at", "vouchers"."voided_at", "vouchers"."updated_at" FROM "vouchers" WHERE ("vouchers"."code_hash" = :code_hash) LIMIT 1 \gset v_
SELECT 1;
BEGIN;
UPDATE "vouchers" SET "balance" = ("vouchers"."balance" - 1), "updated_at" = now() AT TIME ZONE 'UTC' WHERE (((("vouchers"."id" = :v_id) AND ("vouchers"."status" = 'active')) AND ("vouchers"."expires_at" >= now() AT TIME ZONE 'UTC')) AND ("vouchers"."balance" >= 1)) RETURNING "vouchers"."balance" \gset r_
INSERT INTO "redemptions" ("id", "voucher_id", "partner_id", "amount", "balance_after", "redeemed_at", "redeemed_on", "redeemed_month") VALUES (gen_random_uuid()::text, :v_id, :partner_id, 1, :r_balance, now() AT TIME ZONE 'UTC', (now() AT TIME ZONE 'Asia/Tokyo')::date, to_char(now() AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM'));
COMMIT;
