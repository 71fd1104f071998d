//! What a signed-in donor sees on My page: their donations by tax year (the calendar year a
//! donation was received, which is the year it is deducted in), receipts, vouchers with balances
//! and the one-stop request; and having the receipt and voucher emails sent again.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::Serialize;

use crate::config::Settings;
use crate::db::schema::donations;
use crate::db::DbConnection;
use crate::domain::calendar::{japan_date, one_stop_deadline};
use crate::domain::donation::DonationStatus;
use crate::donations::lifecycle::{self, donor_emails};
use crate::donations::store::{self, DonationRow};
use crate::donations::types::DonorDonationView;
use crate::donations::views;
use crate::email;
use crate::error::{Error, ErrorCode, Result};
use crate::rate_limit::{self, Window};
use crate::vouchers::issue;

/// One tax year of a donor's donations.
#[derive(Serialize)]
pub struct DonationYear {
    pub year: i32,
    /// Paid donations of the year, in yen (refunded ones are not counted).
    pub total: i64,
    /// The last day for the one-stop application of this year's donations.
    pub one_stop_deadline: NaiveDate,
    pub donations: Vec<DonorDonationView>,
}

/// The year a donation counts in: when it was received, or (not yet paid) when it was made.
fn tax_year(row: &DonationRow) -> i32 {
    row.received_on
        .unwrap_or_else(|| japan_date(row.created_at.and_utc()))
        .year()
}

/// Every donation made with `email` (on any channel) except failed attempts, newest year first.
pub fn donations_of(
    conn: &mut DbConnection,
    settings: &Settings,
    email: &str,
) -> Result<Vec<DonationYear>> {
    let rows: Vec<DonationRow> = donations::table
        .filter(donations::donor_email.eq(email))
        .filter(donations::status.ne(DonationStatus::Cancelled))
        .order(donations::created_at.desc())
        .select(DonationRow::as_select())
        .load(conn)?;
    let mut years: Vec<DonationYear> = Vec::new();
    for row in rows {
        let year = tax_year(&row);
        let view = views::donor_view(conn, settings, &row)?;
        let paid = if row.status == DonationStatus::Paid {
            row.amount
        } else {
            0
        };
        match years.iter_mut().find(|y| y.year == year) {
            Some(y) => {
                y.total += paid;
                y.donations.push(view);
            }
            None => years.push(DonationYear {
                year,
                total: paid,
                one_stop_deadline: one_stop_deadline(year),
                donations: vec![view],
            }),
        }
    }
    years.sort_by_key(|y| std::cmp::Reverse(y.year));
    Ok(years)
}

/// One donation of the signed-in donor; anyone else's is "not found".
pub fn donation_of(conn: &mut DbConnection, email: &str, id: &str) -> Result<DonationRow> {
    store::find(conn, id)?
        .filter(|d| d.donor.donor_email == email)
        .ok_or_else(store::donation_not_found)
}

/// Queues the receipt and voucher emails of a paid donation again (three times an hour at most).
pub fn resend_emails(
    conn: &mut DbConnection,
    settings: &Settings,
    email: &str,
    id: &str,
) -> Result<usize> {
    let donation = donation_of(conn, email, id)?;
    if donation.status != DonationStatus::Paid {
        return Err(Error::rejected(
            ErrorCode::ReceiptNotFound,
            "お支払いが確認できた寄附だけ、メールを再送できます。",
        ));
    }
    let window = Window {
        limit: 3,
        seconds: 3600,
    };
    let bucket = format!("donor-resend:{id}");
    if let Some(wait) = rate_limit::take(conn, &bucket, window)? {
        return Err(Error::Throttled {
            code: ErrorCode::TooManyAttempts,
            detail: "メールの再送は1時間に3回までです。しばらくしてからお試しください。".to_owned(),
            retry_after_seconds: wait,
        });
    }
    let voucher = issue::for_donation(conn, &donation.id)?;
    let item = lifecycle::item_of(conn, &donation)?;
    let mails = donor_emails(conn, settings, &donation, item.as_ref(), voucher.as_ref())?;
    for mail in &mails {
        email::enqueue(conn, mail)?;
    }
    Ok(mails.len())
}
