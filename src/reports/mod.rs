//! Admin reporting: yearly targets, monthly totals against the target, and breakdowns of the one ledger.

pub mod build;
pub mod csv;
pub mod routes;
pub mod store;
pub mod targets;
pub mod types;
