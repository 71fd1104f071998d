//! `catalogue::approval::act`: a staff action on a gift's way to the catalogue (submit, approve,
//! send back, publish, suspend, reopen, withdraw), checked by `domain::gift_approval` and
//! recorded in the audit log with its note, in the caller's write transaction.

use super::gifts::gift_not_found;
use super::store::{self, GiftRow};
use super::types::AdminGift;
use crate::audit;
use crate::config::Settings;
use crate::db::{now, DbConnection};
use crate::domain::gift_approval::{check_action, ApprovalRefusal, GiftAction, Reviewer};
use crate::error::{Error, ErrorCode, Result};

/// The answer to a refused action.
pub fn refusal(r: ApprovalRefusal) -> Error {
    match r {
        ApprovalRefusal::NotFrom { status } => Error::rejected(
            ErrorCode::GiftStateConflict,
            format!("This cannot be done to a gift that is {}.", status.as_str()),
        ),
        ApprovalRefusal::BasisNotApproved => Error::rejected(
            ErrorCode::BasisNotApproved,
            "A gift is published only with an approved 地場産品 basis: submit its basis and have it approved first.",
        ),
        ApprovalRefusal::BasisIncomplete(fields) => Error::Validation(fields),
        ApprovalRefusal::SameApprover => Error::rejected(
            ErrorCode::ApprovalBySubmitter,
            "A basis is approved by someone other than the one who submitted it.",
        ),
    }
}

/// Applies `action` to the gift as it will be saved: its state, and who submitted or approved.
pub fn apply(
    settings: &Settings,
    actor_id: &str,
    action: GiftAction,
    row: &mut GiftRow,
) -> Result<()> {
    let reviewer = Reviewer {
        actor_id,
        submitted_by: row.basis_submitted_by.as_deref(),
        approver_must_differ: settings.catalogue.approver_must_differ,
    };
    let to = check_action(action, row.status, &row.basis(), &reviewer).map_err(refusal)?;
    let at = now();
    match action {
        GiftAction::Submit => row.basis_submitted_by = Some(actor_id.to_owned()),
        GiftAction::Approve => {
            row.basis_approved_by = Some(actor_id.to_owned());
            row.basis_approved_at = Some(at);
        }
        GiftAction::SendBack | GiftAction::Reopen => {
            row.basis_submitted_by = None;
            row.basis_approved_by = None;
            row.basis_approved_at = None;
        }
        GiftAction::Publish | GiftAction::Suspend | GiftAction::Withdraw => {}
    }
    row.status = to;
    row.updated_at = at;
    Ok(())
}

/// Takes `action` on a gift; `note` (why) is required to send back or withdraw.
pub fn act(
    conn: &mut DbConnection,
    settings: &Settings,
    actor_id: &str,
    id: &str,
    action: GiftAction,
    note: &str,
) -> Result<AdminGift> {
    let note = note.trim();
    if note.chars().count() > 500 {
        return Err(Error::field("note", "must be at most 500 characters"));
    }
    if note.is_empty() && matches!(action, GiftAction::SendBack | GiftAction::Withdraw) {
        return Err(Error::field(
            "note",
            "say why, for the one who submitted it",
        ));
    }
    let (before, vendor) = store::find_gift(conn, id)?.ok_or_else(gift_not_found)?;
    let mut after = before.clone();
    apply(settings, actor_id, action, &mut after)?;
    store::update_gift(conn, &after)?;
    let view = after.admin(&vendor);
    let record = Acted {
        note: (!note.is_empty()).then_some(note),
        gift: &view,
    };
    audit::record(
        conn,
        Some(actor_id),
        action.as_str(),
        "gift",
        id,
        Some(&before.admin(&vendor)),
        Some(&record),
    )?;
    Ok(view)
}

/// What the audit log keeps of an action: the gift after it, and why.
#[derive(serde::Serialize)]
struct Acted<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    #[serde(flatten)]
    gift: &'a AdminGift,
}
