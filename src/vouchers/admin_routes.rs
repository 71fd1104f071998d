//! Staff voucher routes: monthly settlement per partner (with CSV) and the voucher report.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::routes::parse_month;
use super::store;
use super::types::{MonthQuery, SettleRequest, SettlementLine, Settlements, VoucherReport};
use crate::audit;
use crate::auth::AdminUser;
use crate::db::now;
use crate::domain::calendar::japan_today;
use crate::domain::voucher::month_closed;
use crate::error::{AuthErrors, Error, Problem, Result};
use crate::http::{csv_response, excel_csv, wants_csv};
use crate::state::AppState;

async fn load(state: &AppState, month: String) -> Result<Settlements> {
    let m = month.clone();
    let rows = state
        .db
        .run(move |c| store::month_settlements(c, &m))
        .await?;
    let partners: Vec<SettlementLine> = rows
        .into_iter()
        .map(
            |(partner_id, partner_name, count, net_amount, paid_at)| SettlementLine {
                partner_id,
                partner_name,
                count,
                net_amount,
                paid: paid_at.is_some(),
                paid_at: paid_at.map(|t| t.and_utc()),
            },
        )
        .collect();
    Ok(Settlements {
        month,
        total_count: partners.iter().map(|p| p.count).sum(),
        total_net_amount: partners.iter().map(|p| p.net_amount).sum(),
        partners,
    })
}

/// Each partner's redemptions of a month, net of reversals; `Accept: text/csv` for accounting.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(MonthQuery),
    responses(
        (status = 200, body = Settlements, description = "JSON, or text/csv (UTF-8 with BOM)"),
        AuthErrors,
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/admin/settlements")]
pub async fn settlements(
    state: web::Data<AppState>,
    _admin: AdminUser,
    req: HttpRequest,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse> {
    let month = parse_month(&query.month)?.to_string();
    let s = load(&state, month).await?;
    if wants_csv(&req) {
        let rows: Vec<Vec<String>> = s
            .partners
            .iter()
            .map(|p| {
                vec![
                    s.month.clone(),
                    p.partner_id.clone(),
                    p.partner_name.clone(),
                    p.count.to_string(),
                    p.net_amount.to_string(),
                    if p.paid { "支払済" } else { "未払" }.to_owned(),
                ]
            })
            .collect();
        let body = excel_csv(
            &["対象月", "事業者ID", "事業者名", "件数", "精算額", "状態"],
            rows,
        )?;
        return Ok(csv_response(body, &format!("settlements-{}.csv", s.month)));
    }
    Ok(HttpResponse::Ok().json(s))
}

/// Mark a partner's month as paid; its redemptions can then no longer be reversed.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = SettleRequest,
    responses(
        (status = 201, body = SettlementLine),
        AuthErrors,
        (status = 404, description = "partner_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "already_settled, month_not_closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/settlements")]
pub async fn settle(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<SettleRequest>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let month = parse_month(&body.month)?;
    if !month_closed(month, japan_today()) {
        return Err(Error::conflict(
            "month_not_closed",
            "Only a month that has ended can be settled.",
        ));
    }
    let actor = admin.0.id;
    let line = state
        .db
        .write(move |conn| {
            let m = month.to_string();
            let (partner_id, partner_name, count, net_amount, _) =
                store::month_settlements(conn, &m)?
                    .into_iter()
                    .find(|(id, ..)| *id == body.partner_id)
                    .ok_or_else(|| {
                        Error::not_found("partner_not_found", "No partner business with this id.")
                    })?;
            let at = now();
            store::settle(conn, &partner_id, &m, count, net_amount, &actor, at)?;
            let line = SettlementLine {
                partner_id,
                partner_name,
                count,
                net_amount,
                paid: true,
                paid_at: Some(at.and_utc()),
            };
            audit::record(
                conn,
                Some(&actor),
                "settle",
                "partner_month",
                &format!("{}:{m}", line.partner_id),
                None::<&()>,
                Some(&line),
            )?;
            Ok(line)
        })
        .await?;
    Ok(HttpResponse::Created().json(line))
}

/// On-site voucher figures of a month: issued, redeemed, reversed, outstanding, expired unspent.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(MonthQuery),
    responses(
        (status = 200, body = VoucherReport),
        AuthErrors,
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/admin/reports/vouchers")]
pub async fn voucher_report(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<MonthQuery>,
) -> Result<web::Json<VoucherReport>> {
    let month = parse_month(&query.month)?;
    let report = state
        .db
        .run(move |conn| store::month_report(conn, month, Utc::now()))
        .await?;
    Ok(web::Json(report))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(settlements)
        .service(settle)
        .service(voucher_report);
}
