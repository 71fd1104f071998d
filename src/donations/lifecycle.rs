//! State changes of a donation and everything that follows from them, each inside the caller's
//! transaction: paid (receipt number, voucher, emails), cancelled (stock back), refunded.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::store::{self, DonationRow};
use crate::catalogue::store::{find_gift, organization_store, GiftRow};
use crate::config::Settings;
use crate::db::schema::donations;
use crate::db::{now, DbConnection};
use crate::domain::calendar::{japan_date, japan_today, FiscalYear};
use crate::domain::donation::{DonationStatus, PaymentMethod};
use crate::domain::money::Yen;
use crate::domain::receipt::receipt_number;
use crate::email::{self, RefundNotice, ThankYou, VoucherMail};
use crate::error::{Error, ErrorCode, Result};
use crate::orders::place::{on_donation_refunded, place_all, GiftLine};
use crate::vouchers::issue::{self, VoucherRow};

/// How and when a donation was paid.
#[derive(Debug, Clone)]
pub struct Payment {
    pub paid_at: NaiveDateTime,
    /// 受領日: decides the fiscal year the donation counts in.
    pub received_on: NaiveDate,
    pub method: PaymentMethod,
    pub provider_reference: Option<String>,
}

/// Marks a donation paid if it is still in one of `from`; numbers its receipt and does what
/// follows from payment. Returns `None` when the donation was not in one of those states.
pub fn mark_paid(
    conn: &mut DbConnection,
    settings: &Settings,
    id: &str,
    from: &[DonationStatus],
    payment: &Payment,
) -> Result<Option<DonationRow>> {
    let changed = crate::db::transition(
        conn,
        donations::table,
        id,
        donations::status.eq_any(from),
        (
            donations::status.eq(DonationStatus::Paid),
            donations::paid_at.eq(Some(payment.paid_at)),
            donations::received_on.eq(Some(payment.received_on)),
            donations::payment_method.eq(Some(payment.method)),
            donations::provider_reference.eq(payment.provider_reference.as_deref()),
            donations::hold_until.eq(None::<NaiveDateTime>),
            donations::updated_at.eq(now()),
        ),
    )?;
    if !changed {
        return Ok(None);
    }
    // Numbered only once the state change is certain, so no number is taken in vain.
    let fy = FiscalYear::of(payment.received_on);
    let number = receipt_number(fy, store::next_receipt_sequence(conn, fy.year())?);
    diesel::update(donations::table.filter(donations::id.eq(id)))
        .set((
            donations::receipt_number.eq(Some(&number)),
            donations::receipt_issue_count.eq(1),
        ))
        .execute(conn)?;
    let donation = store::get(conn, id)?;
    // Staff find a paid donation by its receipt number too.
    super::search_terms::index(conn, &donation)?;
    after_paid(conn, settings, &donation)?;
    Ok(Some(donation))
}

/// The catalogue item a donation names, if any (read once per payment: it decides the voucher
/// and names the gift in the thank-you letter).
pub fn item_of(conn: &mut DbConnection, donation: &DonationRow) -> Result<Option<GiftRow>> {
    match &donation.gift_id {
        Some(id) => Ok(find_gift(conn, id)?.map(|(gift, _)| gift)),
        None => Ok(None),
    }
}

/// What payment sets in motion, in the same transaction: the voucher of an on-site donation or
/// item, the order of a gift for its vendor, its costs in the ledger, and the donor's emails
/// (queued in the outbox, sent later by the worker).
fn after_paid(conn: &mut DbConnection, settings: &Settings, donation: &DonationRow) -> Result<()> {
    let item = item_of(conn, donation)?;
    let issues_voucher = donation
        .kind
        .issues_voucher(item.as_ref().map(|g| g.category));
    let voucher = if issues_voucher {
        Some(issue::issue_for_donation(
            conn,
            settings,
            &donation.id,
            Yen(donation.amount),
            donation
                .gift_unit_cost
                .map(|unit| Yen(unit * i64::from(donation.quantity))),
        )?)
    } else {
        None
    };
    if let Some(line) = GiftLine::of(donation) {
        place_all(conn, &[line])?;
    }
    crate::costs::book::paid(conn, settings, donation, issues_voucher)?;
    for mail in donor_emails(conn, settings, donation, item.as_ref(), voucher.as_ref())? {
        email::enqueue(conn, &mail)?;
    }
    Ok(())
}

