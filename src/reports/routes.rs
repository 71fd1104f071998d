//! Admin report routes: yearly targets, the monthly report (JSON or CSV) and the breakdowns.

use actix_web::{get, put, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;

use super::types::{
    ChannelReport, DateRangeQuery, FiscalYearQuery, GiftReport, MonthlyReport, OrganizationReport,
    PurposeReport, Target, TargetList, TargetRequest,
};
use super::{build, csv, targets};
use crate::auth::{AdminUser, StaffUser};
use crate::domain::calendar::{japan_today, FiscalYear};
use crate::domain::money::BasisPoints;
use crate::error::{Error, Result};
use crate::http::{csv_download, wants_csv, CsvCharset};
use crate::openapi::problems::StaffErrors;
use crate::state::AppState;

pub(crate) fn fiscal_year(year: i32) -> Result<FiscalYear> {
    FiscalYear::new(year)
        .ok_or_else(|| Error::field("fiscal_year", "must be a year between 2000 and 2200"))
}

/// Checks a report's date range: from ≤ to, at most ten years.
pub(crate) fn date_range(q: &DateRangeQuery) -> Result<(NaiveDate, NaiveDate)> {
    if q.from > q.to {
        return Err(Error::field("to", "must not be before from"));
    }
    if (q.to - q.from).num_days() > 3660 {
        return Err(Error::field("to", "the range may span at most ten years"));
    }
    Ok((q.from, q.to))
}

crate::problems!(
    /// Setting a fiscal year's target.
    TargetErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, InvalidPath
);
crate::problems!(
    /// A report's fiscal year or date range.
    ReportErrors: Unauthorized, Forbidden, InvalidQuery, ValidationFailed
);

/// Targets of every fiscal year that has one: set by staff, or configured defaults.
#[utoipa::path(responses((status = 200, body = TargetList), StaffErrors))]
#[get("/admin/targets")]
pub async fn list_targets(
    state: web::Data<AppState>,
    _staff: StaffUser,
) -> Result<web::Json<TargetList>> {
    let settings = state.settings.clone();
    let list = state
        .db
        .run(move |conn| build::targets(conn, &settings))
        .await?;
    Ok(web::Json(list))
}

/// Set a fiscal year's donation target (目標額); replaces the configured default.
#[utoipa::path(
    params(("fiscal_year" = i32, Path, description = "e.g. 2025 for 令和7年度")),
    request_body = TargetRequest,
    responses(
        (status = 200, body = Target),
        TargetErrors,
    )
)]
#[put("/admin/targets/{fiscal_year}")]
pub async fn set_target(
    state: web::Data<AppState>,
    admin: AdminUser,
    path: web::Path<i32>,
    body: crate::http::Json<TargetRequest>,
) -> Result<web::Json<Target>> {
    let fy = fiscal_year(path.into_inner())?;
    let amount = targets::check_amount(body.into_inner().amount)?;
    let actor = admin.0.id;
    let default = state.settings.default_target(fy.year());
    let target = state
        .db
        .write(move |conn| targets::set(conn, &actor, fy, amount, default))
        .await?;
    Ok(web::Json(target))
}

/// JSON, or with `Accept: text/csv` the same table for Excel (`; charset=Shift_JIS` for CP932).
pub(crate) fn answer<T: serde::Serialize>(
    req: &HttpRequest,
    report: T,
    to_csv: fn(&T) -> Result<Vec<u8>>,
    file: &str,
) -> Result<HttpResponse> {
    if wants_csv(req) {
        return Ok(csv_download(
            to_csv(&report)?,
            CsvCharset::of(req, None),
            file,
        ));
    }
    Ok(HttpResponse::Ok().json(report))
}

/// Paid donations of a fiscal year by month (receipt date in Japan), against its target.
///
/// Counts and amounts are of paid donations of every channel, imports included; pending,
/// cancelled and refunded donations do not count. `previous_year` is the same month of the
/// fiscal year before. `progress` = total amount ÷ target. `projection` projects the year-end
/// total from the complete months and the previous year's monthly shape (straight line when the
/// previous year has no donations in those months). With `Accept: text/csv` the same table comes
/// as CSV for Excel (UTF-8 with BOM, or Shift_JIS with `Accept: text/csv; charset=Shift_JIS`;
/// 月,件数,金額,累計,前年度件数,前年度金額 and a 合計 line).
#[utoipa::path(
    operation_id = "monthly_report",
    params(FiscalYearQuery),
    responses(
        (status = 200, body = MonthlyReport, content(
            (MonthlyReport = "application/json"),
            (String = "text/csv"),
        )),
        ReportErrors,
    )
)]
#[get("/admin/reports/monthly")]
pub async fn monthly(
    state: web::Data<AppState>,
    _staff: StaffUser,
    req: HttpRequest,
    query: web::Query<FiscalYearQuery>,
) -> Result<HttpResponse> {
    let fy = fiscal_year(query.fiscal_year)?;
    let default = state.settings.default_target(fy.year());
    let today = japan_today();
    let report = state
        .db
        .run(move |conn| build::monthly(conn, fy, default, today))
        .await?;
    let file = format!("monthly-report-FY{}.csv", fy.year());
    answer(&req, report, csv::monthly, &file)
}

