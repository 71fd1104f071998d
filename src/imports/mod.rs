//! Portal donation imports: CSV files from portal sites brought into the one donation ledger.

pub mod csv;
pub mod examples;
pub mod import;
pub mod profile_routes;
pub mod profiles;
pub mod routes;
pub mod store;
