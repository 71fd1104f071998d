//! The till's writes: `lookup` (counts unknown codes), `redeem` and `reverse`.

use chrono::{DateTime, Utc};

use super::issue::{self, VoucherRow};
use super::store;
use super::types::{Redemption, Reversal};
use crate::audit;
use crate::config::Settings;
use crate::db::{Db, DbConnection, Engine};
use crate::domain::money::Yen;
use crate::domain::voucher::{
    check_reversal, redemption_refusal, RedemptionRefusal, ReversalRefusal, Standing,
};
use crate::domain::voucher_code::{VoucherCode, VoucherCodeError};
use crate::error::{Error, ErrorCode, Result};
use crate::idempotency::{self, IdempotencyKey};
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

/// The rate-limit bucket of a partner's unknown codes.
fn lookup_bucket(partner_id: &str) -> String {
    format!("voucher-lookup:{partner_id}")
}

fn throttled(retry_after_seconds: i64) -> Error {
    Error::Throttled {
        code: ErrorCode::TooManyLookups,
        detail: "Too many unknown voucher codes. Try again later.".to_owned(),
        retry_after_seconds,
    }
}

fn unknown_code() -> Error {
    Error::rejected(ErrorCode::VoucherNotFound, "No voucher has this code.")
}

/// What a till's redemption asks of the store: the code's keyed hash, the partner and its
/// allowance of unknown codes, the amount.
fn take_of(settings: &Settings, partner_id: &str, order: &RedemptionOrder) -> store::Take {
    store::Take {
        code_hash: issue::hash_of(settings, &order.code),
        partner_id: partner_id.to_owned(),
        amount: order.amount.get(),
        throttle: store::Throttle {
            bucket: lookup_bucket(partner_id),
            window: lookup_window(settings),
        },
    }
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
    // Only unknown codes count, so a busy till is never throttled by its own honest lookups.
    // (Checked, then counted: parallel guesses can overshoot by at most the pool size.)
    match find_unthrottled(conn, settings, partner_id, &issue::hash_of(settings, code))? {
        Some(v) => {
            tracing::info!(partner_id, voucher_id = %v.id, "voucher found");
            Ok(v)
        }
        None => {
            count_unknown_code(conn, settings, partner_id)?;
            tracing::info!(partner_id, "voucher lookup: unknown code");
            Err(unknown_code())
        }
    }
}

/// The voucher with this code hash, unless the partner has used up its allowance of unknown
/// codes (`429 too_many_lookups`).
fn find_unthrottled(
    conn: &mut DbConnection,
    settings: &Settings,
    partner_id: &str,
    code_hash: &str,
) -> Result<Option<VoucherRow>> {
    let bucket = lookup_bucket(partner_id);
    if let Some(retry_after_seconds) =
        rate_limit::blocked_for(conn, &bucket, lookup_window(settings))?
    {
        tracing::warn!(partner_id, "voucher lookups throttled");
        return Err(throttled(retry_after_seconds));
    }
    store::find_by_hash(conn, code_hash)
}