/// The emails a paid donation's donor receives: the thank-you letter with the receipt details
/// and, for an on-site donation, its `voucher`. Sent on payment, and again when the donor asks.
/// `item` is the donation's catalogue item (`item_of`).
pub fn donor_emails(
    conn: &mut DbConnection,
    settings: &Settings,
    donation: &DonationRow,
    item: Option<&GiftRow>,
    voucher: Option<&VoucherRow>,
) -> Result<Vec<email::OutgoingEmail>> {
    let gift_name = item.map(|g| g.name.clone());
    let organization_name = match &donation.organization_id {
        Some(id) => organization_store::find(conn, id)?.map(|o| o.name),
        None => None,
    };
    let mut mails = vec![email::thank_you(
        settings,
        ThankYou {
            donation_id: donation.id.clone(),
            donor_name: donation.donor.donor_name.clone(),
            email: donation.donor.donor_email.clone(),
            amount: Yen(donation.amount),
            receipt_number: donation.receipt_number.clone().unwrap_or_default(),
            received_on: donation.received_on.unwrap_or_else(japan_today),
            gift_name,
            organization_name,
            one_stop: donation.one_stop,
        },
    )?];
    if let Some(voucher) = voucher {
        let code = issue::code_of(settings, &voucher.id).display();
        mails.push(email::voucher_issued(
            settings,
            VoucherMail {
                voucher_id: voucher.id.clone(),
                donor_name: donation.donor.donor_name.clone(),
                email: donation.donor.donor_email.clone(),
                qr_svg: email::qr_svg(&code),
                code_display: code,
                face_value: Yen(voucher.face_value),
                expires_on: japan_date(voucher.expires_at.and_utc()),
            },
        )?);
    }
    Ok(mails)
}

/// Cancels a donation still waiting for payment and gives its stock back.
pub fn cancel(conn: &mut DbConnection, donation: &DonationRow, reason: &str) -> Result<bool> {
    let changed = crate::db::transition(
        conn,
        donations::table,
        &donation.id,
        donations::status.eq(DonationStatus::PendingPayment),
        (
            donations::status.eq(DonationStatus::Cancelled),
            donations::cancelled_at.eq(Some(now())),
            donations::cancel_reason.eq(Some(reason)),
            donations::hold_until.eq(None::<NaiveDateTime>),
            donations::updated_at.eq(now()),
        ),
    )?;
    if changed {
        if let Some(gift_id) = &donation.gift_id {
            store::release_stock(conn, gift_id, donation.quantity)?;
        }
    }
    Ok(changed)
}

/// Refunds a paid donation: the record stays, marked refunded with the reason; the receipt is
/// voided, an order not yet sent is cancelled and its stock comes back (a sent one is flagged),
/// and an unspent voucher is voided (a partly spent one blocks it).
pub fn refund(
    conn: &mut DbConnection,
    settings: &Settings,
    donation: &DonationRow,
    reason: &str,
) -> Result<DonationRow> {
    if donation.status != DonationStatus::Paid {
        return Err(Error::rejected(
            ErrorCode::NotRefundable,
            format!(
                "Only paid donations can be refunded; this one is {}.",
                donation.status.as_str()
            ),
        ));
    }
    // Imported on-site donations have no voucher here; only a real one is voided.
    let voucher_voided = issue::void_for_refund(conn, &donation.id)?;
    let at = now();
    let changed = crate::db::transition(
        conn,
        donations::table,
        &donation.id,
        donations::status.eq(DonationStatus::Paid),
        (
            donations::status.eq(DonationStatus::Refunded),
            donations::refunded_at.eq(Some(at)),
            donations::refund_reason.eq(Some(reason)),
            donations::receipt_voided_at.eq(Some(at)),
            donations::updated_at.eq(at),
        ),
    )?;
    if !changed {
        return Err(Error::rejected(
            ErrorCode::NotRefundable,
            "The donation changed meanwhile; reload it and try again.",
        ));
    }
    // Stock comes back unless the gift has already left its vendor.
    let order_cancelled = on_donation_refunded(conn, &donation.id)?;
    // What the donation cost is reversed with it; a gift already sent was paid for all the same.
    crate::costs::book::refund(conn, &donation.id, reason, order_cancelled)?;
    if let (Some(gift_id), true) = (&donation.gift_id, order_cancelled) {
        store::release_stock(conn, gift_id, donation.quantity)?;
    }
    let notice = email::refund_notice(
        settings,
        RefundNotice {
            donation_id: donation.id.clone(),
            donor_name: donation.donor.donor_name.clone(),
            email: donation.donor.donor_email.clone(),
            amount: Yen(donation.amount),
            refunded_on: japan_date(at.and_utc()),
            receipt_number: donation.receipt_number.clone(),
            voucher_voided,
        },
    )?;
    email::enqueue(conn, &notice)?;
    store::get(conn, &donation.id)
}

/// Records something staff must resolve, without changing the donation's state.
pub fn flag_for_attention(conn: &mut DbConnection, id: &str, note: &str) -> Result<()> {
    diesel::update(donations::table.filter(donations::id.eq(id)))
        .set((
            donations::attention.eq(Some(note)),
            donations::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
