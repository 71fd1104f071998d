//! The payment provider's webhook event and our answer to it.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
