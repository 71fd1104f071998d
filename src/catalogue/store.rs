//! Catalogue queries: gifts, organisations, purposes, businesses, the catalogue version.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::types::{AdminGift, Business, NamedItem, PublicGift, PublicPartner, VendorRef};
use crate::db::schema::{businesses, catalogue_version, donations, gifts, organizations, purposes};
use crate::db::{is_unique_violation, now, DbConnection};
use crate::domain::donation::DonationStatus;
use crate::domain::gift::{Category, GiftStatus, GiftTerms};
use crate::domain::gift_approval::{LocalBasis, Reviewed};
use crate::error::{Error, ErrorCode, Result};

/// A gift as stored. Updates write every term but never `stock` (donations change it
/// concurrently; it is only set on purpose, with `set_stock`) nor `id`/`created_at`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = gifts, treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct GiftRow {
    #[diesel(skip_update)]
    pub id: String,
    pub code: String,
    pub name: String,
    pub description: String,
    pub category: Category,
    pub amount: i64,
    pub procurement_cost: i64,
    pub shipping_cost: i64,
    pub vendor_id: String,
    #[diesel(skip_update)]
    pub stock: Option<i64>,
    pub available_from: Option<NaiveDate>,
    pub available_until: Option<NaiveDate>,
    pub status: GiftStatus,
    pub image_url: Option<String>,
    #[diesel(skip_update)]
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// A donor may ask for a delivery time slot (時間帯指定).
    pub accepts_delivery_window: bool,
    /// 地場産品基準: the criterion of 告示第5条, why the gift meets it, and what shows it.
    pub basis_criterion: Option<i32>,
    pub basis_justification: Option<String>,
    pub basis_evidence: Option<String>,
    pub basis_submitted_by: Option<String>,
    pub basis_approved_by: Option<String>,
    pub basis_approved_at: Option<NaiveDateTime>,
}

impl GiftRow {
    pub fn terms(&self) -> GiftTerms {
        GiftTerms {
            code: self.code.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            amount: self.amount,
            procurement_cost: self.procurement_cost,
            shipping_cost: self.shipping_cost,
            stock: self.stock,
            available_from: self.available_from,
            available_until: self.available_until,
            image_url: self.image_url.clone(),
        }
    }

    pub fn basis(&self) -> LocalBasis {
        LocalBasis {
            criterion: self.basis_criterion,
            justification: self.basis_justification.clone(),
            evidence: self.basis_evidence.clone(),
        }
    }

    /// What the basis approval looked at.
    pub fn reviewed(&self) -> Reviewed<'_> {
        Reviewed {
            basis: self.basis(),
            vendor_id: &self.vendor_id,
            category: self.category,
        }
    }

    /// Published and inside its availability window on the given Japan date.
    pub fn is_offered_on(&self, today: NaiveDate) -> bool {
        crate::domain::gift::is_offered_on(
            self.status,
            self.available_from,
            self.available_until,
            today,
        )
    }

    pub fn public(&self, vendor_name: &str) -> PublicGift {
        PublicGift {
            id: self.id.clone(),
            code: self.code.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            category: self.category,
            amount: self.amount,
            vendor: VendorRef {
                id: self.vendor_id.clone(),
                name: vendor_name.to_owned(),
            },
            stock_remaining: self.stock,
            available_from: self.available_from,
            available_until: self.available_until,
            image_url: self.image_url.clone(),
            images: Vec::new(),
            fulfilment: self.category.fulfilment(),
            accepts_delivery_window: self.accepts_delivery_window,
        }
    }

    pub fn admin(&self, vendor_name: &str) -> AdminGift {
        AdminGift {
            public: self.public(vendor_name),
            procurement_cost: self.procurement_cost,
            shipping_cost: self.shipping_cost,
            stock: self.stock,
            status: self.status,
            basis_criterion: self.basis_criterion,
            basis_criterion_label: self
                .basis_criterion
                .and_then(crate::domain::gift_approval::criterion_label),
            basis_justification: self.basis_justification.clone(),
            basis_evidence: self.basis_evidence.clone(),
            basis_approved_at: self.basis_approved_at.map(|t| t.and_utc()),
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        }
    }
}

/// Public catalogue filters, already validated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PublicFilter {
    pub category: Option<Category>,
    pub min_amount: Option<i64>,
    pub max_amount: Option<i64>,
    pub in_stock: Option<bool>,
}

