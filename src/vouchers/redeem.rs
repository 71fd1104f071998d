//! The till's writes: `lookup` (counts unknown codes), `redeem` and `reverse`.

use chrono::{DateTime, Utc};

use super::issue::{self, VoucherRow};
use super::store;
use super::types::{Redemption, Reversal};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::domain::money::Yen;
use crate::domain::voucher::{check_reversal, RedemptionRefusal, ReversalRefusal};
use crate::domain::voucher_code::{VoucherCode, VoucherCodeError};
use crate::error::{Error, ErrorCode, Result};
use crate::rate_limit::{self, Window};

/// A checked request to take an amount from a voucher.
#[derive(Clone)]
pub struct RedemptionOrder {
    pub code: VoucherCode,
    pub amount: Yen,
}

impl RedemptionOrder {
    /// Checks the code's form and check symbol and the amount, before any lookup.
    pub fn parse(code: &str, amount: i64) -> Result<RedemptionOrder> {
        if amount < 1 {
            return Err(Error::field("amount", "must be 1 yen or more"));
        }
        Ok(RedemptionOrder {
            code: parse_code(code)?,
            amount: Yen(amount),
        })
    }
}

/// A typed voucher code, or `invalid_voucher_code` saying whether it is malformed or mistyped.
pub fn parse_code(input: &str) -> Result<VoucherCode> {
    VoucherCode::parse(input).map_err(|e| {
        let detail = match e {
            VoucherCodeError::Malformed => {
                "A voucher code has 20 characters from 2-9 and A-Z (without I, L, O)."
            }
            VoucherCodeError::CheckFailed => {
                "The voucher code has a typo: please check it with the donor."
            }
        };
        Error::rejected(ErrorCode::InvalidVoucherCode, detail)
    })
}

fn lookup_window(settings: &Settings) -> Window {
    Window {
        limit: settings.vouchers.max_unknown_lookups,
        seconds: settings.vouchers.lookup_window_seconds,
    }
}

/// Finds a voucher by code for a partner. Unknown codes count against the partner's allowance,
/// so codes cannot be found by trying many; the code itself is never logged. Not in a
/// transaction: an unknown code must count even though the request fails.
pub fn lookup(
    conn: &mut DbConnection,
    settings: &Settings,
    partner_id: &str,
    code: &VoucherCode,
) -> Result<VoucherRow> {
    let bucket = format!("voucher-lookup:{partner_id}");
    let window = lookup_window(settings);
    // Only unknown codes count, so a busy till is never throttled by its own honest lookups.
    // (Checked, then counted: parallel guesses can overshoot by at most the pool size.)
    if let Some(retry_after_seconds) = rate_limit::blocked_for(conn, &bucket, window)? {
        tracing::warn!(partner_id, "voucher lookups throttled");
        return Err(Error::Throttled {
            code: ErrorCode::TooManyLookups,
            detail: "Too many unknown voucher codes. Try again later.".to_owned(),
            retry_after_seconds,
        });
    }
    match store::find_by_hash(conn, &issue::hash_of(settings, code))? {
        Some(v) => {
            tracing::info!(partner_id, voucher_id = %v.id, "voucher found");
            Ok(v)
        }
        None => {
            rate_limit::hit(conn, &bucket, window)?;
            tracing::info!(partner_id, "voucher lookup: unknown code");
            Err(Error::rejected(
                ErrorCode::VoucherNotFound,
                "No voucher has this code.",
            ))
        }
    }
}

fn refusal_error(refusal: RedemptionRefusal) -> Error {
    match refusal {
        RedemptionRefusal::Voided => {
            Error::rejected(ErrorCode::VoucherNotActive, "This voucher has been voided.")
        }
        RedemptionRefusal::Expired => {
            Error::rejected(ErrorCode::VoucherExpired, "This voucher has expired.")
        }
        RedemptionRefusal::InsufficientBalance { balance } => Error::rejected(
            ErrorCode::InsufficientBalance,
            format!("The voucher's balance is ¥{balance}; less than the amount asked."),
        ),
        RedemptionRefusal::NotActive => Error::rejected(
            ErrorCode::VoucherNotActive,
            "This voucher cannot be used now.",
        ),
    }
}

/// Takes the amount from a voucher found by `lookup`: never spent twice, whatever runs in
/// parallel (one conditional UPDATE). Runs in the caller's write transaction.
pub fn redeem(
    conn: &mut DbConnection,
    voucher: &VoucherRow,
    partner_id: &str,
    order: &RedemptionOrder,
    at: DateTime<Utc>,
) -> Result<Redemption> {
    let row = store::redeem(conn, &voucher.id, partner_id, order.amount.get(), at)?
        .map_err(refusal_error)?;
    Ok(Redemption {
        id: row.id,
        voucher_code: order.code.display(),
        amount: row.amount,
        balance_after: row.balance_after,
        redeemed_at: row.redeemed_at.and_utc(),
    })
}

fn reversal_error(refusal: ReversalRefusal) -> Error {
    match refusal {
        ReversalRefusal::AlreadyReversed => Error::rejected(
            ErrorCode::AlreadyReversed,
            "This redemption was already reversed.",
        ),
        ReversalRefusal::WindowClosed => Error::rejected(
            ErrorCode::ReversalWindowClosed,
            "A redemption can be reversed only on the day it was made (Japan time).",
        ),
        ReversalRefusal::AlreadySettled => Error::rejected(
            ErrorCode::AlreadySettled,
            "This month has already been settled.",
        ),
    }
}

/// Undoes a redemption of this partner's; the amount returns to the voucher. Another partner's
/// redemption is indistinguishable from a missing one. Runs in the caller's write transaction.
pub fn reverse(
    conn: &mut DbConnection,
    redemption_id: &str,
    partner_id: &str,
    at: DateTime<Utc>,
) -> Result<Reversal> {
    let row = store::find_redemption(conn, redemption_id)?
        .filter(|r| r.partner_id == partner_id)
        .ok_or_else(|| {
            Error::rejected(
                ErrorCode::RedemptionNotFound,
                "No such redemption of yours.",
            )
        })?;
    let settled = store::is_settled(conn, partner_id, &row.redeemed_month)?;
    check_reversal(
        row.reversed_at.is_some(),
        row.redeemed_at.and_utc(),
        at,
        settled,
    )
    .map_err(reversal_error)?;
    let balance = store::reverse(conn, &row, at)?
        .ok_or_else(|| reversal_error(ReversalRefusal::AlreadyReversed))?;
    Ok(Reversal {
        id: row.id,
        amount: row.amount,
        balance,
        reversed_at: at,
    })
}
