//! Staff entries in the cost ledger: `add` a cost, `reverse` an entry (nothing is deleted), and
//! the year's list.

use super::store::{self, CostEntryRow};
use super::types::{CostEntry, NewCostEntry};
use crate::audit;
use crate::catalogue::store::{find_business, find_gift};
use crate::db::DbConnection;
use crate::domain::calendar::FiscalYear;
use crate::domain::cost::{CostCategory, CostSource};
use crate::domain::FieldError;
use crate::error::{Error, ErrorCode, Result};
use crate::http::{Page, Paging};

/// The largest single entry (¥1 trillion).
const MAX_ENTRY: i64 = 1_000_000_000_000;

fn not_found() -> Error {
    Error::rejected(ErrorCode::CostEntryNotFound, "No cost entry with this id.")
}

/// Adds a cost staff enter by hand, audited. Runs in the caller's write transaction.
pub fn add(conn: &mut DbConnection, actor_id: &str, e: NewCostEntry) -> Result<CostEntry> {
    let mut errors = Vec::new();
    // A ceiling far above any real cost keeps a year's sums within 64 bits.
    if !(1..=MAX_ENTRY).contains(&e.amount) {
        errors.push(FieldError::new(
            "amount",
            "must be a positive number of yen, at most 1,000,000,000,000",
        ));
    }
    if e.note.chars().count() > 500 {
        errors.push(FieldError::new("note", "must be at most 500 characters"));
    }
    if let Some(Err(e)) = e
        .channel
        .as_deref()
        .map(|c| crate::domain::donation::check_channel("channel", c))
    {
        errors.push(e);
    }
    if let Some(id) = &e.gift_id {
        if find_gift(conn, id)?.is_none() {
            errors.push(FieldError::new("gift_id", "no gift with this id"));
        }
    }
    if let Some(id) = &e.vendor_id {
        if find_business(conn, id)?.is_none() {
            errors.push(FieldError::new("vendor_id", "no business with this id"));
        }
    }
    if FiscalYear::new(FiscalYear::of(e.booked_on).year()).is_none() {
        errors.push(FieldError::new(
            "booked_on",
            "must be a date between 2000 and 2200",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let mut row = CostEntryRow::new(e.booked_on, e.category, e.amount, CostSource::Manual);
    row.channel = e.channel;
    row.gift_id = e.gift_id;
    row.vendor_id = e.vendor_id;
    row.note = e.note.trim().to_owned();
    row.created_by = Some(actor_id.to_owned());
    store::insert_once(conn, std::slice::from_ref(&row))?;
    audit::record(
        conn,
        Some(actor_id),
        "create",
        "cost_entry",
        &row.id,
        None::<&()>,
        Some(&row),
    )?;
    Ok(row.into())
}

/// Reverses an entry (a mistake, a cost that was refunded to the ward) with the reason; an
/// entry is reversed at most once and a reversal is not reversed again.
pub fn reverse(conn: &mut DbConnection, actor_id: &str, id: &str, note: &str) -> Result<CostEntry> {
    let note = note.trim();
    if !(1..=500).contains(&note.chars().count()) {
        return Err(Error::field("note", "must be 1-500 characters: say why"));
    }
    let entry = store::find(conn, id)?.ok_or_else(not_found)?;
    let already = || {
        Error::rejected(
            ErrorCode::AlreadyReversed,
            "This entry is already reversed.",
        )
    };
    if entry.reverses_id.is_some() {
        return Err(Error::rejected(
            ErrorCode::AlreadyReversed,
            "This entry is itself a reversal.",
        ));
    }
    let reversal = entry.reversal(note, Some(actor_id));
    // `reverses_id` is unique: a second reversal (even a concurrent one) inserts nothing.
    if store::insert_once(conn, std::slice::from_ref(&reversal))? == 0 {
        return Err(already());
    }
    audit::record(
        conn,
        Some(actor_id),
        "reverse",
        "cost_entry",
        id,
        Some(&entry),
        Some(&reversal),
    )?;
    Ok(reversal.into())
}

/// The entries of a fiscal year, oldest first.
pub fn list(
    conn: &mut DbConnection,
    fy: FiscalYear,
    category: Option<CostCategory>,
    paging: Paging,
) -> Result<Page<CostEntry>> {
    let (rows, total) = store::booked_between(
        conn,
        fy.first_day(),
        fy.last_day(),
        category,
        paging.offset(),
        paging.per_page,
    )?;
    Ok(Page::new(
        rows.into_iter().map(CostEntry::from).collect(),
        paging,
        total,
    ))
}
