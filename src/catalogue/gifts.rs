//! The gift writes: `create`, `update` and `suspend`. Each checks the 30% rule and the wording rule
//! on the gift as it would be after the change, and records the audit entry, in the caller's
//! write transaction. The caller drops the public catalogue cache afterwards.

use uuid::Uuid;

use super::rule_error;
use super::store::{self, GiftRow};
use super::types::{AdminGift, GiftPatch, NewGiftRequest};
use crate::audit;
use crate::config::Settings;
use crate::db::{now, DbConnection};
use crate::domain::gift::GiftStatus;
use crate::error::{Error, ErrorCode, Result};

pub fn gift_not_found() -> Error {
    Error::rejected(ErrorCode::GiftNotFound, "No gift with this id.")
}

/// One gift as staff see it, with its pictures.
pub fn admin_view(conn: &mut DbConnection, id: &str) -> Result<AdminGift> {
    let (gift, vendor) = store::find_gift(conn, id)?.ok_or_else(gift_not_found)?;
    let mut view = gift.admin(&vendor);
    view.public.images = super::images::of_gifts(conn, &[id])?
        .remove(id)
        .unwrap_or_default();
    Ok(view)
}

fn check_rules(settings: &Settings, row: &GiftRow) -> Result<()> {
    row.terms()
        .check(&settings.catalogue.prohibited_words)
        .map_err(|e| rule_error(e, row.amount))
}

/// Adds a gift to the catalogue (as a draft unless a status is given).
pub fn create(
    conn: &mut DbConnection,
    settings: &Settings,
    actor_id: &str,
    b: NewGiftRequest,
) -> Result<AdminGift> {
    let at = now();
    let row = GiftRow {
        id: Uuid::new_v4().to_string(),
        code: b.code.trim().to_owned(),
        name: b.name.trim().to_owned(),
        description: b.description,
        category: b.category,
        amount: b.amount,
        procurement_cost: b.procurement_cost,
        shipping_cost: b.shipping_cost,
        vendor_id: b.vendor_id,
        stock: b.stock,
        available_from: b.available_from,
        available_until: b.available_until,
        status: b.status.unwrap_or(GiftStatus::Draft),
        local_basis: b.local_basis,
        image_url: b.image_url,
        created_at: at,
        updated_at: at,
        accepts_delivery_window: b.accepts_delivery_window,
    };
    check_rules(settings, &row)?;
    let vendor = store::require_vendor(conn, &row.vendor_id)?;
    store::insert_gift(conn, &row)?;
    let view = row.admin(&vendor);
    audit::record(
        conn,
        Some(actor_id),
        "create",
        "gift",
        &row.id,
        None::<&()>,
        Some(&view),
    )?;
    Ok(view)
}

/// The gift as it would be after the change: only the fields present replace the gift's.
fn apply_patch(row: GiftRow, p: GiftPatch) -> GiftRow {
    let trimmed = |v: String| v.trim().to_owned();
    GiftRow {
        code: p.code.map_or(row.code, trimmed),
        name: p.name.map_or(row.name, trimmed),
        description: p.description.unwrap_or(row.description),
        category: p.category.unwrap_or(row.category),
        amount: p.amount.unwrap_or(row.amount),
        procurement_cost: p.procurement_cost.unwrap_or(row.procurement_cost),
        shipping_cost: p.shipping_cost.unwrap_or(row.shipping_cost),
        vendor_id: p.vendor_id.unwrap_or(row.vendor_id),
        stock: p.stock.unwrap_or(row.stock),
        available_from: p.available_from.unwrap_or(row.available_from),
        available_until: p.available_until.unwrap_or(row.available_until),
        status: p.status.unwrap_or(row.status),
        local_basis: p.local_basis.unwrap_or(row.local_basis),
        image_url: p.image_url.unwrap_or(row.image_url),
        accepts_delivery_window: p
            .accepts_delivery_window
            .unwrap_or(row.accepts_delivery_window),
        updated_at: now(),
        ..row
    }
}

/// Changes a gift; a stock change is applied as given, other fields merge over the gift.
pub fn update(
    conn: &mut DbConnection,
    settings: &Settings,
    actor_id: &str,
    id: &str,
    patch: GiftPatch,
) -> Result<AdminGift> {
    let (before, before_vendor) = store::find_gift(conn, id)?.ok_or_else(gift_not_found)?;
    let stock_change = patch.stock;
    let after = apply_patch(before.clone(), patch);
    check_rules(settings, &after)?;
    let vendor = if after.vendor_id == before.vendor_id {
        before_vendor.clone()
    } else {
        store::require_vendor(conn, &after.vendor_id)?
    };
    store::update_gift(conn, &after)?;
    if let Some(stock) = stock_change {
        store::set_stock(conn, id, stock)?;
    }
    // Read back: stock may have moved under concurrent donations.
    let (after, _) = store::find_gift(conn, id)?.ok_or_else(gift_not_found)?;
    changed(
        conn,
        actor_id,
        "update",
        before.admin(&before_vendor),
        after.admin(&vendor),
    )
}

/// Takes a gift off offer (nothing is ever deleted: past donations refer to it).
pub fn suspend(conn: &mut DbConnection, actor_id: &str, id: &str) -> Result<AdminGift> {
    let (before, vendor) = store::find_gift(conn, id)?.ok_or_else(gift_not_found)?;
    let mut after = before.clone();
    after.status = GiftStatus::Suspended;
    after.updated_at = now();
    store::update_gift(conn, &after)?;
    changed(
        conn,
        actor_id,
        "suspend",
        before.admin(&vendor),
        after.admin(&vendor),
    )
}

/// Records a change to a gift in the audit log (its admin view before and after) and answers
/// the view after.
fn changed(
    conn: &mut DbConnection,
    actor_id: &str,
    action: &str,
    before: AdminGift,
    after: AdminGift,
) -> Result<AdminGift> {
    let id = after.public.id.clone();
    audit::record(
        conn,
        Some(actor_id),
        action,
        "gift",
        &id,
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}
