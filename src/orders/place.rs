//! Placing orders: a paid gift line becomes one order for its vendor, in the payment's own
//! transaction; a refund cancels an order not yet sent (its stock comes back) or flags a sent one.

use std::collections::HashMap;

use uuid::Uuid;

use super::store::{self, OrderRow};
use crate::catalogue::store::GiftRow;
use crate::db::{now, DbConnection};
use crate::domain::order::{on_refund, OrderStatus, RefundEffect};
use crate::donations::store::DonationRow;
use crate::error::Result;

/// A gift line to order: which gift, how many, and its cost per unit when the donor gave
/// (`None` for donations made before costs were kept, or imported: today's cost).
pub struct GiftLine<'a> {
    pub donation_id: &'a str,
    pub gift_id: &'a str,
    pub quantity: i32,
    pub unit_cost: Option<i64>,
}

impl<'a> GiftLine<'a> {
    pub fn of(donation: &'a DonationRow) -> Option<GiftLine<'a>> {
        Some(GiftLine {
            donation_id: &donation.id,
            gift_id: donation.gift_id.as_deref()?,
            quantity: donation.quantity,
            unit_cost: donation.gift_unit_cost,
        })
    }
}

/// Places the order of each paid gift line; a gift fulfilled without an order (an e-voucher
/// gift) places none. Called once per payment (the donation's state change is the guard, the
/// unique donation id the backstop) or once per import for its new rows.
pub fn place_all(conn: &mut DbConnection, lines: &[GiftLine<'_>]) -> Result<Vec<OrderRow>> {
    let mut ids: Vec<&str> = lines.iter().map(|l| l.gift_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut gifts: HashMap<String, GiftRow> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for g in gifts_by_id(conn, chunk)? {
            gifts.insert(g.id.clone(), g);
        }
    }
    let at = now();
    let orders: Vec<OrderRow> = lines
        .iter()
        .filter_map(|line| {
            let gift = gifts.get(line.gift_id)?;
            Some(OrderRow {
                id: Uuid::new_v4().to_string(),
                donation_id: line.donation_id.to_owned(),
                gift_id: gift.id.clone(),
                vendor_id: gift.vendor_id.clone(),
                quantity: line.quantity,
                unit_cost: line.unit_cost.unwrap_or(gift.procurement_cost),
                fulfilment: gift.category.fulfilment()?,
                status: OrderStatus::New,
                accepted_at: None,
                carrier: None,
                tracking_number: None,
                booking_reference: None,
                shipped_on: None,
                delivered_on: None,
                held_reason: None,
                cancelled_at: None,
                attention: None,
                created_at: at,
                updated_at: at,
            })
        })
        .collect();
    store::insert_all(conn, &orders)?;
    Ok(orders)
}

/// Keeps `IN (...)` lists and multi-row inserts under both engines' bind-parameter limits.
const CHUNK: usize = 500;

fn gifts_by_id(conn: &mut DbConnection, ids: &[&str]) -> Result<Vec<GiftRow>> {
    use crate::db::schema::gifts;
    use diesel::prelude::*;
    Ok(gifts::table
        .filter(gifts::id.eq_any(ids))
        .select(GiftRow::as_select())
        .load(conn)?)
}

/// What a refund of the donation does to its order. Returns whether the stock the donation held
/// comes back: it does unless the gift has already left the vendor.
pub fn on_donation_refunded(conn: &mut DbConnection, donation_id: &str) -> Result<bool> {
    let Some(order) = store::of_donation(conn, donation_id)? else {
        return Ok(true);
    };
    match on_refund(order.status) {
        RefundEffect::Cancel => {
            use crate::db::schema::gift_orders as o;
            use diesel::ExpressionMethods;
            let at = now();
            let cancelled = crate::db::transition(
                conn,
                o::table,
                &order.id,
                o::status.eq(order.status),
                (
                    o::status.eq(OrderStatus::Cancelled),
                    o::cancelled_at.eq(Some(at)),
                    o::updated_at.eq(at),
                ),
            )?;
            if !cancelled {
                // Shipped meanwhile: the parcel is on its way after all.
                store::flag(conn, &order.id, REFUNDED_AFTER_SHIPPING)?;
            }
            Ok(cancelled)
        }
        RefundEffect::Flag => {
            store::flag(conn, &order.id, REFUNDED_AFTER_SHIPPING)?;
            Ok(false)
        }
        RefundEffect::Nothing => Ok(false),
    }
}

/// The note on an order whose donation was refunded after the gift was sent.
pub const REFUNDED_AFTER_SHIPPING: &str =
    "The donation was refunded after the gift was sent: settle the gift with the vendor and the donor.";
