//! Admin report routes: yearly targets, the monthly report (JSON or CSV) and the breakdowns.

use std::collections::HashMap;

use actix_web::{get, put, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;

use super::store;
use super::types::{
    CategoryLine, ChannelLine, ChannelReport, DateRangeQuery, FiscalYearQuery, GiftLine,
    GiftReport, MonthRow, MonthlyReport, OrganizationLine, OrganizationReport, OrganizationTotal,
    ProjectionView, PurposeLine, PurposeReport, Target, TargetList, TargetRequest, TargetSource,
};
use crate::audit;
use crate::auth::AdminUser;
use crate::db::now;
use crate::domain::calendar::{japan_today, FiscalYear};
use crate::domain::donation::DonationKind;
use crate::domain::gift::Category;
use crate::domain::money::{BasisPoints, Yen};
use crate::domain::report::{monthly_table, project, MonthlyTable, ReportCategory, Tally};
use crate::error::{AuthErrors, Error, Problem, Result};
use crate::http::{csv_response, excel_csv, wants_csv};
use crate::state::AppState;

fn fiscal_year(year: i32) -> Result<FiscalYear> {
    FiscalYear::new(year)
        .ok_or_else(|| Error::field("fiscal_year", "must be a year between 2000 and 2200"))
}

/// Checks a report's date range: from ≤ to, at most ten years.
fn date_range(q: &DateRangeQuery) -> Result<(NaiveDate, NaiveDate)> {
    if q.from > q.to {
        return Err(Error::field("to", "must not be before from"));
    }
    if (q.to - q.from).num_days() > 3660 {
        return Err(Error::field("to", "the range may span at most ten years"));
    }
    Ok((q.from, q.to))
}

fn target_view(
    fiscal_year: FiscalYear,
    row: Option<store::TargetRow>,
    default: Option<i64>,
) -> Option<Target> {
    match row {
        Some((_, amount, at, by)) => Some(Target {
            fiscal_year: fiscal_year.year(),
            label: fiscal_year.label(),
            amount,
            source: TargetSource::Set,
            updated_at: Some(at.and_utc()),
            updated_by: by,
        }),
        None => default.map(|amount| Target {
            fiscal_year: fiscal_year.year(),
            label: fiscal_year.label(),
            amount,
            source: TargetSource::Default,
            updated_at: None,
            updated_by: None,
        }),
    }
}

/// Targets of every fiscal year that has one: set by staff, or configured defaults.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, body = TargetList),
        AuthErrors,
    )
)]
#[get("/admin/targets")]
pub async fn list_targets(
    state: web::Data<AppState>,
    _admin: AdminUser,
) -> Result<web::Json<TargetList>> {
    let rows = state.db.run(store::all_targets).await?;
    let mut years: Vec<i32> = rows.iter().map(|r| r.0).collect();
    years.extend(
        state
            .settings
            .targets
            .defaults
            .iter()
            .map(|d| d.fiscal_year),
    );
    years.sort_unstable();
    years.dedup();
    let items = years
        .into_iter()
        .filter_map(|y| {
            let fy = FiscalYear::new(y)?;
            let row = rows.iter().find(|r| r.0 == y).cloned();
            target_view(fy, row, state.settings.default_target(y))
        })
        .collect();
    Ok(web::Json(TargetList { items }))
}

/// Set a fiscal year's donation target (目標額); replaces the configured default.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("fiscal_year" = i32, Path, description = "e.g. 2025 for 令和7年度")),
    request_body = TargetRequest,
    responses(
        (status = 200, body = Target),
        AuthErrors,
        (status = 422, description = "validation_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/admin/targets/{fiscal_year}")]
