//! Import queries: resolving catalogue references, skipping known rows, inserting, recording imports.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::csv::LineError;
use crate::catalogue::named_items::NamedList;
use crate::db::schema::{donation_imports, donations, gifts};
use crate::db::{is_unique_violation, now, DbConnection};
use crate::domain::calendar::start_of_japan_day;
use crate::domain::donation::{DonationKind, DonationStatus, PaymentMethod};
use crate::domain::portal_import::{flags, ImportRow};
use crate::error::{Error, ErrorCode, Result};

/// Keeps `IN (...)` lists and multi-row inserts well under both engines' bind-parameter limits.
const CHUNK: usize = 500;
// 500 rows × 40 columns = 20,000 bind parameters, under SQLite's 32,766 and PostgreSQL's 65,535.
const INSERT_CHUNK: usize = 500;

/// One donation row as an import writes it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = donations, treat_none_as_default_value = false)]
struct NewImportedDonation {
    id: String,
    kind: DonationKind,
    status: DonationStatus,
    amount: i64,
    gift_id: Option<String>,
    quantity: i32,
    organization_id: Option<String>,
    purpose_id: Option<String>,
    channel: String,
    external_id: Option<String>,
    donor_name: String,
    donor_name_kana: String,
    donor_email: String,
    donor_phone: String,
    donor_postal_code: String,
    donor_prefecture: String,
    donor_city: String,
    donor_address_line: String,
    one_stop: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    paid_at: Option<NaiveDateTime>,
    received_on: Option<chrono::NaiveDate>,
    payment_method: Option<PaymentMethod>,
    receipt_issue_count: i32,
    import_id: Option<String>,
    import_flags: Option<String>,
    gift_unit_cost: Option<i64>,
    gift_unit_shipping_cost: Option<i64>,
}

/// What an import did, as recorded and answered.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportOutcome {
    pub import_id: String,
    pub channel: String,
    pub rows: i64,
    pub imported: i64,
    pub skipped: i64,
    pub flagged: i64,
}

/// Who imports what, from where.
pub struct ImportRequest {
    pub channel: String,
    pub file_name: Option<String>,
    pub actor_id: String,
    pub home_prefecture: String,
    pub home_city: String,
    /// The portal's fee rate, booked in the cost ledger on each imported donation.
    pub fees: crate::domain::cost::FeeRates,
}

/// Why an import stored nothing.
pub enum ImportFailure {
    /// Rows that refer to things the catalogue does not have.
    Rejected(Vec<LineError>),
    Failed(Error),
}

impl From<Error> for ImportFailure {
    fn from(e: Error) -> Self {
        ImportFailure::Failed(e)
    }
}

impl From<diesel::result::Error> for ImportFailure {
    fn from(e: diesel::result::Error) -> Self {
        if is_unique_violation(&e) {
            ImportFailure::Failed(Error::rejected(
                ErrorCode::ImportInProgress,
                "Another import of some of the same rows finished first; send the file again to import what is left.",
            ))
        } else {
            ImportFailure::Failed(e.into())
        }
    }
}

/// Maps references (an id or an exact name) to ids of `list`'s entries. Organisations and
/// purposes are few (tens): the list is read whole, when anything is wanted.
fn resolve_names(
    conn: &mut DbConnection,
    list: NamedList,
    wanted: &HashSet<String>,
) -> Result<HashMap<String, Option<String>>> {
    let mut by_key: HashMap<String, Option<String>> = HashMap::new();
    if wanted.is_empty() {
        return Ok(by_key);
    }
    for (id, name) in list.names(conn)? {
        by_key.insert(id.clone(), Some(id.clone()));
        // A name shared by two entries is ambiguous; such rows must use the id.
        by_key
            .entry(name)
            .and_modify(|existing| {
                if existing.as_deref() != Some(id.as_str()) {
                    *existing = None;
                }
            })
            .or_insert(Some(id));
    }
    by_key.retain(|k, _| wanted.contains(k));
    Ok(by_key)
}

fn chunks_of(set: &HashSet<String>) -> Vec<Vec<String>> {
    let all: Vec<String> = set.iter().cloned().collect();
    all.chunks(CHUNK).map(<[String]>::to_vec).collect()
}

