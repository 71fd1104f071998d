//! `payments::confirm`: a verified webhook event applied once to its donation.

use chrono::{Duration, Utc};
use diesel::prelude::*;

use super::types::WebhookEvent;
use crate::config::Settings;
use crate::db::schema::payment_events;
use crate::db::{now, DbConnection};
use crate::domain::calendar::japan_date;
use crate::domain::donation::{
    check_paid_at, on_payment_succeeded, payment_failure_cancels, DonationStatus, PaymentMethod,
    SucceededEffect,
};
use crate::donations::lifecycle::{self, Payment};
use crate::donations::store;
use crate::error::{Error, ErrorCode, Result};
use crate::idempotency::insert_once;

crate::named_enum! {
    /// What an event did; the provider sees it in the acknowledgement.
    pub enum WebhookOutcome {
        /// Claimed, not yet applied (only ever seen inside the transaction).
        Processing = "processing",
        Paid = "paid",
        Cancelled = "cancelled",
        NoChange = "no_change",
        NeedsAttention = "needs_attention",
        Duplicate = "duplicate",
        Ignored = "ignored",
    }
}

/// Applies a signature-checked event: a repeat of an event id does nothing. Runs in the
/// caller's write transaction.
pub fn confirm(
    conn: &mut DbConnection,
    settings: &Settings,
    event: &WebhookEvent,
) -> Result<WebhookOutcome> {
    if !claim_event(conn, event)? {
        return Ok(WebhookOutcome::Duplicate);
    }
    apply_event(conn, settings, event)
}

/// Records the event id first: a repeat (even a concurrent one) finds it and does nothing.
fn claim_event(conn: &mut DbConnection, event: &WebhookEvent) -> Result<bool> {
    insert_once(conn, |c| {
        diesel::insert_into(payment_events::table)
            .values((
                payment_events::id.eq(&event.id),
                payment_events::donation_id.eq(&event.data.donation_id),
                payment_events::event_type.eq(&event.event_type),
                payment_events::amount.eq(event.data.amount),
                payment_events::outcome.eq(WebhookOutcome::Processing.as_str()),
                payment_events::received_at.eq(now()),
            ))
            .execute(c)
    })
}

fn apply_event(
    conn: &mut DbConnection,
    settings: &Settings,
    event: &WebhookEvent,
) -> Result<WebhookOutcome> {
    let donation = store::get(conn, &event.data.donation_id)?;
    // Only money that arrived must match; a failure of a wrong amount is still a failure.
    if event.event_type == "payment.succeeded" && event.data.amount != donation.amount {
        return Err(Error::rejected(
            ErrorCode::AmountMismatch,
            "The paid amount differs from the donation's amount; nothing was changed.",
        ));
    }
    let status = donation.status;
    let outcome = match event.event_type.as_str() {
        "payment.succeeded" => match on_payment_succeeded(status) {
            SucceededEffect::MarkPaid => {
                let paid_at = event
                    .data
                    .paid_at
                    .ok_or_else(|| {
                        Error::field("data.paid_at", "is required for payment.succeeded")
                    })?
                    .with_timezone(&Utc);
                // paid_at decides the receipt date: only between the donation and now.
                let slack = Duration::seconds(settings.payment.signature_tolerance_seconds);
                check_paid_at(paid_at, donation.created_at.and_utc(), Utc::now(), slack)
                    .map_err(|why| Error::field("data.paid_at", why))?;
                let payment = Payment {
                    paid_at: paid_at.naive_utc(),
                    received_on: japan_date(paid_at),
                    method: PaymentMethod::Card,
                    provider_reference: event.data.provider_reference.clone(),
                };
                match lifecycle::mark_paid(
                    conn,
                    settings,
                    &donation.id,
                    &[DonationStatus::PendingPayment],
                    &payment,
                )? {
                    Some(_) => WebhookOutcome::Paid,
                    None => WebhookOutcome::NoChange,
                }
            }
            SucceededEffect::NoChange => WebhookOutcome::NoChange,
            SucceededEffect::NeedsAttention => {
                lifecycle::flag_for_attention(
                    conn,
                    &donation.id,
                    &format!("Payment event {} succeeded after the donation was cancelled: refund or re-open it.", event.id),
                )?;
                WebhookOutcome::NeedsAttention
            }
        },
        "payment.failed" => {
            if payment_failure_cancels(status)
                && lifecycle::cancel(conn, &donation, "payment_failed")?
            {
                WebhookOutcome::Cancelled
            } else {
                WebhookOutcome::NoChange
            }
        }
        _ => WebhookOutcome::Ignored,
    };
    diesel::update(payment_events::table.filter(payment_events::id.eq(&event.id)))
        .set(payment_events::outcome.eq(outcome.as_str()))
        .execute(conn)?;
    Ok(outcome)
}
