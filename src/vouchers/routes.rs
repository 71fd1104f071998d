//! Partner till routes: look up a voucher, redeem, reverse the same day, the monthly statement.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::issue::{self, VoucherRow};
use super::store;
use super::types::{
    MonthQuery, Redemption, RedemptionRequest, Reversal, Statement, StatementLine, VoucherBalance,
};
use crate::auth::PartnerUser;
use crate::config::Settings;
use crate::db::DbConnection;
use crate::domain::calendar::YearMonth;
use crate::domain::voucher_code::{VoucherCode, VoucherCodeError};
use crate::error::{AuthErrors, Error, Problem, Result};
use crate::idempotency::{self, IdempotencyKey};
use crate::rate_limit::{self, Window};
use crate::state::AppState;

pub fn parse_month(s: &str) -> Result<YearMonth> {
    YearMonth::parse(s).ok_or_else(|| Error::field("month", "must be a month as YYYY-MM"))
}

fn parse_code(input: &str) -> Result<VoucherCode> {
    VoucherCode::parse(input).map_err(|e| {
        let detail = match e {
            VoucherCodeError::Malformed => {
                "A voucher code has 20 characters from 2-9 and A-Z (without I, L, O)."
            }
            VoucherCodeError::CheckFailed => {
                "The voucher code has a typo: please check it with the donor."
            }
        };
        Error::unprocessable("invalid_voucher_code", detail)
    })
}

fn lookup_window(settings: &Settings) -> Window {
    Window {
        limit: settings.vouchers.max_unknown_lookups,
        seconds: settings.vouchers.lookup_window_seconds,
    }
}

/// Finds a voucher by code for a partner. Unknown codes count against the partner's allowance,
/// so codes cannot be found by trying many; the code itself is never logged.
fn find_for_partner(
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
            code: "too_many_lookups",
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
            Err(Error::not_found(
                "voucher_not_found",
                "No voucher has this code.",
            ))
        }
    }
}

/// A voucher's balance and state, for the till.
#[utoipa::path(
    tag = "partner",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "The voucher code; case, spaces and hyphens are ignored")),
    responses(
        (status = 200, body = VoucherBalance),
        AuthErrors,
        (status = 404, description = "voucher_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_voucher_code", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "too_many_lookups", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partner/vouchers/{code}")]
pub async fn get_voucher(
    state: web::Data<AppState>,
    partner: PartnerUser,
    code: web::Path<String>,
) -> Result<web::Json<VoucherBalance>> {
    let code = parse_code(&code)?;
    let settings = state.settings.clone();
    let display = code.display();
    // Not in a transaction: an unknown code must count even though the request fails.
    let voucher = state
        .db
        .run(move |conn| find_for_partner(conn, &settings, &partner.partner_id, &code))
        .await?;
    Ok(web::Json(VoucherBalance {
        code: display,
        balance: voucher.balance,
        expires_at: voucher.expires_at.and_utc(),
        status: voucher.display_status(Utc::now()).to_owned(),
    }))
}

/// Take an amount from a voucher. With `Idempotency-Key`, a till that retries is charged once.
#[utoipa::path(
    tag = "partner",
    security(("bearer" = [])),
    request_body = RedemptionRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "1-255 characters")),
    responses(
        (status = 201, body = Redemption),
        AuthErrors,
        (status = 404, description = "voucher_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "insufficient_balance, voucher_not_active, request_in_progress", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "voucher_expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_voucher_code, validation_failed, idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "too_many_lookups", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partner/redemptions")]
pub async fn redeem(
    state: web::Data<AppState>,
    partner: PartnerUser,
    req: HttpRequest,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse> {
    let key = IdempotencyKey::from_request(&req)?;
    let raw = body.into_inner();
    let fingerprint = idempotency::fingerprint(&raw);
    let request: RedemptionRequest = crate::http::from_json(raw)?;
    if request.amount < 1 {
        return Err(Error::field("amount", "must be 1 yen or more"));
    }
    let code = parse_code(&request.voucher_code)?;
    let settings = state.settings.clone();
    let partner_id = partner.partner_id;
    // Found outside the write transaction, so that an unknown code counts against the partner.
    let voucher = {
        let (settings, partner_id, code) = (settings.clone(), partner_id.clone(), code.clone());
        state
            .db
            .run(move |conn| find_for_partner(conn, &settings, &partner_id, &code))
            .await?
    };
    // Keys are per partner: two tills may happen to choose the same key.
    let scope = format!("POST /api/v1/partner/redemptions {partner_id}");
    let (status, body) = idempotency::answer(&state.db, scope, key, fingerprint, move |conn| {
        let row = store::redeem(conn, &voucher, &partner_id, request.amount, Utc::now())?;
        let response = Redemption {
            id: row.id,
            voucher_code: code.display(),
            amount: row.amount,
            balance_after: row.balance_after,
            redeemed_at: row.redeemed_at.and_utc(),
        };
        let body = serde_json::to_string(&response).map_err(|e| Error::Internal(e.into()))?;
        Ok((201, body))
    })
    .await?;
    if status >= 400 {
        return Ok(idempotency::refusal_response(status, body));
    }
    Ok(
        HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED))
            .content_type("application/json")
            .body(body),
    )
}

/// Undo a redemption made today by this partner; the amount returns to the voucher.
#[utoipa::path(
    tag = "partner",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Reversal),
        AuthErrors,
        (status = 404, description = "redemption_not_found (also another partner's)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "already_reversed, reversal_window_closed, already_settled", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partner/redemptions/{id}/reversal")]
