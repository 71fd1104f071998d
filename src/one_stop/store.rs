//! Queries of `one_stop_applications`, and the few other columns the applications read (the
//! donor of a donation, a login's My Number permission).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::one_stop_applications as apps;
use crate::db::schema::{donations, one_stop_applications, users};
use crate::db::{is_unique_violation, DbConnection};
use crate::domain::one_stop::{
    ApplicantInput, OneStopChannel, OneStopInvalidReason, OneStopStatus, FINAL_STATUSES,
};
use crate::donations::store::DonorAddress;
use crate::error::{Error, ErrorCode, Result};
use crate::http::Paging;

/// One application as stored. `my_number_sealed` is the sealed number (`crypto::sealed`), never
/// the digits.
// Personal data: no Debug, so it cannot be logged by accident.
#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = one_stop_applications, treat_none_as_default_value = false)]
pub struct ApplicationRow {
    pub id: String,
    pub identity_id: String,
    pub tax_year: i32,
    pub received_on: NaiveDate,
    pub channel: OneStopChannel,
    pub status: OneStopStatus,
    pub invalid_reason: Option<OneStopInvalidReason>,
    pub applicant_name: String,
    pub applicant_name_kana: String,
    pub birth_date: Option<NaiveDate>,
    pub postal_code: String,
    pub prefecture: String,
    pub city: String,
    pub address_line: String,
    pub municipality_code: String,
    pub my_number_sealed: Option<String>,
    pub my_number_purged_at: Option<NaiveDateTime>,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn application_exists() -> Error {
    Error::rejected(
        ErrorCode::OneStopApplicationExists,
        "This donor already has a one-stop application for the tax year; change that one.",
    )
}

/// A write refused by the index of open applications (one per identity and tax year).
fn open_one_exists(e: diesel::result::Error) -> Error {
    if is_unique_violation(&e) {
        application_exists()
    } else {
        e.into()
    }
}

pub fn application_not_found() -> Error {
    Error::rejected(
        ErrorCode::OneStopApplicationNotFound,
        "No one-stop application with this id.",
    )
}

/// Inserts an application; a second open one of the identity for the tax year (even a
/// concurrent one, by the partial unique index `one_stop_applications_open`) is
/// `409 one_stop_application_exists`.
pub fn insert(conn: &mut DbConnection, row: &ApplicationRow) -> Result<()> {
    diesel::insert_into(apps::table)
        .values(row)
        .execute(conn)
        .map_err(open_one_exists)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<ApplicationRow>> {
    Ok(apps::table
        .find(id)
        .select(ApplicationRow::as_select())
        .first(conn)
        .optional()?)
}

/// The tax years the identity has an open application for, ascending.
pub fn open_tax_years(conn: &mut DbConnection, identity_id: &str) -> Result<Vec<i32>> {
    Ok(apps::table
        .filter(apps::identity_id.eq(identity_id))
        .filter(apps::status.ne_all(FINAL_STATUSES))
        .order(apps::tax_year.asc())
        .select(apps::tax_year)
        .load(conn)?)
}

/// Moves every application of identity `from` to identity `to` (a merge), final ones too;
/// returns their ids by tax year. An open application of `to` for a year `from` also has one
/// open is `409 one_stop_application_exists` by the index; the caller checks first
/// (`domain::one_stop::merge_clash`) for a clear answer.
pub fn move_to_identity(
    conn: &mut DbConnection,
    from: &str,
    to: &str,
    at: NaiveDateTime,
) -> Result<Vec<String>> {
    let ids: Vec<String> = apps::table
        .filter(apps::identity_id.eq(from))
        .order((apps::tax_year.asc(), apps::created_at.asc(), apps::id.asc()))
        .select(apps::id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(ids);
    }
    diesel::update(apps::table.filter(apps::identity_id.eq(from)))
        .set((apps::identity_id.eq(to), apps::updated_at.eq(at)))
        .execute(conn)
        .map_err(open_one_exists)?;
    Ok(ids)
}

/// Writes every column staff or the rules may change.
pub fn update(conn: &mut DbConnection, row: &ApplicationRow) -> Result<()> {
    diesel::update(apps::table.find(&row.id))
        .set((
            apps::status.eq(row.status),
            apps::invalid_reason.eq(row.invalid_reason),
            apps::applicant_name.eq(&row.applicant_name),
            apps::applicant_name_kana.eq(&row.applicant_name_kana),
            apps::birth_date.eq(row.birth_date),
            apps::postal_code.eq(&row.postal_code),
            apps::prefecture.eq(&row.prefecture),
            apps::city.eq(&row.city),
            apps::address_line.eq(&row.address_line),
            apps::municipality_code.eq(&row.municipality_code),
            apps::my_number_sealed.eq(row.my_number_sealed.as_deref()),
            apps::my_number_purged_at.eq(row.my_number_purged_at),
            apps::note.eq(row.note.as_deref()),
            apps::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// What the application list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub tax_year: Option<i32>,
    pub status: Option<OneStopStatus>,
    pub municipality_code: Option<String>,
}

/// One page of applications (newest tax year first, then in the order received) and the count
/// of all that match.
pub fn list(
    conn: &mut DbConnection,
    filter: &ApplicationFilter,
    paging: Paging,
) -> Result<(Vec<ApplicationRow>, i64)> {
    let build = || {
        let mut query = apps::table.into_boxed();
        if let Some(year) = filter.tax_year {
            query = query.filter(apps::tax_year.eq(year));
        }
        if let Some(status) = filter.status {
            query = query.filter(apps::status.eq(status));
        }
        if let Some(code) = &filter.municipality_code {
            query = query.filter(apps::municipality_code.eq(code.clone()));
        }
        query
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows = build()
        .select(ApplicationRow::as_select())
        .order((
            apps::tax_year.desc(),
            apps::received_on.asc(),
            apps::created_at.asc(),
            apps::id.asc(),
        ))
        .offset(paging.offset())
        .limit(paging.per_page)
        .load(conn)?;
    Ok((rows, total))
}

/// The sealed My Number of an application: `None` when there is no such application,
/// `Some(None)` when it holds none (never given, or deleted).
pub fn sealed_my_number(conn: &mut DbConnection, id: &str) -> Result<Option<Option<String>>> {
    Ok(apps::table
        .find(id)
        .select(apps::my_number_sealed)
        .first(conn)
        .optional()?)
}

/// Deletes the My Numbers of applications received before `cutoff`, noting when; returns how
/// many were deleted.
pub fn purge_received_before(
    conn: &mut DbConnection,
    cutoff: NaiveDate,
    at: NaiveDateTime,
) -> Result<usize> {
    Ok(diesel::update(
        apps::table
            .filter(apps::my_number_sealed.is_not_null())
            .filter(apps::received_on.lt(cutoff)),
    )
    .set((
        apps::my_number_sealed.eq(None::<String>),
        apps::my_number_purged_at.eq(Some(at)),
    ))
    .execute(conn)?)
}

/// The donor's details on a donation, the defaults of an applicant's; `None` for no such
/// donation.
pub fn donor_of_donation(
    conn: &mut DbConnection,
    donation_id: &str,
) -> Result<Option<ApplicantInput>> {
    let found: Option<DonorAddress> = donations::table
        .find(donation_id)
        .select(DonorAddress::as_select())
        .first(conn)
        .optional()?;
    Ok(found.map(DonorAddress::applicant))
}

/// Whether a login holds the permission to read My Numbers.
pub fn has_my_number_access(conn: &mut DbConnection, user_id: &str) -> Result<bool> {
    let access: Option<bool> = users::table
        .find(user_id)
        .select(users::my_number_access)
        .first(conn)
        .optional()?;
    Ok(access.unwrap_or(false))
}
