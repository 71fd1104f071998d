-- pgbench script, the floor of a redemption: only the statements the operation needs (the
-- conditional UPDATE ... RETURNING and the INSERT in one transaction), no session, throttle or
-- lookup. The voucher is found by its code hash inside the UPDATE.
\set n 1 + :client_id + :nclients * random(0, :nvouchers / :nclients - 1)
BEGIN;
UPDATE "vouchers" SET "balance" = ("vouchers"."balance" - 1), "updated_at" = now() AT TIME ZONE 'UTC' WHERE (((("vouchers"."code_hash" = (SELECT code_hash FROM bench_codes WHERE n = :n)) AND ("vouchers"."status" = 'active')) AND ("vouchers"."expires_at" >= now() AT TIME ZONE 'UTC')) AND ("vouchers"."balance" >= 1)) RETURNING "vouchers"."id", "vouchers"."balance" \gset r_
INSERT INTO "redemptions" ("id", "voucher_id", "partner_id", "amount", "balance_after", "redeemed_at", "redeemed_on", "redeemed_month") VALUES (gen_random_uuid()::text, :r_id, :partner_id, 1, :r_balance, now() AT TIME ZONE 'UTC', (now() AT TIME ZONE 'Asia/Tokyo')::date, to_char(now() AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM'));
COMMIT;
