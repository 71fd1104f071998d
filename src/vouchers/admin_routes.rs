//! Staff voucher routes: monthly settlement per partner (with CSV) and the voucher report.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::routes::parse_month;
use super::settle::{settlements_csv, voucher_report_csv};
use super::store;
use super::types::{MonthQuery, SettleRequest, SettlementLine, Settlements, VoucherReport};
use crate::auth::{AdminUser, StaffUser};
use crate::db::DbConnection;
use crate::domain::calendar::japan_today;
use crate::error::Result;
use crate::http::{read_report, report_route};
use crate::openapi::problems::QueryErrors;
use crate::state::AppState;

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
        QueryErrors,
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
    let file = format!("settlements-{month}.csv");
    let read = move |conn: &mut DbConnection| super::settle::settlements(conn, month);
    read_report(&state.db, &req, read, settlements_csv, &file).await
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

report_route! {
    /// On-site voucher figures of a month: issued, redeemed, reversed, outstanding, expired unspent.
    GET "/admin/reports/vouchers" => VoucherReport, QueryErrors;
    async fn voucher_report(state, _staff, req, query: MonthQuery) {
        let month = parse_month(&query.month)?;
        let file = format!("voucher-report-{month}.csv");
        let read = move |conn: &mut DbConnection| store::month_report(conn, month, Utc::now());
        read_report(&state.db, &req, read, voucher_report_csv, &file).await
    }
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(settlements)
        .service(settle)
        .service(voucher_report);
}
