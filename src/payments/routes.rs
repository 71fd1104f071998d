//! POST /api/v1/payments/webhook: signed events from the payment provider.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use secrecy::ExposeSecret;

use super::confirm;
use super::signature::{self, SignatureError};
use super::types::{WebhookAck, WebhookEvent};
use crate::error::{Error, ErrorCode, Result};
use crate::state::AppState;

fn invalid_signature(e: SignatureError) -> Error {
    let detail = match e {
        SignatureError::Missing => "The Furusato-Signature header is missing.",
        SignatureError::Malformed => "The Furusato-Signature header is malformed.",
        SignatureError::OutsideTolerance => {
            "The signature timestamp is outside the accepted window."
        }
        SignatureError::Mismatch => "The signature does not match the body.",
    };
    Error::rejected(ErrorCode::InvalidSignature, detail)
}

crate::problems!(
    /// A payment provider's event.
    WebhookErrors: MalformedJson, InvalidEvent, InvalidSignature, DonationNotFound, AmountMismatch, PayloadTooLarge, UnsupportedMediaType
);

/// Payment events from the provider, signed with the shared secret.
#[utoipa::path(
    operation_id = "payment_webhook",
    request_body = WebhookEvent,
    params(("Furusato-Signature" = String, Header, description = "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>")),
    responses(
        (status = 200, body = WebhookAck, description = "Processed, or a repeat of an event already processed"),
        WebhookErrors,
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
        Error::rejected(
            ErrorCode::InvalidEvent,
            format!("The event is not understood: {e}"),
        )
    })?;
    let outcome = state
        .db
        .write(move |conn| confirm::confirm(conn, &settings, &event))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookAck {
        received: true,
        outcome: outcome.as_str().to_owned(),
    }))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(webhook);
}
