//! Donations (寄附): creation with stock reservation, payment, receipts, refunds, staff views.

pub mod access;
pub mod admin_routes;
pub mod lifecycle;
pub mod receipt;
pub mod routes;
pub mod store;
pub mod types;
pub mod views;
