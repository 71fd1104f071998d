//! `targets::set`: staff set a fiscal year's donation target (目標額), with its audit entry.

use super::build::target_view;
use super::store;
use super::types::Target;
use crate::audit;
use crate::db::{now, DbConnection};
use crate::domain::calendar::FiscalYear;
use crate::error::{Error, Result};

/// A target must be a positive number of yen.
pub fn check_amount(amount: i64) -> Result<i64> {
    if amount <= 0 {
        return Err(Error::field("amount", "must be a positive number of yen"));
    }
    Ok(amount)
}

/// Sets (or replaces) the target; runs in the caller's write transaction.
pub fn set(
    conn: &mut DbConnection,
    actor: &str,
    fy: FiscalYear,
    amount: i64,
    default: Option<i64>,
) -> Result<Target> {
    let actor = actor.to_owned();
    let before = target_view(fy, store::target(conn, fy.year())?, default);
    let row = (fy.year(), amount, now(), Some(actor.clone()));
    store::set_target(conn, &row)?;
    let after = target_view(fy, Some(row), default)
        .ok_or_else(|| Error::internal("target just set is missing"))?;
    audit::record(
        conn,
        Some(&actor),
        "set",
        "target",
        &fy.year().to_string(),
        before.as_ref(),
        Some(&after),
    )?;
    Ok(after)
}
