//! Order queries: deliveries asked for at donation time, orders, and the joined view that
//! vendors and staff read (the order, its gift, its vendor and where it goes).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{businesses, deliveries, donations, gift_orders, gifts};
use crate::db::DbConnection;
use crate::domain::delivery::{
    Delivery, DeliveryInput, DeliveryWindow, Noshi, NoshiType, Recipient, RecipientInput,
};
use crate::domain::order::{Carrier, Fulfilment, OrderStatus};
use crate::donations::store::DonorAddress;
use crate::error::{Error, ErrorCode, Result};

/// An order as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = gift_orders, treat_none_as_default_value = false)]
pub struct OrderRow {
    pub id: String,
    pub donation_id: String,
    pub gift_id: String,
    pub vendor_id: String,
    pub quantity: i32,
    pub unit_cost: i64,
    pub fulfilment: Fulfilment,
    pub status: OrderStatus,
    pub accepted_at: Option<NaiveDateTime>,
    pub carrier: Option<Carrier>,
    pub tracking_number: Option<String>,
    pub booking_reference: Option<String>,
    pub shipped_on: Option<NaiveDate>,
    pub delivered_on: Option<NaiveDate>,
    pub held_reason: Option<String>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub attention: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Delivery details as stored: personal data, never logged.
#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deliveries)]
pub struct DeliveryRow {
    pub donation_id: String,
    pub recipient_name: Option<String>,
    pub recipient_name_kana: Option<String>,
    pub recipient_phone: Option<String>,
    pub recipient_postal_code: Option<String>,
    pub recipient_prefecture: Option<String>,
    pub recipient_city: Option<String>,
    pub recipient_address_line: Option<String>,
    pub noshi_type: Option<NoshiType>,
    pub noshi_name: Option<String>,
    pub delivery_window: Option<DeliveryWindow>,
}

impl DeliveryRow {
    pub fn new(donation_id: &str, d: &Delivery) -> DeliveryRow {
        let r = d.recipient.as_ref();
        let field = |f: fn(&Recipient) -> &String| r.map(|r| f(r).clone());
        DeliveryRow {
            donation_id: donation_id.to_owned(),
            recipient_name: field(|r| &r.name),
            recipient_name_kana: field(|r| &r.name_kana),
            recipient_phone: field(|r| &r.phone),
            recipient_postal_code: field(|r| &r.postal_code),
            recipient_prefecture: field(|r| &r.prefecture),
            recipient_city: field(|r| &r.city),
            recipient_address_line: field(|r| &r.address_line),
            noshi_type: d.noshi.as_ref().map(|n| n.kind),
            noshi_name: d.noshi.as_ref().and_then(|n| n.name.clone()),
            delivery_window: d.window,
        }
    }

    /// The details as asked for again (a retried payment makes a new donation with them).
    pub fn input(&self) -> DeliveryInput {
        DeliveryInput {
            recipient: self.recipient().map(|r| RecipientInput {
                name: Some(r.name),
                name_kana: Some(r.name_kana),
                phone: Some(r.phone),
                postal_code: Some(r.postal_code),
                prefecture: Some(r.prefecture),
                city: Some(r.city),
                address_line: Some(r.address_line),
            }),
            noshi: self.noshi_type.map(|kind| Noshi {
                kind,
                name: self.noshi_name.clone(),
            }),
            window: self.delivery_window,
        }
    }

    /// The recipient the donor named, if any.
    pub fn recipient(&self) -> Option<Recipient> {
        Some(Recipient {
            name: self.recipient_name.clone()?,
            name_kana: self.recipient_name_kana.clone()?,
            phone: self.recipient_phone.clone()?,
            postal_code: self.recipient_postal_code.clone()?,
            prefecture: self.recipient_prefecture.clone()?,
            city: self.recipient_city.clone()?,
            address_line: self.recipient_address_line.clone()?,
        })
    }
}

/// An order with everything its readers need.
#[derive(Clone)]
pub struct OrderRecord {
    pub order: OrderRow,
    pub gift_code: String,
    pub gift_name: String,
    pub vendor_name: String,
    pub donor: DonorAddress,
    pub delivery: Option<DeliveryRow>,
}

/// Whose orders a reader may see: a vendor its own, staff every vendor's.
#[derive(Debug, Clone)]
pub enum OrderScope {
    Vendor(String),
    Staff,
}

/// Staff and vendor list filters.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// Staff only (a vendor's scope already names it).
    pub vendor_id: Option<String>,
    /// Only orders staff must look at.
    pub attention: bool,
}

impl OrderFilter {
    /// Orders in one state.
    pub fn with_status(status: OrderStatus) -> OrderFilter {
        OrderFilter {
            status: Some(status),
            ..OrderFilter::default()
        }
    }
}

pub fn order_not_found() -> Error {
    Error::rejected(ErrorCode::OrderNotFound, "No such order.")
}

