//! Portal donation imports: CSV files from portal sites brought into the one donation ledger.

pub mod csv;
pub mod import;
pub mod routes;
pub mod store;
