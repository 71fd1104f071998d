//! Automatic bookings, each in the transaction of what caused it and exactly once (a unique
//! booking key per cost): a paid donation's gift, shipping and fee; a portal import's rows; a
//! partner's settled month of vouchers; and the reversal of a refunded donation's costs.

use chrono::NaiveDate;

use super::store::{insert_new, insert_once, open_entries_of_donation, CostEntryRow};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::domain::calendar::YearMonth;
use crate::domain::cost::{costs_of_paid, CostCategory, CostSource, FeeRates, PaidDonation};
use crate::domain::donation::DonationKind;
use crate::domain::money::{BasisPoints, Yen};
use crate::donations::store::DonationRow;
use crate::error::Result;

/// A paid donation as the ledger books it.
pub struct Paid<'a> {
    pub id: &'a str,
    pub channel: &'a str,
    pub gift_id: Option<&'a str>,
    pub received_on: NaiveDate,
    pub donation: PaidDonation,
}

impl<'a> Paid<'a> {
    /// A donation just marked paid; `None` if it has no receipt date (never, once paid).
    pub fn of(d: &'a DonationRow, issues_voucher: bool) -> Option<Paid<'a>> {
        Some(Paid {
            id: &d.id,
            channel: &d.channel,
            gift_id: d.gift_id.as_deref(),
            received_on: d.received_on?,
            donation: PaidDonation {
                kind: d.kind,
                amount: Yen(d.amount),
                quantity: d.quantity,
                method: d.payment_method?,
                unit_cost: d.gift_unit_cost.map(Yen),
                unit_shipping: d.gift_unit_shipping_cost.map(Yen),
                issues_voucher,
            },
        })
    }
}

/// The fee rates for a donation that came through `channel`.
pub fn rates(settings: &Settings, channel: &str) -> FeeRates {
    FeeRates {
        card: BasisPoints(settings.costs.card_fee_basis_points),
        portal: settings.costs.portal_fee(channel),
    }
}

/// Books what a paid donation costs, at the given rates, keyed `<source>:<donation id>`.
pub fn paid_at(conn: &mut DbConnection, rates: FeeRates, paid: &Paid<'_>) -> Result<()> {
    insert_once(conn, &entries_of(rates, std::slice::from_ref(paid)))?;
    Ok(())
}

/// Books what an import's new donations cost, in the import's transaction. Their ids are new,
/// so no booking key can be in the ledger yet: PostgreSQL takes them by `COPY`.
pub fn imported(conn: &mut DbConnection, rates: FeeRates, paid: &[Paid<'_>]) -> Result<()> {
    insert_new(conn, &entries_of(rates, paid))
}

/// The ledger entries of paid donations.
fn entries_of(rates: FeeRates, paid: &[Paid<'_>]) -> Vec<CostEntryRow> {
    let mut rows = Vec::new();
    for p in paid {
        for cost in costs_of_paid(&p.donation, rates) {
            let mut row =
                CostEntryRow::new(p.received_on, cost.category, cost.amount.get(), cost.source);
            row.booking_key = Some(format!("{}:{}", cost.source.as_str(), p.id));
            row.donation_id = Some(p.id.to_owned());
            row.channel = Some(p.channel.to_owned());
            if p.donation.kind == DonationKind::Gift && !p.donation.issues_voucher {
                row.gift_id = p.gift_id.map(str::to_owned);
            }
            rows.push(row);
        }
    }
    rows
}

/// Books what a just-paid donation costs, in the paying transaction.
pub fn paid(
    conn: &mut DbConnection,
    settings: &Settings,
    donation: &DonationRow,
    issues_voucher: bool,
) -> Result<()> {
    match Paid::of(donation, issues_voucher) {
        Some(p) => paid_at(conn, rates(settings, p.channel), &p),
        None => Ok(()),
    }
}

/// Books a partner's settled month: the vouchers spent at its premises are what the gifts of
/// on-site donations cost (返礼品等の調達), dated the month's last day.
pub fn settlement(
    conn: &mut DbConnection,
    partner_id: &str,
    month: YearMonth,
    net_amount: i64,
) -> Result<()> {
    if net_amount == 0 {
        return Ok(());
    }
    let mut row = CostEntryRow::new(
        month.last_day(),
        CostCategory::Procurement,
        net_amount,
        CostSource::VoucherSettlement,
    );
    row.booking_key = Some(format!("voucher_settlement:{partner_id}:{month}"));
    row.vendor_id = Some(partner_id.to_owned());
    row.note = format!("{month} 電子商品券の精算");
    insert_once(conn, &[row])?;
    Ok(())
}

/// Reverses what a refunded donation cost, each entry on its own date. A gift that had already
/// left its vendor (not `gift_returned`) was paid for, and so was its carriage: those stay booked.
pub fn refund(
    conn: &mut DbConnection,
    donation_id: &str,
    reason: &str,
    gift_returned: bool,
) -> Result<()> {
    let note = format!("返金: {reason}");
    let reversals: Vec<CostEntryRow> = open_entries_of_donation(conn, donation_id)?
        .iter()
        .filter(|e| gift_returned || !matches!(e.source, CostSource::Gift | CostSource::Shipping))
        .map(|e| e.reversal(&note, None))
        .collect();
    insert_once(conn, &reversals)?;
    Ok(())
}
