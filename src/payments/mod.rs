//! Payment confirmation: the provider's signed webhook (`confirm`) and staff (`offline`).

pub mod confirm;
pub mod offline;
pub mod routes;
pub mod signature;
pub mod types;
