//! Donations (寄附): creation with stock reservation, payment, receipts, refunds, staff views.

pub mod access;
pub mod admin_routes;
pub mod create;
pub mod lifecycle;
pub mod one_stop;
pub mod receipt;
pub mod refund;
pub mod routes;
pub mod search_terms;
pub mod store;
pub mod types;
pub mod views;
