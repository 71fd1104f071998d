//! Partner till routes: look up a voucher, redeem, reverse the same day, the monthly statement.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::redeem::{lookup, parse_code, redeem_once, RedemptionOrder, ReversalOrder};
use super::types::{
    MonthQuery, Redemption, RedemptionRequest, Reversal, Statement, VoucherBalance,
};
use crate::auth::PartnerUser;
use crate::domain::calendar::YearMonth;
use crate::error::{Error, Result};
use crate::http::idempotent_json;
use crate::idempotency;
use crate::openapi::problems::QueryErrors;
use crate::state::AppState;

pub fn parse_month(s: &str) -> Result<YearMonth> {
    YearMonth::parse(s).ok_or_else(|| Error::field("month", "must be a month as YYYY-MM"))
}

crate::problems!(
    /// Looking up a voucher at the till.
    VoucherLookupErrors: Unauthorized, Forbidden, InvalidVoucherCode, VoucherNotFound, TooManyLookups
);
crate::problems!(
    /// Taking an amount from a voucher.
    RedeemErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, InvalidIdempotencyKey, IdempotencyKeyReused, RequestInProgress, InvalidVoucherCode, VoucherNotFound, TooManyLookups, VoucherExpired, VoucherNotActive, InsufficientBalance
);
crate::problems!(
    /// Reversing a redemption.
    ReversalErrors: Unauthorized, Forbidden, RedemptionNotFound, AlreadyReversed, ReversalWindowClosed, AlreadySettled
);

/// A voucher's balance and state, for the till.
#[utoipa::path(
    operation_id = "look_up_voucher",
    params(("code" = String, Path, description = "The voucher code; case, spaces and hyphens are ignored")),
    responses(
        (status = 200, body = VoucherBalance),
        VoucherLookupErrors,
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
    let voucher = state
        .db
        .run(move |conn| lookup(conn, &settings, &partner.partner_id, &code))
        .await?;
    Ok(web::Json(VoucherBalance {
        code: display,
        balance: voucher.balance,
        expires_at: voucher.expires_at.and_utc(),
        status: voucher.standing(Utc::now()).as_str().to_owned(),
    }))
}

/// Take an amount from a voucher. With `Idempotency-Key`, a till that retries is charged once.
#[utoipa::path(
    operation_id = "redeem_voucher",
    request_body = RedemptionRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "1-255 visible ASCII characters", pattern = r"^[\x21-\x7E]{1,255}$")),
    responses(
        (status = 201, body = Redemption),
        RedeemErrors,
    )
)]
#[post("/partner/redemptions")]
pub async fn redeem(
    state: web::Data<AppState>,
    partner: PartnerUser,
    req: HttpRequest,
    body: crate::http::JsonValue,
) -> Result<HttpResponse> {
    let (key, fingerprint, request): (_, _, RedemptionRequest) = idempotent_json(&req, body)?;
    let order = RedemptionOrder::parse(&request.voucher_code, request.amount)?;
    let (status, body) = redeem_once(
        &state.db,
        &state.settings,
        &partner.partner_id,
        key,
        fingerprint,
        order,
    )
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
    operation_id = "reverse_redemption",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Reversal),
        ReversalErrors,
    )
)]
#[post("/partner/redemptions/{id}/reversal")]
pub async fn reverse(
    state: web::Data<AppState>,
    partner: PartnerUser,
    id: web::Path<String>,
) -> Result<web::Json<Reversal>> {
    let id = id.into_inner();
    let reversal = state
        .db
        .write(move |conn| {
            let order = ReversalOrder {
                redemption_id: &id,
                partner_id: &partner.partner_id,
                actor_id: &partner.user.id,
                reason: None,
            };
            super::redeem::reverse(conn, &order, Utc::now())
        })
        .await?;
    Ok(web::Json(reversal))
}

/// This partner's redemptions of a month, with the net amount the municipality pays.
#[utoipa::path(operation_id = "partner_statement", params(MonthQuery), responses((status = 200, body = Statement), QueryErrors))]
#[get("/partner/statement")]
pub async fn statement(
    state: web::Data<AppState>,
    partner: PartnerUser,
    query: web::Query<MonthQuery>,
) -> Result<web::Json<Statement>> {
    let month = parse_month(&query.month)?;
    let settings = state.settings.clone();
    let statement = state
        .db
        .run(move |conn| super::settle::statement(conn, &settings, &partner.partner_id, month))
        .await?;
    Ok(web::Json(statement))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_voucher)
        .service(redeem)
        .service(reverse)
        .service(statement);
}
