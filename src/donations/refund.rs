//! `donations::refund` and `donations::reissue_receipt`: staff writes on a paid donation.

use super::store::{self, DonationRow};
use super::types::Receipt;
use super::{lifecycle, receipt, views};
use crate::audit;
use crate::config::Settings;
use crate::db::DbConnection;
use crate::domain::donation::valid_refund_reason;
use crate::error::{Error, ErrorCode, Result};

/// Why money goes back: required, so the record says why.
#[derive(Debug, Clone)]
pub struct RefundReason(String);

impl RefundReason {
    pub fn parse(reason: &str) -> Result<RefundReason> {
        let reason = reason.trim();
        if !valid_refund_reason(reason) {
            return Err(Error::field("reason", "must be 1-500 characters"));
        }
        Ok(RefundReason(reason.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Refunds a paid donation as a reversal (the record stays, its receipt is voided) and writes
/// the audit entry. Runs in the caller's write transaction.
pub fn refund(
    conn: &mut DbConnection,
    settings: &Settings,
    actor_id: &str,
    donation_id: &str,
    reason: &RefundReason,
) -> Result<DonationRow> {
    let before = store::get(conn, donation_id)?;
    let after = lifecycle::refund(conn, settings, &before, reason.as_str())?;
    views::audit_change(conn, actor_id, "refund", &before, &after)?;
    Ok(after)
}

/// Re-issues a receipt: the same number, marked 再発行; a voided receipt cannot be. Runs in the
/// caller's write transaction.
pub fn reissue_receipt(
    conn: &mut DbConnection,
    settings: &Settings,
    actor_id: &str,
    donation_id: &str,
) -> Result<Receipt> {
    let before = store::get(conn, donation_id)?;
    receipt::receipt_of(settings, &before)?;
    if before.receipt_voided_at.is_some() {
        return Err(Error::rejected(
            ErrorCode::ReceiptVoided,
            "The receipt was voided by a refund and cannot be re-issued.",
        ));
    }
    store::count_receipt_issue(conn, donation_id)?;
    let after = store::get(conn, donation_id)?;
    let receipt = receipt::receipt_of(settings, &after)?;
    let number = Some(&receipt.receipt_number);
    audit::record(
        conn,
        Some(actor_id),
        "reissue_receipt",
        "donation",
        donation_id,
        None::<&()>,
        number,
    )?;
    Ok(receipt)
}