/// One unknown code against the partner's allowance.
fn count_unknown_code(
    conn: &mut DbConnection,
    settings: &Settings,
    partner_id: &str,
) -> Result<()> {
    rate_limit::hit(conn, &lookup_bucket(partner_id), lookup_window(settings))?;
    Ok(())
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

/// Whether `amount` could be taken from `voucher` at `at`, refused as `redeem` would refuse it
/// (the till's confirm step asks before it takes; `redeem` decides, under concurrency).
pub fn check_takeable(voucher: &VoucherRow, amount: Yen, at: DateTime<Utc>) -> Result<()> {
    let standing = voucher.standing(at);
    if standing == Standing::Active && voucher.balance >= amount.get() {
        return Ok(());
    }
    Err(refusal_error(redemption_refusal(
        standing,
        voucher.balance,
        amount.get(),
    )))
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
    Ok(redemption_of_row(order, row))
}

fn redemption_of_row(order: &RedemptionOrder, row: store::RedemptionRow) -> Redemption {
    Redemption {
        id: row.id,
        voucher_code: order.code.display(),
        amount: row.amount,
        balance_after: row.balance_after,
        redeemed_at: row.redeemed_at.and_utc(),
    }
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

/// Takes the amount once per key: a till that retries after a lost answer, or a double tap on
/// the till page, is charged once. The API's `POST /partner/redemptions` and the till page share
/// it (and its keys, which are per partner: two tills may happen to choose the same key). The
/// answer is the stored one: `(201, Redemption)` or `(status, problem)`.
pub async fn redeem_once(
    db: &Db,
    settings: &Settings,
    partner_id: &str,
    key: Option<IdempotencyKey>,
    fingerprint: String,
    order: RedemptionOrder,
) -> Result<(u16, String)> {
    if key.is_none() && db.engine() == Engine::Postgres {
        let (settings, partner_id, order) =
            (settings.clone(), partner_id.to_owned(), order.clone());
        let taken = db
            .run(move |conn| take_at_once(conn, &settings, &partner_id, &order, Utc::now()))
            .await?;
        if let Some(redemption) = taken {
            return Ok((201, redemption_json(&redemption)?));
        }
    }
    let scope = format!("POST /api/v1/partner/redemptions {partner_id}");
    let (settings, partner_id) = (settings.clone(), partner_id.to_owned());
    idempotency::answer(db, scope, key, fingerprint, move |conn| {
        match take(conn, &settings, &partner_id, &order, Utc::now()) {
            Ok(redemption) => Ok((201, redemption_json(&redemption)?)),
            // An unknown code counts against the partner's allowance in the same transaction
            // as the answer, which commits: parallel guesses cannot outrun their count.
            Err(e) if e.code() == ErrorCode::VoucherNotFound => {
                count_unknown_code(conn, &settings, &partner_id)?;
                e.final_answer().ok_or(e)
            }
            Err(e) => Err(e),
        }
    })
    .await
}

fn redemption_json(redemption: &Redemption) -> Result<String> {
    serde_json::to_string(redemption).map_err(|e| Error::Internal(e.into()))
}

/// The usual case without a key on PostgreSQL: the amount taken in one statement, outside any
/// transaction (see `one_statement`). `None` when nothing was taken, or on SQLite: then `take`
/// runs in a write transaction and says why.
fn take_at_once(
    conn: &mut DbConnection,
    settings: &Settings,
    partner_id: &str,
    order: &RedemptionOrder,
    at: DateTime<Utc>,
) -> Result<Option<Redemption>> {
    let DbConnection::Postgres(pg) = conn else {
        return Ok(None);
    };
    let taken =
        super::one_statement::redeem_by_code(pg, &take_of(settings, partner_id, order), at)?;
    Ok(taken.map(|row| redemption_of_row(order, row)))
}

/// Takes the amount in the caller's write transaction. The usual case is one conditional UPDATE
/// that finds the voucher by its code hash; only when it takes nothing is the voucher read, to
/// say why (throttled, unknown code, voided, expired, not enough balance).
pub fn take(
    conn: &mut DbConnection,
    settings: &Settings,
    partner_id: &str,
    order: &RedemptionOrder,
    at: DateTime<Utc>,
) -> Result<Redemption> {
    let take = take_of(settings, partner_id, order);
    let taken = store::redeem_by_code(conn, &take, at)?;
    if let Some(row) = taken {
        return Ok(redemption_of_row(order, row));
    }
    let voucher =
        find_unthrottled(conn, settings, partner_id, &take.code_hash)?.ok_or_else(unknown_code)?;
    // Refused with its reason, or taken after all if a reversal raced in.
    redeem(conn, &voucher, partner_id, order, at)
}

/// A redemption of this partner's. Another partner's is indistinguishable from a missing one.
pub fn redemption_of(
    conn: &mut DbConnection,
    redemption_id: &str,
    partner_id: &str,
) -> Result<store::RedemptionRow> {
    store::find_redemption(conn, redemption_id)?
        .filter(|r| r.partner_id == partner_id)
        .ok_or_else(|| {
            Error::rejected(
                ErrorCode::RedemptionNotFound,
                "No such redemption of yours.",
            )
        })
}

/// Who reverses a redemption, and why (the till asks for a reason; the API has none).
pub struct ReversalOrder<'a> {
    pub redemption_id: &'a str,
    pub partner_id: &'a str,
    pub actor_id: &'a str,
    pub reason: Option<&'a str>,
}

/// Undoes a redemption of this partner's; the amount returns to the voucher and the audit log
/// keeps who did it and why. Another partner's redemption is indistinguishable from a missing
/// one. Runs in the caller's write transaction.
pub fn reverse(
    conn: &mut DbConnection,
    order: &ReversalOrder<'_>,
    at: DateTime<Utc>,
) -> Result<Reversal> {
    let ReversalOrder {
        redemption_id,
        partner_id,
        ..
    } = *order;
    let row = redemption_of(conn, redemption_id, partner_id)?;
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
    let reversal = Reversal {
        id: row.id,
        amount: row.amount,
        balance,
        reversed_at: at,
    };
    audit::record(
        conn,
        Some(order.actor_id),
        "redemption.reversed",
        "redemption",
        &reversal.id,
        None::<&()>,
        Some(&serde_json::json!({
            "partner_id": partner_id,
            "amount": reversal.amount,
            "reason": order.reason,
        })),
    )?;
    Ok(reversal)
}
