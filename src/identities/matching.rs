//! Linking donations to donor identities. Every donation gets exactly one link
//! (`donor_identity_links`), made after the donation is written, so creating or importing a
//! donation writes nothing more: the sweeper and every identity read call [`catch_up`].
//!
//! A donation joins the identity of the earliest-linked donation that is the same person
//! (`domain::identity::same_person`), or else a new identity. Candidates are found by the two
//! match keys stored on each link (an index lookup by equality), then checked by the rule
//! itself. A linked donation is never moved by matching: only staff move it (`by_hand`).

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

use super::store::NewIdentity;
use crate::db::schema::{donations, donor_identities, donor_identity_links};
use crate::db::{now, DbConnection};
use crate::domain::identity::{match_key, phone_match_key, same_person, IdentityFacts};
use crate::error::Result;

/// Donations linked per transaction, so SQLite's write lock is never held long.
const BATCH: usize = 1_000;
/// Rows per INSERT: six bind parameters each, far below SQLite's and PostgreSQL's limits.
const ROWS_PER_INSERT: usize = 500;
/// The PostgreSQL advisory lock that makes linking, merging and splitting take turns across
/// instances (any fixed number no other lock of the service uses; 14 is the issue).
const LINKING_LOCK: i64 = 0x4E41_4D45_5953_0014;

/// A donation with no link yet.
const HAS_NO_LINK: &str = "NOT EXISTS (SELECT 1 FROM donor_identity_links \
     WHERE donor_identity_links.donation_id = donations.id)";

/// What a donation says about who its donor is.
// Personal data: no Debug, so it cannot be logged by accident.
#[derive(Queryable, Selectable)]
#[diesel(table_name = donations)]
struct DonorRecord {
    id: String,
    donor_name_kana: String,
    donor_phone: String,
    donor_postal_code: String,
    donor_prefecture: String,
    donor_city: String,
    donor_address_line: String,
}

impl DonorRecord {
    fn facts(&self) -> IdentityFacts<'_> {
        IdentityFacts {
            name_kana: &self.donor_name_kana,
            // Donations do not record a birth date; a missing one decides nothing.
            birth_date: None,
            postal_code: &self.donor_postal_code,
            prefecture: &self.donor_prefecture,
            city: &self.donor_city,
            address_line: &self.donor_address_line,
            phone: Some(&self.donor_phone),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = donor_identity_links, treat_none_as_default_value = false)]
struct NewLink {
    donation_id: String,
    identity_id: String,
    match_key: String,
    phone_key: Option<String>,
    pinned: bool,
    linked_at: chrono::NaiveDateTime,
}

/// Links every pending donation before a read that shows identities: one batch per
/// `Db::write` (on SQLite the service's one writer), so no read holds a write lock for a whole
/// backlog and a read-only login never opens one when nothing is pending.
pub async fn catch_up(db: &crate::db::Db) -> Result<usize> {
    let mut linked = 0;
    while db.run(has_pending).await? {
        let n = db.write(link_batch).await?;
        if n == 0 {
            // Another instance linked them between the read and the lock.
            break;
        }
        linked += n;
    }
    Ok(linked)
}

/// Waits for any other linking, merge or split to commit (PostgreSQL; on SQLite the write
/// transaction already excludes every other writer). Call inside the write transaction; the
/// lock is released when it ends.
pub fn take_turn(conn: &mut DbConnection) -> Result<()> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(LINKING_LOCK)
            .execute(pg)?;
    }
    Ok(())
}

fn has_pending(conn: &mut DbConnection) -> Result<bool> {
    let one: Option<String> = donations::table
        .filter(diesel::dsl::sql::<Bool>(HAS_NO_LINK))
        .select(donations::id)
        .first(conn)
        .optional()?;
    Ok(one.is_some())
}