/// Paid donations of a date range (receipt dates, inclusive) by category and gift.
///
/// Categories: 体験型, 商品型, 旅行クーポン, 現地決済型 by the gift's category (on-site voucher
/// donations count as 現地決済型), 応援型 for support donations, 寄附のみ for donations without a
/// gift. Within each, gifts by amount, largest first: the top-gifts table.
#[utoipa::path(
    operation_id = "gift_report",
    params(DateRangeQuery),
    responses(
        (status = 200, body = GiftReport, content(
            (GiftReport = "application/json"),
            (String = "text/csv"),
        )),
        ReportErrors,
    )
)]
#[get("/admin/reports/gifts")]
pub async fn gifts(
    state: web::Data<AppState>,
    _staff: StaffUser,
    req: HttpRequest,
    query: web::Query<DateRangeQuery>,
) -> Result<HttpResponse> {
    let (from, to) = date_range(&query)?;
    let report = state
        .db
        .run(move |conn| build::gifts(conn, from, to))
        .await?;
    answer(&req, report, csv::gifts, "gift-report.csv")
}

/// Paid donations of a date range (receipt dates, inclusive) by channel (the ward's site, each portal).
#[utoipa::path(
    operation_id = "channel_report",
    params(DateRangeQuery),
    responses(
        (status = 200, body = ChannelReport, content(
            (ChannelReport = "application/json"),
            (String = "text/csv"),
        )),
        ReportErrors,
    )
)]
#[get("/admin/reports/channels")]
pub async fn channels(
    state: web::Data<AppState>,
    _staff: StaffUser,
    req: HttpRequest,
    query: web::Query<DateRangeQuery>,
) -> Result<HttpResponse> {
    let (from, to) = date_range(&query)?;
    let report = state
        .db
        .run(move |conn| build::channels(conn, from, to))
        .await?;
    answer(&req, report, csv::channels, "channel-report.csv")
}

/// Paid donations of a date range (receipt dates, inclusive) by usage purpose (使い道).
#[utoipa::path(
    operation_id = "purpose_report",
    params(DateRangeQuery),
    responses(
        (status = 200, body = PurposeReport, content(
            (PurposeReport = "application/json"),
            (String = "text/csv"),
        )),
        ReportErrors,
    )
)]
#[get("/admin/reports/purposes")]
pub async fn purposes(
    state: web::Data<AppState>,
    _staff: StaffUser,
    req: HttpRequest,
    query: web::Query<DateRangeQuery>,
) -> Result<HttpResponse> {
    let (from, to) = date_range(&query)?;
    let report = state
        .db
        .run(move |conn| build::purposes(conn, from, to))
        .await?;
    answer(&req, report, csv::purposes, "purpose-report.csv")
}

/// Support donations (団体応援寄附) of a fiscal year per organisation, with each one's allocated
/// share: amount × `donations.organization_share_basis_points` ÷ 10000, rounded down per organisation.
#[utoipa::path(
    operation_id = "organization_report",
    params(FiscalYearQuery),
    responses(
        (status = 200, body = OrganizationReport, content(
            (OrganizationReport = "application/json"),
            (String = "text/csv"),
        )),
        ReportErrors,
    )
)]
#[get("/admin/reports/organizations")]
pub async fn organizations(
    state: web::Data<AppState>,
    _staff: StaffUser,
    req: HttpRequest,
    query: web::Query<FiscalYearQuery>,
) -> Result<HttpResponse> {
    let fy = fiscal_year(query.fiscal_year)?;
    let share = BasisPoints(state.settings.donations.organization_share_basis_points);
    let report = state
        .db
        .run(move |conn| build::organizations(conn, fy, share))
        .await?;
    let file = format!("organization-report-FY{}.csv", fy.year());
    answer(&req, report, csv::organizations, &file)
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_targets)
        .service(set_target)
        .service(monthly)
        .service(gifts)
        .service(channels)
        .service(purposes)
        .service(organizations);
}