/// Imports validated rows in the caller's transaction: every reference must resolve, rows whose
/// (channel, external_id) is already in the ledger are skipped, the rest go in as paid donations.
pub fn import(
    conn: &mut DbConnection,
    request: &ImportRequest,
    rows: &[ImportRow],
) -> std::result::Result<ImportOutcome, ImportFailure> {
    let collect = |f: fn(&ImportRow) -> Option<&String>| -> HashSet<String> {
        rows.iter().filter_map(f).cloned().collect()
    };
    let gift_codes = collect(|r| r.gift_code.as_ref());
    let org_refs = collect(|r| r.organization.as_ref());
    let purpose_refs = collect(|r| r.purpose.as_ref());

    // code → (id, procurement cost, shipping cost): the costs as they are on the import's day.
    let mut gift_ids: HashMap<String, (String, i64, i64)> = HashMap::new();
    for chunk in chunks_of(&gift_codes) {
        let found: Vec<(String, String, i64, i64)> = gifts::table
            .filter(gifts::code.eq_any(chunk))
            .select((
                gifts::code,
                gifts::id,
                gifts::procurement_cost,
                gifts::shipping_cost,
            ))
            .load(conn)?;
        gift_ids.extend(
            found
                .into_iter()
                .map(|(code, id, cost, ship)| (code, (id, cost, ship))),
        );
    }
    let org_ids = resolve_names(conn, NamedList::Organizations, &org_refs)?;
    let purpose_ids = resolve_names(conn, NamedList::Purposes, &purpose_refs)?;

    let mut errors = Vec::new();
    let lookup = |map: &HashMap<String, Option<String>>,
                  key: &Option<String>,
                  line: u64,
                  field: &str,
                  what: &str,
                  errors: &mut Vec<LineError>|
     -> Option<String> {
        let key = key.as_ref()?;
        match map.get(key) {
            Some(Some(id)) => Some(id.clone()),
            Some(None) => {
                errors.push(LineError {
                    line,
                    field: field.to_owned(),
                    message: format!("names more than one {what}; use its id"),
                });
                None
            }
            None => {
                errors.push(LineError {
                    line,
                    field: field.to_owned(),
                    message: format!("no {what} with this id or name"),
                });
                None
            }
        }
    };
    let mut resolved = Vec::with_capacity(rows.len());
    for row in rows {
        let gift_id = match &row.gift_code {
            Some(code) => match gift_ids.get(code) {
                Some(gift) => Some(gift.clone()),
                None => {
                    errors.push(LineError {
                        line: row.line,
                        field: "gift_code".to_owned(),
                        message: format!("no gift has the code {code}"),
                    });
                    None
                }
            },
            None => None,
        };
        let org = lookup(
            &org_ids,
            &row.organization,
            row.line,
            "organization",
            "organisation",
            &mut errors,
        );
        let purpose = lookup(
            &purpose_ids,
            &row.purpose,
            row.line,
            "purpose",
            "usage purpose",
            &mut errors,
        );
        resolved.push((row, gift_id, org, purpose));
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(ImportFailure::Rejected(errors));
    }

    let import_id = Uuid::new_v4().to_string();
    let at = now();
    let new_rows: Vec<NewImportedDonation> = resolved
        .into_iter()
        .map(|(row, gift, organization_id, purpose_id)| {
            let row_flags = flags(row, &request.home_prefecture, &request.home_city);
            NewImportedDonation {
                id: Uuid::new_v4().to_string(),
                kind: row.kind,
                status: DonationStatus::Paid,
                amount: row.amount.get(),
                gift_id: gift.as_ref().map(|g| g.0.clone()),
                gift_unit_cost: gift.as_ref().map(|g| g.1),
                gift_unit_shipping_cost: gift.as_ref().map(|g| g.2),
                quantity: 1,
                organization_id,
                purpose_id,
                channel: request.channel.clone(),
                external_id: Some(row.external_id.clone()),
                donor_name: row.donor.name.clone(),
                donor_name_kana: row.donor.name_kana.clone(),
                donor_email: row.donor.email.clone(),
                donor_phone: row.donor.phone.clone(),
                donor_postal_code: row.donor.postal_code.clone(),
                donor_prefecture: row.donor.prefecture.clone(),
                donor_city: row.donor.city.clone(),
                donor_address_line: row.donor.address_line.clone(),
                one_stop: row.one_stop,
                created_at: at,
                updated_at: at,
                paid_at: Some(start_of_japan_day(row.received_on).naive_utc()),
                received_on: Some(row.received_on),
                payment_method: Some(PaymentMethod::Portal),
                receipt_issue_count: 0,
                import_id: Some(import_id.clone()),
                import_flags: (!row_flags.is_empty()).then(|| row_flags.join(",")),
            }
        })
        .collect();

    let new_rows = insert_new(conn, &request.channel, new_rows)?;
    // Staff find imported donors like any other, by the terms `search_terms::catch_up` writes
    // once this transaction commits: the import's record says they are still to be written.
    let flagged = new_rows.iter().filter(|r| r.import_flags.is_some()).count();
    let flagged = i64::try_from(flagged).unwrap_or(i64::MAX);
    // The ward fulfils the gifts of portal donations too: each gift row becomes an order.
    let gift_lines: Vec<crate::orders::place::GiftLine<'_>> = new_rows
        .iter()
        .filter_map(|r| {
            Some(crate::orders::place::GiftLine {
                donation_id: &r.id,
                gift_id: r.gift_id.as_deref()?,
                quantity: r.quantity,
                unit_cost: r.gift_unit_cost,
            })
        })
        .collect();
    crate::orders::place::place_all(conn, &gift_lines)?;
    // Each imported donation's costs: its gift at today's cost, and the portal's fee.
    let paid: Vec<crate::costs::book::Paid<'_>> = new_rows
        .iter()
        .filter_map(|r| {
            Some(crate::costs::book::Paid {
                id: &r.id,
                channel: &r.channel,
                gift_id: r.gift_id.as_deref(),
                received_on: r.received_on?,
                donation: crate::domain::cost::PaidDonation {
                    kind: r.kind,
                    amount: crate::domain::money::Yen(r.amount),
                    quantity: r.quantity,
                    method: r.payment_method?,
                    unit_cost: r.gift_unit_cost.map(crate::domain::money::Yen),
                    unit_shipping: r.gift_unit_shipping_cost.map(crate::domain::money::Yen),
                    // The portal's own e-voucher system serves its on-site items: none here.
                    issues_voucher: false,
                },
            })
        })
        .collect();
    crate::costs::book::imported(conn, request.fees, &paid)?;

    let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let imported = i64::try_from(new_rows.len()).unwrap_or(i64::MAX);
    let outcome = ImportOutcome {
        import_id: import_id.clone(),
        channel: request.channel.clone(),
        rows: total,
        imported,
        skipped: total - imported,
        flagged,
    };
    let count = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
    diesel::insert_into(donation_imports::table)
        .values((
            donation_imports::id.eq(&import_id),
            donation_imports::channel.eq(&request.channel),
            donation_imports::file_name.eq(&request.file_name),
            donation_imports::row_count.eq(count(outcome.rows)),
            donation_imports::imported_count.eq(count(outcome.imported)),
            donation_imports::skipped_count.eq(count(outcome.skipped)),
            donation_imports::flagged_count.eq(count(outcome.flagged)),
            donation_imports::imported_by.eq(&request.actor_id),
            donation_imports::created_at.eq(at),
            donation_imports::search_indexed_at.eq((imported == 0).then_some(at)),
        ))
        .execute(conn)?;
    crate::audit::record(
        conn,
        Some(&request.actor_id),
        "import",
        "donation_import",
        &import_id,
        None::<&()>,
        Some(&outcome),
    )?;
    Ok(outcome)
}

