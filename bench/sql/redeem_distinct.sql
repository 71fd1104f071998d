-- pgbench script, distinct vouchers: client c uses bench vouchers c+1, c+1+nclients, ... (the
-- service run never has two requests on one voucher at once; neither does this). The code hash
-- comes from the helper table bench_codes (n -> code_hash) in a subquery: one extra primary-key
-- probe inside the UPDATE, since pgbench cannot hold a list of strings.
\set n 1 + :client_id + :nclients * random(0, :nvouchers / :nclients - 1)
-- The statements one POST /api/v1/partner/redemptions (1 yen, no Idempotency-Key) sends, in
-- order, as captured with log_statement = 'all' (`run_all.sh sql`, 2026-11-25): (1) the role
-- gate's session lookup for the bearer token (with the partner's business); (2) one statement,
-- its own transaction: the conditional UPDATE that finds the voucher by its keyed code hash
-- unless the partner is throttled for unknown codes, and the INSERT INTO redemptions, joined by
-- a data-modifying WITH (src/vouchers/one_statement.rs). Timestamps the service binds are
-- computed by the server here; variables come from run_all.sh (-D).
-- tests/api/bench_sql.rs checks these files against the schema.
SELECT "users"."id", "users"."email", "users"."password_hash", "users"."role", "users"."partner_id", "users"."active" FROM ("sessions" INNER JOIN ("users" LEFT OUTER JOIN "businesses" ON ("users"."partner_id" = "businesses"."id")) ON ("sessions"."user_id" = "users"."id")) WHERE ((((("sessions"."token_hash" = :token_hash) AND ("sessions"."revoked_at" IS NULL)) AND ("sessions"."expires_at" > now() AT TIME ZONE 'UTC')) AND ("users"."active" = true)) AND ((("users"."role" = 'admin') OR ("users"."role" = 'viewer')) OR (("businesses"."active" = true) AND ((("users"."role" = 'partner') AND ("businesses"."is_partner" = true)) OR (("users"."role" = 'vendor') AND ("businesses"."is_vendor" = true)))))) LIMIT 1;
WITH taken AS (UPDATE vouchers SET balance = balance - 1, updated_at = now() AT TIME ZONE 'UTC' WHERE code_hash = (SELECT code_hash FROM bench_codes WHERE n = :n) AND status = 'active' AND expires_at >= now() AT TIME ZONE 'UTC' AND balance >= 1 AND NOT EXISTS (SELECT 1 FROM rate_limits WHERE bucket = :bucket AND hits >= 10 AND window_start > now() AT TIME ZONE 'UTC' - interval '600 seconds') RETURNING id, balance) INSERT INTO redemptions (id, voucher_id, partner_id, amount, balance_after, redeemed_at, redeemed_on, redeemed_month) SELECT gen_random_uuid()::text, taken.id, :partner_id, 1, taken.balance, now() AT TIME ZONE 'UTC', (now() AT TIME ZONE 'Asia/Tokyo')::date, to_char(now() AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') FROM taken RETURNING voucher_id, balance_after \gset r_
