//! The gift writes: `create`, `update` and `suspend`. Each checks the 30% rule and the wording rule
//! on the gift as it would be after the change, and records the audit entry, in the caller's
//! write transaction. The caller drops the public catalogue cache afterwards.

use uuid::Uuid;

use super::approval;
use super::rule_error;
use super::store::{self, GiftRow};
use super::types::{AdminGift, GiftPatch, NewGiftRequest};
use crate::audit;
use crate::config::Settings;
use crate::db::{now, DbConnection};
use crate::domain::gift::{GiftRuleError, GiftStatus};
use crate::domain::gift_approval::{action_for, may_change_reviewed, ApprovalRefusal};
use crate::domain::text::nfkc;
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
    let basis_errors = row.basis().check_shape();
    match row.terms().check(&settings.catalogue.prohibited_words) {
        Err(GiftRuleError::Invalid(mut fields)) => {
            fields.extend(basis_errors);
            Err(Error::Validation(fields))
        }
        Err(e) => Err(rule_error(e, row.amount)),
        Ok(()) if !basis_errors.is_empty() => Err(Error::Validation(basis_errors)),
        Ok(()) => Ok(()),
    }
}

/// A basis text as stored: trimmed, line breaks as `\n`, nothing for an empty one (so a form's
/// CRLF or trailing space is not a change of an approved basis).
fn basis_text(text: Option<String>) -> Option<String> {
    text.map(|t| t.replace("\r\n", "\n").trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// A gift starts as a draft: only the basis approval leads to the catalogue.
fn starting_status(asked: Option<GiftStatus>) -> Result<GiftStatus> {
    match asked {
        None | Some(GiftStatus::Draft) => Ok(GiftStatus::Draft),
        Some(GiftStatus::Published) => Err(approval::refusal(ApprovalRefusal::BasisNotApproved)),
        Some(_) => Err(Error::rejected(
            ErrorCode::GiftStateConflict,
            "A new gift starts as a draft; its basis is then submitted and approved.",
        )),
    }
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
        // A label donors search and portals match: one width (docs/domain.md, "Text").
        name: nfkc(&b.name).trim().to_owned(),
        description: b.description,
        category: b.category,
        amount: b.amount,
        procurement_cost: b.procurement_cost,
        shipping_cost: b.shipping_cost,
        vendor_id: b.vendor_id,
        stock: b.stock,
        available_from: b.available_from,
        available_until: b.available_until,
        status: GiftStatus::Draft,
        image_url: b.image_url,
        created_at: at,
        updated_at: at,
        accepts_delivery_window: b.accepts_delivery_window,
        basis_criterion: b.basis_criterion,
        basis_justification: basis_text(b.basis_justification),
        basis_evidence: basis_text(b.basis_evidence),
        basis_submitted_by: None,
        basis_approved_by: None,
        basis_approved_at: None,
    };
    check_rules(settings, &row)?;
    starting_status(b.status)?;
    let vendor = store::require_vendor(conn, &row.vendor_id)?;
    store::insert_gift(conn, &row)?;
    changed(conn, actor_id, "create", None, row.admin(&vendor))
}

/// The gift as it would be after the change: only the fields present replace the gift's.
fn apply_patch(row: GiftRow, p: GiftPatch) -> GiftRow {
    let trimmed = |v: String| v.trim().to_owned();
    GiftRow {
        code: p.code.map_or(row.code, trimmed),
        name: p.name.map_or(row.name, |n| nfkc(&n).trim().to_owned()),
        description: p.description.unwrap_or(row.description),
        category: p.category.unwrap_or(row.category),
        amount: p.amount.unwrap_or(row.amount),
        procurement_cost: p.procurement_cost.unwrap_or(row.procurement_cost),
        shipping_cost: p.shipping_cost.unwrap_or(row.shipping_cost),
        vendor_id: p.vendor_id.unwrap_or(row.vendor_id),
        stock: p.stock.unwrap_or(row.stock),
        available_from: p.available_from.unwrap_or(row.available_from),
        available_until: p.available_until.unwrap_or(row.available_until),
        basis_criterion: p.basis_criterion.unwrap_or(row.basis_criterion),
        basis_justification: p
            .basis_justification
            .map_or(row.basis_justification, basis_text),
        basis_evidence: p.basis_evidence.map_or(row.basis_evidence, basis_text),
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
    // A plain change of `status` is one of the approval's actions, checked as such.
    let action = match patch.status {
        Some(to) if to != before.status => {
            Some(action_for(before.status, to).ok_or_else(|| {
                approval::refusal(if to == GiftStatus::Published {
                    ApprovalRefusal::BasisNotApproved
                } else {
                    ApprovalRefusal::NotFrom {
                        status: before.status,
                    }
                })
            })?)
        }
        _ => None,
    };
    let mut after = apply_patch(before.clone(), patch);
    check_rules(settings, &after)?;
    if before.status == GiftStatus::Withdrawn {
        return Err(Error::rejected(
            ErrorCode::GiftStateConflict,
            "A withdrawn gift cannot be changed.",
        ));
    }
    if !may_change_reviewed(before.status, &before.reviewed(), &after.reviewed()) {
        return Err(Error::rejected(
            ErrorCode::GiftStateConflict,
            "The basis, vendor and category were submitted or approved as they are; reopen the gift as a draft to change them.",
        ));
    }
    if let Some(action) = action {
        approval::apply(settings, actor_id, action, &mut after)?;
    }
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
        Some(before.admin(&before_vendor)),
        after.admin(&vendor),
    )
}

/// Takes a published gift off offer (nothing is ever deleted: past donations refer to it); a
/// gift that is not public stays as it is.
pub fn suspend(conn: &mut DbConnection, actor_id: &str, id: &str) -> Result<AdminGift> {
    let (before, vendor) = store::find_gift(conn, id)?.ok_or_else(gift_not_found)?;
    if before.status != GiftStatus::Published {
        return Ok(before.admin(&vendor));
    }
    let mut after = before.clone();
    after.status = GiftStatus::Suspended;
    after.updated_at = now();
    store::update_gift(conn, &after)?;
    changed(
        conn,
        actor_id,
        "suspend",
        Some(before.admin(&vendor)),
        after.admin(&vendor),
    )
}

/// Records a change to a gift in the audit log (its admin view before, none for a new gift, and
/// after) and answers the view after.
fn changed(
    conn: &mut DbConnection,
    actor_id: &str,
    action: &str,
    before: Option<AdminGift>,
    after: AdminGift,
) -> Result<AdminGift> {
    let id = after.public.id.clone();
    audit::record(
        conn,
        Some(actor_id),
        action,
        "gift",
        &id,
        before.as_ref(),
        Some(&after),
    )?;
    Ok(after)
}
