//! Staff voucher routes: monthly settlement per partner (with CSV) and the voucher report.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::routes::parse_month;
use super::store;
use super::types::{MonthQuery, SettleRequest, SettlementLine, Settlements, VoucherReport};
use crate::auth::{AdminUser, StaffUser};
use crate::domain::calendar::japan_today;
use crate::error::Result;
use crate::http::{csv_download, wants_csv, CsvCharset};
use crate::state::AppState;

crate::problems!(
    /// The month of the settlement list.
    SettlementListErrors: Unauthorized, Forbidden, InvalidQuery, ValidationFailed
);
crate::problems!(
    /// Settling a partner's month.
    SettleErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, PartnerNotFound, MonthNotClosed, AlreadySettled
);

/// Each partner's redemptions of a month, net of reversals; `Accept: text/csv` for accounting.
#[utoipa::path(
    operation_id = "list_settlements",
    params(MonthQuery),
    responses(
        (status = 200, body = Settlements, description = "JSON, or text/csv (UTF-8 with BOM)"),
        SettlementListErrors,
    )
)]
#[get("/admin/settlements")]
pub async fn settlements(
    state: web::Data<AppState>,
    _staff: StaffUser,
    req: HttpRequest,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse> {
    let month = parse_month(&query.month)?;
    let s = state
        .db
        .run(move |conn| super::settle::settlements(conn, month))
        .await?;
    if wants_csv(&req) {
        let body = super::settle::settlements_csv(&s)?;
        let file = format!("settlements-{}.csv", s.month);
        return Ok(csv_download(body, CsvCharset::of(&req, None), &file));
    }
    Ok(HttpResponse::Ok().json(s))
}

/// Mark a partner's month as paid; its redemptions can then no longer be reversed.
#[utoipa::path(
    operation_id = "settle_month",
    request_body = SettleRequest,
    responses(
        (status = 201, body = SettlementLine),
        SettleErrors,
    )
)]
#[post("/admin/settlements")]
pub async fn settle(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: crate::http::Json<SettleRequest>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let month = parse_month(&body.month)?;
    let actor = admin.0.id;
    let today = japan_today();
    let line = state
        .db
        .write(move |conn| {
            super::settle::settle_month(conn, &actor, &body.partner_id, month, today)
        })
        .await?;
    Ok(HttpResponse::Created().json(line))
}

/// On-site voucher figures of a month: issued, redeemed, reversed, outstanding, expired unspent.
#[utoipa::path(
    params(MonthQuery),
    responses(
        (status = 200, body = VoucherReport, content(
            (VoucherReport = "application/json"),
            (String = "text/csv"),
        )),
        SettlementListErrors,
    )
)]
#[get("/admin/reports/vouchers")]
pub async fn voucher_report(
    state: web::Data<AppState>,
    _staff: StaffUser,
    req: HttpRequest,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse> {
    let month = parse_month(&query.month)?;
    let report = state
        .db
        .run(move |conn| store::month_report(conn, month, Utc::now()))
        .await?;
    if wants_csv(&req) {
        let body = super::settle::voucher_report_csv(&report)?;
        let file = format!("voucher-report-{}.csv", report.month);
        return Ok(csv_download(body, CsvCharset::of(&req, None), &file));
    }
    Ok(HttpResponse::Ok().json(report))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(settlements)
        .service(settle)
        .service(voucher_report);
}
