//! Payment confirmation from the payment provider: the signed webhook.

pub mod routes;
pub mod signature;
