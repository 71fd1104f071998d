//! Donation queries: insert, read, conditional state changes, stock and receipt counters.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::catalogue::store::bump_version;
use crate::db::prepared::Prepared;
use crate::db::schema::{donations, gifts, receipt_counters};
use crate::db::{now, DbConnection};
use crate::domain::delivery::Recipient;
use crate::domain::donation::{DonationKind, DonationStatus, PaymentMethod};
use crate::domain::donor::{Donor, DonorInput};
use crate::domain::new_donation::NewDonation;
use crate::domain::one_stop::ApplicantInput;
use crate::error::{Error, ErrorCode, Result};

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = donations)]
pub struct DonationRow {
    pub id: String,
    pub kind: DonationKind,
    pub status: DonationStatus,
    pub amount: i64,
    pub gift_id: Option<String>,
    pub quantity: i32,
    pub organization_id: Option<String>,
    pub purpose_id: Option<String>,
    pub channel: String,
    pub external_id: Option<String>,
    #[diesel(embed)]
    pub donor: DonorAddress,
    pub one_stop: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub hold_until: Option<NaiveDateTime>,
    pub paid_at: Option<NaiveDateTime>,
    pub received_on: Option<NaiveDate>,
    pub payment_method: Option<PaymentMethod>,
    pub provider_reference: Option<String>,
    pub receipt_number: Option<String>,
    pub receipt_issue_count: i32,
    pub receipt_voided_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub cancel_reason: Option<String>,
    pub refunded_at: Option<NaiveDateTime>,
    pub refund_reason: Option<String>,
    pub attention: Option<String>,
    pub import_id: Option<String>,
    pub import_flags: Option<String>,
    /// The gift's procurement cost per unit when the donor gave (what the vendor is owed).
    pub gift_unit_cost: Option<i64>,
    /// The gift's shipping cost per unit when the donor gave.
    pub gift_unit_shipping_cost: Option<i64>,
}

// Holds the donor's personal data: `Debug` shows only what identifies the row.
impl std::fmt::Debug for DonationRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DonationRow")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("status", &self.status)
            .field("amount", &self.amount)
            .finish_non_exhaustive()
    }
}

impl DonationRow {
    /// A new donation waiting for its payment until `hold_until`.
    pub fn pending(
        id: String,
        v: NewDonation,
        at: NaiveDateTime,
        hold_until: NaiveDateTime,
    ) -> DonationRow {
        DonationRow {
            id,
            kind: v.kind,
            status: DonationStatus::PendingPayment,
            amount: v.amount,
            gift_id: v.gift_id,
            quantity: v.quantity,
            organization_id: v.organization_id,
            purpose_id: v.purpose_id,
            channel: v.channel,
            external_id: None,
            donor: v.donor.into(),
            one_stop: v.one_stop,
            created_at: at,
            updated_at: at,
            hold_until: Some(hold_until),
            paid_at: None,
            received_on: None,
            payment_method: None,
            provider_reference: None,
            receipt_number: None,
            receipt_issue_count: 0,
            receipt_voided_at: None,
            cancelled_at: None,
            cancel_reason: None,
            refunded_at: None,
            refund_reason: None,
            attention: None,
            import_id: None,
            import_flags: None,
            gift_unit_cost: None,
            gift_unit_shipping_cost: None,
        }
    }
}

/// The donor as written on a donation: name, contacts and address. A gift goes here when no
/// other recipient was named (`recipient`); a one-stop applicant's details default to it and a
/// donor identity shows its newest (`applicant`).
// Personal data: no Debug, so it cannot be logged by accident.
#[derive(Clone, Default, Queryable, Selectable, Insertable)]
#[diesel(table_name = donations)]
pub struct DonorAddress {
    pub donor_name: String,
    pub donor_name_kana: String,
    pub donor_email: String,
    pub donor_phone: String,
    pub donor_postal_code: String,
    pub donor_prefecture: String,
    pub donor_city: String,
    pub donor_address_line: String,
}

impl From<Donor> for DonorAddress {
    fn from(d: Donor) -> DonorAddress {
        DonorAddress {
            donor_name: d.name,
            donor_name_kana: d.name_kana,
            donor_email: d.email,
            donor_phone: d.phone,
            donor_postal_code: d.postal_code,
            donor_prefecture: d.prefecture,
            donor_city: d.city,
            donor_address_line: d.address_line,
        }
    }
}

impl DonorAddress {
    pub fn recipient(&self) -> Recipient {
        Recipient {
            name: self.donor_name.clone(),
            name_kana: self.donor_name_kana.clone(),
            phone: self.donor_phone.clone(),
            postal_code: self.donor_postal_code.clone(),
            prefecture: self.donor_prefecture.clone(),
            city: self.donor_city.clone(),
            address_line: self.donor_address_line.clone(),
        }
    }

    /// The name and address a person is known by.
    pub fn applicant(self) -> ApplicantInput {
        ApplicantInput {
            name: self.donor_name,
            name_kana: self.donor_name_kana,
            postal_code: self.donor_postal_code,
            prefecture: self.donor_prefecture,
            city: self.donor_city,
            address_line: self.donor_address_line,
        }
    }

    /// The details as asked for again (a retried payment makes a new donation with them).
    pub fn input(self) -> DonorInput {
        DonorInput {
            name: Some(self.donor_name),
            name_kana: Some(self.donor_name_kana),
            email: Some(self.donor_email),
            phone: Some(self.donor_phone),
            postal_code: Some(self.donor_postal_code),
            prefecture: Some(self.donor_prefecture),
            city: Some(self.donor_city),
            address_line: Some(self.donor_address_line),
        }
    }
}

pub fn donation_not_found() -> Error {
    Error::rejected(ErrorCode::DonationNotFound, "No such donation.")
}

