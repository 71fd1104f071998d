//! JSON shapes of targets and reports (the monthly report's shape is fixed by api.md).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::report::{ProjectionBasis, Tally};

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetRequest {
    /// The target (目標額) in yen; positive.
    pub amount: i64,
}

/// Where a fiscal year's target comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetSource {
    /// Set by staff through the API.
    Set,
    /// `targets.defaults` in the configuration (no row set yet).
    Default,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Target {
    pub fiscal_year: i32,
    /// e.g. 令和7年度.
    pub label: String,
    pub amount: i64,
    pub source: TargetSource,
    pub updated_at: Option<DateTime<Utc>>,
    /// The staff user's id.
    pub updated_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetList {
    pub items: Vec<Target>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FiscalYearQuery {
    /// The fiscal year by the year it starts in: 2025 = 2025-04-01 … 2026-03-31.
    pub fiscal_year: i32,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DateRangeQuery {
    /// First receipt date (Japan date), inclusive.
    pub from: NaiveDate,
    /// Last receipt date (Japan date), inclusive.
    pub to: NaiveDate,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthRow {
    /// `YYYY-MM`.
    pub month: String,
    pub count: i64,
    pub amount: i64,
    /// The fiscal year's amount from April up to and including this month.
    pub cumulative_amount: i64,
    /// The same month of the previous fiscal year.
    pub previous_year: Tally,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectionView {
    /// Projected paid total at 31 March; null when no month is complete yet.
    pub year_end_amount: Option<i64>,
    /// How the figure is computed, in words.
    pub method: String,
    pub basis: ProjectionBasis,
    /// Complete months (last day before today in Japan) the projection uses, 0-12.
    pub months_elapsed: usize,
}

/// Paid donations of a fiscal year by month against its target.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthlyReport {
    pub fiscal_year: i32,
    /// e.g. 令和7年度.
    pub label: String,
    /// Null when no target is set or configured for the year.
    pub target: Option<i64>,
    /// April to March.
    pub months: Vec<MonthRow>,
    pub total: Tally,
    pub previous_year_total: Tally,
    /// total amount ÷ target; null without a target.
    pub progress: Option<f64>,
    pub projection: ProjectionView,
}

/// A gift's line in the gift report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GiftLine {
    pub gift_id: String,
    pub code: String,
    pub name: String,
    pub count: i64,
    pub amount: i64,
}

/// One report category: 体験型, 商品型, 旅行クーポン, 現地決済型, 応援型, 寄附のみ.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryLine {
    /// `experience`, `product`, `travel`, `on_site`, `support`, `general`.
    pub category: String,
    pub label: String,
    pub count: i64,
    pub amount: i64,
    /// Gifts of the category by amount, largest first (empty for support and general).
    pub gifts: Vec<GiftLine>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GiftReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: Tally,
    /// Always the six categories, in the order above.
    pub categories: Vec<CategoryLine>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChannelLine {
    pub channel: String,
    pub count: i64,
    pub amount: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChannelReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: Tally,
    /// By amount, largest first.
    pub channels: Vec<ChannelLine>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PurposeLine {
    /// Null for donations without a usage purpose.
    pub purpose_id: Option<String>,
    /// 指定なし for donations without a usage purpose.
    pub name: String,
    pub count: i64,
    pub amount: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PurposeReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: Tally,
    /// By amount, largest first.
    pub purposes: Vec<PurposeLine>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationLine {
    pub organization_id: String,
    pub name: String,
    pub active: bool,
    pub count: i64,
    pub amount: i64,
    /// amount × share_basis_points ÷ 10000, rounded down, in yen.
    pub allocated: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationTotal {
    pub count: i64,
    pub amount: i64,
    /// The sum of the organisations' allocated shares.
    pub allocated: i64,
}

/// Support donations (団体応援寄附) of a fiscal year per organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationReport {
    pub fiscal_year: i32,
    pub label: String,
    /// The share allocated to organisations (`donations.organization_share_basis_points`).
    pub share_basis_points: u32,
    pub total: OrganizationTotal,
    /// Every organisation, by amount, largest first.
    pub organizations: Vec<OrganizationLine>,
}
