//! Donor identity queries. An identity is live until merged; a merged identity keeps its row,
//! with `merged_into` naming the live one, so that its id still resolves. Links always point at
//! a live identity: a merge moves them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{donations, donor_identities, donor_identity_links};
use crate::db::DbConnection;
use crate::error::{Error, ErrorCode, Result};

/// More hops than any merge leaves (a merge points every absorbed identity straight at the live
/// one); reaching it means the rows form a cycle.
const MAX_HOPS: usize = 16;

#[derive(Insertable)]
#[diesel(table_name = donor_identities, treat_none_as_default_value = false)]
pub struct NewIdentity {
    id: String,
    merged_into: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl NewIdentity {
    pub fn new(id: String, at: NaiveDateTime) -> NewIdentity {
        NewIdentity {
            id,
            merged_into: None,
            created_at: at,
            updated_at: at,
        }
    }
}

pub fn identity_not_found() -> Error {
    Error::rejected(ErrorCode::IdentityNotFound, "No such donor identity.")
}

pub fn insert_identity(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> Result<()> {
    diesel::insert_into(donor_identities::table)
        .values(NewIdentity::new(id.to_owned(), at))
        .execute(conn)?;
    Ok(())
}

/// An identity's `merged_into` (`Some(None)`: live); `None` when there is no such identity.
pub fn merged_into(conn: &mut DbConnection, id: &str) -> Result<Option<Option<String>>> {
    Ok(donor_identities::table
        .filter(donor_identities::id.eq(id))
        .select(donor_identities::merged_into)
        .first(conn)
        .optional()?)
}

/// The live identity `identity_id` is, or was merged into; `None` if there is no such identity.
pub fn live_identity(conn: &mut DbConnection, identity_id: &str) -> Result<Option<String>> {
    let mut id = identity_id.to_owned();
    for _ in 0..MAX_HOPS {
        match merged_into(conn, &id)? {
            None => return Ok(None),
            Some(None) => return Ok(Some(id)),
            Some(Some(next)) => id = next,
        }
    }
    Err(Error::internal(
        "donor identities are merged into each other in a cycle",
    ))
}

/// The live identity of a donation; `None` if the donation is unknown or not linked yet (see
/// `matching::catch_up`).
pub fn identity_of_donation(conn: &mut DbConnection, donation_id: &str) -> Result<Option<String>> {
    let linked: Option<String> = donor_identity_links::table
        .filter(donor_identity_links::donation_id.eq(donation_id))
        .select(donor_identity_links::identity_id)
        .first(conn)
        .optional()?;
    match linked {
        Some(id) => live_identity(conn, &id),
        None => Ok(None),
    }
}

/// The ids of an identity's donations, oldest first.
pub fn donation_ids(conn: &mut DbConnection, identity_id: &str) -> Result<Vec<String>> {
    Ok(donor_identity_links::table
        .inner_join(donations::table)
        .filter(donor_identity_links::identity_id.eq(identity_id))
        .order((donations::created_at.asc(), donations::id.asc()))
        .select(donations::id)
        .load(conn)?)
}

/// The identities merged into `identity_id`, in the order they were merged.
pub fn merged_ids(conn: &mut DbConnection, identity_id: &str) -> Result<Vec<String>> {
    Ok(donor_identities::table
        .filter(donor_identities::merged_into.eq(identity_id))
        .order((
            donor_identities::updated_at.asc(),
            donor_identities::id.asc(),
        ))
        .select(donor_identities::id)
        .load(conn)?)
}
