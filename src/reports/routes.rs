//! Admin report routes: yearly targets, the monthly report (JSON or CSV) and the breakdowns.

use actix_web::{get, put, web};
use chrono::NaiveDate;

use super::types::{
    ChannelReport, DateRangeQuery, FiscalYearQuery, GiftReport, MonthlyReport, OrganizationReport,
    PurposeReport, Target, TargetList, TargetRequest,
};
use super::{build, csv, targets};
use crate::auth::{AdminUser, StaffUser};
use crate::db::DbConnection;
use crate::domain::calendar::{japan_today, FiscalYear};
use crate::domain::money::BasisPoints;
use crate::error::{Error, Result};
use crate::http::{read_report, report_route};
use crate::openapi::problems::{QueryErrors, StaffErrors};
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

report_route! {
    /// Paid donations of a fiscal year by month (receipt date in Japan), against its target.
    ///
    /// Counts and amounts are of paid donations of every channel, imports included; pending,
    /// cancelled and refunded donations do not count. `previous_year` is the same month of the
    /// fiscal year before. `progress` = total amount ÷ target. `projection` projects the year-end
    /// total from the complete months and the previous year's monthly shape (straight line when the
    /// previous year has no donations in those months). With `Accept: text/csv` the same table comes
    /// as CSV for Excel (UTF-8 with BOM, or Shift_JIS with `Accept: text/csv; charset=Shift_JIS`;
    /// 月,件数,金額,累計,前年度件数,前年度金額 and a 合計 line).
    GET "/admin/reports/monthly" as "monthly_report" => MonthlyReport, QueryErrors;
    async fn monthly(state, _staff, req, query: FiscalYearQuery) {
        let fy = fiscal_year(query.fiscal_year)?;
        let (default, today) = (state.settings.default_target(fy.year()), japan_today());
        let file = format!("monthly-report-FY{}.csv", fy.year());
        let read = move |conn: &mut DbConnection| build::monthly(conn, fy, default, today);
        read_report(&state.db, &req, read, csv::monthly, &file).await
    }
}

/// The reports of a date range (receipt dates, inclusive): each checked, read by `build::$name`
/// and answered as JSON or as the CSV `$file` by `csv::$name`.
macro_rules! range_reports {
    ($(
        $(#[doc = $doc:tt])*
        GET $path:tt as $operation:tt;
        $name:ident => $report:ident, $file:tt;
    )+) => {$(
        report_route! {
            $(#[doc = $doc])*
            GET $path as $operation => $report, QueryErrors;
            async fn $name(state, _staff, req, query: DateRangeQuery) {
                let (from, to) = date_range(&query)?;
                let read = move |conn: &mut DbConnection| build::$name(conn, from, to);
                read_report(&state.db, &req, read, csv::$name, $file).await
            }
        }
    )+};
}

range_reports! {
    /// Paid donations of a date range (receipt dates, inclusive) by category and gift.
    ///
    /// Categories: 体験型, 商品型, 旅行クーポン, 現地決済型 by the gift's category (on-site voucher
    /// donations count as 現地決済型), 応援型 for support donations, 寄附のみ for donations without a
    /// gift. Within each, gifts by amount, largest first: the top-gifts table.
    GET "/admin/reports/gifts" as "gift_report";
    gifts => GiftReport, "gift-report.csv";

    /// Paid donations of a date range (receipt dates, inclusive) by channel (the ward's site, each portal).
    GET "/admin/reports/channels" as "channel_report";
    channels => ChannelReport, "channel-report.csv";

    /// Paid donations of a date range (receipt dates, inclusive) by usage purpose (使い道).
    GET "/admin/reports/purposes" as "purpose_report";
    purposes => PurposeReport, "purpose-report.csv";
}

report_route! {
    /// Support donations (団体応援寄附) of a fiscal year per organisation, with each one's allocated
    /// share: amount × `donations.organization_share_basis_points` ÷ 10000, rounded down per organisation.
    GET "/admin/reports/organizations" as "organization_report" => OrganizationReport, QueryErrors;
    async fn organizations(state, _staff, req, query: FiscalYearQuery) {
        let fy = fiscal_year(query.fiscal_year)?;
        let share = BasisPoints(state.settings.donations.organization_share_basis_points);
        let file = format!("organization-report-FY{}.csv", fy.year());
        let read = move |conn: &mut DbConnection| build::organizations(conn, fy, share);
        read_report(&state.db, &req, read, csv::organizations, &file).await
    }
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