/// Puts in the rows whose (channel, external_id) is not in the ledger yet and returns them:
/// duplicate detection is set-based on both engines (a lookup per batch of ids went quadratic
/// on PostgreSQL past ~20k rows). PostgreSQL reads the known ids in one statement and takes the
/// rest by `COPY`, a third quicker than multi-row INSERTs of 29 bind parameters a row; SQLite
/// lets the unique index skip them (`ON CONFLICT DO NOTHING RETURNING id`), its quickest.
/// A file never repeats an external id (`csv`), and another import committing the same rows
/// first fails this one with `import_in_progress`.
fn insert_new(
    conn: &mut DbConnection,
    channel: &str,
    rows: Vec<NewImportedDonation>,
) -> diesel::QueryResult<Vec<NewImportedDonation>> {
    match conn {
        DbConnection::Postgres(c) => {
            let ids: Vec<&str> = rows
                .iter()
                .filter_map(|r| r.external_id.as_deref())
                .collect();
            let known: HashSet<String> = donations::table
                .filter(donations::channel.eq(channel))
                .filter(donations::external_id.eq_any(ids))
                .select(donations::external_id)
                .load::<Option<String>>(c)?
                .into_iter()
                .flatten()
                .collect();
            let fresh: Vec<NewImportedDonation> = rows
                .into_iter()
                .filter(|r| !r.external_id.as_ref().is_some_and(|e| known.contains(e)))
                .collect();
            diesel::copy_from(donations::table)
                .from_insertable(&fresh)
                .execute(c)?;
            Ok(fresh)
        }
        DbConnection::Sqlite(c) => {
            let mut inserted: HashSet<String> = HashSet::with_capacity(rows.len());
            for chunk in rows.chunks(INSERT_CHUNK) {
                let ids: Vec<String> = diesel::insert_into(donations::table)
                    .values(chunk)
                    .on_conflict((donations::channel, donations::external_id))
                    .do_nothing()
                    .returning(donations::id)
                    .get_results(c)?;
                inserted.extend(ids);
            }
            Ok(rows
                .into_iter()
                .filter(|r| inserted.contains(&r.id))
                .collect())
        }
    }
}

/// A recorded import, as listed.
pub type ImportRecord = (
    String,
    String,
    Option<String>,
    i32,
    i32,
    i32,
    i32,
    Option<String>,
    NaiveDateTime,
);

/// Imports, newest first, and their total count.
pub fn list(conn: &mut DbConnection, offset: i64, limit: i64) -> Result<(Vec<ImportRecord>, i64)> {
    let total = donation_imports::table.count().get_result(conn)?;
    let rows = donation_imports::table
        .select((
            donation_imports::id,
            donation_imports::channel,
            donation_imports::file_name,
            donation_imports::row_count,
            donation_imports::imported_count,
            donation_imports::skipped_count,
            donation_imports::flagged_count,
            donation_imports::imported_by,
            donation_imports::created_at,
        ))
        .order((donation_imports::created_at.desc(), donation_imports::id))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}