pub async fn reverse(
    state: web::Data<AppState>,
    partner: PartnerUser,
    id: web::Path<String>,
) -> Result<web::Json<Reversal>> {
    let id = id.into_inner();
    let (row, balance) = state
        .db
        .write(move |conn| store::reverse(conn, &id, &partner.partner_id, Utc::now()))
        .await?;
    Ok(web::Json(Reversal {
        id: row.id,
        amount: row.amount,
        balance,
        reversed_at: row.reversed_at.unwrap_or(row.redeemed_at).and_utc(),
    }))
}

/// This partner's redemptions of a month, with the net amount the municipality pays.
#[utoipa::path(
    tag = "partner",
    security(("bearer" = [])),
    params(MonthQuery),
    responses(
        (status = 200, body = Statement),
        AuthErrors,
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partner/statement")]
pub async fn statement(
    state: web::Data<AppState>,
    partner: PartnerUser,
    query: web::Query<MonthQuery>,
) -> Result<web::Json<Statement>> {
    let month = parse_month(&query.month)?.to_string();
    let partner_id = partner.partner_id;
    let (rows, settled) = {
        let (p, m) = (partner_id.clone(), month.clone());
        state
            .db
            .run(move |conn| store::partner_month(conn, &p, &m))
            .await?
    };
    let settings = &state.settings;
    let mut s = Statement {
        partner_id,
        month,
        redemptions: Vec::with_capacity(rows.len()),
        count: 0,
        gross_amount: 0,
        reversed_amount: 0,
        net_amount: 0,
        settled,
    };
    for r in rows {
        s.gross_amount += r.amount;
        if r.reversed_at.is_some() {
            s.reversed_amount += r.amount;
        } else {
            s.count += 1;
        }
        s.redemptions.push(StatementLine {
            voucher_hint: issue::code_of(settings, &r.voucher_id).last4().to_owned(),
            id: r.id,
            amount: r.amount,
            redeemed_at: r.redeemed_at.and_utc(),
            redeemed_on: r.redeemed_on,
            reversed_at: r.reversed_at.map(|t| t.and_utc()),
        });
    }
    s.net_amount = s.gross_amount - s.reversed_amount;
    Ok(web::Json(s))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_voucher)
        .service(redeem)
        .service(reverse)
        .service(statement);
}
