//! A redemption on PostgreSQL in one statement: the conditional UPDATE that finds the voucher by
//! its code hash and the INSERT of the redemption, joined by a data-modifying `WITH`. A single
//! statement is its own transaction, so it needs no `BEGIN` and `COMMIT`: one round trip where the
//! transaction took four. It is prepared once per connection (diesel parses a plain UPDATE every
//! time). SQLite has no `UPDATE` inside `WITH` and no round trips to save: it keeps the transaction.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::pg::{Pg, PgConnection};
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Date, Text, Timestamp};
use diesel::{OptionalExtension, QueryResult, RunQueryDsl};
use uuid::Uuid;

use super::store::{RedemptionRow, Take};
use crate::domain::calendar::{japan_date, YearMonth};
use crate::domain::voucher::VoucherState;

/// The same conditions as `store::redeem_by_code`: active, unexpired, enough balance, and the
/// partner not throttled for unknown codes.
struct TakeAndRecord<'a> {
    amount: i64,
    now: NaiveDateTime,
    code_hash: &'a str,
    active: &'a str,
    bucket: &'a str,
    limit: i64,
    window_start: NaiveDateTime,
    id: &'a str,
    partner_id: &'a str,
    day: NaiveDate,
    month: &'a str,
}

impl QueryFragment<Pg> for TakeAndRecord<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH taken AS (UPDATE vouchers SET balance = balance - ");
        out.push_bind_param::<BigInt, _>(&self.amount)?;
        out.push_sql(", updated_at = ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(" WHERE code_hash = ");
        out.push_bind_param::<Text, _>(self.code_hash)?;
        out.push_sql(" AND status = ");
        out.push_bind_param::<Text, _>(self.active)?;
        out.push_sql(" AND expires_at >= ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(" AND balance >= ");
        out.push_bind_param::<BigInt, _>(&self.amount)?;
        out.push_sql(" AND NOT EXISTS (SELECT 1 FROM rate_limits WHERE bucket = ");
        out.push_bind_param::<Text, _>(self.bucket)?;
        out.push_sql(" AND hits >= ");
        out.push_bind_param::<BigInt, _>(&self.limit)?;
        out.push_sql(" AND window_start > ");
        out.push_bind_param::<Timestamp, _>(&self.window_start)?;
        out.push_sql(
            ") RETURNING id, balance) \
             INSERT INTO redemptions (id, voucher_id, partner_id, amount, balance_after, \
             redeemed_at, redeemed_on, redeemed_month) SELECT ",
        );
        out.push_bind_param::<Text, _>(self.id)?;
        out.push_sql(", taken.id, ");
        out.push_bind_param::<Text, _>(self.partner_id)?;
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(&self.amount)?;
        out.push_sql(", taken.balance, ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(", ");
        out.push_bind_param::<Date, _>(&self.day)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.month)?;
        out.push_sql(" FROM taken RETURNING voucher_id, balance_after");
        Ok(())
    }
}

// A static id: the statement is prepared once per connection and reused by name.
impl QueryId for TakeAndRecord<'_> {
    type QueryId = TakeAndRecord<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for TakeAndRecord<'_> {
    type SqlType = (Text, BigInt);
}

impl RunQueryDsl<PgConnection> for TakeAndRecord<'_> {}

/// Takes `amount` from the voucher with this code hash and records the redemption, in one
/// statement; `None` when nothing was taken (the caller then asks why, in a transaction).
pub fn redeem_by_code(
    conn: &mut PgConnection,
    take: &Take,
    at: DateTime<Utc>,
) -> QueryResult<Option<RedemptionRow>> {
    let now = at.naive_utc();
    let day = japan_date(at);
    let id = Uuid::new_v4().to_string();
    let month = YearMonth::of(day).to_string();
    let statement = TakeAndRecord {
        amount: take.amount,
        now,
        code_hash: &take.code_hash,
        active: VoucherState::Active.as_str(),
        bucket: &take.throttle.bucket,
        limit: take.throttle.window.limit,
        window_start: now - Duration::seconds(take.throttle.window.seconds),
        id: &id,
        partner_id: &take.partner_id,
        day,
        month: &month,
    };
    let taken: Option<(String, i64)> = statement.get_result(conn).optional()?;
    Ok(taken.map(|(voucher_id, balance_after)| RedemptionRow {
        id,
        voucher_id,
        partner_id: take.partner_id.clone(),
        amount: take.amount,
        balance_after,
        redeemed_at: now,
        redeemed_on: day,
        redeemed_month: month,
        reversed_at: None,
    }))
}
