//! Voucher queries: redemption as one conditional update, reversal, statements, settlement.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::issue::VoucherRow;
use super::types::VoucherReport;
use crate::db::prepared::Prepared;
use crate::db::schema::{businesses, rate_limits, redemptions, settlements, vouchers};
use crate::db::{is_unique_violation, DbConnection};
use crate::domain::calendar::{japan_date, start_of_japan_day, YearMonth};
use crate::domain::voucher::{redemption_refusal, RedemptionRefusal, VoucherState};
use crate::error::{Error, ErrorCode, Result};
use crate::rate_limit::Window;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = redemptions)]
pub struct RedemptionRow {
    pub id: String,
    pub voucher_id: String,
    pub partner_id: String,
    pub amount: i64,
    pub balance_after: i64,
    pub redeemed_at: NaiveDateTime,
    pub redeemed_on: NaiveDate,
    pub redeemed_month: String,
    pub reversed_at: Option<NaiveDateTime>,
}

pub fn find_by_hash(conn: &mut DbConnection, code_hash: &str) -> Result<Option<VoucherRow>> {
    Ok(vouchers::table
        .filter(vouchers::code_hash.eq(code_hash))
        .select(VoucherRow::as_select())
        .first(conn)
        .optional()?)
}

/// Takes `amount` from the voucher in one conditional UPDATE (active, unexpired, enough balance),
/// then records the redemption: never spent twice, whatever runs in parallel.
pub fn redeem(
    conn: &mut DbConnection,
    voucher_id: &str,
    partner_id: &str,
    amount: i64,
    at: DateTime<Utc>,
) -> Result<Result<RedemptionRow, RedemptionRefusal>> {
    let now = at.naive_utc();
    let balance_after: Option<i64> = diesel::update(
        vouchers::table
            .filter(vouchers::id.eq(voucher_id))
            .filter(vouchers::status.eq(VoucherState::Active))
            .filter(vouchers::expires_at.ge(now))
            .filter(vouchers::balance.ge(amount)),
    )
    .set((
        vouchers::balance.eq(vouchers::balance - amount),
        vouchers::updated_at.eq(now),
    ))
    .returning(vouchers::balance)
    .get_result(conn)
    .optional()?;
    let Some(balance_after) = balance_after else {
        let current = vouchers::table
            .filter(vouchers::id.eq(voucher_id))
            .select(VoucherRow::as_select())
            .first(conn)?;
        let standing = current.standing(at);
        return Ok(Err(redemption_refusal(standing, current.balance, amount)));
    };
    Ok(Ok(record_redemption(
        conn,
        voucher_id,
        partner_id,
        amount,
        balance_after,
        at,
    )?))
}

/// The till's one-statement path: finds the voucher by its code hash *in* the conditional UPDATE
/// (active, unexpired, enough balance, and the partner not throttled for unknown codes), then
/// records the redemption. `None` when nothing was taken; the caller then asks why.
pub fn redeem_by_code(
    conn: &mut DbConnection,
    take: &Take,
    at: DateTime<Utc>,
) -> Result<Option<RedemptionRow>> {
    let now = at.naive_utc();
    let Take {
        code_hash,
        partner_id,
        amount,
        throttle,
    } = take;
    let amount = *amount;
    let throttled = rate_limits::table
        .filter(rate_limits::bucket.eq(&throttle.bucket))
        .filter(rate_limits::hits.ge(throttle.window.limit))
        .filter(rate_limits::window_start.gt(now - Duration::seconds(throttle.window.seconds)));
    let taken: Option<(String, i64)> = Prepared(
        diesel::update(
            vouchers::table
                .filter(vouchers::code_hash.eq(code_hash))
                .filter(vouchers::status.eq(VoucherState::Active))
                .filter(vouchers::expires_at.ge(now))
                .filter(vouchers::balance.ge(amount))
                .filter(diesel::dsl::not(diesel::dsl::exists(throttled))),
        )
        .set((
            vouchers::balance.eq(vouchers::balance - amount),
            vouchers::updated_at.eq(now),
        ))
        .returning((vouchers::id, vouchers::balance)),
    )
    .get_result(conn)
    .optional()?;
    let Some((voucher_id, balance_after)) = taken else {
        return Ok(None);
    };
    Ok(Some(record_redemption(
        conn,
        &voucher_id,
        partner_id,
        amount,
        balance_after,
        at,
    )?))
}

