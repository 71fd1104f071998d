//! The one-stop (ワンストップ特例) list of a tax year, grouped by the donor's home municipality.

use std::collections::BTreeMap;

use super::store;
use super::types::{OneStopDonation, OneStopGroup, OneStopReport};
use crate::db::DbConnection;
use crate::domain::calendar::one_stop_deadline;
use crate::error::{Error, Result};

/// A tax (calendar) year the list can be asked for: the one rule, `domain::one_stop`'s.
pub fn check_tax_year(tax_year: i32) -> Result<i32> {
    crate::domain::one_stop::check_tax_year(tax_year).map_err(|e| Error::Validation(vec![e]))
}

/// Paid donations with a one-stop request, per (prefecture, city), with the application deadline.
pub fn report(conn: &mut DbConnection, tax_year: i32) -> Result<OneStopReport> {
    let mut groups: BTreeMap<(String, String), OneStopGroup> = BTreeMap::new();
    for d in store::one_stop_requests(conn, tax_year)? {
        let group = groups
            .entry((d.donor.donor_prefecture.clone(), d.donor.donor_city.clone()))
            .or_insert_with(|| OneStopGroup {
                prefecture: d.donor.donor_prefecture.clone(),
                city: d.donor.donor_city.clone(),
                count: 0,
                amount: 0,
                donations: Vec::new(),
            });
        group.count += 1;
        group.amount += d.amount;
        if let Some(received_on) = d.received_on {
            group.donations.push(OneStopDonation {
                donation_id: d.id,
                donor_name: d.donor.donor_name,
                amount: d.amount,
                received_on,
            });
        }
    }
    Ok(OneStopReport {
        tax_year,
        application_deadline: one_stop_deadline(tax_year),
        groups: groups.into_values().collect(),
    })
}
