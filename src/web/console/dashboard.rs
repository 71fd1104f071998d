//! The dashboard: the fiscal year month by month against the target (the chart and the same
//! numbers as a table), progress and projection, and the breakdowns of a period — each from the
//! report functions the staff API answers with, each table downloadable as CSV.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{asked_fiscal_year, chart, Console};
use crate::domain::calendar::{japan_today, FiscalYear, YearMonth};
use crate::domain::money::BasisPoints;
use crate::error::{Error, ErrorCode, Result};
use crate::reports::types::{
    ChannelReport, DateRangeQuery, GiftLine, GiftReport, MonthlyReport, OrganizationReport,
    PurposeReport,
};
use crate::reports::{build, csv, routes as report_rules};
use crate::web::forms::{date_field, given};

/// The period picker: a fiscal year, and optionally one month or a from–to range of it.
#[derive(Debug, Default, Deserialize, Serialize, Clone)]
#[serde(default)]
pub struct PeriodQuery {
    fiscal_year: Option<String>,
    month: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The checked period: the fiscal year of the monthly table, the range of the breakdowns.
struct Period {
    fiscal_year: FiscalYear,
    from: NaiveDate,
    to: NaiveDate,
}

impl PeriodQuery {
    fn period(&self) -> Result<Period> {
        let fiscal_year = asked_fiscal_year(&self.fiscal_year)?;
        let (from, to) = if let Some(m) = given(&self.month) {
            let month = YearMonth::parse(m)
                .ok_or_else(|| Error::field("month", "must be a month like 2025-04"))?;
            (month.first_day(), month.last_day())
        } else {
            match (given(&self.from), given(&self.to)) {
                (Some(f), Some(t)) => report_rules::date_range(&DateRangeQuery {
                    from: date_field("from", f)?,
                    to: date_field("to", t)?,
                })?,
                (None, None) => (fiscal_year.first_day(), fiscal_year.last_day()),
                _ => return Err(Error::field("to", "give both from and to, or neither")),
            }
        };
        Ok(Period {
            fiscal_year,
            from,
            to,
        })
    }
}

struct Reports {
    monthly: MonthlyReport,
    gifts: GiftReport,
    channels: ChannelReport,
    purposes: PurposeReport,
    organizations: OrganizationReport,
}

async fn reports(console: &Console, period: &Period) -> Result<Reports> {
    let settings = &console.state().settings;
    let fy = period.fiscal_year;
    let default = settings.default_target(fy.year());
    let share = BasisPoints(settings.donations.organization_share_basis_points);
    let (from, to, today) = (period.from, period.to, japan_today());
    console
        .read(move |conn| {
            Ok(Reports {
                monthly: build::monthly(conn, fy, default, today)?,
                gifts: build::gifts(conn, from, to)?,
                channels: build::channels(conn, from, to)?,
                purposes: build::purposes(conn, from, to)?,
                organizations: build::organizations(conn, fy, share)?,
            })
        })
        .await
}

/// The top gifts of the period across categories, as in the ward's report.
fn top_gifts(report: &GiftReport, n: usize) -> Vec<GiftLine> {
    let mut all: Vec<GiftLine> = report
        .categories
        .iter()
        .flat_map(|c| c.gifts.iter().cloned())
        .collect();
    build::by_amount(&mut all, |g| (g.amount, g.count, g.code.clone()));
    all.truncate(n);
    all
}

async fn dashboard(console: Console, query: web::Query<PeriodQuery>) -> HttpResponse {
    let q = query.into_inner();
    let outcome = async {
        let period = q.period()?;
        let r = reports(&console, &period).await?;
        let svg = chart::monthly_svg(&r.monthly);
        let progress = r.monthly.progress.map(|p| format!("{:.1}", p * 100.0));
        let remaining = r
            .monthly
            .target
            .map(|t| (t - r.monthly.total.amount).max(0));
        let fy = period.fiscal_year.year();
        let this_year = FiscalYear::of(japan_today()).year();
        let years: Vec<i32> = (fy.min(this_year) - 4..=this_year).rev().collect();
        Ok(console.ok(
            "console/dashboard.html",
            context! {
                query => &q,
                link => serde_urlencoded::to_string(&q).unwrap_or_default(),
                fiscal_year => fy,
                years,
                from => period.from.to_string(),
                to => period.to.to_string(),
                chart => minijinja::Value::from_safe_string(svg),
                monthly => &r.monthly,
                progress, remaining,
                top_gifts => top_gifts(&r.gifts, 10),
                gifts => &r.gifts,
                channels => &r.channels,
                purposes => &r.purposes,
                organizations => &r.organizations,
            },
        ))
    }
    .await;
    console.answer(outcome)
}

/// A dashboard table as CSV: `monthly`, `gifts`, `channels`, `purposes`, `organizations`.
async fn report_csv(
    console: Console,
    table: web::Path<String>,
    query: web::Query<PeriodQuery>,
) -> HttpResponse {
    let q = query.into_inner();
    let outcome = async {
        let download = console.download()?;
        let period = q.period()?;
        let settings = &console.state().settings;
        let fy = period.fiscal_year;
        let default = settings.default_target(fy.year());
        let share = BasisPoints(settings.donations.organization_share_basis_points);
        let (from, to, today) = (period.from, period.to, japan_today());
        let range = format!("{from}-{to}");
        let year = fy.year();
        // Only the table asked for is read.
        let (body, file) = match table.as_str() {
            "monthly" => (
                csv::monthly(
                    &console
                        .read(move |c| build::monthly(c, fy, default, today))
                        .await?,
                )?,
                format!("monthly-FY{year}.csv"),
            ),
            "gifts" => (
                csv::gifts(&console.read(move |c| build::gifts(c, from, to)).await?)?,
                format!("gifts-{range}.csv"),
            ),
            "channels" => (
                csv::channels(&console.read(move |c| build::channels(c, from, to)).await?)?,
                format!("channels-{range}.csv"),
            ),
            "purposes" => (
                csv::purposes(&console.read(move |c| build::purposes(c, from, to)).await?)?,
                format!("purposes-{range}.csv"),
            ),
            "organizations" => (
                csv::organizations(
                    &console
                        .read(move |c| build::organizations(c, fy, share))
                        .await?,
                )?,
                format!("organizations-FY{year}.csv"),
            ),
            _ => return Err(Error::rejected(ErrorCode::RouteNotFound, "No such table.")),
        };
        Ok(console.csv(body, download.charset, &file))
    }
    .await;
    console.answer(outcome)
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/", web::get().to(dashboard))
        .route("/console/reports/{table}.csv", web::get().to(report_csv));
}
