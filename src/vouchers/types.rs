//! JSON shapes of the partner till and voucher settlement.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Serialize, ToSchema)]
/// What the donor sees of their voucher.
pub struct VoucherView {
    /// The full code (donor only), e.g. `K7QM-3XWP-...`.
    pub code: String,
    pub face_value: i64,
    pub balance: i64,
    pub expires_at: DateTime<Utc>,
    pub status: String,
    /// The code as a QR image (SVG).
    pub qr_svg: String,
}

/// What a partner sees of a voucher shown at the till.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VoucherBalance {
    /// The code as the partner typed it, normalised (`XXXX-XXXX-XXXX-XXXX-XXXX`).
    pub code: String,
    pub balance: i64,
    pub expires_at: DateTime<Utc>,
    /// `active`, `exhausted`, `expired` or `voided`.
    pub status: String,
}

// Holds a voucher code: no Debug.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedemptionRequest {
    pub voucher_code: String,
    /// Yen to take from the balance (1 or more).
    #[schema(minimum = 1)]
    pub amount: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Redemption {
    pub id: String,
    pub voucher_code: String,
    pub amount: i64,
    pub balance_after: i64,
    pub redeemed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reversal {
    pub id: String,
    pub amount: i64,
    /// The voucher's balance after the amount came back.
    pub balance: i64,
    pub reversed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    /// `YYYY-MM` (Japan time).
    pub month: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatementLine {
    pub id: String,
    /// The voucher's last four characters only.
    pub voucher_hint: String,
    pub amount: i64,
    pub redeemed_at: DateTime<Utc>,
    pub redeemed_on: NaiveDate,
    pub reversed_at: Option<DateTime<Utc>>,
}

/// A partner's redemptions of one month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Statement {
    pub partner_id: String,
    pub month: String,
    pub redemptions: Vec<StatementLine>,
    /// Redemptions not reversed.
    pub count: i64,
    pub gross_amount: i64,
    pub reversed_amount: i64,
    /// What the municipality pays: gross minus reversals.
    pub net_amount: i64,
    pub settled: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SettlementLine {
    pub partner_id: String,
    pub partner_name: String,
    pub count: i64,
    pub net_amount: i64,
    pub paid: bool,
    pub paid_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Settlements {
    pub month: String,
    pub partners: Vec<SettlementLine>,
    pub total_count: i64,
    pub total_net_amount: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettleRequest {
    pub partner_id: String,
    /// `YYYY-MM`; only a month that has ended can be settled.
    pub month: String,
}

/// The on-site voucher figures of one month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VoucherReport {
    pub month: String,
    pub issued_count: i64,
    pub issued_face_value: i64,
    pub redeemed_count: i64,
    pub redeemed_amount: i64,
    pub reversed_count: i64,
    pub reversed_amount: i64,
    /// Unspent balance of active, unexpired vouchers now.
    pub outstanding_balance: i64,
    /// Balance left on vouchers that expired during the month (breakage).
    pub expired_unspent: i64,
}
