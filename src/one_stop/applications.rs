//! One-stop applications: record one (`create`), change one (`update`), read and list them.
//! Requests are checked first (`check_new`, `check_change`), before any transaction; each write
//! then runs in the caller's write transaction and is audited with ids, status and municipality
//! only: never a name, an address or a number.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use uuid::Uuid;

use super::my_number::seal;
use super::store::{self, application_not_found, ApplicationFilter, ApplicationRow};
use super::types::{
    MyNumberInput, NewOneStopApplication, OneStopApplication, OneStopApplicationChange,
    OneStopApplicationQuery,
};
use crate::audit;
use crate::crypto::sealed::Keyring;
use crate::db::{now, DbConnection};
use crate::domain::local_government::LocalGovernmentCode;
use crate::domain::my_number::MyNumber;
use crate::domain::one_stop::{
    self as rules, Applicant, ApplicantInput, ApplicationState, OneStopChannel,
    OneStopInvalidReason, OneStopStatus,
};
use crate::domain::FieldError;
use crate::error::{Error, Result};
use crate::http::{Page, Paging};

/// A typed My Number, checked. The field error repeats only the rule, never the input.
fn my_number(input: &MyNumberInput) -> Result<MyNumber, FieldError> {
    MyNumber::parse(input.typed()).map_err(|e| FieldError::new("my_number", e.message()))
}

/// The field errors of a request, gathered while checking it and reported together.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    /// The checked value, or `None` with its error noted.
    fn keep<T>(&mut self, checked: Result<T, FieldError>) -> Option<T> {
        match checked {
            Ok(value) => Some(value),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// A home municipality given by code must be one applications may name.
    fn check_municipality(&mut self, code: Option<&str>) {
        if let Some(code) = code {
            self.keep(rules::given_municipality(code));
        }
    }

    fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.0))
        }
    }
}

/// A new application whose own fields are checked; the applicant's details are completed from
/// the donation and checked in `create`.
pub struct NewApplication {
    donation_id: String,
    tax_year: i32,
    received_on: NaiveDate,
    channel: OneStopChannel,
    name: Option<String>,
    name_kana: Option<String>,
    postal_code: Option<String>,
    prefecture: Option<String>,
    city: Option<String>,
    address_line: Option<String>,
    birth_date: Option<NaiveDate>,
    my_number: Option<MyNumber>,
    municipality_code: Option<String>,
    note: Option<String>,
}

/// Checks what needs no database; every problem is reported together.
pub fn check_new(body: NewOneStopApplication, today: NaiveDate) -> Result<NewApplication> {
    let mut problems = Problems::default();
    if let Some(year) = problems.keep(rules::check_tax_year(body.tax_year)) {
        problems.keep(rules::check_received_on(year, body.received_on, today));
    }
    if let Some(birth_date) = body.birth_date {
        problems.keep(rules::check_birth_date(birth_date, today));
    }
    let note = body
        .note
        .as_deref()
        .and_then(|text| problems.keep(rules::clean_note(text)))
        .flatten();
    let number = body
        .my_number
        .as_ref()
        .and_then(|input| problems.keep(my_number(input)));
    problems.check_municipality(body.municipality_code.as_deref());
    problems.finish()?;
    Ok(NewApplication {
        donation_id: body.donation_id,
        tax_year: body.tax_year,
        received_on: body.received_on,
        channel: body.channel,
        name: body.name,
        name_kana: body.name_kana,
        postal_code: body.postal_code,
        prefecture: body.prefecture,
        city: body.city,
        address_line: body.address_line,
        birth_date: body.birth_date,
        my_number: number,
        municipality_code: body.municipality_code,
        note,
    })
}

/// What an audit entry records of an application: ids, state and municipality, no personal data.
#[derive(Serialize)]
struct AuditState<'a> {
    identity_id: &'a str,
    tax_year: i32,
    status: OneStopStatus,
    invalid_reason: Option<OneStopInvalidReason>,
    municipality_code: &'a str,
    has_my_number: bool,
}