/// Every published gift offered on `today` that matches the filter, with its vendor's name.
/// Keywords are matched by the caller (`catalogue::browse`): kana and width folding is not SQL.
pub fn offered_gifts(
    conn: &mut DbConnection,
    filter: &PublicFilter,
    today: NaiveDate,
) -> Result<Vec<(GiftRow, String)>> {
    let mut query = gifts::table
        .inner_join(businesses::table)
        .filter(gifts::status.eq(GiftStatus::Published))
        .filter(
            gifts::available_from
                .is_null()
                .or(gifts::available_from.le(today)),
        )
        .filter(
            gifts::available_until
                .is_null()
                .or(gifts::available_until.ge(today)),
        )
        .select((GiftRow::as_select(), businesses::name))
        .into_boxed();
    if let Some(category) = filter.category {
        query = query.filter(gifts::category.eq(category));
    }
    if let Some(min) = filter.min_amount {
        query = query.filter(gifts::amount.ge(min));
    }
    if let Some(max) = filter.max_amount {
        query = query.filter(gifts::amount.le(max));
    }
    match filter.in_stock {
        Some(true) => query = query.filter(gifts::stock.is_null().or(gifts::stock.gt(0))),
        Some(false) => query = query.filter(gifts::stock.eq(0)),
        None => {}
    }
    Ok(query.order(gifts::code.asc()).load(conn)?)
}

/// Paid donations per gift since the given instant (for the `popular` sort).
pub fn popularity(conn: &mut DbConnection, since: NaiveDateTime) -> Result<HashMap<String, i64>> {
    let rows: Vec<(Option<String>, i64)> = donations::table
        .filter(donations::status.eq(DonationStatus::Paid))
        .filter(donations::gift_id.is_not_null())
        .filter(donations::paid_at.ge(since))
        .group_by(donations::gift_id)
        .select((donations::gift_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n)| id.map(|id| (id, n)))
        .collect())
}

pub fn popularity_window_start() -> NaiveDateTime {
    now() - Duration::days(90)
}

pub fn find_gift(conn: &mut DbConnection, id: &str) -> Result<Option<(GiftRow, String)>> {
    Ok(gifts::table
        .inner_join(businesses::table)
        .filter(gifts::id.eq(id))
        .select((GiftRow::as_select(), businesses::name))
        .first(conn)
        .optional()?)
}

