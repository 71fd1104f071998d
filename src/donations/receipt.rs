//! Receipts (寄附金受領証明書): the data of a paid donation's receipt and its printable page.

use super::store::DonationRow;
use super::types::Receipt;
use crate::config::Settings;
use crate::domain::calendar::{japan_today, wareki_date};
use crate::domain::money::Yen;
use crate::error::{Error, ErrorCode, Result};

const TEMPLATE: &str = include_str!("../../templates/receipt.html");

/// The receipt of a donation that has one (paid, or refunded and so voided).
pub fn receipt_of(settings: &Settings, d: &DonationRow) -> Result<Receipt> {
    let (Some(number), Some(received_on)) = (&d.receipt_number, d.received_on) else {
        return Err(Error::rejected(
            ErrorCode::ReceiptNotFound,
            "This donation has no receipt yet: receipts are issued once payment is confirmed.",
        ));
    };
    let m = &settings.municipality;
    Ok(Receipt {
        receipt_number: number.clone(),
        donation_id: d.id.clone(),
        donor_name: d.donor.donor_name.clone(),
        donor_postal_code: d.donor.donor_postal_code.clone(),
        donor_address: format!(
            "{}{}{}",
            d.donor.donor_prefecture, d.donor.donor_city, d.donor.donor_address_line
        ),
        amount: d.amount,
        received_on,
        municipality_name: m.name.clone(),
        municipality_address: m.address.clone(),
        issuer_title: m.head_title.clone(),
        issuer_name: m.head_name.clone(),
        reissued: d.receipt_issue_count > 1,
        voided: d.receipt_voided_at.is_some(),
        issued_on: japan_today(),
    })
}

/// The printable page of a donation's receipt (refused as `receipt_of` refuses).
pub fn printable(settings: &Settings, d: &DonationRow) -> Result<String> {
    render_html(&receipt_of(settings, d)?)
}

/// The printable HTML page (HTML-escaped by the template engine).
pub fn render_html(receipt: &Receipt) -> Result<String> {
    let mut env = minijinja::Environment::new();
    env.add_template("receipt.html", TEMPLATE)
        .map_err(|e| Error::Internal(e.into()))?;
    let template = env
        .get_template("receipt.html")
        .map_err(|e| Error::Internal(e.into()))?;
    template
        .render(minijinja::context! {
            r => receipt,
            amount => Yen(receipt.amount).grouped(),
            received_on => wareki_date(receipt.received_on),
            issued_on => wareki_date(receipt.issued_on),
        })
        .map_err(|e| Error::Internal(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_in_the_japanese_era() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(wareki_date(d(2025, 7, 14)), "令和7年7月14日");
        assert_eq!(wareki_date(d(2019, 5, 1)), "令和元年5月1日");
        assert_eq!(wareki_date(d(2019, 4, 30)), "平成31年4月30日");
    }
}
