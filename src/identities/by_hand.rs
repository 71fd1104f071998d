//! Staff correct matching by hand: merge two identities that are one person, or split donations
//! off an identity that are another's. The donations moved are `pinned`, a record that staff
//! placed them; matching never moves a linked donation either way. A merge moves the absorbed
//! identity's one-stop applications too; a split leaves them where they are. Each change is
//! audited with identity, donation and application ids only, never the donor's details.

use diesel::prelude::*;
use serde::Serialize;

use super::matching::take_turn;
use super::store::{self, identity_not_found};
use super::views::{self, IdentityView};
use crate::db::schema::{donor_identities, donor_identity_links};
use crate::db::{now, DbConnection};
use crate::domain::one_stop::merge_clash;
use crate::error::{Error, ErrorCode, Result};
use crate::one_stop::store::{move_to_identity, open_tax_years};

const ENTITY: &str = "donor_identity";
/// Donations one split may name.
const SPLIT_MAX: usize = 1_000;

/// An identity in the audit log: ids only.
#[derive(Serialize)]
struct AuditedIdentity {
    id: String,
    merged_into: Option<String>,
    donation_ids: Vec<String>,
}

#[derive(Serialize)]
struct Audited {
    identities: Vec<AuditedIdentity>,
    /// After a merge: the one-stop applications that moved to the kept identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    moved_one_stop_application_ids: Option<Vec<String>>,
}

impl Audited {
    fn of(identities: Vec<AuditedIdentity>) -> Audited {
        Audited {
            identities,
            moved_one_stop_application_ids: None,
        }
    }
}

fn audited(conn: &mut DbConnection, id: &str) -> Result<AuditedIdentity> {
    Ok(AuditedIdentity {
        id: id.to_owned(),
        merged_into: store::merged_into(conn, id)?.flatten(),
        donation_ids: store::donation_ids(conn, id)?,
    })
}

/// Refuses an unknown identity (404) and one already merged (409).
fn require_live(conn: &mut DbConnection, id: &str) -> Result<()> {
    match store::merged_into(conn, id)? {
        None => Err(identity_not_found()),
        Some(Some(_)) => Err(Error::rejected(
            ErrorCode::IdentityMerged,
            "This identity was merged into another; use that one.",
        )),
        Some(None) => Ok(()),
    }
}

/// Merges identity `other` into `id`: every donation of `other` moves to `id` (pinned), so does
/// every one-stop application of `other`, and `other` (and any identity merged into it before)
/// now resolves to `id`. Refused (`409 one_stop_application_exists`) while both have an open
/// application for one tax year: staff withdraw one first. Returns `id`'s view.
pub fn merge(conn: &mut DbConnection, actor: &str, id: &str, other: &str) -> Result<IdentityView> {
    if id == other {
        return Err(Error::field(
            "identity_id",
            "must be another identity than the one merged into",
        ));
    }
    take_turn(conn)?;
    require_live(conn, id)?;
    require_live(conn, other)?;
    // One person has one open application a year; which one stands is for staff to decide.
    if let Some(year) = merge_clash(&open_tax_years(conn, id)?, &open_tax_years(conn, other)?) {
        return Err(Error::rejected(
            ErrorCode::OneStopApplicationExists,
            format!(
                "Both identities have an open one-stop application for tax year {year}; \
                 withdraw one of them before merging."
            ),
        ));
    }
    let before = Audited::of(vec![audited(conn, id)?, audited(conn, other)?]);
    let at = now();
    diesel::update(donor_identity_links::table.filter(donor_identity_links::identity_id.eq(other)))
        .set((
            donor_identity_links::identity_id.eq(id),
            donor_identity_links::pinned.eq(true),
        ))
        .execute(conn)?;
    // Applications follow the donations, so they too name live identities only.
    let moved = move_to_identity(conn, other, id, at)?;
    // Straight at the live identity, so every old id resolves in one step.
    diesel::update(
        donor_identities::table.filter(
            donor_identities::id
                .eq(other)
                .or(donor_identities::merged_into.eq(other)),
        ),
    )
    .set((
        donor_identities::merged_into.eq(id),
        donor_identities::updated_at.eq(at),
    ))
    .execute(conn)?;
    touch(conn, id, at)?;
    let after = Audited {
        identities: vec![audited(conn, id)?, audited(conn, other)?],
        moved_one_stop_application_ids: Some(moved),
    };
    crate::audit::record(
        conn,
        Some(actor),
        "identity.merge",
        ENTITY,
        id,
        Some(&before),
        Some(&after),
    )?;
    views::view(conn, id)
}

/// Moves `donation_ids`, each a donation of identity `id` and not all of them, to a new
/// identity (pinned). One-stop applications stay with `id` (which donation an application
/// names is not kept). Returns the new identity's view.
pub fn split(
    conn: &mut DbConnection,
    actor: &str,
    id: &str,
    donation_ids: &[String],
) -> Result<IdentityView> {
    let mut asked: Vec<&str> = donation_ids.iter().map(String::as_str).collect();
    asked.sort_unstable();
    asked.dedup();
    if asked.is_empty() {
        return Err(Error::field(
            "donation_ids",
            "must name at least one donation",
        ));
    }
    if asked.len() > SPLIT_MAX {
        return Err(Error::field(
            "donation_ids",
            format!("must name at most {SPLIT_MAX} donations"),
        ));
    }
    take_turn(conn)?;
    require_live(conn, id)?;
    let before = audited(conn, id)?;
    if let Some(foreign) = asked
        .iter()
        .find(|d| !before.donation_ids.iter().any(|own| own == **d))
    {
        return Err(Error::field(
            "donation_ids",
            format!("must be donations of this identity; {foreign} is not"),
        ));
    }
    if asked.len() == before.donation_ids.len() {
        return Err(Error::field(
            "donation_ids",
            "must leave at least one donation with this identity",
        ));
    }
    let at = now();
    let new_id = uuid::Uuid::new_v4().to_string();
    store::insert_identity(conn, &new_id, at)?;
    diesel::update(
        donor_identity_links::table
            .filter(donor_identity_links::identity_id.eq(id))
            .filter(donor_identity_links::donation_id.eq_any(asked)),
    )
    .set((
        donor_identity_links::identity_id.eq(&new_id),
        donor_identity_links::pinned.eq(true),
    ))
    .execute(conn)?;
    touch(conn, id, at)?;
    let after = Audited::of(vec![audited(conn, id)?, audited(conn, &new_id)?]);
    crate::audit::record(
        conn,
        Some(actor),
        "identity.split",
        ENTITY,
        id,
        Some(&Audited::of(vec![before])),
        Some(&after),
    )?;
    views::view(conn, &new_id)
}

fn touch(conn: &mut DbConnection, id: &str, at: chrono::NaiveDateTime) -> Result<()> {
    diesel::update(donor_identities::table.filter(donor_identities::id.eq(id)))
        .set(donor_identities::updated_at.eq(at))
        .execute(conn)?;
    Ok(())
}