pub fn admin_gifts(
    conn: &mut DbConnection,
    status: Option<GiftStatus>,
    category: Option<Category>,
    vendor_id: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<(GiftRow, String)>, i64)> {
    let build = || {
        let mut q = gifts::table.inner_join(businesses::table).into_boxed();
        if let Some(s) = status {
            q = q.filter(gifts::status.eq(s));
        }
        if let Some(c) = category {
            q = q.filter(gifts::category.eq(c));
        }
        if let Some(v) = vendor_id {
            q = q.filter(gifts::vendor_id.eq(v.to_owned()));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows = build()
        .select((GiftRow::as_select(), businesses::name))
        .order(gifts::code.asc())
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

fn code_taken(e: diesel::result::Error) -> Error {
    if is_unique_violation(&e) {
        Error::rejected(
            ErrorCode::GiftCodeTaken,
            "Another gift already uses this code.",
        )
    } else {
        e.into()
    }
}

/// The vendor must be an existing business marked as a vendor.
pub fn require_vendor(conn: &mut DbConnection, vendor_id: &str) -> Result<String> {
    let vendor: Option<(String, bool)> = businesses::table
        .filter(businesses::id.eq(vendor_id))
        .select((businesses::name, businesses::is_vendor))
        .first(conn)
        .optional()?;
    match vendor {
        Some((name, true)) => Ok(name),
        _ => Err(Error::field(
            "vendor_id",
            "must be the id of a vendor business",
        )),
    }
}

pub fn insert_gift(conn: &mut DbConnection, row: &GiftRow) -> Result<()> {
    diesel::insert_into(gifts::table)
        .values(row)
        .execute(conn)
        .map_err(code_taken)?;
    bump_version(conn)
}

/// Writes a gift's terms (see `GiftRow` for what an update leaves alone).
pub fn update_gift(conn: &mut DbConnection, row: &GiftRow) -> Result<()> {
    diesel::update(gifts::table.filter(gifts::id.eq(&row.id)))
        .set(row)
        .execute(conn)
        .map_err(code_taken)?;
    bump_version(conn)
}

/// Sets a gift's stock to a count staff entered (`None` = unlimited).
pub fn set_stock(conn: &mut DbConnection, id: &str, stock: Option<i64>) -> Result<()> {
    diesel::update(gifts::table.filter(gifts::id.eq(id)))
        .set(gifts::stock.eq(stock))
        .execute(conn)?;
    Ok(())
}

/// Every catalogue write bumps the shared version, inside the writer's transaction.
pub fn bump_version(conn: &mut DbConnection) -> Result<()> {
    diesel::update(catalogue_version::table.filter(catalogue_version::id.eq(1)))
        .set(catalogue_version::version.eq(catalogue_version::version + 1))
        .execute(conn)?;
    Ok(())
}

pub fn current_version(conn: &mut DbConnection) -> Result<i64> {
    Ok(catalogue_version::table
        .filter(catalogue_version::id.eq(1))
        .select(catalogue_version::version)
        .first(conn)?)
}

// Organisations and usage purposes share one shape; this generates the same queries for both.
macro_rules! named_items {
    ($module:ident, $table:ident, $taken:expr) => {
        pub mod $module {
            use super::*;

            type Row = (String, String, String, bool);

            fn name_taken(e: diesel::result::Error) -> Error {
                if is_unique_violation(&e) {
                    Error::rejected($taken, "An entry with this name already exists.")
                } else {
                    e.into()
                }
            }

            fn item((id, name, description, active): Row) -> NamedItem {
                NamedItem {
                    id,
                    name,
                    description,
                    active,
                }
            }

            pub fn list(
                conn: &mut DbConnection,
                active_only: bool,
                offset: i64,
                limit: i64,
            ) -> Result<(Vec<NamedItem>, i64)> {
                let build = || {
                    let mut q = $table::table.into_boxed();
                    if active_only {
                        q = q.filter($table::active.eq(true));
                    }
                    q
                };
                let total: i64 = build().count().get_result(conn)?;
                let rows: Vec<Row> = build()
                    .select((
                        $table::id,
                        $table::name,
                        $table::description,
                        $table::active,
                    ))
                    .order($table::name.asc())
                    .offset(offset)
                    .limit(limit)
                    .load(conn)?;
                Ok((rows.into_iter().map(item).collect(), total))
            }

            pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<NamedItem>> {
                let row: Option<Row> = $table::table
                    .filter($table::id.eq(id))
                    .select((
                        $table::id,
                        $table::name,
                        $table::description,
                        $table::active,
                    ))
                    .first(conn)
                    .optional()?;
                Ok(row.map(item))
            }

            /// Every entry's id and name, active or not.
            pub fn names(conn: &mut DbConnection) -> Result<Vec<(String, String)>> {
                Ok($table::table
                    .select(($table::id, $table::name))
                    .load(conn)?)
            }

            pub fn insert(
                conn: &mut DbConnection,
                name: &str,
                description: &str,
            ) -> Result<NamedItem> {
                let id = Uuid::new_v4().to_string();
                let at = now();
                diesel::insert_into($table::table)
                    .values((
                        $table::id.eq(&id),
                        $table::name.eq(name),
                        $table::description.eq(description),
                        $table::active.eq(true),
                        $table::created_at.eq(at),
                        $table::updated_at.eq(at),
                    ))
                    .execute(conn)
                    .map_err(name_taken)?;
                bump_version(conn)?;
                Ok(NamedItem {
                    id,
                    name: name.to_owned(),
                    description: description.to_owned(),
                    active: true,
                })
            }

            pub fn update(conn: &mut DbConnection, item: &NamedItem) -> Result<()> {
                diesel::update($table::table.filter($table::id.eq(&item.id)))
                    .set((
                        $table::name.eq(&item.name),
                        $table::description.eq(&item.description),
                        $table::active.eq(item.active),
                        $table::updated_at.eq(now()),
                    ))
                    .execute(conn)
                    .map_err(name_taken)?;
                bump_version(conn)
            }
        }
    };
}

named_items!(
    organization_store,
    organizations,
    ErrorCode::OrganizationNameTaken
);
named_items!(purpose_store, purposes, ErrorCode::PurposeNameTaken);

pub fn find_business(conn: &mut DbConnection, id: &str) -> Result<Option<Business>> {
    Ok(businesses::table
        .filter(businesses::id.eq(id))
        .select(Business::as_select())
        .first(conn)
        .optional()?)
}

/// Which businesses a list shows.
#[derive(Debug, Clone, Copy)]
pub enum BusinessList {
    All,
    /// Voucher partners, active or not (staff).
    Partners,
    /// Active voucher partners: the shops where donors can use vouchers (public).
    ActivePartners,
}

/// Businesses by name.
pub fn list_businesses(
    conn: &mut DbConnection,
    list: BusinessList,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Business>, i64)> {
    let build = || {
        let mut q = businesses::table.into_boxed();
        if matches!(list, BusinessList::Partners | BusinessList::ActivePartners) {
            q = q.filter(businesses::is_partner.eq(true));
        }
        if matches!(list, BusinessList::ActivePartners) {
            q = q.filter(businesses::active.eq(true));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows = build()
        .select(Business::as_select())
        .order(businesses::name.asc())
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// The shops where on-site vouchers can be used, by name.
pub fn public_partners(
    conn: &mut DbConnection,
    offset: i64,
    limit: i64,
) -> Result<(Vec<PublicPartner>, i64)> {
    let (rows, total) = list_businesses(conn, BusinessList::ActivePartners, offset, limit)?;
    Ok((rows.into_iter().map(PublicPartner::from).collect(), total))
}

pub fn insert_business(conn: &mut DbConnection, b: &Business) -> Result<()> {
    let at = now();
    diesel::insert_into(businesses::table)
        .values((
            b,
            businesses::created_at.eq(at),
            businesses::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn update_business(conn: &mut DbConnection, b: &Business) -> Result<()> {
    diesel::update(businesses::table.filter(businesses::id.eq(&b.id)))
        .set((b, businesses::updated_at.eq(now())))
        .execute(conn)?;
    // Vendor names appear in public gift responses.
    bump_version(conn)
}
