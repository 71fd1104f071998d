//! `payments::record_offline`: staff record a bank transfer or counter payment.

use chrono::NaiveDate;

use crate::config::Settings;
use crate::db::{now, DbConnection};
use crate::domain::calendar::{japan_date, japan_today};
use crate::domain::donation::{
    check_offline_payment, DonationStatus, OfflinePaymentRefusal, PaymentMethod,
};
use crate::donations::lifecycle::{self, Payment};
use crate::donations::store::{self, DonationRow};
use crate::donations::views;
use crate::error::{Error, ErrorCode, Result};

/// A payment that reached the municipality outside the provider.
#[derive(Debug, Clone, Copy)]
pub struct OfflinePayment {
    /// 受領日: the transfer date or the day paid at the counter.
    pub received_on: NaiveDate,
    pub method: PaymentMethod,
}

fn refusal_error(
    refusal: OfflinePaymentRefusal,
    status: DonationStatus,
    made_on: NaiveDate,
) -> Error {
    match refusal {
        OfflinePaymentRefusal::NotPayable => Error::rejected(
            ErrorCode::AlreadyPaid,
            format!(
                "The donation is {}; only pending or cancelled donations can be marked paid.",
                status.as_str()
            ),
        ),
        OfflinePaymentRefusal::CardOnly => Error::rejected(
            ErrorCode::CardPaymentOnly,
            "On-site e-voucher donations are paid by card only.",
        ),
        OfflinePaymentRefusal::ReceivedOnOutOfRange => Error::field(
            "received_on",
            format!("must be between the day the donation was made ({made_on}) and today"),
        ),
    }
}

/// Marks the donation paid with what staff recorded (receipt number, voucher and emails follow
/// as for a card payment) and writes the audit entry. Runs in the caller's write transaction.
pub fn record_offline(
    conn: &mut DbConnection,
    settings: &Settings,
    actor_id: &str,
    donation_id: &str,
    payment: OfflinePayment,
) -> Result<DonationRow> {
    let before = store::get(conn, donation_id)?;
    let status = before.status;
    let made_on = japan_date(before.created_at.and_utc());
    let item = lifecycle::item_of(conn, &before)?.map(|g| g.category);
    check_offline_payment(
        before.kind.issues_voucher(item),
        status,
        made_on,
        payment.received_on,
        japan_today(),
    )
    .map_err(|refusal| refusal_error(refusal, status, made_on))?;
    // A cancelled donation gave its stock back; take it again.
    if status == DonationStatus::Cancelled {
        if let Some(gift_id) = &before.gift_id {
            store::reserve_stock(conn, gift_id, before.quantity)?;
        }
    }
    let paid = Payment {
        paid_at: now(),
        received_on: payment.received_on,
        method: payment.method,
        provider_reference: None,
    };
    let after =
        lifecycle::mark_paid(conn, settings, donation_id, &[status], &paid)?.ok_or_else(|| {
            Error::rejected(
                ErrorCode::AlreadyPaid,
                "The donation changed meanwhile; reload it.",
            )
        })?;
    views::audit_change(conn, actor_id, "record_payment", &before, &after)?;
    Ok(after)
}
