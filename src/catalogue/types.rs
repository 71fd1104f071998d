//! JSON shapes of the catalogue: public views never carry costs or internal fields.

use super::images::GiftImage;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::gift::{Category, GiftStatus};
use crate::domain::order::Fulfilment;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VendorRef {
    pub id: String,
    pub name: String,
}

/// A gift as donors see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicGift {
    pub id: String,
    pub code: String,
    pub name: String,
    pub description: String,
    pub category: Category,
    /// The donation (yen) this gift is offered for.
    pub amount: i64,
    pub vendor: VendorRef,
    /// Units left; null = unlimited.
    pub stock_remaining: Option<i64>,
    pub available_from: Option<NaiveDate>,
    pub available_until: Option<NaiveDate>,
    pub image_url: Option<String>,
    /// The gift's pictures, main picture first (empty where a list does not carry them).
    pub images: Vec<GiftImage>,
    /// How the gift reaches the donor: `parcel` or `booking`; null for an on-site e-voucher.
    pub fulfilment: Option<Fulfilment>,
    /// A delivery time slot (`delivery.window`) may be asked for.
    pub accepts_delivery_window: bool,
}

/// A gift as staff see it, with costs and state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdminGift {
    #[serde(flatten)]
    pub public: PublicGift,
    pub procurement_cost: i64,
    pub shipping_cost: i64,
    pub stock: Option<i64>,
    pub status: GiftStatus,
    /// 地場産品基準: the criterion of 告示第5条 the gift meets (1-9).
    pub basis_criterion: Option<i32>,
    /// The criterion in short, in Japanese.
    pub basis_criterion_label: Option<&'static str>,
    /// Why the gift meets the criterion.
    pub basis_justification: Option<String>,
    /// What a reviewer can check.
    pub basis_evidence: Option<String>,
    /// When the basis was approved; null until it is (and again after a reopen).
    pub basis_approved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GiftSort {
    /// Most paid donations in the last 90 days first.
    Popular,
    AmountAsc,
    AmountDesc,
    Newest,
}

/// Public catalogue filters. Unknown parameters and values are refused with 400.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GiftQuery {
    pub category: Option<Category>,
    /// Text matched in the name and description.
    pub q: Option<String>,
    pub min_amount: Option<i64>,
    pub max_amount: Option<i64>,
    pub in_stock: Option<bool>,
    pub sort: Option<GiftSort>,
    #[param(minimum = 1)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// Admin gift list filters.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AdminGiftQuery {
    pub status: Option<GiftStatus>,
    pub category: Option<Category>,
    pub vendor_id: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGiftRequest {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub category: Category,
    pub amount: i64,
    pub procurement_cost: i64,
    #[serde(default)]
    pub shipping_cost: i64,
    pub vendor_id: String,
    /// null or absent = unlimited.
    pub stock: Option<i64>,
    pub available_from: Option<NaiveDate>,
    pub available_until: Option<NaiveDate>,
    /// Defaults to draft, the only state a gift starts in: it is published through the basis
    /// approval (`POST /admin/gifts/{id}/actions`).
    pub status: Option<GiftStatus>,
    /// 地場産品基準 (告示第5条): criterion number 1-9.
    pub basis_criterion: Option<i32>,
    pub basis_justification: Option<String>,
    pub basis_evidence: Option<String>,
    pub image_url: Option<String>,
    /// A donor may ask for a delivery time slot (default false).
    #[serde(default)]
    pub accepts_delivery_window: bool,
}

/// A staff action on a gift's way to the catalogue.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GiftActionRequest {
    pub action: crate::domain::gift_approval::GiftAction,
    /// Why (required to send a basis back or to withdraw a gift); kept in the audit log.
    #[serde(default)]
    pub note: String,
}

/// Only the fields present change; `null` clears a nullable field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GiftPatch {
    pub code: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub category: Option<Category>,
    pub amount: Option<i64>,
    pub procurement_cost: Option<i64>,
    pub shipping_cost: Option<i64>,
    pub vendor_id: Option<String>,
    #[serde(default, deserialize_with = "crate::http::patch_field")]
    #[schema(value_type = Option<i64>)]
    pub stock: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::http::patch_field")]
    #[schema(value_type = Option<NaiveDate>)]
    pub available_from: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::http::patch_field")]
    #[schema(value_type = Option<NaiveDate>)]
    pub available_until: Option<Option<NaiveDate>>,
    pub status: Option<GiftStatus>,
    /// Basis fields change only while the gift is a draft (reopen an approved one first).
    #[serde(default, deserialize_with = "crate::http::patch_field")]
    #[schema(value_type = Option<i32>)]
    pub basis_criterion: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::http::patch_field")]
    #[schema(value_type = Option<String>)]
    pub basis_justification: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::http::patch_field")]
    #[schema(value_type = Option<String>)]
    pub basis_evidence: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::http::patch_field")]
    #[schema(value_type = Option<String>)]
    pub image_url: Option<Option<String>>,
    pub accepts_delivery_window: Option<bool>,
}

/// An organisation (support-donation recipient) or a usage purpose.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NamedItem {
    pub id: String,
    pub name: String,
    pub description: String,
    pub active: bool,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedItemRequest {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedItemPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub active: Option<bool>,
}

#[derive(
    Debug,
    Clone,
    Serialize,
    ToSchema,
    diesel::Queryable,
    diesel::Selectable,
    diesel::Insertable,
    diesel::AsChangeset,
)]
#[diesel(table_name = crate::db::schema::businesses, treat_none_as_null = true)]
#[diesel(treat_none_as_default_value = false)]
pub struct Business {
    #[diesel(skip_update)]
    pub id: String,
    pub name: String,
    pub is_vendor: bool,
    pub is_partner: bool,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub active: bool,
}

/// A shop where on-site vouchers can be used, as anyone may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicPartner {
    pub id: String,
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
}

impl From<Business> for PublicPartner {
    fn from(b: Business) -> Self {
        PublicPartner {
            id: b.id,
            name: b.name,
            address: b.address,
            phone: b.contact_phone,
        }
    }
}

/// A login for a partner's till staff (holds a password: no Debug).
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBusinessRequest {
    pub name: String,
    #[serde(default)]
    pub is_vendor: bool,
    #[serde(default)]
    pub is_partner: bool,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    /// Creates the partner login too (partners only).
    pub login: Option<LoginRequest>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessPatch {
    pub name: Option<String>,
    pub is_vendor: Option<bool>,
    pub is_partner: Option<bool>,
    #[serde(default, deserialize_with = "crate::http::patch_field")]
    #[schema(value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::http::patch_field")]
    #[schema(value_type = Option<String>)]
    pub contact_phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::http::patch_field")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    pub active: Option<bool>,
}

/// `POST /admin/partners`: a partner business and its login in one step.
// Holds a password: no Debug.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartnerRequest {
    pub name: String,
    pub email: String,
    pub password: String,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerCreated {
    #[serde(flatten)]
    pub business: Business,
    pub login_email: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}