/// What a till's redemption asks: the amount, from the voucher with this keyed code hash, for
/// this partner, unless the partner has used up its allowance of unknown codes.
pub struct Take {
    pub code_hash: String,
    pub partner_id: String,
    pub amount: i64,
    pub throttle: Throttle,
}

/// A partner's allowance of unknown voucher codes: its rate-limit bucket and window.
pub struct Throttle {
    pub bucket: String,
    pub window: Window,
}

fn record_redemption(
    conn: &mut DbConnection,
    voucher_id: &str,
    partner_id: &str,
    amount: i64,
    balance_after: i64,
    at: DateTime<Utc>,
) -> Result<RedemptionRow> {
    let day = japan_date(at);
    let row = RedemptionRow {
        id: Uuid::new_v4().to_string(),
        voucher_id: voucher_id.to_owned(),
        partner_id: partner_id.to_owned(),
        amount,
        balance_after,
        redeemed_at: at.naive_utc(),
        redeemed_on: day,
        redeemed_month: YearMonth::of(day).to_string(),
        reversed_at: None,
    };
    diesel::insert_into(redemptions::table)
        .values((
            redemptions::id.eq(&row.id),
            redemptions::voucher_id.eq(&row.voucher_id),
            redemptions::partner_id.eq(&row.partner_id),
            redemptions::amount.eq(row.amount),
            redemptions::balance_after.eq(row.balance_after),
            redemptions::redeemed_at.eq(row.redeemed_at),
            redemptions::redeemed_on.eq(row.redeemed_on),
            redemptions::redeemed_month.eq(&row.redeemed_month),
        ))
        .execute(conn)?;
    Ok(row)
}

pub fn is_settled(conn: &mut DbConnection, partner_id: &str, month: &str) -> Result<bool> {
    let n: i64 = settlements::table
        .filter(settlements::partner_id.eq(partner_id))
        .filter(settlements::month.eq(month))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn find_redemption(conn: &mut DbConnection, id: &str) -> Result<Option<RedemptionRow>> {
    Ok(redemptions::table
        .filter(redemptions::id.eq(id))
        .select(RedemptionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a redemption reversed (once: `None` if it already was) and gives the amount back to
/// its voucher; returns the restored balance.
pub fn reverse(
    conn: &mut DbConnection,
    row: &RedemptionRow,
    at: DateTime<Utc>,
) -> Result<Option<i64>> {
    let now = at.naive_utc();
    let marked = diesel::update(
        redemptions::table
            .filter(redemptions::id.eq(&row.id))
            .filter(redemptions::reversed_at.is_null()),
    )
    .set(redemptions::reversed_at.eq(Some(now)))
    .execute(conn)?;
    if marked == 0 {
        return Ok(None);
    }
    let balance: i64 = diesel::update(vouchers::table.filter(vouchers::id.eq(&row.voucher_id)))
        .set((
            vouchers::balance.eq(vouchers::balance + row.amount),
            vouchers::updated_at.eq(now),
        ))
        .returning(vouchers::balance)
        .get_result(conn)?;
    Ok(Some(balance))
}

pub fn partner_month(
    conn: &mut DbConnection,
    partner_id: &str,
    month: &str,
) -> Result<(Vec<RedemptionRow>, bool)> {
    let rows = redemptions::table
        .filter(redemptions::partner_id.eq(partner_id))
        .filter(redemptions::redeemed_month.eq(month))
        .select(RedemptionRow::as_select())
        .order((redemptions::redeemed_at.asc(), redemptions::id.asc()))
        .load(conn)?;
    Ok((rows, is_settled(conn, partner_id, month)?))
}

/// Per partner for a month: (partner id, name, count, net amount, paid at).
pub type SettlementRow = (String, String, i64, i64, Option<NaiveDateTime>);

pub fn month_settlements(conn: &mut DbConnection, month: &str) -> Result<Vec<SettlementRow>> {
    let totals: Vec<(String, i64, i64)> = redemptions::table
        .filter(redemptions::redeemed_month.eq(month))
        .filter(redemptions::reversed_at.is_null())
        .group_by(redemptions::partner_id)
        .select((
            redemptions::partner_id,
            diesel::dsl::count_star(),
            diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "CAST(COALESCE(SUM(redemptions.amount), 0) AS BIGINT)",
            ),
        ))
        .load(conn)?;
    let partners: Vec<(String, String)> = businesses::table
        .filter(businesses::is_partner.eq(true))
        .select((businesses::id, businesses::name))
        .order(businesses::name.asc())
        .load(conn)?;
    let paid: Vec<(String, NaiveDateTime)> = settlements::table
        .filter(settlements::month.eq(month))
        .select((settlements::partner_id, settlements::paid_at))
        .load(conn)?;
    Ok(partners
        .into_iter()
        .map(|(id, name)| {
            let (count, net) = totals
                .iter()
                .find(|(p, _, _)| *p == id)
                .map(|(_, c, n)| (*c, *n))
                .unwrap_or((0, 0));
            let paid_at = paid.iter().find(|(p, _)| *p == id).map(|(_, at)| *at);
            (id, name, count, net, paid_at)
        })
        .collect())
}

/// Records a partner-month as paid, with the amount paid; twice is `409 already_settled`.
pub fn settle(
    conn: &mut DbConnection,
    partner_id: &str,
    month: &str,
    count: i64,
    net_amount: i64,
    paid_by: &str,
    at: NaiveDateTime,
) -> Result<()> {
    diesel::insert_into(settlements::table)
        .values((
            settlements::partner_id.eq(partner_id),
            settlements::month.eq(month),
            settlements::redemption_count.eq(count),
            settlements::net_amount.eq(net_amount),
            settlements::paid_at.eq(at),
            settlements::paid_by.eq(Some(paid_by)),
        ))
        .execute(conn)
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::rejected(
                    ErrorCode::AlreadySettled,
                    "This partner's month has already been settled.",
                )
            } else {
                e.into()
            }
        })?;
    Ok(())
}

