//! JSON shapes of orders. Vendors and staff read the same order; only staff see why it is held
//! or flagged.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::store::{OrderRecord, OrderScope};
use crate::catalogue::types::VendorRef;
use crate::domain::delivery::{DeliveryWindow, Noshi, Recipient};
use crate::domain::order::{order_number, Carrier, Fulfilment, OrderStatus};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderGift {
    pub id: String,
    pub code: String,
    pub name: String,
}

/// An order for a vendor: what to send, to whom, and how far it has got.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Order {
    pub id: String,
    /// The id's first twelve symbols, for packing lists and phone calls.
    pub number: String,
    pub donation_id: String,
    pub status: OrderStatus,
    pub fulfilment: Fulfilment,
    pub gift: OrderGift,
    pub vendor: VendorRef,
    pub quantity: i32,
    /// Procurement cost per unit (yen) when the donor gave: what the ward pays the vendor.
    pub unit_cost: i64,
    /// Where the gift goes: the recipient the donor named, else the donor.
    pub ship_to: Recipient,
    /// The ship-to is someone other than the donor (a gift for another person).
    pub ship_to_is_donor: bool,
    pub noshi: Option<Noshi>,
    pub delivery_window: Option<DeliveryWindow>,
    pub carrier: Option<Carrier>,
    pub tracking_number: Option<String>,
    pub booking_reference: Option<String>,
    pub shipped_on: Option<NaiveDate>,
    pub delivered_on: Option<NaiveDate>,
    /// Staff only: why the ward holds the order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_reason: Option<String>,
    /// Staff only: what staff must resolve (e.g. refunded after shipping).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention: Option<String>,
    pub ordered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Order {
    pub fn of(r: &OrderRecord, scope: &OrderScope) -> Order {
        let o = &r.order;
        let named = r.delivery.as_ref().and_then(|d| d.recipient());
        let staff = matches!(scope, OrderScope::Staff);
        Order {
            id: o.id.clone(),
            number: order_number(&o.id),
            donation_id: o.donation_id.clone(),
            status: o.status,
            fulfilment: o.fulfilment,
            gift: OrderGift {
                id: o.gift_id.clone(),
                code: r.gift_code.clone(),
                name: r.gift_name.clone(),
            },
            vendor: VendorRef {
                id: o.vendor_id.clone(),
                name: r.vendor_name.clone(),
            },
            quantity: o.quantity,
            unit_cost: o.unit_cost,
            ship_to_is_donor: named.is_none(),
            ship_to: named.unwrap_or_else(|| r.donor.recipient()),
            noshi: r.delivery.as_ref().and_then(|d| {
                d.noshi_type.map(|kind| Noshi {
                    kind,
                    name: d.noshi_name.clone(),
                })
            }),
            delivery_window: r.delivery.as_ref().and_then(|d| d.delivery_window),
            carrier: o.carrier,
            tracking_number: o.tracking_number.clone(),
            booking_reference: o.booking_reference.clone(),
            shipped_on: o.shipped_on,
            delivered_on: o.delivered_on,
            held_reason: o.held_reason.clone().filter(|_| staff),
            attention: o.attention.clone().filter(|_| staff),
            ordered_at: o.created_at.and_utc(),
            updated_at: o.updated_at.and_utc(),
        }
    }
}

/// A gift's order as its donor sees it: where it is, and what to track it by.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DonorOrderView {
    pub status: OrderStatus,
    /// The status in the donor's words (発送済み, ...).
    pub status_label: String,
    pub fulfilment: Fulfilment,
    /// The carrier's name, e.g. ヤマト運輸.
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub booking_reference: Option<String>,
    pub shipped_on: Option<NaiveDate>,
    pub delivered_on: Option<NaiveDate>,
}

impl DonorOrderView {
    pub fn of(o: &super::store::OrderRow) -> DonorOrderView {
        DonorOrderView {
            status: o.status,
            status_label: o.status.donor_label().to_owned(),
            fulfilment: o.fulfilment,
            carrier: o.carrier.map(|c| c.label().to_owned()),
            tracking_number: o.tracking_number.clone(),
            booking_reference: o.booking_reference.clone(),
            shipped_on: o.shipped_on,
            delivered_on: o.delivered_on,
        }
    }
}

/// Order list filters. Unknown parameters are refused.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    pub status: Option<OrderStatus>,
    /// Staff only: one vendor's orders.
    pub vendor_id: Option<String>,
    /// Staff only: only orders flagged for attention.
    pub attention: Option<bool>,
    #[param(minimum = 1)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// Shipping an order: a parcel's carrier and tracking number, or a booking's reference.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipRequest {
    /// `yamato`, `sagawa`, `japan_post`, `seino`, `fukuyama` or `other` (or the Japanese name).
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    /// Experiences and tickets: the booking or ticket reference the donor will use.
    pub booking_reference: Option<String>,
    /// Defaults to today (Japan).
    pub shipped_on: Option<NaiveDate>,
}

/// Marking an order delivered.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliverRequest {
    /// Defaults to today (Japan).
    pub delivered_on: Option<NaiveDate>,
}

/// Holding an order (staff): why, for the record and the vendor's phone call.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// A vendor's statement for a month: what was sent, and what the ward owes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VendorStatement {
    pub vendor: VendorRef,
    /// `YYYY-MM`, by the Japan date the orders were shipped.
    pub month: String,
    pub lines: Vec<StatementLine>,
    pub order_count: i64,
    pub quantity: i64,
    /// Σ unit_cost × quantity, in yen.
    pub amount_owed: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatementLine {
    pub order_id: String,
    pub number: String,
    pub shipped_on: NaiveDate,
    pub gift_code: String,
    pub gift_name: String,
    pub quantity: i32,
    pub unit_cost: i64,
    pub amount: i64,
    pub status: OrderStatus,
}