pub fn insert_delivery(conn: &mut DbConnection, row: &DeliveryRow) -> Result<()> {
    diesel::insert_into(deliveries::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Inserts orders, many rows a statement.
pub fn insert_all(conn: &mut DbConnection, rows: &[OrderRow]) -> Result<()> {
    // New orders, an import's tens of thousands included; 19 columns a row.
    Ok(crate::insert_fresh!(conn, gift_orders::table, rows, 1_000)?)
}

type RecordTuple = (
    OrderRow,
    (String, String),
    String,
    DonorAddress,
    Option<DeliveryRow>,
);

fn record(
    (order, (gift_code, gift_name), vendor_name, donor, delivery): RecordTuple,
) -> OrderRecord {
    OrderRecord {
        order,
        gift_code,
        gift_name,
        vendor_name,
        donor,
        delivery,
    }
}

/// Orders joined with their gift, vendor, donor address and delivery details.
macro_rules! records {
    () => {
        gift_orders::table
            .inner_join(gifts::table.on(gifts::id.eq(gift_orders::gift_id)))
            .inner_join(businesses::table.on(businesses::id.eq(gift_orders::vendor_id)))
            .inner_join(donations::table.on(donations::id.eq(gift_orders::donation_id)))
            .left_join(deliveries::table.on(deliveries::donation_id.eq(gift_orders::donation_id)))
            .select((
                OrderRow::as_select(),
                (gifts::code, gifts::name),
                businesses::name,
                DonorAddress::as_select(),
                Option::<DeliveryRow>::as_select(),
            ))
            .into_boxed()
    };
}

/// One order the scope may see; another vendor's order is "not found", never "forbidden".
pub fn find(conn: &mut DbConnection, scope: &OrderScope, id: &str) -> Result<OrderRecord> {
    let mut query = records!().filter(gift_orders::id.eq(id.to_owned()));
    if let OrderScope::Vendor(vendor) = scope {
        query = query.filter(gift_orders::vendor_id.eq(vendor.clone()));
    }
    let found: Option<RecordTuple> = query.first(conn).optional()?;
    found.map(record).ok_or_else(order_not_found)
}

/// The order of a donation, if it has one (any vendor: for staff and the donor's own pages).
pub fn of_donation(conn: &mut DbConnection, donation_id: &str) -> Result<Option<OrderRow>> {
    Ok(gift_orders::table
        .filter(gift_orders::donation_id.eq(donation_id))
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?)
}

/// Orders of these donations (a donor's My page).
pub fn of_donations(conn: &mut DbConnection, donation_ids: &[String]) -> Result<Vec<OrderRow>> {
    Ok(gift_orders::table
        .filter(gift_orders::donation_id.eq_any(donation_ids))
        .select(OrderRow::as_select())
        .load(conn)?)
}

macro_rules! filtered {
    ($query:expr, $scope:expr, $filter:expr) => {{
        let mut query = $query;
        match $scope {
            OrderScope::Vendor(vendor) => {
                query = query.filter(gift_orders::vendor_id.eq(vendor.clone()));
            }
            OrderScope::Staff => {
                if let Some(vendor) = &$filter.vendor_id {
                    query = query.filter(gift_orders::vendor_id.eq(vendor.clone()));
                }
            }
        }
        if let Some(status) = $filter.status {
            query = query.filter(gift_orders::status.eq(status));
        }
        if $filter.attention {
            query = query.filter(gift_orders::attention.is_not_null());
        }
        query
    }};
}

/// A page of orders, oldest first (the order they should be shipped in), and the total.
pub fn list(
    conn: &mut DbConnection,
    scope: &OrderScope,
    filter: &OrderFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<OrderRecord>, i64)> {
    let total: i64 = filtered!(gift_orders::table.into_boxed(), scope, filter)
        .count()
        .get_result(conn)?;
    let rows: Vec<RecordTuple> = filtered!(records!(), scope, filter)
        .order((gift_orders::created_at.asc(), gift_orders::id.asc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows.into_iter().map(record).collect(), total))
}

/// Every order of the filter (exports: bounded by what a vendor has open).
pub fn all(
    conn: &mut DbConnection,
    scope: &OrderScope,
    filter: &OrderFilter,
) -> Result<Vec<OrderRecord>> {
    let rows: Vec<RecordTuple> = filtered!(records!(), scope, filter)
        .order((gift_orders::created_at.asc(), gift_orders::id.asc()))
        .load(conn)?;
    Ok(rows.into_iter().map(record).collect())
}

/// Orders of one vendor shipped between two Japan dates (inclusive), by shipping date.
pub fn shipped_between(
    conn: &mut DbConnection,
    vendor_id: &str,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<OrderRecord>> {
    let rows: Vec<RecordTuple> = records!()
        .filter(gift_orders::vendor_id.eq(vendor_id.to_owned()))
        .filter(gift_orders::shipped_on.between(first, last))
        .order((gift_orders::shipped_on.asc(), gift_orders::id.asc()))
        .load(conn)?;
    Ok(rows.into_iter().map(record).collect())
}

/// Records something staff must resolve, without changing the order's state.
pub fn flag(conn: &mut DbConnection, id: &str, note: &str) -> Result<()> {
    diesel::update(gift_orders::table.filter(gift_orders::id.eq(id)))
        .set((
            gift_orders::attention.eq(Some(note)),
            gift_orders::updated_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The delivery details of a donation, if the donor gave any.
pub fn delivery_of(conn: &mut DbConnection, donation_id: &str) -> Result<Option<DeliveryRow>> {
    Ok(deliveries::table
        .filter(deliveries::donation_id.eq(donation_id))
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()?)
}
