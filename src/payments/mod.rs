//! Payments: where a donor pays (`provider`, with the built-in `test_provider`), confirmation by
//! the provider's signed webhook (`confirm`) and by staff (`offline`).

pub mod confirm;
pub mod offline;
pub mod provider;
pub mod routes;
pub mod signature;
pub mod test_provider;
pub mod types;
