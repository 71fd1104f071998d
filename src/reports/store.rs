//! Report queries: paid donations aggregated in the database over the (status, received_on) index.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::schema::{donations, gifts, organizations, purposes, targets};
use crate::db::DbConnection;
use crate::domain::donation::{DonationKind, DonationStatus};
use crate::domain::gift::Category;
use crate::domain::report::DayTotal;
use crate::error::Result;

/// The status that counts in reports.
const PAID: DonationStatus = DonationStatus::Paid;

/// `SUM(amount)` as BIGINT on both engines (diesel types a plain SUM of BigInt as Numeric).
fn sum_amount() -> diesel::expression::SqlLiteral<BigInt> {
    sql::<BigInt>("CAST(COALESCE(SUM(donations.amount), 0) AS BIGINT)")
}

/// Paid donations with a receipt date in `from..=to` (the covering index: status, received_on).
macro_rules! paid_in {
    ($from:expr, $to:expr) => {
        donations::table
            .filter(donations::status.eq(PAID))
            .filter(donations::received_on.ge($from))
            .filter(donations::received_on.le($to))
    };
}

/// `(value, count, amount)` per value of `$column` among the donations of `$query`.
macro_rules! tallied_by {
    ($query:expr, $column:expr) => {
        $query
            .group_by($column)
            .select(($column, count_star(), sum_amount()))
    };
}

/// Paid donations per receipt date in `from..=to`: at most one row per day, so two fiscal years
/// are at most 731 rows. Reads only the covering index (status, received_on, amount).
pub fn paid_by_day(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DayTotal>> {
    let rows: Vec<(Option<NaiveDate>, i64, i64)> =
        tallied_by!(paid_in!(from, to), donations::received_on).load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(date, count, amount)| {
            date.map(|date| DayTotal {
                date,
                count,
                amount,
            })
        })
        .collect())
}

/// (kind, gift_id, count, amount) of one group.
pub type KindGiftGroup = (DonationKind, Option<String>, i64, i64);

/// Paid donations in `from..=to` per (kind, gift_id).
pub fn paid_by_kind_and_gift(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<KindGiftGroup>> {
    Ok(paid_in!(from, to)
        .group_by((donations::kind, donations::gift_id))
        .select((
            donations::kind,
            donations::gift_id,
            count_star(),
            sum_amount(),
        ))
        .load(conn)?)
}

/// (id, code, name, category) of the given gifts.
pub fn gifts_by_id(
    conn: &mut DbConnection,
    ids: Vec<String>,
) -> Result<Vec<(String, String, String, Category)>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String, String, Category)> = gifts::table
            .filter(gifts::id.eq_any(chunk))
            .select((gifts::id, gifts::code, gifts::name, gifts::category))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Paid donations in `from..=to` per channel.
pub fn paid_by_channel(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, i64, i64)>> {
    Ok(tallied_by!(paid_in!(from, to), donations::channel).load(conn)?)
}

/// Paid donations in `from..=to` per usage purpose (None = no purpose named).
pub fn paid_by_purpose(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(Option<String>, i64, i64)>> {
    Ok(tallied_by!(paid_in!(from, to), donations::purpose_id).load(conn)?)
}

/// Paid support donations in `from..=to` per organisation.
pub fn paid_support_by_organization(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(Option<String>, i64, i64)>> {
    let support = paid_in!(from, to).filter(donations::kind.eq(DonationKind::Support));
    Ok(tallied_by!(support, donations::organization_id).load(conn)?)
}

/// Every usage purpose: (id, name).
pub fn purpose_names(conn: &mut DbConnection) -> Result<Vec<(String, String)>> {
    Ok(purposes::table
        .select((purposes::id, purposes::name))
        .load(conn)?)
}

/// Every organisation: (id, name, active).
pub fn organizations_all(conn: &mut DbConnection) -> Result<Vec<(String, String, bool)>> {
    Ok(organizations::table
        .select((
            organizations::id,
            organizations::name,
            organizations::active,
        ))
        .order(organizations::name)
        .load(conn)?)
}

/// A stored target: (fiscal_year, amount, updated_at, updated_by).
pub type TargetRow = (i32, i64, NaiveDateTime, Option<String>);

pub fn target(conn: &mut DbConnection, fiscal_year: i32) -> Result<Option<TargetRow>> {
    Ok(targets::table
        .find(fiscal_year)
        .select((
            targets::fiscal_year,
            targets::amount,
            targets::updated_at,
            targets::updated_by,
        ))
        .first(conn)
        .optional()?)
}

pub fn all_targets(conn: &mut DbConnection) -> Result<Vec<TargetRow>> {
    Ok(targets::table
        .select((
            targets::fiscal_year,
            targets::amount,
            targets::updated_at,
            targets::updated_by,
        ))
        .order(targets::fiscal_year)
        .load(conn)?)
}

/// Sets a fiscal year's target (insert or replace) in one statement per engine.
pub fn set_target(conn: &mut DbConnection, row: &TargetRow) -> Result<()> {
    let (fiscal_year, amount, at, by) = row.clone();
    let values = (
        targets::fiscal_year.eq(fiscal_year),
        targets::amount.eq(amount),
        targets::updated_at.eq(at),
        targets::updated_by.eq(by.clone()),
    );
    let changes = (
        targets::amount.eq(amount),
        targets::updated_at.eq(at),
        targets::updated_by.eq(by),
    );
    // The portable backend has no ON CONFLICT; each engine's arm is checked on its own.
    crate::on_engine!(conn, |c| diesel::insert_into(targets::table)
        .values(values.clone())
        .on_conflict(targets::fiscal_year)
        .do_update()
        .set(changes.clone())
        .execute(c))?;
    Ok(())
}