impl<'a> AuditState<'a> {
    fn of(row: &'a ApplicationRow) -> AuditState<'a> {
        AuditState {
            identity_id: &row.identity_id,
            tax_year: row.tax_year,
            status: row.status,
            invalid_reason: row.invalid_reason,
            municipality_code: &row.municipality_code,
            has_my_number: row.my_number_sealed.is_some(),
        }
    }
}

fn applicant_of(row: &ApplicationRow) -> Applicant {
    Applicant {
        name: row.applicant_name.clone(),
        name_kana: row.applicant_name_kana.clone(),
        postal_code: row.postal_code.clone(),
        prefecture: row.prefecture.clone(),
        city: row.city.clone(),
        address_line: row.address_line.clone(),
    }
}

fn set_applicant(row: &mut ApplicationRow, applicant: Applicant) {
    row.applicant_name = applicant.name;
    row.applicant_name_kana = applicant.name_kana;
    row.postal_code = applicant.postal_code;
    row.prefecture = applicant.prefecture;
    row.city = applicant.city;
    row.address_line = applicant.address_line;
}

/// Records an application for the donor identity of `donation_id` (after linking donations not
/// yet linked), as `received`, or `invalid` when it arrived after the deadline. One open
/// application per identity and tax year (`409 one_stop_application_exists`); a withdrawn or
/// invalid one does not count. Runs in the caller's write transaction.
pub fn create(
    conn: &mut DbConnection,
    keys: &Keyring,
    actor_id: &str,
    new: NewApplication,
) -> Result<OneStopApplication> {
    let donor = store::donor_of_donation(conn, &new.donation_id)?
        .ok_or_else(crate::donations::store::donation_not_found)?;
    // Resolved after taking turns with merges (which move applications), so an application
    // never lands on an identity a merge has just absorbed.
    crate::identities::matching::take_turn(conn)?;
    let identity_id = crate::identities::store::identity_of_donation(conn, &new.donation_id)?
        .ok_or_else(|| Error::field("donation_id", "is not linked to a donor identity"))?;
    let applicant = Applicant::parse(ApplicantInput {
        name: new.name.unwrap_or(donor.name),
        name_kana: new.name_kana.unwrap_or(donor.name_kana),
        postal_code: new.postal_code.unwrap_or(donor.postal_code),
        prefecture: new.prefecture.unwrap_or(donor.prefecture),
        city: new.city.unwrap_or(donor.city),
        address_line: new.address_line.unwrap_or(donor.address_line),
    })
    .map_err(Error::Validation)?;
    let municipality = rules::home_municipality(new.municipality_code.as_deref(), &applicant)
        .map_err(|e| Error::Validation(vec![e]))?;
    let id = Uuid::new_v4().to_string();
    let state = rules::initial_state(new.tax_year, new.received_on);
    let at: NaiveDateTime = now();
    let my_number_sealed = new.my_number.as_ref().map(|n| seal(keys, n, &id));
    let mut row = ApplicationRow {
        id,
        identity_id,
        tax_year: new.tax_year,
        received_on: new.received_on,
        channel: new.channel,
        status: state.status(),
        invalid_reason: state.invalid_reason(),
        applicant_name: String::new(),
        applicant_name_kana: String::new(),
        birth_date: new.birth_date,
        postal_code: String::new(),
        prefecture: String::new(),
        city: String::new(),
        address_line: String::new(),
        municipality_code: municipality.code.as_str().to_owned(),
        my_number_sealed,
        my_number_purged_at: None,
        note: new.note,
        created_at: at,
        updated_at: at,
    };
    set_applicant(&mut row, applicant);
    store::insert(conn, &row)?;
    audit::record(
        conn,
        Some(actor_id),
        "one_stop_application.create",
        "one_stop_application",
        &row.id,
        None::<&()>,
        Some(&AuditState::of(&row)),
    )?;
    Ok(row.into())
}

/// A change whose own fields are checked; applied by `update`.
#[derive(Default)]
pub struct Change {
    state: Option<ApplicationState>,
    note: Option<Option<String>>,
    my_number: Option<Option<MyNumber>>,
    name: Option<String>,
    name_kana: Option<String>,
    birth_date: Option<Option<NaiveDate>>,
    postal_code: Option<String>,
    prefecture: Option<String>,
    city: Option<String>,
    address_line: Option<String>,
    municipality_code: Option<String>,
}

/// Checks what needs no database; every problem is reported together.
pub fn check_change(body: OneStopApplicationChange, today: NaiveDate) -> Result<Change> {
    let mut problems = Problems::default();
    let state = match (body.status, body.invalid_reason) {
        (Some(status), reason) => problems.keep(rules::requested_state(status, reason)),
        (None, Some(_)) => problems.keep(Err(FieldError::new(
            "invalid_reason",
            "is given only with status invalid",
        ))),
        (None, None) => None,
    };
    if let Some(Some(birth_date)) = body.birth_date {
        problems.keep(rules::check_birth_date(birth_date, today));
    }
    // `Some(None)`: the request clears the note or the number.
    let note = match body.note {
        Some(Some(text)) => problems.keep(rules::clean_note(&text)),
        Some(None) => Some(None),
        None => None,
    };
    let number = match &body.my_number {
        Some(Some(input)) => problems.keep(my_number(input)).map(Some),
        Some(None) => Some(None),
        None => None,
    };
    problems.check_municipality(body.municipality_code.as_deref());
    problems.finish()?;
    Ok(Change {
        state,
        note,
        my_number: number,
        name: body.name,
        name_kana: body.name_kana,
        birth_date: body.birth_date,
        postal_code: body.postal_code,
        prefecture: body.prefecture,
        city: body.city,
        address_line: body.address_line,
        municipality_code: body.municipality_code,
    })
}

/// Applies a change: a state change by the rules (`409 one_stop_state_conflict` otherwise),
/// the applicant's details checked as a whole, the home municipality derived again from a
/// changed address unless given, the My Number sealed anew. Runs in the caller's write
/// transaction.
pub fn update(
    conn: &mut DbConnection,
    keys: &Keyring,
    actor_id: &str,
    id: &str,
    change: Change,
) -> Result<OneStopApplication> {
    let before = store::find(conn, id)?.ok_or_else(application_not_found)?;
    let mut row = before.clone();
    if let Some(to) = change.state {
        let from =
            ApplicationState::from_columns(row.status, row.invalid_reason).ok_or_else(|| {
                Error::internal(
                    "a stored application has a status and reason that do not go together",
                )
            })?;
        let next = rules::transition(from, to).map_err(|refused| {
            Error::rejected(
                crate::error::ErrorCode::OneStopStateConflict,
                refused.message(),
            )
        })?;
        row.status = next.status();
        row.invalid_reason = next.invalid_reason();
    }
    let address_changed = change.postal_code.is_some()
        || change.prefecture.is_some()
        || change.city.is_some()
        || change.address_line.is_some();
    if address_changed || change.name.is_some() || change.name_kana.is_some() {
        let current = applicant_of(&row);
        let applicant = Applicant::parse(ApplicantInput {
            name: change.name.unwrap_or(current.name),
            name_kana: change.name_kana.unwrap_or(current.name_kana),
            postal_code: change.postal_code.unwrap_or(current.postal_code),
            prefecture: change.prefecture.unwrap_or(current.prefecture),
            city: change.city.unwrap_or(current.city),
            address_line: change.address_line.unwrap_or(current.address_line),
        })
        .map_err(Error::Validation)?;
        set_applicant(&mut row, applicant);
    }
    if address_changed || change.municipality_code.is_some() {
        let municipality =
            rules::home_municipality(change.municipality_code.as_deref(), &applicant_of(&row))
                .map_err(|e| Error::Validation(vec![e]))?;
        row.municipality_code = municipality.code.as_str().to_owned();
    }
    if let Some(birth_date) = change.birth_date {
        row.birth_date = birth_date;
    }
    if let Some(note) = change.note {
        row.note = note;
    }
    if let Some(number) = change.my_number {
        row.my_number_sealed = number.as_ref().map(|n| seal(keys, n, &row.id));
        // A number given again after the retention deletion is a new one, kept anew.
        row.my_number_purged_at = None;
    }
    row.updated_at = now();
    store::update(conn, &row)?;
    audit::record(
        conn,
        Some(actor_id),
        "one_stop_application.update",
        "one_stop_application",
        &row.id,
        Some(&AuditState::of(&before)),
        Some(&AuditState::of(&row)),
    )?;
    Ok(row.into())
}

/// One application as staff see it.
pub fn get(conn: &mut DbConnection, id: &str) -> Result<OneStopApplication> {
    store::find(conn, id)?
        .map(OneStopApplication::from)
        .ok_or_else(application_not_found)
}

/// The list's filters, checked.
pub fn check_query(q: &OneStopApplicationQuery) -> Result<(ApplicationFilter, Paging)> {
    let mut problems = Problems::default();
    if let Some(year) = q.tax_year {
        problems.keep(rules::check_tax_year(year));
    }
    let code = q.municipality_code.as_deref().map(str::trim);
    if let Some(code) = code {
        problems.keep(
            LocalGovernmentCode::parse(code)
                .map_err(|e| FieldError::new("municipality_code", e.to_string())),
        );
    }
    problems.finish()?;
    let paging = Paging::from_query(q.page, q.per_page)?;
    Ok((
        ApplicationFilter {
            tax_year: q.tax_year,
            status: q.status,
            municipality_code: code.map(str::to_owned),
        },
        paging,
    ))
}

/// One page of applications.
pub fn list(
    conn: &mut DbConnection,
    filter: &ApplicationFilter,
    paging: Paging,
) -> Result<Page<OneStopApplication>> {
    let (rows, total) = store::list(conn, filter, paging)?;
    Ok(Page::new(
        rows.into_iter().map(OneStopApplication::from).collect(),
        paging,
        total,
    ))
}
