//! `orders::fulfil`: the writes on an order — accept, ship, deliver, return (vendors and staff),
//! hold and release (staff). Each checks the reader's scope, the lifecycle rule of
//! `domain::order`, changes the order only from the state it was read in, writes the audit
//! entry, and (on shipping) queues the donor's notice, all in the caller's transaction.

use chrono::NaiveDate;
use diesel::ExpressionMethods;

use super::store::{self, OrderRecord, OrderScope};
use crate::audit;
use crate::config::Settings;
use crate::db::schema::gift_orders as o;
use crate::db::{now, DbConnection};
use crate::domain::calendar::{japan_date, japan_today};
use crate::domain::order::{
    next_status, parse_shipment, Carrier, OrderAction, OrderStatus, Shipment, ShipmentInput,
};
use crate::email::{self, ShippingNotice};
use crate::error::{Error, ErrorCode, Result};

const HOLD_REASON_MAX: usize = 500;

/// What is to be done to an order, already parsed from a request, a form or a CSV line.
#[derive(Debug, Clone)]
pub enum OrderCommand {
    Accept,
    Ship(ShipmentInput),
    Deliver(Option<NaiveDate>),
    Hold(String),
    Release,
    Return,
}

impl OrderCommand {
    pub fn action(&self) -> OrderAction {
        match self {
            OrderCommand::Accept => OrderAction::Accept,
            OrderCommand::Ship(_) => OrderAction::Ship,
            OrderCommand::Deliver(_) => OrderAction::Deliver,
            OrderCommand::Hold(_) => OrderAction::Hold,
            OrderCommand::Release => OrderAction::Release,
            OrderCommand::Return => OrderAction::Return,
        }
    }
}

fn not_now(status: OrderStatus, action: OrderAction) -> Error {
    Error::rejected(
        ErrorCode::OrderStateConflict,
        format!(
            "An order that is {} cannot be given '{}'.",
            status.as_str(),
            action.as_str()
        ),
    )
}

fn changed_meanwhile() -> Error {
    Error::rejected(
        ErrorCode::OrderStateConflict,
        "The order changed meanwhile; reload it and try again.",
    )
}

/// An order after a command, and whether the command changed it (the same shipment sent
/// again does not).
pub struct Acted {
    pub order: OrderRecord,
    pub changed: bool,
}

