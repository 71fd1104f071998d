//! A donor identity as staff see it: the person, from their newest donation, and every donation
//! linked to them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::store;
use crate::db::schema::{donations, donor_identity_links};
use crate::db::DbConnection;
use crate::domain::donation::DonationStatus;
use crate::donations::store::DonorAddress;
use crate::error::Result;

/// A donor identity (名寄せ): one person's donations through every channel.
// Personal data: no Debug, so it cannot be logged by accident.
#[derive(Clone, Serialize, ToSchema)]
pub struct IdentityView {
    /// The live identity: when the id asked for was merged into another, this is that other one.
    pub id: String,
    /// Identities merged into this one; each of their ids answers with this identity.
    pub merged_ids: Vec<String>,
    /// The donor's name as on the newest donation; so are the kana and the address.
    pub name: String,
    pub name_kana: String,
    pub postal_code: String,
    pub prefecture: String,
    pub city: String,
    pub address_line: String,
    pub donation_count: i64,
    /// Yen of the donations that are paid (pending, cancelled and refunded ones do not count).
    pub paid_total: i64,
    /// Every donation of the identity, oldest first.
    pub donations: Vec<IdentityDonation>,
}

/// One donation of an identity.
#[derive(Clone, Serialize, ToSchema)]
pub struct IdentityDonation {
    pub id: String,
    pub channel: String,
    /// The portal's order id (imports).
    pub external_id: Option<String>,
    pub status: DonationStatus,
    pub amount: i64,
    pub received_on: Option<NaiveDate>,
    pub receipt_number: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Placed on this identity by staff (a merge or a split), not by matching.
    pub pinned: bool,
}

// Personal data: no Debug.
#[derive(Queryable, Selectable)]
#[diesel(table_name = donations)]
struct LinkedDonation {
    id: String,
    channel: String,
    external_id: Option<String>,
    status: DonationStatus,
    amount: i64,
    received_on: Option<NaiveDate>,
    receipt_number: Option<String>,
    created_at: NaiveDateTime,
    #[diesel(embed)]
    donor: DonorAddress,
}

/// The identity `id` is, or was merged into; `None` if there is no such identity.
pub fn of_identity(conn: &mut DbConnection, id: &str) -> Result<Option<IdentityView>> {
    match store::live_identity(conn, id)? {
        Some(live) => view(conn, &live).map(Some),
        None => Ok(None),
    }
}

/// The identity of a donation; `None` if the donation is unknown or not linked yet.
pub fn of_donation(conn: &mut DbConnection, donation_id: &str) -> Result<Option<IdentityView>> {
    match store::identity_of_donation(conn, donation_id)? {
        Some(live) => view(conn, &live).map(Some),
        None => Ok(None),
    }
}

/// The view of a live identity.
pub fn view(conn: &mut DbConnection, id: &str) -> Result<IdentityView> {
    let rows: Vec<(LinkedDonation, bool)> = donor_identity_links::table
        .inner_join(donations::table)
        .filter(donor_identity_links::identity_id.eq(id))
        .order((donations::created_at.asc(), donations::id.asc()))
        .select((LinkedDonation::as_select(), donor_identity_links::pinned))
        .load(conn)?;
    let merged_ids = store::merged_ids(conn, id)?;
    let paid_total: i64 = rows
        .iter()
        .filter(|(d, _)| d.status == DonationStatus::Paid)
        .map(|(d, _)| d.amount)
        .sum();
    // The person as the newest donation gives them (a live identity always has one).
    let newest = rows.last().map(|(d, _)| d.donor.clone());
    let person = newest.unwrap_or_default().applicant();
    Ok(IdentityView {
        id: id.to_owned(),
        merged_ids,
        name: person.name,
        name_kana: person.name_kana,
        postal_code: person.postal_code,
        prefecture: person.prefecture,
        city: person.city,
        address_line: person.address_line,
        donation_count: rows.len() as i64,
        paid_total,
        donations: rows
            .into_iter()
            .map(|(d, pinned)| IdentityDonation {
                id: d.id,
                channel: d.channel,
                external_id: d.external_id,
                status: d.status,
                amount: d.amount,
                received_on: d.received_on,
                receipt_number: d.receipt_number,
                created_at: d.created_at.and_utc(),
                pinned,
            })
            .collect(),
    })
}