fn sum_sql(column: &'static str) -> diesel::expression::SqlLiteral<diesel::sql_types::BigInt> {
    diesel::dsl::sql::<diesel::sql_types::BigInt>(column)
}

/// The month's figures for the admin voucher report.
pub fn month_report(
    conn: &mut DbConnection,
    month: YearMonth,
    now: DateTime<Utc>,
) -> Result<VoucherReport> {
    let start = start_of_japan_day(month.first_day()).naive_utc();
    let end =
        start_of_japan_day(month.last_day().succ_opt().unwrap_or(month.last_day())).naive_utc();
    let (issued_count, issued_face): (i64, i64) = vouchers::table
        .filter(vouchers::issued_at.ge(start))
        .filter(vouchers::issued_at.lt(end))
        .select((
            diesel::dsl::count_star(),
            sum_sql("CAST(COALESCE(SUM(vouchers.face_value), 0) AS BIGINT)"),
        ))
        .first(conn)?;
    let m = month.to_string();
    let (redeemed_count, redeemed_amount): (i64, i64) = redemptions::table
        .filter(redemptions::redeemed_month.eq(&m))
        .select((
            diesel::dsl::count_star(),
            sum_sql("CAST(COALESCE(SUM(redemptions.amount), 0) AS BIGINT)"),
        ))
        .first(conn)?;
    let (reversed_count, reversed_amount): (i64, i64) = redemptions::table
        .filter(redemptions::redeemed_month.eq(&m))
        .filter(redemptions::reversed_at.is_not_null())
        .select((
            diesel::dsl::count_star(),
            sum_sql("CAST(COALESCE(SUM(redemptions.amount), 0) AS BIGINT)"),
        ))
        .first(conn)?;
    let outstanding: i64 = vouchers::table
        .filter(vouchers::status.eq(VoucherState::Active))
        .filter(vouchers::expires_at.ge(now.naive_utc()))
        .select(sum_sql(
            "CAST(COALESCE(SUM(vouchers.balance), 0) AS BIGINT)",
        ))
        .first(conn)?;
    let expired_unspent: i64 = vouchers::table
        .filter(vouchers::status.eq(VoucherState::Active))
        .filter(vouchers::expires_at.ge(start))
        .filter(vouchers::expires_at.lt(end))
        .filter(vouchers::expires_at.lt(now.naive_utc()))
        .select(sum_sql(
            "CAST(COALESCE(SUM(vouchers.balance), 0) AS BIGINT)",
        ))
        .first(conn)?;
    Ok(VoucherReport {
        month: m,
        issued_count,
        issued_face_value: issued_face,
        redeemed_count,
        redeemed_amount,
        reversed_count,
        reversed_amount,
        outstanding_balance: outstanding,
        expired_unspent,
    })
}
