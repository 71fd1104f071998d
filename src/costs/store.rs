//! Cost ledger rows: insert once by booking key, reverse once, read by year.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::cost_entries;
use crate::db::{now, DbConnection};
use crate::domain::cost::{CostCategory, CostSource};
use crate::error::Result;

/// One entry of the ledger. Entries are never changed: a reversal is another entry.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = cost_entries, treat_none_as_default_value = false)]
pub struct CostEntryRow {
    pub id: String,
    pub booked_on: NaiveDate,
    pub category: CostCategory,
    pub amount: i64,
    pub source: CostSource,
    pub booking_key: Option<String>,
    pub donation_id: Option<String>,
    pub channel: Option<String>,
    pub gift_id: Option<String>,
    pub vendor_id: Option<String>,
    pub note: String,
    pub reverses_id: Option<String>,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
}

impl CostEntryRow {
    /// A new entry; the references are set by the caller.
    pub fn new(
        booked_on: NaiveDate,
        category: CostCategory,
        amount: i64,
        source: CostSource,
    ) -> CostEntryRow {
        CostEntryRow {
            id: Uuid::new_v4().to_string(),
            booked_on,
            category,
            amount,
            source,
            booking_key: None,
            donation_id: None,
            channel: None,
            gift_id: None,
            vendor_id: None,
            note: String::new(),
            reverses_id: None,
            created_by: None,
            created_at: now(),
        }
    }

    /// The entry that cancels this one: the opposite amount on the same date (so it nets out in
    /// the year the cost counted in), naming it.
    pub fn reversal(&self, note: &str, created_by: Option<&str>) -> CostEntryRow {
        CostEntryRow {
            id: Uuid::new_v4().to_string(),
            amount: -self.amount,
            booking_key: None,
            reverses_id: Some(self.id.clone()),
            note: note.to_owned(),
            created_by: created_by.map(str::to_owned),
            created_at: now(),
            ..self.clone()
        }
    }
}

/// Inserts entries; one whose booking key is already in the ledger is skipped (each automatic
/// cost is booked exactly once, whichever path or retry books it). Returns how many went in.
pub fn insert_once(conn: &mut DbConnection, rows: &[CostEntryRow]) -> Result<usize> {
    let mut inserted = 0;
    // 1,000 rows × 15 columns: well under either engine's bind-parameter limit.
    for chunk in rows.chunks(1000) {
        inserted += crate::on_engine!(conn, |c| diesel::insert_into(cost_entries::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(inserted)
}

/// Inserts entries that cannot be in the ledger yet (booked for donations written in this same
/// transaction): PostgreSQL takes them by `COPY`, SQLite by multi-row inserts.
pub fn insert_new(conn: &mut DbConnection, rows: &[CostEntryRow]) -> Result<()> {
    // 15 columns a row.
    Ok(crate::insert_fresh!(
        conn,
        cost_entries::table,
        rows,
        1_000
    )?)
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<CostEntryRow>> {
    Ok(cost_entries::table
        .find(id)
        .select(CostEntryRow::as_select())
        .first(conn)
        .optional()?)
}

/// A donation's entries that no reversal cancels yet (and that are not reversals themselves).
pub fn open_entries_of_donation(
    conn: &mut DbConnection,
    donation_id: &str,
) -> Result<Vec<CostEntryRow>> {
    let all: Vec<CostEntryRow> = cost_entries::table
        .filter(cost_entries::donation_id.eq(donation_id))
        .select(CostEntryRow::as_select())
        .load(conn)?;
    let reversed: Vec<&str> = all
        .iter()
        .filter_map(|e| e.reverses_id.as_deref())
        .collect();
    Ok(all
        .iter()
        .filter(|e| e.reverses_id.is_none() && !reversed.contains(&e.id.as_str()))
        .cloned()
        .collect())
}

/// Every entry booked in `from..=to`, oldest first (with a page, for the list).
pub fn booked_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    category: Option<CostCategory>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<CostEntryRow>, i64)> {
    let filtered = || {
        let mut q = cost_entries::table
            .filter(cost_entries::booked_on.ge(from))
            .filter(cost_entries::booked_on.le(to))
            .into_boxed();
        if let Some(c) = category {
            q = q.filter(cost_entries::category.eq(c));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order((
            cost_entries::booked_on,
            cost_entries::created_at,
            cost_entries::id,
        ))
        .offset(offset)
        .limit(limit)
        .select(CostEntryRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// (category, source, sum of amounts) of the entries booked in `from..=to`.
pub fn sums_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(CostCategory, CostSource, i64)>> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    Ok(cost_entries::table
        .filter(cost_entries::booked_on.ge(from))
        .filter(cost_entries::booked_on.le(to))
        .group_by((cost_entries::category, cost_entries::source))
        .select((
            cost_entries::category,
            cost_entries::source,
            sql::<BigInt>("CAST(COALESCE(SUM(cost_entries.amount), 0) AS BIGINT)"),
        ))
        .load(conn)?)
}

/// The unspent balance of usable vouchers (active, not expired at `at`) of donations received in
/// `from..=to`.
pub fn unspent_vouchers(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    at: NaiveDateTime,
) -> Result<i64> {
    use crate::db::schema::{donations, vouchers};
    use crate::domain::voucher::VoucherState;
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    Ok(vouchers::table
        .inner_join(donations::table)
        .filter(donations::received_on.ge(from))
        .filter(donations::received_on.le(to))
        .filter(vouchers::status.eq(VoucherState::Active))
        .filter(vouchers::expires_at.ge(at))
        .select(sql::<BigInt>(
            "CAST(COALESCE(SUM(vouchers.balance), 0) AS BIGINT)",
        ))
        .first(conn)?)
}
