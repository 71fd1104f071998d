//! Cost ledger routes: staff entries and reversals, the year's entries, and the cost report.

use actix_web::{get, post, web, HttpResponse};

use super::types::{CostEntry, CostQuery, CostReport, CostReversalRequest, NewCostEntry};
use super::{entries, report};
use crate::auth::AdminUser;
use crate::db::DbConnection;
use crate::domain::calendar::japan_today;
use crate::error::Result;
use crate::http::{page_route, read_report, report_route, Page, Paging};
use crate::openapi::problems::QueryErrors;
use crate::reports::routes::fiscal_year;
use crate::reports::types::FiscalYearQuery;
use crate::state::AppState;

crate::problems!(
    /// Entering a cost: a positive amount, known gift and business.
    CostWriteErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
);
crate::problems!(
    /// Reversing an entry: once, with a reason.
    CostReversalErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, CostEntryNotFound, AlreadyReversed
);

/// Enter a cost of raising donations by hand (advertising, printing, postage, staff time, an
/// intermediary's invoice). Costs the service knows are booked by itself: gifts and shipping as
/// donations are paid, card and portal fees, on-site vouchers as partners are paid.
#[utoipa::path(
    request_body = NewCostEntry,
    responses((status = 201, body = CostEntry), CostWriteErrors)
)]
#[post("/admin/costs")]
pub async fn add_cost(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: crate::http::Json<NewCostEntry>,
) -> Result<HttpResponse> {
    let (entry, actor) = (body.into_inner(), admin.0.id);
    let created = state
        .db
        .write(move |conn| entries::add(conn, &actor, entry))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// Reverse an entry with the reason: an entry of the opposite amount on the same date. Nothing
/// is deleted; an entry is reversed once. A refund reverses its donation's costs by itself.
#[utoipa::path(
    params(("id" = String, Path)),
    request_body = CostReversalRequest,
    responses((status = 201, body = CostEntry), CostReversalErrors)
)]
#[post("/admin/costs/{id}/reversal")]
pub async fn reverse_cost(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: crate::http::Json<CostReversalRequest>,
) -> Result<HttpResponse> {
    let (id, note, actor) = (id.into_inner(), body.into_inner().note, admin.0.id);
    let reversal = state
        .db
        .write(move |conn| entries::reverse(conn, &actor, &id, &note))
        .await?;
    Ok(HttpResponse::Created().json(reversal))
}

page_route! {
    /// The ledger's entries of a fiscal year (by the date they count on), oldest first.
    GET "/admin/costs" => Page<CostEntry>;
    async fn list_costs(state, _staff, query: CostQuery) {
        let q = query.into_inner();
        let fy = fiscal_year(q.fiscal_year)?;
        let paging = Paging::from_query(q.page, q.per_page)?;
        let page = state
            .db
            .run(move |conn| entries::list(conn, fy, q.category, paging))
            .await?;
        Ok(web::Json(page))
    }
}

report_route! {
    /// The costs of raising donations (募集に要する費用) in a fiscal year against the 50% rule.
    ///
    /// Per category (返礼品等の調達, 送付, 広報, 決済等, 事務) and in total: the amount and its share
    /// of the year's paid donations in basis points (rounded down), the gift ratio overall, and the
    /// standing: `warning` from the configured threshold, `exceeded` above 50% (exactly 50% is
    /// within). On-site vouchers count as partners are paid; what they still commit is shown beside.
    /// With `Accept: text/csv` the table comes as CSV for Excel (`; charset=Shift_JIS` for CP932).
    GET "/admin/reports/costs" as "cost_report" => CostReport, QueryErrors;
    async fn cost_report(state, _staff, req, query: FiscalYearQuery) {
        let fy = fiscal_year(query.fiscal_year)?;
        let settings = state.settings.clone();
        let file = format!("cost-report-FY{}.csv", fy.year());
        let read = move |conn: &mut DbConnection| report::build(conn, &settings, fy, japan_today());
        read_report(&state.db, &req, read, report::csv, &file).await
    }
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(add_cost)
        .service(reverse_cost)
        .service(list_costs)
        .service(cost_report);
}
