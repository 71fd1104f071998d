//! The reports, assembled from the store's sums: each function answers one report route (and the
//! staff console's pages) from a connection and checked parameters.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::store;
use super::types::{
    CategoryLine, ChannelLine, ChannelReport, GiftLine, GiftReport, MonthRow, MonthlyReport,
    OrganizationLine, OrganizationReport, OrganizationTotal, ProjectionView, PurposeLine,
    PurposeReport, Target, TargetList, TargetSource,
};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::domain::calendar::FiscalYear;
use crate::domain::gift::Category;
use crate::domain::money::{BasisPoints, Yen};
use crate::domain::report::{monthly_table, project, MonthlyTable, ReportCategory, Tally};
use crate::error::{Error, Result};

pub fn target_view(
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
pub fn targets(conn: &mut DbConnection, settings: &Settings) -> Result<TargetList> {
    let rows = store::all_targets(conn)?;
    let mut years: Vec<i32> = rows.iter().map(|r| r.0).collect();
    years.extend(settings.targets.defaults.iter().map(|d| d.fiscal_year));
    years.sort_unstable();
    years.dedup();
    let items = years
        .into_iter()
        .filter_map(|y| {
            let fy = FiscalYear::new(y)?;
            let row = rows.iter().find(|r| r.0 == y).cloned();
            target_view(fy, row, settings.default_target(y))
        })
        .collect();
    Ok(TargetList { items })
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

/// Paid donations of a fiscal year by month against its target, the previous year beside it.
pub fn monthly(
    conn: &mut DbConnection,
    fy: FiscalYear,
    default_target: Option<i64>,
    today: NaiveDate,
) -> Result<MonthlyReport> {
    let days = store::paid_by_day(conn, fy.previous().first_day(), fy.last_day())?;
    let target = store::target(conn, fy.year())?
        .map(|r| r.1)
        .or(default_target);
    Ok(monthly_report(&monthly_table(fy, &days), target, today))
}

/// Largest amount first, then most donations, then by name: the order of every breakdown.
pub fn by_amount<T>(items: &mut [T], key: impl Fn(&T) -> (i64, i64, String)) {
    items.sort_by(|a, b| {
        let (aa, ac, an) = key(a);
        let (ba, bc, bn) = key(b);
        ba.cmp(&aa).then(bc.cmp(&ac)).then(an.cmp(&bn))
    });
}

/// By category and gift: the top-gifts table.
pub fn gifts(conn: &mut DbConnection, from: NaiveDate, to: NaiveDate) -> Result<GiftReport> {
    let groups = store::paid_by_kind_and_gift(conn, from, to)?;
    let ids = groups.iter().filter_map(|g| g.1.clone()).collect();
    let gift_rows = store::gifts_by_id(conn, ids)?;
    let gifts: HashMap<String, (String, String, Category)> = gift_rows
        .into_iter()
        .map(|(id, code, name, category)| (id, (code, name, category)))
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
        let category = ReportCategory::of(kind, gift.map(|g| g.2))
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
    Ok(GiftReport {
        from,
        to,
        total,
        categories,
    })
}

/// By channel: the ward's own site and each portal.
pub fn channels(conn: &mut DbConnection, from: NaiveDate, to: NaiveDate) -> Result<ChannelReport> {
    let rows = store::paid_by_channel(conn, from, to)?;
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
    Ok(ChannelReport {
        from,
        to,
        total,
        channels,
    })
}

/// By usage purpose (使い道).
pub fn purposes(conn: &mut DbConnection, from: NaiveDate, to: NaiveDate) -> Result<PurposeReport> {
    let rows = store::paid_by_purpose(conn, from, to)?;
    let names = store::purpose_names(conn)?;
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
    Ok(PurposeReport {
        from,
        to,
        total,
        purposes,
    })
}

/// Support donations per organisation with each one's allocated share.
pub fn organizations(
    conn: &mut DbConnection,
    fy: FiscalYear,
    share: BasisPoints,
) -> Result<OrganizationReport> {
    let rows = store::paid_support_by_organization(conn, fy.first_day(), fy.last_day())?;
    let all = store::organizations_all(conn)?;
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
    Ok(OrganizationReport {
        fiscal_year: fy.year(),
        label: fy.label(),
        share_basis_points: share.0,
        total,
        organizations,
    })
}