/// Links the oldest `BATCH` donations without a link; returns how many. Inside a write
/// transaction.
fn link_batch(conn: &mut DbConnection) -> Result<usize> {
    take_turn(conn)?;
    // Read after the lock, so what another instance just linked is not linked again.
    let pending: Vec<DonorRecord> = donations::table
        .filter(diesel::dsl::sql::<Bool>(HAS_NO_LINK))
        .order((donations::created_at.asc(), donations::id.asc()))
        .select(DonorRecord::as_select())
        .limit(BATCH as i64)
        .load(conn)?;
    if pending.is_empty() {
        return Ok(0);
    }
    let keys: Vec<(String, Option<String>)> = pending
        .iter()
        .map(|record| {
            let facts = record.facts();
            (match_key(&facts), phone_match_key(&facts))
        })
        .collect();
    let mut known = linked_candidates(conn, &keys)?;
    let at = now();
    let mut identities = Vec::new();
    let mut links = Vec::with_capacity(pending.len());
    for (record, (address_key, phone_key)) in pending.into_iter().zip(keys) {
        let found = known.identity_of(&record.facts(), &address_key, phone_key.as_deref());
        let identity_id = match found {
            Some(id) => id.to_owned(),
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                identities.push(NewIdentity::new(id.clone(), at));
                id
            }
        };
        links.push(NewLink {
            donation_id: record.id.clone(),
            identity_id: identity_id.clone(),
            match_key: address_key.clone(),
            phone_key: phone_key.clone(),
            pinned: false,
            linked_at: at,
        });
        // Later donations of this batch may be the same person.
        known.add(identity_id, address_key, phone_key, record);
    }
    for chunk in identities.chunks(ROWS_PER_INSERT) {
        crate::on_engine!(conn, |c| diesel::insert_into(donor_identities::table)
            .values(chunk)
            .execute(c))?;
    }
    for chunk in links.chunks(ROWS_PER_INSERT) {
        crate::on_engine!(conn, |c| diesel::insert_into(donor_identity_links::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(links.len())
}

/// The linked donations sharing a key with one of `keys` (address key, phone key), earliest
/// linked first.
fn linked_candidates(conn: &mut DbConnection, keys: &[(String, Option<String>)]) -> Result<Known> {
    let address_keys: Vec<&str> = keys.iter().map(|(a, _)| a.as_str()).collect();
    let phone_keys: Vec<&str> = keys.iter().filter_map(|(_, p)| p.as_deref()).collect();
    let rows: Vec<(String, String, Option<String>, DonorRecord)> = donor_identity_links::table
        .inner_join(donations::table)
        .filter(
            donor_identity_links::match_key
                .eq_any(address_keys)
                .or(donor_identity_links::phone_key.eq_any(phone_keys)),
        )
        .order((
            donor_identity_links::linked_at.asc(),
            donations::created_at.asc(),
            donations::id.asc(),
        ))
        .select((
            donor_identity_links::identity_id,
            donor_identity_links::match_key,
            donor_identity_links::phone_key,
            DonorRecord::as_select(),
        ))
        .load(conn)?;
    let mut known = Known::default();
    for (identity_id, address_key, phone_key, record) in rows {
        known.add(identity_id, address_key, phone_key, record);
    }
    Ok(known)
}

/// Linked donations in the order they were linked, found by either key.
#[derive(Default)]
struct Known {
    /// (identity id, donation), earliest linked first.
    linked: Vec<(String, DonorRecord)>,
    by_address: HashMap<String, Vec<usize>>,
    by_phone: HashMap<String, Vec<usize>>,
}

impl Known {
    fn add(
        &mut self,
        identity_id: String,
        address_key: String,
        phone_key: Option<String>,
        record: DonorRecord,
    ) {
        let at = self.linked.len();
        self.by_address.entry(address_key).or_default().push(at);
        if let Some(phone_key) = phone_key {
            self.by_phone.entry(phone_key).or_default().push(at);
        }
        self.linked.push((identity_id, record));
    }

    /// The identity of the earliest-linked donation that is the same person as `facts`.
    fn identity_of(
        &self,
        facts: &IdentityFacts<'_>,
        address_key: &str,
        phone_key: Option<&str>,
    ) -> Option<&str> {
        let by_phone = phone_key.and_then(|key| self.by_phone.get(key));
        let mut at: Vec<usize> = self
            .by_address
            .get(address_key)
            .into_iter()
            .flatten()
            .chain(by_phone.into_iter().flatten())
            .copied()
            .collect();
        at.sort_unstable();
        at.dedup();
        at.into_iter()
            .map(|i| &self.linked[i])
            .find(|(_, record)| same_person(facts, &record.facts()))
            .map(|(identity_id, _)| identity_id.as_str())
    }
}
