//! POST /api/v1/payments/webhook: signed events from the payment provider.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use diesel::prelude::*;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::signature::{self, SignatureError};
use crate::config::Settings;
use crate::db::schema::payment_events;
use crate::db::{is_unique_violation, now, DbConnection};
use crate::domain::calendar::japan_date;
use crate::domain::donation::DonationStatus;
use crate::domain::donation::{on_payment_succeeded, payment_failure_cancels, SucceededEffect};
use crate::donations::lifecycle::{self, Payment};
use crate::donations::store;
use crate::error::{Error, Problem, Result};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct WebhookEvent {
    /// The provider's event id; the same id is processed once.
    pub id: String,
    /// `payment.succeeded` or `payment.failed`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub data: WebhookData,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WebhookData {
    pub donation_id: String,
    pub amount: i64,
    /// When the payment succeeded; its Japan date becomes the receipt date.
    pub paid_at: Option<DateTime<FixedOffset>>,
    pub provider_reference: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAck {
    pub received: bool,
    /// `paid`, `cancelled`, `no_change`, `needs_attention`, `duplicate` or `ignored`.
    pub outcome: String,
}

fn invalid_signature(e: SignatureError) -> Error {
    let detail = match e {
        SignatureError::Missing => "The Furusato-Signature header is missing.",
        SignatureError::Malformed => "The Furusato-Signature header is malformed.",
        SignatureError::OutsideTolerance => {
            "The signature timestamp is outside the accepted window."
        }
        SignatureError::Mismatch => "The signature does not match the body.",
    };
    Error::unauthorized("invalid_signature", detail)
}

/// Records the event id first: a repeat (even a concurrent one) finds it and does nothing.
fn claim_event(conn: &mut DbConnection, event: &WebhookEvent) -> Result<bool> {
    let inserted = conn.transaction(|c| {
        diesel::insert_into(payment_events::table)
            .values((
                payment_events::id.eq(&event.id),
                payment_events::donation_id.eq(&event.data.donation_id),
                payment_events::event_type.eq(&event.event_type),
                payment_events::amount.eq(event.data.amount),
                payment_events::outcome.eq("processing"),
                payment_events::received_at.eq(now()),
            ))
            .execute(c)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn apply_event(
    conn: &mut DbConnection,
    settings: &Settings,
    event: &WebhookEvent,
) -> Result<&'static str> {
    let donation = store::get(conn, &event.data.donation_id)?;
    // Only money that arrived must match; a failure of a wrong amount is still a failure.
    if event.event_type == "payment.succeeded" && event.data.amount != donation.amount {
        return Err(Error::unprocessable(
            "amount_mismatch",
            "The paid amount differs from the donation's amount; nothing was changed.",
        ));
    }
    let status = donation.status()?;
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
                // paid_at decides the receipt date; a payment cannot have happened in the future.
                let slack = Duration::seconds(settings.payment.signature_tolerance_seconds);
                if paid_at > Utc::now() + slack {
                    return Err(Error::field("data.paid_at", "cannot be in the future"));
                }
                let payment = Payment {
                    paid_at: paid_at.naive_utc(),
                    received_on: japan_date(paid_at),
                    method: "card".to_owned(),
                    provider_reference: event.data.provider_reference.clone(),
                };
                match lifecycle::mark_paid(
                    conn,
                    settings,
                    &donation.id,
                    &[DonationStatus::PendingPayment],
                    &payment,
                )? {
                    Some(_) => "paid",
                    None => "no_change",
                }
            }
            SucceededEffect::NoChange => "no_change",
            SucceededEffect::NeedsAttention => {
                lifecycle::flag_for_attention(
                    conn,
                    &donation.id,
                    &format!("Payment event {} succeeded after the donation was cancelled: refund or re-open it.", event.id),
                )?;
                "needs_attention"
            }
        },
        "payment.failed" => {
            if payment_failure_cancels(status)
                && lifecycle::cancel(conn, &donation, "payment_failed")?
            {
                "cancelled"
            } else {
                "no_change"
            }
        }
        _ => "ignored",
    };
    diesel::update(payment_events::table.filter(payment_events::id.eq(&event.id)))
        .set(payment_events::outcome.eq(outcome))
        .execute(conn)?;
    Ok(outcome)
}

/// Payment events from the provider, signed with the shared secret.
#[utoipa::path(
    tag = "payments",
    request_body = WebhookEvent,
    params(("Furusato-Signature" = String, Header, description = "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>")),
    responses(
        (status = 200, body = WebhookAck, description = "Processed, or a repeat of an event already processed"),
        (status = 400, description = "invalid_event", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "invalid_signature", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "donation_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "amount_mismatch", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/payments/webhook")]
pub async fn webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let settings = state.settings.clone();
    signature::verify(
        settings.payment.webhook_secret.expose_secret().as_bytes(),
        req.headers()
            .get("furusato-signature")
            .and_then(|v| v.to_str().ok()),
        &body,
        Utc::now().timestamp(),
        settings.payment.signature_tolerance_seconds,
    )
    .map_err(invalid_signature)?;
    let event: WebhookEvent = serde_json::from_slice(&body).map_err(|e| {
        Error::bad_request("invalid_event", format!("The event is not understood: {e}"))
    })?;
    let outcome = state
        .db
        .write(move |conn| {
            if !claim_event(conn, &event)? {
                return Ok("duplicate");
            }
            apply_event(conn, &settings, &event)
        })
        .await?;
    Ok(HttpResponse::Ok().json(WebhookAck {
        received: true,
        outcome: outcome.to_owned(),
    }))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(webhook);
}
