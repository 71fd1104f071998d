//! JSON shapes of donations: what donors send and see, and what staff see.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::catalogue::types::PublicGift;
use crate::domain::donation::{DonationKind, DonationStatus, PaymentMethod};

pub use crate::domain::new_donation::NewDonationRequest;
use crate::payments::provider::PaymentStart;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DonationCreated {
    pub id: String,
    pub kind: DonationKind,
    pub status: DonationStatus,
    pub amount: i64,
    /// Reads this donation only (`Authorization: Bearer <access_token>`); keep it. Always in the
    /// answer (it is derived again for a replayed answer), never stored with the donation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, required = true)]
    pub access_token: Option<String>,
    /// Where to send the donor to pay; absent when donations are paid offline only. Derived for
    /// every answer, like the access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentStart>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationRef {
    pub id: String,
    pub name: String,
}

pub use crate::vouchers::types::VoucherView;

/// A donation as its donor sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DonorDonationView {
    pub id: String,
    pub kind: DonationKind,
    pub status: DonationStatus,
    pub amount: i64,
    pub quantity: i32,
    pub received_on: Option<NaiveDate>,
    pub receipt_number: Option<String>,
    pub one_stop: bool,
    pub gift: Option<PublicGift>,
    pub organization: Option<OrganizationRef>,
    pub voucher: Option<VoucherView>,
    /// The gift's order: how far it has got on its way to the donor.
    pub gift_order: Option<crate::orders::views::DonorOrderView>,
    pub created_at: DateTime<Utc>,
}

/// A donation as staff see it, with the donor's personal data.
// Personal data: no Debug, so it cannot be logged by accident.
#[derive(Clone, Serialize, ToSchema)]
pub struct AdminDonation {
    pub id: String,
    pub kind: DonationKind,
    pub status: DonationStatus,
    pub amount: i64,
    pub quantity: i32,
    pub gift_id: Option<String>,
    pub organization_id: Option<String>,
    pub purpose_id: Option<String>,
    pub channel: String,
    pub external_id: Option<String>,
    pub donor_name: String,
    pub donor_name_kana: String,
    pub donor_email: String,
    pub donor_phone: String,
    pub donor_postal_code: String,
    pub donor_prefecture: String,
    pub donor_city: String,
    pub donor_address_line: String,
    pub one_stop: bool,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub received_on: Option<NaiveDate>,
    pub payment_method: Option<PaymentMethod>,
    pub receipt_number: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub refunded_at: Option<DateTime<Utc>>,
    pub refund_reason: Option<String>,
    /// Something staff must resolve (e.g. a payment that arrived after cancellation).
    pub attention: Option<String>,
    pub import_flags: Option<String>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AdminDonationQuery {
    pub status: Option<DonationStatus>,
    pub kind: Option<DonationKind>,
    pub channel: Option<String>,
    /// First receipt date (received_on), inclusive.
    pub from: Option<NaiveDate>,
    /// Last receipt date (received_on), inclusive.
    pub to: Option<NaiveDate>,
    /// A donor's name or part of it (family or given name), kana, email, phone, postal code,
    /// receipt number or portal order id, or a donation id; any width or kana form (`ｼﾅｶﾞﾜ`,
    /// `しながわ`, `シナガワ`; `０３－１２３４－５６７８`); several words must all match. Each
    /// word matches a whole term, not a fragment of one.
    pub q: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OfflineMethod {
    BankTransfer,
    Counter,
}

impl From<OfflineMethod> for PaymentMethod {
    fn from(m: OfflineMethod) -> PaymentMethod {
        match m {
            OfflineMethod::BankTransfer => PaymentMethod::BankTransfer,
            OfflineMethod::Counter => PaymentMethod::Counter,
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfflinePaymentRequest {
    /// The transfer date (bank transfer) or the day paid (counter).
    pub received_on: NaiveDate,
    pub method: OfflineMethod,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    pub reason: String,
}

/// 寄附金受領証明書.
// Personal data: no Debug, so it cannot be logged by accident.
#[derive(Clone, Serialize, ToSchema)]
pub struct Receipt {
    pub receipt_number: String,
    pub donation_id: String,
    pub donor_name: String,
    pub donor_postal_code: String,
    pub donor_address: String,
    pub amount: i64,
    pub received_on: NaiveDate,
    pub municipality_name: String,
    pub municipality_address: String,
    pub issuer_title: String,
    pub issuer_name: String,
    /// True from the second issue on (再発行).
    pub reissued: bool,
    /// True after a refund: the receipt no longer certifies a donation.
    pub voided: bool,
    pub issued_on: NaiveDate,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OneStopQuery {
    /// Calendar (tax) year of the donations; default: the current Japan year.
    pub tax_year: Option<i32>,
}

// Personal data: no Debug, so it cannot be logged by accident.
#[derive(Clone, Serialize, ToSchema)]
pub struct OneStopDonation {
    pub donation_id: String,
    pub donor_name: String,
    pub amount: i64,
    pub received_on: NaiveDate,
}

/// One-stop requests of one home municipality, to be notified by 31 January.
// Personal data: no Debug, so it cannot be logged by accident.
#[derive(Clone, Serialize, ToSchema)]
pub struct OneStopGroup {
    pub prefecture: String,
    pub city: String,
    pub count: i64,
    pub amount: i64,
    pub donations: Vec<OneStopDonation>,
}

// Personal data: no Debug, so it cannot be logged by accident.
#[derive(Clone, Serialize, ToSchema)]
pub struct OneStopReport {
    pub tax_year: i32,
    /// Requests must arrive by this date (10 January of the next year).
    pub application_deadline: NaiveDate,
    pub groups: Vec<OneStopGroup>,
}
