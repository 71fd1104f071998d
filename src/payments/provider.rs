//! The payment provider behind a donation: where the donor is sent to pay. The provider later
//! reports the outcome through the signed webhook (`payments::routes`), so the service never sees
//! a card number.
//!
//! A real provider plugs in by implementing [`PaymentProvider`] (create a checkout session at the
//! provider, answer its redirect URL) and being chosen in [`configured`] by `payment.provider`.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::test_provider::TestProvider;
use crate::config::Settings;
use crate::error::Result;

/// What a client needs to start paying.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaymentStart {
    /// The provider's name (`test` for the built-in test provider).
    pub provider: String,
    /// Send the donor's browser here to pay; relative URLs are on this service.
    pub redirect_url: String,
}

/// A donation waiting to be paid, as a provider needs it.
pub struct Checkout<'a> {
    pub donation_id: &'a str,
    pub amount: i64,
    /// Where the provider sends the donor back afterwards (a path on this service).
    pub return_path: String,
}

pub trait PaymentProvider: Send + Sync {
    /// Starts paying for `checkout`: the page the donor goes to.
    fn start<'a>(&'a self, checkout: Checkout<'a>) -> BoxFuture<'a, Result<PaymentStart>>;
}

/// The provider `payment.provider` names; `none` means donations are paid offline only.
pub fn configured(settings: &Settings) -> Option<Arc<dyn PaymentProvider>> {
    match settings.payment.provider.as_str() {
        "test" => Some(Arc::new(TestProvider)),
        _ => None,
    }
}

/// Where the storefront (at `root`: the Japanese pages' or the English ones') shows a donation's
/// outcome after paying.
pub fn storefront_return_path(root: &str, donation_id: &str) -> String {
    format!("{root}/donate/{donation_id}/done")
}