/// Applies `command` to the order as `actor_id` within `scope`; returns the order as it is now.
pub fn act(
    conn: &mut DbConnection,
    settings: &Settings,
    actor_id: &str,
    scope: &OrderScope,
    order_id: &str,
    command: OrderCommand,
) -> Result<Acted> {
    let before = store::find(conn, scope, order_id)?;
    let action = command.action();
    if action.is_staff_only() && !matches!(scope, OrderScope::Staff) {
        return Err(Error::forbidden(
            "Only tax-division staff hold or release an order.",
        ));
    }
    let order = &before.order;
    let status = order.status;
    let to = next_status(status, action, order.accepted_at.is_some())
        .ok_or_else(|| not_now(status, action))?;
    let at = now();
    let today = japan_today();
    // Every command moves the order from the state it was read in to `to`, stamped `at`; each
    // names only what else it writes.
    macro_rules! move_order {
        ($($change:expr),* $(,)?) => {
            crate::db::transition(
                conn,
                o::table,
                order_id,
                o::status.eq(status),
                (o::status.eq(to), $($change,)* o::updated_at.eq(at)),
            )?
        };
    }
    let moved = match command {
        OrderCommand::Accept => move_order!(o::accepted_at.eq(Some(at))),
        OrderCommand::Ship(input) => {
            let ordered_on = japan_date(order.created_at.and_utc());
            let shipment = parse_shipment(input, order.fulfilment, ordered_on, today)
                .map_err(Error::Validation)?;
            let (carrier, tracking, reference) = match &shipment {
                Shipment::Parcel {
                    carrier,
                    tracking_number,
                    ..
                } => (Some(*carrier), Some(tracking_number.as_str()), None),
                Shipment::Booking { reference, .. } => (None, None, Some(reference.as_str())),
            };
            let unchanged = status == OrderStatus::Shipped
                && order.carrier == carrier
                && order.tracking_number.as_deref() == tracking
                && order.booking_reference.as_deref() == reference
                && order.shipped_on == Some(shipment.shipped_on());
            if unchanged {
                // The same shipment again (a re-sent tracking file): nothing to change or tell.
                return Ok(Acted {
                    order: before,
                    changed: false,
                });
            }
            let moved = move_order!(
                o::carrier.eq(carrier),
                o::tracking_number.eq(tracking),
                o::booking_reference.eq(reference),
                o::shipped_on.eq(Some(shipment.shipped_on())),
                o::delivered_on.eq(None::<NaiveDate>),
            );
            if moved {
                email::enqueue(conn, &shipping_notice(settings, &before, &shipment)?)?;
            }
            moved
        }
        OrderCommand::Deliver(on) => {
            let on = on.unwrap_or(today);
            if on > today || order.shipped_on.is_some_and(|s| on < s) {
                return Err(Error::field(
                    "delivered_on",
                    "must be between the shipping date and today",
                ));
            }
            move_order!(o::delivered_on.eq(Some(on)))
        }
        OrderCommand::Hold(reason) => {
            let reason = reason.trim();
            if reason.is_empty() || reason.chars().count() > HOLD_REASON_MAX {
                return Err(Error::field("reason", "must be 1-500 characters"));
            }
            move_order!(o::held_reason.eq(Some(reason)))
        }
        OrderCommand::Release => move_order!(o::held_reason.eq(None::<String>)),
        OrderCommand::Return => move_order!(),
    };
    if !moved {
        return Err(changed_meanwhile());
    }
    let after = store::find(conn, scope, order_id)?;
    audit::record(
        conn,
        Some(actor_id),
        &format!("order.{}", action.as_str()),
        "gift_order",
        order_id,
        Some(&AuditState::of(&before)),
        Some(&AuditState::of(&after)),
    )?;
    Ok(Acted {
        order: after,
        changed: true,
    })
}

/// What the audit log keeps of an order: its state, never the recipient.
#[derive(serde::Serialize)]
struct AuditState<'a> {
    status: OrderStatus,
    carrier: Option<Carrier>,
    tracking_number: Option<&'a str>,
    booking_reference: Option<&'a str>,
    shipped_on: Option<NaiveDate>,
    delivered_on: Option<NaiveDate>,
    held_reason: Option<&'a str>,
}

impl<'a> AuditState<'a> {
    fn of(r: &'a OrderRecord) -> AuditState<'a> {
        let o = &r.order;
        AuditState {
            status: o.status,
            carrier: o.carrier,
            tracking_number: o.tracking_number.as_deref(),
            booking_reference: o.booking_reference.as_deref(),
            shipped_on: o.shipped_on,
            delivered_on: o.delivered_on,
            held_reason: o.held_reason.as_deref(),
        }
    }
}

/// The donor's notice that the gift is on its way (or booked), with what to track it by.
fn shipping_notice(
    settings: &Settings,
    r: &OrderRecord,
    shipment: &Shipment,
) -> Result<email::OutgoingEmail> {
    let recipient_name = r
        .delivery
        .as_ref()
        .and_then(|d| d.recipient())
        .map(|p| p.name);
    let (carrier, tracking_number, booking_reference) = match shipment {
        Shipment::Parcel {
            carrier,
            tracking_number,
            ..
        } => (
            Some(Carrier::label(*carrier).to_owned()),
            Some(tracking_number.clone()),
            None,
        ),
        Shipment::Booking { reference, .. } => (None, None, Some(reference.clone())),
    };
    email::shipping_notice(
        settings,
        ShippingNotice {
            order_id: r.order.id.clone(),
            donor_name: r.donor.donor_name.clone(),
            email: r.donor.donor_email.clone(),
            gift_name: r.gift_name.clone(),
            quantity: r.order.quantity,
            shipped_on: shipment.shipped_on(),
            carrier,
            tracking_number,
            booking_reference,
            recipient_name,
        },
    )
}
