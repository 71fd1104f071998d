//! JSON shapes of the cost ledger and its report.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::store::CostEntryRow;
use crate::domain::cost::{CostCategory, CostSource, CostStanding};

/// A cost staff enter by hand (advertising, printing, postage, staff time, ...).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCostEntry {
    /// The Japan date the cost counts on (decides its fiscal year).
    pub booked_on: NaiveDate,
    pub category: CostCategory,
    /// Whole yen, more than 0 (a correction is a reversal of the entry).
    #[schema(minimum = 1)]
    pub amount: i64,
    /// The channel it concerns (a portal's own fee, a campaign for the ward's site).
    pub channel: Option<String>,
    pub gift_id: Option<String>,
    /// The business paid (a printer, an agency).
    pub vendor_id: Option<String>,
    #[serde(default)]
    pub note: String,
}

/// Why an entry is reversed.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CostReversalRequest {
    pub note: String,
}

/// One entry of the ledger.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CostEntry {
    pub id: String,
    pub booked_on: NaiveDate,
    pub category: CostCategory,
    /// Yen; negative for a reversal.
    pub amount: i64,
    /// `manual` for staff entries; the others are booked by the service itself.
    pub source: CostSource,
    pub donation_id: Option<String>,
    pub channel: Option<String>,
    pub gift_id: Option<String>,
    pub vendor_id: Option<String>,
    pub note: String,
    /// The entry this one reverses.
    pub reverses_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<CostEntryRow> for CostEntry {
    fn from(r: CostEntryRow) -> Self {
        CostEntry {
            id: r.id,
            booked_on: r.booked_on,
            category: r.category,
            amount: r.amount,
            source: r.source,
            donation_id: r.donation_id,
            channel: r.channel,
            gift_id: r.gift_id,
            vendor_id: r.vendor_id,
            note: r.note,
            reverses_id: r.reverses_id,
            created_at: r.created_at.and_utc(),
        }
    }
}

/// Ledger list filters.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CostQuery {
    /// e.g. 2025 for 令和7年度 (2025-04-01 – 2026-03-31).
    pub fiscal_year: i32,
    pub category: Option<CostCategory>,
    #[param(minimum = 1)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// One category's costs in a fiscal year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CostLine {
    pub category: CostCategory,
    /// The ministry's Japanese name.
    pub label: &'static str,
    pub amount: i64,
    /// Share of the year's donations in basis points (10000 = 100%), rounded down; null
    /// without donations.
    pub ratio_basis_points: Option<u32>,
    /// Of which booked by the service (gifts, shipping, fees, settlements) and by staff.
    pub automatic: i64,
    pub manual: i64,
}

/// On-site vouchers whose cost is not booked yet: it is, as partners are paid.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VoucherCommitment {
    /// Unspent balance of usable vouchers from this year's donations.
    pub unspent: i64,
    /// Spent in this year's months at partners whose month is not settled yet.
    pub awaiting_settlement: i64,
}

/// The costs of raising donations in a fiscal year against the 50% rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CostReport {
    pub fiscal_year: i32,
    /// e.g. 令和7年度.
    pub label: String,
    /// Paid donations of the year (receipt dates), as in the monthly report.
    pub donations_amount: i64,
    pub categories: Vec<CostLine>,
    pub total: i64,
    pub total_ratio_basis_points: Option<u32>,
    /// 返礼品等の調達 over the year's donations (the 30% rule, overall).
    pub gift_ratio_basis_points: Option<u32>,
    /// The legal limit (5000) and the configured warning threshold.
    pub limit_basis_points: u32,
    pub warning_basis_points: u32,
    /// `within`, `warning` (at or above the threshold) or `exceeded` (above 50%).
    pub standing: CostStanding,
    pub committed_vouchers: VoucherCommitment,
}