pub async fn set_target(
    state: web::Data<AppState>,
    admin: AdminUser,
    path: web::Path<i32>,
    body: web::Json<TargetRequest>,
) -> Result<web::Json<Target>> {
    let fy = fiscal_year(path.into_inner())?;
    let amount = body.into_inner().amount;
    if amount <= 0 {
        return Err(Error::field("amount", "must be a positive number of yen"));
    }
    let actor = admin.0.id;
    let default = state.settings.default_target(fy.year());
    let target = state
        .db
        .write(move |conn| {
            let before = target_view(fy, store::target(conn, fy.year())?, default);
            let row = (fy.year(), amount, now(), Some(actor.clone()));
            store::set_target(conn, &row)?;
            let after = target_view(fy, Some(row), default)
                .ok_or_else(|| Error::internal("target just set is missing"))?;
            audit::record(
                conn,
                Some(&actor),
                "set",
                "target",
                &fy.year().to_string(),
                before.as_ref(),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(web::Json(target))
}

fn monthly_report(table: &MonthlyTable, target: Option<i64>, today: NaiveDate) -> MonthlyReport {
    let projection = project(table, today);
    MonthlyReport {
        fiscal_year: table.fiscal_year.year(),
        label: table.fiscal_year.label(),
        target,
        months: table
            .months
            .iter()
            .map(|m| MonthRow {
                month: m.month.to_string(),
                count: m.current.count,
                amount: m.current.amount,
                cumulative_amount: m.cumulative_amount,
                previous_year: m.previous_year,
            })
            .collect(),
        total: table.total,
        previous_year_total: table.previous_year_total,
        // The one float: a ratio for display; money stays integer yen.
        progress: target
            .filter(|t| *t > 0)
            .map(|t| table.total.amount as f64 / t as f64),
        projection: ProjectionView {
            year_end_amount: projection.year_end_amount,
            method: projection.method(),
            basis: projection.basis,
            months_elapsed: projection.months_elapsed,
        },
    }
}

/// The monthly table for Excel: Japanese headers and a 合計 line.
fn monthly_csv(report: &MonthlyReport) -> Result<Vec<u8>> {
    let rows = report
        .months
        .iter()
        .map(|m| {
            vec![
                m.month.clone(),
                m.count.to_string(),
                m.amount.to_string(),
                m.cumulative_amount.to_string(),
                m.previous_year.count.to_string(),
                m.previous_year.amount.to_string(),
            ]
        })
        .chain(std::iter::once(vec![
            "合計".to_owned(),
            report.total.count.to_string(),
            report.total.amount.to_string(),
            report.total.amount.to_string(),
            report.previous_year_total.count.to_string(),
            report.previous_year_total.amount.to_string(),
        ]));
    excel_csv(
        &["月", "件数", "金額", "累計", "前年度件数", "前年度金額"],
        rows,
    )
}

/// Paid donations of a fiscal year by month (receipt date in Japan), against its target.
///
/// Counts and amounts are of paid donations of every channel, imports included; pending,
/// cancelled and refunded donations do not count. `previous_year` is the same month of the
/// fiscal year before. `progress` = total amount ÷ target. `projection` projects the year-end
/// total from the complete months and the previous year's monthly shape (straight line when the
/// previous year has no donations in those months). With `Accept: text/csv` the same table comes
/// as CSV for Excel (UTF-8 with BOM; 月,件数,金額,累計,前年度件数,前年度金額 and a 合計 line).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(FiscalYearQuery),
    responses(
        (status = 200, body = MonthlyReport, content(
            (MonthlyReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "invalid_query", body = Problem, content_type = "application/problem+json"),
        AuthErrors,
        (status = 422, description = "validation_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/admin/reports/monthly")]
pub async fn monthly(
    state: web::Data<AppState>,
    _admin: AdminUser,
    req: HttpRequest,
    query: web::Query<FiscalYearQuery>,
) -> Result<HttpResponse> {
    let fy = fiscal_year(query.fiscal_year)?;
    let default = state.settings.default_target(fy.year());
    let (days, target_row) = state
        .db
        .run(move |conn| {
            let days = store::paid_by_day(conn, fy.previous().first_day(), fy.last_day())?;
            Ok((days, store::target(conn, fy.year())?))
        })
        .await?;
    let table = monthly_table(fy, &days);
    let target = target_row.map(|r| r.1).or(default);
    let report = monthly_report(&table, target, japan_today());
    if wants_csv(&req) {
        let body = monthly_csv(&report)?;
        return Ok(csv_response(
            body,
            &format!("monthly-report-FY{}.csv", fy.year()),
        ));
    }
    Ok(HttpResponse::Ok().json(report))
}

fn by_amount<T>(items: &mut [T], key: impl Fn(&T) -> (i64, i64, String)) {
    items.sort_by(|a, b| {
        let (aa, ac, an) = key(a);
        let (ba, bc, bn) = key(b);
        ba.cmp(&aa).then(bc.cmp(&ac)).then(an.cmp(&bn))
    });
}

/// Paid donations of a date range (receipt dates, inclusive) by category and gift.
///
/// Categories: 体験型, 商品型, 旅行クーポン, 現地決済型 by the gift's category (on-site voucher
/// donations count as 現地決済型), 応援型 for support donations, 寄附のみ for donations without a
/// gift. Within each, gifts by amount, largest first: the top-gifts table.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(DateRangeQuery),
    responses(
        (status = 200, body = GiftReport),
        (status = 400, description = "invalid_query", body = Problem, content_type = "application/problem+json"),
        AuthErrors,
        (status = 422, description = "validation_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/admin/reports/gifts")]
pub async fn gifts(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<DateRangeQuery>,
) -> Result<web::Json<GiftReport>> {
    let (from, to) = date_range(&query)?;
    let (groups, gift_rows) = state
        .db
        .run(move |conn| {
            let groups = store::paid_by_kind_and_gift(conn, from, to)?;
            let ids = groups.iter().filter_map(|g| g.1.clone()).collect();
            Ok((groups, store::gifts_by_id(conn, ids)?))
        })
        .await?;
    let gifts: HashMap<String, (String, String, Option<Category>)> = gift_rows
        .into_iter()
        .map(|(id, code, name, category)| (id, (code, name, Category::parse(&category))))
        .collect();

    let mut categories: Vec<CategoryLine> = ReportCategory::ALL
        .iter()
        .map(|c| CategoryLine {
            category: c.key().to_owned(),
            label: c.label().to_owned(),
            count: 0,
            amount: 0,
            gifts: Vec::new(),
        })
        .collect();
    let mut total = Tally::default();
    for (kind, gift_id, count, amount) in groups {
        let gift = gift_id.as_ref().and_then(|id| gifts.get(id));
        let kind =
            DonationKind::parse(&kind).ok_or_else(|| Error::internal("unknown donation kind"))?;
        let category = ReportCategory::of(kind, gift.and_then(|g| g.2))
            .ok_or_else(|| Error::internal("gift donation without a known gift category"))?;
        let index = ReportCategory::ALL
            .iter()
            .position(|c| *c == category)
            .ok_or_else(|| Error::internal("report category missing"))?;
        let line = &mut categories[index];
        line.count += count;
        line.amount += amount;
        total.add(count, amount);
        if let (Some(id), Some((code, name, _))) = (gift_id, gift) {
            line.gifts.push(GiftLine {
                gift_id: id,
                code: code.clone(),
                name: name.clone(),
                count,
                amount,
            });
        }
    }
    for line in &mut categories {
        by_amount(&mut line.gifts, |g| (g.amount, g.count, g.code.clone()));
    }
    Ok(web::Json(GiftReport {
        from,
        to,
        total,
        categories,
    }))
}

/// Paid donations of a date range (receipt dates, inclusive) by channel (the ward's site, each portal).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(DateRangeQuery),
    responses(
        (status = 200, body = ChannelReport),
        (status = 400, description = "invalid_query", body = Problem, content_type = "application/problem+json"),
        AuthErrors,
        (status = 422, description = "validation_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/admin/reports/channels")]
pub async fn channels(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<DateRangeQuery>,
) -> Result<web::Json<ChannelReport>> {
    let (from, to) = date_range(&query)?;
    let rows = state
        .db
        .run(move |conn| store::paid_by_channel(conn, from, to))
        .await?;
    let mut total = Tally::default();
    let mut channels: Vec<ChannelLine> = rows
        .into_iter()
        .map(|(channel, count, amount)| {
            total.add(count, amount);
            ChannelLine {
                channel,
                count,
                amount,
            }
        })
        .collect();
    by_amount(&mut channels, |c| (c.amount, c.count, c.channel.clone()));
    Ok(web::Json(ChannelReport {
        from,
        to,
        total,
        channels,
    }))
}

/// Paid donations of a date range (receipt dates, inclusive) by usage purpose (使い道).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(DateRangeQuery),
    responses(
        (status = 200, body = PurposeReport),
        (status = 400, description = "invalid_query", body = Problem, content_type = "application/problem+json"),
        AuthErrors,
        (status = 422, description = "validation_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/admin/reports/purposes")]
pub async fn purposes(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<DateRangeQuery>,
) -> Result<web::Json<PurposeReport>> {
    let (from, to) = date_range(&query)?;
    let (rows, names) = state
        .db
        .run(move |conn| {
            Ok((
                store::paid_by_purpose(conn, from, to)?,
                store::purpose_names(conn)?,
            ))
        })
        .await?;
    let names: HashMap<String, String> = names.into_iter().collect();
    let mut total = Tally::default();
    let mut purposes: Vec<PurposeLine> = rows
        .into_iter()
        .map(|(purpose_id, count, amount)| {
            total.add(count, amount);
            let name = match &purpose_id {
                Some(id) => names.get(id).cloned().unwrap_or_else(|| id.clone()),
                None => "指定なし".to_owned(),
            };
            PurposeLine {
                purpose_id,
                name,
                count,
                amount,
            }
        })
        .collect();
    by_amount(&mut purposes, |p| (p.amount, p.count, p.name.clone()));
    Ok(web::Json(PurposeReport {
        from,
        to,
        total,
        purposes,
    }))
}

/// Support donations (団体応援寄附) of a fiscal year per organisation, with each one's allocated
/// share: amount × `donations.organization_share_basis_points` ÷ 10000, rounded down per organisation.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(FiscalYearQuery),
    responses(
        (status = 200, body = OrganizationReport),
        (status = 400, description = "invalid_query", body = Problem, content_type = "application/problem+json"),
        AuthErrors,
        (status = 422, description = "validation_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/admin/reports/organizations")]
pub async fn organizations(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<FiscalYearQuery>,
) -> Result<web::Json<OrganizationReport>> {
    let fy = fiscal_year(query.fiscal_year)?;
    let share = BasisPoints(state.settings.donations.organization_share_basis_points);
    let (rows, all) = state
        .db
        .run(move |conn| {
            Ok((
                store::paid_support_by_organization(conn, fy.first_day(), fy.last_day())?,
                store::organizations_all(conn)?,
            ))
        })
        .await?;
    let sums: HashMap<Option<String>, (i64, i64)> = rows
        .into_iter()
        .map(|(id, count, amount)| (id, (count, amount)))
        .collect();
    let mut total = OrganizationTotal {
        count: 0,
        amount: 0,
        allocated: 0,
    };
    let mut organizations: Vec<OrganizationLine> = all
        .into_iter()
        .map(|(id, name, active)| {
            let (count, amount) = sums.get(&Some(id.clone())).copied().unwrap_or((0, 0));
            let allocated = Yen(amount).share(share).get();
            total.count += count;
            total.amount += amount;
            total.allocated += allocated;
            OrganizationLine {
                organization_id: id,
                name,
                active,
                count,
                amount,
                allocated,
            }
        })
        .collect();
    by_amount(&mut organizations, |o| (o.amount, o.count, o.name.clone()));
    Ok(web::Json(OrganizationReport {
        fiscal_year: fy.year(),
        label: fy.label(),
        share_basis_points: share.0,
        total,
        organizations,
    }))
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