/// Inserts a donation and its donor search terms.
pub fn insert(conn: &mut DbConnection, row: &DonationRow) -> Result<()> {
    // One row's INSERT takes few forms (its NULL columns): prepared once per connection.
    Prepared(diesel::insert_into(donations::table).values(row)).execute(conn)?;
    super::search_terms::index(conn, row)
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<DonationRow>> {
    Ok(donations::table
        .filter(donations::id.eq(id))
        .select(DonationRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<DonationRow> {
    find(conn, id)?.ok_or_else(donation_not_found)
}

/// Takes `quantity` units of a gift's stock if it has them; unlimited stock (NULL) always has.
/// One conditional UPDATE, so parallel donations can never oversell.
pub fn reserve_stock(conn: &mut DbConnection, gift_id: &str, quantity: i32) -> Result<()> {
    let quantity = i64::from(quantity);
    let updated = diesel::update(
        gifts::table
            .filter(gifts::id.eq(gift_id))
            .filter(gifts::stock.is_null().or(gifts::stock.ge(quantity))),
    )
    .set(gifts::stock.eq(gifts::stock - quantity))
    .returning(gifts::stock)
    .get_results::<Option<i64>>(conn)?;
    match updated.first() {
        None => Err(Error::rejected(
            ErrorCode::OutOfStock,
            "This gift has no stock left for the quantity asked.",
        )),
        // The public catalogue shows availability; it changes when the last unit goes.
        Some(Some(0)) => bump_version(conn),
        Some(_) => Ok(()),
    }
}

/// Gives reserved units back (cancellation, refund).
pub fn release_stock(conn: &mut DbConnection, gift_id: &str, quantity: i32) -> Result<()> {
    let quantity = i64::from(quantity);
    let updated = diesel::update(
        gifts::table
            .filter(gifts::id.eq(gift_id))
            .filter(gifts::stock.is_not_null()),
    )
    .set(gifts::stock.eq(gifts::stock + quantity))
    .returning(gifts::stock)
    .get_results::<Option<i64>>(conn)?;
    if updated.first() == Some(&Some(quantity)) {
        bump_version(conn)?;
    }
    Ok(())
}

/// The next receipt number of a fiscal year. The counter row stays locked until the paying
/// transaction ends, so numbers are unique and gapless even under concurrent payments.
pub fn next_receipt_sequence(conn: &mut DbConnection, fiscal_year: i32) -> Result<i64> {
    let row = (
        receipt_counters::fiscal_year.eq(fiscal_year),
        receipt_counters::last_number.eq(1_i64),
    );
    let n: i64 = crate::on_engine!(conn, |c| diesel::insert_into(receipt_counters::table)
        .values(row)
        .on_conflict(receipt_counters::fiscal_year)
        .do_update()
        .set(receipt_counters::last_number.eq(receipt_counters::last_number + 1))
        .returning(receipt_counters::last_number)
        .get_result(c)?);
    Ok(n)
}

/// Pending donations whose hold has run out.
pub fn expired_holds(conn: &mut DbConnection, limit: i64) -> Result<Vec<String>> {
    Ok(donations::table
        .filter(donations::status.eq(DonationStatus::PendingPayment))
        .filter(donations::hold_until.lt(now()))
        .select(donations::id)
        .limit(limit)
        .load(conn)?)
}

/// Filters for staff lists and exports.
#[derive(Debug, Clone, Default)]
pub struct DonationFilter {
    pub status: Option<DonationStatus>,
    pub kind: Option<DonationKind>,
    pub channel: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// A staff search for one donor (`search_terms::search`): words each equal to one of the
    /// donor's terms (name or its family or given part, kana, email, phone, postal code, receipt
    /// number, portal order id) in any width or kana form, or a pasted donation id.
    pub q: Option<String>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &DonationFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<DonationRow>, i64)> {
    let search = match filter.q.as_deref() {
        Some(typed) => super::search_terms::search(conn, typed)?,
        None => None,
    };
    let build = || {
        let mut q = donations::table.into_boxed();
        if let Some(s) = filter.status {
            q = q.filter(donations::status.eq(s));
        }
        if let Some(k) = filter.kind {
            q = q.filter(donations::kind.eq(k));
        }
        if let Some(c) = &filter.channel {
            q = q.filter(donations::channel.eq(c.clone()));
        }
        if let Some(from) = filter.from {
            q = q.filter(donations::received_on.ge(from));
        }
        if let Some(to) = filter.to {
            q = q.filter(donations::received_on.le(to));
        }
        if let Some(search) = &search {
            q = super::search_terms::narrow(q, search);
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows = build()
        .select(DonationRow::as_select())
        .order((donations::created_at.desc(), donations::id.asc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// Paid donations with a one-stop request whose receipt date falls in the tax (calendar) year.
pub fn one_stop_requests(conn: &mut DbConnection, tax_year: i32) -> Result<Vec<DonationRow>> {
    let (first, last) = crate::domain::calendar::tax_year_bounds(tax_year);
    Ok(donations::table
        .filter(donations::status.eq(DonationStatus::Paid))
        .filter(donations::one_stop.eq(true))
        .filter(donations::received_on.between(first, last))
        .select(DonationRow::as_select())
        .order((
            donations::donor_prefecture.asc(),
            donations::donor_city.asc(),
            donations::received_on.asc(),
        ))
        .load(conn)?)
}

/// Counts one more issue of a donation's receipt (再発行).
pub fn count_receipt_issue(conn: &mut DbConnection, id: &str) -> Result<()> {
    diesel::update(donations::table.filter(donations::id.eq(id)))
        .set(donations::receipt_issue_count.eq(donations::receipt_issue_count + 1))
        .execute(conn)?;
    Ok(())
}
